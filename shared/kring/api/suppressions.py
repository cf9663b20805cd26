"""``/api/suppressions``: the addresses Kring does not mail because they bounced for good or
complained (admin). Addresses are known only by their keyed hash: list them (``GET``, paginated;
``?email=`` finds one address's entry), read one (``GET /api/suppressions/{id}``), and clear one
so mail goes out again (``DELETE /api/suppressions/{id}``: 204; 404 when not suppressed)."""

from __future__ import annotations

import re
from datetime import datetime
from urllib.parse import unquote

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter
from pydantic import BaseModel

from kring.api import pagination
from kring.api.resource_models import ListOut
from kring.api.responses import json_response, no_content
from kring.dal import keys
from kring.dal.suppressions import Suppression, SuppressionRepository
from kring.errors import InvalidInputError, NotFoundError
from kring.links.identity import email_hash

router = APIGatewayHttpRouter()  # type: ignore[no-untyped-call]

LIST_SCOPE = "suppressions"
_HASH = re.compile(r"^[0-9a-f]{32}$")


class SuppressionOut(BaseModel):
    id: str
    reason: str
    detail: str
    suppressed_at: datetime
    ambassador_id: str | None

    @classmethod
    def of(cls, s: Suppression) -> SuppressionOut:
        return cls(
            id=s.address_hash,
            reason=s.reason,
            detail=s.detail,
            suppressed_at=s.suppressed_at,
            ambassador_id=s.ambassador_id,
        )


def _id(raw: str) -> str:
    value = unquote(raw)
    if not _HASH.match(value):
        raise NotFoundError(f"no suppression {value[:80]!r}")
    return value


@router.get("/suppressions")
def list_suppressions() -> Response[str]:
    event = router.current_event
    repo = SuppressionRepository()
    email = event.get_query_string_value("email")
    if email is not None:
        address_hash = email_hash(email)
        if address_hash is None:
            raise InvalidInputError("email is not an e-mail address")
        found = repo.get(address_hash)
        return json_response(
            200, ListOut[SuppressionOut](items=[SuppressionOut.of(found)] if found else [], next=None)
        )
    items, next_token = pagination.list_page(event, LIST_SCOPE, keys.SUPPRESSION_LIST, repo.list_page)
    return json_response(
        200, ListOut[SuppressionOut](items=[SuppressionOut.of(s) for s in items], next=next_token)
    )


@router.get("/suppressions/<suppression_id>")
def get_suppression(suppression_id: str) -> Response[str]:
    found = SuppressionRepository().get(_id(suppression_id))
    if found is None:
        raise NotFoundError("no such suppression")
    return json_response(200, SuppressionOut.of(found))


@router.delete("/suppressions/<suppression_id>")
def clear_suppression(suppression_id: str) -> Response[str]:
    if not SuppressionRepository().clear(_id(suppression_id)):
        raise NotFoundError("no such suppression")
    return no_content()

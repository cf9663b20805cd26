"""``/api/ambassadors``: create or replace, read, list, import (CSV) and erase ambassadors."""

from __future__ import annotations

import base64
import binascii
import json
from urllib.parse import unquote

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter

from kring import config
from kring.api import pagination
from kring.api.models import AmbassadorOut, FieldErrorOut, ImportLineErrorOut, ImportReportOut, ListOut
from kring.api.responses import json_response, no_content
from kring.dal import keys
from kring.errors import InvalidInputError
from kring.roster import ambassadors

router = APIGatewayHttpRouter()  # type: ignore[no-untyped-call]  # Powertools leaves __init__ unannotated

LIST_SCOPE = "ambassadors"


def _body_bytes() -> bytes:
    event = router.current_event
    body = event.body or ""
    if event.is_base64_encoded:
        try:
            return base64.b64decode(body, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise InvalidInputError("the body is not valid base64") from exc
    return body.encode("utf-8")


def _path_id(raw: str) -> str:
    return unquote(raw)


@router.post("/ambassadors")
def save_ambassador() -> Response[str]:
    """Create (201) or replace (200, ``created_at`` kept) one ambassador."""
    try:
        data = json.loads(_body_bytes())
    except ValueError as exc:  # JSONDecodeError and UnicodeDecodeError
        raise InvalidInputError("the body is not JSON") from exc
    saved = ambassadors.save_ambassador(ambassadors.parse_input(data))
    body = AmbassadorOut.of(saved.ambassador)
    if saved.created:
        return json_response(201, body, {"Location": f"/api/ambassadors/{saved.ambassador.id}"})
    return json_response(200, body)


@router.get("/ambassadors")
def list_ambassadors() -> Response[str]:
    event = router.current_event
    limit = pagination.page_limit(event.get_query_string_value("limit"), config.api().api_page_size)
    cursor = pagination.decode(
        event.get_query_string_value("next"), LIST_SCOPE, partition={keys.GSI1_PK: keys.AMBASSADOR_LIST}
    )
    page = ambassadors.list_ambassadors(limit, cursor)
    out = ListOut[AmbassadorOut](
        items=[AmbassadorOut.of(a) for a in page.items], next=pagination.encode(LIST_SCOPE, page.cursor)
    )
    return json_response(200, out)


@router.post("/ambassadors/import")
def import_ambassadors() -> Response[str]:
    """CSV in (see :func:`kring.roster.ambassadors.parse_csv`); the report of what was imported out."""
    report = ambassadors.import_csv(_body_bytes())
    out = ImportReportOut(
        imported=report.imported,
        created=report.created,
        updated=report.updated,
        errors=[
            ImportLineErrorOut(line=e.line, id=e.id, errors=[FieldErrorOut(**d) for d in e.errors])
            for e in report.errors
        ],
    )
    return json_response(200, out)


@router.get("/ambassadors/<ambassador_id>")
def get_ambassador(ambassador_id: str) -> Response[str]:
    return json_response(200, AmbassadorOut.of(ambassadors.get_ambassador(_path_id(ambassador_id))))


@router.delete("/ambassadors/<ambassador_id>")
def erase_ambassador(ambassador_id: str) -> Response[str]:
    """Erasure (GDPR): 204, also when the ambassador was erased before; 404 for an unknown id."""
    ambassadors.erase_ambassador(_path_id(ambassador_id))
    return no_content()

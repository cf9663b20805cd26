"""Invitation campaigns for the talent team (issue 13, Awareness), admin API:

- ``POST /api/programme/invitations`` — ``{"audience": "everyone" | {"department": "..."} |
  {"location": "..."}, "note"?, "by"?}``: the campaign is stored and announced; 202 with it (its
  invitations go out in the background: :mod:`kring.programme.campaigns`).
- ``GET /api/programme/invitations`` — the campaigns, newest first (``limit``, ``next``), each
  with its counts: ``sent`` (invitations sent, one per ambassador at most) and ``opened``
  (ambassadors who opened theirs — people, not mail scanners or link previews).

Bad input is a 400 (not JSON) or a 422 naming the field, and changes nothing.
"""

from __future__ import annotations

from datetime import UTC, datetime

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter
from pydantic import ValidationError

from kring import safe_json
from kring.api import pagination
from kring.api.request_body import body_bytes
from kring.api.responses import json_response
from kring.dal import keys
from kring.errors import FieldValidationError
from kring.models.invitation import CampaignInput
from kring.programme import campaigns

router = APIGatewayHttpRouter()  # type: ignore[no-untyped-call]  # Powertools leaves __init__ unannotated

MAX_BODY_BYTES = 4 * 1024
LIST_SCOPE = "invitation-campaigns"


@router.post("/programme/invitations")
def launch() -> Response[str]:
    raw = safe_json.loads(body_bytes(router.current_event), max_bytes=MAX_BODY_BYTES)  # 400 / 413
    try:
        wanted = CampaignInput.model_validate(raw)
    except ValidationError as exc:
        raise FieldValidationError("the campaign is not valid", safe_json.field_errors(exc)) from exc
    campaign = campaigns.launch(wanted, now=datetime.now(UTC))
    return json_response(
        202, campaign.model_dump(mode="json", exclude_none=True), {"Location": "/api/programme/invitations"}
    )


@router.get("/programme/invitations")
def list_campaigns() -> Response[str]:
    items, next_token = pagination.list_page(
        router.current_event, LIST_SCOPE, keys.INVITATION_CAMPAIGNS, campaigns.campaigns
    )
    return json_response(
        200, {"items": [c.model_dump(mode="json", exclude_none=True) for c in items], "next": next_token}
    )

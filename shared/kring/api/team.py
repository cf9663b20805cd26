"""``/api/team``: the talent team's digest recipients and programme settings (admin).

- ``GET /api/team/recipients`` — every address of the weekly team digest, with its locale;
- ``POST /api/team/recipients`` — ``{"email", "locale"}``: add an address (201), or change the
  locale of one already there (200: the address, case-folded, is the key);
- ``GET`` / ``DELETE /api/team/recipients/{id}`` — one address; delete answers 204 (404 unknown);
- ``GET`` / ``PUT /api/team/settings`` — the time zone of the schedules, what a hire costs
  through other channels (``other_channels``: ``channel``, ``label``, ``cost_per_hire`` as a
  decimal string, ``currency``), beside which the team digest shows the ambassadors' cost per
  hire, and the leaderboards' ``point_weights`` (:mod:`kring.points`); every PUT puts
  ``PointWeightsChanged`` on the bus, so the recent rankings are scored with the weights stored
  (:mod:`kring.points.rerank`).

Bad input is a 400 (not JSON) or 422 (field errors) and changes nothing.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TypeVar
from urllib.parse import unquote

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter
from pydantic import BaseModel, TypeAdapter, ValidationError

from kring import team_settings as settings
from kring.api.request_body import parsed_body
from kring.api.responses import json_response, no_content
from kring.api.team_models import RecipientIn, RecipientOut, RecipientsOut, SettingsIn, SettingsOut
from kring.errors import NotFoundError
from kring.models.team import ChannelCost, RecipientId

router = APIGatewayHttpRouter()  # type: ignore[no-untyped-call]  # Powertools leaves __init__ unannotated

MAX_BODY_BYTES = 16 * 1024
_RECIPIENT_ID: TypeAdapter[str] = TypeAdapter(RecipientId)


def _now() -> datetime:
    return datetime.now(UTC)


M = TypeVar("M", bound=BaseModel)


def _parse(model: type[M], what: str) -> M:
    return parsed_body(router.current_event, model, what, max_bytes=MAX_BODY_BYTES)  # 400 / 413 / 422


def _known_recipient(raw: str) -> str:
    value = unquote(raw)
    try:
        if _RECIPIENT_ID.validate_python(value, strict=True) == value:
            return value
    except ValidationError:
        pass
    raise NotFoundError(f"no team recipient {value[:80]!r}")


@router.get("/team/recipients")
def list_recipients() -> Response[str]:
    recipients = settings.recipients()
    return json_response(200, RecipientsOut(items=[RecipientOut.of(r) for r in recipients]))


@router.post("/team/recipients")
def add_recipient() -> Response[str]:
    wanted = _parse(RecipientIn, "recipient")
    saved = settings.save_recipient(wanted.email, wanted.locale, now=_now())
    out = RecipientOut.of(saved.recipient)
    if saved.created:
        return json_response(201, out, {"Location": f"/api/team/recipients/{saved.recipient.id}"})
    return json_response(200, out)


@router.get("/team/recipients/<rid>")
def get_recipient(rid: str) -> Response[str]:
    return json_response(200, RecipientOut.of(settings.recipient(_known_recipient(rid))))


@router.delete("/team/recipients/<rid>")
def delete_recipient(rid: str) -> Response[str]:
    settings.remove_recipient(_known_recipient(rid))
    return no_content()


@router.get("/team/settings")
def get_settings() -> Response[str]:
    return json_response(200, SettingsOut.of(settings.current()))


@router.put("/team/settings")
def put_settings() -> Response[str]:
    wanted = _parse(SettingsIn, "settings")
    saved = settings.save_team_settings(
        time_zone=wanted.time_zone,
        other_channels=[ChannelCost.model_validate(c.model_dump()) for c in wanted.other_channels],
        point_weights=wanted.point_weights,
        now=_now(),
    )
    return json_response(200, SettingsOut.of(saved))

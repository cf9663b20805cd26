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

from kring.api.request_body import parsed_body
from kring.api.responses import json_response, no_content
from kring.api.team_models import RecipientIn, RecipientOut, RecipientsOut, SettingsIn, SettingsOut
from kring.dal.programme_settings import ProgrammeSettingsRepository
from kring.dal.team_recipients import TeamRecipientRepository
from kring.errors import FieldValidationError, NotFoundError
from kring.models.team import ChannelCost, ProgrammeSettings, RecipientId, TeamRecipient, recipient_id
from kring.points import rerank

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
    recipients = TeamRecipientRepository().all()
    return json_response(200, RecipientsOut(items=[RecipientOut.of(r) for r in recipients]))


@router.post("/team/recipients")
def add_recipient() -> Response[str]:
    wanted = _parse(RecipientIn, "recipient")
    repository = TeamRecipientRepository()
    now = _now()
    rid = recipient_id(wanted.email)
    before = repository.get(rid)
    recipient = TeamRecipient(
        id=rid,
        email=wanted.email,
        locale=wanted.locale,
        created_at=before.created_at if before else now,
        updated_at=now,
    )
    repository.put(recipient)
    if before is None:
        return json_response(201, RecipientOut.of(recipient), {"Location": f"/api/team/recipients/{rid}"})
    return json_response(200, RecipientOut.of(recipient))


@router.get("/team/recipients/<rid>")
def get_recipient(rid: str) -> Response[str]:
    recipient = TeamRecipientRepository().get(_known_recipient(rid))
    if recipient is None:
        raise NotFoundError("no such team recipient")
    return json_response(200, RecipientOut.of(recipient))


@router.delete("/team/recipients/<rid>")
def delete_recipient(rid: str) -> Response[str]:
    if not TeamRecipientRepository().delete(_known_recipient(rid)):
        raise NotFoundError("no such team recipient")
    return no_content()


@router.get("/team/settings")
def get_settings() -> Response[str]:
    return json_response(200, SettingsOut.of(ProgrammeSettingsRepository().get()))


@router.put("/team/settings")
def put_settings() -> Response[str]:
    wanted = _parse(SettingsIn, "settings")
    names = [c.channel for c in wanted.other_channels]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise FieldValidationError(
            "the settings are not valid",
            [{"field": "other_channels", "message": f"each channel once: {', '.join(duplicates)} repeat"}],
        )
    settings = ProgrammeSettings(
        time_zone=wanted.time_zone,
        programme=ProgrammeSettingsRepository().get().programme,  # /api/programme/settings owns it
        other_channels=tuple(ChannelCost.model_validate(c.model_dump()) for c in wanted.other_channels),
        point_weights=wanted.point_weights,
        updated_at=_now(),
    )
    ProgrammeSettingsRepository().put(settings)
    stamp = f"{settings.updated_at:%Y-%m-%dT%H:%M:%S.%fZ}"
    rerank.announce(settings.point_weights, correlation_id=f"settings:{stamp}")
    return json_response(200, SettingsOut.of(settings))

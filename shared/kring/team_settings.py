"""The talent team's settings, changed by an admin through the API (``/api/team/settings``,
``/api/programme/settings``, ``/api/team/recipients``) or the dashboard's Settings page — both
call these functions, so a change is validated, stored and announced one way.

Input arrives validated by the callers' pydantic models (:mod:`kring.api.team_models`,
:class:`kring.models.programme.ProgrammeRules`); what a model cannot say alone (a channel given
twice) is refused here with a :class:`~kring.errors.FieldValidationError`, nothing stored.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from kring.dal.programme_settings import ProgrammeSettingsRepository
from kring.dal.team_recipients import TeamRecipientRepository
from kring.errors import FieldValidationError, NotFoundError
from kring.models.common import Locale
from kring.models.programme import ProgrammeRules
from kring.models.team import ChannelCost, PointWeights, ProgrammeSettings, TeamRecipient, recipient_id
from kring.points import rerank


def current() -> ProgrammeSettings:
    return ProgrammeSettingsRepository().get()


def save_team_settings(
    *,
    time_zone: str,
    other_channels: Sequence[ChannelCost],
    point_weights: PointWeights,
    now: datetime,
) -> ProgrammeSettings:
    """Replace the time zone, the other channels' costs and the point weights (the programme's
    rules stay: :func:`save_programme_rules` owns them); put ``PointWeightsChanged`` on the bus so
    the recent rankings are scored with the weights stored (:mod:`kring.points.rerank`)."""
    names = [c.channel for c in other_channels]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise FieldValidationError(
            "the settings are not valid",
            [{"field": "other_channels", "message": f"each channel once: {', '.join(duplicates)} repeat"}],
        )
    repository = ProgrammeSettingsRepository()
    settings = ProgrammeSettings(
        time_zone=time_zone,
        programme=repository.get().programme,
        other_channels=tuple(other_channels),
        point_weights=point_weights,
        updated_at=now,
    )
    repository.put(settings)
    stamp = f"{now:%Y-%m-%dT%H:%M:%S.%fZ}"
    rerank.announce(settings.point_weights, correlation_id=f"settings:{stamp}")
    return settings


def save_programme_rules(rules: ProgrammeRules, *, now: datetime) -> ProgrammeRules:
    """Replace the programme's rules (dormancy, evangelist rule, onboarding checklist)."""
    repository = ProgrammeSettingsRepository()
    repository.put(repository.get().model_copy(update={"programme": rules, "updated_at": now}))
    return rules


@dataclass(frozen=True)
class SavedRecipient:
    recipient: TeamRecipient
    created: bool  # False: the address was there (its locale replaced)


def save_recipient(email: str, locale: Locale, *, now: datetime) -> SavedRecipient:
    """Add an address of the team digest, or change the locale of one already there."""
    repository = TeamRecipientRepository()
    rid = recipient_id(email)
    before = repository.get(rid)
    recipient = TeamRecipient(
        id=rid,
        email=email,
        locale=locale,
        created_at=before.created_at if before else now,
        updated_at=now,
    )
    repository.put(recipient)
    return SavedRecipient(recipient, before is None)


def recipients() -> list[TeamRecipient]:
    return TeamRecipientRepository().all()


def recipient(rid: str) -> TeamRecipient:
    found = TeamRecipientRepository().get(rid)
    if found is None:
        raise NotFoundError("no such team recipient")
    return found


def remove_recipient(rid: str) -> None:
    """Remove an address of the team digest (:class:`NotFoundError`: not there)."""
    if not TeamRecipientRepository().delete(rid):
        raise NotFoundError("no such team recipient")

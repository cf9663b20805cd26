"""The talent team's side of the programme: who gets the weekly team digest, and the settings it
is computed with (other channels' cost per hire, the time zone of the schedules)."""

from __future__ import annotations

import hashlib
from decimal import Decimal
from typing import Annotated
from zoneinfo import available_timezones

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, EmailStr, Field, StringConstraints

from kring.models.common import Locale
from kring.models.programme import ProgrammeRules

DEFAULT_TIME_ZONE = "Europe/Amsterdam"
MAX_CHANNELS = 20

RecipientId = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{20}$")]
ChannelName = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=40, pattern=r"^[a-z0-9][a-z0-9_-]*$"),
]
Currency = Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")]


def _zone(name: str) -> str:
    if name not in available_timezones():
        raise ValueError("must be an IANA time zone, e.g. Europe/Amsterdam")
    return name


TimeZoneName = Annotated[str, StringConstraints(max_length=64), AfterValidator(_zone)]


def recipient_id(email: str) -> str:
    """A recipient's id: derived from the address (case-folded), so adding an address twice is
    one recipient; it names the address without spelling it in URLs and logs."""
    return hashlib.sha256(f"kring/team-recipient/v1\x00{email.casefold()}".encode()).hexdigest()[:20]


class TeamRecipient(BaseModel):
    """One address of the weekly talent-team digest."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: RecipientId
    email: EmailStr
    locale: Locale
    created_at: AwareDatetime
    updated_at: AwareDatetime


class ChannelCost(BaseModel):
    """What a hire costs the talent team through one other channel (an agency's fee, job boards)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    channel: ChannelName = Field(description="e.g. agency, job_boards")
    label: str | None = Field(default=None, max_length=100, description="How the digest names it")
    cost_per_hire: Decimal = Field(gt=0, le=Decimal("100000000"), max_digits=12, decimal_places=2)
    currency: Currency = "EUR"


MAX_POINT_WEIGHT = 1000


class PointWeights(BaseModel):
    """What one counted item of each source is worth on the leaderboards (kring.points)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    share_intent: int = Field(default=1, ge=0, le=MAX_POINT_WEIGHT)
    click: int = Field(default=2, ge=0, le=MAX_POINT_WEIGHT)
    application: int = Field(default=10, ge=0, le=MAX_POINT_WEIGHT)
    interview: int = Field(default=20, ge=0, le=MAX_POINT_WEIGHT)
    hire: int = Field(default=50, ge=0, le=MAX_POINT_WEIGHT)
    colleague_recruited: int = Field(default=10, ge=0, le=MAX_POINT_WEIGHT)


class ProgrammeSettings(BaseModel):
    """The talent team's settings. ``time_zone`` is the schedules' (digests, periods, the
    programme's dormancy sweep); ``point_weights`` the leaderboards'; ``programme`` the advocacy
    programme's rules (issue 13)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    time_zone: TimeZoneName = DEFAULT_TIME_ZONE
    point_weights: PointWeights = PointWeights()
    other_channels: tuple[ChannelCost, ...] = Field(default=(), max_length=MAX_CHANNELS)
    programme: ProgrammeRules = ProgrammeRules()
    updated_at: AwareDatetime | None = None

"""What the talent-team routes take and answer, mapped explicitly from :mod:`kring.models.team`.
Amounts are decimal strings, never floats."""

from __future__ import annotations

from decimal import Decimal

from pydantic import AwareDatetime, BaseModel, ConfigDict, EmailStr, Field

from kring.api.resource_models import _Out
from kring.models.common import Locale
from kring.models.team import (
    MAX_CHANNELS,
    ChannelCost,
    ChannelName,
    Currency,
    PointWeights,
    ProgrammeSettings,
    TeamRecipient,
    TimeZoneName,
)


class RecipientIn(BaseModel):
    """Add an address (or change the locale of one already there: the address is the key)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    email: EmailStr
    locale: Locale = "en"


class RecipientOut(_Out):
    id: str
    email: str
    locale: Locale
    created_at: AwareDatetime
    updated_at: AwareDatetime

    @classmethod
    def of(cls, recipient: TeamRecipient) -> RecipientOut:
        return cls(
            id=recipient.id,
            email=recipient.email,
            locale=recipient.locale,
            created_at=recipient.created_at,
            updated_at=recipient.updated_at,
        )


class RecipientsOut(_Out):
    items: list[RecipientOut]


class ChannelCostIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    channel: ChannelName
    label: str | None = Field(default=None, max_length=100)
    cost_per_hire: Decimal = Field(gt=0, le=Decimal("100000000"), max_digits=12, decimal_places=2)
    currency: Currency = "EUR"


class SettingsIn(BaseModel):
    """The whole settings (PUT): what is left out takes its default."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    time_zone: TimeZoneName = "Europe/Amsterdam"
    other_channels: list[ChannelCostIn] = Field(default_factory=list, max_length=MAX_CHANNELS)
    point_weights: PointWeights = Field(
        default_factory=PointWeights,
        description="Points per counted share intent, click, application, interview, hire and"
        " colleague recruited (0..1000 each; left out: the defaults 1, 2, 10, 20, 50, 10)",
    )


class ChannelCostOut(_Out):
    channel: str
    label: str | None
    cost_per_hire: str = Field(description="A decimal amount, e.g. 8000.00")
    currency: str

    @classmethod
    def of(cls, cost: ChannelCost) -> ChannelCostOut:
        return cls(
            channel=cost.channel,
            label=cost.label,
            cost_per_hire=str(cost.cost_per_hire),
            currency=cost.currency,
        )


class SettingsOut(_Out):
    time_zone: str
    other_channels: list[ChannelCostOut]
    point_weights: PointWeights
    updated_at: AwareDatetime | None

    @classmethod
    def of(cls, settings: ProgrammeSettings) -> SettingsOut:
        return cls(
            time_zone=settings.time_zone,
            other_channels=[ChannelCostOut.of(c) for c in settings.other_channels],
            point_weights=settings.point_weights,
            updated_at=settings.updated_at,
        )

"""What the rewards routes (and the reward totals in an ambassador's stats) answer, mapped
explicitly from :mod:`kring.attribution.rewards`. Amounts are decimal strings, never floats."""

from __future__ import annotations

from collections.abc import Mapping

from pydantic import AwareDatetime, Field

from kring.api.resource_models import _Out
from kring.attribution.rewards import Reward, RewardStatus, RewardTotals


class RewardOut(_Out):
    ambassador_id: str
    ambassador_name: str | None = Field(description="None once the ambassador is erased")
    reward_id: str
    status: RewardStatus = Field(description="eligible: pending, and the holding period is over")
    amount: str = Field(description="A decimal amount, e.g. 500.00")
    currency: str
    hired_at: AwareDatetime
    eligible_at: AwareDatetime
    paid_at: AwareDatetime | None
    cancelled_at: AwareDatetime | None
    provider: str | None
    application_id: str | None
    vacancy_id: str | None
    reversed_after_payment: bool = Field(description="Paid, and the hire was taken back afterwards")

    @classmethod
    def of(cls, reward: Reward, names: Mapping[str, str]) -> RewardOut:
        entry = reward.entry
        return cls(
            ambassador_id=entry.ambassador_id,
            ambassador_name=names.get(entry.ambassador_id),
            reward_id=entry.reward_id,
            status=reward.status,
            amount=str(entry.amount),
            currency=entry.currency,
            hired_at=entry.hired_at,
            eligible_at=entry.eligible_at,
            paid_at=entry.paid_at,
            cancelled_at=entry.cancelled_at,
            provider=entry.provider,
            application_id=entry.application_id,
            vacancy_id=entry.vacancy_id,
            reversed_after_payment=entry.reversed_after_payment,
        )


class RewardTotalsOut(_Out):
    """One currency's amounts by status now (pending: still in the holding period)."""

    currency: str
    pending: str
    eligible: str
    paid: str
    cancelled: str
    entries: int
    reversed_after_payment: str = Field(description="Of paid: hires taken back after the payment")

    @classmethod
    def of(cls, totals: RewardTotals) -> RewardTotalsOut:
        return cls(
            currency=totals.currency,
            pending=str(totals.pending),
            eligible=str(totals.eligible),
            paid=str(totals.paid),
            cancelled=str(totals.cancelled),
            entries=totals.entries,
            reversed_after_payment=str(totals.reversed_after_payment),
        )

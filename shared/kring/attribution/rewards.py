"""Rewards: the ledger the attribution writes (one entry per credited hire), read back with its
derived status, totalled per ambassador, and paid by an admin.

Statuses: the ledger stores pending | cancelled | paid; **eligible** is derived on every read —
pending and ``eligible_at`` (the hire plus the holding period) reached — so nothing has to run
when the holding period ends. Paying is allowed only then; paying an entry that is already paid
answers that entry again (idempotent: a retried request never pays twice).

Pure logic over :mod:`kring.dal.rewards`: no HTTP shapes here, no boto3.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, Literal, get_args

from aws_lambda_powertools.metrics import MetricUnit
from pydantic import TypeAdapter, ValidationError

from kring.dal import rewards as ledger
from kring.dal.rewards import LedgerEntry
from kring.errors import ConflictError, FieldValidationError, NotFoundError
from kring.models.common import AmbassadorId, Page, RewardId
from kring.observability import logger, metrics

RewardStatus = Literal["pending", "eligible", "paid", "cancelled"]
REWARD_STATUSES: tuple[RewardStatus, ...] = get_args(RewardStatus)
MAX_PAY_ATTEMPTS = 3

_AMBASSADOR_ID: TypeAdapter[str] = TypeAdapter(AmbassadorId)
_REWARD_ID: TypeAdapter[str] = TypeAdapter(RewardId)


@dataclass(frozen=True)
class Reward:
    """A ledger entry and its status now."""

    entry: LedgerEntry
    status: RewardStatus


@dataclass(frozen=True)
class RewardTotals:
    """One ambassador's rewards in one currency, by status now (amounts, and how many entries)."""

    currency: str
    pending: Decimal
    eligible: Decimal
    paid: Decimal
    cancelled: Decimal
    entries: int
    reversed_after_payment: Decimal = Decimal(0)  # of ``paid``: hires taken back after payment


def _now() -> datetime:
    return datetime.now(UTC)


def status_of(entry: LedgerEntry, now: datetime) -> RewardStatus:
    if entry.status == ledger.PENDING and entry.eligible_at <= now:
        return "eligible"
    return entry.status


# --- query parameters ------------------------------------------------------------------------------
def parse_status(raw: str | None) -> RewardStatus | None:
    """The ``status`` filter: one of :data:`REWARD_STATUSES` (or absent); 422 otherwise."""
    if raw is None or raw.strip() == "":
        return None
    text = raw.strip().lower()
    for status in REWARD_STATUSES:
        if text == status:
            return status
    raise FieldValidationError(
        "the query is not valid",
        [{"field": "status", "message": f"must be one of {', '.join(REWARD_STATUSES)}"}],
    )


def parse_ambassador_filter(raw: str | None) -> str | None:
    """The ``ambassador_id`` filter: an id as ambassadors have them (or absent); 422 otherwise."""
    if raw is None or raw.strip() == "":
        return None
    try:
        return _AMBASSADOR_ID.validate_python(raw)
    except ValidationError as exc:
        raise FieldValidationError(
            "the query is not valid", [{"field": "ambassador_id", "message": "is not an ambassador id"}]
        ) from exc


# --- reads -----------------------------------------------------------------------------------------
def list_rewards(
    limit: int,
    cursor: Mapping[str, Any] | None = None,
    *,
    status: RewardStatus | None = None,
    ambassador_id: str | None = None,
    now: datetime | None = None,
) -> Page[Reward]:
    """One page of ledger entries: every one in order of the hire (gsi1), or one ambassador's
    (their collection, reward id order). ``status`` filters the page read — derived statuses are
    known only on read —, so a page may hold fewer than ``limit`` entries (even none) and still
    have a next one."""
    moment = now or _now()
    page = (
        ledger.RewardRepository().ambassador_page(ambassador_id, limit, cursor)
        if ambassador_id is not None
        else ledger.RewardRepository().list_page(limit, cursor)
    )
    items = [Reward(entry, status_of(entry, moment)) for entry in page.items]
    if status is not None:
        items = [r for r in items if r.status == status]
    return Page(items=items, cursor=page.cursor)


def totals(entries: Iterable[LedgerEntry], now: datetime) -> tuple[RewardTotals, ...]:
    """Amounts by status now, one :class:`RewardTotals` per currency (in currency order)."""
    by_currency: dict[str, dict[str, Decimal]] = {}
    counts: dict[str, int] = {}
    reversed_paid: dict[str, Decimal] = {}
    for entry in entries:
        sums = by_currency.setdefault(entry.currency, dict.fromkeys(REWARD_STATUSES, Decimal(0)))
        sums[status_of(entry, now)] += entry.amount
        counts[entry.currency] = counts.get(entry.currency, 0) + 1
        if entry.status == ledger.PAID and entry.reversed_after_payment:
            reversed_paid[entry.currency] = reversed_paid.get(entry.currency, Decimal(0)) + entry.amount
    return tuple(
        RewardTotals(
            currency=currency,
            pending=sums["pending"],
            eligible=sums["eligible"],
            paid=sums["paid"],
            cancelled=sums["cancelled"],
            entries=counts[currency],
            reversed_after_payment=reversed_paid.get(currency, Decimal(0)),
        )
        for currency, sums in sorted(by_currency.items())
    )


def ambassador_totals(ambassador_id: str, now: datetime | None = None) -> tuple[RewardTotals, ...]:
    """Every entry of one ambassador (one Query of their collection), totalled."""
    return totals(ledger.RewardRepository().of_ambassador(ambassador_id), now or _now())


# --- paying ----------------------------------------------------------------------------------------
def _is(adapter: TypeAdapter[str], value: str) -> bool:
    """Whether ``value`` is exactly an id of ``adapter``'s type (so it can be in a key)."""
    try:
        return adapter.validate_python(value, strict=True) == value
    except ValidationError:
        return False


def _known(ambassador_id: str, reward_id: str) -> LedgerEntry:
    valid = _is(_AMBASSADOR_ID, ambassador_id) and _is(_REWARD_ID, reward_id)
    entry = ledger.RewardRepository().get(ambassador_id, reward_id) if valid else None
    if entry is None:
        raise NotFoundError(f"no reward {reward_id!r} for ambassador {ambassador_id!r}")
    return entry


def pay(ambassador_id: str, reward_id: str, *, now: datetime | None = None) -> Reward:
    """Mark an eligible reward paid (``paid_at`` = now) and return it.

    Already paid: the entry as it is (a retried request is not a second payment). Cancelled, or
    not eligible yet: :class:`ConflictError` (409). Unknown: :class:`NotFoundError` (404). The
    write is conditional on what was judged, so a cancellation or payment in between is seen and
    judged again.
    """
    moment = now or _now()
    for _attempt in range(MAX_PAY_ATTEMPTS):
        entry = _known(ambassador_id, reward_id)
        status = status_of(entry, moment)
        if status == "paid":
            return Reward(entry, status)
        if status == "cancelled":
            raise ConflictError("the reward was cancelled (the hire was taken back): it cannot be paid")
        if status == "pending":
            raise ConflictError(
                f"the reward is not eligible yet: its holding period ends at {entry.eligible_at.isoformat()}"
            )
        paid = ledger.RewardRepository().mark_paid(entry, moment)
        if paid is not None:
            metrics.add_metric(name="RewardsPaid", unit=MetricUnit.Count, value=1)
            logger.info("reward paid", extra={"reward_id": reward_id, "currency": paid.currency})
            return Reward(paid, "paid")
    raise ConflictError(f"reward {reward_id!r} kept changing while it was being paid")

"""Digest periods: days, ISO weeks and months in the organisation's time zone.

A :class:`Period` is half-open, ``[start, end)``, in local dates of the zone: a weekly period runs
from Monday 00:00 to the next Monday 00:00 wherever the clocks change in between, so periods of
one frequency tile time with no gap and no overlap (daylight saving moves the UTC instants, never
the local dates). ``key`` names a period stably (``weekly:2026-W49``, ``daily:2026-12-04``,
``monthly:2026-12``): it is what the once-only send marker and the "last digest sent" record use.

:func:`period_ending` is the period a run reports on: the last one complete at the run's moment
in the zone — the weekly run on Monday 08:30 reports the ISO week that ended at Monday 00:00.

The counters Kring keeps are per UTC day; :meth:`Period.utc_days` is the day range a period reads
(its local dates, taken as UTC days — off by the zone's one or two hours at each end).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import Literal, get_args
from zoneinfo import ZoneInfo

Frequency = Literal["daily", "weekly", "monthly"]
FREQUENCIES: tuple[Frequency, ...] = get_args(Frequency)
DEFAULT_TIME_ZONE = "Europe/Amsterdam"


def _month_start(day: date) -> date:
    return day.replace(day=1)


def _next_month(day: date) -> date:
    first = _month_start(day)
    return (
        first.replace(year=first.year + 1, month=1)
        if first.month == 12
        else first.replace(month=first.month + 1)
    )


@dataclass(frozen=True, order=True)
class Period:
    """One digest period, ``[start, end)`` in local dates. Build it with :func:`period_containing`
    or :func:`period_ending`; the constructor checks that the bounds are one whole period."""

    frequency: Frequency
    start: date
    end: date

    def __post_init__(self) -> None:
        if self.frequency not in FREQUENCIES:
            raise ValueError(f"unknown frequency {self.frequency!r}")
        if period_containing(self.frequency, self.start) != (self.start, self.end):
            raise ValueError(f"{self.start}..{self.end} is not one {self.frequency} period")

    @property
    def key(self) -> str:
        if self.frequency == "daily":
            return f"daily:{self.start.isoformat()}"
        if self.frequency == "weekly":
            year, week, _ = self.start.isocalendar()
            return f"weekly:{year}-W{week:02d}"
        return f"monthly:{self.start.year}-{self.start.month:02d}"

    def previous(self) -> Period:
        return Period(self.frequency, *period_containing(self.frequency, self.start - timedelta(days=1)))

    def next(self) -> Period:
        return Period(self.frequency, *period_containing(self.frequency, self.end))

    @property
    def last_day(self) -> date:
        """The period's last local date (``end`` is the first date after it)."""
        return self.end - timedelta(days=1)

    def days(self) -> int:
        return (self.end - self.start).days

    def starts_at(self, tz: ZoneInfo) -> datetime:
        """The instant the period begins (local midnight of ``start``, in UTC)."""
        return _local_midnight(self.start, tz)

    def ends_at(self, tz: ZoneInfo) -> datetime:
        """The instant the period ends (local midnight of ``end``), excluded."""
        return _local_midnight(self.end, tz)

    def utc_days(self) -> tuple[date, date]:
        """The UTC day range (inclusive) the period reads from day counters."""
        return self.start, self.last_day


def _local_midnight(day: date, tz: ZoneInfo) -> datetime:
    """Midnight of ``day`` in ``tz``, as a UTC instant (arithmetic on datetimes sharing one zone
    object ignores offset changes; on UTC ones it is exact). No zone Kring serves skips or repeats
    midnight; should one do so, fold=0 picks the first reading, which keeps consecutive periods
    adjacent all the same."""
    return datetime.combine(day, time(0), tzinfo=tz).astimezone(UTC)


def period_containing(frequency: Frequency, day: date) -> tuple[date, date]:
    """The bounds ``(start, end)`` of the ``frequency`` period holding local date ``day``."""
    if frequency == "daily":
        return day, day + timedelta(days=1)
    if frequency == "weekly":
        monday = day - timedelta(days=day.weekday())
        return monday, monday + timedelta(days=7)
    if frequency == "monthly":
        return _month_start(day), _next_month(day)
    raise ValueError(f"unknown frequency {frequency!r}")


def period_of(frequency: Frequency, day: date) -> Period:
    return Period(frequency, *period_containing(frequency, day))


def zone(name: str | None = None) -> ZoneInfo:
    """The organisation's time zone (:data:`DEFAULT_TIME_ZONE` when none is set)."""
    return ZoneInfo(name or DEFAULT_TIME_ZONE)


def period_ending(frequency: Frequency, at: datetime, tz: ZoneInfo) -> Period:
    """The period a run at ``at`` (aware) reports on: the last one that is complete at ``at`` in
    ``tz`` — the one before the period holding ``at``'s local date."""
    if at.tzinfo is None:
        raise ValueError("at must be an aware datetime")
    return period_of(frequency, at.astimezone(tz).date()).previous()


@lru_cache(maxsize=256)
def parse_key(key: str) -> Period:
    """The period a :attr:`Period.key` names; ValueError ("not a period key") for anything else.
    Kept (a Period is immutable): a sender's batch asks for the same few keys many times."""
    try:
        period = _parse_key(key)
    except ValueError as exc:
        raise ValueError(f"not a period key: {key!r}") from exc
    if period.key != key:
        raise ValueError(f"not a period key: {key!r}")
    return period


def _parse_key(key: str) -> Period:
    frequency, _, rest = key.partition(":")
    if frequency == "daily":
        return period_of("daily", date.fromisoformat(rest))
    if frequency == "weekly":
        year, _, week = rest.partition("-W")
        return period_of("weekly", date.fromisocalendar(int(year), int(week), 1))
    if frequency == "monthly":
        year, _, month = rest.partition("-")
        return period_of("monthly", date(int(year), int(month), 1))
    raise ValueError(key)

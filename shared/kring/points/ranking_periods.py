"""The leaderboards' periods: ISO weeks (``2026-W49``), months (``2026-12``) and quarters
(``2026-Q4``) of UTC days — the days the counters are kept by. Pure: no I/O."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Literal, get_args

PeriodKind = Literal["week", "month", "quarter"]
PERIOD_KINDS: tuple[PeriodKind, ...] = get_args(PeriodKind)


def period_of(kind: PeriodKind, day: date) -> str:
    if kind == "week":
        year, week, _ = day.isocalendar()
        return f"{year:04d}-W{week:02d}"
    if kind == "month":
        return f"{day.year:04d}-{day.month:02d}"
    return f"{day.year:04d}-Q{(day.month - 1) // 3 + 1}"


def periods_of(day: date) -> tuple[str, str, str]:
    """The week, month and quarter ``day`` falls in."""
    return (period_of("week", day), period_of("month", day), period_of("quarter", day))


def bounds(period: str) -> tuple[date, date]:
    """The first and last day of a period id; ValueError for anything else."""
    year_text, _, rest = period.partition("-")
    if len(year_text) != 4 or not (year_text.isascii() and year_text.isdigit()):
        raise ValueError(f"not a period: {period!r}")
    year = int(year_text)
    if rest.startswith("W") and len(rest) == 3 and rest[1:].isascii() and rest[1:].isdigit():
        first = date.fromisocalendar(year, int(rest[1:]), 1)
        return first, first + timedelta(days=6)
    if rest.startswith("Q") and rest[1:] in {"1", "2", "3", "4"}:
        quarter = int(rest[1:])
        first = date(year, 3 * quarter - 2, 1)
        return first, _month_end(year, 3 * quarter)
    if len(rest) == 2 and rest.isascii() and rest.isdigit() and 1 <= int(rest) <= 12:
        return date(year, int(rest), 1), _month_end(year, int(rest))
    raise ValueError(f"not a period: {period!r}")


def _month_end(year: int, month: int) -> date:
    if month == 12:
        return date(year, 12, 31)
    return date(year, month + 1, 1) - timedelta(days=1)


def periods_between(first: date, last: date) -> list[str]:
    """Every period (of every kind) that holds a day from ``first`` to ``last``, in order of kind."""
    out: list[str] = []
    for kind in PERIOD_KINDS:
        day = first
        while day <= last:
            period = period_of(kind, day)
            if not out or out[-1] != period:
                out.append(period)
            end = bounds(period)[1]
            if end >= last:
                break
            day = end + timedelta(days=1)
    return out

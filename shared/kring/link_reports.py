"""Read the click recorder's counters back: a vacancy's funnel and an ambassador's stats over a
bounded range of UTC days — in total, by channel and by day.

Unique visitors are counted per day (the visitor hash rotates daily, so nothing else is
knowable); a total over several days is the sum of the daily figures and is named for what it
is: ``unique_visitor_days``.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from kring import ambassadors, link_activity, vacancies
from kring.dal import keys, link_stats
from kring.errors import FieldValidationError
from kring.link_activity import (
    BOT_CLICKS,
    BOT_KINDS,
    CLICKS,
    OWN_CLICKS,
    RAW_CLICKS,
    SHARE_INTENTS,
    UNIQUE_VISITORS,
    by_channel,
)
from kring.models.common import CHANNELS

DEFAULT_DAYS = 90
MAX_DAYS = 366
_ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True)
class Figures:
    """One slice of the counters. ``unique_visitors`` is a sum of daily uniques for any slice
    longer than a day; ``bot_clicks_by_reason`` is only kept per vacancy/ambassador and day, not
    per channel (empty there)."""

    share_intents: int
    clicks: int
    raw_clicks: int
    unique_visitors: int
    bot_clicks: int
    own_clicks: int
    bot_clicks_by_reason: Mapping[str, int]

    @classmethod
    def total(cls, counters: Mapping[str, int]) -> Figures:
        return cls(
            share_intents=counters.get(SHARE_INTENTS, 0),
            clicks=counters.get(CLICKS, 0),
            raw_clicks=counters.get(RAW_CLICKS, 0),
            unique_visitors=counters.get(UNIQUE_VISITORS, 0),
            bot_clicks=counters.get(BOT_CLICKS, 0),
            own_clicks=counters.get(OWN_CLICKS, 0),
            bot_clicks_by_reason={
                kind: counters.get(link_activity.bot_reason(kind), 0) for kind in BOT_KINDS
            },
        )

    @classmethod
    def channel(cls, counters: Mapping[str, int], channel: str) -> Figures:
        def get(metric: str) -> int:
            return counters.get(by_channel(metric, channel), 0)

        return cls(
            share_intents=get(SHARE_INTENTS),
            clicks=get(CLICKS),
            raw_clicks=get(RAW_CLICKS),
            unique_visitors=get(UNIQUE_VISITORS),
            bot_clicks=get(BOT_CLICKS),
            own_clicks=get(OWN_CLICKS),
            bot_clicks_by_reason={},
        )


@dataclass(frozen=True)
class LinkStats:
    """The counters of one vacancy or ambassador from ``first_day`` to ``last_day`` (inclusive)."""

    subject_id: str
    first_day: date
    last_day: date
    totals: Figures
    by_channel: Mapping[str, Figures]
    by_day: tuple[tuple[date, Figures], ...]  # only days with any activity, in order


# ------------------------------------------------------------------------------------ the range
def day_range(raw_from: str | None, raw_to: str | None, *, today: date) -> tuple[date, date]:
    """The ``from`` / ``to`` query parameters: ISO days, ``from`` ≤ ``to``, at most
    :data:`MAX_DAYS` days. Without ``to``: today; without ``from``: the :data:`DEFAULT_DAYS` days
    up to ``to``. :class:`FieldValidationError` (422) otherwise."""
    errors: list[dict[str, str]] = []

    def parse(name: str, raw: str | None) -> date | None:
        if raw is None or raw.strip() == "":
            return None
        text = raw.strip()
        try:
            if not _ISO_DAY.match(text):
                raise ValueError(text)
            return date.fromisoformat(text)
        except ValueError:
            errors.append({"field": name, "message": "must be a day as YYYY-MM-DD"})
            return None

    first, last = parse("from", raw_from), parse("to", raw_to)
    if errors:
        raise FieldValidationError("the query is not valid", errors)
    last = last or today
    first = first or last - timedelta(days=min(DEFAULT_DAYS - 1, (last - date.min).days))
    if first > last:
        raise FieldValidationError(
            "the query is not valid", [{"field": "from", "message": "must not be after to"}]
        )
    if (last - first).days + 1 > MAX_DAYS:
        raise FieldValidationError(
            "the query is not valid",
            [{"field": "from", "message": f"the range spans more than {MAX_DAYS} days"}],
        )
    return first, last


# ------------------------------------------------------------------------------------ the reports
def vacancy_funnel(vacancy_id: str, first_day: date, last_day: date) -> LinkStats:
    """A known vacancy's counters (:class:`~kring.errors.NotFoundError` for an unknown one)."""
    vacancy = vacancies.get_vacancy(vacancy_id)
    items = link_stats.day_stats(
        keys.vacancy_stats_prefix(vacancy.id), first_day.isoformat(), last_day.isoformat()
    )
    return summarise(vacancy.id, first_day, last_day, items)


def ambassador_stats(ambassador_id: str, first_day: date, last_day: date) -> LinkStats:
    """A known ambassador's counters (:class:`~kring.errors.NotFoundError` for an unknown one)."""
    ambassador = ambassadors.get_ambassador(ambassador_id)
    items = link_stats.day_stats(
        keys.ambassador_stats_prefix(ambassador.id), first_day.isoformat(), last_day.isoformat()
    )
    return summarise(ambassador.id, first_day, last_day, items)


def summarise(
    subject_id: str, first_day: date, last_day: date, items: Iterable[Mapping[str, Any]]
) -> LinkStats:
    """Day shards (stats items) → totals, by channel and by day."""
    per_day: dict[str, Counter[str]] = {}
    for item in items:
        day = keys.stats_day_of(str(item[keys.SK]))
        link_activity.add_counters(per_day.setdefault(day, Counter()), item)
    total: Counter[str] = Counter()
    for counters in per_day.values():
        total.update(counters)
    return LinkStats(
        subject_id=subject_id,
        first_day=first_day,
        last_day=last_day,
        totals=Figures.total(total),
        by_channel={channel: Figures.channel(total, channel) for channel in CHANNELS},
        by_day=tuple(
            (date.fromisoformat(day), Figures.total(per_day[day])) for day in sorted(per_day) if +per_day[day]
        ),
    )

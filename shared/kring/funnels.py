"""Read the counters back: a vacancy's funnel, an ambassador's stats and the whole programme's
funnel over a bounded range of UTC days — in total, by channel and by day.

What is counted where: the click recorder's link activity (:mod:`kring.clicks.counting`) on the
vacancy's and the ambassador's day items and, for share intents, clicks and raw clicks, on the
programme's; the fan-out's ``shares`` (links created) on the vacancy's and the programme's; the
attribution's applications (in total and by method), interviews and hires on all three (an
unattributed application has no ambassador, so only the vacancy and the programme count it).
Applications and interviews count on the application's day, hires on the hire's. Every
application, interview and hire counts in one channel — its click's, ``referral``, or
``unattributed`` — so the channels add up to the total (click figures are 0 in the last two).

Unique visitors are counted per day (the visitor hash rotates daily, so nothing else is
knowable); a total over several days is the sum of the daily figures and is named for what it
is: ``unique_visitor_days``.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from functools import cache
from typing import Any

from kring.attribution import rewards
from kring.attribution.rewards import RewardTotals
from kring.clicks import counting
from kring.clicks.counting import (
    BOT_CLICKS,
    BOT_KINDS,
    CLICKS,
    NO_ACCEPT_LANGUAGE_CLICKS,
    OWN_CLICKS,
    RAW_CLICKS,
    SHARE_INTENTS,
    SHARES,
    UNIQUE_VISITOR_DAYS,
    UNIQUE_VISITORS,
    by_channel,
)
from kring.dal import keys
from kring.dal.stats import StatsRepository
from kring.errors import FieldValidationError
from kring.intake import vacancies
from kring.models.common import FUNNEL_CHANNELS, Page
from kring.models.vacancy import Vacancy
from kring.roster import ambassadors

DEFAULT_DAYS = 90
MAX_DAYS = 366
_ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")

# The attribution's counters (stored as ``ap``, ``ap_ref`` …, see kring.dal.stats). By
# method only in total; applications, interviews and hires also by channel (``applications_x``).
APPLICATIONS = "applications"
APPLICATION_METHODS: tuple[str, ...] = ("referral", "click_token", "share_code", "unattributed")
INTERVIEWS = "interviews"
HIRES = "hires"
PROGRAM = "program"
# Rewards of credited hires, counted on the ambassador's day items (kring.attribution.rules).
REWARDS_PENDING = "rewards_pending"
REWARDS_ELIGIBLE = "rewards_eligible"


def by_method(method: str) -> str:
    return f"{APPLICATIONS}_{method}"


@cache
def counter_names() -> tuple[str, ...]:
    """Every counter the reports read: the link activity's, the attribution's and ``shares``."""
    names = list(counting.counter_names())
    for metric in (APPLICATIONS, INTERVIEWS, HIRES):
        names.append(metric)
        names.extend(by_channel(metric, channel) for channel in FUNNEL_CHANNELS)
    names.extend(by_method(method) for method in APPLICATION_METHODS)
    names.append(SHARES)
    names.extend((REWARDS_PENDING, REWARDS_ELIGIBLE))
    # ``applications_referral`` and ``applications_unattributed`` are a method's and a channel's
    # counter at once: read once
    return tuple(dict.fromkeys(names))


def add_counters(total: Counter[str], item: Mapping[str, Any]) -> None:
    """Add a stats item's counters (a shard, under the full names) into ``total``."""
    for name in counter_names():
        raw = item.get(name)
        if raw:
            total[name] += int(raw)


def counters_by_day(items: Iterable[Mapping[str, Any]]) -> dict[date, Counter[str]]:
    """Day shards (stats items) → each UTC day's counters, its shards added up."""
    per_day: dict[date, Counter[str]] = {}
    for item in items:
        day = date.fromisoformat(keys.stats_day_of(str(item[keys.SK])))
        add_counters(per_day.setdefault(day, Counter()), item)
    return per_day


def day_counters(partition: str, first_day: date, last_day: date) -> dict[date, Counter[str]]:
    """A stats partition's counters (``keys.*_stats_prefix``) by UTC day, from ``first_day`` to
    ``last_day`` inclusive: one Query."""
    items = StatsRepository().day_stats(partition, first_day.isoformat(), last_day.isoformat())
    return counters_by_day(items)


def sum_days(
    per_day: Mapping[date, Counter[str]], first_day: date | None = None, last_day: date | None = None
) -> Counter[str]:
    """The counters of the days from ``first_day`` to ``last_day`` (inclusive; an end left out
    is open) added up."""
    total: Counter[str] = Counter()
    for day, counters in per_day.items():
        if (first_day is None or first_day <= day) and (last_day is None or day <= last_day):
            total.update(counters)
    return total


def range_counters(partition: str, first_day: date, last_day: date) -> Counter[str]:
    """A stats partition's counters from ``first_day`` to ``last_day`` (inclusive) added up: one Query."""
    return sum_days(day_counters(partition, first_day, last_day))


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
    # bot clicks of scanners judged so only for a missing Accept-Language (in bot_clicks)
    no_accept_language: int = 0
    applications: int = 0
    # by method (referral, click_token, share_code, unattributed): in totals and by day only
    applications_by_method: Mapping[str, int] = field(default_factory=dict)
    interviews: int = 0
    hires: int = 0
    shares: int = 0  # links created: not by channel (a link has none until it is shared)

    @classmethod
    def total(cls, counters: Mapping[str, int]) -> Figures:
        return cls(
            share_intents=counters.get(SHARE_INTENTS, 0),
            clicks=counters.get(CLICKS, 0),
            raw_clicks=counters.get(RAW_CLICKS, 0),
            unique_visitors=counters.get(UNIQUE_VISITORS, 0),
            bot_clicks=counters.get(BOT_CLICKS, 0),
            own_clicks=counters.get(OWN_CLICKS, 0),
            bot_clicks_by_reason={kind: counters.get(counting.bot_reason(kind), 0) for kind in BOT_KINDS},
            no_accept_language=counters.get(NO_ACCEPT_LANGUAGE_CLICKS, 0),
            applications=counters.get(APPLICATIONS, 0),
            applications_by_method={m: counters.get(by_method(m), 0) for m in APPLICATION_METHODS},
            interviews=counters.get(INTERVIEWS, 0),
            hires=counters.get(HIRES, 0),
            shares=counters.get(SHARES, 0),
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
            no_accept_language=get(NO_ACCEPT_LANGUAGE_CLICKS),
            applications=get(APPLICATIONS),
            interviews=get(INTERVIEWS),
            hires=get(HIRES),
        )


@dataclass(frozen=True)
class LinkStats:
    """The counters of one vacancy, ambassador or the programme from ``first_day`` to ``last_day``
    (inclusive); an ambassador's also carry their reward totals (all time, by status now)."""

    subject_id: str
    first_day: date
    last_day: date
    totals: Figures
    by_channel: Mapping[str, Figures]
    by_day: tuple[tuple[date, Figures], ...]  # only days with any activity, in order
    rewards: tuple[RewardTotals, ...] = ()
    subject_name: str | None = None  # an ambassador's name


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
    return vacancy_funnel_of(vacancies.get_vacancy(vacancy_id), first_day, last_day)


def vacancy_funnel_of(vacancy: Vacancy, first_day: date, last_day: date) -> LinkStats:
    """:func:`vacancy_funnel` of a vacancy the caller has read already."""
    items = StatsRepository().day_stats(
        keys.vacancy_stats_prefix(vacancy.id), first_day.isoformat(), last_day.isoformat()
    )
    return summarise(vacancy.id, first_day, last_day, items)


def ambassador_stats(
    ambassador_id: str, first_day: date, last_day: date, *, now: datetime | None = None
) -> LinkStats:
    """A known ambassador's counters (:class:`~kring.errors.NotFoundError` for an unknown one),
    with their reward totals: every ledger entry of theirs (one Query of their collection), by
    status now — a balance, not bound to the day range."""
    ambassador = ambassadors.get_ambassador(ambassador_id)
    items = StatsRepository().day_stats(
        keys.ambassador_stats_prefix(ambassador.id), first_day.isoformat(), last_day.isoformat()
    )
    stats = summarise(ambassador.id, first_day, last_day, items)
    return replace(stats, rewards=rewards.ambassador_totals(ambassador.id, now), subject_name=ambassador.name)


@dataclass(frozen=True)
class AmbassadorFigures:
    """One ambassador's all-time counters on one vacancy: in total and by channel. Their
    ``unique_visitors`` are visitor-days (the item is all-time; the visitor hash rotates daily)."""

    ambassador_id: str
    totals: Figures
    by_channel: Mapping[str, Figures]


def vacancy_ambassadors(
    vacancy_id: str, limit: int, cursor: Mapping[str, Any] | None = None
) -> Page[AmbassadorFigures]:
    """A known vacancy's funnel per ambassador (:class:`~kring.errors.NotFoundError` for an
    unknown one): one page of the vacancy x ambassador counters, by ambassador id. Only
    ambassadors with something counted on the vacancy are listed; they are kept for all time,
    so there is no day range."""
    return vacancy_ambassadors_of(vacancies.get_vacancy(vacancy_id), limit, cursor)


def vacancy_ambassadors_of(
    vacancy: Vacancy, limit: int, cursor: Mapping[str, Any] | None = None
) -> Page[AmbassadorFigures]:
    """:func:`vacancy_ambassadors` of a vacancy the caller has read already."""
    page = StatsRepository().vacancy_ambassador_page(vacancy.id, limit, cursor)
    out: list[AmbassadorFigures] = []
    for ambassador_id, items in page.items:
        total: Counter[str] = Counter()
        for item in items:
            add_counters(total, item)
        for name in [n for n in total if n.startswith(UNIQUE_VISITOR_DAYS)]:
            total[UNIQUE_VISITORS + name.removeprefix(UNIQUE_VISITOR_DAYS)] = total.pop(name)
        out.append(
            AmbassadorFigures(
                ambassador_id=ambassador_id,
                totals=Figures.total(total),
                by_channel={channel: Figures.channel(total, channel) for channel in FUNNEL_CHANNELS},
            )
        )
    return Page(items=out, cursor=page.cursor)


def program_funnel(first_day: date, last_day: date) -> LinkStats:
    """The whole programme's counters (every vacancy together): one Query of the programme's day
    items. Shares, share intents, clicks, raw clicks, applications, interviews and hires only."""
    items = StatsRepository().day_stats(
        keys.program_stats_prefix(), first_day.isoformat(), last_day.isoformat()
    )
    return summarise(PROGRAM, first_day, last_day, items)


def summarise(
    subject_id: str, first_day: date, last_day: date, items: Iterable[Mapping[str, Any]]
) -> LinkStats:
    """Day shards (stats items) → totals, by channel and by day."""
    per_day = counters_by_day(items)
    total = sum_days(per_day)
    return LinkStats(
        subject_id=subject_id,
        first_day=first_day,
        last_day=last_day,
        totals=Figures.total(total),
        by_channel={channel: Figures.channel(total, channel) for channel in FUNNEL_CHANNELS},
        by_day=tuple((day, Figures.total(per_day[day])) for day in sorted(per_day) if +per_day[day]),
    )

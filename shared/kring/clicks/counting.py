"""What a click or a share intent counts for, given what was counted before. Pure: no I/O.

Every ``LinkClicked`` and ``ShareIntended`` is recorded once (its marker, written in the same
transaction as its increments, makes a redelivery a no-op). What it increments:

- **share intent** → ``share_intents`` (and ``share_intents_<network>``).
- **bot click** (``visitor_kind`` other than human) → ``bot_clicks``, ``bot_clicks_<kind>`` (the
  reason: head, preview, crawler, scanner) and ``bot_clicks_<channel>``. Every request counts.
  A scanner that is one only because its browser-like request came without Accept-Language
  (``bot_reason`` :data:`~kring.models.common.NO_ACCEPT_LANGUAGE`) also counts in
  ``no_accept_language`` (and ``no_accept_language_<channel>``): the redirect assumes every
  browser sends that header, and this count shows, per channel, what the assumption costs.
- **own click** (a human click from the visitor hash the ambassador had at a share intent that
  same UTC day) → ``own_clicks`` (and ``own_clicks_<channel>``) only.
- **human click** → ``raw_clicks`` always; ``clicks`` once per link, visitor and UTC clock hour
  ("repeat clicks within one hour count once" means the same clock hour, which keeps the count
  independent of the order events arrive in); ``unique_visitors`` once per visitor and UTC day of
  a vacancy, of an ambassador, and of a link (``unique_visitor_days`` there: those items are
  all-time, summed over days). Each of these also by channel, deduplicated within the channel:
  a visitor who reaches one link through two channels in one hour counts once in ``clicks`` and
  once in each of ``clicks_<channel>``.

Dedupe state is one item per visitor-day: a string set of tags (:func:`click_tags`). A click's
plan adds the tags it is first for, on the condition that none of them is there yet; a concurrent
click that added one first makes the transaction fail, and the click is planned again.

Counters land on three items per event, each picked by a shard of the event id: the vacancy's
day, the ambassador's day, and the vacancy-ambassador pair (all time) — and, for share intents
and human clicks, on a fourth: the whole programme's day (:data:`PROGRAM_METRICS` only: share
intents, clicks and raw clicks, in total and by channel or network), which the programme funnel
reads. Bot and own clicks do not touch it, so they still write three counter items.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any

from kring.dal import clicks, keys, share_intents
from kring.dal.clicks import ClickRecord
from kring.dal.share_intents import IntentMarker
from kring.events import LinkClicked, ShareIntended
from kring.models.common import CHANNELS, NO_ACCEPT_LANGUAGE, VISITOR_KINDS
from kring.models.link_stats import Increment, Plan, SeenUpdate
from kring.points import ledger

LinkActivity = LinkClicked | ShareIntended

# Click records (and the dedupe state) outlive the attribution window by this margin, so a late
# application or a redelivered event still finds them.
RETENTION_MARGIN = timedelta(days=7)

BOT_KINDS: tuple[str, ...] = tuple(k for k in VISITOR_KINDS if k != "human")

# Counter names. Day items (vacancy-day, ambassador-day) count unique visitors of that day; the
# vacancy-ambassador pair item is all-time, so the same tag counts visitor-days there.
SHARE_INTENTS = "share_intents"
CLICKS = "clicks"
RAW_CLICKS = "raw_clicks"
UNIQUE_VISITORS = "unique_visitors"
UNIQUE_VISITOR_DAYS = "unique_visitor_days"
BOT_CLICKS = "bot_clicks"
OWN_CLICKS = "own_clicks"
# Bot clicks of scanners judged so only for a missing Accept-Language (part of bot_clicks).
NO_ACCEPT_LANGUAGE_CLICKS = "no_accept_language"
METRICS: tuple[str, ...] = (
    SHARE_INTENTS,
    CLICKS,
    RAW_CLICKS,
    UNIQUE_VISITORS,
    BOT_CLICKS,
    OWN_CLICKS,
    NO_ACCEPT_LANGUAGE_CLICKS,
)
# Share links created (the fan-out counts them per page on the vacancy's and the programme's day
# items, see kring.sharing.fanout): the first step of the programme funnel.
SHARES = "shares"
# What the programme's day items count of link activity (its funnel: share intents → clicks).
PROGRAM_METRICS: tuple[str, ...] = (SHARE_INTENTS, CLICKS, RAW_CLICKS)


def by_channel(metric: str, channel: str) -> str:
    return f"{metric}_{channel}"


def bot_reason(kind: str) -> str:
    return f"{BOT_CLICKS}_{kind}"


@cache
def counter_names() -> tuple[str, ...]:
    """Every counter attribute a stats item can hold."""
    names: list[str] = []
    for metric in (*METRICS, UNIQUE_VISITOR_DAYS):
        names.append(metric)
        names.extend(by_channel(metric, channel) for channel in CHANNELS)
    names.extend(bot_reason(kind) for kind in BOT_KINDS)
    return tuple(names)


# ------------------------------------------------------------------------------------ time, shards
def day_of(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d")


def hour_of(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%H")


def shard_of(event_id: str) -> int:
    """A stable shard in ``0 .. STATS_SHARDS-1`` for an event id (click token or intent id)."""
    return hashlib.blake2b(event_id.encode("ascii"), digest_size=2).digest()[0] % keys.STATS_SHARDS


def epoch(moment: datetime) -> int:
    return int(moment.timestamp())


def retained_until(moment: datetime, window_days: int) -> int:
    """``expires_at`` of the records made for an event at ``moment``."""
    return epoch(moment + timedelta(days=window_days) + RETENTION_MARGIN)


def visitor_day_retained_until(day: str, window_days: int) -> int:
    """The dedupe item of a day outlives every click record of that day."""
    start = datetime.strptime(day, "%Y-%m-%d").replace(tzinfo=UTC)
    return retained_until(start + timedelta(days=1), window_days)


# ------------------------------------------------------------------------------------ what to read
def marker_key(activity: LinkActivity) -> keys.Key:
    if isinstance(activity, LinkClicked):
        return keys.click(activity.click_id)
    return keys.share_intent(activity.intent_id)


def keys_to_read(activity: LinkActivity) -> list[keys.Key]:
    """The items a plan depends on: the event's marker, and for a human click the visitor's dedupe
    item and the ambassador's own-visitor marker of that day; for a share intent or a human click
    what its points depend on (:func:`point_keys_to_read`)."""
    out = [marker_key(activity)]
    if isinstance(activity, LinkClicked) and not activity.is_bot:
        day = day_of(activity.occurred_at)
        out.append(keys.visitor_day(day, activity.visitor))
        out.append(keys.own_visitor(activity.ambassador_id, day, activity.visitor))
    out.extend(point_keys_to_read(activity))
    return out


def point_keys_to_read(activity: LinkActivity) -> list[keys.Key]:
    """The point marker, the ambassador's profile and period items, the programme's settings
    (weights); nothing for a bot's click."""
    day = day_of(activity.occurred_at)
    if isinstance(activity, LinkClicked):
        if activity.is_bot:
            return []
        point_marker = ledger.click_point_marker(activity, day)
    else:
        point_marker = ledger.share_point_marker(activity, day)
    return [
        point_marker,
        keys.ambassador(activity.ambassador_id),
        *ledger.period_keys(activity.ambassador_id, day),
        keys.programme_settings(),
    ]


# ------------------------------------------------------------------------------------ the plan
# What the markers keep of their events as they are (the owners: kring.dal.clicks, share_intents).
_CLICK_FIELDS = {"click_id", "code", "vacancy_id", "ambassador_id", "channel", "visitor_kind"}
_INTENT_FIELDS = {"intent_id", "code", "vacancy_id", "ambassador_id", "network"}


def click_tags(click: LinkClicked) -> dict[str, tuple[str, ...]]:
    """The dedupe tags of a human click, by the counter they stand for. A tag already in the
    visitor's day set means that counter was incremented for an earlier click."""
    hour, code, channel = hour_of(click.occurred_at), click.code, click.channel
    vacancy, ambassador = click.vacancy_id, click.ambassador_id
    return {
        CLICKS: (f"H#{hour}#{code}",),
        by_channel(CLICKS, channel): (f"H#{hour}#{code}#{channel}",),
        UNIQUE_VISITORS: (f"V#{vacancy}", f"A#{ambassador}", f"L#{vacancy}#{ambassador}"),
        by_channel(UNIQUE_VISITORS, channel): (
            f"V#{vacancy}#{channel}",
            f"A#{ambassador}#{channel}",
            f"L#{vacancy}#{ambassador}#{channel}",
        ),
    }


def _scopes(activity: LinkActivity, day: str, shard: int) -> tuple[keys.Key, keys.Key, keys.Key, keys.Key]:
    """Vacancy-day, ambassador-day, vacancy-ambassador (all time) and programme-day."""
    return (
        keys.vacancy_day_stats(activity.vacancy_id, day, shard),
        keys.ambassador_day_stats(activity.ambassador_id, day, shard),
        keys.vacancy_ambassador_stats(activity.vacancy_id, activity.ambassador_id, shard),
        keys.program_day_stats(day, shard),
    )


def _is_program_metric(counter: str) -> bool:
    return any(counter == m or counter.startswith(f"{m}_") for m in PROGRAM_METRICS)


def _program_counters(vacancy_day: Counter[str]) -> Counter[str]:
    """The programme day's share of an event's vacancy-day counters. Every vacancy counts its
    ``clicks`` by the same tags (link, visitor, hour), so the programme's sum stays exact."""
    return Counter({name: n for name, n in vacancy_day.items() if _is_program_metric(name)})


def _increments(scopes: Iterable[keys.Key], per_scope: Iterable[Counter[str]]) -> tuple[Increment, ...]:
    """One Increment per scope with anything to add; the programme's is derived from the first."""
    counted = list(per_scope)
    counted.append(_program_counters(counted[0]))
    return tuple(
        Increment(key, dict(counters)) for key, counters in zip(scopes, counted, strict=True) if counters
    )


def plan_intent(intent: ShareIntended, *, window_days: int) -> Plan:
    counters = Counter({SHARE_INTENTS: 1, by_channel(SHARE_INTENTS, intent.network): 1})
    day = day_of(intent.occurred_at)
    marker = IntentMarker(
        **intent.model_dump(include=_INTENT_FIELDS),
        intended_at=intent.occurred_at,
        expires_at=retained_until(intent.occurred_at, window_days),
    )
    return Plan(
        marker_key=keys.share_intent(intent.intent_id),
        marker=share_intents.to_item(marker),
        increments=_increments(_scopes(intent, day, shard_of(intent.intent_id)), [counters] * 3),
    )


def _human_counters(
    click: LinkClicked, seen: frozenset[str]
) -> tuple[tuple[Counter[str], Counter[str], Counter[str]], set[str]]:
    """A human click's increments (vacancy-day, ambassador-day, link) and the tags it is first for."""
    channel = click.channel
    scopes: tuple[Counter[str], Counter[str], Counter[str]] = (Counter(), Counter(), Counter())
    for counters in scopes:
        counters.update({RAW_CLICKS: 1, by_channel(RAW_CLICKS, channel): 1})
    new_tags: set[str] = set()
    tags = click_tags(click)
    for metric in (CLICKS, by_channel(CLICKS, channel)):
        (tag,) = tags[metric]
        if tag not in seen:
            new_tags.add(tag)
            for counters in scopes:
                counters[metric] += 1
    for metric, link_metric in (
        (UNIQUE_VISITORS, UNIQUE_VISITOR_DAYS),
        (by_channel(UNIQUE_VISITORS, channel), by_channel(UNIQUE_VISITOR_DAYS, channel)),
    ):
        # one tag per scope: vacancy-day, ambassador-day, link (all-time: visitor-days)
        for tag, counters, name in zip(tags[metric], scopes, (metric, metric, link_metric), strict=True):
            if tag not in seen:
                new_tags.add(tag)
                counters[name] += 1
    return scopes, new_tags


def plan_click(click: LinkClicked, *, seen: frozenset[str], own: bool, window_days: int) -> Plan:
    """The writes for a click not recorded yet, given the visitor's day tags (``seen``) and whether
    the visitor is the ambassador's own that day (``own``)."""
    day, channel = day_of(click.occurred_at), click.channel
    is_own = own and not click.is_bot
    new_tags: set[str] = set()
    if click.is_bot:
        common = {BOT_CLICKS: 1, bot_reason(click.visitor_kind): 1, by_channel(BOT_CLICKS, channel): 1}
        if click.bot_reason == NO_ACCEPT_LANGUAGE:
            common.update({NO_ACCEPT_LANGUAGE_CLICKS: 1, by_channel(NO_ACCEPT_LANGUAGE_CLICKS, channel): 1})
        scopes = (Counter(common), Counter(common), Counter(common))
    elif is_own:
        own_counts = {OWN_CLICKS: 1, by_channel(OWN_CLICKS, channel): 1}
        scopes = (Counter(own_counts), Counter(own_counts), Counter(own_counts))
    else:
        scopes, new_tags = _human_counters(click, seen)
    record = ClickRecord(
        **click.model_dump(include=_CLICK_FIELDS),
        clicked_at=click.occurred_at,
        own_click=is_own,
        expires_at=retained_until(click.occurred_at, window_days),
    )
    seen_update = None
    if new_tags:
        seen_update = SeenUpdate(
            key=keys.visitor_day(day, click.visitor),
            tags=frozenset(new_tags),
            expires_at=visitor_day_retained_until(day, window_days),
        )
    return Plan(
        marker_key=keys.click(click.click_id),
        marker=clicks.to_item(record),
        increments=_increments(_scopes(click, day, shard_of(click.click_id)), scopes),
        seen=seen_update,
    )


# ------------------------------------------------------------------------------------ reading back
def add_counters(total: Counter[str], item: Mapping[str, Any]) -> None:
    """Add a stats item's counters (a shard) into ``total``."""
    for name in counter_names():
        raw = item.get(name)
        if raw:
            total[name] += int(raw)

"""What a click or a share intent counts for, given what was counted before (pure logic), and the
stats API's day range."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from kring import funnels
from kring.clicks import counting
from kring.dal import keys
from kring.dal import stats as stats_items
from kring.errors import FieldValidationError
from kring.funnels import day_range, summarise
from kring.models.common import NO_ACCEPT_LANGUAGE
from kring.models.link_stats import Plan
from tests.support import link_activity as la

AT = datetime(2026, 11, 29, 23, 59, tzinfo=UTC)


def _by_key(plan: Plan) -> dict[str, dict[str, int]]:
    return {
        inc.key["pk"] + "|" + inc.key["sk"].rsplit("#", 1)[0]: dict(inc.counters) for inc in plan.increments
    }


def test_a_first_human_click_counts_everywhere_and_claims_its_tags() -> None:
    click = la.click(1, at=AT, channel="x")
    plan = counting.plan_click(click, seen=frozenset(), own=False, window_days=30)
    counted = {"raw_clicks": 1, "raw_clicks_x": 1, "clicks": 1, "clicks_x": 1}
    assert _by_key(plan) == {
        "STATS#VAC#greenhouse-1|DAY#2026-11-29": {**counted, "unique_visitors": 1, "unique_visitors_x": 1},
        "STATS#AMB#E1|DAY#2026-11-29": {**counted, "unique_visitors": 1, "unique_visitors_x": 1},
        "STATS#VAC#greenhouse-1|AMB#E1": {**counted, "unique_visitor_days": 1, "unique_visitor_days_x": 1},
        "STATS#PROG|DAY#2026-11-29": counted,  # the programme: no unique visitors
    }
    assert plan.seen is not None
    assert plan.seen.key == keys.visitor_day("2026-11-29", click.visitor)
    assert plan.seen.tags == {tag for tags in counting.click_tags(click).values() for tag in tags}
    assert plan.marker_key == keys.click(click.click_id)
    assert plan.marker["expires_at"] == int((AT + timedelta(days=37)).timestamp())
    # the dedupe item outlives every click record of its day
    assert plan.seen.expires_at >= plan.marker["expires_at"]


def test_a_repeat_click_in_the_same_hour_is_only_a_raw_click() -> None:
    first = la.click(1, at=AT)
    tags = frozenset(t for ts in counting.click_tags(first).values() for t in ts)
    again = la.click(2, at=AT.replace(minute=1))
    plan = counting.plan_click(again, seen=tags, own=False, window_days=30)
    assert {tuple(sorted(c)) for c in _by_key(plan).values()} == {("raw_clicks", "raw_clicks_linkedin")}
    assert plan.seen is None  # nothing new to claim: no dedupe write at all


def test_the_next_clock_hour_counts_a_click_again_but_not_a_visitor() -> None:
    first = la.click(1, at=AT.replace(hour=8, minute=59))
    tags = frozenset(t for ts in counting.click_tags(first).values() for t in ts)
    plan = counting.plan_click(
        la.click(2, at=AT.replace(hour=9, minute=0)), seen=tags, own=False, window_days=30
    )
    vacancy_day = _by_key(plan)["STATS#VAC#greenhouse-1|DAY#2026-11-29"]
    assert vacancy_day["clicks"] == 1
    assert "unique_visitors" not in vacancy_day


@pytest.mark.parametrize("kind", ["head", "preview", "crawler", "scanner"])
def test_a_bot_click_counts_as_a_bot_by_reason_and_claims_nothing(kind: str) -> None:
    plan = counting.plan_click(la.click(1, at=AT, kind=kind), seen=frozenset(), own=True, window_days=30)
    for counters in _by_key(plan).values():
        assert counters == {"bot_clicks": 1, f"bot_clicks_{kind}": 1, "bot_clicks_linkedin": 1}
    assert "STATS#PROG|DAY#2026-11-29" not in _by_key(plan)  # bots stay off the programme's funnel
    assert plan.seen is None
    assert plan.marker["own_click"] is False


def test_a_scanner_only_for_a_missing_accept_language_counts_on_its_own_by_channel() -> None:
    click = la.click(1, at=AT, kind="scanner", reason=NO_ACCEPT_LANGUAGE, channel="email")
    plan = counting.plan_click(click, seen=frozenset(), own=False, window_days=30)
    assert len(plan.increments) == 3
    for counters in _by_key(plan).values():
        assert counters == {
            "bot_clicks": 1,
            "bot_clicks_scanner": 1,
            "bot_clicks_email": 1,
            "no_accept_language": 1,
            "no_accept_language_email": 1,
        }


@pytest.mark.parametrize("reason", ["no User-Agent", "Barracuda", "Proofpoint"])
def test_other_scanners_are_no_missing_accept_language(reason: str) -> None:
    click = la.click(1, at=AT, kind="scanner", reason=reason)
    plan = counting.plan_click(click, seen=frozenset(), own=False, window_days=30)
    for counters in _by_key(plan).values():
        assert "no_accept_language" not in counters


def test_an_own_click_counts_only_as_own() -> None:
    plan = counting.plan_click(la.click(1, at=AT), seen=frozenset(), own=True, window_days=30)
    for counters in _by_key(plan).values():
        assert counters == {"own_clicks": 1, "own_clicks_linkedin": 1}
    assert len(plan.increments) == 3  # not on the programme's day
    assert plan.seen is None
    assert plan.marker["own_click"] is True


def test_a_share_intent_counts_by_network() -> None:
    intent = la.intent(1, at=AT, network="whatsapp")
    plan = counting.plan_intent(intent, window_days=30)
    assert plan.marker_key["pk"].startswith("INTENT#")
    assert len(plan.increments) == 4
    for counters in _by_key(plan).values():
        assert counters == {"share_intents": 1, "share_intents_whatsapp": 1}
    shard = counting.shard_of(intent.intent_id)
    assert plan.increments[-1].key == keys.program_day_stats("2026-11-29", shard)


def test_keys_to_read() -> None:
    human = la.click(1, at=AT)
    points = [
        keys.ambassador("E1"),
        keys.ambassador_points("E1", "2026-W48"),
        keys.ambassador_points("E1", "2026-11"),
        keys.ambassador_points("E1", "2026-Q4"),
        keys.programme_settings(),
    ]
    assert counting.keys_to_read(human) == [
        keys.click(human.click_id),
        keys.visitor_day("2026-11-29", human.visitor),
        keys.own_visitor("E1", "2026-11-29", human.visitor),
        keys.click_point_marker("2026-11-29", human.visitor, human.code),  # no network: the visitor
        *points,
    ]
    networked = la.click(3, at=AT, network=la.visitor(8))
    assert keys.click_point_marker("2026-11-29", la.visitor(8), networked.code) in counting.keys_to_read(
        networked
    )
    intent = la.intent(1, at=AT, network="x")
    assert counting.keys_to_read(intent) == [
        keys.share_intent(intent.intent_id),
        keys.share_point_marker("2026-11-29", intent.code, "x"),
        *points,
    ]
    bot = la.click(2, at=AT, kind="crawler")
    assert counting.keys_to_read(bot) == [keys.click(bot.click_id)]  # bots earn nothing


def test_shards_are_stable_and_spread() -> None:
    shards = [counting.shard_of(la.click_token(n)) for n in range(400)]
    assert shards == [counting.shard_of(la.click_token(n)) for n in range(400)]
    assert set(shards) == set(range(keys.STATS_SHARDS))
    assert min(shards.count(s) for s in range(keys.STATS_SHARDS)) > 60


def test_summarise_adds_the_shards_of_each_day() -> None:
    items = [
        {"pk": "STATS#VAC#v", "sk": "DAY#2026-11-29#0", "clicks": 2, "clicks_x": 2, "unique_visitors": 2},
        {"pk": "STATS#VAC#v", "sk": "DAY#2026-11-29#3", "clicks": 1, "bot_clicks": 1, "bot_clicks_head": 1},
        {"pk": "STATS#VAC#v", "sk": "DAY#2026-11-30#1", "unique_visitors": 1},
    ]
    stats = summarise("v", date(2026, 11, 1), date(2026, 11, 30), items)
    assert (stats.totals.clicks, stats.totals.unique_visitors, stats.totals.bot_clicks) == (3, 3, 1)
    assert stats.totals.bot_clicks_by_reason == {"head": 1, "preview": 0, "crawler": 0, "scanner": 0}
    assert stats.by_channel["x"].clicks == 2
    assert [(d.isoformat(), f.clicks) for d, f in stats.by_day] == [("2026-11-29", 3), ("2026-11-30", 0)]


TODAY = date(2026, 11, 29)


def test_the_day_range_defaults_to_the_last_90_days() -> None:
    assert day_range(None, None, today=TODAY) == (TODAY - timedelta(days=89), TODAY)
    assert day_range(None, "2026-01-31", today=TODAY) == (date(2025, 11, 3), date(2026, 1, 31))
    assert day_range("2026-11-01", "", today=TODAY) == (date(2026, 11, 1), TODAY)


@pytest.mark.parametrize(
    ("raw_from", "raw_to", "fields"),
    [
        ("2026-02-30", None, ["from"]),
        ("yesterday", "2026-13-01", ["from", "to"]),
        ("2026-11-30", "2026-11-29", ["from"]),
        ("2025-11-28", "2026-11-29", ["from"]),  # 367 days
    ],
)
def test_a_bad_day_range_names_the_field(raw_from: str, raw_to: str | None, fields: list[str]) -> None:
    with pytest.raises(FieldValidationError) as caught:
        day_range(raw_from, raw_to, today=TODAY)
    assert [d["field"] for d in caught.value.details] == fields


def test_a_default_range_stops_at_the_first_day_a_date_can_be() -> None:
    """``?to=0001-01-05`` without ``from`` was an OverflowError (a 500)."""
    assert day_range(None, "0001-01-05", today=TODAY) == (date(1, 1, 1), date(1, 1, 5))


def test_the_reports_add_applications_by_method_interviews_hires_and_shares() -> None:
    stored = [
        {"pk": "STATS#PROG", "sk": "DAY#2026-11-29#0", "ap": 3, "ap_ref": 1, "ap_tok": 2, "ap_x": 2, "sh": 5},
        {"pk": "STATS#PROG", "sk": "DAY#2026-11-29#2", "ap": 1, "ap_none": 1, "iv": 1, "iv_x": 1},
        {"pk": "STATS#PROG", "sk": "DAY#2026-11-30#1", "hi": 1, "hi_linkedin": 1, "ap_code": 1, "ap": 1},
    ]
    stats = summarise("program", date(2026, 11, 1), date(2026, 11, 30), map(stats_items.from_item, stored))
    totals = stats.totals
    assert (totals.applications, totals.interviews, totals.hires, totals.shares) == (5, 1, 1, 5)
    assert totals.applications_by_method == {
        "referral": 1,
        "click_token": 2,
        "share_code": 1,
        "unattributed": 1,
    }
    assert (stats.by_channel["x"].applications, stats.by_channel["x"].interviews) == (2, 1)
    assert stats.by_channel["linkedin"].hires == 1
    assert [(d.isoformat(), f.applications, f.hires) for d, f in stats.by_day] == [
        ("2026-11-29", 4, 0),
        ("2026-11-30", 1, 1),
    ]


def test_the_reports_read_the_missing_accept_language_scanners_in_total_by_channel_and_by_day() -> None:
    stored = [
        {"pk": "STATS#VAC#v", "sk": "DAY#2026-11-29#0", "bot": 2, "bot_scanner": 2, "nal": 1, "nal_email": 1},
        {"pk": "STATS#VAC#v", "sk": "DAY#2026-11-29#3", "bot": 1, "bot_scanner": 1, "nal": 1, "nal_x": 1},
        {"pk": "STATS#VAC#v", "sk": "DAY#2026-11-30#1", "bot": 1, "bot_preview": 1},
    ]
    stats = summarise("v", date(2026, 11, 1), date(2026, 11, 30), map(stats_items.from_item, stored))
    assert (stats.totals.bot_clicks, stats.totals.no_accept_language) == (4, 2)
    assert stats.by_channel["email"].no_accept_language == 1
    assert stats.by_channel["x"].no_accept_language == 1
    assert stats.by_channel["linkedin"].no_accept_language == 0
    assert [(d.isoformat(), f.no_accept_language) for d, f in stats.by_day] == [
        ("2026-11-29", 2),
        ("2026-11-30", 0),
    ]


def test_stored_names_with_an_underscore_read_back_whole() -> None:
    """``ap_ref`` is ``applications_referral``, not the channel ``ref`` of ``applications``."""
    assert stats_items.from_item({"ap_ref": 1, "ap_none": 2, "ap_tok_x": 3, "ap_x": 4, "expires_at": 5}) == {
        "applications_referral": 1,
        "applications_unattributed": 2,
        "applications_click_token_x": 3,
        "applications_x": 4,
        "expires_at": 5,
    }
    assert stats_items.stored_name("applications_share_code") == "ap_code"
    assert stats_items.stored_name("hires_linkedin") == "hi_linkedin"


def test_every_counter_has_its_own_short_stored_name_and_reads_back() -> None:
    names = funnels.counter_names()
    stored = {stats_items.stored_name(name) for name in names}
    assert len(stored) == len(names)
    other = {"pk": "p", "sk": "s", "entity": "link_stats"}
    stored_item = {**other, **{stats_items.stored_name(n): 1 for n in names}}
    assert stats_items.from_item(stored_item) == {**other, **dict.fromkeys(names, 1)}


def test_a_stats_item_holding_every_counter_stays_well_under_one_kilobyte() -> None:
    """A transactional write costs 2 units per started KB: the counter items must stay under 1 KB,
    even for the longest vacancy id and counts in the millions."""
    key = keys.vacancy_day_stats("v" * 64, "2026-11-29", keys.STATS_SHARDS - 1)
    day_counters = [n for n in counting.counter_names() if not n.startswith("unique_visitor_days")]
    size = len("pk") + len(key["pk"]) + len("sk") + len(key["sk"])
    size += len("entity") + len(stats_items.ENTITY)
    size += sum(len(stats_items.stored_name(n)) + 6 for n in day_counters)  # a 9-digit number: 6 bytes
    # 889 bytes (784 before the no-Accept-Language counts by channel); 1,365 with the full names
    assert size < 900

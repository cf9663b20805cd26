"""The click recorder's data layer against Amazon's DynamoDB Local: the marker and the increments
in one transaction, the dedupe conditions, a duplicate that writes nothing, and a concurrent
recorder that makes the transaction fail so the click is re-read and planned again."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest

from kring import aws
from kring.attribution.entities import ClickFact
from kring.clicks.counting import plan_click
from kring.clicks.recorder import LinkActivityRecorder
from kring.dal import attribution_states, keys, visitor_days
from kring.dal.attribution_states import AttributionStateRepository
from kring.dal.items import key_of
from kring.dal.link_activity import LinkActivityRepository
from kring.dal.stats import StatsRepository
from kring.dal.transact import Outcome
from tests.support import link_activity as la
from tests.support.fixtures import DynamoDBLocal

pytestmark = pytest.mark.dynamodb_local

AT = datetime(2026, 11, 29, 10, 0, tzinfo=UTC)
VACANCY_DAY = ("STATS#VAC#greenhouse-1", "DAY#2026-11-29")


def _no_sleep(_: float) -> None:
    return None


def test_a_click_commits_its_marker_tags_and_counters_in_one_transaction(
    dynamodb_local: DynamoDBLocal,
) -> None:
    click = la.click(1, at=AT)
    calls, stop = la.counting(aws.dynamodb())
    try:
        assert LinkActivityRecorder().record(click).outcome == "recorded"
    finally:
        stop()
    assert calls == Counter({"BatchGetItem": 1, "TransactWriteItems": 1})
    assert la.stats_snapshot()[VACANCY_DAY] == Counter(
        {
            "clicks": 1,
            "clicks_linkedin": 1,
            "raw_clicks": 1,
            "raw_clicks_linkedin": 1,
            "unique_visitors": 1,
            "unique_visitors_linkedin": 1,
        }
    )
    record = la.click_records()[click.click_id]
    assert record["expires_at"] == int((AT + timedelta(days=37)).timestamp())
    seen = LinkActivityRepository().read([keys.visitor_day("2026-11-29", click.visitor)])
    assert len(next(iter(seen.values()))[visitor_days.SEEN]) == 8


def test_the_same_click_again_changes_nothing_and_writes_nothing(dynamodb_local: DynamoDBLocal) -> None:
    click = la.click(1, at=AT)
    LinkActivityRecorder().record(click)
    before = la.stats_snapshot()
    calls, stop = la.counting(aws.dynamodb())
    try:
        assert LinkActivityRecorder().record(click).outcome == "duplicate"
    finally:
        stop()
    assert calls == Counter({"BatchGetItem": 1})
    assert la.stats_snapshot() == before


def test_a_replayed_transaction_is_refused_by_the_marker(dynamodb_local: DynamoDBLocal) -> None:
    """The same plan committed twice (a duplicate that slipped past the read): the marker's
    condition cancels the whole transaction, counters included."""
    plan = plan_click(la.click(1, at=AT), seen=frozenset(), own=False, window_days=30)
    assert LinkActivityRepository().commit(plan) is Outcome.APPLIED
    before = la.stats_snapshot()
    assert LinkActivityRepository().commit(plan) is Outcome.DUPLICATE
    assert la.stats_snapshot() == before


def test_a_concurrent_duplicate_is_done_without_counting_twice(dynamodb_local: DynamoDBLocal) -> None:
    click = la.click(1, at=AT)
    slow = LinkActivityRecorder(sleep=_no_sleep)
    slow.prefetch([click])  # reads: nothing recorded yet
    LinkActivityRecorder().record(click)  # another recorder gets there first
    assert slow.record(click).outcome == "duplicate"
    assert la.stats_snapshot()[VACANCY_DAY]["raw_clicks"] == 1


def test_a_dedupe_tag_claimed_concurrently_cancels_the_transaction_and_is_retried(
    dynamodb_local: DynamoDBLocal,
) -> None:
    first, second = la.click(1, at=AT), la.click(2, at=AT + timedelta(minutes=5))
    slow = LinkActivityRecorder(sleep=_no_sleep)
    slow.prefetch([second])  # sees a visitor never counted
    LinkActivityRecorder().record(first)  # another recorder counts the visitor meanwhile

    # the stale plan's NOT contains condition fails inside DynamoDB Local
    stale = plan_click(second, seen=frozenset(), own=False, window_days=30)
    assert LinkActivityRepository().commit(stale) is Outcome.CONFLICT

    recorded = slow.record(second)
    assert (recorded.outcome, recorded.attempts) == ("recorded", 2)  # cancelled, re-read, applied
    day = la.stats_snapshot()[VACANCY_DAY]
    assert (day["raw_clicks"], day["clicks"], day["unique_visitors"]) == (2, 1, 1)


def test_add_counters_sum_over_shards_and_many_clicks(dynamodb_local: DynamoDBLocal) -> None:
    clicks = [la.click(n, at=AT + timedelta(minutes=n), visitor_hash=la.visitor(n % 5)) for n in range(40)]
    recorder = LinkActivityRecorder()
    recorder.prefetch(clicks)
    assert {recorder.record(c).outcome for c in clicks} == {"recorded"}
    shards = {
        item["sk"]
        for item in StatsRepository().day_stats("STATS#VAC#greenhouse-1", "2026-11-29", "2026-11-29")
    }
    assert len(shards) == keys.STATS_SHARDS
    day = la.stats_snapshot()[VACANCY_DAY]
    # 40 minutes from 10:00 stay in one clock hour: each of the five visitors counted once
    assert (day["raw_clicks"], day["clicks"], day["unique_visitors"]) == (40, 5, 5)


def test_attribution_reads_the_click_record_the_recorder_wrote(dynamodb_local: DynamoDBLocal) -> None:
    """One owner, every reader: the click recorder writes the record through
    :mod:`kring.dal.clicks`, attribution's repository reads it back through the same owner."""
    click = la.click(1, at=AT)
    assert LinkActivityRecorder().record(click).outcome == "recorded"
    found = AttributionStateRepository().read([keys.click(click.click_id)])
    fact = attribution_states.click_fact(found[key_of(keys.click(click.click_id))])
    assert fact == ClickFact(
        token=click.click_id,
        ambassador_id=click.ambassador_id,
        vacancy_id=click.vacancy_id,
        channel=click.channel,
        clicked_at=AT,
        visitor_kind=click.visitor_kind,
        own_click=False,
        code=click.code,
    )

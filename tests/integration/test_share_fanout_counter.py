"""The fan-out's ``shares`` counter (links newly created, the first step of the programme funnel):
one TransactWriteItems per page with new links — a marker for the page and an ADD on the
vacancy's and the programme's day items — so redeliveries, retries after a failure and repeated
fan-outs of a vacancy count every link exactly once. The real handler under moto."""

from __future__ import annotations

import uuid
from collections import Counter
from datetime import UTC, datetime
from typing import Any

import pytest
from aws_lambda_powertools.utilities.batch.exceptions import BatchProcessingError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kring import aws, config
from kring.dal import keys, stats
from kring.dal.items import deserialize
from kring.dal.link_activity import LinkActivityRepository
from kring.dal.transact import Outcome
from kring.errors import TransientError
from kring.sharing import fanout
from tests.integration.test_share_fanout import _ambassador, _drain, _envelope
from tests.support import fanout as fo
from tests.support import link_activity as la
from tests.support.fanout import Published
from tests.support.fixtures import MotoStack, clear_kring_caches


def _items(prefix: str) -> list[dict[str, Any]]:
    client = aws.dynamodb()
    out: list[dict[str, Any]] = []
    for page in client.get_paginator("scan").paginate(TableName=config.tables().table_name):
        out.extend(deserialize(i) for i in page["Items"] if deserialize(i)["pk"].startswith(prefix))
    return out


def _shares() -> dict[str, Counter[str]]:
    """``shares`` by stats collection and day (shards summed)."""
    out: dict[str, Counter[str]] = {}
    for item in _items("STATS#"):
        counters = stats.from_item(item)
        if counters.get("shares"):
            day = keys.stats_day_of(str(item["sk"]))
            out.setdefault(str(item["pk"]), Counter())[day] += int(counters["shares"])
    return out


def _total(collection: str) -> int:
    return sum(_shares().get(collection, Counter()).values())


VAC, PROG = "STATS#VAC#greenhouse-1", "STATS#PROG"


def test_a_page_counts_its_new_links_on_the_vacancy_and_the_programme(moto_stack: MotoStack) -> None:
    fo.store_ambassadors(_ambassador("E1"), _ambassador("E2"), _ambassador("E3", interests=["Sales"]))
    calls, stop = la.counting(aws.dynamodb())
    try:
        result = moto_stack.invoke("ShareFanoutFunction", fo.sqs_event(_envelope()), publisher=Published())
    finally:
        stop()
    assert result == {"batchItemFailures": []}
    shares = _shares()
    [(day, created)] = shares[VAC].items()
    assert created == 2  # E3 is not interested in Engineering
    assert shares[PROG] == Counter({day: 2})
    assert calls["TransactWriteItems"] == 1
    [marker] = _items("SHCOUNT#")
    assert (marker["vacancy_id"], marker["created"], marker["day"]) == ("greenhouse-1", 2, day)
    assert marker["expires_at"] > datetime.now(UTC).timestamp() + 29 * 86400


def test_a_redelivered_or_republished_vacancy_counts_only_links_it_creates(moto_stack: MotoStack) -> None:
    fo.store_ambassadors(_ambassador("E1"), _ambassador("E2", interests=["Data"]))
    published = Published()
    body = _envelope(department="Engineering")
    moto_stack.invoke("ShareFanoutFunction", fo.sqs_event(body), publisher=published)
    moto_stack.invoke("ShareFanoutFunction", fo.sqs_event(body), publisher=published)  # the same message
    assert (_total(VAC), _total(PROG)) == (1, 1)

    calls, stop = la.counting(aws.dynamodb())
    try:  # published again: nothing new for anyone → no count written at all
        moto_stack.invoke("ShareFanoutFunction", fo.sqs_event(_envelope()), publisher=published)
    finally:
        stop()
    assert "TransactWriteItems" not in calls
    moto_stack.invoke("ShareFanoutFunction", fo.sqs_event(_envelope(department="Data")), publisher=published)
    assert (_total(VAC), _total(PROG)) == (2, 2)  # E2, newly matching


def test_every_page_of_a_long_fan_out_counts_once(
    moto_stack: MotoStack, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FANOUT_PAGE_SIZE", "3")
    clear_kring_caches()
    fo.store_ambassadors(*(_ambassador(f"E{n:02d}") for n in range(10)))
    published = Published()
    moto_stack.invoke("ShareFanoutFunction", fo.sqs_event(_envelope()), publisher=published)
    assert _drain(moto_stack, published) == 3
    assert (_total(VAC), _total(PROG)) == (10, 10)
    assert len(_items("SHCOUNT#")) == 4


def test_two_fan_outs_of_one_vacancy_count_each_link_once(
    moto_stack: MotoStack, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FANOUT_PAGE_SIZE", "2")
    clear_kring_caches()
    fo.store_ambassadors(*(_ambassador(f"E{n}") for n in range(5)))
    published = Published()
    moto_stack.invoke("ShareFanoutFunction", fo.sqs_event(_envelope()), publisher=published)
    moto_stack.invoke("ShareFanoutFunction", fo.sqs_event(_envelope()), publisher=published)
    _drain(moto_stack, published)
    assert (_total(VAC), _total(PROG)) == (5, 5)


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_duplication_and_order_of_deliveries_counts_each_link_once(
    moto_stack: MotoStack, monkeypatch: pytest.MonkeyPatch, data: st.DataObject
) -> None:
    monkeypatch.setenv("FANOUT_PAGE_SIZE", "2")
    clear_kring_caches()
    vacancy_id = f"greenhouse-{uuid.uuid4().hex[:8]}"
    fo.store_ambassadors(*(_ambassador(f"P{n}") for n in range(5)))
    programme_before = _total(PROG)
    published = Published()
    deliveries = [_envelope(vacancy_id=vacancy_id) for _ in range(data.draw(st.integers(1, 3)))]
    pending = [body for body in deliveries for _ in range(data.draw(st.integers(1, 2)))]
    while pending:
        pending = data.draw(st.permutations(pending))
        take = data.draw(st.integers(1, len(pending)))
        batch, pending = pending[:take], pending[take:]
        result = moto_stack.invoke("ShareFanoutFunction", fo.sqs_event(*batch), publisher=published)
        assert result == {"batchItemFailures": []}
        follow = [m["Body"] for m in moto_stack.receive_all("FanoutQueue")]
        pending += follow + (follow if data.draw(st.booleans()) else [])
    assert _total(f"STATS#VAC#{vacancy_id}") == 5
    assert _total(PROG) - programme_before == 5


def test_a_page_retried_after_its_count_does_not_count_again(moto_stack: MotoStack) -> None:
    """The link write fails after the count: the idempotency record is dropped, the retry decides
    the same links again (the only writer skips the existing-link read) — the marker holds."""
    fo.store_ambassadors(_ambassador("E1"), _ambassador("E2"))
    client = aws.dynamodb()
    failures: list[str] = []

    def fail_once(**_: Any) -> None:
        if not failures:
            failures.append("BatchWriteItem")
            raise RuntimeError("throttled beyond the SDK's retries")

    client.meta.events.register("before-call.dynamodb.BatchWriteItem", fail_once)
    body = _envelope()
    try:
        with pytest.raises(BatchProcessingError):
            moto_stack.invoke("ShareFanoutFunction", fo.sqs_event(body), publisher=Published())
    finally:
        client.meta.events.unregister("before-call.dynamodb.BatchWriteItem", fail_once)
    assert _total(VAC) == 2  # counted before the links were written (announced, counted, written)

    assert moto_stack.invoke("ShareFanoutFunction", fo.sqs_event(body), publisher=Published()) == {
        "batchItemFailures": []
    }
    assert (_total(VAC), _total(PROG)) == (2, 2)


def test_a_conflicting_count_is_retried_then_handed_back(monkeypatch: pytest.MonkeyPatch) -> None:
    outcomes = [Outcome.CONFLICT, Outcome.APPLIED]
    monkeypatch.setattr(LinkActivityRepository, "commit", lambda _self, _plan: outcomes.pop(0))
    now = datetime(2026, 11, 29, 10, 0, tzinfo=UTC)
    assert fanout.count_shares("event:0", "greenhouse-1", 3, now, sleep=lambda _: None) is True
    assert outcomes == []

    monkeypatch.setattr(LinkActivityRepository, "commit", lambda _self, _plan: Outcome.CONFLICT)
    with pytest.raises(TransientError):
        fanout.count_shares("event:1", "greenhouse-1", 3, now, sleep=lambda _: None)
    monkeypatch.setattr(LinkActivityRepository, "commit", lambda _self, _plan: Outcome.DUPLICATE)
    assert fanout.count_shares("event:0", "greenhouse-1", 3, now, sleep=lambda _: None) is False

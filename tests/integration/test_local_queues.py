"""The local SQS: FIFO groups, deduplication, visibility, partial batches, redrive, persistence —
and the event-source mapping that polls it."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import pytest

from infra.local.pollers import QueuePoller
from infra.local.queues import QueueStore
from infra.local.template import QueueEventSource, Stack
from kring.errors import TransientError

STACK = Stack({"PublicBaseUrl": "https://go.example.com", "Stage": "t"})
FANOUT = STACK.queues()["FanoutQueue"].name
FANOUT_DLQ = STACK.queues()["FanoutDLQ"].name
RULE_DLQ = STACK.queues()["VacancyPublishedRuleDLQ"].name


class Clock:
    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def store(tmp_path: Path, clock: Clock) -> QueueStore:
    return QueueStore(tmp_path / "q.sqlite3", STACK.queues(), clock=clock)


def test_a_fifo_group_is_handed_out_in_order_and_one_batch_at_a_time(store: QueueStore, clock: Clock) -> None:
    for n in range(3):
        store.send(FANOUT, f"m{n}", group_id="fanout")
    first = store.receive(FANOUT, 2, visibility_timeout=30)
    assert [m.body for m in first] == ["m0", "m1"]
    assert store.receive(FANOUT, 10, visibility_timeout=30) == []  # the group is in flight
    for m in first:
        assert m.receipt
        store.delete(m.receipt)
    assert [m.body for m in store.receive(FANOUT, 10, visibility_timeout=30)] == ["m2"]


def test_a_fifo_queue_drops_a_repeated_deduplication_id_within_five_minutes(
    store: QueueStore, clock: Clock
) -> None:
    assert store.send(FANOUT, "a", group_id="g", dedup_id="same") is not None
    assert store.send(FANOUT, "b", group_id="g", dedup_id="same") is None
    clock.now += 301
    assert store.send(FANOUT, "c", group_id="g", dedup_id="same") is not None
    assert [m.body for m in store.messages(FANOUT)] == ["a", "c"]


def test_a_fifo_queue_needs_a_group(store: QueueStore) -> None:
    with pytest.raises(ValueError, match="MessageGroupId"):
        store.send(FANOUT, "x")


def test_an_unacknowledged_message_returns_after_its_visibility_timeout(
    store: QueueStore, clock: Clock
) -> None:
    store.send(RULE_DLQ, "x")
    assert len(store.receive(RULE_DLQ, 1, visibility_timeout=30)) == 1
    assert store.receive(RULE_DLQ, 1, visibility_timeout=30) == []
    clock.now += 31
    again = store.receive(RULE_DLQ, 1, visibility_timeout=30)
    assert [m.receive_count for m in again] == [2]


def test_past_max_receive_count_a_message_moves_to_the_dead_letter_queue(
    store: QueueStore, clock: Clock
) -> None:
    store.send(FANOUT, "poison", group_id="fanout")
    for _ in range(STACK.queues()["FanoutQueue"].max_receive_count or 0):
        assert store.receive(FANOUT, 1, visibility_timeout=1)
        clock.now += 2
    assert store.receive(FANOUT, 1, visibility_timeout=1) == []
    parked = store.messages(FANOUT_DLQ)
    assert [m.body for m in parked] == ["poison"]
    assert parked[0].attributes["kring_dead_letter_reason"] == "received 5 times (maxReceiveCount 5)"


def test_messages_survive_a_restart(tmp_path: Path, clock: Clock) -> None:
    first = QueueStore(tmp_path / "q.sqlite3", STACK.queues(), clock=clock)
    first.send(RULE_DLQ, "kept")
    first.close()
    again = QueueStore(tmp_path / "q.sqlite3", STACK.queues(), clock=clock)
    assert [m.body for m in again.messages(RULE_DLQ)] == ["kept"]


def test_the_poller_deletes_successes_and_returns_only_reported_failures(
    store: QueueStore, clock: Clock
) -> None:
    for body in ("ok-1", "bad", "ok-2"):
        store.send(FANOUT, body, group_id="fanout")
    seen: list[dict[str, Any]] = []

    def invoke(function: str, event: dict[str, Any]) -> dict[str, Any]:
        seen.append(event)
        failed = [r["messageId"] for r in event["Records"] if r["body"] == "bad"]
        return {"batchItemFailures": [{"itemIdentifier": i} for i in failed]}

    source = QueueEventSource(
        "ShareFanoutFunction", "FanoutQueue", batch_size=10, report_batch_item_failures=True
    )
    poller = QueuePoller(source, FANOUT, store, invoke)
    assert poller.poll_once() == 3

    record = seen[0]["Records"][0]
    assert record["eventSource"] == "aws:sqs"
    assert record["attributes"]["MessageGroupId"] == "fanout"
    assert record["attributes"]["ApproximateReceiveCount"] == "1"
    assert [m.body for m in store.messages(FANOUT)] == ["bad"]
    clock.now += 10
    assert poller.poll_once() == 1
    assert json.loads(json.dumps(seen[1]))["Records"][0]["attributes"]["ApproximateReceiveCount"] == "2"


def test_a_batch_whose_function_raises_comes_back_whole(store: QueueStore, clock: Clock) -> None:
    store.send(FANOUT, "a", group_id="fanout")

    def invoke(function: str, event: dict[str, Any]) -> None:
        raise RuntimeError("boom")

    source = QueueEventSource(
        "ShareFanoutFunction", "FanoutQueue", batch_size=10, report_batch_item_failures=True
    )
    poller = QueuePoller(source, FANOUT, store, invoke)
    poller.poll_once()
    assert [m.body for m in store.messages(FANOUT)] == ["a"]
    clock.now += 10
    assert poller.poll_once() == 1


@pytest.mark.parametrize(
    ("error", "level", "traceback"),
    [
        (TransientError("attribution has not recorded this hire yet"), logging.WARNING, False),
        (RuntimeError("boom"), logging.ERROR, True),
    ],
)
def test_a_batch_failed_transiently_is_logged_in_one_line_anything_else_with_its_traceback(
    store: QueueStore, caplog: pytest.LogCaptureFixture, error: Exception, level: int, traceback: bool
) -> None:
    store.send(FANOUT, "a", group_id="fanout")

    def invoke(function: str, event: dict[str, Any]) -> None:
        raise error

    source = QueueEventSource(
        "ShareFanoutFunction", "FanoutQueue", batch_size=10, report_batch_item_failures=True
    )
    with caplog.at_level(logging.WARNING, logger="local.sqs"):
        QueuePoller(source, FANOUT, store, invoke).poll_once()
    [record] = [r for r in caplog.records if r.name == "local.sqs"]
    assert record.levelno == level
    assert (record.exc_info is not None) is traceback
    assert str(error) in record.getMessage() or record.exc_info is not None


def test_a_released_fifo_message_holds_back_the_rest_of_its_group_but_not_other_groups(
    store: QueueStore, clock: Clock
) -> None:
    for body, group in (("a1", "a"), ("a2", "a"), ("b1", "b")):
        store.send(FANOUT, body, group_id=group)
    [first] = store.receive(FANOUT, 1, visibility_timeout=30)
    assert first.body == "a1"
    assert first.receipt
    store.release(first.receipt, after_seconds=5)  # a failed item of a partial batch
    assert [m.body for m in store.receive(FANOUT, 10, visibility_timeout=30)] == ["b1"]
    clock.now += 6
    assert [m.body for m in store.receive(FANOUT, 10, visibility_timeout=30)] == ["a1", "a2"]


def test_a_delayed_message_becomes_visible_after_its_delay(store: QueueStore, clock: Clock) -> None:
    store.send(RULE_DLQ, "later", delay_seconds=10)
    assert store.receive(RULE_DLQ, 1, visibility_timeout=30) == []
    clock.now += 11
    assert [m.body for m in store.receive(RULE_DLQ, 1, visibility_timeout=30)] == ["later"]


def test_an_unknown_batch_item_identifier_fails_the_whole_batch(store: QueueStore, clock: Clock) -> None:
    for body in ("a", "b"):
        store.send(FANOUT, body, group_id="fanout")
    source = QueueEventSource(
        "ShareFanoutFunction", "FanoutQueue", batch_size=10, report_batch_item_failures=True
    )
    poller = QueuePoller(source, FANOUT, store, lambda *_: {"batchItemFailures": [{"itemIdentifier": ""}]})
    assert poller.poll_once() == 2
    assert store.receive(FANOUT, 10, visibility_timeout=30) == []  # both still in flight
    clock.now += 10
    assert [m.receive_count for m in store.receive(FANOUT, 10, visibility_timeout=30)] == [2, 2]

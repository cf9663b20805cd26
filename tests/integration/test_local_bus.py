"""The local bus: the template's rules with EventBridge's pattern semantics, real envelopes,
retries and then the target's dead-letter queue; and the local AWS endpoint driven by boto3."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

from infra.local import dlq
from infra.local.bus import LocalBus
from infra.local.http import AwsServer
from infra.local.queues import QueueStore
from infra.local.template import REGION, Stack

STACK = Stack({"PublicBaseUrl": "https://go.example.com", "Stage": "t"})
BUS = STACK.physical_name("KringBus")
FANOUT = STACK.queues()["FanoutQueue"].name
RULE_DLQ = STACK.queues()["VacancyPublishedRuleDLQ"].name


def _entry(detail_type: str = "VacancyPublished", source: str = "kring.ats") -> dict[str, Any]:
    return {
        "Source": source,
        "DetailType": detail_type,
        "Detail": json.dumps({"vacancy_id": "v-1"}),
        "EventBusName": BUS,
    }


@pytest.fixture
def store(tmp_path: Path) -> Iterator[QueueStore]:
    queues = QueueStore(tmp_path / "q.sqlite3", STACK.queues())
    yield queues
    queues.close()


def _wait(condition: Any, seconds: float = 5.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "condition not reached"
        time.sleep(0.02)


def test_a_matching_event_reaches_the_fanout_queue_as_an_eventbridge_envelope(store: QueueStore) -> None:
    bus = LocalBus(STACK.rules(), store, lambda *_: None)
    bus.start()
    try:
        results = bus.put_events(
            [_entry(), _entry(detail_type="VacancyClosed"), _entry(source="kring.other")]
        )
        _wait(bus.idle)
    finally:
        bus.stop()
    assert all("EventId" in r for r in results)
    messages = store.messages(FANOUT)
    assert len(messages) == 1
    assert messages[0].group_id == "fanout"  # the rule target's SqsParameters
    envelope = json.loads(messages[0].body)
    assert envelope["detail-type"] == "VacancyPublished"
    assert envelope["source"] == "kring.ats"
    assert envelope["detail"] == {"vacancy_id": "v-1"}
    assert {"version", "id", "account", "time", "region", "resources"} <= set(envelope)


def test_an_event_on_another_bus_matches_nothing(store: QueueStore) -> None:
    bus = LocalBus(STACK.rules(), store, lambda *_: None)
    bus.put_events([{**_entry(), "EventBusName": "default"}])
    assert bus.idle()
    assert store.messages(FANOUT) == []


def test_a_failing_target_is_retried_then_parked_in_its_dead_letter_queue(store: QueueStore) -> None:
    failing = QueueStore.send
    attempts: list[str] = []

    def send(self: QueueStore, queue: str, body: str, **kwargs: Any) -> Any:
        if queue == FANOUT:
            attempts.append(queue)
            raise RuntimeError("queue unavailable")
        return failing(self, queue, body, **kwargs)

    bus = LocalBus(STACK.rules(), store, lambda *_: None, backoff_seconds=(0.0,))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(QueueStore, "send", send)
        bus.start()
        try:
            bus.put_events([_entry()])
            _wait(lambda: bool(store.messages(RULE_DLQ)))
        finally:
            bus.stop()
    assert len(attempts) == 3
    parked = store.messages(RULE_DLQ)[0]
    assert parked.attributes["ERROR_MESSAGE"] == "RuntimeError: queue unavailable"
    assert json.loads(parked.body)["detail-type"] == "VacancyPublished"

    # Redrive puts the parked event back where its rule delivers it.
    assert dlq.redrive_local(STACK, store, RULE_DLQ) == {RULE_DLQ: 1}
    assert store.messages(RULE_DLQ) == []
    assert json.loads(store.messages(FANOUT)[0].body)["id"] == json.loads(parked.body)["id"]


def test_a_queue_dead_letter_queue_is_redriven_into_its_source(store: QueueStore) -> None:
    fanout_dlq = STACK.queues()["FanoutDLQ"].name
    store.send(fanout_dlq, "parked page", group_id="fanout")
    listed = {p.queue: p.count for p in dlq.list_parked(STACK, store)}
    assert listed == {fanout_dlq: 1, RULE_DLQ: 0}
    dlq.redrive_local(STACK, store)
    assert [m.body for m in store.messages(FANOUT)] == ["parked page"]
    assert store.messages(fanout_dlq) == []


def test_boto3_clients_talk_to_the_local_aws_endpoint(store: QueueStore) -> None:
    bus = LocalBus(STACK.rules(), store, lambda *_: None)
    server = AwsServer(("127.0.0.1", 0), lambda: bus, store)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}"
    creds = {"region_name": REGION, "aws_access_key_id": "x", "aws_secret_access_key": "x"}
    try:
        events = boto3.client("events", endpoint_url=url, **creds)
        answer = events.put_events(Entries=[{k: v for k, v in _entry().items()}])
        assert answer["FailedEntryCount"] == 0
        assert answer["Entries"][0]["EventId"]

        sqs = boto3.client("sqs", endpoint_url=url, **creds)
        queue_url = f"{url}/000000000000/{FANOUT}"
        sent = sqs.send_message(
            QueueUrl=queue_url, MessageBody="one", MessageGroupId="g", MessageDeduplicationId="1"
        )
        assert sent["MessageId"]
        batch = sqs.send_message_batch(
            QueueUrl=queue_url,
            Entries=[{"Id": "a", "MessageBody": "two", "MessageGroupId": "g", "MessageDeduplicationId": "2"}],
        )
        assert [s["Id"] for s in batch["Successful"]] == ["a"]
        bodies = [m.body for m in store.messages(FANOUT)]
        assert "one" in bodies
        assert "two" in bodies
    finally:
        server.shutdown()
        bus.stop()

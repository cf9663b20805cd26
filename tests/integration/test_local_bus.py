"""The local bus: the template's rules with EventBridge's pattern semantics, real envelopes,
retries and then the target's dead-letter queue; and the local AWS endpoint driven by boto3."""

from __future__ import annotations

import copy
import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypedDict

import boto3
import pytest

from infra.local import dlq
from infra.local.bus import LocalBus, envelope
from infra.local.http import AwsServer
from infra.local.queues import QueueStore
from infra.local.template import REGION, Stack, load

if TYPE_CHECKING:
    from mypy_boto3_events.type_defs import PutEventsRequestEntryTypeDef

STACK = Stack({"PublicBaseUrl": "https://go.example.com", "Stage": "t"})
BUS = STACK.physical_name("KringBus")
FANOUT = STACK.queues()["FanoutQueue"].name
RULE_DLQ = STACK.queues()["VacancyPublishedRuleDLQ"].name


class Credentials(TypedDict):
    """What a boto3 client needs besides its service and endpoint."""

    region_name: str
    aws_access_key_id: str
    aws_secret_access_key: str


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


@pytest.mark.parametrize(
    ("detail_type", "source"),
    [("AmbassadorChanged", "kring.roster"), ("AmbassadorPhaseChanged", "kring.programme")],
)
def test_an_ambassadors_change_reaches_the_fanout_queues_one_group(
    store: QueueStore, detail_type: str, source: str
) -> None:
    """Links follow eligibility: the catch-up runs in the fan-out's FIFO group, read from the template."""
    bus = LocalBus(STACK.rules(), store, lambda *_: None)
    bus.start()
    try:
        bus.put_events([_entry(detail_type=detail_type, source=source), _entry(detail_type, "kring.other")])
        _wait(bus.idle)
    finally:
        bus.stop()
    messages = store.messages(FANOUT)
    assert [(m.group_id, json.loads(m.body)["detail-type"]) for m in messages] == [("fanout", detail_type)]


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
    assert dlq.redrive_local(STACK, store, RULE_DLQ) == [dlq.Redriven(RULE_DLQ, moved=1)]
    assert store.messages(RULE_DLQ) == []
    assert json.loads(store.messages(FANOUT)[0].body)["id"] == json.loads(parked.body)["id"]


def test_a_queue_dead_letter_queue_is_redriven_into_its_source(store: QueueStore) -> None:
    fanout_dlq = STACK.queues()["FanoutDLQ"].name
    store.send(fanout_dlq, "parked page", group_id="fanout")
    listed = {p.queue: p.count for p in dlq.list_parked(STACK, store)}
    assert listed.pop(fanout_dlq) == 1
    assert RULE_DLQ in listed
    assert set(listed.values()) == {0}  # every other dead-letter queue of the template, empty
    dlq.redrive_local(STACK, store)
    assert [m.body for m in store.messages(FANOUT)] == ["parked page"]
    assert store.messages(fanout_dlq) == []


def test_boto3_clients_talk_to_the_local_aws_endpoint(store: QueueStore) -> None:
    bus = LocalBus(STACK.rules(), store, lambda *_: None)
    server = AwsServer(("127.0.0.1", 0), lambda: bus, store)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}"
    creds = Credentials(region_name=REGION, aws_access_key_id="x", aws_secret_access_key="x")
    try:
        events = boto3.client("events", endpoint_url=url, **creds)
        entry = _entry()
        put: PutEventsRequestEntryTypeDef = {
            "Source": entry["Source"],
            "DetailType": entry["DetailType"],
            "Detail": entry["Detail"],
            "EventBusName": entry["EventBusName"],
        }
        answer = events.put_events(Entries=[put])
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


# ---------------------------------------------------------------------------------- a rule whose
# target is a function, added to template.yaml's own resources for these tests
def _with_function_rule() -> Stack:
    template = copy.deepcopy(load())
    template["Resources"]["SharesCreatedRule"] = {
        "Type": "AWS::Events::Rule",
        "Properties": {
            "EventBusName": {"Ref": "KringBus"},
            "EventPattern": {
                "source": [{"prefix": "kring."}],
                "detail-type": ["SharesCreated"],
                "detail": {"count": [{"numeric": [">", 0]}], "channel": [{"anything-but": "test"}]},
            },
            "Targets": [
                {
                    "Id": "digest",
                    "Arn": {"Fn::GetAtt": ["ApiFunction", "Arn"]},
                    "RetryPolicy": {"MaximumRetryAttempts": 1},
                    "DeadLetterConfig": {"Arn": {"Fn::GetAtt": ["SharesRuleDLQ", "Arn"]}},
                }
            ],
        },
    }
    template["Resources"]["SharesRuleDLQ"] = {
        "Type": "AWS::SQS::Queue",
        "Properties": {"QueueName": {"Fn::Sub": "kring-${Stage}-shares-dlq"}},
    }
    return Stack({"PublicBaseUrl": "https://go.example.com", "Stage": "t"}, template=template)


FUNCTION_STACK = _with_function_rule()
SHARES_DLQ = FUNCTION_STACK.queues()["SharesRuleDLQ"].name


def _shares_created(**detail: Any) -> dict[str, Any]:
    return {
        "Source": "kring.fanout",
        "DetailType": "SharesCreated",
        "Detail": json.dumps({"count": 3, "channel": "email", **detail}),
        "EventBusName": BUS,
    }


@pytest.fixture
def function_store(tmp_path: Path) -> Iterator[QueueStore]:
    queues = QueueStore(tmp_path / "f.sqlite3", FUNCTION_STACK.queues())
    yield queues
    queues.close()


def test_rules_match_with_eventbridges_content_filters(function_store: QueueStore) -> None:
    # the added rule alone: template.yaml's own MailInstantRule takes every SharesCreated
    added = [rule for rule in FUNCTION_STACK.rules() if rule.logical_id == "SharesCreatedRule"]
    bus = LocalBus(added, function_store, lambda *_: None)
    matching = {
        "plain": _shares_created(),
        "no shares": _shares_created(count=0),
        "test channel": _shares_created(channel="test"),
        "other source": {**_shares_created(), "Source": "acme.fanout"},
    }
    matched = {name: bus.matching_rules(envelope(entry), BUS) for name, entry in matching.items()}
    assert matched == {
        "plain": ["SharesCreatedRule"],
        "no shares": [],
        "test channel": [],
        "other source": [],
    }


def test_a_function_target_is_invoked_with_the_envelope(function_store: QueueStore) -> None:
    invoked: list[tuple[str, dict[str, Any]]] = []
    bus = LocalBus(FUNCTION_STACK.rules(), function_store, lambda fn, event: invoked.append((fn, event)))
    bus.start()
    try:
        [result] = bus.put_events([_shares_created()])
        _wait(bus.idle)
    finally:
        bus.stop()
    [(function, event)] = invoked
    assert function == "ApiFunction"
    assert event["id"] == result["EventId"]
    assert event["detail-type"] == "SharesCreated"
    assert event["detail"] == {"count": 3, "channel": "email"}


def test_what_is_still_pending_at_stop_is_flushed_not_lost(function_store: QueueStore) -> None:
    # Both targets fail once; their retries are still waiting (a long backoff) when the bus stops.
    failing_once: set[str] = set()

    invoked: list[str] = []

    def invoke(function: str, event: dict[str, Any]) -> None:
        invoked.append(function)
        raise RuntimeError("not now")

    send = QueueStore.send

    def send_failing_once(self: QueueStore, queue: str, body: str, **kwargs: Any) -> Any:
        if queue == FANOUT and queue not in failing_once:
            failing_once.add(queue)
            raise RuntimeError("queue busy")
        return send(self, queue, body, **kwargs)

    bus = LocalBus(FUNCTION_STACK.rules(), function_store, invoke, backoff_seconds=(60.0,))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(QueueStore, "send", send_failing_once)
        bus.start()
        bus.put_events([_entry(), _shares_created()])
        _wait(lambda: len(invoked) == len(failing_once) == 1 and bus.pending() == 2)
        bus.stop()
    assert [json.loads(m.body)["detail-type"] for m in function_store.messages(FANOUT)] == [
        "VacancyPublished"
    ]
    [parked] = function_store.messages(SHARES_DLQ)
    assert parked.attributes["EXHAUSTED_RETRY_CONDITION"] == "LocalStackStopped"
    assert json.loads(parked.body)["detail-type"] == "SharesCreated"


def test_a_function_targets_dlq_is_redriven_through_the_running_stack(function_store: QueueStore) -> None:
    invoked: list[dict[str, Any]] = []
    fail = [True]

    def invoke(function: str, event: dict[str, Any]) -> None:
        if fail[0]:
            raise RuntimeError("down")
        invoked.append(event)

    bus = LocalBus(FUNCTION_STACK.rules(), function_store, invoke, backoff_seconds=(0.0,))
    bus.start()
    server = AwsServer(("127.0.0.1", 0), lambda: bus, function_store)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    try:
        [result] = bus.put_events([_shares_created()])
        _wait(lambda: bool(function_store.messages(SHARES_DLQ)))
        parked = function_store.messages(SHARES_DLQ)[0]
        assert parked.attributes["RETRY_ATTEMPTS"] == "1"  # the template's MaximumRetryAttempts
        assert parked.attributes["RULE"] == "SharesCreatedRule"

        # Without the stack running, nothing is lost: the event stays parked, and the redrive says so.
        [left] = dlq.redrive_local(FUNCTION_STACK, function_store, SHARES_DLQ, aws_url="http://127.0.0.1:9")
        assert (left.moved, left.skipped) == (0, 1)
        assert "make run" in left.reason
        assert len(function_store.messages(SHARES_DLQ)) == 1

        fail[0] = False
        url = f"http://127.0.0.1:{server.server_address[1]}"
        assert dlq.redrive_local(FUNCTION_STACK, function_store, SHARES_DLQ, aws_url=url) == [
            dlq.Redriven(SHARES_DLQ, moved=1)
        ]
        _wait(lambda: bool(invoked))
    finally:
        server.shutdown()
        server.server_close()
        bus.stop()
    assert [e["id"] for e in invoked] == [result["EventId"]]  # the same event, to that one target
    assert function_store.messages(SHARES_DLQ) == []

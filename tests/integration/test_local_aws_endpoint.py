"""The local AWS endpoint, driven by real boto3 clients in botocore's own wire protocols: what it
accepts, and what it refuses the way EventBridge and SQS refuse it."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import boto3
import pytest
from botocore.exceptions import ClientError

from infra.local.bus import LocalBus
from infra.local.http import AwsServer
from infra.local.pollers import sqs_record
from infra.local.queues import QueueStore
from infra.local.template import ACCOUNT, REGION, Stack
from kring import aws, config
from kring.integrations import sqs as kring_sqs
from kring.integrations.sqs import SqsMailQueue

STACK = Stack({"PublicBaseUrl": "https://go.example.com", "Stage": "t"})
BUS = STACK.physical_name("KringBus")
FANOUT = STACK.queues()["FanoutQueue"].name
RULE_DLQ = STACK.queues()["VacancyPublishedRuleDLQ"].name
MAIL = STACK.queues()["MailQueue"].name


@dataclass
class Endpoint:
    url: str
    bus: LocalBus
    store: QueueStore

    def client(self, service: Literal["events", "sqs"]) -> Any:
        return boto3.client(
            service,
            endpoint_url=self.url,
            region_name=REGION,
            aws_access_key_id="local",
            aws_secret_access_key="local",
        )

    def queue_url(self, name: str) -> str:
        return f"{self.url}/{ACCOUNT}/{name}"


class Clock:
    """The queues' clock: a test moves it, never waits."""

    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def endpoint(tmp_path: Path, clock: Clock) -> Iterator[Endpoint]:
    store = QueueStore(tmp_path / "q.sqlite3", STACK.queues(), clock=clock)
    bus = LocalBus(STACK.rules(), store, lambda *_: None)
    server = AwsServer(("127.0.0.1", 0), lambda: bus, store)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    yield Endpoint(f"http://127.0.0.1:{server.server_address[1]}", bus, store)
    server.shutdown()
    server.server_close()
    bus.stop()
    store.close()


def _published(**overrides: Any) -> dict[str, Any]:
    return {
        "Source": "kring.ats",
        "DetailType": "VacancyPublished",
        "Detail": json.dumps({"vacancy_id": "v-1"}),
        "EventBusName": BUS,
        **overrides,
    }


def test_put_events_answers_per_entry_and_counts_the_failures(endpoint: Endpoint) -> None:
    events = endpoint.client("events")
    answer = events.put_events(
        Entries=[
            _published(),
            {"Source": "kring.ats", "Detail": "{}", "EventBusName": BUS},
            _published(Detail="{not json"),
            _published(Detail="[1, 2]"),
        ]
    )
    assert answer["FailedEntryCount"] == 3
    codes = [e.get("ErrorCode") for e in answer["Entries"]]
    assert codes == [None, "InvalidArgument", "MalformedDetail", "MalformedDetail"]
    assert answer["Entries"][0]["EventId"]


def test_put_events_takes_a_bus_arn_and_keeps_the_entrys_time(endpoint: Endpoint) -> None:
    endpoint.bus.start()
    when = datetime(2026, 11, 30, 8, 15, 0, tzinfo=UTC)
    endpoint.client("events").put_events(
        Entries=[
            _published(
                EventBusName=f"arn:aws:events:{REGION}:{ACCOUNT}:event-bus/{BUS}",
                Time=when,
                Resources=["arn:aws:kring:::vacancy/v-1"],
            )
        ]
    )
    deadline = time.monotonic() + 5
    while not endpoint.store.messages(FANOUT):
        assert time.monotonic() < deadline, "the event did not reach the fan-out queue"
        time.sleep(0.02)
    envelope = json.loads(endpoint.store.messages(FANOUT)[0].body)
    assert envelope["time"] == "2026-11-30T08:15:00Z"
    assert envelope["resources"] == ["arn:aws:kring:::vacancy/v-1"]


def test_more_than_ten_events_in_one_call_are_refused(endpoint: Endpoint) -> None:
    with pytest.raises(ClientError) as refused:
        endpoint.client("events").put_events(Entries=[_published() for _ in range(11)])
    assert refused.value.response["Error"]["Code"] == "ValidationException"


def test_an_unknown_queue_raises_boto3s_own_exception(endpoint: Endpoint) -> None:
    sqs = endpoint.client("sqs")
    with pytest.raises(sqs.exceptions.QueueDoesNotExist):
        sqs.send_message(QueueUrl=endpoint.queue_url("no-such-queue"), MessageBody="x")


def test_a_fifo_queue_refuses_a_message_without_a_group(endpoint: Endpoint) -> None:
    with pytest.raises(ClientError) as refused:
        endpoint.client("sqs").send_message(QueueUrl=endpoint.queue_url(FANOUT), MessageBody="x")
    assert refused.value.response["Error"]["Code"] == "MissingParameter"
    assert endpoint.store.messages(FANOUT) == []


def test_a_batch_answers_per_entry(endpoint: Endpoint) -> None:
    answer = endpoint.client("sqs").send_message_batch(
        QueueUrl=endpoint.queue_url(FANOUT),
        Entries=[
            {"Id": "ok", "MessageBody": "one", "MessageGroupId": "g"},
            {"Id": "no-group", "MessageBody": "two"},
        ],
    )
    assert [s["Id"] for s in answer["Successful"]] == ["ok"]
    assert [(f["Id"], f["Code"], f["SenderFault"]) for f in answer["Failed"]] == [
        ("no-group", "MissingParameter", True)
    ]
    assert [m.body for m in endpoint.store.messages(FANOUT)] == ["one"]


@pytest.mark.parametrize(
    ("entries", "code"),
    [
        (
            [{"Id": str(n), "MessageBody": "x", "MessageGroupId": "g"} for n in range(11)],
            "TooManyEntriesInBatchRequest",
        ),
        ([{"Id": "same", "MessageBody": "x", "MessageGroupId": "g"}] * 2, "BatchEntryIdsNotDistinct"),
    ],
)
def test_a_batch_sqs_would_refuse_is_refused(
    endpoint: Endpoint, entries: list[dict[str, str]], code: str
) -> None:
    with pytest.raises(ClientError) as refused:
        endpoint.client("sqs").send_message_batch(QueueUrl=endpoint.queue_url(FANOUT), Entries=entries)
    assert refused.value.response["Error"]["Code"] == code


def test_a_repeated_deduplication_id_is_accepted_and_delivered_once(endpoint: Endpoint) -> None:
    sqs = endpoint.client("sqs")
    for _ in range(2):
        sent = sqs.send_message(
            QueueUrl=endpoint.queue_url(FANOUT),
            MessageBody="page",
            MessageGroupId="g",
            MessageDeduplicationId="d",
        )
        assert sent["MessageId"]
    assert len(endpoint.store.messages(FANOUT)) == 1


def test_message_attributes_reach_the_functions_sqs_record(endpoint: Endpoint) -> None:
    endpoint.client("sqs").send_message(
        QueueUrl=endpoint.queue_url(RULE_DLQ),
        MessageBody="x",
        MessageAttributes={"trace": {"DataType": "String", "StringValue": "abc"}},
    )
    [message] = endpoint.store.receive(RULE_DLQ, 1, visibility_timeout=5)
    record = sqs_record(message)
    assert record["messageAttributes"] == {
        "trace": {"stringValue": "abc", "stringListValues": [], "binaryListValues": [], "dataType": "String"}
    }


def test_a_delayed_mail_job_waits_its_delay_and_a_message_without_one_the_queue_s(
    endpoint: Endpoint, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert STACK.queues()["MailQueue"].delay_seconds == 30  # template.yaml's, for hire notices
    monkeypatch.setenv("AWS_ENDPOINT_URL_SQS", endpoint.url)
    monkeypatch.setenv("MAIL_QUEUE_URL", endpoint.queue_url(MAIL))
    monkeypatch.setenv("MAIL_FROM_ADDRESS", "kring@mail.example.com")
    config.clear_caches()
    aws.clear_caches()
    assert SqsMailQueue(delay_seconds=300).enqueue_jobs(["vacancy notice"]) == 1  # the real sender's call
    endpoint.client("sqs").send_message(QueueUrl=endpoint.queue_url(MAIL), MessageBody="hire")

    def visible() -> list[str]:
        return [m.body for m in endpoint.store.receive(MAIL, 10, visibility_timeout=900)]

    assert visible() == []
    clock.now += 29
    assert visible() == []
    clock.now += 2
    assert visible() == ["hire"]
    clock.now += 268
    assert visible() == []
    clock.now += 1
    assert visible() == ["vacancy notice"]


class _RecordingSocket:
    """An accepted connection that notes every ``sendall`` (the server's writes)."""

    def __init__(self, sock: socket.socket, writes: list[bytes]) -> None:
        self._sock = sock
        self.writes = writes

    def sendall(self, data: bytes) -> None:
        self.writes.append(bytes(data))
        self._sock.sendall(data)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._sock, name)


class _RecordingAwsServer(AwsServer):
    def __init__(self, *args: Any) -> None:
        self.writes: list[bytes] = []
        self.connections: list[_RecordingSocket] = []
        super().__init__(*args)

    def get_request(self) -> tuple[Any, Any]:
        sock, address = super().get_request()
        recording = _RecordingSocket(sock, self.writes)
        self.connections.append(recording)
        return recording, address


def test_a_response_is_written_in_one_piece_with_nagle_off(tmp_path: Path) -> None:
    """Headers and body written apart meet Nagle's algorithm and the client's delayed ACK: every
    PutEvents on a kept-alive connection then waits ~40 ms for nothing."""
    store = QueueStore(tmp_path / "q.sqlite3", STACK.queues())
    bus = LocalBus(STACK.rules(), store, lambda *_: None)
    server = _RecordingAwsServer(("127.0.0.1", 0), lambda: bus, store)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    try:
        endpoint = Endpoint(f"http://127.0.0.1:{server.server_address[1]}", bus, store)
        events = endpoint.client("events")
        for _ in range(2):  # the second on the kept-alive connection
            assert events.put_events(Entries=[_published()])["FailedEntryCount"] == 0
        assert len(server.writes) == 2
        for write in server.writes:
            head, _, body = write.partition(b"\r\n\r\n")
            assert head.startswith(b"HTTP/1.1 200")
            assert json.loads(body)["FailedEntryCount"] == 0
        [connection] = server.connections
        assert connection.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)
    finally:
        server.shutdown()
        server.server_close()
        bus.stop()
        store.close()


def test_the_dead_letter_queues_depth_is_read_through_sqs_as_the_team_digest_reads_it(
    endpoint: Endpoint, monkeypatch: pytest.MonkeyPatch
) -> None:
    from kring import aws
    from kring.integrations import sqs

    mail_dlq = STACK.queues()["MailDLQ"].name
    sqs_client = endpoint.client("sqs")
    for n in range(3):
        sqs_client.send_message(QueueUrl=endpoint.queue_url(mail_dlq), MessageBody=f"parked {n}")
    sqs_client.send_message(QueueUrl=endpoint.queue_url(mail_dlq), MessageBody="later", DelaySeconds=900)
    endpoint.store.receive(mail_dlq, max_messages=1, visibility_timeout=60)  # one is being looked at

    asked = sqs_client.get_queue_attributes(
        QueueUrl=endpoint.queue_url(mail_dlq),
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesDelayed"],
    )["Attributes"]
    assert asked == {"ApproximateNumberOfMessages": "2", "ApproximateNumberOfMessagesDelayed": "1"}
    everything = sqs_client.get_queue_attributes(
        QueueUrl=endpoint.queue_url(mail_dlq), AttributeNames=["All"]
    )
    assert everything["Attributes"]["ApproximateNumberOfMessagesNotVisible"] == "1"

    monkeypatch.setattr(aws, "sqs", lambda: sqs_client)
    assert sqs.queue_depths(
        {"MailDLQ": endpoint.queue_url(mail_dlq), "FanoutQueue": endpoint.queue_url(FANOUT)}
    ) == {
        "FanoutQueue": 0,
        "MailDLQ": 2,
    }


def test_the_connections_page_peeks_at_a_dlq_and_redrives_it_through_the_local_endpoint(
    endpoint: Endpoint,
) -> None:
    """What the dashboard's Connections page calls (``kring.integrations.sqs``): a peek leaves the
    messages where they are; a move task without a destination puts a queue's DLQ back into its
    source queue; a rule's DLQ is received, sent into its target's queue and deleted."""
    sqs = endpoint.client("sqs")
    dlq, source = STACK.queues()["AtsFetchDLQ"].name, STACK.queues()["AtsFetchQueue"].name
    endpoint.store.send(dlq, '{"origin": "lever:d:0", "request": {}}')
    event = '{"id": "e", "detail-type": "VacancyPublished"}'
    endpoint.store.send(RULE_DLQ, event, attributes={"ERROR_CODE": "X"})

    [peeked] = kring_sqs.peek(endpoint.queue_url(dlq), 5, sqs=sqs)
    assert peeked["Body"] == '{"origin": "lever:d:0", "request": {}}'
    assert peeked["Attributes"]["SentTimestamp"] == "1000000"
    [rule] = kring_sqs.peek(endpoint.queue_url(RULE_DLQ), 5, sqs=sqs)
    assert rule["MessageAttributes"] == {"ERROR_CODE": {"DataType": "String", "StringValue": "X"}}
    assert len(endpoint.store.messages(dlq)) == 1  # still there

    handle, arn = kring_sqs.move_back(endpoint.queue_url(dlq), sqs=sqs)
    assert arn == f"arn:aws:sqs:{REGION}:{ACCOUNT}:{dlq}"
    assert handle
    assert endpoint.store.messages(dlq) == []
    assert [m.body for m in endpoint.store.messages(source)] == ['{"origin": "lever:d:0", "request": {}}']

    mail = STACK.queues()["MailQueue"].name
    assert kring_sqs.send_back(endpoint.queue_url(RULE_DLQ), endpoint.queue_url(mail), sqs=sqs) == 1
    assert endpoint.store.messages(RULE_DLQ) == []
    assert [m.body for m in endpoint.store.messages(mail)] == [event]
    with pytest.raises(ClientError, match="name a destination"):
        kring_sqs.move_back(endpoint.queue_url(RULE_DLQ), sqs=sqs)

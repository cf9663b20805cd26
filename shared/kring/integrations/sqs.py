"""The fan-out queue: where the next page of a fan-out goes (SQS FIFO, one message group)."""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Protocol

from kring import aws, config
from kring.dal.batch import backoff
from kring.errors import TransientError

if TYPE_CHECKING:
    from mypy_boto3_sqs.type_defs import SendMessageBatchRequestEntryTypeDef

FANOUT_GROUP = "fanout"


class PageQueue(Protocol):
    """The port through which the fan-out hands its next page on; tests pass a fake."""

    def enqueue(self, body: str, dedup_key: str) -> None: ...


class SqsPageQueue:
    def enqueue(self, body: str, dedup_key: str) -> None:
        aws.sqs().send_message(
            QueueUrl=config.fanout().fanout_queue_url,
            MessageBody=body,
            MessageGroupId=FANOUT_GROUP,
            MessageDeduplicationId=hashlib.sha256(dedup_key.encode()).hexdigest(),
        )


class FetchQueue(Protocol):
    """The port through which a webhook hands an ids-only delivery to ``ats_fetch``."""

    def enqueue_fetch(self, body: str) -> None: ...


class SqsFetchQueue:
    def enqueue_fetch(self, body: str) -> None:
        aws.sqs().send_message(QueueUrl=config.ats().ats_fetch_queue_url, MessageBody=body)


class ImportQueue(Protocol):
    """The port through which an upload hands its chunks to the import function."""

    def enqueue_chunks(self, bodies: Sequence[str]) -> None: ...


MAX_SEND_BATCH = 10
MAX_SEND_BATCH_BYTES = 256 * 1024
MAX_SEND_ATTEMPTS = 5


def send_batch(
    queue_url: str,
    bodies: Sequence[str],
    *,
    what: str,
    sleep: Callable[[float], None],
    delay_seconds: int | None = None,
) -> None:
    """One SendMessageBatch of at most :data:`MAX_SEND_BATCH` ``bodies``: the entries SQS failed
    are sent again with backoff, then :class:`TransientError`; an entry SQS refuses as the
    sender's fault is a ``ValueError`` (``what`` names the messages in both). With
    ``delay_seconds`` each message waits that long (SQS ``DelaySeconds``); without, the queue's own
    delay."""
    pending = {str(n): body for n, body in enumerate(bodies)}
    for attempt in range(MAX_SEND_ATTEMPTS):
        got = aws.sqs().send_message_batch(
            QueueUrl=queue_url, Entries=[_entry(n, body, delay_seconds) for n, body in pending.items()]
        )
        failed = got.get("Failed") or []
        if any(f.get("SenderFault") for f in failed):
            reasons = "; ".join(f"{f.get('Code')}: {f.get('Message')}" for f in failed)
            raise ValueError(f"SQS refused {what}: {reasons}")
        pending = {str(f["Id"]): pending[str(f["Id"])] for f in failed}
        if not pending:
            return
        backoff(attempt, sleep)
    raise TransientError(f"SQS did not take {len(pending)} {what} after every retry")


def _entry(entry_id: str, body: str, delay_seconds: int | None) -> SendMessageBatchRequestEntryTypeDef:
    entry: SendMessageBatchRequestEntryTypeDef = {"Id": entry_id, "MessageBody": body}
    if delay_seconds is not None:
        entry["DelaySeconds"] = delay_seconds
    return entry


class SqsImportQueue:
    """SendMessageBatch: ten messages (at most 256 KB together) a request; entries SQS failed are
    sent again with backoff, then :class:`TransientError`."""

    def __init__(self, sleep: Callable[[float], None] = time.sleep) -> None:
        self._sleep = sleep

    def enqueue_chunks(self, bodies: Sequence[str]) -> None:
        batch: list[str] = []
        size = 0
        for body in bodies:
            length = len(body.encode())
            if batch and (len(batch) == MAX_SEND_BATCH or size + length > MAX_SEND_BATCH_BYTES):
                self._send(batch)
                batch, size = [], 0
            batch.append(body)
            size += length
        if batch:
            self._send(batch)

    def _send(self, bodies: list[str]) -> None:
        send_batch(config.imports().import_queue_url, bodies, what="import chunks", sleep=self._sleep)


class SqsMailQueue:
    """MailQueue: the planner's jobs, ten to a SendMessageBatch as they come (entries SQS failed
    are sent again with backoff, then :class:`TransientError`). With ``delay_seconds`` each job
    waits that long on the queue (SQS ``DelaySeconds``, at most 900); without, the queue's own."""

    def __init__(
        self, sleep: Callable[[float], None] = time.sleep, *, delay_seconds: int | None = None
    ) -> None:
        self._sleep = sleep
        self._delay_seconds = delay_seconds

    def enqueue_jobs(self, bodies: Iterable[str]) -> int:
        count = 0
        chunk: list[str] = []
        for body in bodies:
            chunk.append(body)
            if len(chunk) == MAX_SEND_BATCH:
                self._send(chunk)
                count += len(chunk)
                chunk = []
        if chunk:
            self._send(chunk)
            count += len(chunk)
        return count

    def _send(self, bodies: list[str]) -> None:
        send_batch(
            config.mail().mail_queue_url,
            bodies,
            what="mail jobs",
            sleep=self._sleep,
            delay_seconds=self._delay_seconds,
        )


def queue_depths(urls: Mapping[str, str]) -> dict[str, int]:
    """Messages waiting in each queue (``ApproximateNumberOfMessages``), by name: one
    GetQueueAttributes a queue (the talent-team digest reads the dead-letter queues')."""
    sqs = aws.sqs()
    out: dict[str, int] = {}
    for name, url in sorted(urls.items()):
        got = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"])
        out[name] = int(got.get("Attributes", {}).get("ApproximateNumberOfMessages", "0"))
    return out


# --- dead-letter queues: reading what is parked and putting it back ------------------------------
# ``make redrive`` (infra/local/dlq.py, in AWS) and the dashboard's Connections page share these.
PEEK_MAX = 10  # ReceiveMessage's most


def queue_arn(url: str, *, sqs: Any = None) -> str:
    sqs = sqs or aws.sqs()
    got = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])
    return str(got["Attributes"]["QueueArn"])


def peek(url: str, limit: int, *, sqs: Any = None) -> list[dict[str, Any]]:
    """Up to ``limit`` (≤ 10) of a queue's messages, left where they are: one ReceiveMessage with a
    visibility timeout of 0, so they stay visible (a DLQ has no redrive policy: the receive count
    this adds moves nothing)."""
    sqs = sqs or aws.sqs()
    got = sqs.receive_message(
        QueueUrl=url,
        MaxNumberOfMessages=max(1, min(limit, PEEK_MAX)),
        VisibilityTimeout=0,
        WaitTimeSeconds=0,
        AttributeNames=["SentTimestamp", "ApproximateReceiveCount"],
        MessageAttributeNames=["All"],
    )
    return list(got.get("Messages", []))


def move_back(dlq_url: str, target_url: str | None = None, *, sqs: Any = None) -> tuple[str, str]:
    """Put a queue's DLQ's messages back with SQS's message-move task: into the queue whose redrive
    policy parked them (``target_url`` None), or into ``target_url``. SQS moves them itself. The
    task's handle and the DLQ's ARN. (A rule target's DLQ is no queue's DLQ, which the task does not
    take: :func:`send_back`.)"""
    sqs = sqs or aws.sqs()
    source = queue_arn(dlq_url, sqs=sqs)
    kwargs: dict[str, Any] = {"SourceArn": source}
    if target_url:
        kwargs["DestinationArn"] = queue_arn(target_url, sqs=sqs)
    task = sqs.start_message_move_task(**kwargs)
    return str(task["TaskHandle"]), source


def _drain(dlq_url: str, put: Callable[[dict[str, Any]], None], *, sqs: Any, limit: int | None) -> int:
    """Receive a DLQ's messages, ``put`` each where it goes, then delete it (a message whose put
    fails stays, and is visible again after the queue's visibility timeout); at most ``limit``.
    How many went."""
    moved = 0
    while limit is None or moved < limit:
        # Long polling (WaitTimeSeconds) asks every SQS server, so an empty answer means empty.
        wanted = PEEK_MAX if limit is None else min(PEEK_MAX, limit - moved)
        got = sqs.receive_message(QueueUrl=dlq_url, MaxNumberOfMessages=wanted, WaitTimeSeconds=2)
        messages = got.get("Messages", [])
        if not messages:
            break
        for message in messages:
            put(message)
            sqs.delete_message(QueueUrl=dlq_url, ReceiptHandle=message["ReceiptHandle"])
            moved += 1
    return moved


def send_back(dlq_url: str, target_url: str, *, limit: int | None = None, sqs: Any = None) -> int:
    """A rule target's DLQ (EventBridge envelopes, which SQS's message-move task cannot take: their
    DLQ is no queue's) back into that target's queue, each envelope as it was (its event id too, so
    the consumer's idempotency holds); at most ``limit``; how many went back."""
    sqs = sqs or aws.sqs()

    def put(message: dict[str, Any]) -> None:
        sqs.send_message(QueueUrl=target_url, MessageBody=message["Body"])

    return _drain(dlq_url, put, sqs=sqs, limit=limit)


def put_back_on_bus(dlq_url: str, bus_name: str, *, sqs: Any = None, events: Any = None) -> int:
    """A rule DLQ's EventBridge envelopes back onto ``bus_name`` with PutEvents, each deleted once
    it is back on the bus; how many went back."""
    sqs = sqs or aws.sqs()
    events = events or aws.events()

    def put(message: dict[str, Any]) -> None:
        event = json.loads(message["Body"])
        result = events.put_events(
            Entries=[
                {
                    "Source": event["source"],
                    "DetailType": event["detail-type"],
                    "Detail": json.dumps(event["detail"]),
                    "Resources": event.get("resources") or [],
                    "EventBusName": bus_name,
                }
            ]
        )
        if result["FailedEntryCount"]:
            raise RuntimeError(f"PutEvents refused event {event['id']}: {result['Entries']}")

    return _drain(dlq_url, put, sqs=sqs, limit=None)

"""Lambda's SQS event-source mappings: poll a queue, invoke the function with a real-shaped SQS
batch, delete what succeeded; a failed batch, or the items named in ``batchItemFailures``, come
back after the visibility timeout (capped locally), and the queue's redrive policy parks them."""

from __future__ import annotations

import hashlib
import logging
import re
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from infra.local.queues import Message, QueueStore
from infra.local.template import ACCOUNT, REGION, QueueEventSource

log = logging.getLogger("local.sqs")

LOCAL_VISIBILITY_CAP_SECONDS = 5.0  # the template's 6 minutes, shortened for a developer's loop
IDLE_POLL_SECONDS = 0.2
MAX_ERROR_CHARS = 2000


class _RecordFailures(logging.Filter):
    """Why each record of a batch failed. Lambda's answer names the failed records only; Powertools'
    batch processor notes each failure, in record order, in a debug line of its own logger. While a
    poller invokes, its thread keeps those lines (they are never printed), so a message parked in a
    DLQ carries the error of its last failed receive (``dlq list`` shows it)."""

    LOGGER = "aws_lambda_powertools.utilities.batch.base"
    _LINE = re.compile(r"^Record processing exception: <class '(?:[\w.]*\.)?(\w+)'>:(.*)$", re.DOTALL)

    def __init__(self) -> None:
        super().__init__()
        self._local = threading.local()

    def install(self) -> None:
        batch_log = logging.getLogger(self.LOGGER)
        if self not in batch_log.filters:
            batch_log.addFilter(self)
            batch_log.setLevel(logging.DEBUG)  # its debug lines reach this filter, which drops them

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno > logging.DEBUG:
            return True
        notes: list[str] | None = getattr(self._local, "notes", None)
        match = self._LINE.match(record.getMessage())
        if notes is not None and match:
            notes.append(f"{match.group(1)}: {match.group(2).strip()}"[:MAX_ERROR_CHARS])
        return False

    @contextmanager
    def capture(self) -> Iterator[list[str]]:
        notes: list[str] = []
        self._local.notes = notes
        try:
            yield notes
        finally:
            self._local.notes = None


_FAILURES = _RecordFailures()


def _error_of(exc: BaseException) -> str:
    first_line = (str(exc).strip().splitlines() or [""])[0]
    return f"{type(exc).__name__}: {first_line}"[:MAX_ERROR_CHARS]


def _transient(exc: BaseException) -> bool:
    """Whether the function failed for a ``kring.errors.TransientError`` (imported late: the
    functions' code is on the path once a handler has loaded)."""
    from kring.errors import TransientError

    return isinstance(exc, TransientError)


def sqs_record(message: Message) -> dict[str, Any]:
    attributes = {
        "ApproximateReceiveCount": str(message.receive_count),
        "SentTimestamp": str(int(message.sent_at * 1000)),
        "SenderId": "AIDAKRINGLOCAL",
        "ApproximateFirstReceiveTimestamp": str(int((message.first_received_at or message.sent_at) * 1000)),
    }
    if message.group_id:
        attributes.update(
            {
                "MessageGroupId": message.group_id,
                "MessageDeduplicationId": message.dedup_id or "",
                "SequenceNumber": str(message.sequence).zfill(20),
            }
        )
    return {
        "messageId": message.id,
        "receiptHandle": message.receipt,
        "body": message.body,
        "attributes": attributes,
        "messageAttributes": {name: _message_attribute(v) for name, v in message.attributes.items()},
        "md5OfBody": hashlib.md5(message.body.encode()).hexdigest(),  # noqa: S324 - what SQS sends
        "eventSource": "aws:sqs",
        "eventSourceARN": f"arn:aws:sqs:{REGION}:{ACCOUNT}:{message.queue}",
        "awsRegion": REGION,
    }


def _message_attribute(value: Any) -> dict[str, Any]:
    """A message attribute as Lambda's SQS record carries it. Sent ones arrive as SendMessage
    takes them (``{"DataType", "StringValue" | "BinaryValue"}``); the stack's own notes are text."""
    if not isinstance(value, dict):
        value = {"DataType": "String", "StringValue": str(value)}
    out: dict[str, Any] = {"stringListValues": [], "binaryListValues": [], "dataType": value["DataType"]}
    if "StringValue" in value:
        out["stringValue"] = value["StringValue"]
    if "BinaryValue" in value:
        out["binaryValue"] = value["BinaryValue"]
    return out


class QueuePoller:
    def __init__(
        self,
        source: QueueEventSource,
        queue_name: str,
        store: QueueStore,
        invoke: Callable[[str, dict[str, Any]], Any],
    ) -> None:
        self.source = source
        self.queue_name = queue_name
        self._store = store
        self._invoke = invoke
        self._stop = threading.Event()
        self._busy = threading.Event()
        self._thread: threading.Thread | None = None
        spec = store.spec(queue_name)
        self._visibility = min(float(spec.visibility_timeout), LOCAL_VISIBILITY_CAP_SECONDS)
        _FAILURES.install()

    def poll_once(self) -> int:
        """One receive and invocation; the number of messages handed to the function."""
        messages = self._store.receive(self.queue_name, self.source.batch_size, self._visibility)
        if not messages:
            return 0
        self._busy.set()
        try:
            event = {"Records": [sqs_record(m) for m in messages]}
            with _FAILURES.capture() as notes:
                try:
                    response = self._invoke(self.source.function, event)
                except Exception as exc:
                    if _transient(exc):  # an expected retry: one line, not a traceback
                        log.warning(
                            "%s failed a batch of %d from %s, to be retried: %s",
                            self.source.function,
                            len(messages),
                            self.queue_name,
                            _error_of(exc),
                        )
                    else:
                        log.exception(
                            "%s failed a batch of %d from %s",
                            self.source.function,
                            len(messages),
                            self.queue_name,
                        )
                    # all stay invisible until the timeout, then come back
                    self._note(messages, notes if len(notes) == len(messages) else [_error_of(exc)])
                    return len(messages)
            failed: set[str] = set()
            if self.source.report_batch_item_failures and isinstance(response, dict):
                failed = {str(f.get("itemIdentifier") or "") for f in response.get("batchItemFailures") or []}
                if not failed <= {m.id for m in messages}:
                    # Lambda's rule: an empty or unknown identifier fails the whole batch.
                    log.error("%s reported an unknown batch item %s", self.source.function, sorted(failed))
                    self._note(messages, [f"{self.source.function} reported an unknown batch item"])
                    return len(messages)  # all come back after the visibility timeout
            failures = [m for m in messages if m.id in failed]
            errors = notes if len(notes) == len(failures) else []
            for n, message in enumerate(failures):
                if message.receipt is not None:
                    error = errors[n] if errors else f"{self.source.function} reported it failed"
                    self._store.release(message.receipt, after_seconds=self._visibility, error=error)
            self._store.delete_many([m.receipt for m in messages if m.receipt and m.id not in failed])
            if failed:
                log.warning("%s reported %d of %d failed", self.source.function, len(failed), len(messages))
            return len(messages)
        finally:
            self._busy.clear()

    def _note(self, messages: list[Message], errors: list[str]) -> None:
        """Each message's error (one per message, or one for all)."""
        for n, message in enumerate(messages):
            if message.receipt is not None:
                self._store.note_error(message.receipt, errors[n] if len(errors) > 1 else errors[0])

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                handled = self.poll_once()
            except Exception:
                log.exception("polling %s failed", self.queue_name)
                handled = 0
            if not handled:
                self._stop.wait(IDLE_POLL_SECONDS)

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name=f"kring-sqs-{self.queue_name}", daemon=True)
        self._thread.start()

    def busy(self) -> bool:
        return self._busy.is_set()

    def stop(self) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join(timeout=30)

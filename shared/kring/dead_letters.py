"""Messages parked in the dead-letter queues: what each DLQ holds, and putting them back.

The DLQs are the function's ``DEAD_LETTER_QUEUES`` (``name=url``, the template's); those the
dashboard may redrive, and where to, are ``DEAD_LETTER_REDRIVE`` (``name=source``: back into the
queue whose redrive policy parked them; ``name=<url>``: into a rule target's queue). Reading a DLQ
is one GetQueueAttributes (its depth) and one ReceiveMessage with a visibility timeout of 0 (its
first messages, left where they are); a redrive is what ``make redrive`` does in AWS: SQS's
message-move task for a queue's DLQ (:func:`kring.integrations.sqs.move_back`), and for a rule
target's DLQ — which the task does not take — each envelope sent into the target's queue and then
deleted (:func:`kring.integrations.sqs.send_back`).

What a parked message says about itself here is never personal: its kind (an event's
``detail-type``, or the ATS of an API call that failed), when it was first sent, how often it was
received, and the error EventBridge noted on it (a rule DLQ's ``ERROR_CODE``/``ERROR_MESSAGE``); a
queue's DLQ carries no error (the function's log has it).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from kring import config
from kring.errors import InvalidInputError
from kring.integrations import sqs
from kring.integrations.ats.registry import PROVIDER_NAMES

SHOWN = 5  # the first messages shown of each DLQ
ERROR_CHARS = 200
SEND_BACK_MAX = 100  # a rule DLQ's envelopes sent back per request (well inside the timeout)


@dataclass(frozen=True)
class ParkedMessage:
    kind: str | None  # None: a message whose kind is not known
    provider: str | None  # the ATS, for an ATS API call that failed
    sent_at: datetime | None
    receives: int
    error: str | None


@dataclass(frozen=True)
class DeadLetterQueue:
    name: str  # the template's logical id (``AtsFetchDLQ``)
    count: int
    messages: tuple[ParkedMessage, ...]
    redrivable: bool  # the dashboard may put them back (else: ``make redrive``)


def queues() -> dict[str, str]:
    """Every DLQ the function knows: name → URL."""
    return config.ops().dead_letter_queue_urls


def parked(limit: int = SHOWN) -> list[DeadLetterQueue]:
    """Each DLQ's depth, and its first ``limit`` messages when it holds any (by name)."""
    targets = config.ops().redrive_targets
    urls = queues()
    depths = sqs.queue_depths(urls)
    out = []
    for name, url in sorted(urls.items()):
        count = depths.get(name, 0)
        shown = tuple(describe(m) for m in sqs.peek(url, limit)) if count else ()
        out.append(DeadLetterQueue(name, count, shown, name in targets))
    return out


def redrive(name: str) -> str:
    """Put DLQ ``name``'s messages back where they came from, as ``make redrive`` does in AWS: a
    queue's DLQ with SQS's message-move task (it moves them all, by itself); a rule target's DLQ
    by sending its envelopes into that target's queue, at most :data:`SEND_BACK_MAX` a request
    (the rest on the next click). What was done, for the audit trail. A name that is not a DLQ the
    dashboard may redrive → :class:`InvalidInputError`."""
    urls, targets = queues(), config.ops().redrive_targets
    if name not in urls or name not in targets:
        raise InvalidInputError(f"{name[:60]!r} is not a dead-letter queue this page can redrive")
    target = targets[name]
    if target is None:
        handle, _ = sqs.move_back(urls[name])
        return f"message move task {handle} started"
    return f"sent back to the rule target's queue: {sqs.send_back(urls[name], target, limit=SEND_BACK_MAX)}"


def describe(message: dict[str, Any]) -> ParkedMessage:
    """What a received message says about itself, without its content."""
    attributes = message.get("Attributes") or {}
    sent = str(attributes.get("SentTimestamp") or "")
    sent_at = datetime.fromtimestamp(int(sent) / 1000, UTC) if sent.isdigit() else None
    count = str(attributes.get("ApproximateReceiveCount") or "")
    receives = int(count) if count.isdigit() else 0
    kind, provider = _kind(str(message.get("Body") or ""))
    return ParkedMessage(kind, provider, sent_at, receives, _error(message.get("MessageAttributes") or {}))


def _kind(body: str) -> tuple[str | None, str | None]:
    try:
        data = json.loads(body)
    except ValueError:
        return None, None
    if not isinstance(data, dict):
        return None, None
    detail_type = data.get("detail-type")
    if isinstance(detail_type, str) and detail_type.isidentifier():
        return detail_type[:60], None
    origin = data.get("origin")
    if isinstance(origin, str) and "request" in data:  # an ATS API call (AtsFetchQueue)
        provider = origin.split(":", 1)[0]
        return "AtsFetch", provider if provider in PROVIDER_NAMES else None
    return None, None


def _error(attributes: dict[str, Any]) -> str | None:
    def value(name: str) -> str:
        got = attributes.get(name)
        return str(got.get("StringValue") or "") if isinstance(got, dict) else ""

    code, message = value("ERROR_CODE"), value("ERROR_MESSAGE")
    text = ": ".join(part for part in (code, message) if part)
    return text[:ERROR_CHARS] or None

"""Dead-letter queues: what is parked, and putting it back.

Locally every DLQ of template.yaml is a queue of the local stack. A queue's DLQ is redriven into
the queues whose redrive policy names it; a rule target's DLQ holds EventBridge envelopes, which
go back to the target that parked them. In AWS the same two cases use SQS's message-move task
and PutEvents.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any

from infra.local.queues import DEAD_LETTER_REASON, Message, QueueStore
from infra.local.template import Stack
from kring.integrations.sqs import move_back, put_back_on_bus, send_back


class RedriveError(RuntimeError):
    pass


@dataclass(frozen=True)
class ParkedMessage:
    id: str
    parked_at: float
    reason: str  # why it was parked (retries or receives used up)
    error: str | None  # the error of its last failed attempt, when known
    body: str


@dataclass(frozen=True)
class Parked:
    queue: str
    kind: str  # what the DLQ catches: queue, rule or schedule
    count: int
    messages: list[ParkedMessage]  # the first ones (``limit``)


@dataclass
class Redriven:
    """What ``dlq redrive`` did with one DLQ: how many messages went back, and those it left parked
    with the reason."""

    queue: str
    moved: int = 0
    skipped: int = 0
    reason: str = ""


def dead_letter_queues(stack: Stack) -> dict[str, str]:
    """DLQ name → what it catches (``queue``, ``rule`` or ``schedule``)."""
    out: dict[str, str] = {}
    for schedule in stack.schedules():
        if schedule.dead_letter_arn:
            out[schedule.dead_letter_arn.rsplit(":", 1)[-1]] = "schedule"
    for queue in stack.queues().values():
        if queue.dead_letter_arn:
            out[queue.dead_letter_arn.rsplit(":", 1)[-1]] = "queue"
    for rule in stack.rules():
        for target in rule.targets:
            if target.dead_letter_arn:
                out[target.dead_letter_arn.rsplit(":", 1)[-1]] = "rule"
    return out


def _why(message: Message) -> tuple[str, str | None]:
    """(why it was parked, its last error) from what the local stack noted on the message."""
    attributes = message.attributes
    if DEAD_LETTER_REASON in attributes:  # a queue's redrive policy moved it
        return str(attributes[DEAD_LETTER_REASON]), message.last_error
    if "EXHAUSTED_RETRY_CONDITION" in attributes:  # EventBridge gave up on a rule target
        retries = attributes.get("RETRY_ATTEMPTS", "?")
        target = str(attributes.get("TARGET_ARN", "")).rsplit(":", 1)[-1]
        return (
            f"{attributes['EXHAUSTED_RETRY_CONDITION']} ({retries} retries) delivering to {target}",
            attributes.get("ERROR_MESSAGE"),
        )
    if "SCHEDULE_ARN" in attributes:  # Scheduler gave up on a firing
        schedule = str(attributes["SCHEDULE_ARN"]).rsplit("/", 1)[-1]
        return f"schedule {schedule}: {attributes.get('FUNCTION', 'its function')} failed every attempt", (
            attributes.get("ERROR_MESSAGE")
        )
    return "sent to the DLQ directly", attributes.get("ERROR_MESSAGE") or message.last_error


def list_parked(
    stack: Stack, store: QueueStore, only: str | None = None, *, limit: int | None = 5
) -> list[Parked]:
    """What each DLQ holds (``only``: one of them): its first ``limit`` messages with why they were
    parked and their last error."""
    queues = dead_letter_queues(stack)
    if only and only not in queues:
        raise KeyError(f"{only!r} is not a dead-letter queue of template.yaml")
    out = []
    for name in sorted(queues):
        if only and name != only:
            continue
        messages = store.messages(name)
        shown = []
        for message in messages[:limit]:
            reason, error = _why(message)
            shown.append(ParkedMessage(message.id, message.sent_at, reason, error, message.body))
        out.append(Parked(name, queues[name], len(messages), shown))
    return out


SCHEDULE_SKIP = (
    "failed schedule firings: their function runs again at its next firing, which catches up;"
    " `make dlq` shows what failed"
)


def redrive_local(
    stack: Stack, store: QueueStore, only: str | None = None, *, aws_url: str | None = None
) -> list[Redriven]:
    """Put every parked message back where it came from, DLQ by DLQ; what went back and what was
    left parked, and why. One DLQ that cannot be redriven never stops the others.

    A queue's DLQ goes back into the queues whose redrive policy names it. A rule target's DLQ
    holds EventBridge envelopes: one for an SQS target is sent to that queue (the running stack
    is not needed); one for a function is handed to the running stack's bus at ``aws_url``, for
    that target only, keeping its event id (without a running stack it stays parked). A schedule's
    DLQ stays as it is: the next firing does the work again."""
    queues = dead_letter_queues(stack)
    if only and only not in queues:
        raise KeyError(f"{only!r} is not a dead-letter queue of template.yaml")
    out: list[Redriven] = []
    for name, kind in sorted(queues.items()):
        if only and name != only:
            continue
        result = Redriven(name)
        out.append(result)
        messages = store.messages(name)
        if kind == "schedule":
            result.skipped, result.reason = len(messages), SCHEDULE_SKIP if messages else ""
            continue
        for n, message in enumerate(messages):
            try:
                if kind == "queue":
                    back_to_source(store, name, message)
                else:
                    _redeliver_event(
                        stack,
                        store,
                        name,
                        json.loads(message.body),
                        attributes=message.attributes,
                        aws_url=aws_url,
                    )
            except (RedriveError, ValueError, KeyError) as exc:
                result.skipped, result.reason = len(messages) - n, str(exc)
                break
            store.remove(message.sequence)
            result.moved += 1
    return out


def back_to_source(store: QueueStore, dlq: str, message: Message) -> None:
    sources = store.sources_of(dlq)
    if not sources:
        raise RedriveError(f"no queue of template.yaml has {dlq} as its dead-letter queue")
    attributes = {k: v for k, v in message.attributes.items() if k != DEAD_LETTER_REASON}
    for source in sources:
        store.send(
            source,
            message.body,
            group_id=message.group_id,
            dedup_id=f"redrive-{message.id}" if message.group_id else None,
            attributes=attributes or None,
        )


def _redeliver_event(
    stack: Stack,
    store: QueueStore,
    dlq: str,
    event: dict[str, Any],
    *,
    attributes: dict[str, Any],
    aws_url: str | None,
) -> None:
    delivered = 0
    for rule in stack.rules():
        if attributes.get("RULE") not in (None, rule.logical_id):
            continue
        for target in rule.targets:
            if not (target.dead_letter_arn and target.dead_letter_arn.endswith(f":{dlq}")):
                continue
            if attributes.get("RULE_TARGET") not in (None, target.target_id):
                continue
            if target.kind == "queue":
                store.send(
                    target.arn.rsplit(":", 1)[-1],
                    json.dumps(event),
                    group_id=target.message_group_id,
                    dedup_id=f"redrive-{event['id']}" if target.message_group_id else None,
                )
            else:
                _hand_to_running_bus(aws_url, rule.logical_id, target.target_id, event)
            delivered += 1
    if not delivered:
        raise RedriveError(f"no target of template.yaml parks its events in {dlq} as this one was parked")


def _hand_to_running_bus(aws_url: str | None, rule: str, target_id: str, event: dict[str, Any]) -> None:
    if aws_url is None:
        raise RedriveError(
            f"its events go back to {target_id}, a function: that needs the running stack (start it with"
            " `make run`, then redrive again)"
        )
    request = urllib.request.Request(  # noqa: S310 - the local stack's own loopback endpoint
        aws_url,
        data=json.dumps({"Rule": rule, "TargetId": target_id, "Event": event}).encode(),
        headers={"x-amz-target": "KringLocal.Redeliver", "content-type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=10):  # noqa: S310
            pass
    except urllib.error.HTTPError as exc:
        raise RedriveError(f"the local stack refused the event: {exc.read().decode()}") from exc
    except OSError as exc:
        raise RedriveError(
            f"the event for {target_id} goes to a function, and the local stack is not running at "
            f"{aws_url} ({exc}): start it with `make run`, then redrive again"
        ) from exc


def redrive_aws(
    queue_url: str,
    target_url: str | None,
    bus_name: str | None,
    *,
    sqs: Any = None,
    events: Any = None,
) -> str:
    """Redrive a DLQ in AWS: a queue's DLQ with SQS's message-move task; a rule's DLQ (events)
    into its target's queue (``target_url``: each envelope sent there, then deleted), or with
    PutEvents onto ``bus_name``, deleting each message once it is back on the bus. The same
    functions as the dashboard's Connections page (:mod:`kring.integrations.sqs`)."""
    import boto3

    sqs = sqs or boto3.client("sqs")
    if bus_name is None and target_url:
        return f"{send_back(queue_url, target_url, sqs=sqs)} messages sent back to {target_url}"
    if bus_name is None:
        handle, source = move_back(queue_url, sqs=sqs)
        return f"message move task {handle} started from {source}"
    moved = put_back_on_bus(queue_url, bus_name, sqs=sqs, events=events or boto3.client("events"))
    return f"{moved} events put back on {bus_name}"

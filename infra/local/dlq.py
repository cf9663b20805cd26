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

from infra.local.queues import DEAD_LETTER_REASON, QueueStore
from infra.local.template import Stack


class RedriveError(RuntimeError):
    pass


@dataclass(frozen=True)
class Parked:
    queue: str
    count: int
    samples: list[str]


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


def list_parked(stack: Stack, store: QueueStore) -> list[Parked]:
    out = []
    for name in sorted(dead_letter_queues(stack)):
        messages = store.messages(name)
        samples = []
        for message in messages[:5]:
            reason = message.attributes.get("ERROR_MESSAGE") or message.attributes.get(DEAD_LETTER_REASON, "")
            samples.append(f"{message.id}  {reason}  {message.body[:160]}")
        out.append(Parked(name, len(messages), samples))
    return out


def redrive_local(
    stack: Stack, store: QueueStore, only: str | None = None, *, aws_url: str | None = None
) -> dict[str, int]:
    """Put every parked message back where it came from; how many, by DLQ.

    A queue's DLQ goes back into the queues whose redrive policy names it. A rule target's DLQ
    holds EventBridge envelopes: one for an SQS target is sent to that queue (the running stack
    is not needed); one for a function is handed to the running stack's bus at ``aws_url``, for
    that target only, keeping its event id."""
    if only and only not in dead_letter_queues(stack):
        raise KeyError(f"{only!r} is not a dead-letter queue of template.yaml")
    moved: dict[str, int] = {}
    for name, kind in dead_letter_queues(stack).items():
        if only and name != only:
            continue
        count = 0
        for message in store.messages(name):
            if kind == "schedule":
                raise RedriveError(
                    f"{name} holds failed schedule firings: their function runs again at the next firing;"
                    " `dlq list` shows what failed"
                )
            if kind == "queue":
                attributes = {k: v for k, v in message.attributes.items() if k != DEAD_LETTER_REASON}
                for source in store.sources_of(name):
                    store.send(
                        source,
                        message.body,
                        group_id=message.group_id,
                        dedup_id=f"redrive-{message.id}" if message.group_id else None,
                        attributes=attributes or None,
                    )
            else:
                _redeliver_event(
                    stack,
                    store,
                    name,
                    json.loads(message.body),
                    attributes=message.attributes,
                    aws_url=aws_url,
                )
            store.remove(message.sequence)
            count += 1
        moved[name] = count
    return moved


def _redeliver_event(
    stack: Stack,
    store: QueueStore,
    dlq: str,
    event: dict[str, Any],
    *,
    attributes: dict[str, Any],
    aws_url: str | None,
) -> None:
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


def _hand_to_running_bus(aws_url: str | None, rule: str, target_id: str, event: dict[str, Any]) -> None:
    if aws_url is None:
        raise RedriveError(f"the event for {target_id} goes to a function: the local stack must be running")
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
    with PutEvents onto ``bus_name``, deleting each message once it is back on the bus."""
    import boto3

    sqs = sqs or boto3.client("sqs")
    arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    if bus_name is None:
        kwargs: dict[str, Any] = {"SourceArn": arn}
        if target_url:
            kwargs["DestinationArn"] = sqs.get_queue_attributes(
                QueueUrl=target_url, AttributeNames=["QueueArn"]
            )["Attributes"]["QueueArn"]
        task = sqs.start_message_move_task(**kwargs)
        return f"message move task {task['TaskHandle']} started from {arn}"
    events = events or boto3.client("events")
    moved = 0
    # Long polling (WaitTimeSeconds) asks every SQS server, so an empty answer means empty.
    while messages := sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=2).get(
        "Messages", []
    ):
        for message in messages:
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
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
            moved += 1
    return f"{moved} events put back on {bus_name}"

"""Dead-letter queues: what is parked, and putting it back.

Locally every DLQ of template.yaml is a queue of the local stack. A queue's DLQ is redriven into
the queues whose redrive policy names it; a rule target's DLQ holds EventBridge envelopes, which
are delivered to that rule's targets again. In AWS the same two cases use SQS's message-move task
and PutEvents.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from infra.local.queues import QueueStore
from infra.local.template import Stack


@dataclass(frozen=True)
class Parked:
    queue: str
    count: int
    samples: list[str]


def dead_letter_queues(stack: Stack) -> dict[str, str]:
    """DLQ name → what it catches (``queue`` or ``rule``)."""
    out: dict[str, str] = {}
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
            reason = message.attributes.get("ERROR_MESSAGE") or message.attributes.get(
                "kring_dead_letter_reason", ""
            )
            samples.append(f"{message.id}  {reason}  {message.body[:160]}")
        out.append(Parked(name, len(messages), samples))
    return out


def redrive_local(stack: Stack, store: QueueStore, only: str | None = None) -> dict[str, int]:
    """Put every parked message back where it came from; how many, by DLQ."""
    moved: dict[str, int] = {}
    for name, kind in dead_letter_queues(stack).items():
        if only and name != only:
            continue
        count = 0
        for message in store.messages(name):
            if kind == "queue":
                for source in store.sources_of(name):
                    store.send(
                        source,
                        message.body,
                        group_id=message.group_id,
                        dedup_id=f"redrive-{message.id}" if message.group_id else None,
                    )
            else:
                _redeliver_event(stack, store, name, json.loads(message.body), message.attributes)
            store.remove(message.sequence)
            count += 1
        moved[name] = count
    return moved


def _redeliver_event(
    stack: Stack, store: QueueStore, dlq: str, event: dict[str, Any], attributes: dict[str, Any]
) -> None:
    for rule in stack.rules():
        for target in rule.targets:
            if target.dead_letter_arn and target.dead_letter_arn.endswith(f":{dlq}"):
                if attributes.get("RULE_TARGET") not in (None, target.target_id):
                    continue
                if target.kind != "queue":
                    raise RuntimeError(f"redrive to the function {target.logical_id} needs the running stack")
                store.send(
                    target.arn.rsplit(":", 1)[-1],
                    json.dumps(event),
                    group_id=target.message_group_id,
                    dedup_id=f"redrive-{event['id']}" if target.message_group_id else None,
                )


def redrive_aws(queue_url: str, target_url: str | None, bus_name: str | None) -> str:
    """Redrive a DLQ in AWS: a queue's DLQ with SQS's message-move task; a rule's DLQ (events)
    with PutEvents onto ``bus_name``, deleting each message once it is back on the bus."""
    import boto3

    sqs = boto3.client("sqs")
    arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    if bus_name is None:
        kwargs: dict[str, Any] = {"SourceArn": arn}
        if target_url:
            kwargs["DestinationArn"] = sqs.get_queue_attributes(
                QueueUrl=target_url, AttributeNames=["QueueArn"]
            )["Attributes"]["QueueArn"]
        task = sqs.start_message_move_task(**kwargs)
        return f"message move task {task['TaskHandle']} started from {arn}"
    events = boto3.client("events")
    moved = 0
    while messages := sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10).get("Messages", []):
        for message in messages:
            event = json.loads(message["Body"])
            result = events.put_events(
                Entries=[
                    {
                        "Source": event["source"],
                        "DetailType": event["detail-type"],
                        "Detail": json.dumps(event["detail"]),
                        "EventBusName": bus_name,
                    }
                ]
            )
            if result["FailedEntryCount"]:
                raise RuntimeError(f"PutEvents refused event {event['id']}: {result['Entries']}")
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
            moved += 1
    return f"{moved} events put back on {bus_name}"

"""The fan-out's world as tests build it for the real ShareFanoutFunction: the ambassadors it
reads, the ``VacancyPublished`` envelope the rule puts on FanoutQueue, a FanoutQueue (FIFO) SQS
batch, and the function's publisher port as a fake."""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from kring import aws, config
from kring.dal import ambassadors as ambassador_items
from kring.events import KringEvent, SharesCreated
from kring.models.ambassador import Ambassador
from tests.support import link_activity as la
from tests.support.fixtures import REGION


def ambassador(ambassador_id: str, *, at: datetime, **fields: Any) -> Ambassador:
    """An opted-in ambassador in the decision phase, created and updated ``at``, unless ``fields``
    say otherwise."""
    data: dict[str, Any] = {
        "id": ambassador_id,
        "name": f"Name {ambassador_id}",
        "email": f"{ambassador_id.lower()}@example.com",
        "phase": "decision",
        "opted_in": True,
        "created_at": at,
        "updated_at": at,
        **fields,
    }
    return Ambassador.model_validate(data)


def store_ambassadors(*people: Ambassador) -> None:
    for person in people:
        aws.dynamodb().put_item(TableName=config.tables().table_name, Item=ambassador_items.to_item(person))


def published_envelope(*, time: str, **detail: Any) -> str:
    """``VacancyPublished``'s EventBridge envelope at ``time``, with ``detail`` (a greenhouse
    vacancy in English without tags unless it says otherwise)."""
    return json.dumps(
        {
            "version": "0",
            "id": str(uuid.uuid4()),
            "detail-type": "VacancyPublished",
            "source": "kring.ats",
            "account": "000000000000",
            "time": time,
            "region": REGION,
            "resources": [],
            "detail": {"version": 1, "provider": "greenhouse", "tags": [], "language": "en", **detail},
        }
    )


def sqs_event(*bodies: str) -> dict[str, Any]:
    """One FanoutQueue batch of ``bodies``, in order, in the queue's one message group."""
    event = la.sqs_event(bodies)
    for n, (record, body) in enumerate(zip(event["Records"], bodies, strict=True)):
        record["attributes"].update(
            {
                "SentTimestamp": "1795770761000",
                "ApproximateFirstReceiveTimestamp": "1795770761000",
                "MessageGroupId": "fanout",
                "MessageDeduplicationId": hashlib.sha256(body.encode()).hexdigest(),
                "SequenceNumber": str(n),
            }
        )
        record["eventSourceARN"] = f"arn:aws:sqs:{REGION}:000000000000:fanout.fifo"
    return event


class Published:
    """Every event the function published (the port, as a fake)."""

    def __init__(self) -> None:
        self.events: list[KringEvent] = []

    def publish(self, events: Sequence[KringEvent]) -> None:
        self.events.extend(events)

    def shared(self) -> list[str]:
        return [a for e in self.events if isinstance(e, SharesCreated) for a in e.ambassador_ids]

"""The fan-out queue: where the next page of a fan-out goes (SQS FIFO, one message group)."""

from __future__ import annotations

import hashlib
from typing import Protocol

from kring import aws, config

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

"""What the stack's bus routes for one source, read from a capture queue: a rule on the bus (as
moto runs it) delivers every event of ``source`` to an SQS queue the test drains."""

from __future__ import annotations

import json
from typing import Any

import boto3

from tests.support.fixtures import REGION


def moto_account() -> str:
    from moto.core.models import DEFAULT_ACCOUNT_ID

    return str(DEFAULT_ACCOUNT_ID)


class Bus:
    """Every event with ``source`` on the bus ``bus_name``, in the order the capture queue gives."""

    def __init__(self, bus_name: str, source: str = "kring.ats") -> None:
        name = "capture-" + source.replace(".", "-")
        self._sqs = boto3.client("sqs", region_name=REGION)
        self._url = self._sqs.create_queue(QueueName=name)["QueueUrl"]
        arn = self._sqs.get_queue_attributes(QueueUrl=self._url, AttributeNames=["QueueArn"])["Attributes"][
            "QueueArn"
        ]
        eventbridge = boto3.client("events", region_name=REGION)
        eventbridge.put_rule(Name=name, EventBusName=bus_name, EventPattern=json.dumps({"source": [source]}))
        eventbridge.put_targets(Rule=name, EventBusName=bus_name, Targets=[{"Id": "q", "Arn": arn}])

    def drain(self) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        while True:
            got = self._sqs.receive_message(QueueUrl=self._url, MaxNumberOfMessages=10)
            if not got.get("Messages"):
                return out
            for message in got["Messages"]:
                envelope = json.loads(message["Body"])
                envelope.setdefault("account", moto_account())  # moto leaves it out; EventBridge does not
                out.append(envelope)
                self._sqs.delete_message(QueueUrl=self._url, ReceiptHandle=message["ReceiptHandle"])

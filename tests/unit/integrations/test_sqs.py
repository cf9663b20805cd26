"""The one SendMessageBatch loop both senders (imports, mail jobs) use: entries SQS failed are
sent again, the sender's faults are refused, and a batch SQS keeps failing is a TransientError."""

from __future__ import annotations

from typing import Any

import pytest

from kring import aws
from kring.errors import TransientError
from kring.integrations import sqs


class FakeSqs:
    def __init__(self, answers: list[list[dict[str, Any]]]) -> None:
        self.answers = answers
        self.sent: list[list[str]] = []

    def send_message_batch(self, *, QueueUrl: str, Entries: list[dict[str, str]]) -> dict[str, Any]:
        self.sent.append([e["MessageBody"] for e in Entries])
        return {"Failed": self.answers.pop(0) if self.answers else []}


def test_entries_sqs_failed_are_sent_again_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    fake = FakeSqs([[{"Id": "1", "SenderFault": False, "Code": "InternalError"}]])
    monkeypatch.setattr(aws, "sqs", lambda: fake)
    sqs.send_batch("q", ["a", "b", "c"], what="mail jobs", sleep=lambda _s: None)
    assert fake.sent == [["a", "b", "c"], ["b"]]


def test_a_senders_fault_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    fake = FakeSqs([[{"Id": "0", "SenderFault": True, "Code": "InvalidMessageContents", "Message": "x"}]])
    monkeypatch.setattr(aws, "sqs", lambda: fake)
    with pytest.raises(ValueError, match="SQS refused import chunks: InvalidMessageContents"):
        sqs.send_batch("q", ["a"], what="import chunks", sleep=lambda _s: None)


def test_entries_failing_every_attempt_are_transient(monkeypatch: pytest.MonkeyPatch) -> None:
    failed = [{"Id": "0", "SenderFault": False, "Code": "InternalError"}]
    fake = FakeSqs([failed] * sqs.MAX_SEND_ATTEMPTS)
    monkeypatch.setattr(aws, "sqs", lambda: fake)
    with pytest.raises(TransientError, match="did not take 1 mail jobs"):
        sqs.send_batch("q", ["a"], what="mail jobs", sleep=lambda _s: None)
    assert len(fake.sent) == sqs.MAX_SEND_ATTEMPTS

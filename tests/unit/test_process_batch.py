"""The SQS consumers' batch loop (:func:`kring.queues.process_batch`): a :class:`TransientError`
is an expected retry, logged as one WARNING line with its reason — never a traceback — and a
batch in which every record failed transiently still fails the invocation (the platform retries
it), with an error that reads as one line."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, cast

import pytest
from aws_lambda_powertools.utilities.batch.exceptions import BatchProcessingError

from kring.errors import TransientError
from kring.queues import TransientBatchError, process_batch
from tests.support.link_activity import sqs_event

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
    from aws_lambda_powertools.utilities.typing import LambdaContext

CONTEXT = cast("LambdaContext", None)


def handle(record: SQSRecord) -> str:
    if record.body == "later":
        raise TransientError("attribution has not recorded this hire yet")
    if record.body == "broken":
        raise RuntimeError("a bug")
    return "ok"


def test_a_transient_failure_is_one_warning_line_with_its_reason(
    log_lines: Callable[[], list[dict[str, Any]]],
) -> None:
    event = sqs_event(["fine", "later"])
    response = process_batch(event, CONTEXT, handle)
    assert response == {"batchItemFailures": [{"itemIdentifier": event["Records"][1]["messageId"]}]}
    [line] = log_lines()
    assert line["level"] == "WARNING"
    assert line["reason"] == "attribution has not recorded this hire yet"
    assert line["message_id"] == event["Records"][1]["messageId"]
    assert "exception" not in line


def test_a_batch_that_failed_only_transiently_fails_in_one_line(
    log_lines: Callable[[], list[dict[str, Any]]],
) -> None:
    with pytest.raises(TransientBatchError) as raised:
        process_batch(sqs_event(["later", "later"]), CONTEXT, handle)
    assert isinstance(raised.value, BatchProcessingError)  # the invocation fails as Powertools fails it
    assert isinstance(raised.value, TransientError)
    assert str(raised.value) == (
        "every record of the batch is to be retried: "
        "TransientError: attribution has not recorded this hire yet"
    )
    assert [line["level"] for line in log_lines()] == ["WARNING", "WARNING"]


def test_a_batch_with_any_other_failure_is_not_transient() -> None:
    with pytest.raises(BatchProcessingError) as raised:
        process_batch(sqs_event(["later", "broken"]), CONTEXT, handle)
    assert not isinstance(raised.value, TransientError)
    assert "Traceback" in str(raised.value)  # Powertools' own error, with the records' tracebacks


def test_a_fifo_batch_stopped_by_a_transient_failure_is_transient() -> None:
    with pytest.raises(TransientBatchError):
        process_batch(sqs_event(["later", "fine"]), CONTEXT, handle, fifo=True)

"""LinkActivityQueue → exact click and share counters (see :mod:`kring.click_recording`).

A standard queue: Powertools' BatchProcessor reports each failed message on its own
(``batchItemFailures``), so one bad message never holds back the rest. The batch's reads are done
once, up front; each event is then one transaction.

A message that is not a valid ``LinkClicked`` / ``ShareIntended`` envelope is logged, counted
(``LinkActivityRejected``) and reported as failed, so after five receives it is parked in
LinkActivityDLQ with an alarm — not dropped: an event the recorder cannot read yet (a newer
contract version deployed before the recorder) is a click that must still be counted once the
recorder is fixed and the DLQ redriven.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response

from kring.click_recording import LinkActivityRecorder
from kring.errors import InvalidInputError
from kring.link_activity import LinkActivity
from kring.messages import parse_link_activity_message
from kring.observability import logger, metrics

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
    from aws_lambda_powertools.utilities.typing import LambdaContext


@logger.inject_lambda_context
@metrics.log_metrics
def handler(
    event: dict[str, Any], context: LambdaContext, recorder: LinkActivityRecorder | None = None
) -> dict[str, Any]:
    record_activity = recorder or LinkActivityRecorder()
    parsed: dict[str, LinkActivity | InvalidInputError] = {}
    for record in event.get("Records") or []:
        try:
            parsed[record["messageId"]] = parse_link_activity_message(record["body"])
        except InvalidInputError as exc:
            parsed[record["messageId"]] = exc
    record_activity.prefetch([a for a in parsed.values() if not isinstance(a, InvalidInputError)])

    def record_handler(record: SQSRecord) -> str:
        activity = parsed[record.message_id]
        if isinstance(activity, InvalidInputError):
            logger.error(
                "rejected a link activity message",
                extra={"message_id": record.message_id, "reason": str(activity)[:500]},
            )
            metrics.add_metric(name="LinkActivityRejected", unit=MetricUnit.Count, value=1)
            raise activity
        logger.append_keys(correlation_id=activity.correlation_id)
        return record_activity.record(activity).outcome

    response = process_partial_response(
        event=event,
        record_handler=record_handler,
        processor=BatchProcessor(event_type=EventType.SQS),
        context=context,
    )
    return dict(response)

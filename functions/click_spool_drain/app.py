"""ClickSpoolQueue → the bus: each spooled click is put on the bus as the LinkClicked it was
(see :mod:`kring.clicks.spool`). One bad message fails alone (ReportBatchItemFailures); a failed
one is retried and, after five receives, parked in ClickSpoolDLQ with an alarm (`make redrive`).
Putting a click twice is harmless: the recorder counts each click id once.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from kring.clicks.spool import parse_spooled_click
from kring.integrations.eventbridge import EventPublisher, default_publisher
from kring.observability import logger, metrics
from kring.queues import process_batch

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
    from aws_lambda_powertools.utilities.typing import LambdaContext


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
def handler(
    event: dict[str, Any], context: LambdaContext, publisher: EventPublisher | None = None
) -> dict[str, Any]:
    publish_to = publisher or default_publisher()

    def record_handler(record: SQSRecord) -> None:
        click = parse_spooled_click(record.body)
        with logger.append_context_keys(correlation_id=click.correlation_id, click_id=click.click_id):
            publish_to.publish([click])
        metrics.add_metric(name="SpooledClicksReemitted", unit="Count", value=1)

    return process_batch(event, context, record_handler)

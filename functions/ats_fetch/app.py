"""AtsFetchQueue → the provider's API → the same changes a full webhook would have carried (see
:func:`kring.intake.webhooks.fetch`). One bad message fails alone (ReportBatchItemFailures); a failed
one is retried and, after six receives, parked in AtsFetchDLQ with an alarm (`make redrive`).
Fetching twice is harmless: the events keep their ids and attribution is idempotent.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from kring.intake import webhooks
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

    def record_handler(record: SQSRecord) -> dict[str, Any]:
        message = webhooks.parse_fetch_message(record.body)
        with logger.append_context_keys(correlation_id=message.origin, provider=message.request.provider):
            return webhooks.fetch(message, publisher=publish_to)

    return process_batch(event, context, record_handler)

"""MailInstantQueue (``SharesCreated``, put there by MailInstantRule) → the ambassadors who chose
instant notices gather the vacancy, and each batch it opened becomes a delayed ``vacancy_notice``
job on MailQueue (see :mod:`kring.mail.vacancy_notice`).

A standard queue: Powertools' BatchProcessor reports each failed message on its own; after five
receives a message is parked in MailInstantDLQ (alarm; ``make redrive`` moves it back whole, its
event id with it). A redelivered announcement schedules the same jobs again, and the sender mails
each once.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from kring.mail.vacancy_notice import on_shares_created
from kring.observability import logger, metrics
from kring.queues import parse_shares_created_message, process_batch

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
    from aws_lambda_powertools.utilities.typing import LambdaContext

    from kring.mail.planner import JobQueue


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext, queue: JobQueue | None = None) -> dict[str, Any]:
    now = datetime.now(UTC)

    def record_handler(record: SQSRecord) -> int:
        announcement = parse_shares_created_message(record.body)
        with logger.append_context_keys(correlation_id=announcement.detail.correlation_id):
            return on_shares_created(announcement, now=now, queue=queue)

    return process_batch(event, context, record_handler)

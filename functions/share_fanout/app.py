"""FanoutQueue → one page of share links per message: a published vacancy's fan-out
(:mod:`kring.sharing.fanout`) or a newly eligible ambassador's catch-up
(:mod:`kring.sharing.catchup`), see :mod:`kring.sharing.sharing_pages`.

The queue is FIFO: Powertools' FIFO processor stops at the first failure and reports it and
everything after it, so order is kept; a failed message is retried and, after five receives,
parked in FanoutDLQ (`make redrive`).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from kring import config
from kring.idempotency import register_lambda_context
from kring.integrations.eventbridge import EventPublisher, default_publisher
from kring.integrations.sqs import PageQueue, SqsPageQueue
from kring.observability import logger, metrics
from kring.queues import parse_fanout_message, process_batch
from kring.sharing.sharing_pages import log_keys, share_page

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
    from aws_lambda_powertools.utilities.typing import LambdaContext


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
def handler(
    event: dict[str, Any],
    context: LambdaContext,
    publisher: EventPublisher | None = None,
    queue: PageQueue | None = None,
) -> dict[str, Any]:
    register_lambda_context(context)
    publish_to = publisher or default_publisher()
    next_pages = queue or SqsPageQueue()

    def record_handler(record: SQSRecord) -> dict[str, Any]:
        page = parse_fanout_message(record.body)
        # This record's keys only: the next record (or a failure to read it) is not logged with them.
        with logger.append_context_keys(**log_keys(page)):
            return share_page(
                page,
                publisher=publish_to,
                queue=next_pages,
                page_size=config.fanout().fanout_page_size,
                now=datetime.now(UTC),
            )

    return process_batch(event, context, record_handler, fifo=True)

"""ImportQueue → one chunk of an ambassador import per message (see :mod:`kring.roster.imports`).

Each chunk is applied exactly once: its profiles, its line report and the job's counters are one
transaction, and a redelivered chunk finds its report and changes nothing. One bad message fails
alone (ReportBatchItemFailures); a failing chunk is noted on its job, retried and, after five
receives, parked in ImportDLQ with an alarm (`make redrive`). Ambassadors a chunk made eligible are
announced (``AmbassadorChanged``) after it: their links follow.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from kring.errors import InvalidInputError
from kring.integrations.eventbridge import EventPublisher
from kring.observability import logger, metrics
from kring.queues import parse_import_chunk, process_batch
from kring.roster import imports

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
    from aws_lambda_powertools.utilities.typing import LambdaContext


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
def handler(
    event: dict[str, Any], context: LambdaContext, publisher: EventPublisher | None = None
) -> dict[str, Any]:
    def record_handler(record: SQSRecord) -> dict[str, Any]:
        try:
            chunk = parse_import_chunk(record.body)
        except InvalidInputError:
            logger.error("import chunk rejected", extra={"message_id": record.message_id})
            raise
        logger.append_keys(job_id=chunk.job_id, chunk=chunk.chunk)
        try:
            return imports.apply_chunk(chunk, now=datetime.now(UTC), publisher=publisher)
        except Exception as exc:
            imports.record_failure(chunk, exc)
            raise

    return process_batch(event, context, record_handler)

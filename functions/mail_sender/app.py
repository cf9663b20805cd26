"""MailQueue → one mail per message (see :mod:`kring.mail.sending`).

A standard queue: MailJobs from the planner, and ``CandidateHired`` envelopes from MailHireRule
(each becomes a hire notice, or nothing). Powertools' BatchProcessor reports each failed message
on its own; after five receives a message is parked in MailDLQ (alarm; ``make redrive``). The
event source's batch size and maximum concurrency keep the send rate under the account's SES
limit (template.yaml).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response

from kring.integrations.ses import MailTransport, SesTransport
from kring.mail.notices import hire_job
from kring.mail.sending import MailRoom
from kring.observability import logger, metrics
from kring.queues import MailJob, parse_mail_message

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
    from aws_lambda_powertools.utilities.typing import LambdaContext


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
def handler(
    event: dict[str, Any], context: LambdaContext, transport: MailTransport | None = None
) -> dict[str, Any]:
    room = MailRoom(transport=transport or SesTransport(), now=datetime.now(UTC))
    room.prepare_messages(str(record.get("body", "")) for record in event.get("Records", []))

    def record_handler(record: SQSRecord) -> str:
        message = parse_mail_message(record.body)
        job = message if isinstance(message, MailJob) else hire_job(message)
        if job is None:
            return "nothing to send"
        with logger.append_context_keys(correlation_id=job.correlation_id, mail_kind=job.kind):
            return room.send(job).status

    try:
        response = process_partial_response(
            event=event,
            record_handler=record_handler,
            processor=BatchProcessor(event_type=EventType.SQS),
            context=context,
        )
    finally:
        room.finish()
    return dict(response)

"""MailQueue → one mail per message (see :mod:`kring.mail.sending`).

A standard queue: MailJobs from the planner, and ``CandidateHired`` and ``ApplicationAttributed``
envelopes from MailHireRule and MailCreditRule (each becomes a hire notice, or nothing).
:func:`kring.queues.process_batch` reports each failed message on its own; after five receives a
message is parked in MailDLQ (alarm; ``make redrive``). The mails the batch sent are recorded after
it (``MailRoom.finish``), whatever failed. The event source's batch size and maximum concurrency
keep the send rate under the account's SES limit (template.yaml)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from kring.integrations.ses import MailTransport, SesTransport
from kring.mail.sending import send_batch
from kring.observability import logger, metrics

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
def handler(
    event: dict[str, Any], context: LambdaContext, transport: MailTransport | None = None
) -> dict[str, Any]:
    return send_batch(event, context, transport or SesTransport())

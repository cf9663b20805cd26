"""``SharesCreated`` (MailInstantRule) → the ambassadors who chose instant notices gather the
vacancy, and each batch it opened becomes a delayed ``vacancy_notice`` job on MailQueue (see
:mod:`kring.mail.vacancy_notice`). Invoked asynchronously by the rule: retried by EventBridge and
Lambda, then parked in MailInstantDLQ (alarm; ``make redrive``). A redelivered announcement
schedules the same jobs again, and the sender mails each once."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from kring.mail import vacancy_notice
from kring.observability import logger, metrics

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

    from kring.mail.planner import JobQueue


@logger.inject_lambda_context(correlation_id_path="detail.correlation_id", clear_state=True)
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext, queue: JobQueue | None = None) -> dict[str, Any]:
    envelope = vacancy_notice.parse(event)
    return {"scheduled": vacancy_notice.on_shares_created(envelope, now=datetime.now(UTC), queue=queue)}

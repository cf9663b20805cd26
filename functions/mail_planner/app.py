"""EventBridge Scheduler → one run of a scheduled mail kind: its jobs onto MailQueue (see
:mod:`kring.mail.planner`). Invoked asynchronously: a failed run is retried by Lambda, then parked
in MailPlannerDLQ (alarm); the jobs of a retried run are sent once all the same."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from kring.integrations.sqs import SqsMailQueue
from kring.mail.planner import JobQueue, parse_request, plan
from kring.observability import logger, metrics

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext, queue: JobQueue | None = None) -> dict[str, Any]:
    request = parse_request(event)
    count = plan(request, queue or SqsMailQueue(), now=datetime.now(UTC))
    return {"kind": request.kind, "jobs": count}

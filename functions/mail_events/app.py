"""SES's bounce and complaint events (the configuration set → the default event bus → this rule)
→ the suppression list (see :mod:`kring.mail.bounces`). Invoked asynchronously by the rule, with
retries and a DLQ (alarm)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from kring.mail import bounces
from kring.observability import logger, metrics

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return {"suppressed": bounces.record(bounces.parse(event))}

"""``/api/…``: the recruiter's admin API (ambassadors, vacancies, share links).

Thin on purpose: the routes, the admin-token check and the error mapping live in :mod:`kring.api.app`.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from kring.api.app import app
from kring.observability import logger, metrics


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP, clear_state=True)
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)

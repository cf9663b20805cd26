"""``PointWeightsChanged`` (the talent team changed the point weights) → the recent leaderboards
are scored again with the weights of the moment (:mod:`kring.points.rerank`). Invoked
asynchronously by the rule, with retries and a DLQ (alarm); a retried run does only what is left."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from kring.events import PointWeightsChanged, parse_envelope
from kring.observability import logger, metrics
from kring.points import rerank

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext


@logger.inject_lambda_context(correlation_id_path="detail.correlation_id", clear_state=True)
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    parse_envelope(event, PointWeightsChanged)
    done = rerank.rerank_recent(datetime.now(UTC).date())
    logger.info("leaderboards re-ranked", extra={"periods": done.periods, "rescored": done.rescored})
    return {"periods": done.periods, "read": done.read, "rescored": done.rescored}

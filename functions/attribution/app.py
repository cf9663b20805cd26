"""CandidateEventsQueue → application states, exact counters, the reward ledger and
``ApplicationAttributed`` (see :mod:`kring.attribution.recorder`).

A standard queue fed by CandidateEventsRule (the five candidate events of any ATS, and
``LinkClicked`` for the late-click handshake). Powertools' BatchProcessor reports each failed
message on its own (``batchItemFailures``): a message that is not a valid event is logged and
counted (``AttributionRejected``), and after five receives parked in CandidateEventsDLQ with an
alarm, like one that keeps conflicting or keeps waiting for its click record.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from kring.attribution.recorder import AttributionRecorder, message_recorder
from kring.observability import logger, metrics
from kring.queues import process_recorded_batch

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
def handler(
    event: dict[str, Any], context: LambdaContext, recorder: AttributionRecorder | None = None
) -> dict[str, Any]:
    return process_recorded_batch(event, context, lambda bodies: message_recorder(bodies, recorder))

"""LinkActivityQueue → exact click and share counters (see :mod:`kring.clicks.recorder`).

A standard queue: Powertools' BatchProcessor reports each failed message on its own
(``batchItemFailures``), so one bad message never holds back the rest. The batch's reads are done
once, up front; each event is then one transaction.

A message that is not a valid ``LinkClicked`` / ``ShareIntended`` envelope is logged, counted
(``LinkActivityRejected``) and reported as failed, so after five receives it is parked in
LinkActivityDLQ with an alarm — not dropped: an event the recorder cannot read yet (a newer
contract version deployed before the recorder) is a click that must still be counted once the
recorder is fixed and the DLQ redriven.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from kring.clicks.recorder import LinkActivityRecorder, message_recorder
from kring.observability import logger, metrics
from kring.queues import process_recorded_batch

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
def handler(
    event: dict[str, Any], context: LambdaContext, recorder: LinkActivityRecorder | None = None
) -> dict[str, Any]:
    return process_recorded_batch(event, context, lambda bodies: message_recorder(bodies, recorder))

"""EventBridge Scheduler (daily, the organisation's time zone) → the programme's review of
everyone whose state changes with time alone: dormancy setting in, the evangelist rule lapsing
(see :meth:`kring.programme.recorder.ProgrammeRecorder.review_due`). Found through the sparse
review index (a Query per shard), never a Scan. Invoked asynchronously: a failed run is retried by
Lambda, then parked in ProgrammeSweepDLQ (alarm); a run repeated changes nothing more.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from kring.observability import logger, metrics
from kring.programme.recorder import ProgrammeRecorder

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
def handler(
    event: dict[str, Any], context: LambdaContext, recorder: ProgrammeRecorder | None = None
) -> dict[str, Any]:
    return {"reviewed": (recorder or ProgrammeRecorder()).review_due()}

"""ProgrammeFactsQueue → the programme's state machine (see :mod:`kring.programme.recorder`).

A standard queue fed by ProgrammeFactsRule: share intents (activity), applications credited to an
ambassador (activity and a credited application) and the roster's ``AmbassadorChanged`` (on the
roster; a phase the talent team set). Each fact is applied once whatever the redelivery or order;
a transition is written with its history, counters and the profile's phase in one transaction and
published as ``AmbassadorPhaseChanged``. A message that is not such an event, or keeps
conflicting, fails alone (``batchItemFailures``) and is parked after five receives in
ProgrammeFactsDLQ (alarm).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from kring.observability import logger, metrics
from kring.programme.recorder import ProgrammeRecorder, message_recorder
from kring.queues import process_recorded_batch

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
def handler(
    event: dict[str, Any], context: LambdaContext, recorder: ProgrammeRecorder | None = None
) -> dict[str, Any]:
    return process_recorded_batch(event, context, lambda bodies: message_recorder(bodies, recorder))

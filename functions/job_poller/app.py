"""EventBridge Scheduler → one poll of one ATS's published-jobs feed (``{"provider": "lever"}``),
for the ATSs without a job webhook (see :mod:`kring.intake.job_feeds`): new and changed postings become
vacancies (``VacancyPublished``), vanished ones close (``VacancyClosed``), unchanged ones write
nothing. Teamtailor, whose webhooks are never retried, is polled too: its open jobs, and its
recently updated applications onto the fetch queue
(see :func:`kring.intake.job_feeds.reconcile_applications`).

A poll needs no idempotency record: it compares the feed with what is stored, so a retried or
overlapping run finds nothing left to do. A failed run (the feed down, a bad input) raises: Lambda
retries the asynchronous invocation, then parks it in JobPollerDLQ, whose alarm tells the operator.
The next scheduled run catches up on its own.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from kring.intake import job_feeds
from kring.observability import logger, metrics

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

    from kring.dal.vacancies import VacancyRepository
    from kring.integrations.eventbridge import EventPublisher
    from kring.integrations.sqs import FetchQueue


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
def handler(
    event: dict[str, Any],
    context: LambdaContext,
    publisher: EventPublisher | None = None,
    repository: VacancyRepository | None = None,
    fetch_queue: FetchQueue | None = None,
) -> dict[str, Any]:
    request = job_feeds.parse_poll_request(event)
    logger.append_keys(provider=request.provider)
    return job_feeds.sync(
        request.provider,
        datetime.now(UTC),
        publisher=publisher,
        repository=repository,
        fetch_queue=fetch_queue,
    )

"""Job feeds: the vacancies of an ATS without a job webhook (Lever, Workable), kept in step with
its published-jobs feed by a scheduled poll (``functions/job_poller``).

:func:`sync` reads the provider's feed
(:meth:`~kring.integrations.ats.base.PolledProvider.published_posts`), compares it with the
vacancies Kring holds for that provider, and hands :func:`kring.intake.vacancies.apply_changes` only
what differs — so the vacancy rules (and their ``VacancyPublished`` / ``VacancyClosed``) are the
same as for webhook providers:

- a posting Kring has not stored, or whose title, location, language, URL or department differs,
  or that the feed shows live again, is applied (with its job, in the order that announces it once);
- a stored vacancy whose post was live and is gone from the feed becomes a post that went offline
  (``JobPostChanged(live=False)``): a published one closes with reason ``unpublished``;
- anything else — an unchanged posting — writes nothing at all.

Order: a feed's own change time (Lever's public feed only has ``createdAt``) cannot order the
poll's observations, so a change seen at poll time whose feed time is not newer than the stored
one is applied with the poll's time instead. That is also why a retried or overlapping poll is
harmless: it compares again with what is stored, and the vacancy writes are conditional.

A provider whose feed is not configured (no ``LEVER_SITE``) is skipped with a log line: an empty
feed would otherwise close every one of its vacancies.

Teamtailor has a job webhook, but never retries a delivery: its poll (the open jobs) makes a lost
``job.*`` delivery good, and :func:`reconcile_applications` a lost ``job_application.*`` one.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from kring.dal.vacancies import StoredVacancy, VacancyRepository
from kring.errors import InvalidInputError, ProviderNotConfiguredError
from kring.intake import vacancies, vacancy_urls, webhooks
from kring.integrations.ats import registry
from kring.integrations.ats.base import (
    FetchNeeded,
    JobChanged,
    JobPostChanged,
    ReconciledProvider,
    VacancyChange,
)
from kring.integrations.eventbridge import EventPublisher, default_publisher
from kring.integrations.sqs import FetchQueue
from kring.models.common import Provider
from kring.observability import logger, metrics

ORDER_STEP = timedelta(milliseconds=1)
RECONCILE_WINDOW = timedelta(hours=2)  # eight 15-minute polls see every change


class PollRequest(BaseModel):
    """A schedule's input: ``{"provider": "lever"}`` (one schedule per polled provider)."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    provider: Provider


def parse_poll_request(event: object) -> PollRequest:
    """The schedule's input, or :class:`InvalidInputError` (a misconfigured schedule: the run
    fails and lands in the poller's dead-letter queue, with its alarm)."""
    try:
        return PollRequest.model_validate(event)
    except ValidationError as exc:
        raise InvalidInputError(f"not a poll request: {exc.errors()[0].get('msg', 'invalid')}") from exc


def sync(
    provider_name: str,
    now: datetime,
    *,
    publisher: EventPublisher | None = None,
    repository: VacancyRepository | None = None,
    fetch_queue: FetchQueue | None = None,
) -> dict[str, Any]:
    """Bring one provider's stored vacancies in line with its feed as read at ``now``; a summary.
    For a provider whose webhooks are never retried (Teamtailor), then also
    :func:`reconcile_applications` (the summary's ``applications``).

    Raises :class:`ProviderNotConfiguredError` for a provider that has no feed at all (a wrong
    schedule input), and whatever reading the feed raises (:class:`~kring.errors.TransientError`
    and the like): the poll fails, is retried, and nothing is closed on a feed that was not read.
    """
    provider = registry.polled_provider(provider_name)
    about = {"provider": provider.NAME}
    try:
        feed = provider.published_posts()
    except ProviderNotConfiguredError as exc:
        logger.info("job feed not configured: nothing polled", extra={**about, "reason": str(exc)})
        metrics.add_metric(name="JobFeedNotConfigured", unit="Count", value=1)
        return {**about, "configured": False, "posts": 0, "changes": 0, "closed": 0}
    store = repository or VacancyRepository()
    stored = {s.vacancy.external_id: s for s in store.of_provider(provider.NAME)}
    changes, seen, closed = _differences(feed, stored, now)
    if changes:
        vacancies.apply_changes(
            changes,
            publisher=publisher or default_publisher(),
            repository=store,
            correlation_id=f"poll:{provider.NAME}:{now.isoformat()}"[:128],
            now=now,
        )
    summary: dict[str, Any] = {
        **about,
        "configured": True,
        "posts": len(seen),
        "changes": len(changes),
        "closed": closed,
    }
    reconciled = registry.reconciled_provider(provider.NAME)
    if reconciled is not None:
        summary["applications"] = reconcile_applications(
            reconciled, now, publisher=publisher, fetch_queue=fetch_queue
        )
    logger.info("job feed polled", extra=summary)
    metrics.add_metric(name="JobFeedChanges", unit="Count", value=len(changes))
    return summary


def reconcile_applications(
    provider: ReconciledProvider,
    now: datetime,
    *,
    publisher: EventPublisher | None = None,
    fetch_queue: FetchQueue | None = None,
) -> int:
    """Queue a fetch (``AtsFetchQueue``, through :func:`kring.intake.webhooks.apply_changes`) for every
    application the provider shows updated in the last :data:`RECONCILE_WINDOW`; how many.

    The window is a fixed overlap, not a cursor: each 15-minute poll sees every change about eight
    times, so a change whose webhook was lost, or a poll that failed, is still caught by a later
    one. Repeats change nothing: the origin ``<provider>:reconcile:<application id>:<updated-at>``
    makes the same event ids for the same version of an application, and attribution merges
    candidate events idempotently (a webhook that did arrive and the poll agree as well).
    """
    requests = provider.applications_updated_since(now - RECONCILE_WINDOW)
    if requests:
        publisher = publisher or default_publisher()  # unused by fetches; apply_changes wants one
    for request in requests:
        webhooks.apply_changes(
            [request],
            origin=_reconcile_origin(provider.NAME, request),
            publisher=publisher or default_publisher(),
            fetch_queue=fetch_queue,
        )
    metrics.add_metric(name="ApplicationsReconciled", unit="Count", value=len(requests))
    return len(requests)


def _reconcile_origin(provider: Provider, request: FetchNeeded) -> str:
    application_id = request.ids.get("application_id", "")
    return f"{provider}:reconcile:{application_id}:{request.occurred_at.isoformat()}"


def _differences(
    feed: Sequence[JobPostChanged | JobChanged], stored: dict[str, StoredVacancy], now: datetime
) -> tuple[list[VacancyChange], set[str], int]:
    """The changes to apply, the post ids the feed lists, and how many posts went offline."""
    jobs = {change.job_id: change for change in feed if isinstance(change, JobChanged)}
    changes: list[VacancyChange] = []
    seen: set[str] = set()
    for post in feed:
        if not isinstance(post, JobPostChanged) or post.post_id in seen:
            continue
        seen.add(post.post_id)
        current = stored.get(post.post_id)
        if current is not None and current.deleted:
            continue  # a deleted post is closed for good
        job = jobs.get(post.job_id) if post.job_id else None
        due: list[VacancyChange] = []
        if job is not None and _job_differs(job, post, current):
            due.append(job)
        if _post_differs(post, current):
            due.append(_in_order(post, current, now))
        # A new post after its job, so it is published once, complete; a stored one before it, so
        # the job's recomputation sees the post's new facts and the pair announces once.
        changes.extend(due if current is None else reversed(due))
    closed = 0
    for post_id, current in stored.items():
        if post_id in seen or current.deleted or not current.post_live:
            continue
        changes.append(_gone(current, now))
        closed += 1
    return changes, seen, closed


def _job_differs(job: JobChanged, post: JobPostChanged, current: StoredVacancy | None) -> bool:
    """Whether the job's facts differ from what the stored vacancy was made of (the vacancy logic
    copies department, tags and the job's location onto every post of the job)."""
    if current is None:
        return True
    vacancy = current.vacancy
    return (vacancy.department, tuple(vacancy.tags), vacancy.location) != (
        job.department,
        tuple(job.tags),
        job.location or post.location,
    )


def _post_differs(post: JobPostChanged, current: StoredVacancy | None) -> bool:
    if current is None:
        return True
    vacancy = current.vacancy
    if current.post_live != post.live:
        return True
    # the language the ATS said, not the one the talent team may have set
    stored_facts = (vacancy.title, current.post_location, current.ats_language)
    if stored_facts != (post.title, post.location, post.language):
        return True
    if vacancy.url is not None and vacancy.url != vacancy_urls.stored_form(post.url):
        return True  # compared in the form a URL is stored in (what a browser requests)
    if post.live and post.url is not None and vacancy.status != "published":
        # Live but not published: its URL was refused (not the organisation's account or careers
        # host). Offered again each poll, so a corrected configuration publishes it without an
        # edit in the ATS.
        return True
    seen = vacancy.source_updated_at
    return seen is None or post.updated_at > seen


def _in_order(post: JobPostChanged, current: StoredVacancy | None, now: datetime) -> JobPostChanged:
    """The post with a change time after the stored one, so the vacancy logic applies it."""
    seen = current.vacancy.source_updated_at if current else None
    if seen is None or post.updated_at > seen:
        return post
    return post.model_copy(update={"updated_at": max(now, seen + ORDER_STEP)})


def _gone(current: StoredVacancy, now: datetime) -> JobPostChanged:
    vacancy = current.vacancy
    seen = vacancy.source_updated_at
    return JobPostChanged(
        provider=vacancy.provider,
        post_id=vacancy.external_id,
        job_id=vacancy.external_job_id,
        title=vacancy.title,
        location=current.post_location,
        url=vacancy.url,
        live=False,
        language=current.ats_language,
        updated_at=now if seen is None else max(now, seen + ORDER_STEP),
    )

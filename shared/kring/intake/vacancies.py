"""Vacancies: from normalised ATS changes to stored vacancies and ``VacancyPublished`` /
``VacancyClosed`` on the bus; and the reads the admin API makes.

A vacancy (``<provider>-<post id>``) is recomputed from three things whenever one of them
changes: the post's own facts (title, live, location, URL — from post events), the ATS job behind
it (department, offices, status — from job events, kept as :class:`AtsJob`), and its previous
status. Rules, the same whatever the order the events arrive in:

- **published** when the post is live, its URL is one the organisation published
  (:mod:`kring.intake.vacancy_urls`: the organisation's own account on the provider's job board, or its
  own careers hosts; stored in the ASCII form a browser requests), and its job is not closed or
  deleted; becoming published emits ``VacancyPublished``, and so does a published vacancy whose
  department, location or tags change (the fan-out is idempotent per ambassador and vacancy, and
  adds links for ambassadors who match now);
- a published vacancy that stops qualifying becomes **closed** and emits ``VacancyClosed``
  (``unpublished`` — the post went offline; ``closed`` / ``deleted`` — the job did); one that
  never was published stays **draft**; a deleted post or job is closed for good;
- a post delivery older than the stored one (ATS ``updated_at``) or equal to it changes nothing:
  the repository's conditional write enforces it.

Events are written with the vacancy (``pending_events``) and removed once on the bus, so a failed
publish is repaired by the provider's retry of the same delivery.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from kring.dal.vacancies import StoredVacancy, VacancyRepository
from kring.errors import ConflictError, NotFoundError, TransientError
from kring.events import KringEvent, VacancyClosed, VacancyPublished, event_type
from kring.integrations.ats.base import (
    JobChanged,
    JobDeleted,
    JobPostChanged,
    JobPostDeleted,
    VacancyChange,
)
from kring.integrations.eventbridge import EventPublisher
from kring.models.common import Locale, Page
from kring.models.vacancy import AtsJob, Vacancy, vacancy_id
from kring.observability import logger, metrics

MAX_ATTEMPTS = 5
OFFLINE_JOB_STATUSES = frozenset({"closed", "deleted"})


# ------------------------------------------------------------------------------------- reads
def get_vacancy(vacancy_id: str, *, repository: VacancyRepository | None = None) -> Vacancy:
    stored = (repository or VacancyRepository()).get(vacancy_id)
    if stored is None:
        raise NotFoundError(f"no vacancy {vacancy_id!r}")
    return stored.vacancy


def list_vacancies(
    limit: int, cursor: dict[str, Any] | None, *, repository: VacancyRepository | None = None
) -> Page[Vacancy]:
    return (repository or VacancyRepository()).list_page(limit, cursor)


def set_language(
    vacancy_id: str,
    language: Locale | None,
    *,
    repository: VacancyRepository | None = None,
    now: datetime | None = None,
) -> Vacancy:
    """The talent team's language for a vacancy (for an ATS that gives none, or gives it wrong):
    it wins over the ATS's in every later delivery; ``None`` hands it back to the ATS. The write
    is conditional on the revision read (a concurrent delivery: read again). Announces nothing:
    the links do not depend on the language, the share texts read it when a button is pressed."""
    store = repository or VacancyRepository()
    for _attempt in range(MAX_ATTEMPTS):
        current = store.get(vacancy_id)
        if current is None:
            raise NotFoundError(f"no vacancy {vacancy_id!r}")
        vacancy = current.vacancy.model_copy(
            update={
                "language": language or current.ats_language,
                "language_override": language,
                "updated_at": now or datetime.now(UTC),
            }
        )
        changed = replace(
            current, vacancy=vacancy, post_language=current.ats_language, revision=current.revision + 1
        )
        try:
            store.put(changed, expected_revision=current.revision)
        except ConflictError:
            continue
        logger.info("vacancy language set", extra={"vacancy_id": vacancy_id, "language": language})
        return vacancy
    raise TransientError(f"vacancy {vacancy_id} kept changing underneath; try again")


def apply_changes(
    changes: Sequence[VacancyChange],
    *,
    publisher: EventPublisher,
    repository: VacancyRepository,
    correlation_id: str,
    now: datetime | None = None,
) -> list[str]:
    """Apply normalised changes in order; the ids of the vacancies they concerned."""
    run = _Run(
        repository=repository,
        publisher=publisher,
        now=now or datetime.now(UTC),
        correlation_id=correlation_id,
    )
    touched: list[str] = []
    for change in changes:
        touched.extend(_apply_change(change, run))
    return touched


@dataclass(frozen=True)
class _Run:
    repository: VacancyRepository
    publisher: EventPublisher
    now: datetime
    correlation_id: str


def _apply_change(change: VacancyChange, run: _Run) -> list[str]:
    """Apply one normalised change; the ids of the vacancies it concerned."""
    if isinstance(change, JobPostChanged):
        return [_apply_post(change, run)]
    if isinstance(change, JobPostDeleted):
        vid = vacancy_id(change.provider, change.post_id)
        _mutate(run, vid, lambda current: _deleted(current, run, change))
        return [vid]
    if isinstance(change, JobChanged):
        job = AtsJob(
            provider=change.provider,
            job_id=change.job_id,
            name=change.name,
            department=change.department,
            location=change.location,
            tags=change.tags,
            status=change.status,
            updated_at=run.now,
        )
        run.repository.put_job(job)
        return _recompute_posts_of(job, run)
    if not isinstance(change, JobDeleted):  # pragma: no cover - the union is exhaustive
        raise TypeError(f"unknown change {type(change).__name__}")
    job = AtsJob(provider=change.provider, job_id=change.job_id, status="deleted", updated_at=run.now)
    run.repository.put_job(job)
    return _recompute_posts_of(job, run)


def _apply_post(change: JobPostChanged, run: _Run) -> str:
    vid = vacancy_id(change.provider, change.post_id)
    job = run.repository.get_job(change.provider, change.job_id) if change.job_id else None
    _mutate(run, vid, lambda current: _post_changed(current, run, change, job))
    if change.job_id and job is None:
        # The job event may have landed while this post was being written, and looked for its
        # posts before this one was in the index: complete the post from it now.
        late = run.repository.get_job(change.provider, change.job_id)
        if late is not None:
            _mutate(run, vid, lambda current: _recomputed(current, run, late))
    return vid


def _recompute_posts_of(job: AtsJob, run: _Run) -> list[str]:
    ids = [stored.vacancy.id for stored in run.repository.of_job(job.provider, job.job_id)]
    for vid in ids:
        _mutate(run, vid, lambda current: _recomputed(current, run, job))
    return ids


# ------------------------------------------------------------------------------------- decisions
_Decision = tuple[StoredVacancy, list[KringEvent]] | None


def _post_changed(
    current: StoredVacancy | None, run: _Run, change: JobPostChanged, job: AtsJob | None
) -> _Decision:
    if current is not None:
        if current.deleted:
            return None
        seen = current.vacancy.source_updated_at
        if seen is not None and change.updated_at <= seen:
            return None  # redelivered or older than what is stored
    url = _allowed_url(change)
    base = Vacancy(
        id=vacancy_id(change.provider, change.post_id),
        provider=change.provider,
        external_id=change.post_id,
        external_job_id=change.job_id,
        title=change.title,
        url=url,
        language=(current.vacancy.language_override if current else None) or change.language,
        language_override=current.vacancy.language_override if current else None,
        status=current.vacancy.status if current else "draft",
        published_at=current.vacancy.published_at if current else None,
        closed_at=current.vacancy.closed_at if current else None,
        updated_at=run.now,
        source_updated_at=change.updated_at,
    )
    facts = StoredVacancy(
        vacancy=base,
        post_live=change.live,
        post_location=change.location,
        closed_reason=current.closed_reason if current else None,
        post_language=change.language,
    )
    return _settle(current, facts, job, run)


def _recomputed(current: StoredVacancy | None, run: _Run, job: AtsJob) -> _Decision:
    if current is None or current.deleted:
        return None
    decided = _settle(current, current, job, run)
    if decided is None:
        return None
    stored, events = decided
    unchanged = stored.vacancy.model_copy(update={"updated_at": current.vacancy.updated_at})
    if unchanged == current.vacancy and stored.closed_reason == current.closed_reason:
        return None
    return stored, events


def _settle(current: StoredVacancy | None, facts: StoredVacancy, job: AtsJob | None, run: _Run) -> _Decision:
    """The vacancy the facts and the job make, the status it moves to, and the events on the way."""
    before = current.vacancy if current else None
    was = before.status if before else None
    draft = facts.vacancy
    department = job.department if job else None
    location = (job.location if job else None) or facts.post_location
    tags = job.tags if job else ()
    job_offline = job is not None and job.status in OFFLINE_JOB_STATUSES
    live = facts.post_live and draft.url is not None and not job_offline

    update: dict[str, Any] = {
        "department": department,
        "location": location,
        "tags": tags,
        "updated_at": run.now,
    }
    closed_reason = facts.closed_reason
    events: list[KringEvent] = []
    if live:
        update.update(status="published", closed_at=None)
        closed_reason = None
        if was != "published":
            update["published_at"] = run.now
    elif was == "published":
        reason = "unpublished"
        if job_offline and job is not None:
            reason = "deleted" if job.status == "deleted" else "closed"
        update.update(status="closed", closed_at=run.now)
        closed_reason = reason
    elif job is not None and job.status == "deleted":
        update["status"] = "closed"
        closed_reason = "deleted"
    vacancy = draft.model_copy(update=update)

    if vacancy.status == "published" and (
        before is None
        or was != "published"
        or (before.department, before.location, before.tags) != (department, location, tags)
    ):
        events.append(_published_event(vacancy, run))
    elif was == "published" and vacancy.status == "closed":
        events.append(_closed_event(vacancy, closed_reason or "unpublished", run))
    return replace(facts, vacancy=vacancy, closed_reason=closed_reason), events


def _deleted(current: StoredVacancy | None, run: _Run, change: JobPostDeleted) -> _Decision:
    if current is not None and current.deleted:
        return None
    if current is None:
        tombstone = Vacancy(
            id=vacancy_id(change.provider, change.post_id),
            provider=change.provider,
            external_id=change.post_id,
            external_job_id=change.job_id,
            title=change.title or f"{change.provider} post {change.post_id}",
            location=change.location,
            status="closed",
            closed_at=run.now,
            updated_at=run.now,
            source_updated_at=change.updated_at,
        )
        return StoredVacancy(vacancy=tombstone, post_location=change.location, closed_reason="deleted"), []
    before = current.vacancy
    sources = [s for s in (before.source_updated_at, change.updated_at) if s is not None]
    vacancy = before.model_copy(
        update={
            "status": "closed",
            "closed_at": before.closed_at if before.status == "closed" else run.now,
            "updated_at": run.now,
            "source_updated_at": max(sources) if sources else None,
        }
    )
    events: list[KringEvent] = []
    if before.status == "published":
        events.append(_closed_event(vacancy, "deleted", run))
    return replace(current, vacancy=vacancy, post_live=False, closed_reason="deleted"), events


def _allowed_url(change: JobPostChanged) -> str | None:
    """The post's URL in its stored form if ambassadors may be sent there; None otherwise (logged
    with the reason)."""
    if change.url is None:
        if change.live:
            logger.error("live vacancy without a public URL: is the job board configured?")
            metrics.add_metric(name="VacancyWithoutUrl", unit="Count", value=1)
        return None
    from kring.intake import vacancy_urls  # the URL parser only where vacancies are written

    verdict = vacancy_urls.check(change.provider, change.url)
    if verdict.url is None:
        logger.error(
            "vacancy URL refused: not published",
            extra={
                "provider": change.provider,
                "post_id": change.post_id,
                "host": verdict.host,
                "reason": verdict.reason,
            },
        )
        metrics.add_metric(name="VacancyUrlRejected", unit="Count", value=1)
    return verdict.url


def _published_event(vacancy: Vacancy, run: _Run) -> VacancyPublished:
    if vacancy.url is None:  # guarded by _settle: only a vacancy with an allowed URL is published
        raise ValueError(f"published vacancy {vacancy.id} without a URL")
    return VacancyPublished(
        vacancy_id=vacancy.id,
        provider=vacancy.provider,
        external_id=vacancy.external_id,
        external_job_id=vacancy.external_job_id,
        title=vacancy.title,
        url=vacancy.url,
        department=vacancy.department,
        location=vacancy.location,
        tags=vacancy.tags,
        language=vacancy.language,
        occurred_at=run.now,
        correlation_id=run.correlation_id,
    )


def _closed_event(vacancy: Vacancy, reason: str, run: _Run) -> VacancyClosed:
    return VacancyClosed.model_validate(
        {
            "vacancy_id": vacancy.id,
            "provider": vacancy.provider,
            "external_id": vacancy.external_id,
            "reason": reason,
            "occurred_at": run.now,
            "correlation_id": run.correlation_id,
        }
    )


# ------------------------------------------------------------------------------------- writes
def _mutate(run: _Run, vid: str, decide: Callable[[StoredVacancy | None], _Decision]) -> None:
    """Read, decide, write conditionally on what was read; on a lost race read again.

    The decided events are stored with the write and published after it; a stored vacancy whose
    events were never published (the publish failed, the provider retried) publishes them now.
    """
    repository = run.repository
    for _attempt in range(MAX_ATTEMPTS):
        current = repository.get(vid)
        decided = decide(current)
        if decided is None:
            if current is not None and current.pending_events:
                _flush(run, current)
            return
        target, events = decided
        carried = current.pending_events if current else ()
        stored = replace(
            target,
            revision=(current.revision if current else 0) + 1,
            pending_events=carried + tuple(_encode(e) for e in events),
        )
        try:
            repository.put(stored, expected_revision=current.revision if current else None)
        except ConflictError:
            logger.info("vacancy changed while being written: reading it again", extra={"vacancy_id": vid})
            continue
        logger.info(
            "vacancy stored",
            extra={
                "vacancy_id": vid,
                "status": stored.vacancy.status,
                "events": [e.detail_type() for e in events],
            },
        )
        if stored.pending_events:
            _flush(run, stored)
        return
    raise TransientError(f"vacancy {vid} kept changing underneath; retry the delivery")


def _flush(run: _Run, stored: StoredVacancy) -> None:
    run.publisher.publish(_decode(stored.pending_events))
    run.repository.clear_pending(stored.vacancy.id, stored.revision)
    for name in (json.loads(e)["type"] for e in stored.pending_events):
        metrics.add_metric(name=name, unit="Count", value=1)


def _encode(event: KringEvent) -> str:
    return json.dumps({"type": event.detail_type(), "detail": event.model_dump(mode="json")})


def _decode(pending: Sequence[str]) -> list[KringEvent]:
    out: list[KringEvent] = []
    for raw in pending:
        data = json.loads(raw)
        out.append(event_type(data["type"]).model_validate(data["detail"]))
    return out

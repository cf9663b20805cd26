"""What Kring does with a verified ATS delivery, whichever provider sent it.

``POST /webhooks/{provider}`` → :func:`receive_webhook`: verify and normalise
(:func:`kring.integrations.ats.registry.open_delivery`), then, once per delivery id, apply its changes:

- vacancy changes (posts and jobs) → :mod:`kring.intake.vacancies` (``VacancyPublished`` / ``VacancyClosed``);
- candidate changes → :mod:`kring.intake.candidates` → ``ApplicationReceived``, ``CandidateStageChanged``,
  ``CandidateHired``, ``CandidateUnhired``, ``ApplicationRejected`` on the bus;
- ids-only deliveries (:class:`~kring.integrations.ats.base.FetchNeeded`) → ``AtsFetchQueue``, so the
  webhook answers within the provider's time limit and the API calls are retried (then parked in
  a DLQ) by ``ats_fetch`` → :func:`fetch`, which applies what the API returned the same way.

Every normalised candidate event has an ``event_id`` that is the same on every redelivery
(``<provider>:<delivery id>:<index>``), and the attribution that consumes them is idempotent too.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from kring import safe_json
from kring.dal import ats_deliveries
from kring.dal.vacancies import VacancyRepository
from kring.errors import InvalidInputError, PayloadTooLargeError, UnauthorizedError
from kring.events import KringEvent
from kring.idempotency import idempotent
from kring.intake import candidates, vacancies
from kring.integrations.ats import registry
from kring.integrations.ats.base import (
    ApplicationSubmitted,
    Change,
    Delivery,
    FetchNeeded,
    Hired,
    Rejected,
    Reply,
    StageChanged,
    Unhired,
    VacancyChange,
)
from kring.integrations.eventbridge import EventPublisher, default_publisher
from kring.integrations.sqs import FetchQueue, SqsFetchQueue
from kring.observability import logger, metrics

_CANDIDATE_CHANGES = (ApplicationSubmitted, StageChanged, Hired, Unhired, Rejected)


class FetchMessage(BaseModel):
    """The body of an ``AtsFetchQueue`` message."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    origin: str = Field(min_length=1, max_length=300, description="<provider>:<delivery id>:<index>")
    request: FetchNeeded


# ------------------------------------------------------------------------------------ webhooks
def receive_webhook(
    provider: str,
    headers: Mapping[str, str],
    raw_body: bytes,
    *,
    publisher: EventPublisher | None = None,
    fetch_queue: FetchQueue | None = None,
    repository: VacancyRepository | None = None,
) -> Reply:
    """One ATS webhook request: verified, normalised, applied once per delivery id.

    Raises the errors of :func:`kring.integrations.ats.registry.open_delivery` (404, 413, 401, 400) before
    anything is stored; anything else propagates, so the provider retries.
    """
    try:
        opened = registry.open_delivery(provider, headers, raw_body)
    except _NOTED_REFUSALS as exc:
        if provider in registry.PROVIDER_NAMES:  # never an item for a name anyone may type
            ats_deliveries.record_error(provider, datetime.now(UTC), _refusal(exc))
        raise
    if isinstance(opened, Reply):
        return opened
    ats_deliveries.record_delivery(opened.provider, datetime.now(UTC))  # the team digest's "silent ATS"
    about = {"provider": opened.provider, "delivery_id": opened.delivery_id, "ats_event": opened.event}
    if not opened.changes:
        logger.info("webhook needs nothing from Kring: acknowledged and ignored", extra=about)
        metrics.add_metric(name="WebhookIgnored", unit="Count", value=1)
        return Reply(opened.ack_status, {"received": True})
    summary = apply_delivery(
        record=opened, publisher=publisher, fetch_queue=fetch_queue, repository=repository
    )
    logger.info("webhook applied", extra={**about, "result": summary})
    metrics.add_metric(name="WebhookApplied", unit="Count", value=1)
    return Reply(opened.ack_status, {"received": True})


# A refused delivery noted on the ATS's status (the dashboard's "last error"): its status and
# Kring's code for it, never anything the request carried. An unconnected provider (404) is not.
_NOTED_REFUSALS = (UnauthorizedError, PayloadTooLargeError, InvalidInputError)


def _refusal(exc: Exception) -> str:
    if isinstance(exc, UnauthorizedError):
        return "401 unauthorized"
    if isinstance(exc, PayloadTooLargeError):
        return "413 payload_too_large"
    return "400 bad_request"


@idempotent(
    "join(':', [provider, delivery_id])",
    stored_as="kring.ats_intake.apply_delivery",  # its records' name before it moved into intake/
)
def apply_delivery(
    *,
    record: Delivery,
    publisher: EventPublisher | None = None,
    fetch_queue: FetchQueue | None = None,
    repository: VacancyRepository | None = None,
) -> dict[str, Any]:
    """Apply every change of one delivery; a repeat of the same delivery id does nothing."""
    return apply_changes(
        record.changes,
        origin=f"{record.provider}:{record.delivery_id}",
        publisher=publisher or default_publisher(),
        fetch_queue=fetch_queue,
        repository=repository,
    )


def apply_changes(
    changes: Sequence[Change],
    *,
    origin: str,
    publisher: EventPublisher,
    fetch_queue: FetchQueue | None = None,
    repository: VacancyRepository | None = None,
) -> dict[str, Any]:
    """Vacancy changes to the vacancy logic, candidate changes onto the bus, fetches onto the
    fetch queue. ``origin`` makes each candidate event's id (and the correlation id)."""
    vacancy_changes: list[VacancyChange] = []
    candidate_events: list[KringEvent] = []
    fetches: list[FetchMessage] = []
    for index, change in enumerate(changes):
        if isinstance(change, FetchNeeded):
            fetches.append(FetchMessage(origin=f"{origin}:{index}"[:300], request=change))
        elif isinstance(change, _CANDIDATE_CHANGES):
            candidate_events.append(
                candidates.to_event(change, event_id=f"{origin}:{index}", correlation_id=origin)
            )
        else:
            vacancy_changes.append(change)
    touched: list[str] = []
    if vacancy_changes:
        touched = vacancies.apply_changes(
            vacancy_changes,
            publisher=publisher,
            repository=repository or VacancyRepository(),
            correlation_id=origin[:128],
        )
    if candidate_events:
        publisher.publish(candidate_events)
    if fetches:
        queue = fetch_queue or SqsFetchQueue()
        for message in fetches:
            queue.enqueue_fetch(message.model_dump_json())
    metrics.add_metric(name="CandidateEventsPublished", unit="Count", value=len(candidate_events))
    return {"vacancies": touched, "candidate_events": len(candidate_events), "fetches": len(fetches)}


# ------------------------------------------------------------------------------------ fetches
def parse_fetch_message(body: str) -> FetchMessage:
    """An AtsFetchQueue message; :class:`InvalidInputError` when it can never be one."""
    return safe_json.parse(body, FetchMessage.model_validate, invalid="not a fetch message")


def fetch(
    message: FetchMessage,
    *,
    publisher: EventPublisher | None = None,
    repository: VacancyRepository | None = None,
) -> dict[str, Any]:
    """Call the provider's API for an ids-only delivery and apply what it returned. Safe to
    repeat: the events it publishes keep the ids a first run gave them, and their consumers are
    idempotent. :class:`~kring.errors.TransientError` (a 5xx, a timeout, a rate limit) propagates
    so the queue retries; an unusable answer is :class:`InvalidInputError` (parked in the DLQ)."""
    provider = registry.fetching_provider(message.request.provider)
    changes = provider.fetch(message.request)
    if any(isinstance(change, FetchNeeded) for change in changes):
        raise InvalidInputError("a fetch may not ask for another fetch")
    return apply_changes(
        changes,
        origin=message.origin,
        publisher=publisher or default_publisher(),
        repository=repository,
    )

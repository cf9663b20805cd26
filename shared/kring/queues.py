"""SQS message contracts: what Kring's own queues carry.

The link activity queue carries the EventBridge envelopes of ``LinkClicked`` and ``ShareIntended``.

The fan-out queue carries two shapes: the EventBridge envelope of ``VacancyPublished`` (put there
by the rule) and :class:`FanoutPage` (the next page, put there by the fan-out itself). Both become
a ``FanoutPage``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Annotated, TypeVar

from aws_lambda_powertools.metrics import MetricUnit
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from kring import safe_json
from kring.errors import InvalidInputError
from kring.events import (
    CandidateHired,
    KringEvent,
    LinkClicked,
    ShareIntended,
    VacancyPublished,
    envelope_model,
)
from kring.models.common import AmbassadorId
from kring.observability import logger, metrics

E = TypeVar("E", bound=KringEvent)


class FanoutPage(BaseModel):
    """One page of one fan-out: the first comes from ``VacancyPublished``, the rest from the last."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: str = Field(default="FanoutPage", pattern="^FanoutPage$")
    origin_event_id: str = Field(min_length=1, max_length=128)
    page: int = Field(ge=0)
    vacancy: VacancyPublished
    cursor: dict[str, str] | None = None

    @property
    def page_id(self) -> str:
        return f"{self.origin_event_id}:{self.page}"


def parse_fanout_message(body: str) -> FanoutPage:
    """A fan-out queue message as a page; :class:`InvalidInputError` when it can never be one."""
    try:
        data = safe_json.loads(body)
        if isinstance(data, dict) and "detail-type" in data:
            envelope = envelope_model(VacancyPublished).model_validate(data)
            detail = envelope.detail  # type: ignore[attr-defined]
            return FanoutPage(origin_event_id=envelope.id, page=0, vacancy=detail)  # type: ignore[attr-defined]
        return FanoutPage.model_validate(data)
    except (ValueError, ValidationError, safe_json.InvalidJsonError) as exc:
        raise InvalidInputError(f"not a fan-out message: {exc}") from exc


def parse_link_activity_message(body: str) -> LinkClicked | ShareIntended:
    """A link activity queue message (the EventBridge envelope of ``LinkClicked`` or
    ``ShareIntended``, put there by LinkActivityRule) as its event; :class:`InvalidInputError`
    when it can never be one."""
    try:
        data = safe_json.loads(body)
        if not isinstance(data, dict):
            raise ValueError("not a JSON object")
        detail_type = data.get("detail-type")
        event_class = {cls.detail_type(): cls for cls in (LinkClicked, ShareIntended)}.get(str(detail_type))
        if event_class is None:
            raise ValueError(f"unexpected detail-type {detail_type!r}")
        envelope = envelope_model(event_class).model_validate(data)
    except (ValueError, ValidationError, safe_json.InvalidJsonError) as exc:
        raise InvalidInputError(f"not a link activity event: {exc}") from exc
    detail: LinkClicked | ShareIntended = envelope.detail  # type: ignore[attr-defined]
    return detail


def batch_recorder(
    bodies: Mapping[str, str],
    *,
    parse: Callable[[str], E],
    prefetch: Callable[[Sequence[E]], object],
    record: Callable[[E], str],
    rejected: tuple[str, str],
) -> Callable[[str], str]:
    """One SQS batch (message id → body) for a consumer that reads once per batch: parse every
    message, ``prefetch`` what the valid ones depend on in one go, and return the function that
    records one of them by its message id (for Powertools' batch processor). That function raises
    the message's :class:`InvalidInputError` — logged at ERROR as ``rejected[0]`` and counted as
    the metric ``rejected[1]`` — for a message ``parse`` refused, so that the message alone fails,
    is retried and, in the end, parked; whatever ``record`` raises propagates the same way."""
    parsed: dict[str, E | InvalidInputError] = {}
    for message_id, body in bodies.items():
        try:
            parsed[message_id] = parse(body)
        except InvalidInputError as exc:
            parsed[message_id] = exc
    prefetch([p for p in parsed.values() if not isinstance(p, InvalidInputError)])
    what, metric = rejected

    def record_message(message_id: str) -> str:
        event = parsed[message_id]
        if isinstance(event, InvalidInputError):
            logger.error(what, extra={"message_id": message_id, "reason": str(event)[:500]})
            metrics.add_metric(name=metric, unit=MetricUnit.Count, value=1)
            raise event
        with logger.append_context_keys(correlation_id=event.correlation_id):  # this record's only
            return record(event)

    return record_message


# --- ambassador imports ---------------------------------------------------------------------------
MAX_IMPORT_CHUNK_LINES = 98  # one transaction: the lines' profiles, the chunk's record, the job's counters


class ImportLine(BaseModel):
    """One line of an uploaded file: its cells by column, or why it could not be read."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    line: int = Field(ge=2)
    id: str | None = Field(default=None, max_length=8192)
    cells: dict[str, str] | None = None
    errors: list[dict[str, str]] | None = None


class ImportChunk(BaseModel):
    """One chunk of an import job (ImportQueue): consecutive lines of the file, applied together,
    exactly once (its record is written with its profiles)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: str = Field(default="AmbassadorImportChunk", pattern="^AmbassadorImportChunk$")
    version: int = Field(default=1, ge=1, le=1)
    job_id: str = Field(pattern=r"^[0-9a-f]{32}$")
    chunk: int = Field(ge=0)
    lines: list[ImportLine] = Field(min_length=1, max_length=MAX_IMPORT_CHUNK_LINES)


def parse_import_chunk(body: str) -> ImportChunk:
    """An import queue message; :class:`InvalidInputError` when it can never be one."""
    try:
        return ImportChunk.model_validate_json(body)
    except ValidationError as exc:
        raise InvalidInputError(f"not an import chunk: {exc}") from exc


# --- mail -----------------------------------------------------------------------------------------
MAIL_KIND_PATTERN = r"^[a-z][a-z0-9_]{1,40}$"
PERIOD_KEY_PATTERN = r"^[A-Za-z0-9:._-]{1,100}$"


class MailJob(BaseModel):
    """One mail to send (MailQueue): a kind (:mod:`kring.mail.kinds`), its recipient (an ambassador
    id, or a team recipient id for the talent team's kinds), the period it reports on
    (``weekly:2026-W49``) or the notice's own id (a reward id), and what the kind needs
    (``params``: short strings, never anything personal about anyone else). Recipient, kind and
    period are the once-only key: a job sent twice sends one mail."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: str = Field(pattern=MAIL_KIND_PATTERN)
    version: int = Field(default=1, ge=1, le=1)
    recipient: AmbassadorId
    period_key: str = Field(pattern=PERIOD_KEY_PATTERN)
    params: dict[str, Annotated[str, StringConstraints(max_length=500)]] = Field(
        default_factory=dict, max_length=20
    )
    correlation_id: str | None = Field(default=None, max_length=128)


def parse_mail_message(body: str) -> MailJob | CandidateHired:
    """A mail queue message: a :class:`MailJob`, or the envelope of ``CandidateHired`` (put there by
    MailHireRule: the hire notice is decided from it). :class:`InvalidInputError` for anything else."""
    try:
        data = safe_json.loads(body)
        if isinstance(data, dict) and "detail-type" in data:
            envelope = envelope_model(CandidateHired).model_validate(data)
            hired: CandidateHired = envelope.detail  # type: ignore[attr-defined]
            return hired
        return MailJob.model_validate(data)
    except (ValueError, ValidationError, safe_json.InvalidJsonError) as exc:
        raise InvalidInputError(f"not a mail job: {exc}") from exc

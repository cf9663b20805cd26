"""SQS message contracts: what Kring's own queues carry.

The link activity queue carries the EventBridge envelopes of ``LinkClicked`` and ``ShareIntended``;
the instant-notice queue those of ``SharesCreated``.

The fan-out queue carries the pages of two flows, in one FIFO message group so that they never
race on an ambassador's weekly cap: the EventBridge envelope of ``VacancyPublished`` (put there by
VacancyPublishedRule) and :class:`FanoutPage` (the next page, put there by the fan-out itself)
become a ``FanoutPage``; the envelopes of ``AmbassadorChanged`` and ``AmbassadorPhaseChanged``
(put there by AmbassadorEligibilityRule) and :class:`CatchupPage` (the catch-up's next page)
become a ``CatchupPage``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Annotated, Any, TypeVar, cast

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import (
    BatchProcessor,
    EventType,
    SqsFifoPartialProcessor,
    process_partial_response,
)
from aws_lambda_powertools.utilities.batch.exceptions import (
    BatchProcessingError,
    ExceptionInfo,
    SQSFifoCircuitBreakerError,
)
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from kring import safe_json
from kring.errors import FieldValidationError, InvalidInputError, TransientError
from kring.events import (
    AmbassadorChanged,
    AmbassadorPhaseChanged,
    ApplicationAttributed,
    CandidateHired,
    Envelope,
    KringEvent,
    LinkClicked,
    ShareIntended,
    SharesCreated,
    VacancyPublished,
    parse_envelope,
)
from kring.models.common import SHARING_PHASES, AmbassadorId
from kring.observability import logger, metrics

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
    from aws_lambda_powertools.utilities.typing import LambdaContext

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


class CatchupPage(BaseModel):
    """One page of one catch-up (:mod:`kring.sharing.catchup`): the open vacancies an ambassador
    who may have become eligible gets the missing links for. The first page comes from
    ``AmbassadorChanged`` or ``AmbassadorPhaseChanged``, the rest from the page before."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: str = Field(default="CatchupPage", pattern="^CatchupPage$")
    origin_event_id: str = Field(min_length=1, max_length=128)
    page: int = Field(ge=0)
    ambassador_id: AmbassadorId
    correlation_id: str = Field(min_length=1, max_length=128)
    announced_eligible: bool = Field(
        default=True, description="What the event said; False: nothing to do, nothing read"
    )
    cursor: dict[str, str] | None = None

    @property
    def page_id(self) -> str:
        return f"catchup:{self.origin_event_id}:{self.page}"


SharingPage = FanoutPage | CatchupPage


def parse_fanout_message(body: str) -> SharingPage:
    """A fan-out queue message as a page of a fan-out or of a catch-up; :class:`InvalidInputError`
    when it can never be one."""
    return safe_json.parse(body, _sharing_page, invalid="not a fan-out message")


def _sharing_page(data: object) -> SharingPage:
    if isinstance(data, dict) and "detail-type" in data:
        envelope: Envelope[VacancyPublished | AmbassadorChanged | AmbassadorPhaseChanged] = parse_envelope(
            data, VacancyPublished, AmbassadorChanged, AmbassadorPhaseChanged
        )
        detail = envelope.detail
        if isinstance(detail, VacancyPublished):
            return FanoutPage(origin_event_id=envelope.id, page=0, vacancy=detail)
        if isinstance(detail, AmbassadorChanged):
            announced = detail.eligible
        else:
            announced = detail.to_phase in SHARING_PHASES and not detail.dormant
        return CatchupPage(
            origin_event_id=envelope.id,
            page=0,
            ambassador_id=detail.ambassador_id,
            correlation_id=detail.correlation_id,
            announced_eligible=announced,
        )
    if isinstance(data, dict) and data.get("kind") == "CatchupPage":
        return CatchupPage.model_validate(data)
    return FanoutPage.model_validate(data)


def parse_link_activity_message(body: str) -> LinkClicked | ShareIntended:
    """A link activity queue message (the EventBridge envelope of ``LinkClicked`` or
    ``ShareIntended``, put there by LinkActivityRule) as its event; :class:`InvalidInputError`
    when it can never be one."""
    return safe_json.parse(body, _link_activity, invalid="not a link activity event")


def _link_activity(data: object) -> LinkClicked | ShareIntended:
    envelope: Envelope[LinkClicked | ShareIntended] = parse_envelope(data, LinkClicked, ShareIntended)
    return envelope.detail


def parse_shares_created_message(body: str) -> Envelope[SharesCreated]:
    """An instant-notice queue message (the EventBridge envelope of ``SharesCreated``, put there by
    MailInstantRule), whole: its event id names the batch it opens. :class:`InvalidInputError`
    when it can never be one."""
    return safe_json.parse(body, _shares_created, invalid="not a SharesCreated event")


def _shares_created(data: object) -> Envelope[SharesCreated]:
    return parse_envelope(data, SharesCreated)


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
            details = event.details[:10] if isinstance(event, FieldValidationError) else []
            logger.error(
                what, extra={"message_id": message_id, "reason": str(event)[:500], "details": details}
            )
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
    return safe_json.parse(body, ImportChunk.model_validate, invalid="not an import chunk")


class TransientBatchError(BatchProcessingError, TransientError):
    """Every record of a batch failed, and each for a :class:`TransientError` (records a FIFO
    batch did not reach after one aside): the invocation still fails, as Powertools fails it, so
    the platform retries the batch; it reads as one line (the reasons), not the records'
    tracebacks, for nothing unexpected happened."""

    def __init__(self, child_exceptions: list[ExceptionInfo]) -> None:
        super().__init__(
            f"every record of the batch is to be retried: {_reasons(child_exceptions)}", child_exceptions
        )

    def __str__(self) -> str:
        return str(self.msg)


def _reasons(child_exceptions: Sequence[ExceptionInfo]) -> str:
    reasons = dict.fromkeys(
        f"{type(exc).__name__}: {str(exc)[:200]}"
        for _type, exc, _tb in child_exceptions
        if isinstance(exc, TransientError)
    )
    return "; ".join(reasons)


def _only_transient(error: BatchProcessingError) -> bool:
    failures = [exc for _type, exc, _tb in error.child_exceptions]
    return any(isinstance(exc, TransientError) for exc in failures) and all(
        isinstance(exc, (TransientError, SQSFifoCircuitBreakerError)) for exc in failures
    )


def _logging_transient(record_handler: Callable[[SQSRecord], object]) -> Callable[[SQSRecord], object]:
    """``record_handler``, logging a :class:`TransientError` it raises as one WARNING line (the
    message id and the reason), not a traceback: an expected retry, not a fault."""

    def handle(record: SQSRecord) -> object:
        try:
            return record_handler(record)
        except TransientError as exc:
            logger.warning(
                "message to be retried",
                extra={
                    "message_id": record.message_id,
                    "error": type(exc).__name__,
                    "reason": str(exc)[:500],
                },
            )
            raise

    return handle


def process_batch(
    event: Mapping[str, Any],
    context: LambdaContext,
    record_handler: Callable[[SQSRecord], object],
    *,
    fifo: bool = False,
) -> dict[str, Any]:
    """Every record of an SQS batch through ``record_handler``, with Powertools' partial batch
    response: a standard queue reports each failed record on its own (``batchItemFailures``), so
    one bad message never holds back the rest; a FIFO queue (``fifo=True``) stops at the first
    failure and reports it and everything after it, so order is kept. When every record failed,
    the invocation fails (:class:`BatchProcessingError`; :class:`TransientBatchError` when each
    failure was a :class:`TransientError`). A :class:`TransientError` is logged as one line."""
    processor: BatchProcessor | SqsFifoPartialProcessor = (
        SqsFifoPartialProcessor() if fifo else BatchProcessor(event_type=EventType.SQS)
    )
    try:
        response = process_partial_response(
            event=dict(event),
            record_handler=_logging_transient(record_handler),
            processor=processor,
            context=context,
        )
    except BatchProcessingError as exc:
        if type(exc) is BatchProcessingError and _only_transient(exc):
            raise TransientBatchError(exc.child_exceptions) from None
        raise
    return dict(response)


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


MailTrigger = CandidateHired | ApplicationAttributed


def parse_mail_message(body: str) -> MailJob | MailTrigger:
    """A mail queue message: a :class:`MailJob`, or the envelope of ``CandidateHired`` or
    ``ApplicationAttributed`` (put there by MailHireRule and MailCreditRule: the hire notice is
    decided from either). :class:`InvalidInputError` for anything else."""
    return safe_json.parse(body, _mail_message, invalid="not a mail job")


def _mail_message(data: object) -> MailJob | MailTrigger:
    if isinstance(data, dict) and "detail-type" in data:
        # one of the two kinds asked for (parse_envelope's type is their common base)
        return cast("MailTrigger", parse_envelope(data, CandidateHired, ApplicationAttributed).detail)
    return MailJob.model_validate(data)


def process_recorded_batch(
    event: Mapping[str, Any],
    context: LambdaContext,
    message_recorder: Callable[[Mapping[str, str]], Callable[[str], str]],
) -> dict[str, Any]:
    """:func:`process_batch` for a consumer that reads once per batch: ``message_recorder`` is
    given the whole batch (message id → body, see :func:`batch_recorder`) and returns the function
    that records one message by its id."""
    record_message = message_recorder(
        {record["messageId"]: record["body"] for record in event.get("Records") or []}
    )

    def record_handler(record: SQSRecord) -> str:
        return record_message(record.message_id)

    return process_batch(event, context, record_handler)

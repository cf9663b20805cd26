"""Importing a file of ambassadors, as a job: the upload is read and split into chunks at once
(:func:`start_import`, the API's 202), the chunks are applied in the background
(:func:`apply_chunk`, ImportQueue → AmbassadorImportFunction), and the job's progress and
line-by-line report are read back (:func:`report`).

Each line changes only what its file says (:mod:`kring.roster.columns`): a column the file does
not carry keeps the stored value. Each line's outcome — ``created``, ``updated`` (with the
fields that changed), ``unchanged`` or ``error`` (with every field's reason) — and whether the
ambassador may now be given share links (and if not, why) is recorded with the job, in the same
transaction as the chunk's profiles: a chunk delivered twice is applied once.

The report names fields, never their values: it is kept for 30 days and holds no names,
addresses, departments or interests (an erasure must not leave them behind in it).
"""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from aws_lambda_powertools.metrics import MetricUnit
from pydantic import TypeAdapter, ValidationError

from kring import config
from kring.dal import ambassadors as repository
from kring.dal import batch, keys
from kring.dal import import_jobs as jobs
from kring.dal.import_jobs import ImportJob, ImportJobRepository, StaleReadError
from kring.errors import (
    FieldValidationError,
    InvalidInputError,
    NotFoundError,
    PayloadTooLargeError,
    TransientError,
)
from kring.events import AmbassadorChanged
from kring.integrations.eventbridge import EventPublisher, default_publisher
from kring.integrations.sqs import ImportQueue
from kring.links import identity
from kring.models.ambassador import Ambassador
from kring.models.common import AmbassadorId
from kring.observability import logger, metrics
from kring.queues import MAX_IMPORT_CHUNK_LINES, ImportChunk, ImportLine
from kring.roster import ambassadors, columns, csv_files

__all__ = [
    "ImportReport",
    "Preview",
    "apply_chunk",
    "preview",
    "report",
    "start_import",
    "status_of",
]

if MAX_IMPORT_CHUNK_LINES != jobs.PROFILES_PER_CHUNK:  # pragma: no cover - a constant checked once
    raise RuntimeError("a chunk's lines must fit the transaction that records it")

MAX_CHUNK_BYTES = 200_000  # an SQS message is at most 256 KB
MAX_APPLY_ATTEMPTS = 5
JOB_ID_PATTERN = r"^[0-9a-f]{32}$"
REPORT_CHUNKS_PER_READ = 10  # chunk records a Query of the report reads (about 1,000 lines)
REPORT_READS_PER_PAGE = 3
LineStatus = Literal["created", "updated", "unchanged", "error"]
LINE_STATUSES: tuple[LineStatus, ...] = ("created", "updated", "unchanged", "error")
JobStatus = Literal["queued", "running", "completed", "failed"]
_METRICS = {
    "created": "AmbassadorsCreated",
    "updated": "AmbassadorsUpdated",
    "failed": "AmbassadorImportLineErrors",
}

_ID = TypeAdapter(AmbassadorId)


def _now() -> datetime:
    return datetime.now(UTC)


# --- the upload ----------------------------------------------------------------------------------
def start_import(
    body: bytes, content_type: str | None, *, queue: ImportQueue, now: datetime | None = None
) -> ImportJob:
    """Read an uploaded file (raw CSV or a ``multipart/form-data`` form), record the job and
    queue its chunks; the job to follow. Nothing is imported yet.

    Raises :class:`PayloadTooLargeError` for a body over ``IMPORT_MAX_BYTES`` and
    :class:`InvalidInputError` for one that is no CSV text with a header row naming ``id``.
    If its chunks cannot all be queued, the job is marked failed and the error propagates.
    """
    upload, encoding, parsed = _read_upload(body, content_type)
    job_id = uuid.uuid4().hex
    chunks = list(_chunks(job_id, parsed.lines))
    job = ImportJob(
        job_id=job_id,
        created_at=now or _now(),
        filename=upload.filename[:255] if upload.filename else None,
        size_bytes=len(upload.data),
        encoding=encoding,
        delimiter=parsed.delimiter,
        columns=parsed.columns,
        lines=len(parsed.lines),
        chunks=len(chunks),
    )
    ImportJobRepository().put_job(job)
    try:
        queue.enqueue_chunks([c.model_dump_json(exclude_none=True) for c in chunks])
    except Exception as exc:
        _abandon(job_id, exc)
        raise
    metrics.add_metric(name="AmbassadorImportsStarted", unit=MetricUnit.Count, value=1)
    logger.info(
        "ambassador import queued", extra={"job_id": job_id, "lines": job.lines, "chunks": job.chunks}
    )
    return job


def _read_upload(body: bytes, content_type: str | None) -> tuple[csv_files.Upload, str, csv_files.CsvFile]:
    """The file of an upload, its encoding and its lines (the checks :func:`start_import` names)."""
    limit = config.api().import_max_bytes
    if len(body) > limit:
        raise PayloadTooLargeError(f"the upload is {len(body)} bytes; at most {limit} bytes are accepted")
    upload = csv_files.upload_of(body, content_type)
    text, encoding = csv_files.decode(upload.data)
    return upload, encoding, csv_files.read(text, encoding)


def _abandon(job_id: str, exc: Exception) -> None:
    """Mark the job failed, best effort: the error being handled is the one that matters."""
    try:
        ImportJobRepository().mark_abandoned(
            job_id, f"the file could not be queued ({type(exc).__name__}): upload it again"
        )
    except Exception:  # the original error propagates
        logger.exception("could not mark an import job abandoned", extra={"job_id": job_id})


def _line_bytes(line: csv_files.CsvLine) -> int:
    cells = line.cells or {}
    return 48 + sum(len(k) + len(v.encode()) + 8 for k, v in cells.items()) + 200 * len(line.errors or ())


def _chunks(job_id: str, lines: Sequence[csv_files.CsvLine]) -> Iterator[ImportChunk]:
    """Consecutive lines, at most :data:`MAX_IMPORT_CHUNK_LINES` and about ``MAX_CHUNK_BYTES`` a chunk."""
    current: list[ImportLine] = []
    size = 0
    number = 0
    for line in lines:
        length = _line_bytes(line)
        if current and (len(current) == MAX_IMPORT_CHUNK_LINES or size + length > MAX_CHUNK_BYTES):
            yield ImportChunk(job_id=job_id, chunk=number, lines=current)
            current, size, number = [], 0, number + 1
        current.append(ImportLine(line=line.line, id=line.id, cells=line.cells, errors=line.errors))
        size += length
    if current:
        yield ImportChunk(job_id=job_id, chunk=number, lines=current)


# --- applying a chunk --------------------------------------------------------------------------
@dataclass(frozen=True)
class _Decided:
    results: list[dict[str, Any]]
    counts: dict[str, int]
    actions: list[dict[str, Any]]
    pointers: list[tuple[str, str]]


def apply_chunk(
    chunk: ImportChunk,
    *,
    now: datetime | None = None,
    sleep: Callable[[float], None] = time.sleep,
    publisher: EventPublisher | None = None,
) -> dict[str, Any]:
    """Apply one chunk of an import exactly once: read the stored profiles of its lines, decide
    each line, and write the changed profiles with the chunk's record and the job's counters in
    one transaction. A chunk already recorded changes nothing. If a profile changed between the
    read and the write, the chunk is read and decided again (then :class:`TransientError`, so
    SQS retries it).

    After the transaction, the chunk's created and changed ambassadors are announced
    (``AmbassadorChanged``, 10 a PutEvents): the programme counts them on the roster, and the links
    of those eligible follow (the catch-up skips the others without a read). The
    line results record which (``announce``), so a redelivered chunk — one whose announcement
    failed — announces them again from its record (at least once; the catch-up makes nothing
    twice)."""
    at = now or _now()
    for attempt in range(MAX_APPLY_ATTEMPTS):
        ids = [line.id for line in chunk.lines if line.cells is not None and _valid_id(line.id)]
        stored = repository.AmbassadorRepository().get_many([i for i in ids if i is not None], sleep=sleep)
        decided = _decide(chunk.lines, stored, at)
        # E-mail pointers first: idempotent and verified against the profile on every use, so a
        # pointer written for a line that then loses its write is harmless.
        repository.AmbassadorRepository().put_email_pointers(decided.pointers, sleep=sleep)
        try:
            applied = ImportJobRepository().record_chunk(
                chunk.job_id,
                chunk.chunk,
                results=decided.results,
                counts=decided.counts,
                profile_actions=decided.actions,
                at=at,
            )
        except StaleReadError:
            batch.backoff(attempt, sleep)
            continue
        if applied:
            for name, metric in _METRICS.items():
                if decided.counts[name]:
                    metrics.add_metric(name=metric, unit=MetricUnit.Count, value=decided.counts[name])
        results = decided.results if applied else _recorded_results(chunk)
        announced = _announcements(results)
        if announced:
            (publisher or default_publisher()).publish(announced)
        return {
            "job_id": chunk.job_id,
            "chunk": chunk.chunk,
            "applied": applied,
            "announced": len(announced),
        }
    raise TransientError(f"import {chunk.job_id} chunk {chunk.chunk}: its profiles kept changing")


def _recorded_results(chunk: ImportChunk) -> list[dict[str, Any]]:
    """The line results recorded with the chunk (it was applied before): one Query."""
    for number, results in ImportJobRepository().chunk_results(chunk.job_id, chunk.chunk, 1):
        if number == chunk.chunk:
            return results
    return []


def _announcements(results: Sequence[Mapping[str, Any]]) -> list[AmbassadorChanged]:
    return [
        AmbassadorChanged(
            ambassador_id=str(r["id"]),
            eligible=bool(r["announce"].get("eligible", True)),
            was_eligible=bool(r["announce"].get("was_eligible")),
            interests_changed=bool(r["announce"].get("interests_changed")),
        )
        for r in results
        if r.get("announce")
    ]


def _valid_id(raw: str | None) -> bool:
    try:
        _ID.validate_python(raw)
    except ValidationError:
        return False
    return True


def _decide(lines: Sequence[ImportLine], stored: Mapping[str, repository.Stored], at: datetime) -> _Decided:
    results: list[dict[str, Any]] = []
    counts = dict.fromkeys(jobs.COUNTERS, 0)
    counts.update(chunks_done=1, lines_done=len(lines))
    actions: list[dict[str, Any]] = []
    pointers: list[tuple[str, str]] = []
    for line in lines:
        result: dict[str, Any] = {"line": line.line, "id": line.id}
        outcome = _line_outcome(line, stored, at)
        if isinstance(outcome, list):
            result.update(status="error", errors=outcome)
            counts["failed"] += 1
            results.append(result)
            continue
        status, ambassador, changed, action = outcome
        result["status"] = status
        counts[status] += 1
        if changed:
            result["changed"] = changed
        if action is not None:
            actions.append(action)
            email_hash = identity.email_hash(ambassador.email)
            if email_hash is not None and (status == "created" or "email" in changed):
                pointers.append((email_hash, ambassador.id))
        if action is not None:  # created or changed: the programme counts them, links may follow
            before = stored.get(ambassador.id)
            was = before.ambassador if before else None
            result["announce"] = {
                "eligible": ambassador.eligible_to_share,
                "was_eligible": was is not None and was.eligible_to_share,
                "interests_changed": was is not None
                and ambassadors.interests_of(was) != ambassadors.interests_of(ambassador),
            }
        reasons = list(ambassador.ineligibility)
        result["eligible"] = not reasons
        if reasons:
            result["not_eligible"] = reasons
        else:
            counts["eligible"] += 1
        for reason in reasons:
            counts[reason] += 1
        results.append(result)
    return _Decided(results, counts, actions, pointers)


def _line_outcome(
    line: ImportLine, stored: Mapping[str, repository.Stored], at: datetime
) -> list[dict[str, str]] | tuple[LineStatus, Ambassador, list[str], dict[str, Any] | None]:
    """A line's errors, or (status, the ambassador after it, the fields changed, the write)."""
    unreadable = _unreadable(line)
    if unreadable or line.cells is None or line.id is None:
        return unreadable
    changes, errors = columns.changes_of({k: v for k, v in line.cells.items() if k != "id"})
    seen = stored.get(line.id)
    try:
        wanted = ambassadors.merged(seen.ambassador if seen else None, {**changes, "id": line.id})
    except FieldValidationError as exc:
        return errors + exc.details
    if errors:
        return errors
    if seen is None:
        created = Ambassador.from_input(wanted, now=at)
        return "created", created, [], repository.AmbassadorRepository().create_action(created)
    changed = ambassadors.changed_fields(seen.ambassador, wanted)
    if not changed:
        return "unchanged", seen.ambassador, [], None
    updated = Ambassador.from_input(
        wanted, now=at, created_at=seen.ambassador.created_at, in_programme=seen.ambassador.in_programme
    )
    return "updated", updated, changed, repository.AmbassadorRepository().replace_action(updated, seen)


def _unreadable(line: ImportLine) -> list[dict[str, str]]:
    """The errors of a line that cannot be applied at all: unreadable, or without a valid id."""
    if line.cells is None:
        return list(line.errors or [{"field": "line", "message": "cannot be read"}])
    if not _valid_id(line.id):
        message = "required" if not line.id else "letters, digits and . _ : @ - only, at most 64"
        return [{"field": "id", "message": message}]
    return []


def record_failure(chunk: ImportChunk, exc: BaseException, *, now: datetime | None = None) -> None:
    """Note on the job that one of its chunks failed (it is retried, then parked in ImportDLQ),
    best effort: the failure itself propagates."""
    message = f"chunk {chunk.chunk} (lines {chunk.lines[0].line}-{chunk.lines[-1].line}) failed: {exc}"
    try:
        ImportJobRepository().note_failure(chunk.job_id, message, now or _now())
    except Exception:  # the chunk's own error is the one that propagates
        logger.exception("could not note an import failure", extra={"job_id": chunk.job_id})


# --- the report ----------------------------------------------------------------------------------
def status_of(job: ImportJob) -> JobStatus:
    if job.abandoned:
        return "failed"
    done = job.count("chunks_done")
    if done >= job.chunks:
        return "completed"
    return "running" if done else "queued"


@dataclass(frozen=True)
class ImportReport:
    job: ImportJob
    status: JobStatus
    warnings: list[str]
    lines: list[dict[str, Any]]
    position: keys.Key | None  # where the next page starts, or None: no more lines


def warnings_of(job: ImportJob) -> list[str]:
    """What a person must not miss in a finished import."""
    out: list[str] = []
    if job.abandoned:
        out.append(job.abandoned)
    if status_of(job) != "completed":
        return out
    valid = job.count("created") + job.count("updated") + job.count("unchanged")
    if valid and not job.count("eligible"):
        out.append(
            f"none of the {valid} ambassadors in this file can be given share links: "
            f"{job.count('not_opted_in')} not opted in, {job.count('phase')} not in phase decision or "
            f"evangelize, {job.count('dormant')} dormant"
        )
    if job.count("failed"):
        out.append(
            f"{job.count('failed')} of {job.lines} lines were not imported: see the lines with status error"
        )
    return out


def known_job_id(job_id: str) -> str:
    """A job id this API could have issued; anything else names no job (404)."""
    if not re.fullmatch(JOB_ID_PATTERN, job_id):
        raise NotFoundError(f"no import job {job_id!r}")
    return job_id


def report(
    job_id: str, *, limit: int, position: keys.Key | None = None, status: LineStatus | None = None
) -> ImportReport:
    """The job, and up to ``limit`` lines of its report in file order from ``position`` (only
    lines with ``status``, when given). Lines appear as their chunks are applied: a page stops at
    the first chunk not applied yet, and its position lets the caller come back for it."""
    job = ImportJobRepository().get_job(known_job_id(job_id))
    if job is None:
        raise NotFoundError(f"no import job {job_id!r}")
    chunk, after_line = 0, 0
    if position is not None:
        try:
            chunk, after_line = keys.import_report_position_of(job_id, position)
        except ValueError as exc:
            raise InvalidInputError("the next token is not a position in this report") from exc
    lines, chunk, after_line = _page(job, chunk, after_line, limit, status)
    return ImportReport(
        job=job,
        status=status_of(job),
        warnings=warnings_of(job),
        lines=lines,
        position=keys.import_report_position(job_id, chunk, after_line) if chunk < job.chunks else None,
    )


def _page(
    job: ImportJob, chunk: int, after_line: int, limit: int, status: LineStatus | None
) -> tuple[list[dict[str, Any]], int, int]:
    """The page's lines and where the next one starts (chunk, after line); at most
    ``REPORT_READS_PER_PAGE`` Queries (a page of a filtered report may so come back short)."""
    lines: list[dict[str, Any]] = []
    for _read in range(REPORT_READS_PER_PAGE):
        if chunk >= job.chunks:
            break
        records = ImportJobRepository().chunk_results(job.job_id, chunk, REPORT_CHUNKS_PER_READ)
        for number, results in records:
            if number != chunk:
                return lines, chunk, after_line  # that chunk is not applied yet
            for result in results:
                if result["line"] <= after_line:
                    continue
                if len(lines) == limit:
                    return lines, chunk, after_line
                after_line = result["line"]
                if status is None or result["status"] == status:
                    lines.append(result)
            chunk, after_line = chunk + 1, 0
        if len(records) < REPORT_CHUNKS_PER_READ or len(lines) == limit:
            break
    return lines, chunk, after_line


# --- the preview ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class FieldChange:
    """One field a line would set: its stored value (None for a new ambassador) and the new one."""

    field: str
    old: Any
    new: Any


@dataclass(frozen=True)
class PreviewLine:
    """What one line of the file would do: ``created``, ``updated`` (its field changes),
    ``unchanged`` or ``error`` (every field's reason), and why the ambassador would not be given
    share links after it (empty: they would)."""

    line: int
    id: str | None
    status: LineStatus
    changes: tuple[FieldChange, ...] = ()
    errors: tuple[dict[str, str], ...] = ()
    not_eligible: tuple[str, ...] = ()


@dataclass(frozen=True)
class Preview:
    columns: tuple[str, ...]
    encoding: str
    delimiter: str
    lines: tuple[PreviewLine, ...]

    def count(self, status: LineStatus) -> int:
        return sum(1 for line in self.lines if line.status == status)


def preview(body: bytes, content_type: str | None, *, now: datetime | None = None) -> Preview:
    """What importing the file would do, line by line, decided as :func:`apply_chunk` decides
    (the same columns, validation and merge) against the profiles stored now — read with
    BatchGetItem, never a Scan — and **nothing written**. The same errors as
    :func:`start_import` for a file that cannot be read. The import itself decides again when it
    runs: a profile changed in between is imported as it is then."""
    _upload, encoding, parsed = _read_upload(body, content_type)
    at = now or _now()
    ids = {line.id for line in parsed.lines if line.cells is not None and _valid_id(line.id)}
    stored = repository.AmbassadorRepository().get_many([i for i in ids if i is not None])
    carried = tuple(c for c in parsed.columns if c != "id")
    out: list[PreviewLine] = []
    for line in parsed.lines:
        one = ImportLine(line=line.line, id=line.id, cells=line.cells, errors=line.errors)
        outcome = _line_outcome(one, stored, at)
        if isinstance(outcome, list):
            out.append(PreviewLine(line.line, line.id, "error", errors=tuple(outcome)))
            continue
        status, ambassador, changed, _write = outcome
        seen = stored.get(ambassador.id)
        if status == "created":
            changes = tuple(FieldChange(c, None, getattr(ambassador, c)) for c in carried)
        else:
            before = seen.ambassador if seen is not None else None
            changes = tuple(FieldChange(c, getattr(before, c, None), getattr(ambassador, c)) for c in changed)
        out.append(
            PreviewLine(
                line.line, line.id, status, changes=changes, not_eligible=tuple(ambassador.ineligibility)
            )
        )
    return Preview(
        columns=tuple(parsed.columns), encoding=encoding, delimiter=parsed.delimiter, lines=tuple(out)
    )

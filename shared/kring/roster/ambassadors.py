"""Ambassadors: the employees who share vacancies — create or replace, read, list, import, erase.

Pure logic over :mod:`kring.dal.ambassadors`: no HTTP shapes here, no boto3.
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from pydantic import TypeAdapter, ValidationError

from kring import config
from kring.dal import ambassadors as repository
from kring.dal.ambassadors import Saved
from kring.errors import FieldValidationError, InvalidInputError, NotFoundError, PayloadTooLargeError
from kring.intake import identity
from kring.models.ambassador import Ambassador, AmbassadorInput
from kring.models.common import AmbassadorId, Page
from kring.observability import logger, metrics

__all__ = [
    "CSV_COLUMNS",
    "ImportReport",
    "LineError",
    "ParsedCsv",
    "Saved",
    "erase_ambassador",
    "erasure_subject",
    "field_errors",
    "get_ambassador",
    "import_csv",
    "list_ambassadors",
    "parse_csv",
    "parse_input",
    "save_ambassador",
]

_ID = TypeAdapter(AmbassadorId)


def _now() -> datetime:
    return datetime.now(UTC)


# --- validation ------------------------------------------------------------------------------------
def field_errors(exc: ValidationError) -> list[dict[str, str]]:
    """pydantic's errors as ``[{field, message}]``, the shape every 422 and import report uses."""
    out = []
    for error in exc.errors(include_url=False, include_input=False):
        location = ".".join(str(part) for part in error["loc"]) or "body"
        message = str(error["msg"]).removeprefix("Value error, ")
        out.append({"field": location, "message": message})
    return out


def parse_input(data: object) -> AmbassadorInput:
    """Input for one ambassador (already parsed JSON), or :class:`FieldValidationError`."""
    try:
        return AmbassadorInput.model_validate(data)
    except ValidationError as exc:
        raise FieldValidationError("the ambassador is not valid", field_errors(exc)) from exc


def _known_id(ambassador_id: str) -> str:
    """An id that could exist; anything else cannot name an ambassador, so it is not found."""
    try:
        return _ID.validate_python(ambassador_id)
    except ValidationError as exc:
        raise NotFoundError(f"no ambassador with id {ambassador_id!r}") from exc


# --- one ambassador --------------------------------------------------------------------------------
def save_ambassador(data: AmbassadorInput, *, now: datetime | None = None) -> Saved:
    """Create the ambassador, or replace it keeping ``created_at`` (``Saved.created`` says which).

    The profile enters the fan-out's eligibility index only while opted in, not dormant and in a
    sharing phase; replacing it with anything else takes it out again.
    """
    saved = repository.save(Ambassador.from_input(data, now=now or _now()))
    _point_email(saved.ambassador)
    metrics.add_metric(
        name="AmbassadorsCreated" if saved.created else "AmbassadorsUpdated", unit=MetricUnit.Count, value=1
    )
    return saved


def _point_email(ambassador: Ambassador) -> None:
    """Let referral records that name the ambassador by e-mail find them: the keyed hash of the
    address → the id (:func:`kring.dal.ambassadors.put_email_pointer`), written after the profile.
    Idempotent; a pointer left by an old address is harmless (verified against the profile)."""
    email_hash = identity.email_hash(ambassador.email)
    if email_hash is not None:
        repository.put_email_pointer(email_hash, ambassador.id)


def get_ambassador(ambassador_id: str) -> Ambassador:
    found = repository.get(_known_id(ambassador_id))
    if found is None:
        raise NotFoundError(f"no ambassador with id {ambassador_id!r}")
    return found


def list_ambassadors(limit: int, cursor: Mapping[str, Any] | None = None) -> Page[Ambassador]:
    """One page of ambassadors in id order; ``cursor`` is the previous page's."""
    return repository.list_page(limit, cursor)


# --- erasure ---------------------------------------------------------------------------------------
def erasure_subject(ambassador_id: str) -> str:
    """The key of an erasure record: a hash of the employee id, so the record names nobody.

    Employee ids are not secret (share links keep them), so this is a domain-separated SHA-256
    rather than a keyed hash: it lets an operator answer "was employee X erased, and when?" and
    nothing more.
    """
    return hashlib.sha256(b"kring/erasure/v1\x00" + ambassador_id.encode("utf-8")).hexdigest()


def erase_ambassador(ambassador_id: str, *, now: datetime | None = None) -> bool:
    """Erase an ambassador (GDPR, right to erasure). True if erased now, False if already erased.

    Gone: the whole item collection ``AMB#<id>`` — the profile with every piece of personal data
    in it (name, e-mail, department, location, interests, locale) and with it the list and
    eligibility index entries, so the fan-out never selects the ambassador again; and the
    weekly share-cap ledgers; and the e-mail pointer that let referral records find them.

    Kept, anonymously: the share links already made and whatever is counted against them
    (clicks, applications, hires), and the reward ledger (what the organisation owes or paid
    for a referred hire is a financial record it must keep). They reference the ambassador by
    employee id only, which — without the profile — identifies nobody in Kring; deleting them
    would break links candidates already hold and rewrite the organisation's statistics and
    books.

    Recorded: an erasure record keyed by :func:`erasure_subject` with the time, written before
    anything is deleted, so a retry after a partial failure finishes the job, and a repeated
    erasure of the same id is recognised (False) rather than reported as unknown. Raises
    :class:`NotFoundError` for an id that was never known.
    """
    ambassador_id = _known_id(ambassador_id)
    subject = erasure_subject(ambassador_id)
    item_keys = repository.collection_keys(ambassador_id, keep_rewards=True)
    if not item_keys:
        if repository.erasure_recorded(subject):
            return False
        raise NotFoundError(f"no ambassador with id {ambassador_id!r}")
    profile = repository.get(ambassador_id)
    repository.put_erasure_record(subject, now or _now())
    email_hash = identity.email_hash(profile.email) if profile else None
    if email_hash is not None:
        repository.delete_email_pointer(email_hash, ambassador_id)
    repository.delete_keys(item_keys)
    metrics.add_metric(name="AmbassadorsErased", unit=MetricUnit.Count, value=1)
    logger.info("ambassador erased", extra={"erasure_subject": subject, "items_deleted": len(item_keys)})
    return True


# --- CSV import ------------------------------------------------------------------------------------
CSV_COLUMNS: tuple[str, ...] = (
    "id",
    "name",
    "email",
    "locale",
    "department",
    "location",
    "interests",
    "phase",
    "opted_in",
    "share_cap_per_week",
    "dormant",
)
REQUIRED_COLUMNS: tuple[str, ...] = ("id", "name", "email")
_LOWERCASED = frozenset({"locale", "phase", "opted_in", "dormant"})
_DUTCH_BOOLEANS = {"ja": "true", "nee": "false"}
_INTEREST_SEPARATORS = ("|", ";")


@dataclass(frozen=True)
class LineError:
    line: int
    id: str | None
    errors: list[dict[str, str]]


@dataclass
class ParsedCsv:
    """The valid rows (line number, input) and the errors of every other line."""

    rows: list[tuple[int, AmbassadorInput]] = field(default_factory=list)
    errors: list[LineError] = field(default_factory=list)


@dataclass(frozen=True)
class ImportReport:
    imported: int
    created: int
    updated: int
    errors: list[LineError]


def _delimiter(header_line: str) -> str:
    """Comma, unless the header is separated by semicolons (Excel in a Dutch locale)."""
    return ";" if header_line.count(";") > header_line.count(",") else ","


def _header(cells: Sequence[str]) -> list[str]:
    columns = [c.strip().lower() for c in cells]
    unknown = [c for c in columns if c not in CSV_COLUMNS]
    missing = [c for c in REQUIRED_COLUMNS if c not in columns]
    if unknown or missing:
        raise InvalidInputError(
            "the first line must be a header row naming the columns (id, name and email required; "
            f"allowed: {', '.join(CSV_COLUMNS)})"
            + (f"; unknown: {', '.join(unknown)}" if unknown else "")
            + (f"; missing: {', '.join(missing)}" if missing else "")
        )
    duplicated = sorted({c for c in columns if columns.count(c) > 1})
    if duplicated:
        raise InvalidInputError(f"the header names a column twice: {', '.join(duplicated)}")
    return columns


def _row_data(columns: Sequence[str], cells: Sequence[str]) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for column, raw in zip(columns, cells, strict=True):
        text = raw.strip()
        if not text:
            continue  # empty cell: the field's default (no department, no cap, not opted in, …)
        if column in _LOWERCASED:
            text = text.lower()
            text = _DUTCH_BOOLEANS.get(text, text)
        if column == "interests":
            for separator in _INTEREST_SEPARATORS[1:]:
                text = text.replace(separator, _INTEREST_SEPARATORS[0])
            data[column] = text.split(_INTEREST_SEPARATORS[0])
        else:
            data[column] = text
    return data


def _parse_row(
    parsed: ParsedCsv, columns: Sequence[str], cells: Sequence[str], line: int, first_line_of: dict[str, int]
) -> LineError | None:
    if len(cells) != len(columns):
        at = columns.index("id")
        raw_id = cells[at].strip() or None if at < len(cells) else None
        message = f"expected {len(columns)} fields as in the header, found {len(cells)}"
        return LineError(line, raw_id, [{"field": "line", "message": message}])
    data = _row_data(columns, cells)
    try:
        row = AmbassadorInput.model_validate(data)
    except ValidationError as exc:
        return LineError(line, data.get("id"), field_errors(exc))
    if row.id in first_line_of:
        message = f"duplicate of line {first_line_of[row.id]}: each id once per file"
        return LineError(line, row.id, [{"field": "id", "message": message}])
    first_line_of[row.id] = line
    parsed.rows.append((line, row))
    return None


def parse_csv(text: str) -> ParsedCsv:
    """Parse an ambassador CSV: a header row, then one ambassador per line.

    Header names are case-insensitive; ``id``, ``name`` and ``email`` are required, the other
    columns of :data:`CSV_COLUMNS` optional (an empty cell or a missing column means the field's
    default). ``interests`` are separated by ``;`` or ``|``; booleans read true/false, yes/no,
    1/0 (and ja/nee); an empty ``share_cap_per_week`` means no cap. Fields are separated by
    commas, or by semicolons when the header is.

    Lines are numbered as in the file (the header is line 1; a quoted field spanning lines counts
    from its first line); blank lines are skipped. An id that appears twice: the first line is
    imported and each later one is reported as an error naming the first — a file is one
    statement of who the ambassadors are, so it must not contradict itself silently.

    Raises :class:`InvalidInputError` for a file without the header row or that is not CSV.
    """
    lines = text.splitlines(keepends=True)
    first = next((line for line in lines if line.strip()), None)
    if first is None:
        raise InvalidInputError("the file is empty: expected a header row and one ambassador per line")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(first), strict=True)
    parsed = ParsedCsv()
    columns: list[str] | None = None
    first_line_of: dict[str, int] = {}
    while True:
        start = reader.line_num + 1
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            if columns is None:
                raise InvalidInputError(f"not a CSV file (line {start}): {exc}") from exc
            parsed.errors.append(LineError(start, None, [{"field": "line", "message": f"not CSV: {exc}"}]))
            continue
        if not any(c.strip() for c in cells):
            continue
        if columns is None:
            columns = _header(cells)
            continue
        error = _parse_row(parsed, columns, cells, start, first_line_of)
        if error is not None:
            parsed.errors.append(error)
    if columns is None:
        raise InvalidInputError("the file has no header row")
    return parsed


def import_csv(body: bytes, *, now: datetime | None = None) -> ImportReport:
    """Import ambassadors from a CSV file: every valid line is created or replaced (keeping its
    ``created_at``), every other line is reported with its number and reasons.

    Raises :class:`PayloadTooLargeError` for a file over ``IMPORT_MAX_BYTES`` and
    :class:`InvalidInputError` for one that is not UTF-8 CSV with a header row.
    """
    limit = config.api().import_max_bytes
    if len(body) > limit:
        raise PayloadTooLargeError(f"the file is {len(body)} bytes; at most {limit} bytes are accepted")
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidInputError("the file is not UTF-8 text: save it as 'CSV UTF-8'") from exc
    parsed = parse_csv(text)
    at = now or _now()
    saved = repository.save_many([Ambassador.from_input(row, now=at) for _, row in parsed.rows])
    repository.put_email_pointers(
        (email_hash, s.ambassador.id)
        for s in saved
        if (email_hash := identity.email_hash(s.ambassador.email)) is not None
    )
    created = sum(1 for s in saved if s.created)
    metrics.add_metric(name="AmbassadorsImported", unit=MetricUnit.Count, value=len(saved))
    metrics.add_metric(name="AmbassadorImportLineErrors", unit=MetricUnit.Count, value=len(parsed.errors))
    return ImportReport(
        imported=len(saved), created=created, updated=len(saved) - created, errors=parsed.errors
    )

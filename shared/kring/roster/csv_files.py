"""Reading an ambassador file as a talent team's tools write it: the upload (a raw CSV body, or the
file part of a ``multipart/form-data`` form), its encoding, its delimiter, its header, its lines.

What Excel in a Dutch locale writes is read as it is: ``;`` between fields (the delimiter is
taken from the header row, which names known columns), a UTF-8 byte-order mark ("CSV UTF-8"),
Windows-1252 ("CSV" without UTF-8), UTF-16 with a byte-order mark ("Unicode text", tab-separated),
CRLF line ends, and empty trailing columns (``id;name;email;;``).

Nothing here knows what a cell means (that is :mod:`kring.roster.columns`), and nothing is stored.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from kring.errors import InvalidInputError
from kring.roster.columns import COLUMNS, header_problem

DELIMITERS = (",", ";", "\t", "|")
MAX_LINE_CHARACTERS = 8192  # a valid line is under 6,000 (50 interests of 100 characters)
_CONTROL = frozenset(chr(c) for c in range(32)) - {"\t", "\n", "\r"}


@dataclass(frozen=True)
class Upload:
    """The file's bytes, and its name when a form sent one."""

    data: bytes
    filename: str | None = None


@dataclass(frozen=True)
class CsvLine:
    """One line of the file after the header: its cells by column, or why it cannot be read."""

    line: int
    id: str | None
    cells: dict[str, str] | None = None
    errors: list[dict[str, str]] | None = None


@dataclass
class CsvFile:
    columns: list[str]
    delimiter: str
    encoding: str
    lines: list[CsvLine] = field(default_factory=list)


# --- the upload ------------------------------------------------------------------------------------
def upload_of(body: bytes, content_type: str | None) -> Upload:
    """The file in a request body: the body itself, or for ``multipart/form-data`` the form's
    part named ``file`` (else its only part with a file name)."""
    if content_type is None:
        return Upload(body)
    from python_multipart.multipart import parse_options_header

    media_type, options = parse_options_header(content_type)
    if media_type.lower() != b"multipart/form-data":
        return Upload(body)
    boundary = options.get(b"boundary")
    if not boundary:
        raise InvalidInputError("a multipart/form-data body needs a boundary in its Content-Type")
    parts = _form_parts(body, boundary)
    named = [p for p in parts if p.name == "file"]
    files = named or [p for p in parts if p.filename is not None]
    if len(files) != 1:
        raise InvalidInputError(
            "send the CSV file as the form field 'file' (curl -F 'file=@ambassadors.csv')"
            + ("; the form has several files" if len(files) > 1 else "")
        )
    return Upload(files[0].data, files[0].filename)


@dataclass
class _Part:
    headers: dict[bytes, bytes] = field(default_factory=dict)
    chunks: list[bytes] = field(default_factory=list)

    @property
    def data(self) -> bytes:
        return b"".join(self.chunks)

    def _disposition(self) -> dict[bytes, bytes]:
        from python_multipart.multipart import parse_options_header

        return parse_options_header(self.headers.get(b"content-disposition", b""))[1]

    @property
    def name(self) -> str | None:
        raw = self._disposition().get(b"name")
        return raw.decode("utf-8", "replace") if raw is not None else None

    @property
    def filename(self) -> str | None:
        raw = self._disposition().get(b"filename")
        return raw.decode("utf-8", "replace") if raw is not None else None


def _form_parts(body: bytes, boundary: bytes) -> list[_Part]:
    """Every part of a multipart body, read by python-multipart's parser (RFC 7578)."""
    from python_multipart.exceptions import MultipartParseError
    from python_multipart.multipart import MultipartParser

    parts: list[_Part] = []
    header: list[bytes] = [b"", b""]

    def on_part_begin() -> None:
        parts.append(_Part())

    def on_header_field(data: bytes, start: int, end: int) -> None:
        header[0] += data[start:end]

    def on_header_value(data: bytes, start: int, end: int) -> None:
        header[1] += data[start:end]

    def on_header_end() -> None:
        parts[-1].headers[header[0].strip().lower()] = header[1].strip()
        header[0], header[1] = b"", b""

    def on_part_data(data: bytes, start: int, end: int) -> None:
        parts[-1].chunks.append(data[start:end])

    callbacks = {
        "on_part_begin": on_part_begin,
        "on_header_field": on_header_field,
        "on_header_value": on_header_value,
        "on_header_end": on_header_end,
        "on_part_data": on_part_data,
    }
    parser = MultipartParser(boundary, callbacks)  # type: ignore[arg-type]
    try:
        parser.write(body)
        parser.finalize()
    except MultipartParseError as exc:
        raise InvalidInputError(f"the multipart/form-data body cannot be read: {exc}") from exc
    if not parts:
        raise InvalidInputError("the multipart/form-data body has no parts")
    return parts


def multipart_form(body: bytes, content_type: str) -> tuple[dict[str, str], dict[str, bytes]]:
    """A browser's ``multipart/form-data`` form: its text fields (the last of a repeated name) and
    its files by field name — a file input left empty (an empty part with an empty file name) is
    not a file. :class:`InvalidInputError` for a body that is not such a form or a field that is
    not UTF-8."""
    from python_multipart.multipart import parse_options_header

    media_type, options = parse_options_header(content_type)
    boundary = options.get(b"boundary")
    if media_type.lower() != b"multipart/form-data" or not boundary:
        raise InvalidInputError("not a multipart/form-data body with a boundary")
    fields: dict[str, str] = {}
    files: dict[str, bytes] = {}
    for part in _form_parts(body, boundary):
        if part.name is None:
            continue
        if part.filename is not None:
            if part.filename or part.data:
                files[part.name] = part.data
            continue
        try:
            fields[part.name] = part.data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise InvalidInputError(f"the form field {part.name!r} is not UTF-8") from exc
    return fields, files


# --- text --------------------------------------------------------------------------------------
def decode(data: bytes) -> tuple[str, str]:
    """The text of a file and the encoding it was read in: UTF-16 when it starts with that
    byte-order mark, else UTF-8 (a UTF-8 byte-order mark dropped), else Windows-1252 (Excel's
    "CSV" on Windows). A file with control characters (a spreadsheet, an image) is no text."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        text, encoding = _decode(data, "utf-16", "UTF-16"), "utf-16"
    else:
        try:
            text, encoding = data.decode("utf-8-sig"), "utf-8"
        except UnicodeDecodeError:
            text, encoding = _decode(data, "cp1252", "UTF-8 or Windows-1252"), "windows-1252"
    if any(c in _CONTROL for c in text):
        raise InvalidInputError(
            "the file is not text: upload a CSV file (in Excel: Save as 'CSV UTF-8', or 'CSV')"
        )
    return text, encoding


def _decode(data: bytes, codec: str, what: str) -> str:
    try:
        return data.decode(codec)
    except UnicodeDecodeError as exc:
        raise InvalidInputError(
            f"the file is not {what} text: upload a CSV file (in Excel: Save as 'CSV UTF-8')"
        ) from exc


def sniff_delimiter(header_line: str) -> str:
    """The delimiter that splits the header row into the most known column names (ties: the
    first of ``,`` ``;`` tab ``|``)."""

    def known(delimiter: str) -> int:
        cells = next(csv.reader([header_line], delimiter=delimiter), [])
        return sum(1 for c in cells if c.strip().lower() in COLUMNS)

    return max(DELIMITERS, key=known)


# --- lines -------------------------------------------------------------------------------------
def read(text: str, encoding: str = "utf-8") -> CsvFile:
    """The header and every line after it, numbered as in the file (the header is line 1; a
    quoted field spanning lines counts from its first line; blank lines are skipped but counted).

    A line whose fields cannot be read, whose field count differs from the header's, that is
    longer than :data:`MAX_LINE_CHARACTERS`, or whose id an earlier line already had, carries
    its errors instead of cells: a file is one statement of who the ambassadors are, so it must
    not contradict itself silently. Raises :class:`InvalidInputError` for a file without a
    header row that names an ``id`` column.
    """
    first = next((line for line in text.splitlines() if line.strip()), None)
    if first is None:
        raise InvalidInputError("the file is empty: expected a header row and one ambassador per line")
    delimiter = sniff_delimiter(first)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    parsed: CsvFile | None = None
    header: list[str] = []
    first_line_of: dict[str, int] = {}
    while True:
        start = reader.line_num + 1
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            if parsed is None:
                raise InvalidInputError(f"not a CSV file (line {start}): {exc}") from exc
            parsed.lines.append(CsvLine(start, None, errors=[_line_error(f"not CSV: {exc}")]))
            continue
        if not any(c.strip() for c in cells):
            continue
        if parsed is None:
            header = _header(cells)
            parsed = CsvFile(columns=[c for c in header if c], delimiter=delimiter, encoding=encoding)
            continue
        parsed.lines.append(_line(header, cells, start, first_line_of))
    if parsed is None:
        raise InvalidInputError("the file has no header row")
    if not parsed.lines:
        raise InvalidInputError("the file has a header row but no ambassadors after it")
    return parsed


def _header(cells: list[str]) -> list[str]:
    """The header's column names (lower case; "" for an empty trailing column, ignored)."""
    columns = [c.strip().lower() for c in cells]
    while columns and not columns[-1]:
        columns.pop()
    problem = header_problem(columns)
    if problem:
        raise InvalidInputError(problem)
    return columns


def _line_error(message: str, field_name: str = "line") -> dict[str, str]:
    return {"field": field_name, "message": message}


def _line(header: list[str], cells: list[str], line: int, first_line_of: dict[str, int]) -> CsvLine:
    at = header.index("id")
    raw_id = (cells[at].strip() or None) if at < len(cells) else None
    if sum(len(c) for c in cells) > MAX_LINE_CHARACTERS:
        return CsvLine(line, None, errors=[_line_error(f"longer than {MAX_LINE_CHARACTERS} characters")])
    extra = cells[len(header) :]
    if len(cells) < len(header) or any(c.strip() for c in extra):
        message = f"expected {len(header)} fields as in the header, found {len(cells)}"
        return CsvLine(line, raw_id, errors=[_line_error(message)])
    if raw_id is not None:
        if raw_id in first_line_of:
            message = f"duplicate of line {first_line_of[raw_id]}: each id once per file"
            return CsvLine(line, raw_id, errors=[_line_error(message, "id")])
        first_line_of[raw_id] = line
    return CsvLine(line, raw_id, cells={c: v for c, v in zip(header, cells, strict=False) if c})

"""Reading an ambassador file as spreadsheets write it: the upload, the encoding, the delimiter,
the header and every line with its number."""

from __future__ import annotations

import pytest
import requests

from kring.errors import InvalidInputError
from kring.roster.csv_files import decode, read, sniff_delimiter, upload_of

HEADER = "id,name,email,locale,department,location,interests,phase,opted_in,share_cap_per_week"


def _form(files: dict[str, tuple[str, bytes, str]], data: dict[str, str] | None = None) -> tuple[bytes, str]:
    """The body and Content-Type a browser form or `curl -F` sends (built by requests)."""
    prepared = requests.Request("POST", "http://kring.test/", files=files, data=data or {}).prepare()
    body = prepared.body
    assert isinstance(body, bytes)
    return body, prepared.headers["Content-Type"]


# --- the upload ------------------------------------------------------------------------------
def test_a_form_upload_gives_the_file_field_and_its_name() -> None:
    csv_bytes = b"id,name,email\r\nE1,Ann,ann@example.com\r\n"
    body, content_type = _form({"file": ("medewerkers.csv", csv_bytes, "text/csv")}, {"submit": "Upload"})
    upload = upload_of(body, content_type)
    assert upload.data == csv_bytes
    assert upload.filename == "medewerkers.csv"


def test_a_form_whose_only_file_has_another_field_name_is_read() -> None:
    body, content_type = _form({"csv": ("a.csv", b"id\nE1\n", "application/vnd.ms-excel")})
    assert upload_of(body, content_type).data == b"id\nE1\n"


@pytest.mark.parametrize(
    "content_type", [None, "text/csv", "text/csv; charset=utf-8", "application/octet-stream"]
)
def test_any_other_body_is_the_file_itself(content_type: str | None) -> None:
    assert upload_of(b"id\nE1\n", content_type).data == b"id\nE1\n"


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (
            b"--x\r\nContent-Disposition: form-data; name=a\r\n\r\n1\r\n--x--\r\n",
            "multipart/form-data; boundary=x",
        ),
        (b"id\nE1\n", "multipart/form-data"),  # no boundary
        (b"not multipart at all", "multipart/form-data; boundary=x"),
    ],
)
def test_a_form_without_one_file_is_refused(body: bytes, content_type: str) -> None:
    with pytest.raises(InvalidInputError):
        upload_of(body, content_type)


def test_a_form_with_two_files_and_none_named_file_is_refused() -> None:
    body, content_type = _form(
        {"a": ("a.csv", b"id\n1\n", "text/csv"), "b": ("b.csv", b"id\n2\n", "text/csv")}
    )
    with pytest.raises(InvalidInputError, match="several"):
        upload_of(body, content_type)


# --- encodings -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        ("id,name\nE1,Zoë €\n".encode(), "utf-8"),
        (b"\xef\xbb\xbf" + "id,name\nE1,Zoë €\n".encode(), "utf-8"),  # Excel's "CSV UTF-8"
        ("id,name\nE1,Zoë €\n".encode("cp1252"), "windows-1252"),  # Excel's "CSV" on Windows
        ("id,name\nE1,Zoë €\n".encode("utf-16"), "utf-16"),  # Excel's "Unicode text"
    ],
)
def test_excel_s_encodings_are_read(data: bytes, encoding: str) -> None:
    assert decode(data) == ("id,name\nE1,Zoë €\n", encoding)


@pytest.mark.parametrize(
    "data",
    [
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
        b"PK\x03\x04\x14\x00\x06\x00",  # an .xlsx workbook is a zip file
        b"id,name\nE1,\x81\x8d\n",  # bytes that are neither UTF-8 nor Windows-1252
    ],
)
def test_what_is_not_text_is_refused(data: bytes) -> None:
    with pytest.raises(InvalidInputError, match="CSV"):
        decode(data)


# --- delimiter and header --------------------------------------------------------------------
@pytest.mark.parametrize(
    ("header", "delimiter"),
    [
        ("id,name,email", ","),
        ("id;name;email", ";"),
        ("id\tname\temail", "\t"),
        ("id|name", "|"),
        ("ID;Name;E-mail;phase", ";"),
        ('"id";"name"', ";"),
    ],
)
def test_the_delimiter_is_the_one_that_names_known_columns(header: str, delimiter: str) -> None:
    assert sniff_delimiter(header) == delimiter


def test_a_semicolon_file_with_crlf_and_empty_trailing_columns_is_read() -> None:
    parsed = read(
        "id;name;email;opted_in;;\r\nE1;Ann;ann@example.com;WAAR;;\r\n\r\nE2;Bob;bob@example.com;ONWAAR\r\n"
        "E3;Cem\r\nE4;Dee;dee@example.com;ja;;x\r\n"
    )
    assert (parsed.delimiter, parsed.columns) == (";", ["id", "name", "email", "opted_in"])
    assert [(line.line, line.cells) for line in parsed.lines] == [
        (2, {"id": "E1", "name": "Ann", "email": "ann@example.com", "opted_in": "WAAR"}),
        (4, {"id": "E2", "name": "Bob", "email": "bob@example.com", "opted_in": "ONWAAR"}),
        (5, None),
        (6, None),
    ]
    assert parsed.lines[2].errors == [
        {"field": "line", "message": "expected 4 fields as in the header, found 2"}
    ]
    assert parsed.lines[3].errors == [
        {"field": "line", "message": "expected 4 fields as in the header, found 6"}
    ]


def test_only_the_id_column_is_required_and_names_are_case_insensitive() -> None:
    parsed = read(" ID ;Opted_In\nE1;ja\n")
    assert parsed.columns == ["id", "opted_in"]
    assert parsed.lines[0].cells == {"id": "E1", "opted_in": "ja"}


@pytest.mark.parametrize(
    "text",
    [
        "",
        "\n\n  \n",
        "name,email\nAnn,ann@example.com\n",  # no id column
        "E1,Ann,ann@example.com\n",  # no header row
        '{"id": "E1"}',  # JSON, not CSV
        "id,name,emial\nE1,Ann,a@example.com\n",  # a typo names an unknown column
        "id,name,name\nE1,Ann,Ann\n",  # a column twice
        "id,,name\nE1,x,Ann\n",  # an empty column name between two
        "id,name,email\n",  # a header and nothing else
    ],
)
def test_a_file_without_a_proper_header_row_or_lines_is_refused_as_a_whole(text: str) -> None:
    with pytest.raises(InvalidInputError):
        read(text)


def test_lines_keep_their_numbers_across_blank_lines_and_quoted_line_breaks() -> None:
    parsed = read('id,department\n\nE1,"Research\nand Development"\n\nE2,Sales\n')
    assert [(line.line, line.id) for line in parsed.lines] == [(3, "E1"), (6, "E2")]
    assert parsed.lines[0].cells == {"id": "E1", "department": "Research\nand Development"}


def test_a_later_duplicate_id_is_an_error_naming_the_first_line() -> None:
    parsed = read("id,name\nE1,Ann\nE2,Bob\n E1 ,Ann Again\n")
    assert [line.cells is not None for line in parsed.lines] == [True, True, False]
    assert parsed.lines[2].id == "E1"
    assert parsed.lines[2].errors == [
        {"field": "id", "message": "duplicate of line 2: each id once per file"}
    ]


def test_a_broken_quote_or_an_overlong_line_fails_its_line_only() -> None:
    parsed = read(
        f'{HEADER}\nE1,"Ann"x,ann@example.com,,,,,,,\n'
        f"E2,{'x' * 9000},b@example.com,,,,,,,\nE3,C,c@e.com,,,,,,,\n"
    )
    assert [line.errors is None for line in parsed.lines] == [False, False, True]
    errors = parsed.lines[1].errors
    assert errors is not None
    assert "longer than" in errors[0]["message"]

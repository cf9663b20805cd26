"""Parsing the ambassador CSV import: valid lines in, every bad line reported by number."""

from __future__ import annotations

import pytest

from kring.errors import InvalidInputError, PayloadTooLargeError
from kring.roster.ambassadors import import_csv, parse_csv

HEADER = "id,name,email,locale,department,location,interests,phase,opted_in,share_cap_per_week"


def test_valid_lines_become_inputs_with_their_line_numbers() -> None:
    # Given a header and two ambassadors
    text = (
        f"{HEADER}\n"
        "E1,Ann de Vries,ann@example.com,nl,Engineering,Utrecht,Engineering;Data,decision,true,3\n"
        "E2,Bob,bob@example.com,en,Sales,Amsterdam,,awareness,no,\n"
    )
    # When it is parsed
    parsed = parse_csv(text)
    # Then both are rows, numbered as in the file, with the columns mapped
    assert parsed.errors == []
    assert [line for line, _ in parsed.rows] == [2, 3]
    ann, bob = (row for _, row in parsed.rows)
    assert (ann.id, ann.name, ann.locale, ann.phase, ann.opted_in) == (
        "E1",
        "Ann de Vries",
        "nl",
        "decision",
        True,
    )
    assert ann.interests == ["Engineering", "Data"]
    assert ann.share_cap_per_week == 3
    assert bob.interests == []
    assert bob.opted_in is False
    assert bob.share_cap_per_week is None


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("true", True),
        ("TRUE", True),
        ("yes", True),
        ("1", True),
        ("ja", True),
        ("false", False),
        ("No", False),
        ("0", False),
        ("nee", False),
        ("", False),
    ],
)
def test_booleans_read_every_common_spelling(raw: str, expected: bool) -> None:
    parsed = parse_csv(f"id,name,email,opted_in\nE1,Ann,ann@example.com,{raw}\n")
    assert parsed.errors == []
    assert parsed.rows[0][1].opted_in is expected


def test_interests_split_on_semicolon_or_pipe_and_are_deduplicated() -> None:
    parsed = parse_csv('id,name,email,interests\nE1,Ann,ann@example.com,"Sales| Data ;sales;;Utrecht"\n')
    assert parsed.rows[0][1].interests == ["Sales", "Data", "Utrecht"]


def test_header_and_enum_values_are_case_insensitive_and_columns_may_be_reordered() -> None:
    parsed = parse_csv("EMAIL, Name ,ID,Phase,Locale\nann@example.com,Ann,E1,Decision,NL\n")
    assert parsed.errors == []
    row = parsed.rows[0][1]
    assert (row.id, row.phase, row.locale) == ("E1", "decision", "nl")


def test_each_bad_line_is_reported_with_its_number_id_and_reasons() -> None:
    # Given a file whose lines 3 and 5 are wrong in different ways
    text = (
        f"{HEADER}\n"
        "E1,Ann,ann@example.com,nl,,,,decision,true,\n"
        "E2,Bob,not-an-email,de,,,,decision,maybe,-1\n"
        "E3,Cem,cem@example.com,en,,,,evangelize,yes,2\n"
        "E4,Dee,dee@example.com\n"
    )
    # When it is parsed
    parsed = parse_csv(text)
    # Then the good lines are rows and each bad line says what is wrong with which field
    assert [row.id for _, row in parsed.rows] == ["E1", "E3"]
    assert [(e.line, e.id) for e in parsed.errors] == [(3, "E2"), (5, "E4")]
    fields = {d["field"] for d in parsed.errors[0].errors}
    assert fields == {"email", "locale", "opted_in", "share_cap_per_week"}
    assert all(d["message"] for d in parsed.errors[0].errors)
    assert parsed.errors[1].errors == [
        {"field": "line", "message": "expected 10 fields as in the header, found 3"}
    ]


def test_a_later_duplicate_id_is_an_error_naming_the_first_line() -> None:
    text = "id,name,email\nE1,Ann,ann@example.com\nE2,Bob,bob@example.com\nE1,Ann Again,ann2@example.com\n"
    parsed = parse_csv(text)
    assert [(line, row.name) for line, row in parsed.rows] == [(2, "Ann"), (3, "Bob")]
    assert len(parsed.errors) == 1
    assert parsed.errors[0].line == 4
    assert parsed.errors[0].id == "E1"
    assert parsed.errors[0].errors[0]["field"] == "id"
    assert "line 2" in parsed.errors[0].errors[0]["message"]


def test_line_numbers_count_blank_lines_and_quoted_line_breaks() -> None:
    text = 'id,name,email,department\n\nE1,Ann,ann@example.com,"Research\nand Development"\n\nE2,Bob,bad\n'
    parsed = parse_csv(text)
    assert parsed.rows[0][0] == 3
    assert parsed.rows[0][1].department == "Research\nand Development"
    assert [e.line for e in parsed.errors] == [6]


def test_semicolon_separated_files_from_a_dutch_excel_are_read() -> None:
    parsed = parse_csv("id;name;email;interests;opted_in\r\nE1;Ann;ann@example.com;Sales|Data;ja\r\n")
    assert parsed.errors == []
    assert parsed.rows[0][1].interests == ["Sales", "Data"]
    assert parsed.rows[0][1].opted_in is True


@pytest.mark.parametrize(
    "text",
    [
        "",
        "\n\n  \n",
        "E1,Ann,ann@example.com\nE2,Bob,bob@example.com\n",  # no header row
        '{"id": "E1", "name": "Ann", "email": "ann@example.com"}',  # JSON, not CSV
        "id,name\nE1,Ann\n",  # a required column missing
        "id,name,email,emial\nE1,Ann,a@example.com,x\n",  # an unknown column (a typo)
        "id,name,email,name\nE1,Ann,a@example.com,Ann\n",  # a column twice
    ],
)
def test_a_file_without_a_proper_header_row_is_refused_as_a_whole(text: str) -> None:
    with pytest.raises(InvalidInputError):
        parse_csv(text)


def test_a_broken_quote_fails_its_line_only() -> None:
    parsed = parse_csv('id,name,email\nE1,"Ann"x,ann@example.com\nE2,Bob,bob@example.com\n')
    assert [row.id for _, row in parsed.rows] == ["E2"]
    assert [e.line for e in parsed.errors] == [2]


def test_a_file_over_the_limit_is_refused_before_it_is_read(monkeypatch: pytest.MonkeyPatch) -> None:
    from kring import config

    monkeypatch.setenv("IMPORT_MAX_BYTES", "64")
    config.clear_caches()
    with pytest.raises(PayloadTooLargeError):
        import_csv(b"id,name,email\n" + b"E1,Ann,ann@example.com\n" * 4)


def test_a_file_that_is_not_utf8_is_refused() -> None:
    with pytest.raises(InvalidInputError, match="UTF-8"):
        import_csv("id,name,email\nE1,Zoë,zoe@example.com\n".encode("latin-1"))

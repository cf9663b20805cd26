"""What a cell of an ambassador file means: Excel's yes/no words, interests separated by , ; or |,
and an empty cell clearing only what may be empty."""

from __future__ import annotations

import pytest

from kring.roster.columns import changes_of


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("WAAR", True),
        ("Waar", True),
        ("ONWAAR", False),
        ("ja", True),
        ("Nee", False),
        ("1", True),
        ("0", False),
        ("TRUE", True),
        ("false", False),
        ("yes", True),
        ("No", False),
    ],
)
def test_yes_and_no_read_every_spelling_excel_and_people_use(raw: str, expected: bool) -> None:
    changes, errors = changes_of({"opted_in": raw, "dormant": raw})
    assert errors == []
    assert changes == {"opted_in": expected, "dormant": expected}


def test_an_unknown_yes_no_word_is_an_error_saying_what_is_accepted() -> None:
    changes, errors = changes_of({"opted_in": "misschien"})
    assert changes == {}
    assert errors[0]["field"] == "opted_in"
    assert "WAAR/ONWAAR" in errors[0]["message"]


@pytest.mark.parametrize(
    "cell", ["Sales,Data,Utrecht", "Sales;Data;Utrecht", "Sales|Data|Utrecht", "Sales, Data ;Utrecht|"]
)
def test_interests_split_on_comma_semicolon_and_pipe(cell: str) -> None:
    changes, _ = changes_of({"interests": cell})
    assert [i.strip() for i in changes["interests"] if i.strip()] == ["Sales", "Data", "Utrecht"]


def test_an_empty_cell_clears_what_may_be_empty_and_keeps_the_rest() -> None:
    cells = dict.fromkeys(
        (
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
        ),
        "  ",
    )
    changes, errors = changes_of(cells)
    assert errors == []
    assert changes == {"department": None, "location": None, "interests": [], "share_cap_per_week": None}


def test_phase_and_locale_are_case_insensitive() -> None:
    assert changes_of({"phase": "Decision", "locale": "NL"})[0] == {"phase": "decision", "locale": "nl"}

"""Opaque next tokens: what the API issues decodes back; anything else is a 400, never a 500."""

from __future__ import annotations

import base64
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kring.api.pagination import InvalidPageTokenError, decode, encode, page_limit
from kring.errors import FieldValidationError, InvalidInputError
from tests.support.stack_depth import little_stack_left

CURSOR = {"pk": "AMB#E7", "sk": "PROFILE", "gsi1pk": "AMBASSADORS", "gsi1sk": "AMB#E7"}
PARTITION = {"gsi1pk": "AMBASSADORS"}


def _token(payload: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(payload).encode()).rstrip(b"=").decode()


def test_a_token_round_trips_to_the_same_cursor() -> None:
    token = encode("ambassadors", CURSOR)
    assert token is not None
    assert set(token) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
    assert "AMB#" not in token
    assert decode(token, "ambassadors", partition=PARTITION) == CURSOR


def test_a_position_in_the_open_vacancies_index_round_trips_too() -> None:
    # the dashboard's list of published vacancies pages through gsi3
    cursor = {
        "pk": "VAC#greenhouse-1",
        "sk": "VACANCY",
        "gsi3pk": "OPEN",
        "gsi3sk": "2026-11-20#VAC#greenhouse-1",
    }
    token = encode("dashboard-vacancies-published", cursor)
    assert decode(token, "dashboard-vacancies-published", partition={"gsi3pk": "OPEN"}) == cursor
    with pytest.raises(InvalidPageTokenError, match="another list"):
        decode(token, "dashboard-vacancies-published", partition={"gsi3pk": "CLOSED"})


def test_no_cursor_is_no_token_and_no_token_is_no_cursor() -> None:
    assert encode("ambassadors", None) is None
    assert decode(None, "ambassadors") is None
    assert decode("", "ambassadors") is None


def test_a_token_of_another_listing_is_refused() -> None:
    token = encode("vacancy-shares:greenhouse-1", {"pk": "LINK#abc", "sk": "LINK"})
    with pytest.raises(InvalidPageTokenError, match="another list"):
        decode(token, "vacancy-shares:greenhouse-2")


@pytest.mark.parametrize(
    "token",
    [
        "garbage!!",
        "%%%",
        "bm90IGpzb24",  # base64 of "not json"
        _token(["a", "list"]),
        _token({"v": 1, "s": "ambassadors"}),  # no cursor
        _token({"v": 2, "s": "ambassadors", "k": CURSOR}),  # unknown version
        _token({"v": 1, "s": "ambassadors", "k": {}}),
        _token({"v": 1, "s": "ambassadors", "k": {**CURSOR, "name": "x"}}),  # not a key attribute
        _token({"v": 1, "s": "ambassadors", "k": {**CURSOR, "sk": 7}}),  # not a string
        _token({"v": 1, "s": "ambassadors", "k": {**CURSOR, "gsi1pk": "VACANCIES"}}),  # another partition
        _token({"v": 1, "s": "ambassadors", "k": CURSOR, "extra": 1}),
        "A" * 5000,
        base64.urlsafe_b64encode(b"\xff\xfe\x00").decode(),  # not UTF-8
    ],
)
def test_a_tampered_or_garbage_token_is_invalid_input(token: str) -> None:
    with pytest.raises(InvalidPageTokenError):
        decode(token, "ambassadors", partition=PARTITION)


@given(st.text(max_size=300))
def test_any_string_decodes_or_is_refused_as_invalid_input(token: str) -> None:
    try:
        cursor = decode(token, "ambassadors", partition=PARTITION)
    except InvalidInputError:
        return
    assert cursor is None or cursor["gsi1pk"] == "AMBASSADORS"


@pytest.mark.parametrize(
    ("raw", "expected"), [(None, 50), ("", 50), ("1", 1), ("20", 20), ("50", 50), ("999", 50)]
)
def test_the_limit_defaults_to_and_is_capped_at_the_page_size(raw: str | None, expected: int) -> None:
    assert page_limit(raw, 50) == expected


@pytest.mark.parametrize("raw", ["0", "-3", "ten", "1.5"])
def test_a_limit_that_is_not_a_positive_whole_number_is_a_field_error(raw: str) -> None:
    with pytest.raises(FieldValidationError) as caught:
        page_limit(raw, 50)
    assert caught.value.details[0]["field"] == "limit"


def test_a_deeply_nested_token_is_refused_whatever_stack_is_left() -> None:
    """The most a 2,048-character token holds is ~760 levels of arrays: json.loads read it, or
    raised RecursionError (a 500) when the handler ran deep in a runtime's frames."""
    token = base64.urlsafe_b64encode(b"[" * 760 + b"]" * 760).rstrip(b"=").decode()
    assert len(token) <= 2048
    with little_stack_left(300), pytest.raises(InvalidPageTokenError):
        decode(token, "ambassadors", partition=PARTITION)

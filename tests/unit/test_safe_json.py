"""The one reader of outside JSON (:mod:`kring.safe_json`): what ``json.loads`` reads and every
contract allows comes out the same; deep nesting, ``NaN``/``Infinity``, numbers that overflow to
``inf``, lone surrogates and bytes that are not UTF-8 are an :class:`InvalidJsonError` (a 400) —
never a ``RecursionError`` or another exception a handler would turn into a 500."""

from __future__ import annotations

import contextlib
import json
import math
from typing import Any, Literal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel, ConfigDict

from kring import safe_json
from kring.errors import FieldValidationError, InvalidInputError, PayloadTooLargeError
from tests.support import hostile
from tests.support.stack_depth import little_stack_left

FINITE_JSON: st.SearchStrategy[Any] = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda children: st.lists(children, max_size=5) | st.dictionaries(st.text(), children, max_size=5),
    max_leaves=30,
)


@hostile.fuzz_settings(examples=100)
@given(FINITE_JSON)
def test_what_json_loads_reads_and_contracts_allow_comes_out_the_same(value: Any) -> None:
    for text in (json.dumps(value), json.dumps(value, ensure_ascii=False, indent=2)):
        assert safe_json.loads(text.encode()) == json.loads(text)
        assert safe_json.loads(text) == json.loads(text)


HOSTILE = st.one_of(
    hostile.HOSTILE_TEXTS.map(lambda t: t.encode("utf-8", "surrogatepass")), hostile.HOSTILE_BYTES
)


@hostile.fuzz_settings(examples=100)
@given(HOSTILE)
def test_anything_is_a_value_or_invalid_json(raw: bytes) -> None:
    with contextlib.suppress(safe_json.InvalidJsonError):
        safe_json.loads(raw)


@pytest.mark.parametrize("depth", [65, 200, 1000, 100_000])
def test_nesting_deeper_than_the_bound_is_refused(depth: int) -> None:
    with pytest.raises(safe_json.InvalidJsonError, match=r"not valid JSON|nested deeper"):
        safe_json.loads(hostile.deep(depth))


def test_nesting_up_to_the_bound_is_read() -> None:
    assert safe_json.loads(hostile.deep(64)) == json.loads(hostile.deep(64))
    assert safe_json.loads("[[1]]", max_depth=2) == [[1]]
    with pytest.raises(safe_json.InvalidJsonError):
        safe_json.loads("[[[1]]]", max_depth=2)


def test_deep_nesting_needs_no_stack() -> None:
    """json.loads recurses once a level: with a runtime's frames below it, ~1,000 levels (2 KB) raise
    RecursionError. The reader does not recurse at all."""
    text = "[" * 700 + "]" * 700
    with little_stack_left(300):
        with pytest.raises(RecursionError):
            json.loads(text)
        with pytest.raises(safe_json.InvalidJsonError):
            safe_json.loads(text)


@pytest.mark.parametrize(
    "text",
    ["NaN", "[Infinity]", '{"a": -Infinity}', "[1e999]", '{"a": [-1E400]}', "1" * 5000],
)
def test_numbers_that_are_not_finite_or_too_long_are_refused(text: str) -> None:
    with pytest.raises(safe_json.InvalidJsonError):
        safe_json.loads(text)


@pytest.mark.parametrize("value", [1e308, -1e308, 5e-324, 10**40, -(2**63)])
def test_large_finite_numbers_are_read(value: float) -> None:
    assert safe_json.loads(json.dumps([value])) == [value]


@pytest.mark.parametrize(
    "raw",
    [
        b'["\\ud800"]',
        b'{"\\udfff": 1}',
        b'"\xed\xa0\x80"',
        b"\xff",
        b'"\xc3"',
        b"\xef\xbb\xbf[]",
        b"",
        b"[1,]",
    ],
    ids=[
        "lone-high",
        "lone-low-key",
        "encoded-surrogate",
        "not-utf8",
        "cut-utf8",
        "bom",
        "empty",
        "trailing",
    ],
)
def test_text_that_is_not_unicode_json_is_refused(raw: bytes) -> None:
    with pytest.raises(safe_json.InvalidJsonError):
        safe_json.loads(raw)


def test_a_lone_surrogate_in_text_input_is_refused() -> None:
    with pytest.raises(safe_json.InvalidJsonError):
        safe_json.loads('["\ud800"]')


def test_an_escaped_surrogate_pair_is_one_character() -> None:
    assert safe_json.loads(b'["\\ud83d\\ude00"]') == ["\U0001f600"]


def test_duplicate_keys_read_as_json_loads_reads_them() -> None:
    assert safe_json.loads(b'{"a": 1, "a": 2}') == json.loads('{"a": 1, "a": 2}') == {"a": 2}


def test_a_body_over_the_size_limit_is_too_large() -> None:
    with pytest.raises(PayloadTooLargeError):
        safe_json.loads(b"[" + b"1," * 600 + b"1]", max_bytes=1000)
    assert len(safe_json.loads(b"[" + b"1," * 400 + b"1]", max_bytes=1000)) == 401


def test_refusals_are_invalid_input_and_loads_or_none_swallows_them() -> None:
    assert issubclass(safe_json.InvalidJsonError, InvalidInputError)
    assert safe_json.loads_or_none(b"[NaN]") is None
    assert safe_json.loads_or_none(b"[1]" * 10, max_bytes=5) is None
    assert safe_json.loads_or_none(b'{"a": 1.5}') == {"a": 1.5}
    assert math.isfinite(safe_json.loads(b"1.7976931348623157e308"))


# --- parse: the one path from a body to its model ---------------------------------------------------
class _Change(BaseModel):
    model_config = ConfigDict(extra="forbid")

    language: Literal["nl", "en"] | None


def test_parse_reads_a_body_into_its_model() -> None:
    assert safe_json.parse(b'{"language": "nl"}', _Change.model_validate, invalid="no") == _Change(
        language="nl"
    )


def test_parse_names_every_field_the_model_refuses() -> None:
    with pytest.raises(FieldValidationError) as caught:
        safe_json.parse(
            '{"language": "de", "colour": 1}', _Change.model_validate, invalid="the change is not valid"
        )
    assert str(caught.value) == "the change is not valid"
    assert sorted(d["field"] for d in caught.value.details) == ["colour", "language"]


def test_parse_calls_a_body_that_is_not_an_object_a_field_error_on_the_body() -> None:
    with pytest.raises(FieldValidationError) as caught:
        safe_json.parse("[1]", _Change.model_validate, invalid="no")
    assert caught.value.details[0]["field"] == "body"


def test_parse_leaves_json_it_cannot_read_a_400_and_a_body_too_large_a_413() -> None:
    with pytest.raises(safe_json.InvalidJsonError) as caught:
        safe_json.parse("{", _Change.model_validate, invalid="no")
    assert not isinstance(caught.value, FieldValidationError)
    with pytest.raises(PayloadTooLargeError):
        safe_json.parse('{"language": "nl"}', _Change.model_validate, invalid="no", max_bytes=5)

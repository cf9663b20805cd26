"""Ids in request paths (:mod:`kring.api.path_ids`): percent-decoded, then taken exactly as the
entity's constrained type allows — or a 404 before any lookup. Nothing is trimmed, so an id with
a space, tab or NBSP around it names nobody (``DELETE /api/ambassadors/E1001%20`` once erased E1001)."""

from __future__ import annotations

import re
from collections.abc import Callable
from urllib.parse import quote, unquote

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kring.api import path_ids
from kring.errors import NotFoundError
from tests.support.hostile import fuzz_settings

ID = re.compile(r"[A-Za-z0-9._:@-]{1,64}")
READERS = [path_ids.ambassador_id, path_ids.vacancy_id, path_ids.reward_id]


@pytest.mark.parametrize("read", READERS)
@pytest.mark.parametrize("raw", ["E1001", "greenhouse-263533", "ann%40acme", "a" * 64, "0123abcd" * 4])
def test_a_well_formed_id_is_read_decoded(read: Callable[[str], str], raw: str) -> None:
    assert read(raw) == raw.replace("%40", "@")


@pytest.mark.parametrize("read", READERS)
@pytest.mark.parametrize(
    "raw",
    [
        "E1001%20",
        "%20E1001",
        "E1001 ",
        "E1001%09",
        "E1001%0A",
        "E1001%C2%A0",
        "E1%231",
        "a" * 65,
        "V" * 2100,
        "",
        "%",
    ],
)
def test_an_id_with_anything_around_or_in_it_is_not_found(read: Callable[[str], str], raw: str) -> None:
    with pytest.raises(NotFoundError):
        read(raw)


def test_a_refused_id_is_cut_short_in_the_message() -> None:
    with pytest.raises(NotFoundError) as caught:
        path_ids.vacancy_id("V" * 2100)
    assert len(str(caught.value)) < 120


@fuzz_settings(examples=200)
@given(st.text(max_size=80), st.booleans())
def test_any_path_segment_is_its_exact_decoded_id_or_not_found(value: str, encoded: bool) -> None:
    raw = quote(value, safe="") if encoded else value
    decoded = unquote(raw)
    if ID.fullmatch(decoded):
        assert path_ids.ambassador_id(raw) == decoded
    else:
        with pytest.raises(NotFoundError):
            path_ids.ambassador_id(raw)

"""Fan-out rules without I/O: who matches a vacancy, what a code looks like, what a message is."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kring.errors import InvalidInputError
from kring.events import VacancyPublished
from kring.links.codes import derive_code, is_share_code
from kring.models.ambassador import Candidate
from kring.queues import FanoutPage, parse_fanout_message
from kring.sharing.fanout import matches

NOW = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
EVENTS = Path(__file__).resolve().parents[3] / "events"


def _ambassador(interests: list[str]) -> Candidate:
    return Candidate(id="E1", interests=tuple(interests))


def _vacancy(**overrides: object) -> VacancyPublished:
    data: dict[str, object] = {
        "vacancy_id": "greenhouse-1",
        "provider": "greenhouse",
        "external_id": "1",
        "title": "Data Scientist",
        "url": "https://job-boards.greenhouse.io/acme/jobs/1",
        "department": "Data Science",
        "location": "Amsterdam",
        "tags": ("Remote",),
    }
    data.update(overrides)
    return VacancyPublished.model_validate(data)


@pytest.mark.parametrize(
    ("interests", "expected"),
    [
        ([], True),
        (["data science"], True),
        (["AMSTERDAM"], True),
        (["remote"], True),
        (["Sales", "Berlin"], False),
        (["Data"], False),
    ],
)
def test_interests_match_department_location_or_tag_case_insensitively(
    interests: list[str], expected: bool
) -> None:
    assert matches(_ambassador(interests), _vacancy()) is expected


def test_a_vacancy_without_department_matches_only_ambassadors_without_interests() -> None:
    bare = _vacancy(department=None, location=None, tags=())
    assert matches(_ambassador([]), bare)
    assert not matches(_ambassador(["Data Science"]), bare)


def test_codes_are_ten_base62_characters_and_deterministic() -> None:
    key = b"k" * 32
    code = derive_code(key, "E1")
    assert is_share_code(code)
    assert derive_code(key, "E1") == code
    assert derive_code(key, "E2") != code
    assert derive_code(b"j" * 32, "E1") != code


@given(st.binary(min_size=32, max_size=32), st.text(min_size=1, max_size=64))
def test_every_derived_code_passes_the_format_check(key: bytes, ambassador_id: str) -> None:
    assert is_share_code(derive_code(key, ambassador_id))


@pytest.mark.parametrize("candidate", ["", "abc", "abcdefghij1", "abcdefgh-j", "abcdefgh/j", "ÄbcdefghiJ"])
def test_malformed_codes_are_refused_before_any_lookup(candidate: str) -> None:
    assert not is_share_code(candidate)


def test_the_rules_envelope_becomes_the_first_page() -> None:
    envelope = (EVENTS / "eventbridge" / "VacancyPublished.json").read_text()
    page = parse_fanout_message(envelope)
    assert page.page == 0
    assert page.cursor is None
    assert page.origin_event_id == json.loads(envelope)["id"]
    assert page.vacancy.vacancy_id == "greenhouse-263533"


def test_a_next_page_message_round_trips() -> None:
    page = FanoutPage(origin_event_id="e-1", page=3, vacancy=_vacancy(), cursor={"pk": "AMB#E9"})
    assert parse_fanout_message(page.model_dump_json()) == page
    assert page.page_id == "e-1:3"


@pytest.mark.parametrize(
    "body", ["not json", "[]", '{"detail-type": "VacancyPublished"}', '{"kind": "Other"}']
)
def test_a_message_that_can_never_be_a_page_is_a_permanent_error(body: str) -> None:
    with pytest.raises(InvalidInputError):
        parse_fanout_message(body)

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
from kring.queues import CatchupPage, FanoutPage, parse_fanout_message
from kring.sharing.fanout import matches, within_cap

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
    assert isinstance(page, FanoutPage)
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


# --- the catch-up's pages (links follow eligibility) ---------------------------------------------
@pytest.mark.parametrize("sample", ["AmbassadorChanged.json", "AmbassadorPhaseChanged.json"])
def test_an_ambassadors_event_becomes_the_first_page_of_a_catch_up(sample: str) -> None:
    envelope = (EVENTS / "eventbridge" / sample).read_text()
    page = parse_fanout_message(envelope)
    assert isinstance(page, CatchupPage)
    assert (page.page, page.cursor, page.ambassador_id) == (0, None, "E1001")
    assert page.origin_event_id == json.loads(envelope)["id"]
    assert page.announced_eligible is True
    assert page.page_id == f"catchup:{page.origin_event_id}:0"


@pytest.mark.parametrize(
    ("sample", "detail", "eligible"),
    [
        ("AmbassadorChanged.json", {"eligible": False, "was_eligible": True}, False),
        ("AmbassadorPhaseChanged.json", {"to_phase": "evangelize"}, True),
        ("AmbassadorPhaseChanged.json", {"to_phase": "consideration"}, False),
        ("AmbassadorPhaseChanged.json", {"dormant": True}, False),
    ],
)
def test_what_the_event_says_of_eligibility_is_kept(
    sample: str, detail: dict[str, object], eligible: bool
) -> None:
    envelope = json.loads((EVENTS / "eventbridge" / sample).read_text())
    envelope["detail"].update(detail)
    page = parse_fanout_message(json.dumps(envelope))
    assert isinstance(page, CatchupPage)
    assert page.announced_eligible is eligible


def test_a_catch_up_next_page_round_trips() -> None:
    page = CatchupPage(
        origin_event_id="e-1", page=2, ambassador_id="E1", correlation_id="c", cursor={"pk": "VAC#v"}
    )
    assert parse_fanout_message(page.model_dump_json()) == page


@pytest.mark.parametrize(
    ("cap", "this_week", "offered", "allowed"),
    [
        (None, set(), ["a", "b", "c"], ["a", "b", "c"]),
        (2, set(), ["a", "b", "c"], ["a", "b"]),
        (2, {"x"}, ["a", "b"], ["a"]),
        (2, {"x", "y"}, ["a"], []),
        (2, {"x", "y"}, ["x", "a"], ["x"]),  # in the ledger already: never counted twice
        (1, {"a"}, ["b", "a", "c"], ["a"]),
        (0, set(), ["a"], []),
    ],
)
def test_the_one_cap_rule(
    cap: int | None, this_week: set[str], offered: list[str], allowed: list[str]
) -> None:
    assert within_cap(cap, this_week, offered) == allowed


@given(
    cap=st.integers(0, 5),
    this_week=st.sets(st.sampled_from("abcdefgh"), max_size=5),
    offered=st.lists(st.sampled_from("abcdefgh"), unique=True),
)
def test_the_cap_rule_never_gives_more_than_the_week_has_room_for(
    cap: int, this_week: set[str], offered: list[str]
) -> None:
    allowed = within_cap(cap, this_week, offered)
    assert len(set(allowed) | this_week) <= max(cap, len(this_week))
    assert set(allowed) <= set(offered)
    assert len(set(allowed) - this_week) == min(max(cap - len(this_week), 0), len(set(offered) - this_week))

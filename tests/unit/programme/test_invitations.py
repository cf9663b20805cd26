"""Invitation campaigns without AWS: who a campaign invites, the campaign's input, the personal
link's token, the planner's reading of a launch and the programme page's results."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from kring import funnels
from kring.errors import InvalidInputError
from kring.mail import invitation_links, unsubscribe
from kring.mail.invitation_links import Invitation
from kring.mail.planner import parse_request
from kring.models.ambassador import Ambassador
from kring.models.common import PHASES
from kring.models.invitation import (
    Campaign,
    CampaignInput,
    DepartmentAudience,
    LocationAudience,
    in_audience,
    invitable,
)
from kring.portal.programme_page import results_of
from kring.programme.campaigns import new_campaign_id, recipients
from kring.programme.funnel import Now
from tests.support.fixtures import MAIL_LINK_KEY

SAMPLES = Path(__file__).resolve().parents[3] / "events" / "eventbridge"
NOW = datetime(2026, 12, 5, 9, 0, tzinfo=UTC)


def _ambassador(ambassador_id: str = "E1", **fields: Any) -> Ambassador:
    data: dict[str, Any] = {
        "id": ambassador_id,
        "name": "Sam",
        "email": f"{ambassador_id.lower()}@example.com",
        "created_at": NOW,
        "updated_at": NOW,
        **fields,
    }
    return Ambassador.model_validate(data)


@pytest.fixture
def link_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SECRETS_SSM_PATH", raising=False)
    monkeypatch.setenv("KRING_MAIL_LINK_KEY", MAIL_LINK_KEY)
    unsubscribe.clear_cache()


# --- who is invited ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("fields", "audience", "expected"),
    [
        ({"department": "Sales"}, "everyone", True),
        ({}, "everyone", True),
        ({"department": "Sales"}, DepartmentAudience(department=" sales"), True),
        ({"department": "Sales Ops"}, DepartmentAudience(department="Sales"), False),
        ({}, DepartmentAudience(department="Sales"), False),
        ({"location": "Utrecht"}, LocationAudience(location="UTRECHT"), True),
        ({"location": "Utrecht", "department": "Utrecht"}, LocationAudience(location="Amsterdam"), False),
    ],
)
def test_the_audience_matches_department_or_location_without_case(
    fields: dict[str, Any], audience: Any, expected: bool
) -> None:
    assert in_audience(_ambassador(**fields), audience) is expected


@pytest.mark.parametrize("phase", PHASES)
@pytest.mark.parametrize("in_programme", [True, False])
def test_an_invitation_is_for_who_has_not_volunteered_nor_left(phase: str, in_programme: bool) -> None:
    ambassador = _ambassador(phase=phase, in_programme=in_programme)
    assert invitable(ambassador) is (in_programme and phase in ("awareness", "interest"))


@given(
    st.lists(
        st.tuples(
            st.sampled_from(PHASES),
            st.sampled_from(["Sales", "sales", "People", None]),
            st.booleans(),
        ),
        max_size=12,
    )
)
def test_a_campaign_invites_exactly_the_invitable_of_its_audience_in_roster_order(
    people: list[tuple[str, str | None, bool]],
) -> None:
    roster = [
        _ambassador(f"E{n}", phase=phase, department=department, in_programme=member)
        for n, (phase, department, member) in enumerate(people)
    ]
    campaign = Campaign(
        id="abcdefgh1234", audience=DepartmentAudience(department="SALES"), by="Noor", created_at=NOW
    )
    wanted = [
        a.id
        for a in roster
        if a.department and a.department.lower() == "sales" and a.in_programme and a.phase in PHASES[:2]
    ]
    assert list(recipients(campaign, iter(roster))) == wanted


def test_campaign_ids_are_long_random_and_a_valid_period_key() -> None:
    ids = {new_campaign_id() for _ in range(200)}
    assert len(ids) == 200
    assert all(len(i) == 12 and i.isalnum() and i.isascii() for i in ids)


# --- the campaign's input ---------------------------------------------------------------------
@pytest.mark.parametrize(
    "body",
    [
        {"audience": "all"},
        {"audience": {"department": "  "}},
        {"audience": {"department": "a", "location": "b"}},
        {"audience": {"location": "x" * 101}},
        {"audience": "everyone", "note": ""},
        {"audience": "everyone", "by": ""},
        {"audience": "everyone", "extra": 1},
        {"note": "no audience"},
    ],
)
def test_a_campaign_input_that_is_not_one_is_refused(body: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        CampaignInput.model_validate(body)


def test_a_campaign_input_is_trimmed_and_defaults_its_author() -> None:
    wanted = CampaignInput.model_validate({"audience": {"location": " Utrecht "}, "note": " Q1 "})
    assert wanted.audience == LocationAudience(location="Utrecht")
    assert (wanted.note, wanted.by) == ("Q1", "talent team")


# --- the personal link ---------------------------------------------------------------------------
def test_an_invitation_token_names_nobody_and_reads_back(link_key: None) -> None:
    invitation = Invitation("E1001", "k7Qx2mPa9LzR")
    token = invitation_links.make_token(invitation)
    assert "E1001" not in token
    assert "k7Qx2mPa9LzR" not in token
    assert invitation_links.read_token(token) == invitation


def test_the_invitation_url_is_the_portal_s_page_of_the_token(
    link_key: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    from kring import config

    monkeypatch.setenv("PUBLIC_BASE_URL", "https://go.example.com")
    config.clear_caches()
    url = invitation_links.invitation_url(Invitation("E1001", "k7Qx2mPa9LzR"))
    assert url.startswith("https://go.example.com/portal/invitation/")
    assert invitation_links.read_token(url.rsplit("/", 1)[1]) == Invitation("E1001", "k7Qx2mPa9LzR")
    config.clear_caches()


@pytest.mark.parametrize(
    "forge",
    [
        lambda t: t[:-3] + ("AAA" if not t.endswith("AAA") else "BBB"),
        lambda t: t[:40],
        lambda _t: "",
        lambda _t: "é" * 10,
        lambda _t: "A" * 600,
        lambda _t: unsubscribe.make_token("E1001", "preferences"),  # another kind of mail link
    ],
)
def test_a_token_kring_did_not_make_for_an_invitation_is_refused(link_key: None, forge: Any) -> None:
    token = invitation_links.make_token(Invitation("E1001", "k7Qx2mPa9LzR"))
    with pytest.raises(InvalidInputError):
        invitation_links.read_token(forge(token))


def test_an_invitation_token_is_no_unsubscribe_or_preferences_link(link_key: None) -> None:
    token = invitation_links.make_token(Invitation("E1001", "k7Qx2mPa9LzR"))
    with pytest.raises(InvalidInputError):
        unsubscribe.read_token(token)


def test_another_key_reads_no_invitation(link_key: None, monkeypatch: pytest.MonkeyPatch) -> None:
    token = invitation_links.make_token(Invitation("E1001", "k7Qx2mPa9LzR"))
    monkeypatch.setenv("KRING_MAIL_LINK_KEY", "another key")
    unsubscribe.clear_cache()
    from kring import config

    config.clear_caches()
    with pytest.raises(InvalidInputError):
        invitation_links.read_token(token)


# --- the planner's reading of a launch --------------------------------------------------------------
def test_a_campaign_s_launch_is_a_run_of_the_invitation_kind_for_that_campaign() -> None:
    launched = json.loads((SAMPLES / "InvitationCampaignLaunched.json").read_text())
    request = parse_request(launched)
    assert (request.kind, request.campaign) == ("invitation", "k7Qx2mPa9LzR")
    assert request.scheduled_at == datetime(2026, 12, 1, 8, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    "event",
    [
        {"detail-type": "InvitationCampaignLaunched", "detail": {"campaign_id": "../x"}},
        json.loads((SAMPLES / "AmbassadorInvited.json").read_text()),  # not a launch
        {"kind": "invitation", "campaign": "a b"},
    ],
)
def test_a_planner_event_that_is_no_launch_is_refused(event: dict[str, Any]) -> None:
    with pytest.raises(InvalidInputError):
        parse_request(event)


# --- the programme page's results ----------------------------------------------------------------
def test_the_page_counts_only_what_ambassadors_brought_and_everyone_in_the_funnel() -> None:
    totals = funnels.Figures.total({"share_intents": 40, "clicks": 300, "applications": 25, "hires": 4})
    unattributed = funnels.Figures.channel(
        {"applications_unattributed": 10, "hires_unattributed": 1}, "unattributed"
    )
    now = Now.of({"phase_awareness": 5, "phase_decision": 3, "phase_evangelize": 2, "dormant": 1})
    results = results_of(totals, unattributed, now, date(2025, 12, 6), date(2026, 12, 5))
    assert (results.share_intents, results.clicks, results.applications, results.hires) == (40, 300, 15, 3)
    assert results.ambassadors == 10
    assert dict(results.by_phase)["interest"] == 0
    assert results.any


def test_a_programme_without_results_says_so() -> None:
    nothing = funnels.Figures.total({})
    results = results_of(nothing, nothing, Now.of({}), date(2025, 12, 6), date(2026, 12, 5))
    assert not results.any
    assert results.ambassadors == 0

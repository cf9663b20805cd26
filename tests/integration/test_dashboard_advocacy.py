"""The dashboard's leaderboards, invitations and onboarding, and cost per hire pages through the real
DashboardFunction under moto: their figures are the admin API's (and the talent-team digest's),
their CSV twins are their tables, a recruiter launches a campaign that mails its invitations (and
is in the audit trail), an admin edits the onboarding checklist, lesser roles are refused (403,
nothing changed), a bad form or query is a 400 page naming the field, and none of it Scans."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kring import aws
from kring.dashboard import cost_overview, invitation_overview, leaderboard_overview
from kring.events import KringEvent
from kring.mail.i18n import Translator
from kring.mail.periods import period_ending, zone
from kring.mail.team_report import build_team_report
from kring.models.ambassador import AmbassadorInput
from kring.roster.ambassadors import save_ambassador
from kring.web import html
from tests.support import attribution as at
from tests.support import hostile, mail, team
from tests.support import link_activity as la
from tests.support.bus import Bus
from tests.support.dashboard import read_csv, read_page
from tests.support.fixtures import HttpResult, MotoStack, clear_kring_caches
from tests.support.pages import get_page, post_form

NOW = datetime.now(UTC)
EN = Translator("en")


@pytest.fixture
def world(moto_stack: MotoStack) -> MotoStack:
    return moto_stack


def _ambassador(ambassador_id: str, *, name: str, department: str, location: str, **more: Any) -> None:
    save_ambassador(
        AmbassadorInput.model_validate(
            {
                "id": ambassador_id,
                "name": name,
                "email": f"{ambassador_id.lower()}@people.example.com",
                "department": department,
                "location": location,
                **more,
            }
        )
    )


def _csrf(page: HttpResult) -> str:
    return page.body.split('name="csrf" value="')[1].split('"')[0]


def _audit(world: MotoStack) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = world.http("GET", "/api/audit", admin=True).json()["items"]
    return items


# ------------------------------------------------------------------------------------ leaderboards
def _seed_points(world: MotoStack) -> None:
    """E01 (by name, Sales) 3 counted clicks; E02 (not by name, Sales) 2; E03 (Support, Utrecht)
    12 clicks from one network: 1 counted, 12 raw — held back as looking gamed."""
    _ambassador(
        "E01", name="Eva de Vries", department="Sales", location="Amsterdam", leaderboard_display="name"
    )
    _ambassador("E02", name="Hidden Person", department="Sales", location="Amsterdam")
    _ambassador("E03", name="Greedy Gamer", department="Support", location="Utrecht")
    events: list[KringEvent] = []
    for n, (who, clicks) in enumerate((("E01", 3), ("E02", 2)), start=1):
        for k in range(clicks):
            seen = la.visitor(n * 100 + k)
            events.append(la.click(n * 100 + k, at=NOW, ambassador_id=who, visitor_hash=seen, network=seen))
    same = la.visitor(999)
    events += [
        la.click(900 + k, at=NOW, ambassador_id="E03", visitor_hash=la.visitor(900 + k), network=same)
        for k in range(12)
    ]
    bodies = [la.envelope(e) for e in events]
    for start in range(0, len(bodies), 10):
        assert world.invoke("ClickRecorderFunction", la.sqs_event(bodies[start : start + 10])) == {
            "batchItemFailures": []
        }


def test_the_leaderboards_are_the_api_s_with_names_only_where_chosen(world: MotoStack) -> None:
    _seed_points(world)
    cookie = team.signed_in_as(world, "viewer")
    for query in ("", "period=month&scope=department:Sales", "period=quarter&scope=location:Utrecht"):
        got = get_page(world, f"/dashboard/leaderboards?{query}", cookie)
        assert got.status == 200, got.body
        page = read_page(got.body)
        api = world.http("GET", "/api/leaderboards", query=f"{query}&limit=50", admin=True).json()
        rows = page.tables["board"][1:]
        assert [(int(r[0]), r[2], int(r[4])) for r in rows] == [
            (i["position"], i["ambassador_id"], i["points"]) for i in api["items"]
        ]
        assert all(
            r[1] == (i["name"] or f"a colleague in {i['department']}")
            for r, i in zip(rows, api["items"], strict=True)
        )
        assert "Hidden Person" not in got.body
        assert "Greedy Gamer" not in got.body
        exported = get_page(world, f"/dashboard/leaderboards.csv?table=board&{query}", cookie)
        assert read_csv(exported.body) == page.tables["board"]
    overall = read_page(get_page(world, "/dashboard/leaderboards", cookie).body)
    assert [r[1] for r in overall.tables["board"][1:3]] == ["Eva de Vries", "a colleague in Sales"]
    assert ("/dashboard/leaderboards", "Leaderboards") in overall.links  # the navigation

    # the points held back: the API's suspicious list, and its CSV
    api = world.http("GET", "/api/leaderboards/suspicious", admin=True).json()
    assert [i["ambassador_id"] for i in api["items"]] == ["E03"]
    [_, row] = overall.tables["suspicious"]
    assert row == ["E03", "0", "0", "12", "1"]
    suspects = read_csv(get_page(world, "/dashboard/leaderboards.csv?table=suspicious", cookie).body)
    assert suspects == overall.tables["suspicious"]


@pytest.mark.parametrize(
    ("query", "field"),
    [("period=year", "period"), ("at=2026-13-01", "at"), ("scope=team:x", "scope"), ("next=nope", "next")],
)
def test_a_bad_leaderboard_query_is_a_400_page(world: MotoStack, query: str, field: str) -> None:
    cookie = team.signed_in_as(world, "viewer")
    got = get_page(world, f"/dashboard/leaderboards?{query}", cookie)
    assert got.status == 400
    if field != "next":
        assert f"{field}:" in got.body
    assert get_page(world, "/dashboard/leaderboards.csv?table=nothing", cookie).status == 404


# ------------------------------------------------------------------------------------ invitations
class Campaigns:
    def __init__(self, world: MotoStack) -> None:
        self.world = world
        self.bus = Bus(world.stack.physical_name("KringBus"), "kring.api")

    def listed(self) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = self.world.http("GET", "/api/programme/invitations", admin=True).json()[
            "items"
        ]
        return items

    def send(self) -> None:
        """The planner on every launch announced, then the sender on every job (as the stack does)."""
        launched = [e for e in self.bus.drain() if e["detail-type"] == "InvitationCampaignLaunched"]
        for event in launched:
            self.world.invoke("MailPlannerFunction", event)
        bodies = [m["Body"] for m in self.world.receive_all("MailQueue")]
        assert mail.send(self.world, bodies) == []


@pytest.fixture
def campaigns(world: MotoStack) -> Campaigns:
    mail.verify_sending_domain()
    _ambassador("E1", name="Sam One", department="Sales", location="Utrecht")
    _ambassador("E2", name="Sam Two", department="Engineering", location="Utrecht")
    _ambassador("E3", name="Sam Three", department="Sales", location="London", phase="decision")
    return Campaigns(world)


def test_a_recruiter_launches_a_campaign_to_a_department_that_mails_and_is_audited(
    world: MotoStack, campaigns: Campaigns
) -> None:
    cookie = team.signed_in_as(world, "recruiter")
    page = get_page(world, "/dashboard/invitations", cookie)
    assert page.status == 200, page.body
    assert '<option value="department:Sales">Department Sales</option>' in page.body
    assert 'action="/dashboard/invitations/checklist"' not in page.body  # the checklist is an admin's
    form = {"csrf": _csrf(page), "audience": "department:Sales", "note": "Q1 kick-off"}
    launched = post_form(world, "/dashboard/invitations/launch", form, cookie)
    assert launched.status == 303
    assert launched.headers["location"] == "/dashboard/invitations?done=launched"

    [campaign] = campaigns.listed()
    assert (campaign["audience"], campaign["note"], campaign["by"]) == (
        {"department": "Sales"},
        "Q1 kick-off",
        "Rita Recruiter",
    )
    campaigns.send()
    assert [m["To"] for m in mail.sent_messages() if "invited" in str(m["Subject"])] == [
        "e1@people.example.com"
    ]
    [entry] = [e for e in _audit(world) if e["route"] == "POST /dashboard/invitations/launch"]
    assert (entry["summary"], entry["target"], entry["role"]) == (
        "invitation campaign launched",
        campaign["id"],
        "recruiter",
    )

    after = get_page(world, "/dashboard/invitations?done=launched", cookie)
    shown = read_page(after.body)
    [header, row] = shown.tables["campaigns"]
    api = campaigns.listed()[0]
    assert row[1:] == [
        "Department Sales",
        "Q1 kick-off",
        "Rita Recruiter",
        str(api["sent"]),
        str(api["opened"]),
    ]
    assert api["sent"] == 1
    assert "The campaign is launched." in after.body
    exported = read_csv(get_page(world, "/dashboard/invitations.csv?table=campaigns", cookie).body)
    assert exported[0] == header
    # the day the machine's way, in the organisation's time zone (near midnight not UTC's day)
    launched_on = datetime.fromisoformat(api["created_at"]).astimezone(html.translator("en").zone).date()
    assert exported[1] == [launched_on.isoformat(), *row[1:]]


def test_a_viewer_is_refused_launching_and_nothing_is_sent(world: MotoStack, campaigns: Campaigns) -> None:
    cookie = team.signed_in_as(world, "viewer")
    page = get_page(world, "/dashboard/invitations", cookie)
    assert page.status == 200
    assert 'action="/dashboard/invitations/launch"' not in page.body  # no button for a viewer
    refused = post_form(
        world, "/dashboard/invitations/launch", {"csrf": _csrf(page), "audience": "everyone"}, cookie
    )
    assert refused.status == 403
    assert campaigns.listed() == []
    campaigns.send()
    assert [m for m in mail.sent_messages() if "invited" in str(m["Subject"])] == []
    assert not [e for e in _audit(world) if e["route"].startswith("POST /dashboard/invitations")]


@pytest.mark.parametrize(
    ("form", "field"),
    [
        ({"audience": "team:Sales"}, "audience"),
        ({"audience": "department:"}, "audience"),
        ({}, "audience"),
        ({"audience": "everyone", "note": "x" * 501}, "note"),
    ],
)
def test_a_bad_launch_form_is_a_400_page_and_launches_nothing(
    world: MotoStack, campaigns: Campaigns, form: dict[str, str], field: str
) -> None:
    cookie = team.signed_in_as(world, "recruiter")
    csrf = _csrf(get_page(world, "/dashboard/invitations", cookie))
    got = post_form(world, "/dashboard/invitations/launch", {"csrf": csrf, **form}, cookie)
    assert got.status == 400
    assert f"{field}:" in got.body
    assert campaigns.listed() == []
    # and without the page's CSRF token: refused
    assert post_form(world, "/dashboard/invitations/launch", {"audience": "everyone"}, cookie).status == 403
    assert campaigns.listed() == []


def test_an_admin_edits_the_onboarding_checklist_as_the_api_would(world: MotoStack) -> None:
    cookie = team.signed_in_as(world, "admin")
    page = get_page(world, "/dashboard/invitations", cookie)
    assert page.status == 200, page.body
    shown = read_page(page.body)
    api = world.http("GET", "/api/programme/settings", admin=True).json()
    assert [r[0] for r in shown.tables["checklist"][1:]] == [s["id"] for s in api["onboarding_checklist"]]
    form = {
        "csrf": _csrf(page),
        "rows": "4",
        "step-0-id": "guidelines",
        "step-0-en": "Read the guidelines",
        "step-0-nl": "Lees de richtlijnen",
        "step-1-id": "goal",
        "step-1-en": "Set a goal",
        "step-1-nl": "Stel een doel",
        "step-1-remove": "1",
        "step-2-id": "practice-share",
        "step-2-en": "Make a practice share",
        "step-2-nl": "Deel een vacature om te oefenen",
        "step-3-id": "photo",
        "step-3-en": "Add a photo",
        "step-3-nl": "Voeg een foto toe",
    }
    saved = post_form(world, "/dashboard/invitations/checklist", form, cookie)
    assert saved.status == 303, saved.body
    after = world.http("GET", "/api/programme/settings", admin=True).json()
    assert [s["id"] for s in after["onboarding_checklist"]] == ["guidelines", "practice-share", "photo"]
    assert after["onboarding_checklist"][0]["en"] == "Read the guidelines"
    assert after["dormancy_days"] == api["dormancy_days"]  # the rest of the rules kept
    [entry] = [e for e in _audit(world) if e["route"] == "POST /dashboard/invitations/checklist"]
    assert entry["role"] == "admin"

    # a bad id: a 400 naming the field, nothing changed; a duplicate id: the checklist
    bad = post_form(world, "/dashboard/invitations/checklist", {**form, "step-3-id": "No Spaces"}, cookie)
    assert bad.status == 400
    assert "step-3-id:" in bad.body
    twice = post_form(world, "/dashboard/invitations/checklist", {**form, "step-3-id": "guidelines"}, cookie)
    assert twice.status == 400
    assert "checklist:" in twice.body
    assert world.http("GET", "/api/programme/settings", admin=True).json() == after

    # a recruiter may not change settings
    team.add_user(world, "recruiter@company.example", role="recruiter")
    recruiter = team.sign_in(world, "recruiter@company.example")
    recruiter_page = get_page(world, "/dashboard/invitations", recruiter)
    refused = post_form(
        world,
        "/dashboard/invitations/checklist",
        {**form, "csrf": _csrf(recruiter_page), "rows": "1"},
        recruiter,
    )
    assert refused.status == 403
    assert world.http("GET", "/api/programme/settings", admin=True).json() == after


def test_the_onboarding_counts_are_the_phase_counters(world: MotoStack) -> None:
    _ambassador("E1", name="A", department="Sales", location="Utrecht", phase="consideration")
    _ambassador("E2", name="B", department="Sales", location="Utrecht", phase="decision")
    _ambassador("E3", name="C", department="Sales", location="Utrecht", phase="evangelize")
    cookie = team.signed_in_as(world, "viewer")
    shown = read_page(get_page(world, "/dashboard/invitations", cookie).body)
    phases = world.http("GET", "/api/programme/phases", admin=True).json()["now"]["phases"]
    assert [r[1] for r in shown.tables["onboarding"][1:]] == [
        str(phases["consideration"]),
        str(phases["decision"] + phases["evangelize"]),
    ]
    assert [r[1] for r in shown.tables["onboarding"][1:]] == ["1", "2"]


# ------------------------------------------------------------------------------------ cost
HIRED_A = datetime(2026, 3, 10, 10, 0, tzinfo=UTC)
HIRED_B = datetime(2026, 5, 12, 10, 0, tzinfo=UTC)
RUN = datetime(2026, 12, 7, 8, 30, tzinfo=zone())  # the digest of 2026-W49: its 52 weeks hold 2026


@pytest.fixture
def hires(world: MotoStack, monkeypatch: pytest.MonkeyPatch) -> MotoStack:
    """Two hires credited to ambassadors (one reward paid, one owed) and one nobody brought, with an
    interview each; and the other channels' cost per hire."""
    monkeypatch.setenv("REWARD_AMOUNT", "500")
    monkeypatch.setenv("REWARD_HOLDING_DAYS", "3")
    clear_kring_caches()
    _ambassador("E1", name="Eva", department="Sales", location="Utrecht")
    _ambassador("E2", name="Bram", department="Sales", location="Utrecht")
    for app, who, referrer, hired in (("A1", 1, "E1", HIRED_A), ("A2", 2, "E2", HIRED_B)):
        events = [
            at.received(
                at=hired - timedelta(days=20), app=app, who=who, proof=at.evidence(referrer_ids=[referrer])
            ),
            at.stage("interview", at=hired - timedelta(days=20), app=app, who=who),
            at.hired(at=hired, app=app, who=who),
        ]
        for event in events:
            at.deliver_ok(world, [event])
    for event in (
        at.received(at=HIRED_A, app="A3", who=3),
        at.received(at=HIRED_A, app="A4", who=4),
        at.stage("interview", at=HIRED_A, app="A4", who=4),
    ):
        at.deliver_ok(world, [event])
    [reward] = world.http("GET", "/api/rewards", query="ambassador_id=E2", admin=True).json()["items"]
    assert world.http("POST", f"/api/rewards/E2/{reward['reward_id']}/pay", admin=True).status == 200
    settings = {"other_channels": [{"channel": "agency", "label": "Agencies", "cost_per_hire": "8000.00"}]}
    assert world.http("PUT", "/api/team/settings", body=settings, admin=True).status == 200
    return world


def test_cost_per_hire_and_rates_are_the_digest_s(hires: MotoStack) -> None:
    cookie = team.signed_in_as(hires, "viewer")
    got = get_page(hires, "/dashboard/cost?period=year&at=2026-06-15", cookie)
    assert got.status == 200, got.body
    page = read_page(got.body)
    report = build_team_report(period_ending("weekly", RUN, zone()), now=NOW)
    [ambassadors] = report.ambassador_cost_per_hire
    assert (str(ambassadors.rewards_paid), str(ambassadors.rewards_owed), ambassadors.credited_hires) == (
        "500",
        "500",
        2,
    )
    assert page.tables["cost"][1:] == [
        ["Ambassadors", "€500.00", "EUR"],
        ["Agencies", "€8,000.00", "EUR"],
    ]
    assert str(ambassadors.cost_per_hire) == "500.00"
    credited, rest = report.credited, report.rest
    assert page.tables["rates"][1:] == [
        [
            "Credited to ambassadors",
            str(credited.applications),
            str(credited.interviews),
            str(credited.hires),
            "100%",
            "100%",
        ],
        ["The rest", str(rest.applications), str(rest.interviews), str(rest.hires), "50%", "0%"],
    ]
    assert (credited.interview_rate, rest.interview_rate, rest.hire_rate) == (1.0, 0.5, 0.0)
    # the chart has its numbers beside it, and the CSV twins are the tables (amounts bare)
    assert 'id="chart-cost"' in got.body
    assert "€8,000.00" in got.body
    assert read_csv(get_page(hires, "/dashboard/cost.csv?table=cost&period=year&at=2026-06-15", cookie).body)[
        1:
    ] == [
        ["Ambassadors", "500.00", "EUR"],
        ["Agencies", "8000.00", "EUR"],
    ]
    rates = read_csv(
        get_page(hires, "/dashboard/cost.csv?table=rates&period=year&at=2026-06-15", cookie).body
    )
    assert rates[1] == ["Credited to ambassadors", "2", "2", "2", "1", "1"]

    # a quarter holds only its own hires: the first quarter, A1's (its reward owed)
    q1 = read_page(get_page(hires, "/dashboard/cost?at=2026-02-01", cookie).body)
    assert q1.tables["rewards"][1:] == [["EUR", "€0.00", "€500.00", "1", "€500.00", "€0.00"]]


@pytest.mark.parametrize("query", ["period=week", "at=yesterday", "at=2026-02-30"])
def test_a_bad_cost_query_is_a_400_page(world: MotoStack, query: str) -> None:
    cookie = team.signed_in_as(world, "viewer", locale="nl")
    got = get_page(world, f"/dashboard/cost?{query}", cookie)
    assert got.status == 400
    assert 'lang="nl"' in got.body
    assert get_page(world, "/dashboard/cost.csv?table=nothing", cookie).status == 404


def test_the_pages_are_in_dutch_too(world: MotoStack) -> None:
    cookie = team.signed_in_as(world, "admin", locale="nl")
    for path, heading in (
        ("/dashboard/leaderboards", "Ranglijsten"),
        ("/dashboard/invitations", "Uitnodigingen en onboarding"),
        ("/dashboard/cost", "Kosten per aanname en kwaliteit"),
    ):
        got = get_page(world, path, cookie)
        assert got.status == 200, got.body
        assert heading in read_page(got.body).headings


# ------------------------------------------------------------------------------------ no Scan
def test_the_pages_read_counters_and_indexes_only(world: MotoStack) -> None:
    _seed_points(world)
    calls, stop = la.counting(aws.dynamodb())
    try:
        leaderboard_overview.leaderboards_page(EN, leaderboard_overview.Query(), today=NOW.date())
        board = dict(calls)
        calls.clear()
        invitation_overview.invitations_page(EN, next_token=None, may_launch=True, may_edit=True)
        invitations = dict(calls)
        calls.clear()
        cost_overview.cost_page(EN, period=None, at=None, now=NOW)
        cost = dict(calls)
    finally:
        stop()
    # the ranking and its profiles, the suspicious index and its figures, departments and locations
    assert board == {"Query": 2 + 2, "BatchGetItem": 2}
    # the campaigns, by department and by location; the settings item and the counters now
    assert invitations == {"Query": 1 + 2, "GetItem": 2}
    # the programme's day counters, the ledger (one page), the settings item
    assert cost == {"Query": 2, "GetItem": 1}


# ------------------------------------------------------------------------------------ no 5xx
ROUTES_GET = (
    "/dashboard/leaderboards",
    "/dashboard/leaderboards.csv",
    "/dashboard/invitations",
    "/dashboard/invitations.csv",
    "/dashboard/cost",
    "/dashboard/cost.csv",
)
ROUTES_POST = ("/dashboard/invitations/launch", "/dashboard/invitations/checklist")
NAMES = st.sampled_from(
    [
        "period",
        "at",
        "scope",
        "next",
        "table",
        "done",
        "audience",
        "note",
        "rows",
        "step-0-id",
        "step-0-en",
        "step-0-nl",
        "step-0-remove",
        "step-99-id",
        "csrf",
    ]
)


def test_any_query_or_form_on_these_routes_answers_below_500(world: MotoStack) -> None:
    _ambassador("E1", name="Eva", department="Sales", location="Utrecht")
    cookie = team.signed_in_as(world, "admin")
    csrf = _csrf(get_page(world, "/dashboard/invitations", cookie))
    fields = st.dictionaries(NAMES, hostile.ODD_TEXT, max_size=6)

    @hostile.fuzz_settings(examples=40)
    @given(path=st.sampled_from(ROUTES_GET), query=fields)
    def any_query(path: str, query: dict[str, str]) -> None:
        got = get_page(world, f"{path}?{urlencode(query)}", cookie)
        assert got.status < 500, (got.status, got.body[:500])

    @hostile.fuzz_settings(examples=40)
    @given(path=st.sampled_from(ROUTES_POST), form=fields, with_csrf=st.booleans())
    def any_form(path: str, form: dict[str, str], with_csrf: bool) -> None:
        sent = {**form, "csrf": csrf} if with_csrf else form
        got = post_form(world, path, sent, cookie)
        assert got.status < 500, (got.status, got.body[:500])

    any_query()
    any_form()


def test_the_days_of_a_cost_period() -> None:
    today = date(2026, 12, 5)
    assert cost_overview.period_days("quarter", today, today=today) == (date(2026, 10, 1), today)
    assert cost_overview.period_days("year", date(2025, 5, 1), today=today) == (
        date(2025, 1, 1),
        date(2025, 12, 31),
    )
    assert cost_overview.period_days("month", date(2027, 2, 3), today=today) == (
        date(2027, 2, 1),
        date(2027, 2, 28),
    )

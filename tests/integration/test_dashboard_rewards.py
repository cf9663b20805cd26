"""The dashboard's Applications and Rewards pages (issue 14) through the real DashboardFunction
under moto, on data the real functions wrote (the click recorder's clicks, the attribution's
decisions and reward entries) and ledger entries as the attribution writes them: the figures a
page shows are the admin API's, paying one reward and a batch (with one paid by somebody else
meanwhile) pays each once with one audit entry each, a viewer or recruiter is refused, bad input
is a 4xx page, no route answers a 5xx, and nothing is a Scan."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kring import aws, config
from kring.access import audit
from kring.dal import keys
from kring.dal.items import deserialize, serialize
from kring.dashboard import applications_overview, rewards_ledger
from kring.mail.i18n import Translator
from kring.models.access import AuditEntry
from tests.support import attribution as at
from tests.support import attribution_data as ad
from tests.support import digests, hostile, team
from tests.support import link_activity as la
from tests.support.dashboard import read_csv, read_page
from tests.support.fixtures import HttpResult, MotoStack
from tests.support.pages import get_page, post_form

EN = Translator("en")
LONG_AGO = datetime(2025, 1, 6, 10, 0, tzinfo=UTC)
DAY1 = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
APPLIED = DAY1 + timedelta(days=2)
V1 = at.VACANCY


@pytest.fixture
def world(moto_stack: MotoStack) -> MotoStack:
    """E1 and E2 click a link to the Engineer vacancy (E1 first); application A1 names both clicks
    and is hired (last click wins: E2, E1's click excluded); application A2, later, names nothing.
    The ledger: the attribution's entry for A1's hire (pending), and entries written as it writes
    them — E1's r1 eligible, r2 cancelled, r3 paid; E2's r4 eligible."""
    digests.put_ambassador("E1", DAY1 - timedelta(days=60), name="Eva de Vries", department="Sales")
    digests.put_ambassador("E2", DAY1 - timedelta(days=60), name="=Jan", department="IT")
    digests.put_vacancy(
        "P1", title="Engineer", department="IT", published_at=DAY1 - timedelta(days=5), job=at.JOB
    )
    clicks = [
        la.click(1, at=DAY1, vacancy_id=V1, ambassador_id="E1", visitor_hash=la.visitor(1)),
        la.click(
            2,
            at=DAY1 + timedelta(days=1),
            vacancy_id=V1,
            ambassador_id="E2",
            channel="x",
            visitor_hash=la.visitor(2),
        ),
    ]
    assert moto_stack.invoke("ClickRecorderFunction", la.sqs_event([la.envelope(e) for e in clicks])) == {
        "batchItemFailures": []
    }
    at.deliver_ok(
        moto_stack,
        [
            at.received(at=APPLIED, proof=at.evidence(tokens=[c.click_id for c in clicks])),
            at.stage("interview", at=APPLIED + timedelta(hours=20)),
            at.hired(at=APPLIED + timedelta(days=1)),
            at.received(at=APPLIED + timedelta(days=2), app="A2", who=2),
        ],
    )
    ad.put_reward("E1", "r1", hired_at=LONG_AGO, vacancy_id=V1)
    ad.put_reward("E1", "r2", hired_at=LONG_AGO + timedelta(days=1), status="cancelled")
    ad.put_reward(
        "E1",
        "r3",
        hired_at=LONG_AGO + timedelta(days=2),
        status="paid",
        paid_at=LONG_AGO + timedelta(days=95),
    )
    ad.put_reward("E2", "r4", hired_at=LONG_AGO + timedelta(days=3), amount="750.00")
    return moto_stack


def _api(stack: MotoStack, path: str, query: str = "") -> dict[str, Any]:
    got = stack.http("GET", path, query=query, admin=True)
    assert got.status == 200, got.body
    body: dict[str, Any] = got.json()
    return body


def _stored(ambassador_id: str, reward_id: str) -> dict[str, Any]:
    got = aws.dynamodb().get_item(
        TableName=config.tables().table_name, Key=serialize(keys.reward(ambassador_id, reward_id))
    )
    return deserialize(got["Item"])


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, "no CSRF token on the page"
    return found.group(1)


def _paid_entries() -> list[AuditEntry]:
    today = datetime.now(UTC).date()
    entries, _ = audit.read(today - timedelta(days=1), today + timedelta(days=1), 100, None)
    return [e for e in entries if e.route.startswith("POST /dashboard/rewards")]


def _another(world: MotoStack, role: str, locale: str = "en") -> str:
    """A second user signed in within one test (sending is verified once, by the first)."""
    address = f"another-{role}-{locale}@company.example"
    team.add_user(world, address, role=role, locale=locale)
    return team.sign_in(world, address)


def _signed_in(world: MotoStack, role: str, locale: str = "en") -> tuple[str, str]:
    cookie = team.signed_in_as(world, role, locale)
    page = get_page(world, "/dashboard/rewards", cookie)
    assert page.status == 200, page.body
    return cookie, _csrf(page.body)


# ------------------------------------------------------------------------------------ applications
def test_the_applications_list_newest_first_with_the_api_s_credit_and_stage(world: MotoStack) -> None:
    cookie = team.signed_in_as(world, "viewer")
    got = get_page(world, "/dashboard/applications", cookie)
    assert got.status == 200, got.body
    page = read_page(got.body)
    assert ("/dashboard/applications", "Applications") in page.links  # the navigation
    assert ("/dashboard/rewards", "Rewards") in page.links
    rows = page.tables["applications"]
    assert rows[0] == [
        "Application",
        "Applied",
        "Vacancy",
        "Credited ambassador",
        "Channel",
        "Method",
        "Stage",
    ]
    assert [r[0] for r in rows[1:]] == ["Greenhouse A2", "Greenhouse A1"]  # newest first
    a1 = _api(world, "/api/applications/greenhouse/A1/attribution")
    assert (a1["ambassador_id"], a1["channel"], a1["method"], a1["stage"]) == (
        "E2",
        "x",
        "click_token",
        "hired",
    )
    assert page.row("applications", "Greenhouse A1") | {} == {
        "Application": "Greenhouse A1",
        "Applied": "22 November 2026",
        "Vacancy": f"Engineer ({V1})",
        "Credited ambassador": "=Jan (E2)",
        "Channel": "X",
        "Method": EN.name("method", a1["method"]),
        "Stage": "Hired",
    }
    a2 = _api(world, "/api/applications/greenhouse/A2/attribution")
    assert a2["ambassador_id"] is None
    assert page.row("applications", "Greenhouse A2")["Credited ambassador"] == "Nobody"
    assert page.link("Greenhouse A1") == "/dashboard/applications/greenhouse/A1"

    exported = get_page(world, "/dashboard/applications.csv", cookie)
    assert exported.status == 200
    assert exported.headers["content-disposition"] == 'attachment; filename="applications.csv"'
    table = read_csv(exported.body)
    assert table[0] == rows[0]
    assert table[2][:4] == ["Greenhouse A1", APPLIED.isoformat(), f"Engineer ({V1})", "'=Jan (E2)"]


def test_the_applications_list_pages(world: MotoStack, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(applications_overview, "PAGE_SIZE", 1)
    first = read_page(applications_overview.applications_page(EN, next_token=None))
    assert [r[0] for r in first.tables["applications"][1:]] == ["Greenhouse A2"]
    href = first.link("Next page")
    token = href.split("next=", 1)[1]
    second = read_page(applications_overview.applications_page(EN, next_token=token))
    assert [r[0] for r in second.tables["applications"][1:]] == ["Greenhouse A1"]
    assert second.link("Back to the first page") == "/dashboard/applications"


def test_an_application_s_explanation_in_plain_words_in_english_and_dutch(world: MotoStack) -> None:
    cookie = team.signed_in_as(world, "viewer")
    got = get_page(world, "/dashboard/applications/greenhouse/A1", cookie)
    assert got.status == 200, got.body
    page = read_page(got.body)
    assert "Application Greenhouse A1" in page.headings
    assert (
        "=Jan (E2) was credited for a click on their link (X), by the rule last valid click wins" in got.body
    )
    api = _api(world, "/api/applications/greenhouse/A1/attribution")
    touches = page.tables["touches"]
    assert len(touches) - 1 == len(api["considered"])
    by_ambassador = {row[3]: row for row in touches[1:]}
    assert by_ambassador["=Jan (E2)"][:3] == [
        "Click on a link",
        "Credited",
        "the last valid click before the application.",
    ]
    assert by_ambassador["Eva de Vries (E1)"][:3] == [
        "Click on a link",
        "Excluded",
        "a later valid click won (last click wins).",
    ]
    assert "a later valid click won (last click wins)." in got.body  # in "What was excluded" too
    assert len(page.tables["counted"]) - 1 == len(api["counted"])
    assert at.candidate(1) not in got.body  # no candidate data: not even the candidate's key

    exported = read_csv(
        get_page(world, "/dashboard/applications/greenhouse/A1.csv?table=touches", cookie).body
    )
    assert exported[0] == touches[0]
    assert len(exported) == len(touches)

    dutch_cookie = _another(world, "viewer", locale="nl")
    dutch = get_page(world, "/dashboard/applications/greenhouse/A1", dutch_cookie)
    assert dutch.status == 200
    assert 'lang="nl"' in dutch.body
    assert "een latere geldige klik won (de laatste klik wint)." in dutch.body
    assert "Uitgesloten" in dutch.body

    none = get_page(world, "/dashboard/applications/greenhouse/A2", cookie)
    assert "Nobody was credited for this application" in none.body


def test_unknown_applications_and_bad_queries(world: MotoStack) -> None:
    cookie = team.signed_in_as(world, "viewer")
    assert get_page(world, "/dashboard/applications/greenhouse/A404", cookie).status == 404
    assert get_page(world, "/dashboard/applications/nowhere/A1", cookie).status == 400
    assert get_page(world, "/dashboard/applications/greenhouse/A1.csv?table=secrets", cookie).status == 404
    assert get_page(world, "/dashboard/applications?next=not-a-token", cookie).status == 400
    rewards_token = _api(world, "/api/rewards", "limit=1")["next"]
    assert get_page(world, f"/dashboard/applications?next={rewards_token}", cookie).status == 400
    assert get_page(world, "/dashboard/applications").status == 303  # no session: sign in


# ------------------------------------------------------------------------------------ rewards
def test_the_ledger_and_totals_are_the_api_s_and_a_viewer_sees_no_pay_button(world: MotoStack) -> None:
    cookie = team.signed_in_as(world, "viewer")
    got = get_page(world, "/dashboard/rewards", cookie)
    assert got.status == 200, got.body
    page = read_page(got.body)
    api = _api(world, "/api/rewards")["items"]
    ledger = page.tables["ledger"]
    assert ledger[0] == [
        "Ambassador", "Amount", "Currency", "Status", "Hired", "Eligible from", "Paid", "Vacancy",
        "Application", "Reward id",
    ]  # fmt: skip
    assert page.column("ledger", "Reward id") == [i["reward_id"] for i in api]
    assert page.column("ledger", "Status") == [i["status"].title() for i in api]
    assert page.row("ledger", "=Jan (E2)")["Amount"] == "€750.00"
    totals = page.row("totals", "EUR")
    assert (totals["Eligible"], totals["Paid"], totals["Cancelled"]) == ("€1,250.00", "€500.00", "€500.00")
    assert (
        totals["Pending"] == "€" + f"{sum(float(i['amount']) for i in api if i['status'] == 'pending'):,.2f}"
    )
    assert totals["Entries"] == str(len(api))
    assert '/pay"' not in got.body  # no pay buttons, no pay form
    assert '<form method="post" action="/dashboard/rewards' not in got.body
    assert 'type="checkbox"' not in got.body

    eligible = read_page(get_page(world, "/dashboard/rewards?status=eligible", cookie).body)
    assert eligible.column("ledger", "Reward id") == ["r1", "r4"]
    exported = read_csv(get_page(world, "/dashboard/rewards.csv?status=eligible", cookie).body)
    assert exported[0] == eligible.tables["ledger"][0]
    assert [r[1] for r in exported[1:]] == ["500.00", "750.00"]
    assert get_page(world, "/dashboard/rewards?status=owed", cookie).status == 400


def test_the_payroll_export_has_what_a_clerk_needs(world: MotoStack) -> None:
    cookie = team.signed_in_as(world, "viewer")
    got = get_page(world, "/dashboard/rewards/payroll.csv?status=eligible", cookie)
    assert got.status == 200
    assert got.headers["content-disposition"] == 'attachment; filename="rewards-payroll.csv"'
    rows = read_csv(got.body)
    assert rows[0] == [
        "Ambassador id", "Name", "Department", "Amount", "Currency", "Reason", "Vacancy id", "Vacancy",
        "Hired", "Eligible from", "Paid", "Status", "Reward id",
    ]  # fmt: skip
    assert rows[1] == [
        "E1", "Eva de Vries", "Sales", "500.00", "EUR", "Referral reward for a hire on 2025-01-06", V1,
        "Engineer", "2025-01-06", "2025-04-06", "", "Eligible", "r1",
    ]  # fmt: skip
    assert rows[2][:4] == ["E2", "'=Jan", "IT", "750.00"]  # a name is never a formula
    paid = read_csv(get_page(world, "/dashboard/rewards/payroll.csv?status=paid", cookie).body)
    assert [(r[-1], r[10]) for r in paid[1:]] == [("r3", "2025-04-11")]


def test_an_admin_pays_one_reward_once_with_one_audit_entry(world: MotoStack) -> None:
    cookie, csrf = _signed_in(world, "admin")
    page = get_page(world, "/dashboard/rewards", cookie)
    assert 'formaction="/dashboard/rewards/E1/r1/pay"' in page.body
    assert 'formaction="/dashboard/rewards/E1/r3/pay"' not in page.body  # paid: no button
    got = post_form(world, "/dashboard/rewards/E1/r1/pay", {"csrf": csrf, "status": "eligible"}, cookie)
    assert got.status == 303
    assert got.headers["location"] == "/dashboard/rewards?status=eligible&paid=1"
    stored = _stored("E1", "r1")
    assert stored["status"] == "paid"
    [entry] = _paid_entries()
    assert (entry.target, entry.summary, entry.role) == ("E1/r1", "reward paid", "admin")
    shown = get_page(world, got.headers["location"], cookie)
    assert "1 reward paid." in shown.body
    assert "r1" not in read_page(shown.body).column("ledger", "Reward id")

    again = post_form(world, "/dashboard/rewards/E1/r1/pay", {"csrf": csrf}, cookie)
    assert again.headers["location"] == "/dashboard/rewards?already=1"
    assert _stored("E1", "r1")["paid_at"] == stored["paid_at"]  # not paid twice
    assert len(_paid_entries()) == 1
    held = post_form(world, "/dashboard/rewards/E1/r2/pay", {"csrf": csrf}, cookie)
    assert held.headers["location"] == "/dashboard/rewards?refused=1"
    assert _stored("E1", "r2")["status"] == "cancelled"
    assert "could not be paid" in get_page(world, held.headers["location"], cookie).body
    assert post_form(world, "/dashboard/rewards/E9/r9/pay", {"csrf": csrf}, cookie).status == 404


def test_a_batch_pays_each_once_even_one_somebody_else_paid_meanwhile(world: MotoStack) -> None:
    cookie, csrf = _signed_in(world, "admin")
    # somebody else pays r4 through the API after the page was shown
    assert world.http("POST", "/api/rewards/E2/r4/pay", admin=True).status == 200
    paid_by_api = _stored("E2", "r4")["paid_at"]
    fields = {
        "csrf": csrf,
        rewards_ledger.pay_field("E1", "r1"): "1",
        rewards_ledger.pay_field("E2", "r4"): "1",
        rewards_ledger.pay_field("E1", "r2"): "1",  # cancelled
        "shown": "E1|r3",  # shown, not ticked: not paid
    }
    got = post_form(world, "/dashboard/rewards/pay", fields, cookie)
    assert got.status == 303
    assert got.headers["location"] == "/dashboard/rewards?paid=1&already=1&refused=1"
    assert _stored("E1", "r1")["status"] == "paid"
    assert _stored("E2", "r4")["paid_at"] == paid_by_api  # the API's payment stands, not a second
    assert _stored("E1", "r2")["status"] == "cancelled"
    assert [e.target for e in _paid_entries()] == ["E1/r1"]
    assert (
        "1 had already been paid and was not paid again."
        in get_page(world, got.headers["location"], cookie).body
    )


def test_pay_all_eligible_shown(world: MotoStack) -> None:
    cookie, _ = _signed_in(world, "admin")
    page = get_page(world, "/dashboard/rewards?status=eligible", cookie).body
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page))
    assert set(fields) == {"csrf", "status", "shown"}
    assert fields["shown"] == "E1|r1 E2|r4"
    got = post_form(world, "/dashboard/rewards/pay", {**fields, "all": "1"}, cookie)
    assert got.headers["location"] == "/dashboard/rewards?status=eligible&paid=2"
    assert {_stored("E1", "r1")["status"], _stored("E2", "r4")["status"]} == {"paid"}
    assert sorted(e.target or "" for e in _paid_entries()) == ["E1/r1", "E2/r4"]
    listed = read_page(get_page(world, "/dashboard/rewards?status=eligible", cookie).body)
    assert [row for row in listed.tables["ledger"][1:] if "r1" in row or "r4" in row] == []


@pytest.mark.parametrize("role", ["viewer", "recruiter"])
def test_a_viewer_or_recruiter_is_refused_paying_and_nothing_is_paid(world: MotoStack, role: str) -> None:
    cookie, csrf = _signed_in(world, role)
    one = post_form(world, "/dashboard/rewards/E1/r1/pay", {"csrf": csrf}, cookie)
    batch = post_form(
        world,
        "/dashboard/rewards/pay",
        {"csrf": csrf, "all": "1", "shown": "E1|r1"},
        cookie,
    )
    assert (one.status, batch.status) == (403, 403)
    assert EN("dashboard.refused.body", role=EN("dashboard.role.admin")) in one.body
    assert _stored("E1", "r1")["status"] == "pending"
    assert _paid_entries() == []


def test_a_form_without_its_token_or_choice_changes_nothing(world: MotoStack) -> None:
    cookie, csrf = _signed_in(world, "admin")
    assert post_form(world, "/dashboard/rewards/E1/r1/pay", {}, cookie).status == 403
    assert post_form(world, "/dashboard/rewards/E1/r1/pay", {"csrf": "forged"}, cookie).status == 403
    assert (
        post_form(
            world, "/dashboard/rewards/E1/r1/pay", {"csrf": csrf}, cookie, origin="https://evil.example"
        ).status
        == 403
    )
    empty = post_form(world, "/dashboard/rewards/pay", {"csrf": csrf}, cookie)
    assert empty.status == 400
    assert "reward: choose at least one eligible reward" in empty.body
    many = {rewards_ledger.pay_field("E1", f"x{n}"): "1" for n in range(rewards_ledger.MAX_BATCH + 1)}
    assert post_form(world, "/dashboard/rewards/pay", {"csrf": csrf, **many}, cookie).status == 400
    assert _stored("E1", "r1")["status"] == "pending"
    assert _paid_entries() == []


def test_the_pages_read_indexes_only(world: MotoStack) -> None:
    """The applications list: one Query of the list, a BatchGetItem of names and one of titles; one
    application: the explain API's GetItems, then names and titles; the rewards page: its page of
    the ledger and the ledger's totals (Queries), names and titles. Never a Scan."""
    calls, stop = la.counting(aws.dynamodb())
    now = datetime.now(UTC)
    try:
        applications_overview.applications_page(EN, next_token=None)
        listed = dict(calls)
        calls.clear()
        applications_overview.application_page(EN, "greenhouse", "A1")
        one = dict(calls)
        calls.clear()
        rewards_ledger.rewards_page(EN, status=None, next_token=None, now=now, can_pay=True)
        ledger = dict(calls)
        calls.clear()
        rewards_ledger.payroll_csv(EN, status="eligible", now=now)
        payroll = dict(calls)
    finally:
        stop()
    assert listed == {"Query": 1, "BatchGetItem": 2}
    assert one == {"GetItem": 1, "BatchGetItem": 3}  # the alias; the state, names, titles
    assert ledger == {"Query": 2, "BatchGetItem": 2}
    assert payroll == {"Query": 1, "BatchGetItem": 2}


def _answer(
    world: MotoStack, route: tuple[str, str], query: dict[str, str], cookie: str, form: dict[str, str]
) -> HttpResult:
    method, path = route
    if method == "GET":
        return world.http("GET", path, headers={"cookie": cookie}, query=urlencode(query))
    return post_form(world, path, form, cookie)


def test_no_query_or_form_on_these_routes_is_a_5xx(world: MotoStack) -> None:
    cookie, csrf = _signed_in(world, "admin")
    texts = st.text(max_size=30) | st.sampled_from(
        ["eligible", "paid", "pending", "cancelled", "1", "-1", "99999"]
    )
    names = st.sampled_from(["status", "next", "table", "paid", "already", "refused", "all"]) | st.text(
        max_size=12
    )
    paths = st.sampled_from(
        [
            ("GET", "/dashboard/applications"),
            ("GET", "/dashboard/applications.csv"),
            ("GET", "/dashboard/applications/greenhouse/A1"),
            ("GET", "/dashboard/applications/greenhouse/A1.csv"),
            ("GET", "/dashboard/rewards"),
            ("GET", "/dashboard/rewards.csv"),
            ("GET", "/dashboard/rewards/totals.csv"),
            ("GET", "/dashboard/rewards/payroll.csv"),
            ("POST", "/dashboard/rewards/pay"),
            ("POST", "/dashboard/rewards/E1/r1/pay"),
            ("POST", "/dashboard/rewards/E1/nope/pay"),
        ]
    )
    field_names = names | st.builds(
        rewards_ledger.pay_field,
        st.sampled_from(["E1", "E2", "", "x|y"]),
        st.text(max_size=8),
    )

    @hostile.fuzz_settings(examples=30)
    @given(
        route=paths,
        query=st.dictionaries(names, texts, max_size=4),
        form=st.dictionaries(field_names, texts, max_size=5),
        with_csrf=st.booleans(),
    )
    def answers(route: tuple[str, str], query: dict[str, str], form: dict[str, str], with_csrf: bool) -> None:
        sent = {**form, **({"csrf": csrf} if with_csrf else {})}
        got = _answer(world, route, query, cookie, sent)
        assert got.status < 500, (got.status, got.body[:500])

    answers()


def test_the_nav_lists_both_sections_for_every_role(world: MotoStack) -> None:
    for cookie in (team.signed_in_as(world, "viewer"), _another(world, "admin")):
        page = read_page(get_page(world, "/dashboard", cookie).body)
        assert ("/dashboard/applications", "Applications") in page.links
        assert ("/dashboard/rewards", "Rewards") in page.links

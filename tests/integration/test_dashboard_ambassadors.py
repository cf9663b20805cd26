"""The dashboard's ambassador pages (issue 14) through the real DashboardFunction under moto: the
roster with its search and filters (and its CSV twin), one ambassador's results, journey and links
(the admin API's figures), a phase moved by hand, an erasure with its confirmation, and the CSV
import's preview — which writes nothing — then the import itself. Every change needs the API
route's role (a lesser one: a 403 page, nothing changed) and is in the audit trail."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from html import unescape
from typing import Any

import boto3
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from infra.local.template import REGION
from kring import aws
from kring.dal.share_links import ShareLinkRepository
from kring.dashboard import ambassador_overview
from kring.mail.i18n import Translator
from kring.models.vacancy import ShareLink
from tests.support import digests, team
from tests.support import link_activity as la
from tests.support.dashboard import read_csv, read_page
from tests.support.fixtures import MotoStack
from tests.support.imports import apply, queued
from tests.support.pages import get_page, post_form, post_multipart

EN = Translator("en")
VACANCY = "greenhouse-1"
PEOPLE: list[dict[str, Any]] = [
    {
        "id": "E1",
        "name": "Ann de Vries",
        "email": "ann@example.com",
        "department": "Engineering",
        "location": "Utrecht",
        "phase": "decision",
        "opted_in": True,
    },
    {
        "id": "E2",
        "name": "Bob Bakker",
        "email": "bob@example.com",
        "department": "Sales",
        "location": "Amsterdam",
        "phase": "awareness",
    },
    {
        "id": "E3",
        "name": "Cor Jansen",
        "email": "cor@example.com",
        "department": "Sales",
        "location": "Utrecht",
        "phase": "decision",
        "opted_in": True,
    },
]


@pytest.fixture
def world(moto_stack: MotoStack) -> MotoStack:
    for person in PEOPLE:
        saved = moto_stack.http("POST", "/api/ambassadors", body=person, admin=True)
        assert saved.status == 201, saved.body
    # dormant by hand (a new profile is not: the programme decides by activity)
    patched = moto_stack.http("PATCH", "/api/ambassadors/E3", body={"dormant": True}, admin=True)
    assert patched.json()["dormant"] is True, patched.body
    return moto_stack


def _csrf(body: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', body)
    assert found is not None
    return found.group(1)


def _names(body: str) -> list[str]:
    return [row[0] for row in read_page(body).tables["ambassadors"][1:]]


def _also_signed_in(world: MotoStack, role: str) -> str:
    """A second user in the same test (mail sending is verified once)."""
    address = f"second-{role}@company.example"
    team.add_user(world, address, role=role)
    return team.sign_in(world, address)


def _audit(world: MotoStack) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = world.http("GET", "/api/audit", admin=True).json()["items"]
    return items


def _items(world: MotoStack) -> list[dict[str, Any]]:
    """Every item of the table (a test's Scan: the pages never make one)."""
    client = boto3.client("dynamodb", region_name=REGION)
    found: list[dict[str, Any]] = []
    for page in client.get_paginator("scan").paginate(TableName=world.table_name, ConsistentRead=True):
        found.extend(page["Items"])
    return sorted(found, key=lambda i: (i["pk"]["S"], i["sk"]["S"]))


def _journey(world: MotoStack, ambassador_id: str) -> dict[str, Any]:
    got = world.http("GET", f"/api/ambassadors/{ambassador_id}/journey", admin=True)
    assert got.status == 200, got.body
    body: dict[str, Any] = got.json()
    return body


# ------------------------------------------------------------------------------------ the roster
@pytest.mark.parametrize(
    ("query", "names"),
    [
        ("", ["Ann de Vries", "Bob Bakker", "Cor Jansen"]),
        ("phase=decision", ["Ann de Vries", "Cor Jansen"]),
        ("department=sales", ["Bob Bakker", "Cor Jansen"]),
        ("location=Utrecht&department=Sales", ["Cor Jansen"]),
        ("dormant=yes", ["Cor Jansen"]),
        ("dormant=no", ["Ann de Vries", "Bob Bakker"]),
        ("eligible=yes", ["Ann de Vries"]),
        ("eligible=no", ["Bob Bakker", "Cor Jansen"]),
        ("q=BAKK", ["Bob Bakker"]),
        ("q=cor%40example", ["Cor Jansen"]),
        ("q=E1", ["Ann de Vries"]),
        ("phase=interest", []),
    ],
)
def test_the_roster_searches_and_filters_and_its_csv_is_the_table(
    world: MotoStack, query: str, names: list[str]
) -> None:
    cookie = team.signed_in_as(world, "viewer")
    got = get_page(world, f"/dashboard/ambassadors?{query}", cookie)
    assert got.status == 200, got.body
    assert _names(got.body) == names or (names == [] and _names(got.body) == ["Nothing here yet."])
    page = read_page(got.body)
    assert ("/dashboard/ambassadors", "Ambassadors") in page.links  # the navigation
    assert "Import a CSV file" not in got.body  # a viewer may not import
    exported = get_page(world, f"/dashboard/ambassadors.csv?{query}", cookie)
    assert exported.status == 200
    assert exported.headers["content-type"] == "text/csv; charset=utf-8"
    rows = read_csv(exported.body)
    assert rows[0] == page.tables["ambassadors"][0]
    assert [row[0] for row in rows[1:]] == names
    # only the filters no index answers say so on the page
    filtered_in_pages = query not in ("", "eligible=yes")
    assert ("read from the roster" in got.body or "applied to the roster" in got.body) == filtered_in_pages


def test_the_roster_rows_say_what_the_api_says(world: MotoStack) -> None:
    cookie = team.signed_in_as(world, "admin")
    got = get_page(world, "/dashboard/ambassadors", cookie)
    page = read_page(got.body)
    api = {a["id"]: a for a in world.http("GET", "/api/ambassadors", admin=True).json()["items"]}
    for name in ("Ann de Vries", "Bob Bakker", "Cor Jansen"):
        row = page.row("ambassadors", name)
        person = api[row["Employee id"]]
        assert person["name"] == name
        assert row["Department"] == person["department"]
        assert row["Location"] == person["location"]
        assert row["Dormant"] == ("Yes" if person["dormant"] else "No")
    assert page.row("ambassadors", "Ann de Vries")["Gets share links"] == "Yes"
    assert page.row("ambassadors", "Bob Bakker")["Gets share links"] == (
        "No: not opted in, not in phase Decision or Evangelize"
    )
    assert page.link("Ann de Vries") == "/dashboard/ambassadors/E1"
    assert page.link("Import a CSV file") == "/dashboard/ambassadors/import"  # an admin may


def test_the_roster_pages_with_the_list_token(world: MotoStack, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ambassador_overview, "PAGE_SIZE", 2)
    monkeypatch.setattr(ambassador_overview, "MAX_READS", 1)
    cookie = team.signed_in_as(world, "viewer")
    first = get_page(world, "/dashboard/ambassadors", cookie)
    assert _names(first.body) == ["Ann de Vries", "Bob Bakker"]
    next_href = unescape(read_page(first.body).link("Next page"))
    second = get_page(world, next_href, cookie)
    assert _names(second.body) == ["Cor Jansen"]
    # a filter no index answers: a page reads 2 and shows what matched (here: nothing), and goes on
    sales = get_page(world, "/dashboard/ambassadors?department=Sales&phase=decision", cookie)
    assert _names(sales.body) == ["Nothing here yet."]
    assert "This page read 2 ambassadors and shows the 0 that match" in sales.body
    more = get_page(world, unescape(read_page(sales.body).link("Next page")), cookie)
    assert _names(more.body) == ["Cor Jansen"]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("phase=boss", "phase"),
        ("dormant=maybe", "dormant"),
        ("eligible=1", "eligible"),
        ("department=" + "x" * 101, "department"),
        ("next=not-a-token", "next"),
    ],
)
def test_a_bad_filter_is_a_400_page_naming_it(world: MotoStack, query: str, field: str) -> None:
    cookie = team.signed_in_as(world, "viewer")
    got = get_page(world, f"/dashboard/ambassadors?{query}", cookie)
    assert got.status == 400, got.body
    assert "Nothing was changed" in got.body
    if field != "next":
        assert f"{field}: " in got.body


def test_a_list_token_of_another_listing_is_refused(
    world: MotoStack, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ambassador_overview, "PAGE_SIZE", 1)
    monkeypatch.setattr(ambassador_overview, "MAX_READS", 1)
    cookie = team.signed_in_as(world, "viewer")
    first = get_page(world, "/dashboard/ambassadors", cookie)
    token = unescape(read_page(first.body).link("Next page")).split("next=")[1]
    assert get_page(world, f"/dashboard/ambassadors?eligible=yes&next={token}", cookie).status == 400


# ------------------------------------------------------------------------------------ one ambassador
def _activity(world: MotoStack) -> None:
    """E1: a link for one vacancy, a share and two clicks on it yesterday, a move by hand."""
    yesterday = datetime.now(UTC) - timedelta(days=1)
    digests.put_vacancy("1", title="Engineer", department="IT", published_at=yesterday - timedelta(days=1))
    code = la.share_code(VACANCY, "E1")
    ShareLinkRepository().put_links(
        [ShareLink(code=code, vacancy_id=VACANCY, ambassador_id="E1", created_at=yesterday)]
    )
    events = [
        la.intent(1, at=yesterday, vacancy_id=VACANCY, ambassador_id="E1"),
        *(
            la.click(n, at=yesterday, vacancy_id=VACANCY, ambassador_id="E1", visitor_hash=la.visitor(n))
            for n in (1, 2)
        ),
    ]
    assert world.invoke("ClickRecorderFunction", la.sqs_event([la.envelope(e) for e in events])) == {
        "batchItemFailures": []
    }
    moved = world.http(
        "POST",
        "/api/ambassadors/E1/phase",
        body={"phase": "evangelize", "reason": "Spoke at the fair"},
        admin=True,
    )
    assert moved.status == 200, moved.body


def test_one_ambassador_shows_the_apis_figures_journey_and_links(world: MotoStack) -> None:
    _activity(world)
    cookie = team.signed_in_as(world, "viewer")
    got = get_page(world, "/dashboard/ambassadors/E1", cookie)
    assert got.status == 200, got.body
    page = read_page(got.body)
    assert "Ann de Vries" in page.headings
    stats = world.http("GET", "/api/ambassadors/E1/stats", admin=True).json()
    for metric in ("share_intents", "clicks", "unique_visitors", "applications", "hires"):
        label = EN(f"dashboard.metric.{metric}")
        api_name = "unique_visitor_days" if metric == "unique_visitors" else metric
        assert page.row("results", label)["Number"] == str(stats["totals"][api_name])
    assert stats["totals"]["clicks"] == 2
    linkedin = page.row("channels", "LinkedIn")
    assert linkedin["Clicks"] == str(stats["by_channel"]["linkedin"]["clicks"]) == "2"
    [link] = page.tables["links"][1:]
    assert link[0] == "Engineer"
    assert link[1].endswith(la.share_code(VACANCY, "E1"))
    assert page.link("Engineer") == f"/dashboard/vacancies/{VACANCY}"
    assert page.tables["journey"][1][5] == "Spoke at the fair"  # newest first
    journey = _journey(world, "E1")
    assert len(page.tables["journey"]) - 1 == len(journey["history"]) >= 1
    assert set(page.tables) == set(ambassador_overview.AMBASSADOR_TABLES)
    for table in ambassador_overview.AMBASSADOR_TABLES:
        exported = get_page(world, f"/dashboard/ambassadors/E1.csv?table={table}", cookie)
        assert exported.status == 200
        assert read_csv(exported.body)[0] == page.tables[table][0]
    assert read_csv(get_page(world, "/dashboard/ambassadors/E1.csv?table=journey", cookie).body)[1:] == [
        [row[0], *row[1:]] for row in page.tables["journey"][1:]
    ]
    # a viewer is shown neither the move nor the erasure
    assert "Move the phase" not in got.body
    assert "/dashboard/ambassadors/E1/erase" not in got.body
    assert get_page(world, "/dashboard/ambassadors/E1.csv?table=nothing", cookie).status == 404
    assert get_page(world, "/dashboard/ambassadors/E404", cookie).status == 404
    assert get_page(world, "/dashboard/ambassadors/E%201", cookie).status == 404


# ------------------------------------------------------------------------------------ moving a phase
def test_a_recruiter_moves_a_phase_with_a_reason_and_it_is_audited(world: MotoStack) -> None:
    cookie = team.signed_in_as(world, "recruiter")
    page = get_page(world, "/dashboard/ambassadors/E2", cookie)
    assert "Move the phase" in page.body
    assert "/dashboard/ambassadors/E2/erase" not in page.body  # erasure is an admin's
    before = _journey(world, "E2")
    moved = post_form(
        world,
        "/dashboard/ambassadors/E2/phase",
        {"csrf": _csrf(page.body), "phase": "decision", "reason": "Volunteered at the kick-off"},
        cookie,
    )
    assert moved.status == 303, moved.body
    assert moved.headers["location"] == "/dashboard/ambassadors/E2?done=moved"
    after = _journey(world, "E2")
    assert after["state"]["phase"] == "decision"
    assert len(after["history"]) == len(before["history"]) + 1
    last = after["history"][-1]
    assert (last["to_phase"], last["reason"], last["by"]) == (
        "decision",
        "Volunteered at the kick-off",
        "Rita Recruiter",
    )
    shown = get_page(world, moved.headers["location"], cookie)
    assert "The phase was moved" in shown.body
    assert "Volunteered at the kick-off" in read_page(shown.body).tables["journey"][1]
    [entry] = [e for e in _audit(world) if e["route"] == "POST /dashboard/ambassadors/<ambassador_id>/phase"]
    assert (entry["target"], entry["summary"], entry["role"]) == (
        "E2",
        "ambassador's phase moved",
        "recruiter",
    )


@pytest.mark.parametrize(
    "form",
    [
        {"phase": "decision", "reason": "  "},
        {"phase": "boss", "reason": "why not"},
        {"phase": "decision", "reason": "x" * 501},
        {"reason": "no phase"},
    ],
)
def test_a_bad_move_is_a_400_page_and_changes_nothing(world: MotoStack, form: dict[str, str]) -> None:
    cookie = team.signed_in_as(world, "recruiter")
    csrf = _csrf(get_page(world, "/dashboard/ambassadors/E2", cookie).body)
    before = _journey(world, "E2")
    got = post_form(world, "/dashboard/ambassadors/E2/phase", {"csrf": csrf, **form}, cookie)
    assert got.status == 400, got.body
    assert _journey(world, "E2") == before


def test_a_viewer_is_refused_a_move_and_a_post_without_its_token_changes_nothing(world: MotoStack) -> None:
    viewer = team.signed_in_as(world, "viewer")
    csrf = _csrf(get_page(world, "/dashboard/ambassadors/E2", viewer).body)
    before = _journey(world, "E2")
    refused = post_form(
        world, "/dashboard/ambassadors/E2/phase", {"csrf": csrf, "phase": "decision", "reason": "x"}, viewer
    )
    assert refused.status == 403
    assert "This needs the recruiter role" in refused.body
    recruiter = _also_signed_in(world, "recruiter")
    forged = post_form(
        world,
        "/dashboard/ambassadors/E2/phase",
        {"csrf": "forged", "phase": "decision", "reason": "x"},
        recruiter,
    )
    assert forged.status == 403
    assert _journey(world, "E2") == before
    assert not [e for e in _audit(world) if "phase" in e["route"]]


# ------------------------------------------------------------------------------------ erasure
def test_a_viewer_and_a_recruiter_are_refused_erasure(world: MotoStack) -> None:
    for role in ("viewer", "recruiter"):
        cookie = team.signed_in_as(world, role) if role == "viewer" else _also_signed_in(world, role)
        csrf = _csrf(get_page(world, "/dashboard/ambassadors/E1", cookie).body)
        assert get_page(world, "/dashboard/ambassadors/E1/erase", cookie).status == 403
        refused = post_form(world, "/dashboard/ambassadors/E1/erase", {"csrf": csrf}, cookie)
        assert refused.status == 403
        assert "This needs the admin role" in refused.body
    assert world.http("GET", "/api/ambassadors/E1", admin=True).status == 200


def test_an_admin_confirms_an_erasure_and_is_told_what_was_erased(world: MotoStack) -> None:
    cookie = team.signed_in_as(world, "admin")
    one = get_page(world, "/dashboard/ambassadors/E1", cookie)
    assert read_page(one.body).link("Erase this ambassador…") == "/dashboard/ambassadors/E1/erase"
    confirm = get_page(world, "/dashboard/ambassadors/E1/erase", cookie)
    assert confirm.status == 200
    assert 'role="alert"' in confirm.body
    assert "This erases Ann de Vries (E1) for good" in confirm.body
    assert world.http("GET", "/api/ambassadors/E1", admin=True).status == 200  # the GET erased nothing
    done = post_form(world, "/dashboard/ambassadors/E1/erase", {"csrf": _csrf(confirm.body)}, cookie)
    assert done.status == 303, done.body
    assert done.headers["location"] == "/dashboard/ambassadors/E1/erased"
    assert world.http("GET", "/api/ambassadors/E1", admin=True).status == 404
    told = get_page(world, done.headers["location"], cookie)
    assert told.status == 200
    assert "Ambassador E1 was erased." in told.body
    assert "What is erased" in told.body
    assert "Ann de Vries" not in told.body
    [entry] = [e for e in _audit(world) if e["route"] == "POST /dashboard/ambassadors/<ambassador_id>/erase"]
    assert (entry["target"], entry["summary"]) == ("E1", "ambassador erased")
    assert get_page(world, "/dashboard/ambassadors/E1", cookie).status == 404
    # the page after an erasure says nothing of someone who is still there
    assert get_page(world, "/dashboard/ambassadors/E2/erased", cookie).status == 303


# ------------------------------------------------------------------------------------ the import
CSV = "\r\n".join(
    [
        "id,name,email,department,phase,opted_in",
        "E1,Ann de Vries,ann@example.com,Engineering,decision,yes",  # unchanged
        "E2,Bob Bakker,bob@example.com,Marketing,decision,ja",  # changes
        "E9,Dirk Dekker,dirk@example.com,,interest,no",  # new
        "E10,Eva,not-an-address,Sales,awareness,no",  # refused: the address
        "E2,Bob Again,bob@example.com,Sales,decision,yes",  # refused: a duplicate id
    ]
)


def test_the_import_preview_says_what_would_change_and_writes_nothing(world: MotoStack) -> None:
    cookie = team.signed_in_as(world, "admin")
    form = get_page(world, "/dashboard/ambassadors/import", cookie)
    assert form.status == 200
    before = _items(world)
    calls, stop = la.counting(aws.dynamodb())
    try:
        got = post_form(
            world, "/dashboard/ambassadors/import/preview", {"csrf": _csrf(form.body), "csv": CSV}, cookie
        )
    finally:
        stop()
    assert got.status == 200, got.body
    assert _items(world) == before  # nothing written
    assert "Scan" not in calls
    assert calls["BatchGetItem"] == 1
    page = read_page(got.body)
    assert [row[0] for row in page.tables["new"][1:]] == ["E9"]
    assert "name: n/a → Dirk Dekker" in page.tables["new"][1][2]
    [changed] = page.tables["changed"][1:]
    assert changed[0] == "E2"
    assert "department: Sales → Marketing" in changed[2]
    assert "phase: awareness → decision" in changed[2]
    assert "opted_in: No → Yes" in changed[2]
    assert changed[3] == "Yes"  # would get share links after it
    refused = {row[0]: row[2] for row in page.tables["refused"][1:]}
    assert set(refused) == {"5", "6"}
    assert "email" in refused["5"]
    assert "duplicate of line 3" in refused["6"]
    assert (
        "would add 1 new ambassador, change 1 ambassador, leave 1 ambassador as they are and refuse 2 lines"
        in got.body
    )

    # "Import these": the real import, as the API starts it
    started = post_form(world, "/dashboard/ambassadors/import", {"csrf": _csrf(got.body), "csv": CSV}, cookie)
    assert started.status == 303, started.body
    job_href = started.headers["location"]
    assert job_href.startswith("/dashboard/ambassadors/import?job=")
    for response in apply(world, queued(world)):
        assert response == {"batchItemFailures": []}
    done = get_page(world, job_href, cookie)
    assert done.status == 200, done.body
    job_rows = {row[0]: row[1] for row in read_page(done.body).tables["job"][1:]}
    assert (job_rows["New"], job_rows["Changed"], job_rows["Unchanged"], job_rows["Refused"]) == (
        "1",
        "1",
        "1",
        "2",
    )
    assert world.http("GET", "/api/ambassadors/E2", admin=True).json()["department"] == "Marketing"
    assert world.http("GET", "/api/ambassadors/E9", admin=True).status == 200
    [entry] = [e for e in _audit(world) if e["route"] == "POST /dashboard/ambassadors/import"]
    assert entry["summary"] == "ambassador import started"


def test_a_chosen_file_is_read_in_its_encoding_as_the_api_reads_an_upload(world: MotoStack) -> None:
    """The file input: Excel's "CSV" on Windows is Windows-1252, and the preview and the import
    read its accents right; the file wins over pasted lines."""
    cookie = team.signed_in_as(world, "admin")
    csrf = _csrf(get_page(world, "/dashboard/ambassadors/import", cookie).body)
    excel = "id;name;email;department\r\nE31;Zoë Müller;zoe@example.com;Léeuwarden\r\n".encode("cp1252")
    before = _items(world)
    got = post_multipart(
        world,
        "/dashboard/ambassadors/import/preview",
        {"csrf": csrf, "csv": "id,name\nE32,Not This One"},
        {"file": ("ambassadors.csv", excel)},
        cookie,
    )
    assert got.status == 200, got.body
    assert _items(world) == before
    [new] = read_page(got.body).tables["new"][1:]
    assert new[0] == "E31"
    assert "name: n/a → Zoë Müller" in new[2]
    assert "department: n/a → Léeuwarden" in new[2]
    # the preview carries the file's text, decoded, to its "Import these" form
    carried = unescape(re.search(r'name="csv" value="([^"]*)"', got.body).group(1))  # type: ignore[union-attr]
    assert carried.startswith("id;name;email;department")
    assert "Zoë Müller" in carried
    started = post_form(
        world, "/dashboard/ambassadors/import", {"csrf": _csrf(got.body), "csv": carried}, cookie
    )
    assert started.status == 303, started.body
    apply(world, queued(world))
    assert world.http("GET", "/api/ambassadors/E31", admin=True).json()["name"] == "Zoë Müller"
    assert world.http("GET", "/api/ambassadors/E32", admin=True).status == 404


def test_with_no_file_chosen_the_pasted_lines_are_previewed(world: MotoStack) -> None:
    cookie = team.signed_in_as(world, "admin")
    csrf = _csrf(get_page(world, "/dashboard/ambassadors/import", cookie).body)
    got = post_multipart(
        world,
        "/dashboard/ambassadors/import/preview",
        {"csrf": csrf, "csv": "id,name,email\nE33,Pasted Person,pasted@example.com"},
        {"file": ("", b"")},  # the file input left empty, as a browser sends it
        cookie,
    )
    assert got.status == 200, got.body
    assert [row[0] for row in read_page(got.body).tables["new"][1:]] == ["E33"]


@pytest.mark.parametrize(
    ("data", "said"),
    [
        (b"", "file: the file is empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "the file is not text"),
        ("name\nZoë".encode("utf-16"), "missing: id"),  # read as UTF-16, its header checked
    ],
)
def test_a_chosen_file_that_cannot_be_read_is_the_form_again_saying_why(
    world: MotoStack, data: bytes, said: str
) -> None:
    cookie = team.signed_in_as(world, "admin")
    csrf = _csrf(get_page(world, "/dashboard/ambassadors/import", cookie).body)
    before = _items(world)
    got = post_multipart(
        world, "/dashboard/ambassadors/import/preview", {"csrf": csrf}, {"file": ("x.csv", data)}, cookie
    )
    assert got.status == 400, got.body
    assert said in unescape(got.body)
    assert 'role="alert"' in got.body
    assert _items(world) == before


def test_a_broken_multipart_body_changes_nothing(world: MotoStack) -> None:
    cookie = team.signed_in_as(world, "admin")
    before = _items(world)
    got = world.http(
        "POST",
        "/dashboard/ambassadors/import/preview",
        body=b"--b\r\nContent-Disposition: form-data; name=csrf\r\n\r\nnope",
        headers={"content-type": "multipart/form-data; boundary=b", "cookie": cookie},
    )
    assert got.status == 403
    assert _items(world) == before
    assert queued(world) == []


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("", "csv: choose a CSV file or paste its lines"),
        ("name,email\nAnn,ann@example.com", "missing: id"),
        ("id,name\n", "no ambassadors after it"),
    ],
)
def test_a_file_that_cannot_be_read_is_the_form_again_saying_why(
    world: MotoStack, text: str, said: str
) -> None:
    cookie = team.signed_in_as(world, "admin")
    csrf = _csrf(get_page(world, "/dashboard/ambassadors/import", cookie).body)
    before = _items(world)
    got = post_form(world, "/dashboard/ambassadors/import/preview", {"csrf": csrf, "csv": text}, cookie)
    assert got.status == 400
    assert said in unescape(got.body)
    assert 'role="alert"' in got.body
    ran = post_form(world, "/dashboard/ambassadors/import", {"csrf": csrf, "csv": text}, cookie)
    assert ran.status == 400
    assert _items(world) == before
    assert queued(world) == []


def test_only_an_admin_may_import(world: MotoStack) -> None:
    cookie = team.signed_in_as(world, "recruiter")
    csrf = _csrf(get_page(world, "/dashboard/ambassadors", cookie).body)
    assert get_page(world, "/dashboard/ambassadors/import", cookie).status == 403
    for path in ("/dashboard/ambassadors/import/preview", "/dashboard/ambassadors/import"):
        assert post_form(world, path, {"csrf": csrf, "csv": CSV}, cookie).status == 403
    assert queued(world) == []
    assert world.http("GET", "/api/ambassadors/E9", admin=True).status == 404


# ------------------------------------------------------------------------------------ reads
def test_the_pages_read_lists_indexes_and_items_only(world: MotoStack) -> None:
    """The roster: one Query of the list (a filter no index answers: up to MAX_READS); eligible:
    one Query of the eligibility index and one BatchGetItem; one ambassador: their profile (read by
    the page, the stats and the journey), their day counters, rewards, history and links."""
    today = datetime.now(UTC).date()
    calls, stop = la.counting(aws.dynamodb())
    try:
        ambassador_overview.ambassadors_page(EN, {})
        listed = dict(calls)
        calls.clear()
        ambassador_overview.ambassadors_page(EN, {"eligible": "yes"})
        eligible = dict(calls)
        calls.clear()
        ambassador_overview.ambassadors_page(EN, {"department": "Sales"})
        filtered = dict(calls)
        calls.clear()
        ambassador_overview.ambassador_page(EN, "E1", today=today)
        one = dict(calls)
    finally:
        stop()
    assert listed == {"Query": 1}
    assert eligible == {"Query": 1, "BatchGetItem": 1}
    assert filtered == {"Query": 1}  # three ambassadors: one Query read them all
    assert "Scan" not in one
    assert one["GetItem"] == 3
    assert set(one) <= {"GetItem", "Query", "BatchGetItem"}


# ------------------------------------------------------------------------------------ no 5xx
_TEXT = st.text(st.characters(codec="utf-8"), max_size=40)
_QUERY_NAMES = st.sampled_from(
    ["q", "phase", "department", "location", "dormant", "eligible", "next", "table", "done", "job"]
)
_FORM_NAMES = st.sampled_from(["csrf", "phase", "reason", "csv"])
_GETS = [
    "/dashboard/ambassadors",
    "/dashboard/ambassadors.csv",
    "/dashboard/ambassadors/E2",
    "/dashboard/ambassadors/E2.csv",
    "/dashboard/ambassadors/E2/erase",
    "/dashboard/ambassadors/E2/erased",
    "/dashboard/ambassadors/import",
]
_POSTS = [
    "/dashboard/ambassadors/E2/phase",
    "/dashboard/ambassadors/E404/phase",
    "/dashboard/ambassadors/E404/erase",
    "/dashboard/ambassadors/import/preview",
    "/dashboard/ambassadors/import",
]


def test_no_query_or_form_on_these_pages_is_a_5xx(world: MotoStack) -> None:
    cookie = team.signed_in_as(world, "admin")
    csrf = _csrf(get_page(world, "/dashboard/ambassadors/import", cookie).body)

    @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(
        path=st.sampled_from(_GETS + _POSTS),
        fields=st.dictionaries(_QUERY_NAMES | _FORM_NAMES, _TEXT, max_size=4),
        with_csrf=st.booleans(),
    )
    def check(path: str, fields: dict[str, str], with_csrf: bool) -> None:
        if path in _GETS:
            from urllib.parse import urlencode

            got = get_page(world, f"{path}?{urlencode(fields)}", cookie)
        else:
            sent = {**fields, "csrf": csrf} if with_csrf else fields
            got = post_form(world, path, sent, cookie)
        assert got.status < 500, (path, fields, got.body[:500])

    check()
    queued(world)  # any import the property started: off the queue


def test_a_pasted_file_too_large_for_a_page_is_refused_and_a_long_preview_shows_its_first_rows(
    world: MotoStack, monkeypatch: pytest.MonkeyPatch
) -> None:
    cookie = team.signed_in_as(world, "admin")
    csrf = _csrf(get_page(world, "/dashboard/ambassadors/import", cookie).body)
    monkeypatch.setattr(ambassador_overview, "PREVIEW_ROWS", 1)
    three = "id,name,email\nN1,Nel,nel@example.com\nN2,Nol,nol@example.com\nN3,Nul,nul@example.com\n"
    shown = post_form(world, "/dashboard/ambassadors/import/preview", {"csrf": csrf, "csv": three}, cookie)
    assert shown.status == 200, shown.body
    page = read_page(shown.body)
    assert [row[0] for row in page.tables["new"][1:]] == ["N1"]
    assert "New ambassadors (3)" in shown.body
    monkeypatch.setattr(ambassador_overview, "MAX_PASTED_CHARACTERS", 50)
    for path in ("/dashboard/ambassadors/import/preview", "/dashboard/ambassadors/import"):
        refused = post_form(world, path, {"csrf": csrf, "csv": three}, cookie)
        assert refused.status == 400
        assert "csv: at most 50 characters here" in refused.body
    assert queued(world) == []

"""The dashboard's vacancy pages (issue 14) under moto, on data the real functions wrote: the
fan-out's count of links, the click recorder's clicks and shares, the attribution's application, interview
and hire. The figures a page shows and its CSV twin says are the admin API's."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from kring import aws
from kring.dashboard import vacancy_overview
from kring.errors import InvalidInputError
from kring.mail.i18n import Translator
from kring.models.vacancy import Vacancy
from kring.sharing import fanout
from tests.support import attribution as at
from tests.support import digests
from tests.support import link_activity as la
from tests.support.dashboard import query_value, read_csv, read_page
from tests.support.fixtures import MotoStack

TODAY = date(2026, 12, 4)
PUBLISHED = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
EN, NL = Translator("en"), Translator("nl")
V1 = at.VACANCY  # greenhouse-P1, job J1


@pytest.fixture
def world(moto_stack: MotoStack) -> Vacancy:
    """Three vacancies (published, draft, closed); two links made to the published one; shares
    and clicks on it; one application through E1's link, interviewed and hired."""
    digests.put_ambassador("E1", PUBLISHED - timedelta(days=30), name="Eva de Vries")
    digests.put_ambassador("E2", PUBLISHED - timedelta(days=30), name="=Jan")  # a name like a formula
    engineer = digests.put_vacancy(
        "P1", title="Engineer", department="IT", published_at=PUBLISHED, job=at.JOB
    )
    digests.put_vacancy("P2", title="Designer", department=None, published_at=PUBLISHED, status="draft")
    digests.put_vacancy("P3", title="Analyst", department="Finance", published_at=PUBLISHED, status="closed")
    # the fan-out's count of the links it made (through its own function, at a known time)
    fanout.count_shares("fanout-page-1", V1, 2, PUBLISHED)
    day1 = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
    clicks = [
        la.click(1, at=day1, vacancy_id=V1, ambassador_id="E1", visitor_hash=la.visitor(1)),
        la.click(
            2, at=day1 + timedelta(minutes=5), vacancy_id=V1, ambassador_id="E1", visitor_hash=la.visitor(2)
        ),
        la.click(
            3,
            at=day1 + timedelta(days=1),
            vacancy_id=V1,
            ambassador_id="E2",
            channel="x",
            visitor_hash=la.visitor(3),
        ),
    ]
    intents = [la.intent(1, at=day1 - timedelta(hours=1), vacancy_id=V1, ambassador_id="E1")]
    assert moto_stack.invoke(
        "ClickRecorderFunction", la.sqs_event([la.envelope(e) for e in [*intents, *clicks]])
    ) == {"batchItemFailures": []}
    applied = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)
    at.deliver_ok(
        moto_stack,
        [
            at.received(at=applied, proof=at.evidence(tokens=[clicks[0].click_id])),
            at.stage("interview", at=applied + timedelta(hours=20)),
            at.hired(at=applied + timedelta(days=1)),
        ],
    )
    return engineer


def _api(stack: MotoStack, path: str, query: str = "") -> dict[str, Any]:
    got = stack.http("GET", path, query=query, admin=True)
    assert got.status == 200, got.body
    body: dict[str, Any] = got.json()
    return body


def test_the_list_shows_every_vacancy_with_its_status_and_the_api_s_figures(
    moto_stack: MotoStack, world: Vacancy
) -> None:
    page = read_page(vacancy_overview.vacancies_page(EN, today=TODAY, status=None, next_token=None))
    rows = page.tables["vacancies"]
    assert rows[0] == [
        "Vacancy", "State", "Department", "Location", "Published on",
        "Links made", "Shares", "Clicks", "Applications", "Interviews", "Hires",
    ]  # fmt: skip
    assert [r[:2] for r in rows[1:]] == [
        ["Engineer", "Published"],
        ["Designer", "Draft"],
        ["Analyst", "Closed"],
    ]
    funnel = _api(moto_stack, f"/api/vacancies/{V1}/funnel", "from=2026-09-06&to=2026-12-04")
    engineer = page.row("vacancies", "Engineer")
    assert funnel["shares"] == 2  # the fan-out's links: one per ambassador
    assert (engineer["Links made"], engineer["Shares"], engineer["Clicks"]) == (
        str(funnel["shares"]),
        str(funnel["totals"]["share_intents"]),
        str(funnel["totals"]["clicks"]),
    )
    assert (engineer["Clicks"], engineer["Applications"], engineer["Interviews"], engineer["Hires"]) == (
        "3", "1", "1", "1",
    )  # fmt: skip
    assert engineer["Published on"] == "20 November 2026"
    assert page.row("vacancies", "Designer")["Department"] == "n/a"
    assert page.link("Engineer") == f"/dashboard/vacancies/{V1}"

    exported = read_csv(vacancy_overview.vacancies_csv(EN, today=TODAY, status=None, next_token=None))
    assert exported[0] == rows[0]
    assert exported[1] == [
        "Engineer",
        "published".title(),
        "IT",
        "Amsterdam",
        "2026-11-20",
        "2",
        "1",
        "3",
        "1",
        "1",
        "1",
    ]
    assert exported[2][2] == ""  # no department: an empty cell


def test_the_list_pages_by_query_and_filters_the_published(
    moto_stack: MotoStack, world: Vacancy, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(vacancy_overview, "PAGE_SIZE", 2)
    first = read_page(vacancy_overview.vacancies_page(EN, today=TODAY, status=None, next_token=None))
    assert [r[0] for r in first.tables["vacancies"][1:]] == ["Engineer", "Designer"]
    token = query_value(first.link("Next page"), "next")
    assert token
    second_html = vacancy_overview.vacancies_page(EN, today=TODAY, status=None, next_token=token)
    second = read_page(second_html)
    assert [r[0] for r in second.tables["vacancies"][1:]] == ["Analyst"]
    assert "Next page" not in [words for _, words in second.links]
    assert second.link("Back to the first page") == "/dashboard/vacancies"
    assert "Back to the first page" not in [words for _, words in first.links]
    # the CSV of a page is that page: its link carries the page's token
    csv_link = next(h for h, words in second.links if words.endswith("as CSV"))
    assert query_value(csv_link, "next") == token
    assert [
        r[0]
        for r in read_csv(vacancy_overview.vacancies_csv(EN, today=TODAY, status=None, next_token=token))[1:]
    ] == ["Analyst"]

    published = read_page(
        vacancy_overview.vacancies_page(EN, today=TODAY, status="published", next_token=None)
    )
    assert [r[0] for r in published.tables["vacancies"][1:]] == ["Engineer"]
    with pytest.raises(InvalidInputError):  # a token of another listing
        vacancy_overview.vacancies_page(EN, today=TODAY, status="published", next_token=token)
    with pytest.raises(InvalidInputError):
        vacancy_overview.vacancies_page(EN, today=TODAY, status="open", next_token=None)


def test_one_vacancy_by_channel_by_day_and_per_ambassador_in_both_languages(
    moto_stack: MotoStack, world: Vacancy
) -> None:
    html = vacancy_overview.vacancy_page(EN, V1, today=TODAY)
    assert html is not None
    page = read_page(html)
    assert page.lang == "en"
    assert page.headings[0] == "Engineer"
    assert page.tables["funnel"][1:] == [
        ["Links made", "2"], ["Shares", "1"], ["Clicks", "3"],
        ["Applications", "1"], ["Interviews", "1"], ["Hires", "1"],
    ]  # fmt: skip
    assert page.row("channels", "LinkedIn")["Clicks"] == "2"
    assert page.row("channels", "X")["Clicks"] == "1"
    assert page.row("channels", "LinkedIn")["Applications"] == "1"
    assert page.row("channels", "no ambassador")["Applications"] == "0"
    assert [r[0] for r in page.tables["days"][1:]] == [
        "20 November 2026",
        "1 December 2026",
        "2 December 2026",
        "3 December 2026",
    ]
    assert page.row("days", "1 December 2026")["Clicks"] == "2"
    assert page.row("days", "20 November 2026")["Links made"] == "2"
    assert page.row("ambassadors", "Eva de Vries") | {} == {
        "Ambassador": "Eva de Vries", "Shares": "1", "Clicks": "2", "Visitors (daily, added up)": "2",
        "Applications": "1", "Interviews": "1", "Hires": "1",
    }  # fmt: skip
    assert page.row("ambassadors", "=Jan")["Clicks"] == "1"
    api = _api(moto_stack, f"/api/vacancies/{V1}/ambassadors")
    assert {i["ambassador_id"]: i["totals"]["clicks"] for i in api["items"]} == {"E1": 2, "E2": 1}

    # every chart is an image named by its title, with its numbers in a table beside it
    assert [c.attrs["id"] for c in page.charts] == ["chart-funnel", "chart-channels", "chart-days"]
    for chart in page.charts:
        assert chart.attrs["role"] == "img"
        assert chart.attrs["aria-labelledby"] == chart.title_id
        assert chart.title
    assert page.charts[1].title == "Clicks by channel"

    dutch = read_page(vacancy_overview.vacancy_page(NL, V1, today=TODAY) or "")
    assert dutch.lang == "nl"
    assert dutch.row("funnel", "Kliks")["Aantal"] == "3"
    assert dutch.row("days", "1 december 2026")["Kliks"] == "2"
    assert dutch.row("channels", "geen ambassadeur")["Sollicitaties"] == "0"
    assert dutch.charts[1].title == "Kliks per kanaal"

    ambassadors = read_csv(vacancy_overview.vacancy_csv(NL, V1, "ambassadors", today=TODAY) or "")
    assert ambassadors[0][:3] == ["Ambassadeur", "Gedeeld", "Kliks"]
    assert ambassadors[2][:3] == ["'=Jan", "0", "1"]  # a formula is never one in a spreadsheet
    days = read_csv(vacancy_overview.vacancy_csv(EN, V1, "days", today=TODAY) or "")
    assert [r[0] for r in days[1:]] == ["2026-11-20", "2026-12-01", "2026-12-02", "2026-12-03"]


def test_the_ambassadors_of_a_vacancy_page(
    moto_stack: MotoStack, world: Vacancy, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(vacancy_overview, "AMBASSADORS_PAGE_SIZE", 1)
    first = read_page(vacancy_overview.vacancy_page(EN, V1, today=TODAY) or "")
    assert [r[0] for r in first.tables["ambassadors"][1:]] == ["Eva de Vries"]
    token = query_value(first.link("Next ambassadors"), "next")
    second = read_page(vacancy_overview.vacancy_page(EN, V1, today=TODAY, ambassadors_next=token) or "")
    assert [r[0] for r in second.tables["ambassadors"][1:]] == ["=Jan"]
    assert "Next ambassadors" not in [words for _, words in second.links]
    exported = read_csv(
        vacancy_overview.vacancy_csv(EN, V1, "ambassadors", today=TODAY, ambassadors_next=token) or ""
    )
    assert [r[0] for r in exported[1:]] == ["'=Jan"]


def test_an_unknown_vacancy_or_table_is_none(moto_stack: MotoStack, world: Vacancy) -> None:
    assert vacancy_overview.vacancy_page(EN, "greenhouse-404", today=TODAY) is None
    assert vacancy_overview.vacancy_csv(EN, "greenhouse-404", "funnel", today=TODAY) is None
    assert vacancy_overview.vacancy_csv(EN, V1, "secrets", today=TODAY) is None


def test_the_pages_read_counters_and_indexes_only(moto_stack: MotoStack, world: Vacancy) -> None:
    """The list: one Query of the list (or of the open index and a BatchGetItem of its vacancies),
    one Query of each vacancy's day counters. One vacancy: its item (read once: the funnel functions
    take it as read), its day counters, its ambassadors' counters and their names."""
    calls, stop = la.counting(aws.dynamodb())
    try:
        vacancy_overview.vacancies_page(EN, today=TODAY, status=None, next_token=None)
        listed = dict(calls)
        calls.clear()
        vacancy_overview.vacancies_page(EN, today=TODAY, status="published", next_token=None)
        published = dict(calls)
        calls.clear()
        vacancy_overview.vacancy_page(EN, V1, today=TODAY)
        one = dict(calls)
    finally:
        stop()
    assert listed == {"Query": 1 + 3}
    assert published == {"Query": 1 + 1, "BatchGetItem": 1}
    assert one == {"GetItem": 1, "Query": 2, "BatchGetItem": 1}

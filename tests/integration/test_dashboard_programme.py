"""The dashboard's programme page (issue 14) under moto, on facts the real ProgrammeFunction,
ProgrammeSweepFunction and the admin API recorded and counters the click recorder and the
attribution wrote: the phases now (dormant, left, returned), the conversions and time in phase,
the trend by week — overall and by department — and every table's CSV twin."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import pytest

from kring import aws
from kring.dashboard import programme_overview
from kring.errors import InvalidInputError
from kring.events import KringEvent
from kring.mail.i18n import Translator
from kring.programme.recorder import ProgrammeRecorder
from tests.support import attribution as at
from tests.support import link_activity as la
from tests.support import programme as pg
from tests.support.dashboard import Page, read_csv, read_page
from tests.support.digests import put_ambassador
from tests.support.fixtures import MotoStack

NOW = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)  # a Friday
TODAY = NOW.date()
EN, NL = Translator("en"), Translator("nl")


def _deliver(stack: MotoStack, events: Sequence[KringEvent], now: datetime = NOW) -> None:
    result = stack.invoke(
        "ProgrammeFunction",
        la.sqs_event([la.envelope(e) for e in events]),
        recorder=ProgrammeRecorder(clock=lambda: now),
    )
    assert result == {"batchItemFailures": []}


@pytest.fixture
def world(moto_stack: MotoStack) -> MotoStack:
    """Four colleagues on the funnel ten days ago (two in Sales, two in IT), one moved on to
    interest by hand; one who went dormant 45 days after their last share and one who went dormant
    and came back; and the programme's counters: clicks and shares this week and eight weeks ago,
    one thirteen weeks ago (outside the trend), an application, an interview and a hire."""
    for n, (department, phase) in enumerate(
        [("Sales", "decision"), ("Sales", "awareness"), ("IT", "awareness"), ("IT", "awareness")]
    ):
        put_ambassador(f"E{n}", NOW - timedelta(days=10), phase=phase, department=department)
        _deliver(moto_stack, [pg.roster_changed(f"E{n}")])
    moved = moto_stack.http(
        "POST", "/api/ambassadors/E2/phase", body={"phase": "interest", "reason": "asked"}, admin=True
    )
    assert moved.status == 200, moved.body
    for name in ("E8", "E9"):
        put_ambassador(name, NOW - timedelta(days=100), phase="decision", department="IT")
        _deliver(moto_stack, [pg.intent(name, NOW - timedelta(days=50))], now=NOW - timedelta(days=50))
    swept = moto_stack.invoke("ProgrammeSweepFunction", {}, recorder=ProgrammeRecorder(clock=lambda: NOW))
    assert swept == {"reviewed": 2}
    _deliver(moto_stack, [pg.intent("E9", NOW)])  # back

    this_week = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
    eight_weeks_ago = this_week - timedelta(weeks=8)
    activity: list[KringEvent] = [
        la.intent(1, at=this_week, vacancy_id=at.VACANCY, ambassador_id="A7"),
        la.click(1, at=this_week, vacancy_id=at.VACANCY, ambassador_id="A7", visitor_hash=la.visitor(1)),
        la.click(
            2,
            at=this_week + timedelta(hours=1),
            vacancy_id=at.VACANCY,
            ambassador_id="A7",
            visitor_hash=la.visitor(2),
        ),
        la.click(
            3, at=eight_weeks_ago, vacancy_id=at.VACANCY, ambassador_id="A7", visitor_hash=la.visitor(3)
        ),
        la.click(
            4,
            at=this_week - timedelta(weeks=13),
            vacancy_id=at.VACANCY,
            ambassador_id="A7",
            visitor_hash=la.visitor(4),
        ),
    ]
    assert moto_stack.invoke("ClickRecorderFunction", la.sqs_event([la.envelope(e) for e in activity])) == {
        "batchItemFailures": []
    }
    put_ambassador("A7", NOW - timedelta(days=200))  # the roster only: not on the funnel
    at.put_vacancy()
    applied = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)
    at.deliver_ok(
        moto_stack,
        [
            at.received(at=applied, proof=at.evidence(tokens=[la.click_token(1)])),
            at.stage("interview", at=applied + timedelta(hours=3)),
            at.hired(at=applied + timedelta(days=1)),
        ],
    )
    return moto_stack


def _page(t: Translator, by: str | None = None) -> Page:
    return read_page(programme_overview.programme_page(t, today=TODAY, by=by))


def test_the_phases_now_dormant_left_and_returned_are_the_api_s(world: MotoStack) -> None:
    page = _page(EN)
    api = world.http("GET", "/api/programme/phases", admin=True).json()["now"]
    assert page.tables["phases"][1:] == [
        ["Awareness", "2"], ["Interest", "1"], ["Consideration", "0"], ["Decision", "3"], ["Evangelize", "0"],
    ]  # fmt: skip
    assert [int(n) for n in page.column("phases", "Ambassadors")] == list(api["phases"].values())
    assert page.tables["status"][1:] == [
        ["Dormant now", "1"], ["Left the programme", "0"], ["Returned from dormancy", "1"],
    ]  # fmt: skip
    assert (api["dormant"], api["left"], api["returned"]) == (1, 0, 1)
    assert "phases_by" not in page.tables
    exported = read_csv(programme_overview.programme_csv(EN, "phases", today=TODAY, by=None) or "")
    assert exported == [["Phase", "Ambassadors"], ["Awareness", "2"], ["Interest", "1"],
                        ["Consideration", "0"], ["Decision", "3"], ["Evangelize", "0"]]  # fmt: skip


def test_conversions_and_time_in_phase_of_the_last_year(world: MotoStack) -> None:
    page = _page(EN)
    first = (TODAY - timedelta(days=364)).isoformat()
    api = world.http(
        "GET", "/api/programme/phases", query=f"from={first}&to={TODAY.isoformat()}", admin=True
    ).json()["cohort"]
    assert api["entered"] == 6
    text = " ".join(programme_overview.programme_page(EN, today=TODAY, by=None).split())
    assert "6 colleagues entered the programme in the last year." in text
    step = page.row("conversions", "Awareness to Interest")
    [awareness] = [s for s in api["steps"] if s["from_phase"] == "awareness"]
    assert (step["Reached the first"], step["Reached the next"]) == (
        str(awareness["reached_from"]),
        str(awareness["reached_to"]),
    )
    assert step["Conversion"] == f"{round(awareness['conversion'] * 100, 1):g}%"
    assert step["Conversion"] == "66.7%"  # E0, E2, E8, E9 of six
    assert page.row("conversions", "Decision to Evangelize")["Conversion"] == "0%"
    assert page.row("conversions", "Decision to Evangelize")["Median days"] == "n/a"
    exported = read_csv(programme_overview.programme_csv(EN, "conversions", today=TODAY, by=None) or "")
    assert exported[1][:4] == ["Awareness to Interest", "6", "4", "0.6667"]
    assert exported[4][-1] == ""  # unknown: an empty cell

    dutch = _page(NL)
    assert dutch.row("conversions", "Bewustwording naar Interesse")["Conversie"] == "66,7 %"


def test_the_trend_of_the_last_twelve_weeks(world: MotoStack) -> None:
    page = _page(EN)
    rows = page.tables["trend"]
    assert rows[0] == ["Week of", "Links made", "Shares", "Clicks", "Applications", "Interviews", "Hires"]
    assert [r[0] for r in rows[1:]][:1] == ["14 September 2026"]
    assert rows[-1] == ["30 November 2026", "0", "1", "2", "1", "1", "1"]
    assert page.row("trend", "5 October 2026")["Clicks"] == "1"  # eight weeks before
    assert len(rows) == 13  # twelve weeks; the click of thirteen weeks ago is not in them
    assert sum(int(c) for c in page.column("trend", "Clicks")) == 3
    exported = read_csv(programme_overview.programme_csv(EN, "trend", today=TODAY, by=None) or "")
    assert exported[-1] == ["2026-11-30", "0", "1", "2", "1", "1", "1"]
    assert len(exported) == 13

    charts = {c.attrs["id"]: c for c in page.charts}
    assert set(charts) == {"chart-phases", "chart-cohort", "chart-reach", "chart-results"}
    for chart in charts.values():
        assert chart.attrs["role"] == "img"
        assert chart.attrs["aria-labelledby"] == chart.title_id
    assert charts["chart-results"].title == "Applications, interviews and hires per week"
    assert _page(NL).charts[-1].title == "Sollicitaties, gesprekken en aanwervingen per week"


def test_by_department(world: MotoStack) -> None:
    page = _page(EN, "department")
    api = world.http("GET", "/api/programme/phases", query="by=department", admin=True).json()["now_by"]
    it = page.row("phases_by", "IT")
    shown = [it[h] for h in ("Awareness", "Interest", "Decision", "Dormant now", "Returned from dormancy")]
    assert shown == ["1", "1", "2", "1", "1"]
    assert int(it["Decision"]) == api["IT"]["phases"]["decision"]
    assert page.row("phases_by", "Sales")["Decision"] == "1"
    assert [r[:2] for r in page.tables["conversions_by"][1:3]] == [
        ["IT", "Awareness to Interest"], ["IT", "Interest to Consideration"],
    ]  # fmt: skip
    sales = [r for r in page.tables["conversions_by"][1:] if r[0] == "Sales"]
    assert sales[0][1:] == ["Awareness to Interest", "2", "1", "50%", "n/a"]  # E0 of E0 and E1
    current = [words for href, words in page.links if href == "/dashboard/programme?by=department"]
    assert current == ["By department"]
    exported = read_csv(programme_overview.programme_csv(NL, "phases_by", today=TODAY, by="department") or "")
    assert exported[0][:2] == ["Per afdeling", "Bewustwording"]
    assert programme_overview.programme_csv(EN, "phases_by", today=TODAY, by=None) is None
    assert programme_overview.programme_csv(EN, "nothing", today=TODAY, by=None) is None
    with pytest.raises(InvalidInputError):
        programme_overview.programme_page(EN, today=TODAY, by="team")


def test_the_page_reads_counters_and_indexes_only(world: MotoStack) -> None:
    """The phase counters (one GetItem; by a grouping one Query more), the cohort index (one Query
    a month: the 365 days up to 4 December 2026 touch 13 months) and the programme's day counters
    (one Query)."""
    calls, stop = la.counting(aws.dynamodb())
    try:
        programme_overview.programme_page(EN, today=TODAY, by=None)
        overall = dict(calls)
        calls.clear()
        programme_overview.programme_page(EN, today=TODAY, by="location")
        by_location = dict(calls)
        calls.clear()
        programme_overview.programme_csv(EN, "trend", today=TODAY, by=None)
        trend_csv = dict(calls)
    finally:
        stop()
    assert overall == {"GetItem": 1, "Query": 13 + 1}
    assert by_location == {"GetItem": 1, "Query": 1 + 13 + 1}
    assert trend_csv == {"Query": 1}  # the trend's CSV reads the day counters only

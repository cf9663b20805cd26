"""JobPollerFunction with Workable's schedule input: the real handler under moto, reading
``GET /spi/v3/jobs?state=published`` from a local fake; and the template's Workable wiring."""

from __future__ import annotations

from typing import Any

import pytest

from infra.local.fake_ats import FakeAtsApi
from infra.local.template import REGION, Stack
from kring import events
from kring.intake import vacancies
from tests.support import workable as wk
from tests.support.bus import Bus
from tests.support.fixtures import ATS_API_KEY, STACK_PARAMETERS, MotoStack, clear_kring_caches

POLL = {"provider": "workable"}
JOBS = "/workable/jobs"


@pytest.fixture
def workable_api(
    moto_stack: MotoStack, fake_ats_api: FakeAtsApi, monkeypatch: pytest.MonkeyPatch
) -> FakeAtsApi:
    """The fake after the stack, so its WORKABLE_API_URL wins over the template's empty one."""
    monkeypatch.setenv("WORKABLE_SUBDOMAIN", "groove-tech")
    clear_kring_caches()
    return fake_ats_api


@pytest.fixture
def bus(moto_stack: MotoStack) -> Bus:
    return Bus(moto_stack.stack.physical_name("KringBus"))


def published(envelopes: list[dict[str, Any]]) -> list[events.VacancyPublished]:
    model = events.Envelope[events.VacancyPublished]
    return [model.model_validate(e).detail for e in envelopes if e["detail-type"] == "VacancyPublished"]


def test_published_workable_jobs_become_published_vacancies_once(
    moto_stack: MotoStack, workable_api: FakeAtsApi, bus: Bus
) -> None:
    workable_api.replace("GET", JOBS, {"jobs": [wk.job("GROOV005")], "paging": {}})

    summary = moto_stack.invoke("JobPollerFunction", POLL)

    assert summary == {"provider": "workable", "configured": True, "posts": 1, "changes": 2, "closed": 0}
    (event,) = published(bus.drain())
    assert (event.vacancy_id, event.title, event.department) == (
        "workable-GROOV005",
        "Office Manager",
        "Operations",
    )
    assert event.url == "https://apply.workable.com/groove-tech/j/GROOV005/"
    assert {r.headers["authorization"] for r in workable_api.requests} == {f"Bearer {ATS_API_KEY}"}

    again = moto_stack.invoke("JobPollerFunction", POLL)

    assert again["changes"] == 0
    assert bus.drain() == []


def test_a_job_gone_from_workable_closes_its_vacancy(
    moto_stack: MotoStack, workable_api: FakeAtsApi, bus: Bus
) -> None:
    workable_api.replace("GET", JOBS, {"jobs": [wk.job("GROOV005")]})
    moto_stack.invoke("JobPollerFunction", POLL)
    bus.drain()

    workable_api.replace("GET", JOBS, {"jobs": []})
    summary = moto_stack.invoke("JobPollerFunction", POLL)

    assert summary["closed"] == 1
    assert vacancies.get_vacancy("workable-GROOV005").status == "closed"
    assert [e["detail-type"] for e in bus.drain()] == ["VacancyClosed"]


def test_without_a_workable_subdomain_the_poll_logs_and_does_nothing(
    moto_stack: MotoStack, fake_ats_api: FakeAtsApi, bus: Bus, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(
        "WORKABLE_API_URL", moto_stack.stack.functions()["JobPollerFunction"].environment["WORKABLE_API_URL"]
    )
    clear_kring_caches()

    summary = moto_stack.invoke("JobPollerFunction", POLL)

    assert summary == {"provider": "workable", "configured": False, "posts": 0, "changes": 0, "closed": 0}
    assert fake_ats_api.requests == []
    assert bus.drain() == []


def test_the_template_polls_workable_every_15_minutes_and_builds_its_api_url(moto_stack: MotoStack) -> None:
    (schedule,) = [
        s
        for s in moto_stack.stack.schedules()
        if s.function == "JobPollerFunction" and "workable" in str(s.payload)
    ]
    assert (schedule.expression, schedule.payload) == ("rate(15 minutes)", '{"provider": "workable"}')
    assert schedule.dead_letter_arn == moto_stack.stack.arn("JobPollerDLQ")

    unset = moto_stack.stack.functions()["JobPollerFunction"].environment
    configured = Stack({**STACK_PARAMETERS, "WorkableSubdomain": "groove-tech"}, region=REGION).functions()

    assert unset["WORKABLE_API_URL"] == ""
    assert configured["JobPollerFunction"].environment["WORKABLE_API_URL"] == (
        "https://groove-tech.workable.com/spi/v3"
    )

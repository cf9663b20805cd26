"""JobPollerFunction with Teamtailor's schedule input: the real handler under moto reading the local
fake API. Teamtailor never retries a webhook, so the poll makes lost deliveries good: a lost
``job.update`` becomes a published vacancy, a lost ``job_application.create`` the same message on
AtsFetchQueue the webhook would have queued."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from infra.local.fake_ats import FakeAtsApi
from kring import events
from kring.intake import vacancies
from kring.intake.webhooks import FetchMessage, parse_fetch_message
from tests.support import teamtailor as tt
from tests.support.bus import Bus
from tests.support.fixtures import ATS_API_KEY, MotoStack
from tests.support.link_activity import sqs_event

POLL = {"provider": "teamtailor"}
JOBS = "/teamtailor/jobs"
APPLICATIONS = "/teamtailor/job-applications"
URL = "https://career.teamtailor.com/jobs/2-it-designer-1"


@pytest.fixture
def teamtailor_api(
    moto_stack: MotoStack, fake_ats_api: FakeAtsApi, monkeypatch: pytest.MonkeyPatch
) -> FakeAtsApi:
    """The fake after the stack, so its TEAMTAILOR_API_URL wins over the template's; both lists empty."""
    fake_ats_api.replace("GET", JOBS, {"data": [], "links": {}})
    fake_ats_api.replace("GET", APPLICATIONS, {"data": [], "links": {}})
    return fake_ats_api


@pytest.fixture
def bus(moto_stack: MotoStack) -> Bus:
    return Bus(moto_stack.stack.physical_name("KringBus"))


def published(envelopes: list[dict[str, Any]]) -> list[events.VacancyPublished]:
    model = events.Envelope[events.VacancyPublished]
    return [model.model_validate(e).detail for e in envelopes if e["detail-type"] == "VacancyPublished"]


def fetches(moto_stack: MotoStack) -> list[FetchMessage]:
    return [parse_fetch_message(m["Body"]) for m in moto_stack.receive_all("AtsFetchQueue")]


def recent(minutes: int) -> str:
    return (datetime.now(UTC) - timedelta(minutes=minutes)).isoformat(timespec="milliseconds")


def test_a_job_whose_update_webhook_was_lost_is_published_by_the_poll(
    moto_stack: MotoStack, teamtailor_api: FakeAtsApi, bus: Bus
) -> None:
    teamtailor_api.replace("GET", JOBS, {"data": [tt.api_job(status="open", url=URL)["data"]], "links": {}})

    summary = moto_stack.invoke("JobPollerFunction", POLL)

    assert summary == {
        "provider": "teamtailor",
        "configured": True,
        "posts": 1,
        "changes": 1,
        "closed": 0,
        "applications": 0,
    }
    (event,) = published(bus.drain())
    assert (event.vacancy_id, event.title, event.url) == ("teamtailor-2", "IT Designer 1", URL)
    assert {r.headers["authorization"] for r in teamtailor_api.requests} == {f"Token token={ATS_API_KEY}"}

    again = moto_stack.invoke("JobPollerFunction", POLL)  # nothing new

    assert again["changes"] == 0
    assert bus.drain() == []


def test_a_job_closed_while_its_webhook_was_lost_closes_its_vacancy(
    moto_stack: MotoStack, teamtailor_api: FakeAtsApi, bus: Bus
) -> None:
    teamtailor_api.replace("GET", JOBS, {"data": [tt.api_job(status="open", url=URL)["data"]], "links": {}})
    moto_stack.invoke("JobPollerFunction", POLL)
    bus.drain()

    teamtailor_api.replace("GET", JOBS, {"data": [], "links": {}})
    summary = moto_stack.invoke("JobPollerFunction", POLL)

    assert summary["closed"] == 1
    assert vacancies.get_vacancy("teamtailor-2").status == "closed"
    assert [e["detail-type"] for e in bus.drain()] == ["VacancyClosed"]


def test_an_application_whose_create_webhook_was_lost_is_queued_as_the_webhook_would_have(
    moto_stack: MotoStack, teamtailor_api: FakeAtsApi, bus: Bus
) -> None:
    updated_at = recent(5)
    webhook_payload = tt.application_event(updated_at=updated_at)
    body, sig = tt.delivery(webhook_payload)
    assert moto_stack.http("POST", tt.PATH, body=body, headers=tt.headers(sig)).status == 200
    (by_webhook,) = fetches(moto_stack)
    listed = {
        "id": tt.APPLICATION_ID,
        "type": "job-applications",
        "attributes": {"created-at": updated_at, "updated-at": updated_at, "referring-site": "LinkedIn"},
        "relationships": {
            "job": {"data": {"type": "jobs", "id": tt.JOB_ID}},
            "promotion": {"data": {"type": "promotions", "id": "2"}},
        },
    }
    teamtailor_api.replace("GET", APPLICATIONS, {"data": [listed], "links": {}})

    summary = moto_stack.invoke("JobPollerFunction", POLL)

    assert summary["applications"] == 1
    (by_poll,) = fetches(moto_stack)
    assert by_poll.request == by_webhook.request
    assert by_poll.request.event == "job_application.create"
    assert by_poll.origin.startswith(f"teamtailor:reconcile:{tt.APPLICATION_ID}:")
    (seen,) = [r for r in teamtailor_api.requests if r.path == APPLICATIONS]
    since = datetime.fromisoformat(seen.query["filter[updated-at][from]"][0])
    assert (
        timedelta(hours=2) - timedelta(minutes=1) < datetime.now(UTC) - since <= timedelta(hours=2, minutes=1)
    )

    # A re-poll of the same version queues the same message (the same event ids) and no vacancy.
    again = moto_stack.invoke("JobPollerFunction", POLL)

    assert (again["changes"], again["applications"]) == (0, 1)
    assert fetches(moto_stack) == [by_poll]
    assert bus.drain() == []

    # The queued fetch is completed by the real AtsFetchFunction, as a webhook's would be.
    tt.add_application_routes(teamtailor_api)
    result = moto_stack.invoke("AtsFetchFunction", sqs_event([by_poll.model_dump_json()]))
    assert result == {"batchItemFailures": []}
    assert [e["detail-type"] for e in bus.drain()] == ["ApplicationReceived"]


def test_without_a_teamtailor_webhook_secret_the_poll_logs_and_does_nothing(
    moto_stack: MotoStack, teamtailor_api: FakeAtsApi, bus: Bus, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("KRING_WEBHOOK_SECRET_TEAMTAILOR")

    summary = moto_stack.invoke("JobPollerFunction", POLL)

    assert summary == {"provider": "teamtailor", "configured": False, "posts": 0, "changes": 0, "closed": 0}
    assert teamtailor_api.requests == []
    assert moto_stack.receive_all("AtsFetchQueue") == []
    assert bus.drain() == []


def test_the_template_polls_teamtailor_every_15_minutes_and_lets_it_queue_fetches(
    moto_stack: MotoStack,
) -> None:
    (schedule,) = [
        s
        for s in moto_stack.stack.schedules()
        if s.function == "JobPollerFunction" and "teamtailor" in str(s.payload)
    ]
    assert (schedule.expression, schedule.payload) == ("rate(15 minutes)", '{"provider": "teamtailor"}')
    assert schedule.dead_letter_arn == moto_stack.stack.arn("JobPollerDLQ")
    environment = moto_stack.stack.functions()["JobPollerFunction"].environment
    assert environment["ATS_FETCH_QUEUE_URL"] == moto_stack.queue_url("AtsFetchQueue")
    assert environment["TEAMTAILOR_API_URL"] == "https://api.teamtailor.com/v1"

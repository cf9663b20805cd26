"""JobPollerFunction: the real handler under moto, invoked with its schedule's input, reading
Lever's public postings feed from a local fake; vacancy events read back from the stack's bus."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from infra.local.fake_ats import FakeAtsApi
from kring import aws, events
from kring.errors import InvalidInputError, TransientError
from kring.intake import vacancies
from tests.integration.test_ats_webhook import table_items
from tests.support import lever as lv
from tests.support.bus import Bus
from tests.support.fixtures import MotoStack, clear_kring_caches

SITE = "acme"
FEED = f"/lever-postings/{SITE}"
BACKEND = "5ac21346-8e0c-4494-8e7a-3eb92ff77902"
SALES = "7d1e1a8c-3c0b-4f6e-9a52-2f1d0b6c9e11"
POLL = {"provider": "lever"}
WRITES = frozenset({"PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems"})


@pytest.fixture
def lever_feed(
    moto_stack: MotoStack, fake_ats_api: FakeAtsApi, monkeypatch: pytest.MonkeyPatch
) -> FakeAtsApi:
    monkeypatch.setenv("LEVER_SITE", SITE)
    clear_kring_caches()
    return fake_ats_api


@pytest.fixture
def bus(moto_stack: MotoStack) -> Bus:
    return Bus(moto_stack.stack.physical_name("KringBus"))


@pytest.fixture
def writes(lever_feed: FakeAtsApi) -> Iterator[list[str]]:
    """Every write the functions make to DynamoDB (the client they share), by operation name."""
    seen: list[str] = []

    def count(model: Any, **_: Any) -> None:
        if model.name in WRITES:
            seen.append(model.name)

    client = aws.dynamodb()
    client.meta.events.register("before-call.dynamodb", count)
    yield seen
    client.meta.events.unregister("before-call.dynamodb", count)


def serve(feed: FakeAtsApi, *postings: dict[str, Any]) -> None:
    feed.replace("GET", FEED, list(postings))


def details(envelopes: list[dict[str, Any]], detail_type: str) -> list[Any]:
    kind = events.event_type(detail_type)
    return [events.parse_envelope(e, kind).detail for e in envelopes if e["detail-type"] == detail_type]


def backend(**changes: Any) -> dict[str, Any]:
    return {
        **lv.posting(BACKEND, "Backend Engineer", department="Engineering", location="Amsterdam"),
        **changes,
    }


def sales(**changes: Any) -> dict[str, Any]:
    posting = lv.posting(SALES, "Account Executive", department="Sales", team="Benelux", location="Utrecht")
    return {**posting, **changes}


def test_new_postings_are_published_with_their_department(
    moto_stack: MotoStack, lever_feed: FakeAtsApi, bus: Bus
) -> None:
    serve(lever_feed, backend(), sales())

    summary = moto_stack.invoke("JobPollerFunction", POLL)

    assert summary == {"provider": "lever", "configured": True, "posts": 2, "changes": 4, "closed": 0}
    published = {e.vacancy_id: e for e in details(bus.drain(), "VacancyPublished")}
    assert set(published) == {f"lever-{BACKEND}", f"lever-{SALES}"}
    event = published[f"lever-{SALES}"]
    assert (event.title, event.department, event.location) == ("Account Executive", "Sales", "Utrecht")
    assert set(event.tags) == {"Sales", "Benelux", "Utrecht"}
    assert event.url == f"https://jobs.lever.co/{SITE}/{SALES}"
    assert vacancies.get_vacancy(f"lever-{BACKEND}").status == "published"
    (call,) = lever_feed.requests
    assert (call.path, call.query) == (FEED, {"mode": ["json"]})


def test_a_second_identical_poll_writes_nothing_and_publishes_nothing(
    moto_stack: MotoStack, lever_feed: FakeAtsApi, bus: Bus, writes: list[str]
) -> None:
    serve(lever_feed, backend(), sales())
    moto_stack.invoke("JobPollerFunction", POLL)
    bus.drain()
    assert writes  # the first poll stored the vacancies and their jobs
    writes.clear()
    before = table_items(moto_stack)

    summary = moto_stack.invoke("JobPollerFunction", POLL)

    assert summary["changes"] == 0
    assert writes == []
    assert bus.drain() == []
    assert table_items(moto_stack) == before


def test_a_posting_gone_from_the_feed_closes_its_vacancy_once(
    moto_stack: MotoStack, lever_feed: FakeAtsApi, bus: Bus
) -> None:
    serve(lever_feed, backend(), sales())
    moto_stack.invoke("JobPollerFunction", POLL)
    bus.drain()

    serve(lever_feed, backend())
    summary = moto_stack.invoke("JobPollerFunction", POLL)

    assert summary["closed"] == 1
    (closed,) = details(bus.drain(), "VacancyClosed")
    assert (closed.vacancy_id, closed.reason) == (f"lever-{SALES}", "unpublished")
    assert vacancies.get_vacancy(f"lever-{SALES}").status == "closed"
    assert vacancies.get_vacancy(f"lever-{BACKEND}").status == "published"
    assert moto_stack.invoke("JobPollerFunction", POLL)["changes"] == 0
    assert bus.drain() == []


def test_a_posting_back_in_the_feed_is_published_again(
    moto_stack: MotoStack, lever_feed: FakeAtsApi, bus: Bus
) -> None:
    serve(lever_feed, backend())
    moto_stack.invoke("JobPollerFunction", POLL)
    serve(lever_feed)
    moto_stack.invoke("JobPollerFunction", POLL)
    bus.drain()

    serve(lever_feed, backend())  # same createdAt as before: the poll's time orders it
    moto_stack.invoke("JobPollerFunction", POLL)

    (again,) = details(bus.drain(), "VacancyPublished")
    assert again.vacancy_id == f"lever-{BACKEND}"
    assert vacancies.get_vacancy(f"lever-{BACKEND}").status == "published"


def test_an_edited_posting_is_stored_and_a_new_department_published(
    moto_stack: MotoStack, lever_feed: FakeAtsApi, bus: Bus
) -> None:
    serve(lever_feed, backend())
    moto_stack.invoke("JobPollerFunction", POLL)
    bus.drain()

    serve(lever_feed, backend(text="Senior Backend Engineer"))
    moto_stack.invoke("JobPollerFunction", POLL)
    assert vacancies.get_vacancy(f"lever-{BACKEND}").title == "Senior Backend Engineer"
    assert bus.drain() == []  # a new title alone reaches no new ambassadors

    serve(lever_feed, backend(text="Senior Backend Engineer", categories={"department": "Platform"}))
    moto_stack.invoke("JobPollerFunction", POLL)
    (moved,) = details(bus.drain(), "VacancyPublished")
    assert (moved.vacancy_id, moved.department) == (f"lever-{BACKEND}", "Platform")


def test_without_a_site_the_poll_does_nothing(
    moto_stack: MotoStack, lever_feed: FakeAtsApi, bus: Bus, monkeypatch: pytest.MonkeyPatch
) -> None:
    serve(lever_feed, backend())
    moto_stack.invoke("JobPollerFunction", POLL)
    bus.drain()
    monkeypatch.setenv("LEVER_SITE", "")
    clear_kring_caches()
    lever_feed.reset()

    summary = moto_stack.invoke("JobPollerFunction", POLL)

    assert summary["configured"] is False
    assert lever_feed.requests == []
    assert vacancies.get_vacancy(f"lever-{BACKEND}").status == "published"  # nothing closed
    assert bus.drain() == []


def test_a_feed_that_cannot_be_read_fails_the_poll_and_closes_nothing(
    moto_stack: MotoStack, lever_feed: FakeAtsApi, bus: Bus
) -> None:
    serve(lever_feed, backend())
    moto_stack.invoke("JobPollerFunction", POLL)
    bus.drain()
    lever_feed.replace("GET", FEED, {"message": "down"}, status=503)

    with pytest.raises(TransientError):
        moto_stack.invoke("JobPollerFunction", POLL)

    assert vacancies.get_vacancy(f"lever-{BACKEND}").status == "published"
    assert bus.drain() == []


@pytest.mark.parametrize("event", [{}, {"provider": "teamcity"}, {"provider": 7}])
def test_a_schedule_input_that_names_no_provider_fails(moto_stack: MotoStack, event: dict[str, Any]) -> None:
    with pytest.raises(InvalidInputError):
        moto_stack.invoke("JobPollerFunction", event)


def test_the_template_polls_lever_every_15_minutes_with_a_dead_letter_queue(moto_stack: MotoStack) -> None:
    (schedule,) = [
        s
        for s in moto_stack.stack.schedules()
        if s.function == "JobPollerFunction" and "lever" in str(s.payload)
    ]

    assert (schedule.expression, schedule.payload, schedule.kind) == (
        "rate(15 minutes)",
        '{"provider": "lever"}',
        "scheduler",
    )
    assert schedule.dead_letter_arn == moto_stack.stack.arn("JobPollerDLQ")


def test_a_posting_refused_for_its_job_board_is_published_once_the_board_is_right(
    moto_stack: MotoStack, lever_feed: FakeAtsApi, bus: Bus, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LEVER_JOBS_HOST", "jobs.eu.lever.co")  # the account said to be in the EU
    clear_kring_caches()
    serve(lever_feed, backend())
    moto_stack.invoke("JobPollerFunction", POLL)
    assert vacancies.get_vacancy(f"lever-{BACKEND}").status == "draft"
    assert bus.drain() == []

    monkeypatch.setenv("LEVER_JOBS_HOST", "jobs.lever.co")
    clear_kring_caches()
    moto_stack.invoke("JobPollerFunction", POLL)

    (published,) = details(bus.drain(), "VacancyPublished")
    assert published.vacancy_id == f"lever-{BACKEND}"


def test_a_language_the_talent_team_set_survives_the_polls_and_writes_nothing(
    moto_stack: MotoStack, lever_feed: FakeAtsApi, bus: Bus, writes: list[str]
) -> None:
    serve(lever_feed, backend())  # an English posting (Lever's feed names no language)
    moto_stack.invoke("JobPollerFunction", POLL)
    bus.drain()
    patched = moto_stack.http("PATCH", f"/api/vacancies/lever-{BACKEND}", body={"language": "nl"}, admin=True)
    assert patched.status == 200, patched.body
    writes.clear()

    summary = moto_stack.invoke("JobPollerFunction", POLL)

    assert summary["changes"] == 0  # the feed's "en" is what the ATS said, and the ATS said it before
    assert writes == []
    assert vacancies.get_vacancy(f"lever-{BACKEND}").language == "nl"
    serve(lever_feed, backend(text="Senior Backend Engineer"))  # edited in Lever: stored, language kept
    moto_stack.invoke("JobPollerFunction", POLL)
    edited = vacancies.get_vacancy(f"lever-{BACKEND}")
    assert (edited.title, edited.language) == ("Senior Backend Engineer", "nl")

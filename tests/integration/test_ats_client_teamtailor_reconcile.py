"""Teamtailor's reconciliation poll (its webhooks are never retried): the open jobs as posts and the
recently updated applications as fetches, read through the API client against the local fake API."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import pytest

from infra.local.fake_ats import FakeAtsApi
from kring.errors import ProviderNotConfiguredError, TransientError
from kring.integrations.ats import registry, teamtailor
from kring.integrations.ats.base import FetchNeeded, JobChanged, JobPostChanged
from kring.integrations.ats.http import ApiRequestError
from tests.support import teamtailor as tt
from tests.support.fixtures import ATS_API_KEY

JOBS = "/teamtailor/jobs"
APPLICATIONS = "/teamtailor/job-applications"
SINCE = datetime(2024, 5, 20, 7, 0, tzinfo=UTC)
PAGE_URL = "https://elsewhere.example/v1/{path}?page%5Bnumber%5D=2&page%5Bsize%5D=30"


@pytest.fixture(autouse=True)
def _env(secrets_env: None) -> None:
    """The webhook secret and API key from the environment: Teamtailor is connected."""


def job(job_id: str, *, status: str = "open", title: str | None = "IT Designer 1") -> dict[str, Any]:
    """One job of ``GET /jobs`` (the API's kebab-case attributes)."""
    document = tt.api_job(status=status, url=f"https://career.teamtailor.com/jobs/{job_id}-it-designer")
    resource: dict[str, Any] = {**document["data"], "id": job_id}
    resource["attributes"] = {**resource["attributes"], "title": title}
    return resource


def application(
    application_id: str = tt.APPLICATION_ID, *, created_at: str = "2024-05-20T10:41:07.512+02:00"
) -> dict[str, Any]:
    """One job application of ``GET /job-applications``: its job and promotion as relationships."""
    return {
        "id": application_id,
        "type": "job-applications",
        "attributes": {"created-at": created_at, "updated-at": "2024-05-20T10:41:07.512+02:00"},
        "relationships": {
            "job": {"data": {"type": "jobs", "id": tt.JOB_ID}},
            "promotion": {"data": {"type": "promotions", "id": "2"}},
            "candidate": {"links": {"related": "https://api.teamtailor.com/v1/job-applications/1/candidate"}},
        },
    }


def page(resources: list[dict[str, Any]], next_path: str | None = None) -> dict[str, Any]:
    links = {"next": PAGE_URL.format(path=next_path)} if next_path else {}
    return {"data": resources, "links": links}


# ------------------------------------------------------------------------------------------ jobs
def _posts(changes: Sequence[JobPostChanged | JobChanged]) -> list[JobPostChanged]:
    """Teamtailor's open jobs as posts: every change a :class:`JobPostChanged` (no :class:`JobChanged`)."""
    posts = []
    for change in changes:
        assert isinstance(change, JobPostChanged)
        posts.append(change)
    return posts


def test_teamtailor_is_a_polled_and_reconciled_provider() -> None:
    assert registry.polled_provider("teamtailor") is teamtailor
    assert registry.reconciled_provider("teamtailor") is teamtailor
    assert registry.reconciled_provider("lever") is None


def test_open_jobs_are_read_page_by_page_with_the_token_and_api_version(fake_ats_api: FakeAtsApi) -> None:
    fake_ats_api.add("GET", JOBS, page([job("2")], next_path="jobs"))
    fake_ats_api.add("GET", JOBS, page([job("3")]))

    posts = _posts(teamtailor.published_posts())

    assert [(p.post_id, p.job_id, p.live) for p in posts] == [("2", "2", True), ("3", "3", True)]
    first, second = fake_ats_api.requests
    assert first.query == {"filter[status]": ["open"], "page[size]": ["30"]}
    # Only the next link's query is followed, against the configured base URL (the fake).
    assert second.path == JOBS
    assert second.query == {"filter[status]": ["open"], "page[number]": ["2"], "page[size]": ["30"]}
    for seen in fake_ats_api.requests:
        assert seen.headers["authorization"] == f"Token token={ATS_API_KEY}"
        assert seen.headers["x-api-version"] == teamtailor.API_VERSION


def test_a_listed_job_is_the_post_a_fetched_job_update_makes(fake_ats_api: FakeAtsApi) -> None:
    resource = job("2")
    fake_ats_api.add("GET", JOBS, page([resource]))
    fake_ats_api.add("GET", "/teamtailor/jobs/2", {"data": resource})
    request = FetchNeeded(
        provider="teamtailor", event=teamtailor.JOB_FETCHED, ids={"job_id": "2"}, occurred_at=SINCE
    )

    (polled,) = teamtailor.published_posts()

    assert [polled] == teamtailor.fetch(request)
    assert isinstance(polled, JobPostChanged)
    assert polled.url == "https://career.teamtailor.com/jobs/2-it-designer"
    assert polled.updated_at == datetime(2023, 2, 22, 21, 10, 48, 705000, tzinfo=UTC)


def test_a_listed_job_that_is_not_open_is_no_post(fake_ats_api: FakeAtsApi) -> None:
    fake_ats_api.add("GET", JOBS, page([job("2", status="archived"), job("3")]))

    assert [p.post_id for p in _posts(teamtailor.published_posts())] == ["3"]


def test_a_job_without_a_title_fails_the_poll_rather_than_close_its_vacancy(fake_ats_api: FakeAtsApi) -> None:
    fake_ats_api.add("GET", JOBS, page([job("2", title=None)]))

    with pytest.raises(ApiRequestError, match="no title"):
        teamtailor.published_posts()


def test_a_next_link_to_another_resource_is_refused(fake_ats_api: FakeAtsApi) -> None:
    fake_ats_api.add("GET", JOBS, page([job("2")], next_path="users"))

    with pytest.raises(ApiRequestError, match="unexpected next link"):
        teamtailor.published_posts()
    assert len(fake_ats_api.requests) == 1


def test_a_next_link_to_the_same_page_is_refused(fake_ats_api: FakeAtsApi) -> None:
    same = "https://api.teamtailor.com/v1/jobs?filter%5Bstatus%5D=open&page%5Bsize%5D=30"
    fake_ats_api.add("GET", JOBS, {"data": [job("2")], "links": {"next": same}})

    with pytest.raises(ApiRequestError, match="same page"):
        teamtailor.published_posts()


def test_an_api_outage_fails_the_poll_to_be_retried(fake_ats_api: FakeAtsApi) -> None:
    fake_ats_api.add("GET", JOBS, status=503)

    with pytest.raises(TransientError, match="503"):
        teamtailor.published_posts()


@pytest.mark.parametrize("missing", ["KRING_WEBHOOK_SECRET_TEAMTAILOR", "KRING_ATS_API_KEY_TEAMTAILOR"])
def test_without_a_webhook_secret_or_api_key_nothing_is_polled(
    fake_ats_api: FakeAtsApi, monkeypatch: pytest.MonkeyPatch, missing: str
) -> None:
    monkeypatch.delenv(missing)

    with pytest.raises(ProviderNotConfiguredError):
        teamtailor.published_posts()
    with pytest.raises(ProviderNotConfiguredError):
        teamtailor.applications_updated_since(SINCE)
    assert fake_ats_api.requests == []


# ------------------------------------------------------------------------------------------ applications
def test_applications_are_listed_by_update_time_page_by_page(fake_ats_api: FakeAtsApi) -> None:
    fake_ats_api.add("GET", APPLICATIONS, page([application("1")], next_path="job-applications"))
    fake_ats_api.add("GET", APPLICATIONS, page([application("2")]))

    requests = teamtailor.applications_updated_since(SINCE)

    assert [r.ids["application_id"] for r in requests] == ["1", "2"]
    first, second = fake_ats_api.requests
    assert first.query == {"filter[updated-at][from]": ["2024-05-20T07:00:00+00:00"], "page[size]": ["30"]}
    assert second.query == {
        "filter[updated-at][from]": ["2024-05-20T07:00:00+00:00"],
        "page[number]": ["2"],
        "page[size]": ["30"],
    }
    assert {s.headers["authorization"] for s in fake_ats_api.requests} == {f"Token token={ATS_API_KEY}"}


def test_a_new_application_is_the_fetch_its_create_webhook_makes(fake_ats_api: FakeAtsApi) -> None:
    fake_ats_api.add("GET", APPLICATIONS, page([application()]))
    webhook = {"payload": tt.payload("job_application.create"), "signature": "unused"}

    assert teamtailor.applications_updated_since(SINCE) == teamtailor.normalise(webhook)


def test_an_application_created_before_the_window_is_an_update(fake_ats_api: FakeAtsApi) -> None:
    fake_ats_api.add("GET", APPLICATIONS, page([application(created_at="2024-05-01T09:00:00Z")]))

    (request,) = teamtailor.applications_updated_since(SINCE)

    assert request.event == teamtailor.APPLICATION_UPDATED
    assert request.ids == {"application_id": tt.APPLICATION_ID, "job_id": tt.JOB_ID, "promotion_id": "2"}


def test_an_api_outage_fails_the_application_poll_to_be_retried(fake_ats_api: FakeAtsApi) -> None:
    fake_ats_api.add("GET", APPLICATIONS, status=503)

    with pytest.raises(TransientError, match="503"):
        teamtailor.applications_updated_since(SINCE)

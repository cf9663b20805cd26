"""Workable's API client against a local fake of the SPI v3 API (a real HTTP server on
127.0.0.1): the published-jobs feed, its pages, fallbacks, skipped jobs and failures."""

from __future__ import annotations

from typing import Any

import pytest

from infra.local.fake_ats import FakeAtsApi
from kring import config
from kring.errors import ProviderNotConfiguredError, TransientError
from kring.integrations.ats import workable
from kring.integrations.ats.base import (
    JobChanged,
    JobPostChanged,
)
from kring.integrations.ats.http import ApiRequestError
from tests.support import workable as wk
from tests.support.fixtures import ATS_API_KEY

pytestmark = pytest.mark.usefixtures("secrets_env")  # webhook secret, API key, identity hash key


def test_published_posts_follows_the_pages_with_the_bearer_key(fake_ats_api: FakeAtsApi) -> None:
    next_link = f"{fake_ats_api.url}/workable/jobs?limit=100&since_id=id-groov002"
    fake_ats_api.add(
        "GET",
        "/workable/jobs",
        {"jobs": [wk.job("GROOV001"), wk.job("GROOV002")], "paging": {"next": next_link}},
    )
    fake_ats_api.add(
        "GET", "/workable/jobs", {"jobs": [wk.job("GROOV003", updated_at="2024-05-03T10:00:00Z")]}
    )

    changes = workable.published_posts()
    posts = [c for c in changes if isinstance(c, JobPostChanged)]

    assert [p.post_id for p in posts] == ["GROOV001", "GROOV002", "GROOV003"]
    assert posts[0] == JobPostChanged(
        provider="workable",
        post_id="GROOV001",
        job_id="GROOV001",
        title="Office Manager",
        location="Amsterdam, North Holland, Netherlands",
        url="https://apply.workable.com/groove-tech/j/GROOV001/",
        live=True,
        language="en",
        updated_at=wk.at("2024-05-01T09:00:00+00:00"),
    )
    assert posts[2].updated_at == wk.at("2024-05-03T10:00:00+00:00")
    assert changes[0] == JobChanged(
        provider="workable",
        job_id="GROOV001",
        name="Office Manager",
        department="Operations",
        location="Amsterdam, North Holland, Netherlands",
        tags=("Operations", "Amsterdam, North Holland, Netherlands", "Amsterdam"),
        status="open",
    )
    assert [type(c) for c in changes] == [JobChanged, JobPostChanged] * 3
    first, second = fake_ats_api.requests
    assert first.query == {"state": ["published"], "limit": ["100"]}
    assert second.query == {"state": ["published"], "limit": ["100"], "since_id": ["id-groov002"]}
    assert {r.headers["authorization"] for r in fake_ats_api.requests} == {f"Bearer {ATS_API_KEY}"}


def test_a_next_link_on_another_host_is_followed_on_the_configured_one(fake_ats_api: FakeAtsApi) -> None:
    """The key never goes where a response points: only the next link's query is used."""
    elsewhere = "https://evil.example.com/spi/v3/jobs?since_id=id-groov001"
    fake_ats_api.add("GET", "/workable/jobs", {"jobs": [wk.job("GROOV001")], "paging": {"next": elsewhere}})
    fake_ats_api.add("GET", "/workable/jobs", {"jobs": [wk.job("GROOV002")], "paging": {"next": None}})

    assert [p.post_id for p in wk.polled_posts()] == ["GROOV001", "GROOV002"]
    assert [r.path for r in fake_ats_api.requests] == ["/workable/jobs", "/workable/jobs"]


@pytest.mark.parametrize(
    ("job", "location"),
    [
        ({"location": {"city": "Utrecht", "country": "Netherlands"}}, "Utrecht, Netherlands"),
        ({"location": {"telecommuting": True}}, "Remote"),
        ({"location": {"workplace_type": "remote", "city": None}}, "Remote"),
        ({"location": None, "locations": [{"location_str": "Gent, Belgium"}]}, "Gent, Belgium"),
        ({"location": None}, None),
    ],
)
def test_the_location_falls_back_from_the_location_string_to_its_parts(
    fake_ats_api: FakeAtsApi, job: dict[str, Any], location: str | None
) -> None:
    fake_ats_api.add("GET", "/workable/jobs", {"jobs": [wk.job("GROOV001", **job)]})

    (post,) = wk.polled_posts()

    assert post.location == location


@pytest.mark.parametrize(
    ("job", "url"),
    [
        ({}, "https://apply.workable.com/groove-tech/j/GROOV001/"),
        ({"url": None}, "https://apply.workable.com/j/GROOV001"),
        ({"url": None, "shortlink": None}, "https://apply.workable.com/groove-tech/j/GROOV001/apply/"),
        ({"url": None, "shortlink": None, "application_url": None}, None),
    ],
)
def test_the_url_falls_back_from_url_to_shortlink_to_application_url(
    fake_ats_api: FakeAtsApi, job: dict[str, Any], url: str | None
) -> None:
    fake_ats_api.add("GET", "/workable/jobs", {"jobs": [wk.job("GROOV001", **job)]})

    (post,) = wk.polled_posts()

    assert post.url == url


def test_jobs_without_a_shortcode_or_not_published_are_skipped_and_dutch_jobs_are_dutch(
    fake_ats_api: FakeAtsApi,
) -> None:
    jobs = [
        {**wk.job("GROOV001"), "shortcode": None},
        wk.job("GROOV002", state="closed"),
        wk.job("GROOV003", language="nl"),
        "not a job",
    ]
    fake_ats_api.add("GET", "/workable/jobs", {"jobs": jobs})

    (post,) = wk.polled_posts()

    assert (post.post_id, post.language) == ("GROOV003", "nl")


@pytest.mark.parametrize(
    "job",
    [
        wk.job("GROOV001", title=" ", full_title=None),
        {**wk.job("GROOV001"), "shortcode": "not a shortcode"},
    ],
    ids=["no title", "shortcode Kring cannot key on"],
)
def test_a_job_with_a_shortcode_that_cannot_be_read_fails_the_poll(
    fake_ats_api: FakeAtsApi, job: Any
) -> None:
    """Skipping it would close its vacancy."""
    fake_ats_api.add("GET", "/workable/jobs", {"jobs": [wk.job("GROOV002"), job]})

    with pytest.raises(ApiRequestError):
        workable.published_posts()


def test_the_department_falls_back_to_the_hierarchy(fake_ats_api: FakeAtsApi) -> None:
    job = wk.job(
        "GROOV001",
        department=None,
        department_hierarchy=[{"id": 1, "name": "Ops"}, {"id": 2, "name": "Office"}],
    )
    fake_ats_api.add("GET", "/workable/jobs", {"jobs": [job]})

    changes = workable.published_posts()

    assert isinstance(changes[0], JobChanged)
    assert changes[0].department == "Office"


@pytest.mark.parametrize("status", [503, 429, 401])
def test_an_unavailable_api_is_transient(fake_ats_api: FakeAtsApi, status: int) -> None:
    fake_ats_api.add("GET", "/workable/jobs", {"error": "down"}, status=status)

    with pytest.raises(TransientError):
        workable.published_posts()


def test_a_failing_second_page_fails_the_whole_poll(fake_ats_api: FakeAtsApi) -> None:
    """A partial list would close every vacancy on the pages not read."""
    next_link = f"{fake_ats_api.url}/workable/jobs?since_id=x"
    fake_ats_api.add("GET", "/workable/jobs", {"jobs": [wk.job("GROOV001")], "paging": {"next": next_link}})
    fake_ats_api.add("GET", "/workable/jobs", status=503)

    with pytest.raises(TransientError):
        workable.published_posts()


@pytest.mark.parametrize(
    "answer",
    [
        {"results": []},
        [],
        {"jobs": [], "paging": {"next": "https://x.workable.com/spi/v3/candidates?since_id=1"}},
        {"jobs": [], "paging": {"next": "https://x.workable.com/spi/v3/jobs?limit=100&state=published"}},
    ],
    ids=["no jobs list", "not an object", "next is not jobs", "next is the same page"],
)
def test_an_answer_that_makes_no_sense_is_refused(fake_ats_api: FakeAtsApi, answer: Any) -> None:
    fake_ats_api.add("GET", "/workable/jobs", answer)

    with pytest.raises(ApiRequestError):
        workable.published_posts()


def test_without_a_base_url_or_a_key_workable_is_not_polled(
    fake_ats_api: FakeAtsApi, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("KRING_ATS_API_KEY_WORKABLE")
    config.clear_caches()
    with pytest.raises(ProviderNotConfiguredError):
        workable.published_posts()

    monkeypatch.setenv("WORKABLE_API_URL", "")
    config.clear_caches()
    with pytest.raises(ProviderNotConfiguredError):
        workable.published_posts()
    assert fake_ats_api.requests == []

"""SmartRecruiters' API client against the local fake API (a real HTTP server on 127.0.0.1)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from infra.local.fake_ats import FakeAtsApi
from kring.errors import TransientError
from kring.intake import candidates
from kring.integrations.ats import smartrecruiters as sr
from kring.integrations.ats.base import (
    ApplicationSubmitted,
    Hired,
    JobChanged,
    JobPostChanged,
    Rejected,
    StageChanged,
)
from kring.integrations.ats.http import ApiNotFoundError
from kring.links import click_tokens
from tests.support import smartrecruiters as srs
from tests.support.fixtures import ATS_API_KEY

pytestmark = pytest.mark.usefixtures("secrets_env")  # webhook secret, API key, identity hash key


def test_fetch_sends_the_smart_token_and_maps_a_new_application(fake_ats_api: FakeAtsApi) -> None:
    srs.add_application_routes(fake_ats_api)

    (submitted,) = sr.fetch(srs.fetch_needed())

    assert isinstance(submitted, ApplicationSubmitted)
    assert submitted.application_id == sr.application_id(srs.CANDIDATE_ID, srs.JOB_ID)
    assert len(submitted.application_id) == 40
    assert (submitted.candidate_id, submitted.job_id, submitted.post_id) == (
        srs.CANDIDATE_ID,
        srs.JOB_ID,
        srs.JOB_ID,
    )
    assert submitted.stage is not None
    assert (submitted.stage.name, submitted.stage.kind) == ("New", "applied")
    assert submitted.occurred_at == datetime(2024, 5, 20, 8, 41, 7, tzinfo=UTC)
    assert submitted.evidence.candidate_email == "candidate@example.com"
    assert {"LinkedIn", "linkedin", "https://www.linkedin.com/in/juston"} <= set(submitted.evidence.texts)
    base = f"/smartrecruiters/candidates/{srs.CANDIDATE_ID}"
    assert [(r.method, r.path) for r in fake_ats_api.requests] == [
        ("GET", f"{base}/jobs/{srs.JOB_ID}"),
        ("GET", base),
        ("GET", f"{base}/jobs/{srs.JOB_ID}/screening-answers"),
    ]
    assert {r.headers["x-smarttoken"] for r in fake_ats_api.requests} == {ATS_API_KEY}


@pytest.mark.parametrize(
    ("status", "kind"),
    [
        ("NEW", "applied"),
        ("IN_REVIEW", "screening"),
        ("INTERVIEW", "interview"),
        ("OFFERED", "offer"),
        ("OFFER", "offer"),
        ("WITHDRAWN", "other"),
    ],
)
def test_a_status_update_is_a_stage_change(fake_ats_api: FakeAtsApi, status: str, kind: str) -> None:
    srs.add_application_routes(fake_ats_api, status)

    (moved,) = sr.fetch(srs.fetch_needed("application.status.updated"))

    assert isinstance(moved, StageChanged)
    assert moved.stage.kind == kind
    assert moved.evidence is not None


def test_hired_is_a_hire_and_rejected_a_rejection(fake_ats_api: FakeAtsApi) -> None:
    srs.add_application_routes(fake_ats_api, "HIRED")
    (hired,) = sr.fetch(srs.fetch_needed("application.status.updated"))
    fake_ats_api.reset()
    srs.add_application_routes(fake_ats_api, "REJECTED")
    (rejected,) = sr.fetch(srs.fetch_needed("application.status.updated"))

    assert isinstance(hired, Hired)
    assert hired.evidence is not None
    assert isinstance(rejected, Rejected)
    assert hired.application_id == rejected.application_id


def test_an_application_created_already_hired_is_submitted_and_hired(fake_ats_api: FakeAtsApi) -> None:
    srs.add_application_routes(fake_ats_api, "HIRED")

    changes = sr.fetch(srs.fetch_needed())

    assert [type(c) for c in changes] == [ApplicationSubmitted, Hired]


def test_a_click_token_in_the_source_or_an_answer_reaches_the_evidence(fake_ats_api: FakeAtsApi) -> None:
    in_source, in_answer = click_tokens.new_click_token(), click_tokens.new_click_token()
    srs.add_application_routes(
        fake_ats_api, source={"name": "Kring", "url": f"https://acme.example/jobs?kref={in_source}"}
    )
    answers = {"content": [{"question": "Kring referral code", "answer": in_answer}]}
    fake_ats_api.replace(
        "GET", f"/smartrecruiters/candidates/{srs.CANDIDATE_ID}/jobs/{srs.JOB_ID}/screening-answers", answers
    )

    (submitted,) = sr.fetch(srs.fetch_needed())

    assert isinstance(submitted, ApplicationSubmitted)
    assert candidates.evidence_of(submitted.evidence).click_tokens == (in_source, in_answer)
    assert submitted.evidence.referring_urls == (f"https://acme.example/jobs?kref={in_source}",)


def test_a_referrer_on_the_application_is_evidence(fake_ats_api: FakeAtsApi) -> None:
    srs.add_application_routes(fake_ats_api, referrer={"email": "ref@example.com", "employeeId": "E7"})

    (submitted,) = sr.fetch(srs.fetch_needed())

    assert isinstance(submitted, ApplicationSubmitted)
    assert (submitted.evidence.referrer_emails, submitted.evidence.referrer_employee_ids) == (
        ("ref@example.com",),
        ("E7",),
    )


def test_an_api_outage_is_transient(fake_ats_api: FakeAtsApi) -> None:
    fake_ats_api.add("GET", f"/smartrecruiters/candidates/{srs.CANDIDATE_ID}/jobs/{srs.JOB_ID}", status=503)

    with pytest.raises(TransientError):
        sr.fetch(srs.fetch_needed())


def test_an_unknown_application_is_permanent(fake_ats_api: FakeAtsApi) -> None:
    fake_ats_api.add(
        "GET", f"/smartrecruiters/candidates/{srs.CANDIDATE_ID}/jobs/{srs.JOB_ID}", {}, status=404
    )

    with pytest.raises(ApiNotFoundError):
        sr.fetch(srs.fetch_needed())


def test_a_sourcing_job_with_a_publication_is_live(fake_ats_api: FakeAtsApi) -> None:
    srs.add_job_routes(fake_ats_api)

    job, post = sr.fetch(srs.fetch_needed("job.created", job_id=srs.JOB_ID))

    assert isinstance(job, JobChanged)
    assert (job.name, job.department, job.location, job.status) == (
        "Data Engineer",
        "Technology",
        "Amsterdam, Netherlands",
        "open",
    )
    assert isinstance(post, JobPostChanged)
    assert (post.post_id, post.title, post.live, post.url) == (
        srs.JOB_ID,
        "Data Engineer",
        True,
        srs.POSTING_URL,
    )
    assert [r.path for r in fake_ats_api.requests] == [
        f"/smartrecruiters/jobs/{srs.JOB_ID}",
        f"/smartrecruiters/jobs/{srs.JOB_ID}/publication",
    ]
    assert {r.headers["x-smarttoken"] for r in fake_ats_api.requests} == {ATS_API_KEY}


def test_an_unpublished_job_is_not_live(fake_ats_api: FakeAtsApi) -> None:
    srs.add_job_routes(fake_ats_api)
    fake_ats_api.replace("GET", f"/smartrecruiters/jobs/{srs.JOB_ID}/publication", status=404)

    _, post = sr.fetch(srs.fetch_needed("job.updated", job_id=srs.JOB_ID))

    assert isinstance(post, JobPostChanged)
    assert (post.live, post.url) == (False, None)


@pytest.mark.parametrize(
    ("status", "posting"), [("FILLED", "PUBLIC"), ("SOURCING", "INTERNAL"), ("ON_HOLD", "PUBLIC")]
)
def test_a_filled_internal_or_held_job_is_not_live(
    fake_ats_api: FakeAtsApi, status: str, posting: str
) -> None:
    srs.add_job_routes(fake_ats_api, status=status, posting_status=posting)

    job, post = sr.fetch(srs.fetch_needed("job.status.updated", job_id=srs.JOB_ID))

    assert isinstance(post, JobPostChanged)
    assert post.live is False
    assert isinstance(job, JobChanged)
    assert job.status == {"FILLED": "closed", "SOURCING": "open", "ON_HOLD": "draft"}[status]


def test_without_an_api_key_a_fetch_is_retried_later(
    fake_ats_api: FakeAtsApi, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("KRING_ATS_API_KEY_SMARTRECRUITERS")

    with pytest.raises(TransientError):
        sr.fetch(srs.fetch_needed())
    assert fake_ats_api.requests == []

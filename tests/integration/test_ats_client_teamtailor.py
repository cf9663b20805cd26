"""Teamtailor's API client against the local fake API (a real HTTP server on 127.0.0.1)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from infra.local.fake_ats import FakeAtsApi
from kring.errors import InvalidInputError, TransientError
from kring.intake import candidates
from kring.integrations.ats import teamtailor
from kring.integrations.ats.base import (
    ApplicationSubmitted,
    FetchNeeded,
    Hired,
    JobPostChanged,
    Rejected,
    StageChanged,
)
from kring.integrations.ats.http import ApiNotFoundError
from kring.links import click_tokens
from tests.support import teamtailor as tt
from tests.support.fixtures import ATS_API_KEY

pytestmark = pytest.mark.usefixtures("secrets_env")  # webhook secret, API key, identity hash key


def test_fetch_sends_the_token_and_api_version_and_maps_a_new_application(fake_ats_api: FakeAtsApi) -> None:
    tt.add_application_routes(fake_ats_api, tags=["campus"])

    changes = teamtailor.fetch(tt.fetch_needed(promotion_id="2"))

    (submitted,) = changes
    assert isinstance(submitted, ApplicationSubmitted)
    assert (submitted.application_id, submitted.candidate_id, submitted.job_id, submitted.post_id) == (
        tt.APPLICATION_ID,
        tt.CANDIDATE_ID,
        tt.JOB_ID,
        tt.JOB_ID,
    )
    assert submitted.stage is not None
    assert (submitted.stage.name, submitted.stage.kind) == ("Inbox", "applied")
    assert submitted.occurred_at == datetime(2024, 5, 20, 8, 41, 7, 512000, tzinfo=UTC)
    assert submitted.evidence.candidate_email == "candidate@example.com"
    assert "https://www.linkedin.com/" in submitted.evidence.referring_urls
    assert {"https://www.linkedin.com/", "LinkedIn", "2", "campus"} <= set(submitted.evidence.texts)
    first = fake_ats_api.requests[0]
    assert (first.method, first.path, first.query) == (
        "GET",
        f"/teamtailor/job-applications/{tt.APPLICATION_ID}",
        {"include": ["candidate,job,stage"]},
    )
    for seen in fake_ats_api.requests:
        assert seen.headers["authorization"] == f"Token token={ATS_API_KEY}"
        assert seen.headers["x-api-version"] == "20240404"
    assert {r.path for r in fake_ats_api.requests} == {
        f"/teamtailor/job-applications/{tt.APPLICATION_ID}",
        f"/teamtailor/candidates/{tt.CANDIDATE_ID}/answers",
        "/teamtailor/referrals",
    }


def test_a_click_token_in_an_answer_reaches_the_evidence(fake_ats_api: FakeAtsApi) -> None:
    token = click_tokens.new_click_token()
    tt.add_application_routes(fake_ats_api)
    fake_ats_api.replace("GET", f"/teamtailor/candidates/{tt.CANDIDATE_ID}/answers", tt.api_answers(token))

    (submitted,) = teamtailor.fetch(tt.fetch_needed())

    assert isinstance(submitted, ApplicationSubmitted)
    assert candidates.evidence_of(submitted.evidence).click_tokens == (token,)


def test_a_referral_names_the_referring_user(fake_ats_api: FakeAtsApi) -> None:
    tt.add_application_routes(fake_ats_api)
    fake_ats_api.replace("GET", "/teamtailor/referrals", tt.api_referrals())

    (submitted,) = teamtailor.fetch(tt.fetch_needed())

    assert isinstance(submitted, ApplicationSubmitted)
    assert submitted.evidence.referrer_emails == ("referrer@example.com",)
    assert submitted.evidence.referrer_employee_ids == ("E42",)
    (asked,) = [r for r in fake_ats_api.requests if r.path == "/teamtailor/referrals"]
    assert asked.query == {"filter[candidate]": [tt.CANDIDATE_ID], "include": ["user"]}


def test_a_referral_for_another_job_does_not_count(fake_ats_api: FakeAtsApi) -> None:
    tt.add_application_routes(fake_ats_api)
    other = tt.api_referrals()
    other["data"][0]["relationships"]["job"]["data"]["id"] = "999"
    fake_ats_api.replace("GET", "/teamtailor/referrals", other)

    (submitted,) = teamtailor.fetch(tt.fetch_needed())

    assert isinstance(submitted, ApplicationSubmitted)
    assert submitted.evidence.referrer_emails == ()


def test_the_webhooks_referer_id_is_looked_up_as_a_user(fake_ats_api: FakeAtsApi) -> None:
    tt.add_application_routes(fake_ats_api)
    fake_ats_api.add(
        "GET",
        "/teamtailor/users/77",
        {"data": {"id": "77", "type": "users", "attributes": {"email": "Ref@Example.com"}}},
    )

    (submitted,) = teamtailor.fetch(tt.fetch_needed(referer_id="77"))

    assert isinstance(submitted, ApplicationSubmitted)
    assert submitted.evidence.referrer_emails == ("Ref@Example.com",)


def test_a_move_to_a_hired_stage_is_a_hire(fake_ats_api: FakeAtsApi) -> None:
    tt.add_application_routes(fake_ats_api, stage_type="Hired", stage_name="Hired")

    (hired,) = teamtailor.fetch(tt.fetch_needed("job_application.update"))

    assert isinstance(hired, Hired)
    assert hired.occurred_at == datetime(2024, 6, 18, 13, 2, 44, 101000, tzinfo=UTC)
    assert hired.evidence is not None


def test_a_move_in_process_is_a_stage_change_named_by_the_stage(fake_ats_api: FakeAtsApi) -> None:
    tt.add_application_routes(fake_ats_api, stage_type="In process", stage_name="First interview")

    (moved,) = teamtailor.fetch(tt.fetch_needed("job_application.update"))

    assert isinstance(moved, StageChanged)
    assert (moved.stage.name, moved.stage.kind) == ("First interview", "interview")


def test_a_rejected_application_is_a_rejection(fake_ats_api: FakeAtsApi) -> None:
    tt.add_application_routes(fake_ats_api, rejected_at="2024-06-01T09:00:00.000+02:00")

    (rejected,) = teamtailor.fetch(tt.fetch_needed("job_application.update"))

    assert isinstance(rejected, Rejected)
    assert rejected.occurred_at == datetime(2024, 6, 1, 7, tzinfo=UTC)


def test_missing_answers_are_nothing_to_add(fake_ats_api: FakeAtsApi) -> None:
    tt.add_application_routes(fake_ats_api)
    fake_ats_api.replace("GET", f"/teamtailor/candidates/{tt.CANDIDATE_ID}/answers", status=404)

    assert [type(c) for c in teamtailor.fetch(tt.fetch_needed())] == [ApplicationSubmitted]


def test_an_api_outage_is_transient(fake_ats_api: FakeAtsApi) -> None:
    fake_ats_api.add("GET", f"/teamtailor/job-applications/{tt.APPLICATION_ID}", status=503)

    with pytest.raises(TransientError):
        teamtailor.fetch(tt.fetch_needed())


def test_a_deleted_application_is_permanent(fake_ats_api: FakeAtsApi) -> None:
    fake_ats_api.add("GET", f"/teamtailor/job-applications/{tt.APPLICATION_ID}", {"errors": []}, status=404)

    with pytest.raises(ApiNotFoundError):
        teamtailor.fetch(tt.fetch_needed())


def test_an_answer_without_a_candidate_is_invalid(fake_ats_api: FakeAtsApi) -> None:
    document = tt.api_application()
    del document["data"]["relationships"]["candidate"]
    fake_ats_api.add("GET", f"/teamtailor/job-applications/{tt.APPLICATION_ID}", document)

    with pytest.raises(InvalidInputError, match="no candidate"):
        teamtailor.fetch(tt.fetch_needed())


def test_an_open_job_is_read_with_its_careers_page(fake_ats_api: FakeAtsApi) -> None:
    fake_ats_api.add("GET", "/teamtailor/jobs/2", tt.api_job())
    request = FetchNeeded(
        provider="teamtailor",
        event=teamtailor.JOB_FETCHED,
        ids={"job_id": "2"},
        occurred_at=datetime(2024, 1, 1, tzinfo=UTC),
    )

    (post,) = teamtailor.fetch(request)

    assert isinstance(post, JobPostChanged)
    assert (post.post_id, post.live, post.url) == (
        "2",
        True,
        "https://career.teamtailor.com/jobs/2-it-designer-1",
    )
    assert post.updated_at == datetime(2023, 2, 22, 21, 10, 48, 705000, tzinfo=UTC)


def test_without_an_api_key_a_fetch_is_retried_later(
    fake_ats_api: FakeAtsApi, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("KRING_ATS_API_KEY_TEAMTAILOR")

    with pytest.raises(TransientError):
        teamtailor.fetch(tt.fetch_needed())
    assert fake_ats_api.requests == []

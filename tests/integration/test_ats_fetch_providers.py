"""Teamtailor and SmartRecruiters end to end under moto: ``POST /webhooks/<provider>`` (the real
AtsWebhookFunction, routed as template.yaml routes it) → ``AtsFetchQueue`` → the real
AtsFetchFunction calling the local fake of the provider's API → events on the stack's bus (read
back through a capture rule). Deliveries are signed now with the test secret, since the samples'
own timestamps are long stale — which the tests also assert."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aws_lambda_powertools.utilities.batch.exceptions import BatchProcessingError

from infra.local.fake_ats import FakeAtsApi
from kring import events
from kring.intake import vacancies
from kring.intake.webhooks import FetchMessage
from kring.integrations.ats import smartrecruiters
from kring.links import click_tokens, identity
from tests.support import smartrecruiters as srs
from tests.support import teamtailor as tt
from tests.support.bus import Bus
from tests.support.fixtures import MotoStack
from tests.support.link_activity import sqs_event


@pytest.fixture
def bus(moto_stack: MotoStack) -> Bus:
    return Bus(moto_stack.stack.physical_name("KringBus"))


def details(envelopes: list[dict[str, Any]], detail: type[events.KringEvent]) -> list[Any]:
    return [
        events.parse_envelope(e, detail).detail for e in envelopes if e["detail-type"] == detail.detail_type()
    ]


def run_fetches(moto_stack: MotoStack) -> list[FetchMessage]:
    """Hand every queued fetch to the real AtsFetchFunction, as the SQS event source would."""
    messages = moto_stack.receive_all("AtsFetchQueue")
    if messages:
        result = moto_stack.invoke("AtsFetchFunction", sqs_event([m["Body"] for m in messages]))
        assert result == {"batchItemFailures": []}
    return [FetchMessage.model_validate_json(m["Body"]) for m in messages]


# ------------------------------------------------------------------------------ SmartRecruiters
def sr_post(moto_stack: MotoStack, body: bytes, headers: dict[str, str]) -> Any:
    return moto_stack.http("POST", srs.PATH, body=body, headers=headers)


def test_smartrecruiters_activation_is_echoed_200(moto_stack: MotoStack, bus: Bus) -> None:
    result = sr_post(moto_stack, b"", {"X-Hook-Secret": "hook-7f3a9c"})

    assert result.status == 200
    assert result.headers["x-hook-secret"] == "hook-7f3a9c"
    assert moto_stack.receive_all("AtsFetchQueue") == []
    assert bus.drain() == []


def test_a_stale_smartrecruiters_sample_is_refused(moto_stack: MotoStack) -> None:
    name = "application.status.updated"

    result = sr_post(moto_stack, srs.raw(name), srs.documented_headers(name))

    assert result.status == 401
    assert moto_stack.receive_all("AtsFetchQueue") == []


def test_smartrecruiters_application_created_is_fetched_and_received_once(
    moto_stack: MotoStack, bus: Bus, fake_ats_api: FakeAtsApi
) -> None:
    token = click_tokens.new_click_token()
    srs.add_application_routes(fake_ats_api, source=f"Kring kref={token}")
    body = srs.application_body()
    headers = srs.headers(body, "application.created", event_id="evt-sr-1", link="")

    first = sr_post(moto_stack, body, headers)

    assert first.status == 202
    assert first.json() == {"received": True}
    (message,) = run_fetches(moto_stack)
    assert message.origin == "smartrecruiters:evt-sr-1:0"
    assert message.request.ids == {"candidate_id": srs.CANDIDATE_ID, "job_id": srs.JOB_ID}
    envelopes = bus.drain()
    (received,) = details(envelopes, events.ApplicationReceived)
    assert received.provider == "smartrecruiters"
    assert received.application_id == smartrecruiters.application_id(srs.CANDIDATE_ID, srs.JOB_ID)
    assert received.candidate_key == identity.candidate_key("smartrecruiters", srs.CANDIDATE_ID)
    assert (received.job_id, received.stage) == (srs.JOB_ID, "applied")
    assert received.evidence.click_tokens == (token,)
    assert received.evidence.candidate_email_hash == identity.email_hash("candidate@example.com")
    assert "candidate@example.com" not in json.dumps(envelopes)

    again = sr_post(moto_stack, body, headers)

    assert again.status == 202
    assert run_fetches(moto_stack) == []
    assert bus.drain() == []


def test_a_smartrecruiters_hire_is_fetched_into_candidate_hired(
    moto_stack: MotoStack, bus: Bus, fake_ats_api: FakeAtsApi
) -> None:
    srs.add_application_routes(fake_ats_api, "HIRED")
    body = srs.raw("application.status.updated")  # the sample's bytes, signed now

    result = sr_post(moto_stack, body, srs.headers(body, "application.status.updated"))

    assert result.status == 202
    run_fetches(moto_stack)
    (hired,) = details(bus.drain(), events.CandidateHired)
    assert hired.application_id == smartrecruiters.application_id(srs.CANDIDATE_ID, srs.JOB_ID)


def test_a_smartrecruiters_job_is_fetched_into_a_published_vacancy(
    moto_stack: MotoStack, bus: Bus, fake_ats_api: FakeAtsApi, monkeypatch: pytest.MonkeyPatch
) -> None:
    srs.add_job_routes(fake_ats_api)
    body = srs.raw("job.created")

    assert sr_post(moto_stack, body, srs.headers(body, "job.created")).status == 202
    run_fetches(moto_stack)

    vacancy = vacancies.get_vacancy(f"smartrecruiters-{srs.JOB_ID}")
    assert (vacancy.status, vacancy.url, vacancy.department) == ("published", srs.POSTING_URL, "Technology")
    (published,) = details(bus.drain(), events.VacancyPublished)
    assert published.vacancy_id == f"smartrecruiters-{srs.JOB_ID}"


def test_a_failing_smartrecruiters_api_fails_the_message_so_it_is_retried(
    moto_stack: MotoStack, bus: Bus, fake_ats_api: FakeAtsApi
) -> None:
    fake_ats_api.add("GET", f"/smartrecruiters/candidates/{srs.CANDIDATE_ID}/jobs/{srs.JOB_ID}", status=503)
    body = srs.application_body()
    sr_post(moto_stack, body, srs.headers(body, "application.created"))
    (message,) = moto_stack.receive_all("AtsFetchQueue")

    with pytest.raises(BatchProcessingError, match="HTTP 503"):
        moto_stack.invoke("AtsFetchFunction", sqs_event([message["Body"]]))
    assert bus.drain() == []


# ------------------------------------------------------------------------------ Teamtailor
def tt_post(moto_stack: MotoStack, payload: dict[str, Any]) -> Any:
    body, sig = tt.delivery(payload)
    return moto_stack.http("POST", tt.PATH, body=body, headers=tt.headers(sig))


def test_a_stale_teamtailor_sample_is_refused(moto_stack: MotoStack) -> None:
    name = "job_application.create"

    result = moto_stack.http("POST", tt.PATH, body=tt.raw(name), headers=tt.documented_headers(name))

    assert result.status == 401
    assert moto_stack.receive_all("AtsFetchQueue") == []


def test_teamtailor_job_application_create_is_fetched_and_received_once(
    moto_stack: MotoStack, bus: Bus, fake_ats_api: FakeAtsApi
) -> None:
    token = click_tokens.new_click_token()
    tt.add_application_routes(fake_ats_api)
    fake_ats_api.replace(
        "GET", f"/teamtailor/candidates/{tt.CANDIDATE_ID}/answers", tt.api_answers(f"Kring code: {token}")
    )
    fake_ats_api.replace("GET", "/teamtailor/referrals", tt.api_referrals())
    payload = tt.payload("job_application.create")

    first = tt_post(moto_stack, payload)

    assert first.status == 200
    (message,) = run_fetches(moto_stack)
    assert message.request.ids["application_id"] == tt.APPLICATION_ID
    envelopes = bus.drain()
    (received,) = details(envelopes, events.ApplicationReceived)
    assert (received.provider, received.application_id, received.job_id) == (
        "teamtailor",
        tt.APPLICATION_ID,
        tt.JOB_ID,
    )
    assert received.candidate_key == identity.candidate_key("teamtailor", tt.CANDIDATE_ID)
    assert (received.stage, received.stage_name) == ("applied", "Inbox")
    assert received.evidence.click_tokens == (token,)
    assert received.evidence.referrer_email_hashes == (identity.email_hash("referrer@example.com"),)
    assert "referrer@example.com" not in json.dumps(envelopes)

    again = tt_post(moto_stack, payload)  # the same change, signed again: the same delivery id

    assert again.status == 200
    assert run_fetches(moto_stack) == []
    assert bus.drain() == []


def test_a_teamtailor_move_to_hired_is_a_hire(
    moto_stack: MotoStack, bus: Bus, fake_ats_api: FakeAtsApi
) -> None:
    tt.add_application_routes(fake_ats_api, stage_type="Hired", stage_name="Hired")

    assert tt_post(moto_stack, tt.payload("job_application.update_hired")).status == 200
    run_fetches(moto_stack)

    (hired,) = details(bus.drain(), events.CandidateHired)
    assert hired.application_id == tt.APPLICATION_ID


def test_a_teamtailor_job_opened_with_its_page_is_stored_and_published(
    moto_stack: MotoStack, bus: Bus, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = "https://career.teamtailor.com/jobs/2-it-designer-1"

    result = tt_post(moto_stack, tt.job_event(status="open", **{"careersite-job-url": url}))

    assert result.status == 200
    vacancy = vacancies.get_vacancy("teamtailor-2")
    assert (vacancy.status, vacancy.title, vacancy.url) == ("published", "IT Designer 1", url)
    assert [e.vacancy_id for e in details(bus.drain(), events.VacancyPublished)] == ["teamtailor-2"]
    assert moto_stack.receive_all("AtsFetchQueue") == []


def test_a_teamtailor_job_opened_without_its_page_is_completed_from_the_api(
    moto_stack: MotoStack, bus: Bus, fake_ats_api: FakeAtsApi, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake_ats_api.add("GET", "/teamtailor/jobs/2", tt.api_job())

    assert tt_post(moto_stack, tt.job_event(status="open")).status == 200
    (message,) = run_fetches(moto_stack)

    assert message.request.ids == {"job_id": "2"}
    vacancy = vacancies.get_vacancy("teamtailor-2")
    assert (vacancy.status, vacancy.url) == (
        "published",
        "https://career.teamtailor.com/jobs/2-it-designer-1",
    )
    assert len(details(bus.drain(), events.VacancyPublished)) == 1


def test_the_verbatim_archived_teamtailor_job_is_stored_as_a_draft(moto_stack: MotoStack, bus: Bus) -> None:
    assert tt_post(moto_stack, tt.payload("job.update")).status == 200

    assert vacancies.get_vacancy("teamtailor-2").status == "draft"
    assert bus.drain() == []

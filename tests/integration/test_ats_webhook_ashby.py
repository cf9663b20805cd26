"""POST /webhooks/ashby: the real handler under moto, idempotency on, events read back from the
stack's bus (see :class:`tests.integration.test_ats_webhook.Bus`)."""

from __future__ import annotations

from typing import Any

import pytest

from kring import config, events
from kring.intake import vacancies
from kring.links import identity
from kring.links.click_tokens import new_click_token
from tests.support import ashby as ab
from tests.support import stored
from tests.support.bus import Bus
from tests.support.fixtures import HttpResult, MotoStack

POSTING_ID = "7458d4e9-da2e-47bd-98cb-adfda43d42b2"
VID = f"ashby-{POSTING_ID}"
APPLICATION_ID = "3ae2b801-19f6-41ef-ad28-214bd731948f"


@pytest.fixture
def bus(moto_stack: MotoStack) -> Bus:
    return Bus(moto_stack.stack.physical_name("KringBus"))


@pytest.fixture
def send(moto_stack: MotoStack) -> Any:
    def _send(body: bytes, *, signature: str | None = None) -> HttpResult:
        return moto_stack.http("POST", ab.PATH, body=body, headers=ab.headers(body, signature=signature))

    return _send


def details(envelopes: list[dict[str, Any]], detail_type: str) -> list[Any]:
    kind = events.event_type(detail_type)
    return [events.parse_envelope(e, kind).detail for e in envelopes if e["detail-type"] == detail_type]


def stored_items(moto_stack: MotoStack) -> int:
    return stored.count(moto_stack)


@pytest.mark.parametrize("name", ab.SAMPLES)
def test_every_ashby_sample_is_accepted_with_its_documented_signature(
    moto_stack: MotoStack, bus: Bus, name: str
) -> None:
    result = moto_stack.http(
        "POST",
        ab.PATH,
        body=ab.raw(name),
        headers=ab.headers(ab.raw(name), signature=ab.documented_signature(name)),
    )

    assert result.status == 200
    assert result.json() == {"received": True}


def test_an_application_is_received_once_with_its_evidence(send: Any, bus: Bus) -> None:
    token = new_click_token()
    fields = [{"id": "cf-1", "title": "Kring referral code", "value": token}]
    body = ab.encode(ab.variant("applicationSubmit", customFields=fields))

    assert send(body).status == 200
    envelopes = bus.drain()
    assert [(e["source"], e["detail-type"]) for e in envelopes] == [("kring.ats", "ApplicationReceived")]
    (received,) = details(envelopes, "ApplicationReceived")
    assert (received.provider, received.application_id, received.post_id) == (
        "ashby",
        APPLICATION_ID,
        POSTING_ID,
    )
    assert received.candidate_key == identity.candidate_key("ashby", "f9e52a51-a075-4116-a7b8-484deba69004")
    assert received.evidence.click_tokens == (token,)
    assert received.evidence.referrer_email_hashes == (identity.email_hash("riley.referrer@example.com"),)
    assert received.stage == "screening"
    assert "taylor" not in str(envelopes).lower()  # no e-mail address or name on the bus

    again = send(body)

    assert again.status == 200
    assert bus.drain() == []


def test_the_hire_and_its_related_stage_change_both_arrive(send: Any, bus: Bus) -> None:
    hire = ab.variant("candidateHire")
    stage = ab.variant("candidateHire")
    stage["action"] = "candidateStageChange"  # the fan-out: same webhookActionId, another action

    assert send(ab.encode(hire)).status == 200
    assert send(ab.encode(stage)).status == 200

    envelopes = bus.drain()
    assert sorted(e["detail-type"] for e in envelopes) == ["CandidateHired", "CandidateStageChanged"]
    (hired,) = details(envelopes, "CandidateHired")
    assert (hired.application_id, hired.job_id) == (APPLICATION_ID, "1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d")
    (moved,) = details(envelopes, "CandidateStageChanged")
    assert moved.stage == "hired"


def test_an_archived_application_is_rejected(send: Any, bus: Bus) -> None:
    body = ab.encode(ab.variant("candidateStageChange", status="Archived"))

    assert send(body).status == 200

    (rejected,) = details(bus.drain(), "ApplicationRejected")
    assert rejected.application_id == "app-9999-8888-7777-6666"


def test_a_published_posting_on_the_organisation_s_job_board_is_stored_and_published(
    send: Any, bus: Bus
) -> None:
    assert send(ab.raw("jobPostingPublish")).status == 200

    vacancy = vacancies.get_vacancy(VID)
    assert (vacancy.status, vacancy.department, vacancy.location) == (
        "published",
        "Engineering",
        "Remote - European Union",
    )
    (published,) = details(bus.drain(), "VacancyPublished")
    assert (published.vacancy_id, published.url) == (VID, f"https://jobs.ashbyhq.com/acme/{POSTING_ID}")
    assert published.department == "Engineering"


def test_a_published_posting_on_another_organisation_s_job_board_is_stored_as_draft(
    send: Any, bus: Bus, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ASHBY_JOB_BOARD", "globex")  # the sample's page is jobs.ashbyhq.com/acme/…
    config.clear_caches()

    assert send(ab.raw("jobPostingPublish")).status == 200

    vacancy = vacancies.get_vacancy(VID)
    assert (vacancy.status, vacancy.url) == ("draft", None)
    assert bus.drain() == []


def test_an_unpublish_closes_the_vacancy(send: Any, bus: Bus) -> None:
    send(ab.raw("jobPostingPublish"))
    later = ab.variant("jobPostingPublish", updatedAt="2025-08-02T09:00:00.000Z", action_id="wa-unpublish")
    later["action"] = "jobPostingUnpublish"

    assert send(ab.encode(later)).status == 200

    assert vacancies.get_vacancy(VID).status == "closed"
    assert [e["detail-type"] for e in bus.drain()] == ["VacancyPublished", "VacancyClosed"]


def test_an_unsigned_ping_is_answered_and_stores_nothing(moto_stack: MotoStack, send: Any, bus: Bus) -> None:
    result = send(ab.raw("ping"), signature="")

    assert result.status == 200
    assert stored_items(moto_stack) == 0
    assert bus.drain() == []


@pytest.mark.parametrize("signature", ["", "sha256=" + "0" * 64])
def test_a_bad_signature_is_a_401_and_nothing_happens(
    moto_stack: MotoStack, send: Any, bus: Bus, signature: str
) -> None:
    result = send(ab.raw("applicationSubmit"), signature=signature)

    assert result.status == 401
    assert result.json()["error"]["code"] == "unauthorized"
    assert stored_items(moto_stack) == 0
    assert bus.drain() == []

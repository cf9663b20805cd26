"""POST /webhooks/recruitee: the real handler under moto, idempotency on, events read back from the
stack's bus (see :class:`tests.integration.test_ats_webhook.Bus`)."""

from __future__ import annotations

from typing import Any

import pytest

from kring import events
from kring.intake import vacancies
from kring.links import identity
from kring.links.click_tokens import new_click_token
from tests.support import recruitee as rc
from tests.support import stored
from tests.support.bus import Bus
from tests.support.fixtures import HttpResult, MotoStack

APPLICATION_ID = "4321987-998877"


@pytest.fixture
def bus(moto_stack: MotoStack) -> Bus:
    return Bus(moto_stack.stack.physical_name("KringBus"))


@pytest.fixture
def send(moto_stack: MotoStack) -> Any:
    def _send(body: bytes, *, signature: str | None = None) -> HttpResult:
        return moto_stack.http("POST", rc.PATH, body=body, headers=rc.headers(body, signature=signature))

    return _send


def details(envelopes: list[dict[str, Any]], detail_type: str) -> list[Any]:
    kind = events.event_type(detail_type)
    return [events.parse_envelope(e, kind).detail for e in envelopes if e["detail-type"] == detail_type]


def table_items(moto_stack: MotoStack, logical_id: str = "KringTable") -> int:
    return stored.count(moto_stack, logical_id)


def test_the_test_request_is_answered_200_without_a_signature(
    moto_stack: MotoStack, send: Any, bus: Bus
) -> None:
    result = send(rc.raw("test"), signature="")

    assert result.status == 200
    assert result.json() == {"received": True}
    assert table_items(moto_stack) == 0
    assert bus.drain() == []


def test_anything_else_unsigned_is_a_401(send: Any) -> None:
    assert send(b'{"test":true,"event_type":"candidate_moved"}', signature="").status == 401


@pytest.mark.parametrize("name", rc.SAMPLES)
def test_every_signed_recruitee_sample_is_accepted_with_its_documented_signature(
    moto_stack: MotoStack, name: str
) -> None:
    body = rc.raw(name)

    result = moto_stack.http(
        "POST", rc.PATH, body=body, headers=rc.headers(body, signature=rc.documented_signature(name))
    )

    assert result.status == 200


def test_a_move_into_a_hire_stage_is_a_candidate_hired_once(send: Any, bus: Bus) -> None:
    body = rc.raw("candidate_moved_hired")

    assert send(body).status == 200
    envelopes = bus.drain()
    assert [(e["source"], e["detail-type"]) for e in envelopes] == [("kring.ats", "CandidateHired")]
    (hired,) = details(envelopes, "CandidateHired")
    assert (hired.provider, hired.application_id, hired.job_id, hired.post_id) == (
        "recruitee",
        APPLICATION_ID,
        "998877",
        "998877",
    )
    assert hired.candidate_key == identity.candidate_key("recruitee", "4321987")

    assert send(body).status == 200  # Recruitee's retry of the same delivery id
    assert bus.drain() == []


def test_a_new_candidate_with_a_referral_code_is_received(send: Any, bus: Bus) -> None:
    token = new_click_token()
    body = rc.encode(
        rc.candidate_created(fields=[{"name": "Kring referral code", "values": [{"text": token}]}])
    )

    assert send(body).status == 200

    (received,) = details(bus.drain(), "ApplicationReceived")
    assert received.application_id == APPLICATION_ID
    assert received.evidence.click_tokens == (token,)
    assert received.evidence.candidate_email_hash == identity.email_hash("jane.doe@example.com")


def test_a_published_offer_becomes_a_published_vacancy(send: Any, bus: Bus) -> None:
    assert send(rc.encode(rc.offer_event("offer_published", department="Engineering"))).status == 200

    assert vacancies.get_vacancy("recruitee-998877").status == "published"
    (published,) = details(bus.drain(), "VacancyPublished")
    assert (published.url, published.department) == (
        "https://acme.recruitee.com/o/senior-backend-engineer",
        "Engineering",
    )


@pytest.mark.parametrize("signature", ["", "0" * 64, "deadbeef"])
def test_a_bad_signature_is_a_401_json_and_nothing_reaches_the_bus(
    moto_stack: MotoStack, send: Any, bus: Bus, signature: str
) -> None:
    result = send(rc.raw("candidate_moved_hired"), signature=signature)

    assert result.status == 401
    assert result.headers["content-type"].startswith("application/json")
    assert result.json()["error"]["code"] == "unauthorized"
    assert table_items(moto_stack) == 0
    assert table_items(moto_stack, "IdempotencyTable") == 0
    assert bus.drain() == []

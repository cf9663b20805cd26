"""Candidate webhooks through the real handler under moto (routed as template.yaml routes them,
idempotency on): Greenhouse and Workable applications and hires → candidate events on the bus,
with evidence that carries no e-mail address; a replay → nothing; a bad signature → 401."""

from __future__ import annotations

import json
from typing import Any

import pytest

from kring import events
from kring.links import identity
from kring.links.click_tokens import check_character
from tests.integration.test_ats_webhook import table_items
from tests.support import greenhouse as gh
from tests.support import workable as wk
from tests.support.bus import Bus
from tests.support.fixtures import MotoStack

TOKEN = "Kr1ngT0kenAbCdEf" + check_character("Kr1ngT0kenAbCdEf")


@pytest.fixture
def bus(moto_stack: MotoStack) -> Bus:
    return Bus(moto_stack.stack.physical_name("KringBus"))


def details(envelopes: list[dict[str, Any]], model: type[events.KringEvent]) -> list[Any]:
    name = model.__name__
    return [events.parse_envelope(e, model).detail for e in envelopes if e["detail-type"] == name]


def no_address_in(envelopes: list[dict[str, Any]]) -> None:
    text = json.dumps(envelopes)
    assert "@" not in text
    for local_part in ("person", "test123", "lakita", "ambassador"):
        assert local_part not in text.lower()


# ------------------------------------------------------------------------------------ Greenhouse
def send_greenhouse(moto_stack: MotoStack, body: bytes, event_id: str, **kw: Any) -> Any:
    return moto_stack.http("POST", gh.PATH, body=body, headers=gh.headers(body, event_id, **kw))


def test_a_greenhouse_application_puts_application_received_with_hashed_evidence_once(
    moto_stack: MotoStack, bus: Bus
) -> None:
    app = gh.application(
        source=gh.REFERRAL_SOURCE,
        custom_fields={"kring_referral_code": {"name": "Kring referral code", "value": TOKEN}},
    )
    body = gh.action("new_candidate_application", {"application": app})

    result = send_greenhouse(moto_stack, body, "evt-app")

    assert result.status == 200
    assert result.json() == {"received": True}
    envelopes = bus.drain()
    assert [(e["source"], e["detail-type"]) for e in envelopes] == [("kring.ats", "ApplicationReceived")]
    no_address_in(envelopes)
    (event,) = details(envelopes, events.ApplicationReceived)
    assert (event.provider, event.application_id, event.job_id, event.post_id) == (
        "greenhouse",
        str(gh.APPLICATION_ID),
        str(gh.JOB_ID_OF_APPLICATION),
        str(gh.POST_ID_OF_APPLICATION),
    )
    assert event.candidate_key == identity.candidate_key("greenhouse", str(gh.CANDIDATE_ID))
    assert (event.stage, event.stage_name) == ("screening", "Preliminary Phone Screen")
    assert event.event_id == "greenhouse:evt-app:0"
    assert event.evidence.click_tokens == (TOKEN,)
    assert event.evidence.referrer_employee_ids == ("123ABC",)
    assert event.evidence.referrer_email_hashes == (identity.email_hash("test123@example.com"),)
    assert event.evidence.candidate_email_hash == identity.email_hash("person@work.com")

    again = send_greenhouse(moto_stack, body, "evt-app")

    assert again.status == 200
    assert bus.drain() == []


def test_a_greenhouse_hire_puts_candidate_hired_with_its_evidence(moto_stack: MotoStack, bus: Bus) -> None:
    result = send_greenhouse(
        moto_stack, gh.candidate_body("hire_candidate", source=gh.REFERRAL_SOURCE), "evt-hire"
    )

    assert result.status == 200
    envelopes = bus.drain()
    no_address_in(envelopes)
    (hired,) = details(envelopes, events.CandidateHired)
    assert hired.application_id == str(gh.APPLICATION_ID)
    assert hired.occurred_at.isoformat() == "2017-11-20T16:00:00+00:00"
    assert hired.evidence is not None
    assert hired.evidence.referrer_employee_ids == ("123ABC",)


@pytest.mark.parametrize(
    ("name", "detail_type"),
    [
        ("candidate_stage_change", "CandidateStageChanged"),
        ("unhire_candidate", "CandidateUnhired"),
        ("reject_candidate", "ApplicationRejected"),
    ],
)
def test_greenhouse_stage_unhire_and_reject_events(
    moto_stack: MotoStack, bus: Bus, name: str, detail_type: str
) -> None:
    assert send_greenhouse(moto_stack, gh.candidate_body(name), f"evt-{name}").status == 200

    envelopes = bus.drain()
    assert [e["detail-type"] for e in envelopes] == [detail_type]
    no_address_in(envelopes)


def test_a_greenhouse_unrejection_is_acknowledged_and_ignored(moto_stack: MotoStack, bus: Bus) -> None:
    assert send_greenhouse(moto_stack, gh.candidate_body("unreject_candidate"), "evt-u").status == 200
    assert bus.drain() == []


def test_a_greenhouse_candidate_event_with_a_wrong_signature_is_refused(
    moto_stack: MotoStack, bus: Bus
) -> None:
    body = gh.candidate_body("hire_candidate")

    result = send_greenhouse(moto_stack, body, "evt-bad", signature=gh.sign(body, "not the secret"))

    assert result.status == 401
    assert result.json()["error"]["code"] == "unauthorized"
    assert bus.drain() == []
    assert table_items(moto_stack, moto_stack.stack.physical_name("IdempotencyTable")) == 0


# ------------------------------------------------------------------------------------ Workable
def send_workable(moto_stack: MotoStack, body: bytes, **kw: Any) -> Any:
    return moto_stack.http("POST", wk.PATH, body=body, headers=wk.headers(body, **kw))


def test_the_workable_samples_put_application_received_then_candidate_hired_once(
    moto_stack: MotoStack, bus: Bus
) -> None:
    created = wk.raw("candidate_created")

    result = send_workable(moto_stack, created, signature=wk.documented_signature("candidate_created"))

    assert result.status == 200
    assert result.json() == {"received": True}
    envelopes = bus.drain()
    no_address_in(envelopes)
    (received,) = details(envelopes, events.ApplicationReceived)
    assert (received.provider, received.application_id, received.job_id, received.post_id) == (
        "workable",
        wk.CANDIDATE_ID,
        wk.SHORTCODE,
        wk.SHORTCODE,
    )
    assert received.candidate_key == identity.candidate_key("workable", wk.CANDIDATE_ID)
    assert received.evidence.candidate_email_hash == identity.email_hash("lakita_marrero@example.com")

    assert send_workable(moto_stack, created).status == 200  # Workable replays: no event id, same content
    assert bus.drain() == []

    hired = wk.raw("candidate_moved_hired")
    assert send_workable(moto_stack, hired).status == 200
    (hire,) = details(bus.drain(), events.CandidateHired)
    assert hire.occurred_at.isoformat() == "2024-06-18T13:02:44+00:00"


def test_a_workable_candidate_with_a_referral_code_answer_and_a_referrer(
    moto_stack: MotoStack, bus: Bus
) -> None:
    body = wk.body(
        answers=[{"question": {"body": "Kring referral code"}, "answer": {"body": TOKEN}}],
        referrer={"name": "Amb", "email": "ambassador@example.com"},
    )

    assert send_workable(moto_stack, body).status == 200

    envelopes = bus.drain()
    no_address_in(envelopes)
    (received,) = details(envelopes, events.ApplicationReceived)
    assert received.evidence.click_tokens == (TOKEN,)
    assert received.evidence.referrer_email_hashes == (identity.email_hash("ambassador@example.com"),)


def test_a_workable_delivery_with_a_wrong_signature_is_a_401_with_a_json_body(
    moto_stack: MotoStack, bus: Bus
) -> None:
    body = wk.raw("candidate_created")
    tampered = body.replace(b"GROOV005", b"GROOV006")

    for sent, signature in ((tampered, wk.documented_signature("candidate_created")), (body, "")):
        result = send_workable(moto_stack, sent, signature=signature)

        assert result.status == 401
        assert set(result.json()["error"]) == {"code", "message"}
    assert bus.drain() == []
    assert table_items(moto_stack, moto_stack.stack.physical_name("IdempotencyTable")) == 0

"""Workable: the signature over the raw bytes, content-hash delivery ids, candidates → changes
with their evidence, and the published-jobs feed through a port passed in. Reading it from a local
fake of the SPI v3 API is an integration test (tests/integration/test_ats_client_workable.py)."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

import pytest

from kring.errors import InvalidInputError, UnauthorizedError
from kring.events import CandidateHired
from kring.intake import candidates
from kring.integrations.ats import registry, workable
from kring.integrations.ats.base import (
    ApplicationSubmitted,
    Delivery,
    Evidence,
    Hired,
    Rejected,
    Stage,
    StageChanged,
)
from kring.links.click_tokens import check_character
from tests.support import workable as wk

TOKEN = "ZyXwVuTs98765432" + check_character("ZyXwVuTs98765432")
IDS = {
    "provider": "workable",
    "application_id": wk.CANDIDATE_ID,
    "candidate_id": wk.CANDIDATE_ID,
    "job_id": wk.SHORTCODE,
    "post_id": wk.SHORTCODE,
}
SAMPLE_EVIDENCE = Evidence(texts=("linkedin.com",), candidate_email="lakita_marrero@example.com")


@pytest.fixture(autouse=True)
def _secrets(secrets_env: None) -> None:
    """Webhook secret, API key and identity hash key from the environment."""


def only(data: Any) -> Any:
    changes = workable.normalise(data)
    assert len(changes) == 1, changes
    return changes[0]


# ------------------------------------------------------------------------------------------ verify
@pytest.mark.parametrize("name", wk.SAMPLES)
def test_every_sample_verifies_with_its_documented_signature(name: str) -> None:
    body = wk.raw(name)
    documented = wk.documented_signature(name)

    assert documented == wk.sign(body)
    assert workable.verify({"x-workable-signature": documented}, body, wk.SECRET)


@pytest.mark.parametrize("name", wk.SAMPLES)
def test_one_changed_byte_fails_verification(name: str) -> None:
    body = wk.raw(name)
    tampered = body.replace(b'"stage"', b'"Stage"', 1)

    assert tampered != body
    assert not workable.verify({"x-workable-signature": wk.documented_signature(name)}, tampered, wk.SECRET)


@pytest.mark.parametrize("signature", [None, "", " ", "0" * 64, "not-hex-ü", "sha1=" + "0" * 40])
def test_missing_or_malformed_signatures_fail(signature: str | None) -> None:
    body = wk.raw("candidate_created")
    headers = {} if signature is None else {"x-workable-signature": signature}

    assert not workable.verify(headers, body, wk.SECRET)


def test_the_wrong_key_fails_and_case_or_a_sha256_prefix_do_not_matter() -> None:
    body = wk.raw("candidate_created")

    assert not workable.verify({"x-workable-signature": wk.sign(body, "another key")}, body, wk.SECRET)
    assert workable.verify({"x-workable-signature": wk.sign(body).upper()}, body, wk.SECRET)
    assert workable.verify({"x-workable-signature": "sha256=" + wk.sign(body)}, body, wk.SECRET)


def test_a_reserialised_body_does_not_verify() -> None:
    body = wk.raw("candidate_created")

    assert not workable.verify(
        {"x-workable-signature": wk.sign(body)}, json.dumps(json.loads(body)).encode(), wk.SECRET
    )


# ------------------------------------------------------------------------------------------ ids
def test_the_delivery_id_is_a_hash_of_event_candidate_and_update_time() -> None:
    body = wk.raw("candidate_created")
    expected = hashlib.sha256(b"candidate_created\nce4da98\n2024-05-20T08:41:07Z").hexdigest()

    assert workable.delivery_id({}, body) == "sha256:" + expected
    # a replay rendered again (other spacing, other order) is the same delivery
    rendered_again = json.dumps(json.loads(body), sort_keys=True).encode()
    assert workable.delivery_id({}, rendered_again) == "sha256:" + expected


def test_another_event_or_update_time_is_another_delivery() -> None:
    created = workable.delivery_id({}, wk.raw("candidate_created"))

    assert workable.delivery_id({}, wk.body(updated_at="2024-05-20T09:00:00Z")) != created
    moved = wk.encode({**wk.payload("candidate_created"), "event_type": "candidate_moved"})
    assert workable.delivery_id({}, moved) != created


@pytest.mark.parametrize("body", [wk.body(updated_at=None), wk.body(id=None), b"[1, 2]", b"{not json"])
def test_without_the_three_parts_the_delivery_id_hashes_the_body(body: bytes) -> None:
    assert workable.delivery_id({}, body) == "sha256:" + hashlib.sha256(body).hexdigest()


# ------------------------------------------------------------------------------------------ normalise
def test_candidate_created_sample_becomes_an_application_of_the_candidate_for_the_job() -> None:
    change = only(wk.payload("candidate_created"))

    assert change == ApplicationSubmitted(
        **IDS,
        occurred_at=wk.at("2024-05-20T08:41:07+00:00"),
        stage=Stage(name="Applied", kind="applied"),
        evidence=SAMPLE_EVIDENCE,
    )


def test_candidate_moved_hired_sample_becomes_a_hire_dated_by_hired_at_with_evidence() -> None:
    change = only(wk.payload("candidate_moved_hired"))

    assert change == Hired(**IDS, occurred_at=wk.at("2024-06-18T13:02:44+00:00"), evidence=SAMPLE_EVIDENCE)


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"stage": "Hired", "hired_at": None}, Hired),
        ({"stage": "Welcome aboard", "hired_at": "2024-06-18T13:02:44Z"}, Hired),
        ({"stage": None, "hired_at": "2024-06-18T13:02:44Z"}, Hired),
        ({"stage": {"slug": "hired", "name": "Signed", "kind": "hired"}, "hired_at": None}, Hired),
        ({"stage": "Interview", "hired_at": "2024-06-18T13:02:44Z"}, StageChanged),  # moved back
        ({"stage": "Interview", "hired_at": None}, StageChanged),
        ({"stage": "Hired", "disqualified": True}, Rejected),
    ],
)
def test_a_move_is_a_hire_a_rejection_or_a_stage_change(changes: dict[str, Any], expected: type) -> None:
    assert type(only(wk.candidate_event("candidate_moved_hired", **changes))) is expected


def test_a_move_to_an_interview_stage() -> None:
    data = wk.candidate_event(
        "candidate_moved_hired", stage="Phone Screen", hired_at=None, updated_at="2024-05-28T10:00:00Z"
    )

    assert only(data) == StageChanged(
        **IDS,
        occurred_at=wk.at("2024-05-28T10:00:00+00:00"),
        stage=Stage(name="Phone Screen", kind="screening"),
        evidence=SAMPLE_EVIDENCE,
    )


def test_a_disqualification_is_dated_by_disqualified_at_else_the_update() -> None:
    data = wk.candidate_event("candidate_moved_hired", disqualified=True, updated_at="2024-06-01T08:00:00Z")
    assert only(data) == Rejected(**IDS, occurred_at=wk.at("2024-06-01T08:00:00+00:00"))

    data["data"]["disqualified_at"] = "2024-05-31T17:00:00Z"
    assert only(data).occurred_at == wk.at("2024-05-31T17:00:00+00:00")


@pytest.mark.parametrize(
    "shape",
    [
        lambda c: {"event_type": "candidate_created", "candidate": c},
        lambda c: {"event": "candidate_created", "data": c},
        lambda c: {"event_type": "candidate_created", **c},
    ],
    ids=["candidate key", "event key", "flat body"],
)
def test_other_envelopes_are_read_too(shape: Any) -> None:
    candidate = wk.payload("candidate_created")["data"]

    change = only(shape(candidate))

    assert isinstance(change, ApplicationSubmitted)
    assert (change.application_id, change.job_id) == (wk.CANDIDATE_ID, wk.SHORTCODE)


@pytest.mark.parametrize(
    "data",
    [
        {"event_type": "candidate_deleted", "data": {"id": "x"}},
        {"event_type": "employee_created", "data": {"id": "x"}},
        {"data": {"id": "x"}},
        wk.candidate_event(job=None),
        wk.candidate_event(job={"title": "no shortcode"}),
    ],
    ids=["deleted", "employee", "no event", "no job", "job without shortcode"],
)
def test_events_kring_does_not_use_and_candidates_without_a_job_give_nothing(data: Any) -> None:
    assert workable.normalise(data) == []


@pytest.mark.parametrize(
    "data",
    [
        [],
        "candidate_created",
        {"event_type": "candidate_created", "data": "x"},
        wk.candidate_event(id=None),
        wk.candidate_event(id="has spaces in it"),
        wk.candidate_event("candidate_moved_hired", stage=None, hired_at=None),
    ],
)
def test_payloads_that_can_never_be_used_are_invalid_input(data: Any) -> None:
    with pytest.raises(InvalidInputError):
        workable.normalise(data)


def test_without_any_time_occurred_at_is_the_time_of_receipt() -> None:
    before = datetime.now(UTC)

    change = only(wk.candidate_event(created_at=None, updated_at="yesterday"))

    assert before <= change.occurred_at <= datetime.now(UTC)


# ------------------------------------------------------------------------------------------ evidence
@pytest.mark.parametrize(
    "changes",
    [
        {"answers": [{"question": {"body": "Kring referral code"}, "answer": {"body": TOKEN}}]},
        {"tags": ["referral", f"kref-{TOKEN}"]},
        {"domain": f"careers.example.com/?kref={TOKEN}"},
        {"custom_attributes": [{"key": "kring_code", "label": "Kring referral code", "value": TOKEN}]},
        {"sourced": f"Kring {TOKEN}"},
        {"referring_url": f"https://careers.example.com/jobs/1?kref={TOKEN}"},
    ],
    ids=["answer", "tag", "domain", "custom attribute", "sourced", "referring url"],
)
def test_a_click_token_in_the_candidate_is_found(changes: dict[str, Any]) -> None:
    change = only(wk.candidate_event(**changes))

    assert isinstance(change, ApplicationSubmitted)
    assert candidates.evidence_of(change.evidence).click_tokens == (TOKEN,)


def test_a_referrer_is_carried_and_e_mails_leave_only_as_hashes() -> None:
    data = wk.candidate_event(
        "candidate_moved_hired",
        referrer={"name": "Amb Assador", "email": "amb@example.com", "employee_id": "E-42"},
        answers=[{"question": {"body": "Referral code"}, "answer": {"body": TOKEN}}],
    )
    change = only(data)
    assert isinstance(change, Hired)
    assert change.evidence is not None
    assert change.evidence.referrer_emails == ("amb@example.com",)
    assert change.evidence.referrer_employee_ids == ("E-42",)
    assert change.evidence.candidate_email == "lakita_marrero@example.com"

    event = candidates.to_event(change, event_id="workable:x:0", correlation_id="workable:x")

    assert isinstance(event, CandidateHired)
    serialised = event.model_dump_json()
    assert "@" not in serialised
    assert "lakita" not in serialised
    assert event.evidence is not None
    assert event.evidence.click_tokens == (TOKEN,)
    assert event.evidence.referrer_employee_ids == ("E-42",)
    assert len(event.evidence.referrer_email_hashes) == 1
    assert event.evidence.candidate_email_hash is not None


def test_a_referrer_given_as_an_address_and_e_mails_as_a_list() -> None:
    change = only(
        wk.candidate_event(email=None, emails=[{"value": "c@example.com"}], referred_by="r@example.com")
    )

    assert isinstance(change, ApplicationSubmitted)
    assert change.evidence.referrer_emails == ("r@example.com",)
    assert change.evidence.candidate_email == "c@example.com"


# ------------------------------------------------------------------------------------------ intake
@pytest.mark.parametrize("name", wk.SAMPLES)
def test_intake_opens_every_signed_sample(name: str) -> None:
    body = wk.raw(name)

    delivery = registry.open_delivery(
        "workable", wk.headers(body, signature=wk.documented_signature(name)), body
    )

    assert isinstance(delivery, Delivery)
    assert delivery.ack_status == 200
    assert delivery.event == wk.payload(name)["event_type"]
    assert delivery.delivery_id.startswith("sha256:")
    assert len(delivery.changes) == 1


def test_intake_refuses_a_tampered_sample() -> None:
    body = wk.raw("candidate_created")
    tampered = body.replace(b"GROOV005", b"GROOV006")

    with pytest.raises(UnauthorizedError):
        registry.open_delivery("workable", wk.headers(body), tampered)


def test_workable_is_registered_for_webhooks_and_polling() -> None:
    assert registry.provider("workable") is workable
    assert registry.polled_provider("workable") is workable
    assert workable.handshake({}, b"{}") is None
    assert workable.event_name({"event_type": "candidate_moved"}) == "candidate_moved"
    assert workable.event_name([]) == "unknown"


# ------------------------------------------------------------------------------------------ jobs feed
def test_a_port_can_be_passed_in() -> None:
    class Jobs:
        def published_jobs(self) -> list[dict[str, Any]]:
            return [wk.job("GROOV009")]

    assert [p.post_id for p in wk.polled_posts(Jobs())] == ["GROOV009"]

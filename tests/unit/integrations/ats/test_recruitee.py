"""Recruitee: signatures over the raw bytes, the unsigned test request (and nothing else), delivery
ids, and payloads → normalised changes. No network."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime

import pytest

from kring import config
from kring.errors import InvalidInputError, UnauthorizedError
from kring.intake import candidates
from kring.integrations.ats import recruitee, registry
from kring.integrations.ats.base import (
    ApplicationSubmitted,
    Delivery,
    Hired,
    JobChanged,
    JobPostChanged,
    JobPostDeleted,
    Rejected,
    Reply,
    Stage,
    StageChanged,
)
from kring.links import identity
from kring.links.click_tokens import new_click_token
from tests.support import recruitee as rc

APPLICATION_ID = "4321987-998877"
CANDIDATE_ID = "4321987"
OFFER_ID = "998877"


@pytest.fixture(autouse=True)
def _settings(monkeypatch: pytest.MonkeyPatch, secrets_env: None) -> None:
    monkeypatch.setenv("RECRUITEE_SUBDOMAIN", "acme")
    config.clear_caches()


def sig(name: str) -> dict[str, str]:
    return {"x-recruitee-signature": rc.documented_signature(name)}


# ------------------------------------------------------------------------------------------ verify
@pytest.mark.parametrize("name", rc.SAMPLES)
def test_every_signed_sample_verifies_with_its_documented_signature(name: str) -> None:
    body = rc.raw(name)

    assert rc.documented_signature(name) == rc.sign(body)
    assert recruitee.verify(sig(name), body, rc.SECRET)


@pytest.mark.parametrize("name", rc.SAMPLES)
def test_one_changed_byte_fails_verification(name: str) -> None:
    body = rc.raw(name)
    tampered = body.replace(b'"Jane Doe"', b'"Jane Dof"', 1)

    assert tampered != body
    assert not recruitee.verify(sig(name), tampered, rc.SECRET)


@pytest.mark.parametrize("signature", [None, "", "sha256=", "0" * 64, "sha1=" + "0" * 40, "not-hex-ü"])
def test_missing_or_malformed_signatures_fail(signature: str | None) -> None:
    body = rc.raw("candidate_moved")
    headers = {} if signature is None else {"x-recruitee-signature": signature}

    assert not recruitee.verify(headers, body, rc.SECRET)


def test_the_wrong_secret_fails_and_hex_case_or_a_sha256_prefix_does_not_matter() -> None:
    body = rc.raw("candidate_moved")

    assert not recruitee.verify({"x-recruitee-signature": rc.sign(body, "another")}, body, rc.SECRET)
    assert recruitee.verify({"x-recruitee-signature": rc.sign(body).upper()}, body, rc.SECRET)
    assert recruitee.verify({"x-recruitee-signature": "sha256=" + rc.sign(body)}, body, rc.SECRET)


# ------------------------------------------------------------------------------------------ the test
def test_the_verbatim_test_request_is_answered_200_without_a_signature() -> None:
    body = rc.raw("test")

    assert recruitee.handshake({}, body) == Reply(200, {"received": True})
    assert registry.open_delivery("recruitee", {"User-Agent": "Recruitee-Webhooks"}, body) == Reply(
        200, {"received": True}
    )


@pytest.mark.parametrize("body", [b'{"test": true}', b' {"test":true}\n'])
def test_the_test_request_in_other_whitespace_is_the_test_too(body: bytes) -> None:
    assert recruitee.handshake({}, body) == Reply(200, {"received": True})


@pytest.mark.parametrize(
    "body",
    [
        b'{"test":false}',
        b'{"test":1}',
        b'{"test":"true"}',
        b'{"test":true,"event_type":"candidate_moved"}',
        b'{"test":true,"payload":{}}',
        b"[true]",
        b"test",
        b"{}",
        b'{"test":true' + b" " * 80 + b"}",
    ],
)
def test_nothing_but_the_exact_test_passes_unsigned(body: bytes) -> None:
    assert recruitee.handshake({}, body) is None
    with pytest.raises(UnauthorizedError):
        registry.open_delivery("recruitee", {}, body)


def test_an_unsigned_real_event_is_refused() -> None:
    with pytest.raises(UnauthorizedError):
        registry.open_delivery("recruitee", {}, rc.raw("candidate_moved_hired"))


def test_a_signed_example_event_from_the_test_payload_buttons_is_acknowledged_and_ignored() -> None:
    body = rc.encode({**rc.payload("candidate_moved_hired"), "test": True})

    opened = registry.open_delivery("recruitee", {"X-Recruitee-Signature": rc.sign(body)}, body)

    assert isinstance(opened, Delivery)
    assert opened.changes == ()


# ------------------------------------------------------------------------------------------ ids
def test_delivery_id_is_the_envelope_id() -> None:
    assert recruitee.delivery_id({}, rc.raw("candidate_moved")) == "90210001"


def test_without_an_id_the_delivery_id_hashes_the_envelope_but_not_its_attempt_count() -> None:
    first = rc.event(attempt_count=1)
    del first["id"]
    retry = {**first, "attempt_count": 2}
    other = {**first, "created_at": "2024-05-20T08:41:08.000000Z"}

    key = recruitee.delivery_id({}, rc.encode(first))

    assert key.startswith("sha256:")
    assert recruitee.delivery_id({}, json.dumps(retry).encode()) == key
    assert recruitee.delivery_id({}, rc.encode(other)) != key
    assert recruitee.delivery_id({}, b"[]") == "sha256:" + hashlib.sha256(b"[]").hexdigest()


# ------------------------------------------------------------------------------------------ samples
@pytest.mark.parametrize("name", rc.SAMPLES)
def test_every_signed_sample_is_opened_through_the_intake(name: str) -> None:
    opened = registry.open_delivery(
        "recruitee", {"X-Recruitee-Signature": rc.documented_signature(name)}, rc.raw(name)
    )

    assert isinstance(opened, Delivery)
    assert (opened.provider, opened.ack_status, opened.event) == (
        "recruitee",
        200,
        "candidate_moved.stage_changed",
    )
    assert len(opened.changes) == 1


def test_the_moved_sample_becomes_a_stage_change_of_the_placement() -> None:
    (change,) = recruitee.normalise(rc.payload("candidate_moved"))

    assert change == StageChanged(
        provider="recruitee",
        application_id=APPLICATION_ID,
        candidate_id=CANDIDATE_ID,
        job_id=OFFER_ID,
        post_id=OFFER_ID,
        occurred_at=datetime(2024, 5, 20, 8, 41, 7, tzinfo=UTC),
        stage=Stage(name="Interview", kind="interview"),
        evidence=None,  # the sample holds nothing about who brought the candidate
    )


def test_the_moved_into_hire_sample_becomes_the_hire() -> None:
    (change,) = recruitee.normalise(rc.payload("candidate_moved_hired"))

    assert isinstance(change, Hired)
    assert (change.application_id, change.candidate_id, change.job_id) == (
        APPLICATION_ID,
        CANDIDATE_ID,
        OFFER_ID,
    )
    assert change.occurred_at == datetime(2024, 6, 18, 13, 2, 44, tzinfo=UTC)


@pytest.mark.parametrize(
    ("to_stage", "expected"),
    [
        ({"category": "hired", "id": 1, "name": "Signed"}, "hired"),
        ({"category": "offer", "id": 2, "name": "Offer sent"}, "offer"),
        ({"category": "apply", "id": 3, "name": "Sourced"}, "applied"),
        ({"category": "offer", "id": 4, "name": "Hired?"}, "offer"),
        ({"id": 5, "name": "Hired"}, "hired"),
        ({"category": "custom", "id": 6, "name": "Waiting room"}, "other"),
    ],
)
def test_the_stage_kind_follows_the_stage_category(to_stage: dict[str, object], expected: str) -> None:
    data = rc.event()
    data["payload"]["details"]["to_stage"] = to_stage

    (change,) = recruitee.normalise(data)

    if expected == "hired":
        assert isinstance(change, Hired)
    else:
        assert isinstance(change, StageChanged)
        assert change.stage.kind == expected


def test_disqualified_is_rejected_and_requalified_is_ignored() -> None:
    (rejected,) = recruitee.normalise(rc.event(event_subtype="disqualified"))

    assert isinstance(rejected, Rejected)
    assert rejected.application_id == APPLICATION_ID
    assert recruitee.normalise(rc.event(event_subtype="requalified")) == []


def test_candidate_created_on_a_job_is_a_submitted_application_with_its_evidence() -> None:
    token = new_click_token()
    data = rc.candidate_created(
        sources=["LinkedIn", f"kring {token}"],
        referrer="sam.ambassador@example.com",
        fields=[{"kind": "text", "name": "Kring referral code", "values": [{"text": token}]}],
    )

    (change,) = recruitee.normalise(data)

    assert isinstance(change, ApplicationSubmitted)
    assert (change.application_id, change.candidate_id, change.job_id, change.post_id) == (
        APPLICATION_ID,
        CANDIDATE_ID,
        OFFER_ID,
        OFFER_ID,
    )
    assert change.evidence.referrer_emails == ("sam.ambassador@example.com",)
    assert change.evidence.candidate_email == "jane.doe@example.com"
    evidence = candidates.evidence_of(change.evidence)
    assert evidence.click_tokens == (token,)
    assert evidence.candidate_email_hash == identity.email_hash("jane.doe@example.com")


def test_a_click_token_in_a_question_answer_is_found_downstream() -> None:
    token = new_click_token()
    answers = [{"question": "Referral code (optional)", "content": f"  {token} "}]
    data = rc.candidate_created()
    data["payload"]["placement"] = {"id": 5555, "stage": {"name": "Applied", "category": "apply"}}
    data["payload"]["candidate"]["open_question_answers"] = answers

    (change,) = recruitee.normalise(data)

    assert isinstance(change, ApplicationSubmitted)
    assert change.stage == Stage(name="Applied", kind="applied")
    assert candidates.evidence_of(change.evidence).click_tokens == (token,)


def test_a_referrer_given_by_name_is_only_a_text() -> None:
    (change,) = recruitee.normalise(rc.candidate_created(referrer="Sam Ambassador"))

    assert isinstance(change, ApplicationSubmitted)
    assert change.evidence.referrer_emails == ()
    assert "Sam Ambassador" in change.evidence.texts


def test_candidate_assigned_is_a_submitted_application_too() -> None:
    data = rc.candidate_created()
    data["event_type"] = "candidate_assigned"

    (change,) = recruitee.normalise(data)

    assert isinstance(change, ApplicationSubmitted)
    assert change.application_id == APPLICATION_ID


def test_a_candidate_without_a_job_or_in_a_talent_pool_is_ignored() -> None:
    no_job = rc.candidate_created()
    del no_job["payload"]["offer"]
    pool = rc.candidate_created()
    pool["payload"]["offer"]["kind"] = "talent_pool"

    assert recruitee.normalise(no_job) == []
    assert recruitee.normalise(pool) == []


# ------------------------------------------------------------------------------------------ offers
def test_a_published_offer_is_the_job_and_a_live_post() -> None:
    job, post = recruitee.normalise(
        rc.offer_event("offer_published", department="Engineering", city="Amsterdam")
    )

    assert isinstance(job, JobChanged)
    assert (job.job_id, job.department, job.location) == (OFFER_ID, "Engineering", "Amsterdam")
    assert post == JobPostChanged(
        provider="recruitee",
        post_id=OFFER_ID,
        job_id=OFFER_ID,
        title="Senior Backend Engineer",
        location="Amsterdam",
        url="https://acme.recruitee.com/o/senior-backend-engineer",
        live=True,
        updated_at=datetime(2024, 5, 21, 9, tzinfo=UTC),
    )


def test_an_unpublished_offer_is_a_post_that_is_not_live() -> None:
    _, post = recruitee.normalise(rc.offer_event("offer_unpublished"))

    assert isinstance(post, JobPostChanged)
    assert post.live is False


def test_an_offer_update_counts_only_when_it_states_its_status() -> None:
    assert recruitee.normalise(rc.offer_event("offer_updated")) == []
    job, post = recruitee.normalise(rc.offer_event("offer_updated", status="closed"))
    assert isinstance(job, JobChanged)
    assert isinstance(post, JobPostChanged)
    assert (job.status, post.live) == ("closed", False)


def test_a_deleted_offer_deletes_the_post() -> None:
    (change,) = recruitee.normalise(rc.offer_event("offer_deleted"))

    assert isinstance(change, JobPostDeleted)
    assert (change.post_id, change.job_id) == (OFFER_ID, OFFER_ID)


# ------------------------------------------------------------------------------------------ refusals
@pytest.mark.parametrize("event_type", ["candidate_deleted", "note_created", "something_new"])
def test_events_kring_does_not_use_are_acknowledged_and_ignored(event_type: str) -> None:
    assert recruitee.normalise(rc.event(event_type=event_type)) == []


@pytest.mark.parametrize(
    "payload",
    [
        [],
        {"payload": {}},
        {"event_type": "candidate_moved"},
        {"event_type": "candidate_moved", "payload": {"offer": {"id": 1}}},
        {"event_type": "candidate_moved", "payload": {"candidate": {"id": 1}, "offer": {"id": 2}}},
        {
            "event_type": "candidate_moved",
            "event_subtype": "stage_changed",
            "created_at": "2024-05-20T08:41:07Z",
            "payload": {"candidate": {"id": 1}, "offer": {"id": 2}, "details": {}},
        },
        {"event_type": "offer_published", "payload": {"offer": {"title": "T"}}},
        {"event_type": "offer_published", "payload": {"offer": {"id": 1, "title": "T"}}},
    ],
)
def test_a_payload_with_nothing_usable_is_invalid(payload: object) -> None:
    with pytest.raises(InvalidInputError):
        recruitee.normalise(payload)

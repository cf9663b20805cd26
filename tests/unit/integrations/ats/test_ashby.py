"""Ashby: signatures over the raw bytes, the ping, delivery ids, and payloads → normalised changes
(and, through :func:`kring.intake.candidates.evidence_of`, what attribution gets of them). No network."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

import pytest

from kring import config
from kring.errors import InvalidInputError, UnauthorizedError
from kring.intake import candidates
from kring.integrations.ats import ashby, registry
from kring.integrations.ats.base import (
    ApplicationSubmitted,
    Delivery,
    Hired,
    JobChanged,
    JobPostChanged,
    Rejected,
    Reply,
    Stage,
    StageChanged,
)
from kring.links import identity
from kring.links.click_tokens import new_click_token
from tests.support import ashby as ab

APPLICATION_ID = "3ae2b801-19f6-41ef-ad28-214bd731948f"
CANDIDATE_ID = "f9e52a51-a075-4116-a7b8-484deba69004"
JOB_ID = "1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d"
POSTING_ID = "7458d4e9-da2e-47bd-98cb-adfda43d42b2"


@pytest.fixture(autouse=True)
def _settings(monkeypatch: pytest.MonkeyPatch, secrets_env: None) -> None:
    monkeypatch.setenv("ASHBY_JOB_BOARD", "acme")
    config.clear_caches()


def sig(name: str) -> dict[str, str]:
    return {"ashby-signature": ab.documented_signature(name)}


# ------------------------------------------------------------------------------------------ verify
@pytest.mark.parametrize("name", ab.SAMPLES)
def test_every_sample_verifies_with_its_documented_signature(name: str) -> None:
    body = ab.raw(name)

    assert ab.documented_signature(name) == ab.sign(body)
    assert ashby.verify(sig(name), body, ab.SECRET)


@pytest.mark.parametrize("name", ab.SAMPLES)
def test_one_changed_byte_fails_verification(name: str) -> None:
    body = ab.raw(name)
    tampered = body.replace(b'"action"', b'"Action"', 1)

    assert tampered != body
    assert not ashby.verify(sig(name), tampered, ab.SECRET)


@pytest.mark.parametrize(
    "signature",
    [
        None,
        "",
        "sha256",
        "sha256=",
        "sha1=" + "0" * 40,
        "sha256 " + "0" * 64,
        "sha256=" + "0" * 64,
        "sha256=not-hex-ü",
    ],
)
def test_missing_or_malformed_signatures_fail(signature: str | None) -> None:
    body = ab.raw("applicationSubmit")
    headers = {} if signature is None else {"ashby-signature": signature}

    assert not ashby.verify(headers, body, ab.SECRET)


def test_the_wrong_secret_fails_and_hex_case_does_not_matter() -> None:
    body = ab.raw("applicationSubmit")

    assert not ashby.verify({"ashby-signature": ab.sign(body, "another")}, body, ab.SECRET)
    upper = "sha256=" + ab.sign(body).split("=", 1)[1].upper()
    assert ashby.verify({"ashby-signature": upper}, body, ab.SECRET)


def test_a_reserialised_body_does_not_verify() -> None:
    body = ab.raw("applicationSubmit")

    assert not ashby.verify(
        {"ashby-signature": ab.sign(body)}, json.dumps(json.loads(body)).encode(), ab.SECRET
    )


# ------------------------------------------------------------------------------------------ ping
def test_the_sample_ping_is_signed_and_normalises_to_nothing() -> None:
    opened = registry.open_delivery(
        "ashby", {"Ashby-Signature": ab.documented_signature("ping")}, ab.raw("ping")
    )

    assert isinstance(opened, Delivery)
    assert (opened.event, opened.changes, opened.ack_status) == ("ping", (), 200)


@pytest.mark.parametrize(
    "body",
    [
        b'{"action": "ping", "data": {}}',
        b'{"action":"ping"}',
        b'{"action": "ping", "data": {"webhookActionType": "ping"}, "webhookActionId": "wa-1"}',
    ],
)
def test_an_unsigned_ping_is_answered_200(body: bytes) -> None:
    opened = registry.open_delivery("ashby", {"Content-Type": "application/json"}, body)

    assert opened == Reply(200, {"received": True})


@pytest.mark.parametrize(
    "body",
    [
        b'{"action": "applicationSubmit", "data": {}}',
        b'{"action": "ping", "data": {"application": {"id": "x"}}}',
        b'{"action": "ping", "data": {}, "extra": 1}',
        b'{"action": "ping", "data": []}',
        b'["ping"]',
        b"ping",
        b'{"action": "ping", "data": {"a": "' + b"x" * 600 + b'"}}',
    ],
)
def test_nothing_but_a_ping_passes_unsigned(body: bytes) -> None:
    assert ashby.handshake({}, body) is None
    with pytest.raises(UnauthorizedError):
        registry.open_delivery("ashby", {}, body)


def test_a_ping_with_a_wrong_signature_is_refused_so_a_wrong_secret_shows_at_once() -> None:
    body = ab.raw("ping")

    assert ashby.handshake({"ashby-signature": ab.sign(body, "another")}, body) is None
    with pytest.raises(UnauthorizedError):
        registry.open_delivery("ashby", {"Ashby-Signature": ab.sign(body, "another")}, body)


def test_an_unsigned_real_event_is_refused() -> None:
    with pytest.raises(UnauthorizedError):
        registry.open_delivery("ashby", {}, ab.raw("applicationSubmit"))


# ------------------------------------------------------------------------------------------ ids
def test_delivery_id_is_the_action_id_and_the_action() -> None:
    assert ashby.delivery_id({}, ab.raw("applicationSubmit")) == (
        "75395d87-4044-4dc4-bc29-0cec185e5f06:applicationSubmit"
    )


def test_related_webhooks_sharing_an_action_id_are_different_deliveries() -> None:
    hire = ab.variant("candidateHire")
    stage = ab.variant("candidateStageChange", action_id=hire["webhookActionId"])

    assert ashby.delivery_id({}, ab.encode(hire)) != ashby.delivery_id({}, ab.encode(stage))


def test_without_an_action_id_the_delivery_id_is_a_hash_of_the_body() -> None:
    body = ab.raw("ping")

    assert ashby.delivery_id({}, body) == "sha256:" + hashlib.sha256(body).hexdigest()
    assert ashby.delivery_id({}, b"not json") == "sha256:" + hashlib.sha256(b"not json").hexdigest()


# ------------------------------------------------------------------------------------------ samples
@pytest.mark.parametrize("name", ab.SAMPLES)
def test_every_sample_is_opened_through_the_intake(name: str) -> None:
    opened = registry.open_delivery("ashby", {"Ashby-Signature": ab.documented_signature(name)}, ab.raw(name))

    assert isinstance(opened, Delivery)
    assert opened.provider == "ashby"
    assert opened.event == name
    assert (len(opened.changes) > 0) is (name != "ping")


def test_application_submit_sample_becomes_a_submitted_application_with_its_referral() -> None:
    (change,) = ashby.normalise(ab.payload("applicationSubmit"))

    assert isinstance(change, ApplicationSubmitted)
    assert (change.application_id, change.candidate_id) == (APPLICATION_ID, CANDIDATE_ID)
    assert (change.job_id, change.post_id) == (JOB_ID, POSTING_ID)
    assert change.occurred_at == datetime(2025, 8, 6, 15, 14, 54, 420000, tzinfo=UTC)
    assert change.stage == Stage(name="Application Review", kind="screening")
    assert change.evidence.referrer_emails == ("riley.referrer@example.com",)
    assert change.evidence.candidate_email == "taylor.applicant@example.com"
    assert "Employee Referral Link" in change.evidence.texts
    assert "Referral" in change.evidence.texts


def test_candidate_hire_sample_becomes_the_hire_at_the_applications_update_time() -> None:
    (change,) = ashby.normalise(ab.payload("candidateHire"))

    assert isinstance(change, Hired)
    assert (change.application_id, change.candidate_id, change.job_id) == (
        APPLICATION_ID,
        CANDIDATE_ID,
        JOB_ID,
    )
    assert change.occurred_at == datetime(2025, 9, 12, 9, 30, 11, 4000, tzinfo=UTC)
    assert change.evidence is not None
    assert change.evidence.referrer_emails == ("riley.referrer@example.com",)


def test_stage_change_sample_becomes_a_stage_change_without_crediting_the_sourcing_recruiter() -> None:
    (change,) = ashby.normalise(ab.payload("candidateStageChange"))

    assert isinstance(change, StageChanged)
    assert (change.application_id, change.candidate_id) == (
        "app-9999-8888-7777-6666",
        "cand-1111-2222-3333-4444",
    )
    assert (change.job_id, change.post_id) == (None, None)  # the OSS sample has no job
    assert change.stage == Stage(name="Pre-Screen", kind="screening")
    assert change.occurred_at == datetime(2025, 8, 20, 14, 7, 57, 779000, tzinfo=UTC)
    assert change.evidence is not None
    assert change.evidence.referrer_emails == ()  # source type "Sourced": the credited user is a recruiter
    assert change.evidence.candidate_email == "candidate@example.com"
    assert "Wellfound" in change.evidence.texts


def test_job_posting_publish_sample_becomes_the_job_and_a_live_post() -> None:
    job, post = ashby.normalise(ab.payload("jobPostingPublish"))

    assert job == JobChanged(
        provider="ashby",
        job_id=JOB_ID,
        department="Engineering",
        tags=("Engineering", "Platform", "Remote - European Union"),
    )
    assert post == JobPostChanged(
        provider="ashby",
        post_id=POSTING_ID,
        job_id=JOB_ID,
        title="Senior Backend Engineer",
        location="Remote - European Union",
        url=f"https://jobs.ashbyhq.com/acme/{POSTING_ID}",
        live=True,
        updated_at=datetime(2025, 8, 1, 9, tzinfo=UTC),
    )


# ------------------------------------------------------------------------------------------ variants
def test_a_stage_of_type_hired_is_a_stage_change_of_kind_hired_not_the_hire() -> None:
    data = ab.variant("candidateHire")
    data["action"] = "candidateStageChange"

    (change,) = ashby.normalise(data)

    assert isinstance(change, StageChanged)
    assert change.stage.kind == "hired"


@pytest.mark.parametrize(
    "changes",
    [
        {"status": "Archived", "archiveReason": {"id": "r1", "text": "Not a fit"}},
        {"currentInterviewStage": {"id": "s9", "title": "Archived", "type": "Archived"}},
    ],
)
def test_an_archived_application_on_a_stage_change_is_rejected(changes: dict[str, Any]) -> None:
    (change,) = ashby.normalise(ab.variant("candidateStageChange", **changes))

    assert isinstance(change, Rejected)
    assert change.application_id == "app-9999-8888-7777-6666"


@pytest.mark.parametrize(
    ("stage", "kind"),
    [
        ({"title": "Technical Interview", "type": "Active"}, "interview"),
        ({"title": "Offer", "type": "Offer"}, "offer"),
        ({"title": "Culture chat", "type": "PreInterviewScreen"}, "screening"),
        ({"title": "Something else", "type": "Active"}, "other"),
        ({"type": "Offer"}, "offer"),
    ],
)
def test_the_stage_kind_comes_from_the_stage_type_then_its_title(stage: dict[str, str], kind: str) -> None:
    (change,) = ashby.normalise(ab.variant("candidateStageChange", currentInterviewStage=stage))

    assert isinstance(change, StageChanged)
    assert change.stage.kind == kind


def test_the_job_id_falls_back_to_job_id_and_the_post_to_job_posting_id() -> None:
    data = ab.variant("applicationSubmit", jobId="job-2", jobPostingId="post-2")
    del data["data"]["application"]["job"]
    del data["data"]["application"]["appliedViaJobPostingId"]

    (change,) = ashby.normalise(data)

    assert isinstance(change, ApplicationSubmitted)
    assert (change.job_id, change.post_id) == ("job-2", "post-2")


def test_an_unpublished_posting_is_a_post_that_is_not_live() -> None:
    data = ab.variant("jobPostingPublish")
    data["action"] = "jobPostingUnpublish"

    _, post = ashby.normalise(data)

    assert isinstance(post, JobPostChanged)
    assert post.live is False


def test_an_unlisted_posting_is_not_live() -> None:
    _, post = ashby.normalise(ab.variant("jobPostingPublish", isListed=False))

    assert isinstance(post, JobPostChanged)
    assert post.live is False


def test_a_posting_on_the_internal_board_is_not_live_and_has_no_public_url() -> None:
    internal = "https://jobs.ashbyhq.com/acme-internal/x"
    _, post = ashby.normalise(ab.variant("jobPostingPublish", externalLink=None, applyLink=internal))

    assert isinstance(post, JobPostChanged)
    assert (post.live, post.url) == (False, None)


def test_the_apply_link_is_the_url_when_there_is_no_external_link_field() -> None:
    data = ab.variant("jobPostingPublish")
    del data["data"]["jobPosting"]["externalLink"]

    _, post = ashby.normalise(data)

    assert isinstance(post, JobPostChanged)
    assert post.url == f"https://jobs.ashbyhq.com/acme/{POSTING_ID}/application"
    assert post.live is True


def test_a_posting_update_is_ignored_unless_it_states_its_publication() -> None:
    data = ab.variant("jobPostingPublish")
    data["action"] = "jobPostingUpdate"
    stated = ab.variant("jobPostingPublish", isPublished=False)
    stated["action"] = "jobPostingUpdate"

    assert ashby.normalise(data) == []
    _, post = ashby.normalise(stated)
    assert isinstance(post, JobPostChanged)
    assert post.live is False


@pytest.mark.parametrize("action", ["applicationUpdate", "offerCreate", "jobCreate", "surveySubmit", "ping"])
def test_events_kring_does_not_use_are_acknowledged_and_ignored(action: str) -> None:
    assert ashby.normalise({"action": action, "data": {"anything": 1}}) == []


@pytest.mark.parametrize(
    "payload",
    [
        [],
        {"data": {}},
        {"action": "applicationSubmit"},
        {"action": "applicationSubmit", "data": {"application": "x"}},
        {
            "action": "applicationSubmit",
            "data": {"application": {"id": "a1", "createdAt": "2025-01-01T00:00:00Z"}},
        },
        {"action": "applicationSubmit", "data": {"application": {"id": "a1", "candidate": {"id": "c1"}}}},
        {
            "action": "jobPostingPublish",
            "data": {"jobPosting": {"id": "p1", "updatedAt": "2025-01-01T00:00:00Z"}},
        },
        {"action": "jobPostingPublish", "data": {"jobPosting": {"id": "p1", "title": "T"}}},
        {
            "action": "candidateStageChange",
            "data": {
                "application": {"id": "a", "candidate": {"id": "c"}, "updatedAt": "2025-01-01T00:00:00Z"}
            },
        },
    ],
)
def test_a_payload_with_nothing_usable_is_invalid(payload: object) -> None:
    with pytest.raises(InvalidInputError):
        ashby.normalise(payload)


def test_an_optional_id_in_a_shape_kring_cannot_key_on_is_left_out() -> None:
    (change,) = ashby.normalise(ab.variant("applicationSubmit", appliedViaJobPostingId="not an id!" * 5))

    assert isinstance(change, ApplicationSubmitted)
    assert change.post_id is None


# ------------------------------------------------------------------------------------------ evidence
def test_a_click_token_in_a_custom_field_reaches_attribution() -> None:
    token = new_click_token()
    fields = [{"id": "cf-1", "title": "Kring referral code", "value": token, "isPrivate": False}]

    (change,) = ashby.normalise(ab.variant("applicationSubmit", customFields=fields))

    assert isinstance(change, ApplicationSubmitted)
    evidence = candidates.evidence_of(change.evidence)
    assert evidence.click_tokens == (token,)
    assert evidence.referrer_email_hashes == (identity.email_hash("riley.referrer@example.com"),)
    assert evidence.candidate_email_hash == identity.email_hash("taylor.applicant@example.com")


def test_a_click_token_in_a_tracking_url_on_the_application_is_found_and_so_is_a_share_code() -> None:
    token = new_click_token()
    url = f"https://jobs.ashbyhq.com/acme/{POSTING_ID}?utm_source=kring&kref={token}"
    fields = [{"id": "cf-2", "title": "Where did you see it", "value": "https://go.kring.test/r/Ab3dE5gH9k"}]

    (change,) = ashby.normalise(ab.variant("applicationSubmit", referringUrl=url, customFields=fields))

    assert isinstance(change, ApplicationSubmitted)
    assert url in change.evidence.referring_urls
    evidence = candidates.evidence_of(change.evidence)
    assert evidence.click_tokens == (token,)
    assert evidence.share_codes == ("Ab3dE5gH9k",)


def test_a_click_token_in_the_source_title_is_found() -> None:
    token = new_click_token()
    source = {"id": "s", "title": f"kring-{token}", "sourceType": {"id": "t", "title": "Job board"}}

    (change,) = ashby.normalise(ab.variant("candidateStageChange", source=source))

    assert isinstance(change, StageChanged)
    assert change.evidence is not None
    assert candidates.evidence_of(change.evidence).click_tokens == (token,)

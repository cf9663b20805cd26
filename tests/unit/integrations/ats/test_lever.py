"""Lever: the signature in the body (``token + triggeredAt``), its time window, the token as the
delivery id, ids-only deliveries → fetches (against Lever's API in memory), and the public
postings feed → vacancy changes. The HTTP client against a fake of Lever's API is an integration
test (tests/integration/test_ats_client_lever.py)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from kring import idempotency
from kring.errors import InvalidInputError
from kring.intake import candidates
from kring.integrations.ats import lever, registry
from kring.integrations.ats.base import (
    ApplicationSubmitted,
    FetchNeeded,
    Hired,
    JobChanged,
    JobPostChanged,
    Rejected,
    Reply,
    StageChanged,
)
from kring.integrations.ats.http import ApiNotFoundError, ApiRequestError
from kring.links.click_tokens import find_click_tokens
from tests.support import lever as lv

SIGNED_SAMPLES = ("applicationCreated", "candidateHired")  # signed with the test secret


def just_after(name: str) -> datetime:
    return lv.sample_time(name) + timedelta(seconds=2)


def verify(body: bytes, *, now: datetime | None = None, secret: str = lv.SECRET) -> bool:
    return lever.verify({}, body, secret, now=now or datetime.now(UTC))


# ------------------------------------------------------------------------------------ the samples
@pytest.mark.parametrize("name", SIGNED_SAMPLES)
def test_the_signed_samples_verify_when_they_arrive(name: str) -> None:
    assert verify(lv.raw(name), now=just_after(name))


def test_the_documented_stage_change_verifies_once_signed_with_the_connected_token() -> None:
    """The sample is Lever's own example: its signature is for a token nobody knows. The same
    token and triggeredAt signed with the test secret verify."""
    name = "candidateStageChange"
    sample = lv.payload(name)

    assert not verify(lv.raw(name), now=just_after(name))
    body = lv.resigned(name, triggered_at=sample["triggeredAt"])
    assert verify(body, now=just_after(name))


@pytest.mark.parametrize(
    ("name", "event", "extra"),
    [
        ("applicationCreated", "applicationCreated", {"applicationId": lv.APPLICATION_ID}),
        ("candidateHired", "candidateHired", {}),
        ("candidateStageChange", "candidateStageChange", {"toStageId": lv.TO_STAGE_ID}),
    ],
)
def test_every_sample_normalises_to_a_fetch_of_its_opportunity(
    name: str, event: str, extra: dict[str, str]
) -> None:
    (change,) = lever.normalise(lv.payload(name))

    assert isinstance(change, FetchNeeded)
    assert (change.provider, change.event) == ("lever", event)
    assert change.ids["opportunityId"] == lv.OPPORTUNITY_ID
    assert change.ids["contactId"] == lv.CONTACT_ID
    assert extra.items() <= change.ids.items()
    assert change.occurred_at == lv.sample_time(name)


def test_the_test_ping_is_answered_200_before_any_signature_check() -> None:
    reply = lever.handshake({}, lv.raw("test_ping"))

    assert reply == Reply(200, {"received": True})
    assert not verify(lv.raw("test_ping"), now=just_after("test_ping"))  # the doc's placeholder
    assert lever.normalise(lv.payload("test_ping")) == []


def test_a_real_delivery_is_no_handshake() -> None:
    assert lever.handshake({}, lv.raw("applicationCreated")) is None
    assert lever.handshake({}, b"not json") is None


def test_the_intake_answers_the_ping_and_takes_a_sample(secrets_env: None) -> None:
    assert registry.open_delivery("lever", {}, lv.raw("test_ping")) == Reply(200, {"received": True})

    opened = registry.open_delivery("lever", lv.HEADERS, lv.resigned("candidateHired"))

    assert not isinstance(opened, Reply)
    assert (opened.provider, opened.event, opened.ack_status) == ("lever", "candidateHired", 200)
    assert opened.delivery_id == lv.payload("candidateHired")["token"]
    assert isinstance(opened.changes[0], FetchNeeded)


# ------------------------------------------------------------------------------------ refusals
def _tampered(name: str, **changes: Any) -> bytes:
    body = lv.payload(name)
    body.update(changes)
    return json.dumps(body).encode()


@pytest.mark.parametrize(
    "changes",
    [
        {"signature": "0" * 64},
        {"signature": "deadbeef"},
        {"signature": None},
        {"token": "0" * 48},
        {"token": None},
        {"triggeredAt": 1716201234568},
        {"triggeredAt": 1716201234567.0},
        {"triggeredAt": None},
    ],
)
def test_a_tampered_signature_token_or_time_is_refused(changes: dict[str, Any]) -> None:
    name = "applicationCreated"
    assert not verify(_tampered(name, **changes), now=just_after(name))


def test_a_body_that_is_not_a_json_object_is_refused() -> None:
    for body in (b"", b"[]", b"{", "é".encode("latin-1")):
        assert not verify(body)


def test_another_token_does_not_verify() -> None:
    name = "applicationCreated"
    assert not verify(lv.raw(name), now=just_after(name), secret="someone_elses_token")


def test_any_of_several_configured_tokens_verifies() -> None:
    """Lever shows one signature token per webhook: the secret holds them all."""
    name = "applicationCreated"
    for secret in (f"tok_a,{lv.SECRET}", f"tok_a {lv.SECRET} tok_c", f"  {lv.SECRET}\n"):
        assert verify(lv.raw(name), now=just_after(name), secret=secret)


def test_a_stale_delivery_is_refused_and_a_retry_within_the_window_is_not() -> None:
    name = "applicationCreated"
    sent = lv.sample_time(name)

    assert verify(lv.raw(name), now=sent + timedelta(hours=23, minutes=59))  # Lever's 5th retry
    assert not verify(lv.raw(name), now=sent + lever.TOLERANCE + timedelta(seconds=1))
    assert not verify(lv.raw(name), now=sent - lever.FUTURE_SKEW - timedelta(seconds=1))
    assert verify(lv.raw(name), now=sent - timedelta(minutes=1))  # a clock a little behind


def test_a_token_is_remembered_longer_than_it_is_accepted() -> None:
    """The replay defence: a token inside the window is always still in the idempotency table."""
    assert timedelta(seconds=idempotency.DEFAULT_EXPIRY_SECONDS) > lever.TOLERANCE


def test_the_delivery_id_is_the_token_whatever_the_unsigned_data_says() -> None:
    """``data`` is not signed: a replay with other ids still verifies, and is answered as the
    delivery its token was (the idempotency record), so it changes nothing."""
    name = "applicationCreated"
    altered = lv.payload(name)
    altered["data"]["opportunityId"] = "00000000-0000-0000-0000-000000000000"
    body = json.dumps(altered).encode()

    assert verify(body, now=just_after(name))
    assert lever.delivery_id({}, body) == lever.delivery_id({}, lv.raw(name)) == altered["token"]


def test_a_body_without_a_token_gets_a_content_hash_as_delivery_id() -> None:
    assert lever.delivery_id({}, b'{"event": "x"}').startswith("sha256:")


# ------------------------------------------------------------------------------------ normalise
def test_events_kring_does_not_use_are_acknowledged_and_ignored() -> None:
    for event in ("candidateDeleted", "interviewCreated", "contactUpdated"):
        assert lever.normalise({"event": event, "triggeredAt": 1, "data": {"opportunityId": "a"}}) == []


def test_the_deprecated_candidate_id_stands_for_the_opportunity() -> None:
    (change,) = lever.normalise(
        {"event": "candidateHired", "triggeredAt": 1716805432100, "data": {"candidateId": lv.OPPORTUNITY_ID}}
    )
    assert isinstance(change, FetchNeeded)
    assert change.ids == {"opportunityId": lv.OPPORTUNITY_ID}


@pytest.mark.parametrize(
    "payload",
    [
        [],
        {"data": {}},
        {"event": "applicationCreated", "triggeredAt": 1, "data": "ids"},
        {"event": "applicationCreated", "triggeredAt": 1, "data": {"contactId": lv.CONTACT_ID}},
        {"event": "applicationCreated", "triggeredAt": 1, "data": {"opportunityId": "../../users"}},
        {"event": "applicationCreated", "data": {"opportunityId": lv.OPPORTUNITY_ID}},
    ],
)
def test_a_delivery_with_nothing_usable_is_a_400(payload: Any) -> None:
    with pytest.raises(InvalidInputError):
        lever.normalise(payload)


def test_ids_that_are_not_lever_ids_are_dropped() -> None:
    (change,) = lever.normalise(
        {
            "event": "candidateStageChange",
            "triggeredAt": 1,
            "data": {"opportunityId": lv.OPPORTUNITY_ID, "toStageId": "x/../../y", "contactId": 7},
        }
    )
    assert isinstance(change, FetchNeeded)
    assert change.ids == {"opportunityId": lv.OPPORTUNITY_ID}


# ------------------------------------------------------------------------------------ fetch
class FakeLever:
    """:class:`lever.LeverApi` in memory; records the calls."""

    def __init__(self, opportunity: dict[str, Any], **answers: Any) -> None:
        self._opportunity: Mapping[str, Any] = opportunity["data"]
        self._answers = answers
        self.calls: list[str] = []

    def opportunity(self, opportunity_id: str) -> Mapping[str, Any]:
        self.calls.append(f"opportunity {opportunity_id}")
        return self._opportunity

    def referrals(self, opportunity_id: str) -> list[Mapping[str, Any]]:
        self.calls.append(f"referrals {opportunity_id}")
        return list(self._answers.get("referrals", []))

    def stage(self, stage_id: str) -> Mapping[str, Any]:
        self.calls.append(f"stage {stage_id}")
        return dict(self._answers["stages"][stage_id])

    def user(self, user_id: str) -> Mapping[str, Any]:
        self.calls.append(f"user {user_id}")
        users = self._answers.get("users", {})
        if user_id not in users:
            raise ApiNotFoundError(f"no user {user_id}")
        return dict(users[user_id])

    def archive_reason(self, reason_id: str) -> Mapping[str, Any]:
        self.calls.append(f"archive_reason {reason_id}")
        return dict(self._answers["reasons"][reason_id])


def test_an_application_carries_the_click_token_from_levers_source(secrets_env: None) -> None:
    token, source = lv.click_source()
    api = FakeLever(lv.opportunity(sources=["Job site", source], answers=["a friend told me"]))

    (change,) = lever.fetch(lv.fetch_needed("applicationCreated"), api=api)

    assert isinstance(change, ApplicationSubmitted)
    assert (change.application_id, change.candidate_id) == (lv.OPPORTUNITY_ID, lv.CONTACT_ID)
    assert (change.job_id, change.post_id) == (lv.POSTING_ID, lv.POSTING_ID)
    assert change.stage is not None
    assert (change.stage.name, change.stage.kind) == ("New applicant", "applied")
    assert source in change.evidence.texts
    assert "a friend told me" in change.evidence.texts
    assert change.evidence.candidate_email == lv.CANDIDATE_EMAIL
    assert find_click_tokens(source) == [token]  # the dash does not hide it
    assert candidates.evidence_of(change.evidence).click_tokens == (token,)
    assert api.calls == [f"opportunity {lv.OPPORTUNITY_ID}"]  # not referred: no referral calls


def test_a_referral_application_names_its_referrer_by_e_mail_and_directory_id() -> None:
    api = FakeLever(
        lv.opportunity(origin="referred", application_type="referral", referrer=lv.REFERRER_ID),
        referrals=[{"id": "r1", "type": "referral", "referrer": lv.REFERRER_ID, "user": lv.REFERRER_ID}],
        users={
            lv.REFERRER_ID: {
                "id": lv.REFERRER_ID,
                "email": lv.REFERRER_EMAIL,
                "externalDirectoryId": "E-1042",
            }
        },
    )

    (change,) = lever.fetch(lv.fetch_needed("applicationCreated"), api=api)

    assert isinstance(change, ApplicationSubmitted)
    assert change.evidence.referrer_emails == (lv.REFERRER_EMAIL,)
    assert change.evidence.referrer_employee_ids == ("E-1042",)
    assert api.calls.count(f"user {lv.REFERRER_ID}") == 1


def test_a_referrer_who_no_longer_exists_is_skipped() -> None:
    api = FakeLever(lv.opportunity(origin="referred"), referrals=[{"referrer": lv.REFERRER_ID}], users={})

    (change,) = lever.fetch(lv.fetch_needed("applicationCreated"), api=api)

    assert isinstance(change, ApplicationSubmitted)
    assert change.evidence.referrer_emails == ()


def test_a_stage_change_names_the_stage_moved_to_even_after_the_candidate_moved_on() -> None:
    api = FakeLever(
        lv.opportunity(stage={"id": lv.CURRENT_STAGE_ID, "text": "Offer"}),
        stages={lv.TO_STAGE_ID: {"id": lv.TO_STAGE_ID, "text": "Phone Interview"}},
    )

    (change,) = lever.fetch(lv.fetch_needed("candidateStageChange", toStageId=lv.TO_STAGE_ID), api=api)

    assert isinstance(change, StageChanged)
    assert (change.stage.name, change.stage.kind) == ("Phone Interview", "interview")
    assert change.evidence is not None


def test_a_stage_change_to_the_current_stage_needs_no_stage_call() -> None:
    api = FakeLever(lv.opportunity(stage={"id": lv.TO_STAGE_ID, "text": "On-Site Interview"}))

    (change,) = lever.fetch(lv.fetch_needed("candidateStageChange", toStageId=lv.TO_STAGE_ID), api=api)

    assert isinstance(change, StageChanged)
    assert change.stage.kind == "interview"
    assert not any(c.startswith("stage") for c in api.calls)


def test_a_hire_carries_its_evidence(secrets_env: None) -> None:
    token, source = lv.click_source()
    (change,) = lever.fetch(
        lv.fetch_needed("candidateHired"), api=FakeLever(lv.opportunity(sources=[source]))
    )

    assert isinstance(change, Hired)
    assert change.evidence is not None
    assert candidates.evidence_of(change.evidence).click_tokens == (token,)
    assert change.occurred_at == datetime(2024, 5, 20, 10, 33, 54, tzinfo=UTC)


def test_archived_for_a_non_hired_reason_is_a_rejection_at_the_archive_time() -> None:
    archived = {"archivedAt": 1716805432100, "reason": "63dd55b2-a99f-4e7b-985f-22c7bf80ab42"}
    api = FakeLever(
        lv.opportunity(archived=archived),
        reasons={
            archived["reason"]: {"id": archived["reason"], "text": "Underqualified", "type": "non-hired"}
        },
    )

    (change,) = lever.fetch(lv.fetch_needed("candidateArchiveChange"), api=api)

    assert isinstance(change, Rejected)
    assert change.occurred_at == datetime.fromtimestamp(1716805432.1, tz=UTC)


def test_archived_as_hired_or_unarchived_changes_nothing() -> None:
    reason = "16308515-dc77-4aa7-b3af-96161b2b4e9b"
    hired = FakeLever(
        lv.opportunity(archived={"archivedAt": 1716805432100, "reason": reason}),
        reasons={reason: {"id": reason, "text": "Hired", "type": "hired"}},
    )
    assert lever.fetch(lv.fetch_needed("candidateArchiveChange"), api=hired) == []
    assert lever.fetch(lv.fetch_needed("candidateArchiveChange"), api=FakeLever(lv.opportunity())) == []


def test_an_opportunity_answer_kring_cannot_read_is_permanent() -> None:
    api = FakeLever({"data": {"applications": "not a list"}})
    with pytest.raises(ApiRequestError):
        lever.fetch(lv.fetch_needed("candidateHired"), api=api)


# ------------------------------------------------------------------------------ published postings
class FakeFeed:
    def __init__(self, *postings: dict[str, Any]) -> None:
        self._postings: list[Mapping[str, Any]] = list(postings)

    def postings(self) -> list[Mapping[str, Any]]:
        return self._postings


def test_each_posting_becomes_its_job_then_its_live_post() -> None:
    posting = lv.posting("5ac21346-8e0c-4494-8e7a-3eb92ff77902", "Backend Engineer", location="Amsterdam")

    job, post = lever.published_posts(feed=FakeFeed(posting))

    assert isinstance(job, JobChanged)
    assert (job.job_id, job.department, job.location, job.status) == (
        posting["id"],
        "Engineering",
        "Amsterdam",
        "open",
    )
    assert job.tags == ("Engineering", "Platform", "Amsterdam")
    assert isinstance(post, JobPostChanged)
    assert (post.post_id, post.job_id, post.title, post.live) == (
        posting["id"],
        posting["id"],
        "Backend Engineer",
        True,
    )
    assert post.url == posting["hostedUrl"]
    assert post.updated_at == datetime.fromtimestamp(posting["createdAt"] / 1000, tz=UTC)
    assert post.language == "en"


def test_a_dutch_posting_is_published_in_dutch() -> None:
    dutch = lv.posting(
        "7d1e1a8c-3c0b-4f6e-9a52-2f1d0b6c9e11",
        "Accountmanager",
        description="Wij zoeken een accountmanager voor ons team in Utrecht. "
        "Jij hebt ervaring met de verkoop van software.",
    )
    english = lv.posting(
        "5ac21346-8e0c-4494-8e7a-3eb92ff77902",
        "Account Executive",
        description="We are looking for an account executive who will own the Benelux region for our team.",
    )

    posts = [c for c in lever.published_posts(feed=FakeFeed(dutch, english)) if isinstance(c, JobPostChanged)]

    assert [p.language for p in posts] == ["nl", "en"]


def test_a_posting_kring_cannot_read_fails_the_whole_poll() -> None:
    """Skipping it would close its vacancy: the poll fails (and alarms) instead."""
    with pytest.raises(ApiRequestError):
        lever.published_posts(feed=FakeFeed({"id": "5ac21346", "text": ""}))
    with pytest.raises(ApiRequestError):
        lever.published_posts(feed=FakeFeed({"text": "No id"}))


def test_lever_is_registered_for_webhooks_fetches_and_polls() -> None:
    assert registry.provider("lever") is lever
    assert registry.fetching_provider("lever") is lever
    assert registry.polled_provider("lever") is lever

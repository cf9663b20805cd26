"""SmartRecruiters: the activation handshake, v1 signatures over timestamp, body and headers (the
vendor's test vector included), the timestamp tolerance, ids-only deliveries → fetches, and the API
client against the local fake API."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Any

import pytest

from infra.local.fake_ats import FakeAtsApi
from kring.errors import InvalidInputError, TransientError, UnauthorizedError
from kring.intake import candidates
from kring.integrations.ats import registry
from kring.integrations.ats import smartrecruiters as sr
from kring.integrations.ats.base import (
    ApplicationSubmitted,
    Delivery,
    FetchNeeded,
    Hired,
    JobChanged,
    JobPostChanged,
    Rejected,
    Reply,
    StageChanged,
)
from kring.integrations.ats.http import ApiNotFoundError
from kring.links import click_tokens
from tests.support import smartrecruiters as srs
from tests.support.fixtures import ATS_API_KEY

VENDOR_SIGNATURE = "2e9291f10d44ca10204a4cd81b05d73b6a316b2b605d4e2e0e0b37b40198ce1f"


@pytest.fixture(autouse=True)
def _env(secrets_env: None) -> None:
    """Secrets from the environment (webhook secret, API key, identity hash key)."""


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Any:
    """Set the module's clock: ``clock(t)``."""

    def _set(at: float) -> None:
        monkeypatch.setattr(sr, "now", lambda: at)

    return _set


def sample(name: str, clock: Any, offset: int = 0) -> tuple[dict[str, str], bytes]:
    """The sample's documented headers and body, with the clock at its signing time + offset."""
    clock(srs.sample_time(name) + offset)
    return srs.documented_headers(name), srs.raw(name)


def request(event: str = "application.created", **ids: str) -> FetchNeeded:
    return FetchNeeded(
        provider="smartrecruiters",
        event=event,
        ids=ids or {"candidate_id": srs.CANDIDATE_ID, "job_id": srs.JOB_ID},
        occurred_at=datetime(2024, 5, 20, 8, 41, 7, tzinfo=UTC),
    )


# ------------------------------------------------------------------------------------------ signatures
def test_the_vendor_test_vector() -> None:
    """developers.smartrecruiters.com's example: key, timestamp, body, headers → this digest."""
    assert (
        sr.signature(
            "HeBVky2bccvvkcXPimH8c",
            "1574080897",
            b'{"job_id":"jid","candidate_id":"cid"}',
            event_id="123",
            event_name="application.created",
            event_version="v201910",
            link="<http://smartrecruiters.com/endpoint>; rel=self",
        )
        == VENDOR_SIGNATURE
    )


@pytest.mark.parametrize("name", srs.SAMPLES)
def test_every_sample_verifies_with_its_key_at_its_time(clock: Any, name: str) -> None:
    headers, body = sample(name, clock)

    assert sr.verify(headers, body, srs.documented_key(name))


@pytest.mark.parametrize("name", srs.SAMPLES)
def test_a_sample_is_stale_on_the_real_clock(name: str) -> None:
    assert not sr.verify(srs.documented_headers(name), srs.raw(name), srs.documented_key(name))


@pytest.mark.parametrize(("offset", "accepted"), [(300, True), (-300, True), (301, False), (-301, False)])
def test_the_timestamp_tolerance_is_five_minutes_either_way(clock: Any, offset: int, accepted: bool) -> None:
    headers, body = sample("job.created", clock, offset)

    assert sr.verify(headers, body, srs.SECRET) is accepted


@pytest.mark.parametrize("name", srs.SAMPLES)
@pytest.mark.parametrize("part", ["body", "event-id", "event-name", "event-version", "link", "timestamp"])
def test_every_signed_part_is_protected(clock: Any, name: str, part: str) -> None:
    headers, body = sample(name, clock)
    if part == "body":
        body = body.replace(b'"', b"'", 1)
    elif part == "timestamp":
        stamp = "smartrecruiters-timestamp"
        headers[stamp] = str(int(headers[stamp]) + 1)
    else:
        headers[part] = headers[part] + "x"

    assert not sr.verify(headers, body, srs.documented_key(name))


def test_a_missing_header_is_signed_as_an_empty_string(clock: Any) -> None:
    clock(1_700_000_000)
    body = srs.application_body()
    headers = {
        k.lower(): v for k, v in srs.headers(body, "application.created", timestamp=1_700_000_000).items()
    }

    assert "link" not in headers
    assert sr.verify(headers, body, srs.SECRET)


@pytest.mark.parametrize(
    "layout", ["v1={wrong};v1={right}", "v1={right}; v1={wrong}", "v1={wrong},v1={right}"]
)
def test_any_of_several_signatures_may_match(clock: Any, layout: str) -> None:
    headers, body = sample("job.created", clock)
    right = headers["smartrecruiters-signature"].removeprefix("v1=")
    headers["smartrecruiters-signature"] = layout.format(wrong="0" * 64, right=right)

    assert sr.verify(headers, body, srs.SECRET)


@pytest.mark.parametrize(
    ("header", "value"),
    [
        ("smartrecruiters-signature", ""),
        ("smartrecruiters-signature", "v2=" + "0" * 64),
        ("smartrecruiters-signature", "v1=" + "0" * 64),
        ("smartrecruiters-signature", "v1=nothex"),
        ("smartrecruiters-timestamp", ""),
        ("smartrecruiters-timestamp", "soon"),
        ("smartrecruiters-timestamp", "-1716194467"),
    ],
)
def test_malformed_or_wrong_signatures_are_refused(clock: Any, header: str, value: str) -> None:
    headers, body = sample("job.created", clock)
    headers[header] = value

    assert not sr.verify(headers, body, srs.SECRET)


def test_a_wrong_key_is_refused(clock: Any) -> None:
    headers, body = sample("application.created", clock)
    assert not sr.verify(headers, body, srs.SECRET)


# ------------------------------------------------------------------------------------------ handshake
def test_the_activation_request_is_answered_200_echoing_the_hook_secret() -> None:
    reply = sr.handshake({"x-hook-secret": "a1b2c3-secret"}, b"")

    assert isinstance(reply, Reply)
    assert reply.status == 200
    assert reply.headers == {"X-Hook-Secret": "a1b2c3-secret"}


def test_the_intake_answers_the_handshake_before_any_signature() -> None:
    reply = registry.open_delivery("smartrecruiters", {"X-Hook-Secret": "hook-secret-value"}, b"")

    assert isinstance(reply, Reply)
    assert (reply.status, reply.headers) == (200, {"X-Hook-Secret": "hook-secret-value"})


@pytest.mark.parametrize("value", ["", "two words", "line\r\nInjected: yes", "x" * 513, "ünïcode"])
def test_a_hook_secret_that_cannot_be_echoed_safely_is_refused(value: str) -> None:
    with pytest.raises(InvalidInputError):
        sr.handshake({"x-hook-secret": value}, b"")


def test_an_ordinary_delivery_is_no_handshake() -> None:
    assert sr.handshake(srs.documented_headers("job.created"), srs.raw("job.created")) is None


# ------------------------------------------------------------------------------------------ intake
@pytest.mark.parametrize("name", srs.SAMPLES)
def test_every_sample_goes_through_the_intake_with_202(
    clock: Any, name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KRING_WEBHOOK_SECRET_SMARTRECRUITERS", srs.documented_key(name))
    headers, body = sample(name, clock)

    opened = registry.open_delivery("smartrecruiters", headers, body)

    assert isinstance(opened, Delivery)
    assert (opened.ack_status, opened.event, opened.delivery_id) == (202, name, headers["event-id"])
    (change,) = opened.changes
    assert isinstance(change, FetchNeeded)
    assert change.event == name
    assert change.occurred_at == datetime.fromtimestamp(srs.sample_time(name), UTC)


def test_a_stale_sample_is_refused_by_the_intake() -> None:
    with pytest.raises(UnauthorizedError):
        registry.open_delivery(
            "smartrecruiters", srs.documented_headers("job.created"), srs.raw("job.created")
        )


def test_sample_ids_become_fetch_requests(clock: Any) -> None:
    headers, body = sample("application.status.updated", clock)
    (application,) = sr.normalise(sr.parse_delivery(headers, body))
    headers, body = sample("job.created", clock)
    (job,) = sr.normalise(sr.parse_delivery(headers, body))
    headers, body = sample("application.created", clock)
    (vector,) = sr.normalise(sr.parse_delivery(headers, body))

    assert isinstance(application, FetchNeeded)
    assert application.ids == {"candidate_id": srs.CANDIDATE_ID, "job_id": srs.JOB_ID}
    assert isinstance(job, FetchNeeded)
    assert job.ids == {"job_id": srs.JOB_ID}
    assert isinstance(vector, FetchNeeded)
    assert vector.ids == {"candidate_id": "cid", "job_id": "jid"}


def test_ids_missing_from_the_body_are_read_from_the_link() -> None:
    link = f"<https://api.smartrecruiters.com/jobs/{srs.JOB_ID}/candidates/{srs.CANDIDATE_ID}>; rel=self"
    payload = {"event": "application.status.updated", "link": link, "timestamp": "1716194467", "body": {}}
    job_payload = {
        **payload,
        "event": "job.updated",
        "link": f"<https://api.smartrecruiters.com/jobs/{srs.JOB_ID}>; rel=self",
    }

    (application,) = sr.normalise(payload)
    (job,) = sr.normalise(job_payload)

    assert isinstance(application, FetchNeeded)
    assert application.ids == {"candidate_id": srs.CANDIDATE_ID, "job_id": srs.JOB_ID}
    assert isinstance(job, FetchNeeded)
    assert job.ids == {"job_id": srs.JOB_ID}


def test_other_events_are_ignored() -> None:
    assert sr.normalise({"event": "position.created", "body": {"id": "p1"}}) == []


@pytest.mark.parametrize(
    "payload",
    [
        {"event": "application.created", "body": {"job_id": "j"}},
        {"event": "job.created", "body": {}},
        {"event": "application.created", "body": {"job_id": "a b", "candidate_id": "c"}},
        {"body-less": True},
    ],
)
def test_unusable_deliveries_are_invalid(payload: dict[str, Any]) -> None:
    with pytest.raises(InvalidInputError):
        sr.normalise(payload)


def test_the_delivery_id_is_the_event_id_header() -> None:
    assert sr.delivery_id({"event-id": "5b0d7c1e"}, b"{}") == "5b0d7c1e"
    assert sr.delivery_id({}, b"{}") == "sha256:" + hashlib.sha256(b"{}").hexdigest()


# ------------------------------------------------------------------------------------------ fetch
def test_fetch_sends_the_smart_token_and_maps_a_new_application(fake_ats_api: FakeAtsApi) -> None:
    srs.add_application_routes(fake_ats_api)

    (submitted,) = sr.fetch(request())

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

    (moved,) = sr.fetch(request("application.status.updated"))

    assert isinstance(moved, StageChanged)
    assert moved.stage.kind == kind
    assert moved.evidence is not None


def test_hired_is_a_hire_and_rejected_a_rejection(fake_ats_api: FakeAtsApi) -> None:
    srs.add_application_routes(fake_ats_api, "HIRED")
    (hired,) = sr.fetch(request("application.status.updated"))
    fake_ats_api.reset()
    srs.add_application_routes(fake_ats_api, "REJECTED")
    (rejected,) = sr.fetch(request("application.status.updated"))

    assert isinstance(hired, Hired)
    assert hired.evidence is not None
    assert isinstance(rejected, Rejected)
    assert hired.application_id == rejected.application_id


def test_an_application_created_already_hired_is_submitted_and_hired(fake_ats_api: FakeAtsApi) -> None:
    srs.add_application_routes(fake_ats_api, "HIRED")

    changes = sr.fetch(request())

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

    (submitted,) = sr.fetch(request())

    assert isinstance(submitted, ApplicationSubmitted)
    assert candidates.evidence_of(submitted.evidence).click_tokens == (in_source, in_answer)
    assert submitted.evidence.referring_urls == (f"https://acme.example/jobs?kref={in_source}",)


def test_a_referrer_on_the_application_is_evidence(fake_ats_api: FakeAtsApi) -> None:
    srs.add_application_routes(fake_ats_api, referrer={"email": "ref@example.com", "employeeId": "E7"})

    (submitted,) = sr.fetch(request())

    assert isinstance(submitted, ApplicationSubmitted)
    assert (submitted.evidence.referrer_emails, submitted.evidence.referrer_employee_ids) == (
        ("ref@example.com",),
        ("E7",),
    )


def test_an_api_outage_is_transient(fake_ats_api: FakeAtsApi) -> None:
    fake_ats_api.add("GET", f"/smartrecruiters/candidates/{srs.CANDIDATE_ID}/jobs/{srs.JOB_ID}", status=503)

    with pytest.raises(TransientError):
        sr.fetch(request())


def test_an_unknown_application_is_permanent(fake_ats_api: FakeAtsApi) -> None:
    fake_ats_api.add(
        "GET", f"/smartrecruiters/candidates/{srs.CANDIDATE_ID}/jobs/{srs.JOB_ID}", {}, status=404
    )

    with pytest.raises(ApiNotFoundError):
        sr.fetch(request())


def test_a_sourcing_job_with_a_publication_is_live(fake_ats_api: FakeAtsApi) -> None:
    srs.add_job_routes(fake_ats_api)

    job, post = sr.fetch(request("job.created", job_id=srs.JOB_ID))

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

    _, post = sr.fetch(request("job.updated", job_id=srs.JOB_ID))

    assert isinstance(post, JobPostChanged)
    assert (post.live, post.url) == (False, None)


@pytest.mark.parametrize(
    ("status", "posting"), [("FILLED", "PUBLIC"), ("SOURCING", "INTERNAL"), ("ON_HOLD", "PUBLIC")]
)
def test_a_filled_internal_or_held_job_is_not_live(
    fake_ats_api: FakeAtsApi, status: str, posting: str
) -> None:
    srs.add_job_routes(fake_ats_api, status=status, posting_status=posting)

    job, post = sr.fetch(request("job.status.updated", job_id=srs.JOB_ID))

    assert isinstance(post, JobPostChanged)
    assert post.live is False
    assert isinstance(job, JobChanged)
    assert job.status == {"FILLED": "closed", "SOURCING": "open", "ON_HOLD": "draft"}[status]


def test_without_an_api_key_a_fetch_is_retried_later(
    fake_ats_api: FakeAtsApi, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("KRING_ATS_API_KEY_SMARTRECRUITERS")

    with pytest.raises(TransientError):
        sr.fetch(request())
    assert fake_ats_api.requests == []


@pytest.mark.parametrize("stamp", ["\u00b9", "\u0661\u0667" + "\u0660" * 8, "\uff11\uff17"])
def test_a_timestamp_of_non_ascii_digits_is_refused_not_a_crash(clock: Any, stamp: str) -> None:
    """``str.isdigit`` accepts superscripts and other scripts' digits that ``int`` cannot read (or
    reads): only ASCII digits are a timestamp (found by the webhook fuzz)."""
    headers, body = sample("job.created", clock, 0)
    headers[sr.TIMESTAMP_HEADER] = stamp

    assert not sr.verify(headers, body, srs.SECRET)

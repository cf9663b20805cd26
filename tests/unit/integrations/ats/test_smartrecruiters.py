"""SmartRecruiters: the activation handshake, v1 signatures over timestamp, body and headers (the
vendor's test vector included), the timestamp tolerance and ids-only deliveries. The API client
against the local fake API is an integration test (tests/integration/test_ats_client_smartrecruiters.py)."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Any

import pytest

from kring.errors import InvalidInputError, UnauthorizedError
from kring.integrations.ats import registry
from kring.integrations.ats import smartrecruiters as sr
from kring.integrations.ats.base import (
    Delivery,
    FetchNeeded,
    Reply,
)
from tests.support import smartrecruiters as srs

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


# ------------------------------------------------------------------------------------------ timestamps
@pytest.mark.parametrize("stamp", ["\u00b9", "\u0661\u0667" + "\u0660" * 8, "\uff11\uff17"])
def test_a_timestamp_of_non_ascii_digits_is_refused_not_a_crash(clock: Any, stamp: str) -> None:
    """``str.isdigit`` accepts superscripts and other scripts' digits that ``int`` cannot read (or
    reads): only ASCII digits are a timestamp (found by the webhook fuzz)."""
    headers, body = sample("job.created", clock, 0)
    headers[sr.TIMESTAMP_HEADER] = stamp

    assert not sr.verify(headers, body, srs.SECRET)

"""Teamtailor: v2 signatures over the raw payload slice (and the compact fallback), the timestamp
tolerance, delivery ids and webhooks → changes. The API client against the local fake API is an
integration test (tests/integration/test_ats_client_teamtailor.py)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import UTC, datetime
from typing import Any

import pytest

from kring.errors import InvalidInputError, UnauthorizedError
from kring.integrations.ats import registry, teamtailor
from kring.integrations.ats.base import (
    Delivery,
    FetchNeeded,
    JobPostChanged,
    JobPostDeleted,
)
from tests.support import teamtailor as tt


@pytest.fixture(autouse=True)
def _env(secrets_env: None) -> None:
    """Secrets from the environment (webhook secret, API key, identity hash key)."""


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Any:
    """Set the module's clock: ``clock(t)``; by default the time the samples were signed."""

    def _set(at: float) -> None:
        monkeypatch.setattr(teamtailor, "now", lambda: at)

    _set(tt.SAMPLE_TIME + 5)
    return _set


# ------------------------------------------------------------------------------------------ verify
@pytest.mark.parametrize("name", tt.COMPANY_SAMPLES)
def test_every_company_sample_verifies_with_its_documented_signature(clock: Any, name: str) -> None:
    assert teamtailor.verify(tt.documented_headers(name), tt.raw(name), tt.SECRET)


@pytest.mark.parametrize("name", tt.PARTNER_SAMPLES)
def test_a_partner_request_is_refused_even_signed_with_the_key_in_time(clock: Any, name: str) -> None:
    """Partner requests are signed with the partner's credentials, never a company webhook's key:
    Kring, not a partner, refuses the scheme and never computes its signature."""
    with pytest.raises(UnauthorizedError, match="Teamtailor-Signature"):
        teamtailor.verify(tt.documented_headers(name), tt.raw(name), tt.SECRET)


def test_a_company_digest_reused_as_a_partner_trigger_signature_verifies_nothing(clock: Any) -> None:
    """The finding: a seen delivery's t and digest as ``Teamtailor-Signature: t=…,v1=…``, its
    payload in ``partner-event.id`` (what a trigger's v1 covers), any payload beside it."""
    seen, seen_sig = tt.delivery(tt.job_event(), t=tt.SAMPLE_TIME)
    body, headers = tt.forged_partner_request(seen, seen_sig, tt.job_event("job.destroy"))
    lowered = {k.lower(): v for k, v in headers.items()}
    digest = lowered["teamtailor-signature"].rsplit("v1=", 1)[1]
    # The forgery is exactly what the partner trigger scheme would have accepted…
    signed_id = json.loads(body)["partner-event"]["id"].encode()
    assert teamtailor.sign(tt.SECRET.encode(), tt.SAMPLE_TIME, signed_id) == digest

    # …and it is refused, alone or with the seen company signature beside it.
    with pytest.raises(UnauthorizedError):
        teamtailor.verify(lowered, body, tt.SECRET)
    with pytest.raises(UnauthorizedError):
        teamtailor.verify({**lowered, "tt-signature": seen_sig}, body, tt.SECRET)
    with pytest.raises(UnauthorizedError):
        registry.open_delivery("teamtailor", headers, body)


def test_a_partner_signature_presented_as_a_company_one_changes_nothing(clock: Any) -> None:
    """The other direction. A job-board ad's v1 covers ``t + "." + raw body``, so under the same
    key (which Teamtailor never shares between a partner and a company webhook) that body as a
    company payload would verify — and still be nothing Kring can use: no event name, a 400."""
    ad = tt.raw("jobboard_job_ad_created")
    digest = tt.documented_headers("jobboard_job_ad_created")["teamtailor-signature"].rsplit("v1=", 1)[1]
    sig = base64.b64encode(f"t={tt.SAMPLE_TIME},v2={digest}".encode()).decode()
    body = b'{"payload":' + ad + b',"signature":"' + sig.encode() + b'"}'

    with pytest.raises(InvalidInputError):
        registry.open_delivery("teamtailor", tt.headers(sig), body)


@pytest.mark.parametrize("name", tt.COMPANY_SAMPLES)
def test_the_signed_bytes_are_the_raw_slice_of_the_payload(name: str) -> None:
    body = tt.raw(name)
    sliced = body[len(b'{"payload":') : body.rindex(b',"signature":')]
    t, digests = teamtailor.parse_signature(tt.documented_headers(name)["tt-signature"]) or (0, [])

    assert t == tt.SAMPLE_TIME
    assert digests == [teamtailor.sign(tt.SECRET.encode(), t, sliced)]


@pytest.mark.parametrize("name", tt.COMPANY_SAMPLES)
def test_the_signature_repeated_in_the_body_is_enough_without_the_header(clock: Any, name: str) -> None:
    assert teamtailor.verify({}, tt.raw(name), tt.SECRET)


@pytest.mark.parametrize("name", tt.COMPANY_SAMPLES)
def test_one_changed_byte_is_refused(clock: Any, name: str) -> None:
    body = tt.raw(name)
    tampered = body.replace(b"Marketing", b"Marketinh", 1).replace(b'"2"', b'"3"', 1)

    assert tampered != body
    assert not teamtailor.verify(tt.documented_headers(name), tampered, tt.SECRET)


@pytest.mark.parametrize("name", tt.COMPANY_SAMPLES)
def test_a_sample_is_stale_on_the_real_clock(name: str) -> None:
    assert not teamtailor.verify(tt.documented_headers(name), tt.raw(name), tt.SECRET)


@pytest.mark.parametrize(("offset", "accepted"), [(300, True), (-300, True), (301, False), (-301, False)])
def test_the_timestamp_tolerance_is_five_minutes_either_way(clock: Any, offset: int, accepted: bool) -> None:
    clock(tt.SAMPLE_TIME + offset)
    name = "job_application.create"

    assert teamtailor.verify(tt.documented_headers(name), tt.raw(name), tt.SECRET) is accepted


def test_a_wrong_secret_is_refused(clock: Any) -> None:
    name = "job.update"
    assert not teamtailor.verify(tt.documented_headers(name), tt.raw(name), "another-secret")


def test_a_legacy_v1_signature_over_the_id_alone_is_refused(clock: Any) -> None:
    """v1 signs ``data.id`` only: valid for the key, yet it protects nothing of the body."""
    body = tt.raw("job.update")
    v1 = hmac.new(tt.SECRET.encode(), b"2", hashlib.sha256).hexdigest()
    legacy = base64.b64encode(v1.encode()).decode()

    assert not teamtailor.verify({"tt-signature": legacy}, body, tt.SECRET)


@pytest.mark.parametrize(
    "value",
    [
        "",
        "not base64!",
        base64.b64encode(b"t=1716194467").decode(),
        base64.b64encode(b"v2=" + b"0" * 64).decode(),
        base64.b64encode(b"t=abc,v2=" + b"0" * 64).decode(),
        base64.b64encode(b"t=1716194467,v2=zz").decode(),
        base64.b64encode(b"t=1,t=2,v2=" + b"0" * 64).decode(),
    ],
)
def test_malformed_signatures_are_refused(clock: Any, value: str) -> None:
    assert teamtailor.parse_signature(value) is None
    body = tt.raw("job.update").replace(b'"signature":"', b'"signature":"x', 1)
    assert not teamtailor.verify({"tt-signature": value}, body, tt.SECRET)


def test_a_body_not_sent_compactly_verifies_through_the_re_serialised_payload(clock: Any) -> None:
    """Whitespace or another key order moves the slice; JSON.stringify's bytes still match."""
    payload = tt.payload("job.update")
    compact = json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()
    sig = tt.signature(compact, tt.SAMPLE_TIME + 5)
    spaced = json.dumps({"signature": sig, "payload": payload}, indent=2).encode()

    assert teamtailor.verify({"tt-signature": sig}, spaced, tt.SECRET)
    assert not teamtailor.verify(
        {"tt-signature": sig}, spaced.replace(b"IT Designer", b"IT Designor"), tt.SECRET
    )


def test_non_ascii_text_is_signed_as_json_stringify_writes_it(clock: Any) -> None:
    payload = tt.job_event(title="Ontwerper Ærø")
    body, sig = tt.delivery(payload, t=tt.SAMPLE_TIME)

    assert "Ærø".encode() in body
    assert teamtailor.verify({"tt-signature": sig}, body, tt.SECRET)


def test_a_lone_surrogate_is_refused_without_an_error(clock: Any) -> None:
    r"""A lone surrogate (``"\ud800"``, valid JSON but no text) is refused by Kring's JSON reader
    (:mod:`kring.safe_json`) for every provider: even signed, the delivery does not verify, and
    nothing raises (a 500 for anyone's request)."""
    payload = tt.job_event(title="Ontwerper \ud800")
    stringified = json.dumps(payload, separators=(",", ":"), ensure_ascii=False)
    signed = stringified.encode("utf-8", "backslashreplace")
    assert b'"Ontwerper \\ud800"' in signed
    sig = tt.signature(signed, tt.SAMPLE_TIME)
    spaced = json.dumps({"payload": payload, "signature": sig}, indent=1).encode()  # ASCII escapes

    assert not teamtailor.verify({"tt-signature": sig}, spaced, tt.SECRET)


# ------------------------------------------------------------------------------------------ intake
def test_a_sample_goes_through_the_intake_with_200(clock: Any) -> None:
    name = "job_application.create"

    opened = registry.open_delivery("teamtailor", tt.documented_headers(name), tt.raw(name))

    assert isinstance(opened, Delivery)
    assert (opened.ack_status, opened.event) == (200, "job_application.create")
    assert [type(c) for c in opened.changes] == [FetchNeeded]


def test_a_stale_sample_is_refused_by_the_intake() -> None:
    name = "job.update"
    with pytest.raises(UnauthorizedError):
        registry.open_delivery("teamtailor", tt.documented_headers(name), tt.raw(name))


@pytest.mark.parametrize("name", tt.PARTNER_SAMPLES)
def test_partner_programme_requests_are_refused_by_the_intake(clock: Any, name: str) -> None:
    with pytest.raises(UnauthorizedError, match="company webhook"):
        registry.open_delivery("teamtailor", tt.documented_headers(name), tt.raw(name))


def test_the_delivery_id_is_a_hash_of_event_resource_and_update_time() -> None:
    first, _ = tt.delivery(tt.job_event(), t=1)
    resigned, _ = tt.delivery(tt.job_event(), t=2)
    later, _ = tt.delivery(tt.job_event(**{"updated-at": "2023-02-23T09:00:00.000+01:00"}), t=1)
    other_event, _ = tt.delivery(tt.job_event("job.create"), t=1)

    ids = [teamtailor.delivery_id({}, body) for body in (first, resigned, later, other_event)]

    assert ids[0] == ids[1]
    assert len(set(ids)) == 3
    assert all(i.startswith("tt:") for i in ids)


def test_without_an_update_time_the_delivery_id_is_a_hash_of_the_signed_payload_alone() -> None:
    """Not of the raw body: whitespace, key order, extra keys and the signature's own bytes are
    outside what the signature covers, so none of them makes a new delivery."""

    def destroy(job_id: str, *, updated: bool = False) -> dict[str, Any]:
        payload = tt.job_event("job.destroy")
        payload["data"]["id"] = job_id
        if not updated:
            del payload["data"]["attributes"]["updated-at"]
        return payload

    body, _ = tt.delivery(destroy("2"), t=1)
    resigned, _ = tt.delivery(destroy("2"), t=2)
    reordered = {"x": [1], "signature": "c2ln", "payload": dict(reversed(destroy("2").items()))}
    variants = (body, resigned, json.dumps(reordered, indent=3).encode())

    (one,) = {teamtailor.delivery_id({}, b) for b in variants}
    assert one.startswith("tt:")
    assert len(one) == len("tt:") + 64
    assert teamtailor.delivery_id({}, tt.delivery(destroy("3"), t=1)[0]) != one
    assert teamtailor.delivery_id({}, tt.delivery(destroy("2", updated=True), t=1)[0]) != one


# ------------------------------------------------------------------------------------------ normalise
def test_the_verbatim_job_update_is_an_offline_post() -> None:
    (change,) = teamtailor.normalise(json.loads(tt.raw("job.update")))

    assert isinstance(change, JobPostChanged)
    assert (change.post_id, change.job_id, change.title, change.live) == ("2", "2", "IT Designer 1", False)
    assert change.updated_at == datetime(2023, 2, 22, 21, 10, 48, 705000, tzinfo=UTC)
    assert change.url is None


def test_an_open_job_with_its_careers_page_is_a_live_post() -> None:
    url = "https://career.teamtailor.com/jobs/2-it-designer-1"
    payload = {"payload": tt.job_event("job.create", status="open", **{"careersite-job-url": url})}

    (change,) = teamtailor.normalise(payload)

    assert isinstance(change, JobPostChanged)
    assert (change.live, change.url) == (True, url)


def test_an_open_job_without_a_url_is_read_from_the_api() -> None:
    (change,) = teamtailor.normalise({"payload": tt.job_event(status="open")})

    assert isinstance(change, FetchNeeded)
    assert (change.event, change.ids) == (teamtailor.JOB_FETCHED, {"job_id": "2"})


def test_snake_case_attributes_are_read_as_well() -> None:
    payload = tt.job_event()
    payload["data"]["attributes"] = {
        "title": "Snake",
        "status": "draft",
        "updated_at": "2024-01-01T10:00:00Z",
    }

    (change,) = teamtailor.normalise({"payload": payload})

    assert isinstance(change, JobPostChanged)
    assert (change.title, change.live) == ("Snake", False)


def test_a_destroyed_job_deletes_the_post() -> None:
    (change,) = teamtailor.normalise({"payload": tt.job_event("job.destroy")})

    assert isinstance(change, JobPostDeleted)
    assert (change.post_id, change.title) == ("2", "IT Designer 1")


@pytest.mark.parametrize("name", ["job_application.create", "job_application.update_hired"])
def test_application_samples_ask_for_a_fetch(name: str) -> None:
    (change,) = teamtailor.normalise(json.loads(tt.raw(name)))

    assert isinstance(change, FetchNeeded)
    assert change.event == json.loads(tt.raw(name))["payload"]["event_name"]
    assert change.ids == {"application_id": "48151623", "job_id": "23", "promotion_id": "2"}
    assert change.occurred_at.tzinfo is not None


@pytest.mark.parametrize("event", ["candidate.create", "job_application.destroy", "something.else"])
def test_events_kring_does_not_use_are_ignored(event: str) -> None:
    assert teamtailor.normalise({"payload": tt.application_event(event)}) == []


@pytest.mark.parametrize(
    "payload",
    [
        [],
        {"payload": "x"},
        {"payload": {"data": {}}},
        {"payload": {"event_name": "job.update", "data": {"attributes": {}}}},
        {"payload": {"event_name": "job.update", "data": {"id": "has space"}}},
    ],
)
def test_unusable_payloads_are_invalid(payload: Any) -> None:
    with pytest.raises(InvalidInputError):
        teamtailor.normalise(payload)

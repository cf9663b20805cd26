"""Greenhouse: signatures over the raw bytes, delivery ids, and payloads → normalised changes.
Also the intake every provider goes through (order of checks). No network."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime

import pytest

from kring import config
from kring.errors import (
    InvalidInputError,
    PayloadTooLargeError,
    ProviderNotConfiguredError,
    UnauthorizedError,
)
from kring.integrations.ats import greenhouse, registry
from kring.integrations.ats.base import Delivery, JobChanged, JobDeleted, JobPostChanged, JobPostDeleted
from tests.support import greenhouse as gh

SAMPLES = ["job_created", "job_post_created", "job_post_updated", "new_candidate_application"]


@pytest.fixture(autouse=True)
def _vacancy_settings(monkeypatch: pytest.MonkeyPatch, secrets_env: None) -> None:
    monkeypatch.setenv("GREENHOUSE_BOARD_TOKEN", "acme")
    config.clear_caches()


def lowered(headers: dict[str, str]) -> dict[str, str]:
    return {k.lower(): v for k, v in headers.items()}


# ------------------------------------------------------------------------------------------ verify
@pytest.mark.parametrize("name", SAMPLES)
def test_every_sample_verifies_with_its_documented_signature(name: str) -> None:
    body = gh.raw(name)
    documented = gh.documented_signature(name)

    assert documented == gh.sign(body)
    assert greenhouse.verify({"signature": documented}, body, gh.SECRET)


@pytest.mark.parametrize("name", SAMPLES)
def test_one_changed_byte_fails_verification(name: str) -> None:
    body = gh.raw(name)
    tampered = body.replace(b'"action"', b'"Action"', 1)

    assert tampered != body
    assert not greenhouse.verify({"signature": gh.documented_signature(name)}, tampered, gh.SECRET)


def test_a_reserialised_body_does_not_verify() -> None:
    """The signature is over the bytes as sent, not over the JSON's meaning."""
    body = gh.raw("job_post_created")
    reserialised = json.dumps(json.loads(body)).encode()

    assert not greenhouse.verify({"signature": gh.sign(body)}, reserialised, gh.SECRET)


@pytest.mark.parametrize(
    "signature",
    [
        None,
        "",
        "sha256",
        "sha256 ",
        "sha1 " + "0" * 40,
        "sha256=" + "0" * 64,
        "sha256 " + "0" * 64,
        "sha256 not-hex-at-all-ü",
    ],
)
def test_missing_or_malformed_signatures_fail(signature: str | None) -> None:
    body = gh.raw("job_post_created")
    headers = {} if signature is None else {"signature": signature}

    assert not greenhouse.verify(headers, body, gh.SECRET)


def test_the_wrong_secret_fails_and_hex_case_does_not_matter() -> None:
    body = gh.raw("job_post_created")

    assert not greenhouse.verify({"signature": gh.sign(body, "another secret")}, body, gh.SECRET)
    assert greenhouse.verify(
        {"signature": gh.sign(body).upper().replace("SHA256", "sha256")}, body, gh.SECRET
    )


# ------------------------------------------------------------------------------------------ ids
def test_delivery_id_is_the_event_id_header_else_a_hash_of_the_content() -> None:
    body = gh.raw("job_post_created")

    assert greenhouse.delivery_id({"greenhouse-event-id": "3ce5180d"}, body) == "3ce5180d"
    by_content = greenhouse.delivery_id({}, body)
    assert by_content == "sha256:" + hashlib.sha256(body).hexdigest()
    assert greenhouse.delivery_id({"greenhouse-event-id": "  "}, body) == by_content
    assert greenhouse.delivery_id({}, body + b" ") != by_content


# ------------------------------------------------------------------------------------------ normalise
def test_job_post_created_sample_becomes_a_post_change_that_is_not_live() -> None:
    (change,) = greenhouse.normalise(gh.payload("job_post_created"))

    assert change == JobPostChanged(
        provider="greenhouse",
        post_id="1815002",
        job_id="1842002",
        title="A Cool Job",
        location="New York, NY",
        url="https://job-boards.greenhouse.io/acme/jobs/1815002",
        live=False,
        language="en",
        updated_at=datetime(2017, 10, 12, 15, 6, 32, 691000, tzinfo=UTC),
    )


@pytest.mark.parametrize(
    ("live", "external", "expected"),
    [(True, True, True), (True, False, False), (False, True, False), (False, False, False)],
)
def test_a_post_is_live_only_when_live_and_on_the_external_board(
    live: bool, external: bool, expected: bool
) -> None:
    data = json.loads(gh.post(live=live, external=external))

    (change,) = greenhouse.normalise(data)

    assert isinstance(change, JobPostChanged)
    assert change.live is expected


def test_without_a_board_token_the_post_has_no_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GREENHOUSE_BOARD_TOKEN", "")
    config.clear_caches()

    (change,) = greenhouse.normalise(json.loads(gh.post(live=True)))

    assert isinstance(change, JobPostChanged)
    assert change.url is None


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("nl", "nl"),
        ("nl-NL", "nl"),
        ("Dutch", "nl"),
        ("Nederlands", "nl"),
        ("en", "en"),
        (None, "en"),
        ("de", "en"),
    ],
)
def test_language_is_dutch_only_when_the_post_says_so(language: str | None, expected: str) -> None:
    (change,) = greenhouse.normalise(json.loads(gh.post(language=language)))

    assert isinstance(change, JobPostChanged)
    assert change.language == expected


def test_a_prospect_post_is_not_a_vacancy() -> None:
    assert greenhouse.normalise(json.loads(gh.post(job_id=None))) == []


def test_a_post_location_given_as_an_object_is_read_by_name() -> None:
    (change,) = greenhouse.normalise(json.loads(gh.post(location={"name": "Amsterdam"})))

    assert isinstance(change, JobPostChanged)
    assert change.location == "Amsterdam"


def test_job_created_sample_gives_department_location_and_every_office_as_tags() -> None:
    (change,) = greenhouse.normalise(gh.payload("job_created"))

    assert change == JobChanged(
        provider="greenhouse",
        job_id="371417",
        name="Software Engineer",
        department="Technology",
        location="New York, NY",
        tags=("Technology", "New York City", "St. Louis", "New York, NY"),
        status="open",
    )


def test_office_locations_as_objects_and_offices_without_location() -> None:
    data = json.loads(
        gh.job(
            offices=[
                {"id": 1, "name": "HQ", "location": {"name": "Amsterdam, NL"}},
                {"id": 2, "name": "Utrecht", "location": None},
            ],
            departments=[],
            status="closed",
        )
    )

    (change,) = greenhouse.normalise(data)

    assert isinstance(change, JobChanged)
    assert change.department is None
    assert change.location == "Amsterdam, NL"
    assert change.tags == ("HQ", "Utrecht", "Amsterdam, NL")
    assert change.status == "closed"


def test_job_post_deleted_reads_the_post_under_job_post() -> None:
    body = gh.action(
        "job_post_deleted",
        {
            "job_post": {
                "id": 258341,
                "job_id": 284999,
                "title": "Software Engineer",
                "location": "Dallas",
                "updated_at": "2017-01-19T20:01:53.146Z",
                "live": False,
                "external": True,
            }
        },
    )

    (change,) = greenhouse.normalise(json.loads(body))

    assert change == JobPostDeleted(
        provider="greenhouse",
        post_id="258341",
        job_id="284999",
        title="Software Engineer",
        location="Dallas",
        updated_at=datetime(2017, 1, 19, 20, 1, 53, 146000, tzinfo=UTC),
    )


def test_job_deleted() -> None:
    body = gh.action("job_deleted", {"job": {"id": 209256, "name": "Project Manager"}})

    assert greenhouse.normalise(json.loads(body)) == [JobDeleted(provider="greenhouse", job_id="209256")]


@pytest.mark.parametrize(
    "data",
    [
        {"action": "ping", "payload": {"web_hook_id": 1}},
        {"action": "new_candidate_application", "payload": {}},
        {"action": "candidate_stage_change", "payload": {"application": {}}},
        {"action": "something_new", "payload": None},
    ],
)
def test_pings_and_events_kring_does_not_use_give_no_changes(data: dict[str, object]) -> None:
    assert greenhouse.normalise(data) == []


def test_the_candidate_sample_gives_no_vacancy_changes() -> None:
    """Only the application (see test_greenhouse_candidates.py), nothing for the vacancies."""
    changes = greenhouse.normalise(gh.payload("new_candidate_application"))

    assert [c.kind for c in changes] == ["application_submitted"]


@pytest.mark.parametrize(
    "data",
    [
        [],
        "job_post_created",
        {"payload": {}},
        {"action": "job_post_updated", "payload": "x"},
        {"action": "job_post_updated", "payload": {"id": 1, "job_id": 2, "title": "T", "live": True}},
        {
            "action": "job_post_updated",
            "payload": {"id": 1, "job_id": 2, "title": " ", "updated_at": "2020-01-01T00:00:00Z"},
        },
        {
            "action": "job_post_updated",
            "payload": {"id": True, "job_id": 2, "title": "T", "updated_at": "2020-01-01T00:00:00Z"},
        },
        {
            "action": "job_post_updated",
            "payload": {"id": 1, "job_id": 2, "title": "T", "updated_at": "yesterday"},
        },
        {"action": "job_created", "payload": {}},
        {"action": "job_updated", "payload": {"job": {"name": "no id"}}},
    ],
)
def test_payloads_that_can_never_be_used_are_invalid_input(data: object) -> None:
    with pytest.raises(InvalidInputError):
        greenhouse.normalise(data)


# ------------------------------------------------------------------------------------------ intake
def test_intake_opens_a_signed_delivery() -> None:
    body = gh.raw("job_post_updated")

    delivery = registry.open_delivery("greenhouse", gh.headers(body, "evt-1"), body)

    assert isinstance(delivery, Delivery)
    assert delivery.provider == "greenhouse"
    assert delivery.delivery_id == "evt-1"
    assert delivery.event == "job_post_updated"
    assert delivery.ack_status == 200
    assert [type(c) for c in delivery.changes] == [JobPostChanged]


def test_intake_refuses_unknown_and_unconnected_providers(monkeypatch: pytest.MonkeyPatch) -> None:
    body = gh.raw("job_post_updated")
    with pytest.raises(ProviderNotConfiguredError):
        registry.open_delivery("nope", gh.headers(body), body)

    monkeypatch.delenv("KRING_WEBHOOK_SECRET_GREENHOUSE")
    config.clear_caches()
    with pytest.raises(ProviderNotConfiguredError):
        registry.open_delivery("greenhouse", gh.headers(body), body)


def test_intake_refuses_a_body_over_the_limit_before_verifying(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WEBHOOK_MAX_BODY_BYTES", "100")
    config.clear_caches()
    body = gh.raw("job_post_updated")

    with pytest.raises(PayloadTooLargeError):
        registry.open_delivery("greenhouse", gh.headers(body), body)


def test_intake_verifies_before_it_parses() -> None:
    garbage = b"{not json"

    with pytest.raises(UnauthorizedError):
        registry.open_delivery("greenhouse", gh.headers(garbage, signature="sha256 " + "0" * 64), garbage)
    with pytest.raises(InvalidInputError):
        registry.open_delivery("greenhouse", gh.headers(garbage), garbage)


def test_intake_treats_header_names_case_insensitively() -> None:
    body = gh.raw("job_post_updated")
    headers = {"SIGNATURE": gh.sign(body), "greenhouse-EVENT-id": "evt-9"}

    delivery = registry.open_delivery("greenhouse", headers, body)

    assert isinstance(delivery, Delivery)
    assert delivery.delivery_id == "evt-9"


def test_greenhouse_satisfies_the_provider_contract() -> None:
    assert registry.provider("greenhouse") is greenhouse
    assert greenhouse.handshake({}, b"{}") is None
    assert greenhouse.event_name({"action": "job_updated"}) == "job_updated"
    assert greenhouse.event_name([]) == "unknown"

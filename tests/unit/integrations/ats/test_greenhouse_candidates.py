"""Greenhouse candidate events: the application sample and the events derived from it (stage
change, hire, unhire, reject) → candidate changes with their evidence; the evidence → an event
with nothing personal left. No network."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from kring.errors import InvalidInputError
from kring.events import ApplicationReceived, CandidateHired
from kring.intake import candidates
from kring.integrations.ats import greenhouse, registry
from kring.integrations.ats.base import (
    ApplicationSubmitted,
    Delivery,
    Evidence,
    Hired,
    Rejected,
    Stage,
    StageChanged,
    Unhired,
)
from kring.links.click_tokens import check_character
from tests.support import greenhouse as gh

TOKEN = "AbCdEfGh12345678" + check_character("AbCdEfGh12345678")
IDS = {
    "provider": "greenhouse",
    "application_id": str(gh.APPLICATION_ID),
    "candidate_id": str(gh.CANDIDATE_ID),
    "job_id": str(gh.JOB_ID_OF_APPLICATION),
    "post_id": str(gh.POST_ID_OF_APPLICATION),
}
# The sample's source is LinkedIn (Prospecting): its credited_to is whoever sourced the candidate,
# not a referrer.
SAMPLE_EVIDENCE = Evidence(
    texts=("LinkedIn (Prospecting)", "Ruby", "Comp Sci"),
    candidate_email="person@work.com",
)


@pytest.fixture(autouse=True)
def _secrets(secrets_env: None) -> None:
    """The intake reads the webhook secret; the evidence hashing the identity key."""


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def only(data: dict[str, Any]) -> Any:
    changes = greenhouse.normalise(data)
    assert len(changes) == 1, changes
    return changes[0]


# ------------------------------------------------------------------------------------ the sample
def test_the_application_sample_becomes_an_application_with_its_evidence() -> None:
    change = only(gh.payload("new_candidate_application"))

    assert change == ApplicationSubmitted(
        **IDS,
        occurred_at=at("2017-10-27T14:44:43+00:00"),
        stage=Stage(name="Preliminary Phone Screen", kind="screening"),
        evidence=SAMPLE_EVIDENCE,
    )


def test_the_sample_through_the_intake_verifies_and_normalises() -> None:
    body = gh.raw("new_candidate_application")
    headers = gh.headers(body, "3ce5180d", signature=gh.documented_signature("new_candidate_application"))

    delivery = registry.open_delivery("greenhouse", headers, body)

    assert isinstance(delivery, Delivery)
    assert (delivery.delivery_id, delivery.event, delivery.ack_status) == (
        "3ce5180d",
        "new_candidate_application",
        200,
    )
    assert [type(c) for c in delivery.changes] == [ApplicationSubmitted]


# ------------------------------------------------------------------------------------ derived events
@pytest.mark.parametrize("name", [n for n in gh.CANDIDATE_EVENTS if n != "unreject_candidate"])
def test_every_candidate_event_verifies_and_a_changed_byte_does_not(name: str) -> None:
    body = gh.candidate_body(name)
    signature = gh.sign(body)

    assert greenhouse.verify({"signature": signature}, body, gh.SECRET)
    tampered = body.replace(str(gh.APPLICATION_ID).encode(), b"71980813", 1)
    assert not greenhouse.verify({"signature": signature}, tampered, gh.SECRET)
    delivery = registry.open_delivery("greenhouse", gh.headers(body, f"evt-{name}"), body)
    assert isinstance(delivery, Delivery)
    assert len(delivery.changes) == 1


def test_a_stage_change_carries_the_new_stage_its_time_and_the_evidence() -> None:
    change = only(gh.candidate_event("candidate_stage_change"))

    assert change == StageChanged(
        **IDS,
        occurred_at=at("2017-11-02T10:15:00+00:00"),
        stage=Stage(name="Face to Face", kind="interview"),
        evidence=SAMPLE_EVIDENCE,
    )


def test_a_hire_is_dated_by_the_accepted_offer_and_carries_the_evidence() -> None:
    change = only(gh.candidate_event("hire_candidate"))

    assert change == Hired(**IDS, occurred_at=at("2017-11-20T16:00:00+00:00"), evidence=SAMPLE_EVIDENCE)


def test_an_unhire_and_a_rejection() -> None:
    assert only(gh.candidate_event("unhire_candidate")) == Unhired(
        **IDS, occurred_at=at("2017-12-01T08:30:00+00:00")
    )
    assert only(gh.candidate_event("reject_candidate")) == Rejected(
        **IDS, occurred_at=at("2017-11-06T11:00:00+00:00")
    )


def test_an_unrejection_is_acknowledged_and_ignored() -> None:
    assert greenhouse.normalise(gh.candidate_event("unreject_candidate")) == []


@pytest.mark.parametrize(
    ("name", "changes", "expected"),
    [
        ("hire_candidate", {"offer": None}, "2017-11-20T16:00:05+00:00"),
        ("hire_candidate", {"offer": {"id": 1, "resolved_at": "2017-11-20"}}, "2017-11-20T00:00:00+00:00"),
        ("reject_candidate", {"rejected_at": None}, "2017-11-06T11:00:00+00:00"),
        ("new_candidate_application", {"applied_at": None}, "2017-10-27T14:44:42+00:00"),
        ("new_candidate_application", {"applied_at": "not a time"}, "2017-10-27T14:44:42+00:00"),
        (
            "new_candidate_application",
            {"applied_at": None, "last_activity_at": None},
            "2017-10-27T14:44:42+00:00",  # the candidate's created_at
        ),
        ("candidate_stage_change", {"last_activity_at": "2017-11-02T10:15:00"}, "2017-11-02T10:15:00+00:00"),
    ],
)
def test_occurred_at_falls_back_to_the_next_best_stamp(
    name: str, changes: dict[str, Any], expected: str
) -> None:
    if name == "new_candidate_application":
        data = {"action": name, "payload": {"application": gh.application(**changes)}}
    else:
        data = gh.candidate_event(name, **changes)

    assert only(data).occurred_at == at(expected)


def test_without_any_stamp_occurred_at_is_the_time_of_receipt() -> None:
    before = datetime.now(UTC)
    change = only(gh.candidate_event("unhire_candidate", last_activity_at=None))

    assert before <= change.occurred_at <= datetime.now(UTC)


# ------------------------------------------------------------------------------------ shapes
def test_a_prospect_with_a_job_is_an_application_without_a_stage() -> None:
    app = gh.application(prospect=True, current_stage=None)

    change = only({"action": "new_prospect_application", "payload": {"application": app}})

    assert isinstance(change, ApplicationSubmitted)
    assert (change.stage, change.job_id) == (None, str(gh.JOB_ID_OF_APPLICATION))


@pytest.mark.parametrize("name", ["new_prospect_application", "candidate_stage_change", "hire_candidate"])
def test_an_application_without_a_job_is_a_prospect_in_a_pool_and_ignored(name: str) -> None:
    app = gh.application(prospect=True, jobs=[])

    assert greenhouse.normalise({"action": name, "payload": {"application": app}}) == []


def test_the_post_comes_from_the_application_first_and_the_deprecated_job_stands_in_for_jobs() -> None:
    with_post = only(gh.candidate_event("hire_candidate", job_post_id=999))
    assert (with_post.job_id, with_post.post_id) == (str(gh.JOB_ID_OF_APPLICATION), "999")

    old_style = only(gh.candidate_event("hire_candidate", jobs=None))
    assert (old_style.job_id, old_style.post_id) == (str(gh.JOB_ID_OF_APPLICATION), None)


@pytest.mark.parametrize(
    "data",
    [
        gh.candidate_event("candidate_stage_change", current_stage=None),
        gh.candidate_event("candidate_stage_change", current_stage={"id": 1, "name": " "}),
        gh.candidate_event("hire_candidate", id=True),
        gh.candidate_event("hire_candidate", candidate={"first_name": "no id"}),
        gh.candidate_event("reject_candidate", jobs=[{"name": "no id"}]),
        gh.candidate_event("reject_candidate", id="not/an/id"),
        {"action": "hire_candidate", "payload": "x"},
    ],
)
def test_candidate_payloads_that_can_never_be_used_are_invalid_input(data: dict[str, Any]) -> None:
    with pytest.raises(InvalidInputError):
        greenhouse.normalise(data)


# ------------------------------------------------------------------------------------ evidence
def _in_application_field(app: dict[str, Any]) -> None:
    app["custom_fields"]["application_custom_test"]["value"] = TOKEN


def _in_keyed_field(app: dict[str, Any]) -> None:
    app["keyed_custom_fields"] = {"kring_referral_code": {"name": "Kring referral code", "value": TOKEN}}


def _in_answer(app: dict[str, Any]) -> None:
    app["answers"] = [{"question": "Kring referral code", "answer": TOKEN}]


def _in_source(app: dict[str, Any]) -> None:
    app["source"] = {"id": 99, "public_name": f"Kring {TOKEN}"}


def _in_candidate_field(app: dict[str, Any]) -> None:
    app["candidate"]["custom_fields"]["desired_salary"]["value"] = f"ref {TOKEN}"


def _in_tag(app: dict[str, Any]) -> None:
    app["candidate"]["tags"].append(TOKEN)


def _in_prospect_detail(app: dict[str, Any]) -> None:
    app["prospect_detail"]["prospect_pool"] = {"id": 1, "name": f"kref={TOKEN}"}


@pytest.mark.parametrize(
    "put",
    [
        _in_application_field,
        _in_keyed_field,
        _in_answer,
        _in_source,
        _in_candidate_field,
        _in_tag,
        _in_prospect_detail,
    ],
)
def test_a_click_token_anywhere_in_the_application_is_found(put: Any) -> None:
    app = gh.application()
    put(app)

    change = only({"action": "new_candidate_application", "payload": {"application": app}})

    assert isinstance(change, ApplicationSubmitted)
    assert any(TOKEN in text for text in change.evidence.texts)
    assert candidates.evidence_of(change.evidence).click_tokens == (TOKEN,)


def test_a_harvest_referrer_record_and_flat_custom_fields_are_read() -> None:
    app = gh.application(
        credited_to=None,
        referrer={"type": "email", "value": "Ambassador@Example.com"},
        custom_fields={"kring_referral_code": TOKEN},
    )

    change = only({"action": "new_candidate_application", "payload": {"application": app}})

    assert isinstance(change, ApplicationSubmitted)
    assert change.evidence.referrer_emails == ("Ambassador@Example.com",)
    assert change.evidence.referrer_employee_ids == ()
    assert TOKEN in change.evidence.texts


def test_no_credited_to_and_no_e_mail_give_empty_evidence_not_an_error() -> None:
    app = gh.application(credited_to=None, source=None, custom_fields=None)
    app["candidate"].update(email_addresses=[], tags=None, custom_fields=None)

    change = only({"action": "new_candidate_application", "payload": {"application": app}})

    assert isinstance(change, ApplicationSubmitted)
    assert change.evidence == Evidence()


def test_the_e_mails_stop_at_the_event_hashed_and_the_referrer_is_carried() -> None:
    """The raw change carries the addresses (for matching); the event has only keyed hashes."""
    app = gh.application(
        source=gh.REFERRAL_SOURCE, custom_fields={"code": {"name": "Kring referral code", "value": TOKEN}}
    )
    for name in ("new_candidate_application", "hire_candidate"):
        data = (
            {"action": name, "payload": {"application": app}}
            if name == "new_candidate_application"
            else gh.candidate_event(name, source=gh.REFERRAL_SOURCE, custom_fields=app["custom_fields"])
        )
        change = only(data)
        assert change.evidence.candidate_email == "person@work.com"
        assert change.evidence.referrer_emails == ("test123@example.com",)

        event = candidates.to_event(change, event_id="greenhouse:evt:0", correlation_id="greenhouse:evt")

        assert isinstance(event, (ApplicationReceived, CandidateHired))
        serialised = event.model_dump_json()
        assert "@" not in serialised
        assert "person" not in serialised
        assert "test123" not in serialised
        assert event.evidence is not None
        assert event.evidence.click_tokens == (TOKEN,)
        assert event.evidence.referrer_employee_ids == ("123ABC",)
        assert len(event.evidence.referrer_email_hashes) == 1
        assert event.evidence.candidate_email_hash is not None
        assert event.evidence.candidate_email_hash not in event.evidence.referrer_email_hashes


def test_the_recruiter_and_coordinator_are_not_referrers() -> None:
    """The sample's candidate has a recruiter and a coordinator with e-mails: staff, not referrers."""
    change = only(gh.payload("new_candidate_application"))

    assert isinstance(change, ApplicationSubmitted)
    assert change.evidence.referrer_emails == ()
    assert not any("@" in text for text in change.evidence.texts)


@pytest.mark.parametrize(
    ("source", "is_referral"),
    [
        ({"id": 1, "public_name": "LinkedIn (Prospecting)"}, False),
        ({"id": 2, "public_name": "Jobs page"}, False),
        ({"id": 3, "public_name": "Employee Referral"}, True),
        ({"id": 4, "public_name": "Kring", "type": {"id": 2, "name": "Referral"}}, True),
    ],
)
def test_credited_to_is_the_referrer_only_for_a_referral_source(
    source: dict[str, Any], is_referral: bool
) -> None:
    """Greenhouse also credits the recruiter who sourced or added a candidate; that recruiter may
    be an ambassador too, and must not be paid for it."""
    change = only(
        {"action": "new_candidate_application", "payload": {"application": gh.application(source=source)}}
    )

    assert isinstance(change, ApplicationSubmitted)
    expected = ("test123@example.com",) if is_referral else ()
    assert change.evidence.referrer_emails == expected
    assert change.evidence.referrer_employee_ids == (("123ABC",) if is_referral else ())


def test_event_names_of_candidate_events() -> None:
    assert greenhouse.event_name(json.loads(gh.candidate_body("hire_candidate"))) == "hire_candidate"

"""Ambassador logic that needs no store: input validation and the erasure record's key."""

from __future__ import annotations

import json

import pytest

from kring.errors import FieldValidationError
from kring.models.ambassador import Ambassador
from kring.roster.ambassadors import changed_fields, erasure_subject, merged, parse_input, patch_changes


def test_valid_input_parses() -> None:
    data = parse_input(
        json.dumps({"id": "E1", "name": " Ann ", "email": "ann@example.com", "phase": "decision"})
    )
    assert (data.id, data.name, data.phase, data.opted_in, data.interests) == (
        "E1",
        "Ann",
        "decision",
        False,
        [],
    )


def test_invalid_input_names_every_bad_field() -> None:
    # Given input with four problems
    bad = {"id": "E#1", "name": "", "email": "nope", "phase": "sleeping", "colour": "blue"}
    # When it is parsed
    with pytest.raises(FieldValidationError) as caught:
        parse_input(json.dumps(bad))
    # Then each problem is a {field, message} detail
    details = caught.value.details
    assert {d["field"] for d in details} == {"id", "name", "email", "phase", "colour"}
    assert all(isinstance(d["message"], str) and d["message"] for d in details)


@pytest.mark.parametrize("data", [[1, 2], "text", None, 42])
def test_input_that_is_not_an_object_is_a_field_error_on_the_body(data: object) -> None:
    with pytest.raises(FieldValidationError) as caught:
        parse_input(json.dumps(data))
    assert caught.value.details[0]["field"] == "body"


def test_the_erasure_subject_is_a_stable_hash_that_does_not_contain_the_id() -> None:
    subject = erasure_subject("employee-12345")
    assert subject == erasure_subject("employee-12345")
    assert subject != erasure_subject("employee-12346")
    assert len(subject) == 64
    assert "12345" not in subject


# --- changes -------------------------------------------------------------------------------------
def _stored(**changes: object) -> Ambassador:
    from datetime import UTC, datetime

    data = parse_input(
        json.dumps(
            {
                "id": "E1",
                "name": "Ann",
                "email": "ann@example.com",
                "department": "Sales",
                "interests": ["Sales"],
                "phase": "decision",
                "opted_in": True,
                "share_cap_per_week": 3,
            }
        )
    )
    return Ambassador.from_input(data.model_copy(update=changes), now=datetime(2026, 3, 2, tzinfo=UTC))


def test_a_merge_keeps_every_field_it_does_not_name() -> None:
    stored = _stored()
    wanted = merged(stored, {"id": "E1", "name": "Ann Jansen"})
    assert changed_fields(stored, wanted) == ["name"]
    assert (wanted.phase, wanted.opted_in, wanted.interests, wanted.share_cap_per_week) == (
        "decision",
        True,
        ["Sales"],
        3,
    )


def test_a_new_ambassador_needs_a_name_and_an_e_mail_address() -> None:
    with pytest.raises(FieldValidationError) as caught:
        merged(None, {"id": "E9", "opted_in": True})
    assert caught.value.details == [
        {"field": "name", "message": "a new ambassador needs a name"},
        {"field": "email", "message": "a new ambassador needs an e-mail address"},
    ]


def test_a_merge_patch_null_clears_what_may_be_empty_and_refuses_the_rest() -> None:
    assert patch_changes(
        {"department": None, "interests": None, "share_cap_per_week": None, "name": "X"}
    ) == {
        "department": None,
        "interests": [],
        "share_cap_per_week": None,
        "name": "X",
    }
    with pytest.raises(FieldValidationError) as caught:
        patch_changes({"phase": None, "opted_in": None, "location": None})
    assert [d["field"] for d in caught.value.details] == ["phase", "opted_in"]


@pytest.mark.parametrize("patch", [[{"op": "replace"}], "x", None, 3])
def test_a_merge_patch_is_a_json_object(patch: object) -> None:
    with pytest.raises(FieldValidationError):
        patch_changes(patch)


def test_eligibility_says_every_reason_an_ambassador_gets_no_links() -> None:
    assert _stored().ineligibility == ()
    assert _stored(opted_in=False, phase="interest", dormant=True).ineligibility == (
        "not_opted_in",
        "phase",
        "dormant",
    )

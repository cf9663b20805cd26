"""Ambassador logic that needs no store: input validation and the erasure record's key."""

from __future__ import annotations

import pytest

from kring.errors import FieldValidationError
from kring.roster.ambassadors import erasure_subject, parse_input


def test_valid_input_parses() -> None:
    data = parse_input({"id": "E1", "name": " Ann ", "email": "ann@example.com", "phase": "decision"})
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
        parse_input(bad)
    # Then each problem is a {field, message} detail
    details = caught.value.details
    assert {d["field"] for d in details} == {"id", "name", "email", "phase", "colour"}
    assert all(isinstance(d["message"], str) and d["message"] for d in details)


@pytest.mark.parametrize("data", [[1, 2], "text", None, 42])
def test_input_that_is_not_an_object_is_a_field_error_on_the_body(data: object) -> None:
    with pytest.raises(FieldValidationError) as caught:
        parse_input(data)
    assert caught.value.details[0]["field"] == "body"


def test_the_erasure_subject_is_a_stable_hash_that_does_not_contain_the_id() -> None:
    subject = erasure_subject("employee-12345")
    assert subject == erasure_subject("employee-12345")
    assert subject != erasure_subject("employee-12346")
    assert len(subject) == 64
    assert "12345" not in subject

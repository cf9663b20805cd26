"""The typed envelope of every event Kring reads from its bus (:class:`kring.events.Envelope`):
the same fields as Powertools' ``EventBridgeModel``, a ``detail-type`` that must name the detail,
and :func:`kring.events.parse_envelope` choosing the detail's model by that ``detail-type``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from aws_lambda_powertools.utilities.parser.models import EventBridgeModel
from pydantic import ValidationError

from kring import events
from kring.errors import FieldValidationError, InvalidInputError

SAMPLES = Path(__file__).resolve().parents[2] / "events" / "eventbridge"


def sample(detail_type: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((SAMPLES / f"{detail_type}.json").read_text())
    return data


def test_the_envelope_has_the_fields_and_aliases_of_powertools_eventbridge_model() -> None:
    ours = {name: field.alias for name, field in events.Envelope.model_fields.items()}
    theirs = {name: field.alias for name, field in EventBridgeModel.model_fields.items()}
    assert ours == theirs
    assert {n for n, f in events.Envelope.model_fields.items() if f.is_required()} == {
        n for n, f in EventBridgeModel.model_fields.items() if f.is_required()
    }


def test_a_typed_envelope_gives_a_typed_detail() -> None:
    envelope = events.Envelope[events.LinkClicked].model_validate(sample("LinkClicked"))
    assert isinstance(envelope.detail, events.LinkClicked)
    assert envelope.detail_type == "LinkClicked"
    assert envelope.id == sample("LinkClicked")["id"]


def test_a_detail_type_that_does_not_name_the_detail_is_refused() -> None:
    # Given a VacancyPublished envelope whose detail-type says VacancyClosed
    data = sample("VacancyPublished") | {"detail-type": "VacancyClosed"}
    # Then it is not a VacancyPublished envelope
    with pytest.raises(ValidationError, match="detail-type"):
        events.Envelope[events.VacancyPublished].model_validate(data)


def test_parse_envelope_chooses_the_model_by_the_detail_type() -> None:
    for detail_type in ("LinkClicked", "ShareIntended"):
        envelope = events.parse_envelope(sample(detail_type), events.LinkClicked, events.ShareIntended)
        assert envelope.detail.detail_type() == detail_type


@pytest.mark.parametrize("data", [sample("VacancyPublished"), [1], "LinkClicked", None, {"detail-type": 1}])
def test_parse_envelope_refuses_a_detail_type_it_was_not_asked_for(data: Any) -> None:
    with pytest.raises(FieldValidationError) as caught:
        events.parse_envelope(data, events.LinkClicked, events.ShareIntended)
    assert caught.value.details[0]["field"] == "detail-type"
    assert "LinkClicked, ShareIntended" in caught.value.details[0]["message"]


def test_parse_envelope_refuses_a_detail_that_breaks_its_contract() -> None:
    data = sample("LinkClicked")
    data["detail"]["click_id"] = "not-a-token"
    with pytest.raises(ValidationError):
        events.parse_envelope(data, events.LinkClicked)
    assert issubclass(FieldValidationError, InvalidInputError)  # refused input, never a 5xx

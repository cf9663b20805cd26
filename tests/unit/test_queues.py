"""Every queue message parser reads its body through the one path (:func:`kring.safe_json.parse`):
a body that can never be its message is an :class:`InvalidInputError` (the message fails alone),
whatever is wrong with it; a well-formed one comes back as its model."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any, get_args

import pytest

from kring.attribution.recorder import parse_message
from kring.clicks.spool import SpooledClick, parse_spooled_click
from kring.errors import FieldValidationError, InvalidInputError
from kring.events import LinkClicked
from kring.intake.webhooks import parse_fetch_message
from kring.queues import parse_fanout_message, parse_import_chunk, parse_link_activity_message

SQS = Path(__file__).resolve().parents[2] / "events" / "sqs"
EVENTBRIDGE = Path(__file__).resolve().parents[2] / "events" / "eventbridge"

PARSERS: dict[str, Callable[[str], Any]] = {
    "fan-out": parse_fanout_message,
    "link activity": parse_link_activity_message,
    "candidate events": parse_message,
    "click spool": parse_spooled_click,
    "ats fetch": parse_fetch_message,
    "ambassador import": parse_import_chunk,
}


def first_body(sample: str) -> str:
    body: str = json.loads((SQS / sample).read_text())["Records"][0]["body"]
    return body


@pytest.mark.parametrize("parse", PARSERS.values(), ids=PARSERS.keys())
@pytest.mark.parametrize(
    "body",
    ["", "not json", "[]", "null", '{"a": NaN}', "[" * 100 + "]" * 100, "{}", '{"detail-type": "Nope"}'],
)
def test_a_body_that_can_never_be_a_message_is_invalid_input(parse: Callable[[str], Any], body: str) -> None:
    with pytest.raises(InvalidInputError):
        parse(body)


def test_an_event_of_another_kind_on_the_link_activity_queue_is_refused_by_its_detail_type() -> None:
    envelope = (EVENTBRIDGE / "VacancyPublished.json").read_text()
    with pytest.raises(FieldValidationError) as caught:
        parse_link_activity_message(envelope)
    assert caught.value.details[0]["field"] == "detail-type"


def test_a_broken_detail_names_its_field() -> None:
    envelope = json.loads((EVENTBRIDGE / "LinkClicked.json").read_text())
    envelope["detail"]["channel"] = "fax"
    with pytest.raises(FieldValidationError) as caught:
        parse_message(json.dumps(envelope))
    assert [d["field"] for d in caught.value.details] == ["detail.channel"]


def test_a_spooled_click_comes_back_as_its_event() -> None:
    click = parse_spooled_click(first_body("click_spool.json"))
    assert isinstance(click, LinkClicked)


def test_the_spool_message_names_linkclicked_as_the_bus_does() -> None:
    fields = SpooledClick.model_fields
    assert get_args(fields["source"].annotation) == (LinkClicked.SOURCE,)
    assert get_args(fields["detail_type"].annotation) == (LinkClicked.detail_type(),)


def test_a_spooled_message_from_another_source_is_refused() -> None:
    data = json.loads(first_body("click_spool.json")) | {"source": "kring.ats"}
    with pytest.raises(InvalidInputError):
        parse_spooled_click(json.dumps(data))

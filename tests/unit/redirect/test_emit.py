"""Emitting a click: PutEvents, else the spool, else the whole detail in the log; never a raise,
never a call without time for it. Fake clients (the integration tests use moto's)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ReadTimeoutError

from kring.redirect.budget import Budget
from kring.redirect.emit import EMITTED, LOGGED, SPOOLED, ClickEmitter

DETAIL = {"click_id": "7Qm2xKp9LrT4vZ8aT", "visitor": "9c1f0e7a5b3d2c4e6f8a0b1c2d3e4f50"}


class Fake:
    def __init__(self, fail: bool = False, failed_entries: int = 0) -> None:
        self.calls: list[dict[str, Any]] = []
        self.fail = fail
        self.failed_entries = failed_entries

    def put_events(self, **request: Any) -> dict[str, Any]:
        return self._call(request, {"FailedEntryCount": self.failed_entries, "Entries": [{"ErrorCode": "X"}]})

    def send_message(self, **request: Any) -> dict[str, Any]:
        return self._call(request, {"MessageId": "m"})

    def _call(self, request: dict[str, Any], answer: dict[str, Any]) -> dict[str, Any]:
        self.calls.append(request)
        if self.fail:
            raise ReadTimeoutError(endpoint_url="https://aws.example")
        return answer


def _emitter(events: Fake, sqs: Fake) -> ClickEmitter:
    return ClickEmitter("kring-test", "https://sqs/q", events_client=lambda: events, sqs_client=lambda: sqs)


def test_a_click_goes_on_the_bus_as_one_linkclicked_entry() -> None:
    events, sqs = Fake(), Fake()
    assert _emitter(events, sqs).emit(DETAIL, Budget()) == EMITTED
    (request,) = events.calls
    (entry,) = request["Entries"]
    assert (entry["Source"], entry["DetailType"], entry["EventBusName"]) == (
        "kring.redirect",
        "LinkClicked",
        "kring-test",
    )
    assert json.loads(entry["Detail"]) == DETAIL
    assert sqs.calls == []


@pytest.mark.parametrize("events", [Fake(fail=True), Fake(failed_entries=1)], ids=["raises", "failed entry"])
def test_a_click_the_bus_refuses_is_spooled(events: Fake) -> None:
    sqs = Fake()
    assert _emitter(events, sqs).emit(DETAIL, Budget()) == SPOOLED
    (request,) = sqs.calls
    assert request["QueueUrl"] == "https://sqs/q"
    assert json.loads(request["MessageBody"]) == {
        "source": "kring.redirect",
        "detail-type": "LinkClicked",
        "detail": DETAIL,
    }


def test_when_both_fail_the_whole_detail_is_logged_at_error(caplog: pytest.LogCaptureFixture) -> None:
    assert _emitter(Fake(fail=True), Fake(fail=True)).emit(DETAIL, Budget()) == LOGGED
    (record,) = caplog.records
    assert record.levelname == "ERROR"
    assert json.loads(record.getMessage().split(": ", 1)[1]) == DETAIL


def test_without_time_for_a_call_none_is_made_and_the_click_is_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    events, sqs = Fake(), Fake()
    assert _emitter(events, sqs).emit(DETAIL, Budget(lambda: 1_500)) == LOGGED
    assert events.calls == sqs.calls == []
    assert "no time left" in str(caplog.records[0].__dict__)

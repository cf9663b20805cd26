"""The redirect's AWS clients: a throttled call is retried once, after a bounded wait, whatever
the service asks for — the redirect's time budget counts on it. (botocore's retries run through
a ``before-send`` hook here, which the Stubber would skip.)"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.awsrequest import AWSResponse, HTTPHeaders

from kring import aws
from kring.redirect.budget import CALL_WORST_CASE_MS

ENTRY = {"Source": "kring.redirect", "DetailType": "LinkClicked", "Detail": "{}"}
_JSON_HEADERS = HTTPHeaders.from_dict({"content-type": "application/x-amz-json-1.1"})


class _Raw:
    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self._body


@pytest.fixture
def client(monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    aws.clear_caches()
    yield aws.hot_path_client("events")
    aws.clear_caches()


def test_a_throttled_put_is_retried_once_after_at_most_a_second_even_if_asked_to_wait_longer(
    client: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    sent: list[str] = []
    slept: list[float] = []
    monkeypatch.setattr("botocore.endpoint.time.sleep", slept.append)

    def answer(request: Any, **_: Any) -> AWSResponse:
        sent.append(request.url)
        if len(sent) == 1:
            body = json.dumps({"__type": "ThrottlingException", "message": "Rate exceeded"}).encode()
            headers = HTTPHeaders.from_dict(
                {"x-amz-retry-after": "5000", "content-type": "application/x-amz-json-1.1"}
            )
            return AWSResponse(request.url, 400, headers, _Raw(body))
        body = json.dumps({"FailedEntryCount": 0, "Entries": [{"EventId": "e-1"}]}).encode()
        return AWSResponse(request.url, 200, _JSON_HEADERS, _Raw(body))

    client.meta.events.register("before-send.events.PutEvents", answer)

    response = client.put_events(
        Entries=[{"Source": "kring.redirect", "DetailType": "LinkClicked", "Detail": "{}"}]
    )

    assert response["FailedEntryCount"] == 0
    assert len(sent) == 2  # one retry, no more
    assert len(slept) == 1
    assert slept[0] <= 1.0  # not the five seconds the service asked for
    assert 2 * 1.0 + slept[0] < CALL_WORST_CASE_MS / 1000  # two 0.5 s + 0.5 s attempts and the wait


def test_a_call_that_keeps_failing_stops_after_two_attempts(
    client: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    sent: list[str] = []
    monkeypatch.setattr("botocore.endpoint.time.sleep", lambda _: None)

    def answer(request: Any, **_: Any) -> AWSResponse:
        sent.append(request.url)
        body = json.dumps({"__type": "InternalException", "message": "boom"}).encode()
        return AWSResponse(request.url, 500, _JSON_HEADERS, _Raw(body))

    client.meta.events.register("before-send.events.PutEvents", answer)

    with pytest.raises(client.exceptions.InternalException):
        client.put_events(Entries=[ENTRY])
    assert len(sent) == 2

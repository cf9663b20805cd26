"""POST /webhooks/lever → AtsFetchQueue → AtsFetchFunction → the bus: the real handlers under
moto (idempotency on), Lever's API a local fake (``fake_ats_api``), events read back from the
stack's bus (see :class:`tests.integration.test_ats_webhook.Bus`)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import pytest

from infra.local.fake_ats import FakeAtsApi
from kring import events
from kring.links import identity
from tests.integration.test_ats_webhook import table_items
from tests.support import lever as lv
from tests.support.bus import Bus
from tests.support.fixtures import HttpResult, MotoStack

if TYPE_CHECKING:
    from mypy_boto3_sqs.type_defs import MessageTypeDef

OPPORTUNITY_PATH = f"/lever/opportunities/{lv.OPPORTUNITY_ID}"


@pytest.fixture
def bus(moto_stack: MotoStack) -> Bus:
    return Bus(moto_stack.stack.physical_name("KringBus"))


@pytest.fixture
def send(moto_stack: MotoStack) -> Any:
    def _send(body: bytes) -> HttpResult:
        return moto_stack.http("POST", lv.PATH, body=body, headers=dict(lv.HEADERS))

    return _send


def sqs_event(messages: list[MessageTypeDef]) -> dict[str, Any]:
    """The SQS event Lambda gives AtsFetchFunction for messages received from AtsFetchQueue."""
    return {
        "Records": [
            {
                "messageId": m["MessageId"],
                "receiptHandle": m["ReceiptHandle"],
                "body": m["Body"],
                "attributes": {"ApproximateReceiveCount": "1", "SentTimestamp": "0"},
                "messageAttributes": {},
                "md5OfBody": m["MD5OfBody"],
                "eventSource": "aws:sqs",
                "eventSourceARN": "arn:aws:sqs:eu-west-1:000000000000:kring-test-ats-fetch",
                "awsRegion": "eu-west-1",
            }
            for m in messages
        ]
    }


def details(envelopes: list[dict[str, Any]], detail_type: str) -> list[Any]:
    kind = events.event_type(detail_type)
    return [events.parse_envelope(e, kind).detail for e in envelopes if e["detail-type"] == detail_type]


def fetch_all(moto_stack: MotoStack) -> dict[str, Any]:
    messages = moto_stack.receive_all("AtsFetchQueue")
    result: dict[str, Any] = moto_stack.invoke("AtsFetchFunction", sqs_event(messages))
    return {"messages": messages, "result": result}


# ------------------------------------------------------------------------------------------ samples
@pytest.mark.parametrize("name", ["applicationCreated", "candidateHired", "candidateStageChange"])
def test_every_lever_sample_delivered_now_is_accepted_and_queued_for_its_fetch(
    moto_stack: MotoStack, send: Any, name: str
) -> None:
    result = send(lv.resigned(name))

    assert result.status == 200
    assert result.json() == {"received": True}
    (message,) = moto_stack.receive_all("AtsFetchQueue")
    request = json.loads(message["Body"])["request"]
    assert (request["provider"], request["event"]) == ("lever", lv.payload(name)["event"])
    assert request["ids"]["opportunityId"] == lv.OPPORTUNITY_ID


def test_the_test_ping_is_answered_200_and_changes_nothing(
    moto_stack: MotoStack, send: Any, bus: Bus
) -> None:
    result = send(lv.raw("test_ping"))

    assert result.status == 200
    assert moto_stack.receive_all("AtsFetchQueue") == []
    assert table_items(moto_stack) == 0
    assert table_items(moto_stack, moto_stack.stack.physical_name("IdempotencyTable")) == 0
    assert bus.drain() == []


# ------------------------------------------------------------------------------------------ refusals
def test_the_verbatim_samples_are_refused_now_their_time_has_passed(moto_stack: MotoStack, send: Any) -> None:
    for name in ("applicationCreated", "candidateHired"):  # signed with the test secret, in 2024
        assert send(lv.raw(name)).status == 401
    assert moto_stack.receive_all("AtsFetchQueue") == []


@pytest.mark.parametrize(
    "tamper",
    [
        lambda d: d.update(signature="0" * 64),
        lambda d: d.update(token="f" * 48),
        lambda d: d.update(triggeredAt=d["triggeredAt"] + 1),
    ],
)
def test_a_tampered_delivery_is_refused_and_nothing_happens(
    moto_stack: MotoStack, send: Any, tamper: Any
) -> None:
    body = json.loads(lv.resigned("applicationCreated"))
    tamper(body)

    result = send(json.dumps(body).encode())

    assert result.status == 401
    assert result.json()["error"]["code"] == "unauthorized"
    assert moto_stack.receive_all("AtsFetchQueue") == []
    assert table_items(moto_stack, moto_stack.stack.physical_name("IdempotencyTable")) == 0


def test_a_delivery_signed_with_another_token_is_refused(send: Any) -> None:
    sample = lv.payload("candidateHired")
    body = lv.delivery(sample["event"], sample["data"], secret="not_the_connected_token")

    assert send(body).status == 401


# ------------------------------------------------------------------------------------------ the flow
def test_an_application_reaches_the_bus_with_the_click_token_from_its_lever_source(
    moto_stack: MotoStack, fake_ats_api: FakeAtsApi, send: Any, bus: Bus
) -> None:
    token, source = lv.click_source()
    fake_ats_api.add("GET", OPPORTUNITY_PATH, lv.opportunity(sources=["Job site", source]))

    at = lv.ms(datetime.now(UTC))
    assert send(lv.resigned("applicationCreated", triggered_at=at)).status == 200
    assert bus.drain() == []  # ids only: nothing on the bus before the fetch
    fetched = fetch_all(moto_stack)

    assert fetched["result"] == {"batchItemFailures": []}
    envelopes = bus.drain()
    assert [(e["source"], e["detail-type"]) for e in envelopes] == [("kring.ats", "ApplicationReceived")]
    (received,) = details(envelopes, "ApplicationReceived")
    assert (received.provider, received.application_id, received.job_id, received.post_id) == (
        "lever",
        lv.OPPORTUNITY_ID,
        lv.POSTING_ID,
        lv.POSTING_ID,
    )
    assert received.candidate_key == identity.candidate_key("lever", lv.CONTACT_ID)
    assert received.evidence.click_tokens == (token,)
    assert received.evidence.candidate_email_hash == identity.email_hash(lv.CANDIDATE_EMAIL)
    assert received.stage == "applied"
    assert received.occurred_at == datetime.fromtimestamp(at / 1000, tz=UTC)  # Lever's triggeredAt
    assert "shane" not in json.dumps(envelopes).lower()  # no name or e-mail address on the bus
    (call,) = fake_ats_api.requests
    assert call.query == {"expand": ["applications", "stage"]}
    assert call.headers["authorization"].startswith("Basic ")


def test_the_same_delivery_again_changes_nothing(
    moto_stack: MotoStack, fake_ats_api: FakeAtsApi, send: Any, bus: Bus
) -> None:
    _token, source = lv.click_source()
    fake_ats_api.add("GET", OPPORTUNITY_PATH, lv.opportunity(sources=[source]))
    body = lv.resigned("applicationCreated")
    assert send(body).status == 200
    fetch_all(moto_stack)
    assert len(bus.drain()) == 1

    again = send(body)

    assert again.status == 200
    assert moto_stack.receive_all("AtsFetchQueue") == []
    assert bus.drain() == []
    assert table_items(moto_stack, moto_stack.stack.physical_name("IdempotencyTable")) == 1


def test_a_replayed_token_with_other_ids_is_answered_as_done_and_changes_nothing(
    moto_stack: MotoStack, send: Any
) -> None:
    """Lever does not sign ``data``: the token, single-use, is what a replay cannot change."""
    sample = lv.payload("applicationCreated")
    token = "a" * 48
    first = lv.delivery(sample["event"], sample["data"], token=token)
    assert send(first).status == 200
    assert len(moto_stack.receive_all("AtsFetchQueue")) == 1

    forged = json.loads(first)
    forged["data"]["opportunityId"] = "00000000-0000-0000-0000-000000000000"
    replay = send(json.dumps(forged).encode())

    assert replay.status == 200
    assert moto_stack.receive_all("AtsFetchQueue") == []


def test_a_hire_and_a_stage_change_reach_the_bus(
    moto_stack: MotoStack, fake_ats_api: FakeAtsApi, send: Any, bus: Bus
) -> None:
    fake_ats_api.add(
        "GET", OPPORTUNITY_PATH, lv.opportunity(stage={"id": lv.CURRENT_STAGE_ID, "text": "Offer"})
    )
    fake_ats_api.add(
        "GET", f"/lever/stages/{lv.TO_STAGE_ID}", {"data": {"id": lv.TO_STAGE_ID, "text": "Phone Interview"}}
    )

    assert send(lv.resigned("candidateStageChange")).status == 200
    assert send(lv.resigned("candidateHired")).status == 200
    fetch_all(moto_stack)

    envelopes = bus.drain()
    assert sorted(e["detail-type"] for e in envelopes) == ["CandidateHired", "CandidateStageChanged"]
    (moved,) = details(envelopes, "CandidateStageChanged")
    assert (moved.stage, moved.stage_name) == ("interview", "Phone Interview")


def test_a_fetch_the_api_answers_503_is_retried_alone(
    moto_stack: MotoStack, fake_ats_api: FakeAtsApi, send: Any, bus: Bus
) -> None:
    other = "5fe1d384-c9d9-403c-be63-0807a3c0cafd"
    fake_ats_api.add("GET", OPPORTUNITY_PATH, {"message": "busy"}, status=503)
    fake_ats_api.add("GET", OPPORTUNITY_PATH, lv.opportunity())
    fake_ats_api.add("GET", f"/lever/opportunities/{other}", lv.opportunity())
    send(lv.resigned("candidateHired"))
    send(lv.delivery("candidateHired", {"opportunityId": other, "contactId": lv.CONTACT_ID}))
    messages = moto_stack.receive_all("AtsFetchQueue")
    busy = next(m for m in messages if lv.OPPORTUNITY_ID in m["Body"])

    first = moto_stack.invoke("AtsFetchFunction", sqs_event(messages))

    assert first == {"batchItemFailures": [{"itemIdentifier": busy["MessageId"]}]}
    assert [e["detail-type"] for e in bus.drain()] == ["CandidateHired"]
    second = moto_stack.invoke("AtsFetchFunction", sqs_event([busy]))
    assert second == {"batchItemFailures": []}
    assert [e["detail-type"] for e in bus.drain()] == ["CandidateHired"]

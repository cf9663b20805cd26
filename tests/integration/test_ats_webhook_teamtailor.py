"""POST /webhooks/teamtailor: the real handler under moto, idempotency on, events read back from the
stack's bus. What a delivery someone has seen (a proxy log, a mis-sent copy) lets them do: nothing.

- The partner-programme scheme (``Teamtailor-Signature: t=<t>,v1=<hex>``, which for triggers signs
  only ``"<t>." + partner-event.id``) is refused outright, so a company delivery's digest reused
  under it — the seen payload put into ``partner-event.id``, any body beside it — closes nothing,
  publishes nothing and puts nothing on the bus.
- The same signed company delivery, replayed within its five minutes however it is re-encoded, is
  one delivery: its id comes from what the signature covers, never from bytes an attacker can vary.
"""

from __future__ import annotations

import base64
import json
import time
from typing import Any

import pytest

from kring import config
from kring.errors import NotFoundError
from kring.intake import vacancies
from kring.intake.webhooks import FetchMessage, parse_fetch_message
from tests.support import stored
from tests.support import teamtailor as tt
from tests.support.bus import Bus
from tests.support.fixtures import HttpResult, MotoStack

HOST = "career.teamtailor.com"
URL = f"https://{HOST}/jobs/2-it-designer-1"
VACANCY = "teamtailor-2"


@pytest.fixture
def bus(moto_stack: MotoStack, monkeypatch: pytest.MonkeyPatch) -> Bus:
    monkeypatch.setenv("ALLOWED_VACANCY_HOSTS", HOST)
    config.clear_caches()
    return Bus(moto_stack.stack.physical_name("KringBus"))


@pytest.fixture
def post(moto_stack: MotoStack) -> Any:
    def _post(body: bytes, headers: dict[str, str]) -> HttpResult:
        return moto_stack.http("POST", tt.PATH, body=body, headers=headers)

    return _post


def items(moto_stack: MotoStack, logical_id: str) -> list[dict[str, Any]]:
    return stored.items(moto_stack, logical_id)


def state(moto_stack: MotoStack) -> dict[str, Any]:
    """Everything a delivery can change, bus and fetch queue drained by the caller's assertions."""
    return {"kring": items(moto_stack, "KringTable"), "idempotency": items(moto_stack, "IdempotencyTable")}


def fetches(moto_stack: MotoStack) -> list[FetchMessage]:
    return [parse_fetch_message(m["Body"]) for m in moto_stack.receive_all("AtsFetchQueue")]


def detail_types(envelopes: list[dict[str, Any]]) -> list[str]:
    return [e["detail-type"] for e in envelopes]


def open_job(event: str = "job.create", **attributes: Any) -> dict[str, Any]:
    return tt.job_event(event, status="open", **{"careersite-job-url": URL, **attributes})


def assert_refused(result: HttpResult) -> None:
    assert result.status == 401
    assert result.headers["content-type"].startswith("application/json")
    error = result.json()["error"]
    assert error["code"] == "unauthorized"
    assert "Teamtailor-Signature" in error["message"]


@pytest.fixture
def live_vacancy(post: Any, bus: Bus) -> tuple[bytes, str]:
    """teamtailor-2 published by a genuine ``job.create``; that delivery (body, TT-Signature) is
    the one the attacker saw."""
    body, sig = tt.delivery(open_job())
    assert post(body, tt.headers(sig)).status == 200
    assert vacancies.get_vacancy(VACANCY).status == "published"
    assert detail_types(bus.drain()) == ["VacancyPublished"]
    return body, sig


# ------------------------------------------------------------------------------ the forgeries
def test_a_forged_job_destroy_closes_nothing(
    moto_stack: MotoStack, post: Any, bus: Bus, live_vacancy: tuple[bytes, str]
) -> None:
    seen, seen_sig = live_vacancy
    before = state(moto_stack)
    destroy = tt.job_event("job.destroy", **{"updated-at": "2031-01-01T00:00:00.000+01:00"})
    body, headers = tt.forged_partner_request(seen, seen_sig, destroy)

    result = post(body, headers)

    assert_refused(result)
    assert vacancies.get_vacancy(VACANCY).status == "published"
    assert bus.drain() == []
    assert fetches(moto_stack) == []
    assert state(moto_stack) == before


def test_a_forged_publish_publishes_nothing(moto_stack: MotoStack, post: Any, bus: Bus) -> None:
    """The finding's ``FORGED: Senior Engineer``: a live job with the attacker's page, made from a
    seen application delivery. Had it been published, the fan-out would have given every eligible
    ambassador a tracked link to that page; it never reaches the bus, so there is nothing to fan out."""
    seen, seen_sig = tt.delivery(tt.application_event())
    forged = open_job(
        "job.create",
        title="FORGED: Senior Engineer",
        **{"careersite-job-url": f"https://{HOST}/jobs/666-forged", "updated-at": "2031-01-01T00:00:00Z"},
    )
    forged["data"]["id"] = "666"
    body, headers = tt.forged_partner_request(seen, seen_sig, forged)

    result = post(body, headers)

    assert_refused(result)
    with pytest.raises(NotFoundError):
        vacancies.get_vacancy("teamtailor-666")
    assert bus.drain() == []
    assert fetches(moto_stack) == []
    assert state(moto_stack) == {"kring": [], "idempotency": []}


def test_fresh_update_times_give_the_forgery_no_replays(
    moto_stack: MotoStack, post: Any, bus: Bus, live_vacancy: tuple[bytes, str]
) -> None:
    """The forged body's delivery id was its own choice (a hash of its event, id and updated-at):
    every new updated-at was a new delivery. Now each one is refused before it has an id."""
    seen, seen_sig = live_vacancy
    before = state(moto_stack)
    for minute in range(5):
        destroy = tt.job_event("job.destroy", **{"updated-at": f"2031-01-01T00:0{minute}:00Z"})
        body, headers = tt.forged_partner_request(seen, seen_sig, destroy)
        assert_refused(post(body, headers))

    assert vacancies.get_vacancy(VACANCY).status == "published"
    assert bus.drain() == []
    assert state(moto_stack) == before


def test_the_forgery_with_the_company_header_beside_it_is_refused_too(
    moto_stack: MotoStack, post: Any, bus: Bus, live_vacancy: tuple[bytes, str]
) -> None:
    """A request that carries the partner header is refused whatever else it carries: the seen
    TT-Signature added does not make the forged body a company delivery."""
    seen, seen_sig = live_vacancy
    before = state(moto_stack)
    body, headers = tt.forged_partner_request(seen, seen_sig, tt.job_event("job.destroy"))

    assert_refused(post(body, {**headers, "TT-Signature": seen_sig}))
    assert vacancies.get_vacancy(VACANCY).status == "published"
    assert bus.drain() == []
    assert state(moto_stack) == before


# ------------------------------------------------------------------------------ replays
def test_the_same_signed_destroy_replayed_within_its_five_minutes_is_a_no_op(
    moto_stack: MotoStack, post: Any, bus: Bus, live_vacancy: tuple[bytes, str]
) -> None:
    body, sig = tt.delivery(tt.job_event("job.destroy", **{"updated-at": "2031-01-01T00:00:00Z"}))
    assert post(body, tt.headers(sig)).status == 200
    assert vacancies.get_vacancy(VACANCY).status == "closed"
    assert detail_types(bus.drain()) == ["VacancyClosed"]
    after_first = state(moto_stack)

    again = post(body, tt.headers(sig))

    assert (again.status, again.json()) == (200, {"received": True})
    assert bus.drain() == []
    assert state(moto_stack) == after_first


def re_encodings(body: bytes, sig: str) -> list[tuple[bytes, dict[str, str]]]:
    """One signed delivery as an attacker can re-send it without the key: every one of these still
    verifies (the signature covers the payload, not the bytes around it, nor how the signature
    header is spelt)."""
    payload = json.loads(body)["payload"]
    decoded = base64.b64decode(sig).decode()
    t, digest = (part.split("=", 1)[1] for part in decoded.split(","))

    def header(text: str) -> dict[str, str]:
        return {"Content-Type": "application/json", "TT-Signature": base64.b64encode(text.encode()).decode()}

    def spelt(text: str) -> bytes:
        signature = base64.b64encode(text.encode()).decode()
        return json.dumps({"payload": payload, "signature": signature}).encode()

    pretty = json.dumps({"signature": sig, "payload": payload}, indent=2).encode()
    return [
        (body, tt.headers(sig)),  # verbatim
        (body, {"Content-Type": "application/json"}),  # the body's own copy of the signature
        (pretty, tt.headers(sig)),  # whitespace and key order around the payload
        (json.dumps({"payload": payload, "x": 1, "signature": sig}).encode(), tt.headers(sig)),
        (body, header(f"t={t},v2={digest.upper()}")),  # the digest in capitals
        (body, header(f"t={t},v2={'0' * 64},v2={digest}")),  # a junk digest beside it
        (body, header(f"t={t}, v2={digest}")),  # spaced
        (spelt(f"v2={digest},t={t}"), {"Content-Type": "application/json"}),  # reordered, in the body
    ]


@pytest.mark.parametrize("updated_at", [True, False], ids=["with-updated-at", "without-updated-at"])
def test_every_re_encoding_of_one_signed_delivery_is_the_same_delivery(
    moto_stack: MotoStack, post: Any, bus: Bus, updated_at: bool
) -> None:
    """An ids-only application delivery queues one fetch, however often and however re-encoded it
    is replayed within its five minutes — also when it has no updated-at to key on."""
    payload = tt.application_event()
    if not updated_at:
        del payload["data"]["attributes"]["updated_at"]
    body, sig = tt.delivery(payload)

    answers = [post(b, h) for b, h in re_encodings(body, sig)]

    assert [(a.status, a.json()) for a in answers] == [(200, {"received": True})] * len(answers)
    assert [(m.request.event, m.request.ids["application_id"]) for m in fetches(moto_stack)] == [
        ("job_application.create", tt.APPLICATION_ID)
    ]
    assert len(state(moto_stack)["idempotency"]) == 1
    assert bus.drain() == []


def test_a_destroy_replayed_re_encoded_closes_once(
    moto_stack: MotoStack, post: Any, bus: Bus, live_vacancy: tuple[bytes, str]
) -> None:
    payload = tt.job_event("job.destroy")
    del payload["data"]["attributes"]["updated-at"]  # keyed on the signed payload itself
    body, sig = tt.delivery(payload)
    records_before = len(state(moto_stack)["idempotency"])

    for b, h in re_encodings(body, sig):
        assert post(b, h).status == 200

    assert vacancies.get_vacancy(VACANCY).status == "closed"
    assert detail_types(bus.drain()) == ["VacancyClosed"]
    assert len(state(moto_stack)["idempotency"]) == records_before + 1


def test_a_payload_with_a_lone_surrogate_is_refused_not_a_500(moto_stack: MotoStack, post: Any) -> None:
    """JSON allows ``\\ud800`` alone; the fallback re-serialisation must not fail on it."""
    payload = json.dumps(open_job(title="\ud800"), separators=(",", ":")).encode()  # ASCII-escaped
    sig = tt.signature(b"not what was sent", int(time.time()))
    body = b'{"payload":' + payload + b',"signature":"' + sig.encode() + b'"}'

    result = post(body, tt.headers(sig))

    assert result.status == 401
    assert result.json()["error"]["code"] == "unauthorized"
    assert state(moto_stack) == {"kring": [], "idempotency": []}

"""Hostile input, by example: each case an engineer found answering 500 (or doing harm), through the
real handlers under moto. Each must be a clear 4xx with a JSON error body that changes nothing.
(The same properties over generated input: ``test_fuzz_webhooks.py`` and ``test_fuzz_http.py``.)"""

from __future__ import annotations

import base64
import json
import time
from typing import Any

import pytest

from tests.support import hostile, teamtailor
from tests.support.fixtures import HttpResult, MotoStack

DEEP = hostile.deep(1000).encode()  # about 1,000 levels in 2 KB: json.loads raises RecursionError
ANN: dict[str, Any] = {"id": "E1001", "name": "Ann de Vries", "email": "ann@example.com", "phase": "decision"}
LONG_ID = "V" * 2100  # over DynamoDB's 2 KB partition key


@pytest.fixture
def watch(moto_stack: MotoStack) -> hostile.StackWatch:
    return hostile.StackWatch(moto_stack)


def refused(result: HttpResult, status: int | tuple[int, ...]) -> dict[str, Any]:
    statuses = (status,) if isinstance(status, int) else status
    assert result.status in statuses, (result.status, result.body[:300])
    assert result.headers["content-type"].startswith("application/json")
    body: dict[str, Any] = result.json()
    assert set(body["error"]) >= {"code", "message"}
    return body


# ------------------------------------------------------------------------------------ webhooks
@pytest.mark.parametrize("provider", hostile.PROVIDERS)
def test_deeply_nested_json_signed_is_refused_on_every_webhook(
    moto_stack: MotoStack, watch: hostile.StackWatch, provider: str
) -> None:
    before = watch.state()
    # Lever signs fields of the body: the nesting goes in its data.
    data = b'{"event": "applicationCreated", "data": ' + DEEP + b"}" if provider == "lever" else DEEP
    body, headers = hostile.signed(provider, data)

    result = moto_stack.http("POST", f"/webhooks/{provider}", body=body, headers=headers)

    # Lever's signature is inside the body: a body Kring cannot read has no signature to check.
    refused(result, 401 if provider == "lever" else 400)
    assert watch.state() == before


@pytest.mark.parametrize("provider", hostile.PROVIDERS)
def test_deeply_nested_json_unsigned_is_refused_on_every_webhook(
    moto_stack: MotoStack, watch: hostile.StackWatch, provider: str
) -> None:
    before = watch.state()

    result = moto_stack.http(
        "POST", f"/webhooks/{provider}", body=DEEP, headers={"content-type": "application/json"}
    )

    refused(result, 401)
    assert watch.state() == before


@pytest.mark.parametrize("provider", ["lever", "teamtailor"])
def test_deep_nesting_inside_an_unsigned_body_is_refused(
    moto_stack: MotoStack, watch: hostile.StackWatch, provider: str
) -> None:
    """The two providers whose signature is read out of the body parse it before verifying."""
    before = watch.state()
    # A signature of the right form and time, over other bytes: the body is read to check it.
    wrong = teamtailor.signature(b"{}", int(time.time()))
    body = b'{"payload":' + DEEP + b',"signature":"' + wrong.encode() + b'","token":"t","triggeredAt":1}'

    result = moto_stack.http("POST", f"/webhooks/{provider}", body=body, headers=teamtailor.headers(wrong))

    refused(result, 401)
    assert watch.state() == before


# ------------------------------------------------------------------------------------ admin API
def test_deeply_nested_json_is_refused_by_post_ambassadors(
    moto_stack: MotoStack, watch: hostile.StackWatch
) -> None:
    before = watch.state()

    result = moto_stack.http("POST", "/api/ambassadors", body=DEEP, admin=True)

    refused(result, 400)
    assert watch.state() == before


@pytest.mark.parametrize(
    "body",
    [
        b'{"id": "E1", "share_cap_per_week": NaN}',
        b'{"id": "E1", "share_cap_per_week": 1e999}',
        b'["\\ud800"]',
    ],
    ids=["nan", "overflow", "lone-surrogate"],
)
def test_json_no_contract_allows_is_refused_by_post_ambassadors(
    moto_stack: MotoStack, watch: hostile.StackWatch, body: bytes
) -> None:
    before = watch.state()

    result = moto_stack.http("POST", "/api/ambassadors", body=body, admin=True)

    refused(result, 400)
    assert watch.state() == before


def _token(scope: str, cursor: Any) -> str:
    payload = json.dumps({"v": 1, "s": scope, "k": cursor}).encode()
    return base64.urlsafe_b64encode(payload).rstrip(b"=").decode()


# 760 levels of arrays: 1,520 bytes of JSON, 2,027 characters of token (under its 2,048 limit).
DEEP_TOKEN = base64.urlsafe_b64encode(b"[" * 760 + b"]" * 760).rstrip(b"=").decode()
LISTINGS = [
    "/api/ambassadors",
    "/api/vacancies",
    "/api/vacancies/greenhouse-1/shares",
    "/api/rewards",
    "/api/rewards?ambassador_id=E1001",
]


def _listing(path: str, extra: str) -> tuple[str, str]:
    route, _, query = path.partition("?")
    return route, "&".join(q for q in (query, extra) if q)


@pytest.fixture
def vacancy(moto_stack: MotoStack) -> None:
    from tests.integration.test_api_vacancies import _store, _vacancy

    _store(_vacancy(1))


@pytest.mark.parametrize("path", LISTINGS)
def test_a_deeply_nested_next_token_is_refused_by_every_listing(
    moto_stack: MotoStack, watch: hostile.StackWatch, vacancy: None, path: str
) -> None:
    assert len(DEEP_TOKEN) <= 2048
    before = watch.state()
    route, query = _listing(path, f"next={DEEP_TOKEN}")

    result = moto_stack.http("GET", route, query=query, admin=True)

    refused(result, 400)
    assert watch.state() == before


@pytest.mark.parametrize(
    ("path", "cursor"),
    [
        ("/api/ambassadors", {"gsi1pk": "AMBASSADORS"}),
        ("/api/ambassadors", {"gsi1pk": "AMBASSADORS", "gsi1sk": "AMB#E1", "pk": "AMB#E1", "sk": "é" * 1000}),
        ("/api/vacancies", {"gsi1pk": "VACANCIES", "gsi1sk": "VAC#x"}),
        (
            "/api/rewards",
            {"gsi1pk": "REWARDS", "gsi1sk": "x", "pk": "AMB#E1", "sk": "REWARD#1", "gsi2pk": "x"},
        ),
    ],
    ids=["no-sort-key", "sort-key-over-1kb", "no-table-key", "foreign-attribute"],
)
def test_a_next_token_whose_cursor_is_not_a_whole_key_is_refused(
    moto_stack: MotoStack, watch: hostile.StackWatch, path: str, cursor: dict[str, str]
) -> None:
    """A cursor DynamoDB would refuse (keys missing, a key over its byte limit) is the client's 400."""
    scope = path.removeprefix("/api/")
    before = watch.state()

    result = moto_stack.http("GET", path, query=f"next={_token(scope, cursor)}", admin=True)

    refused(result, 400)
    assert watch.state() == before


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", f"/api/vacancies/{LONG_ID}"),
        ("GET", f"/api/vacancies/{LONG_ID}/shares"),
        ("GET", f"/api/vacancies/{LONG_ID}/funnel"),
        ("GET", f"/api/ambassadors/{LONG_ID}"),
        ("GET", f"/api/ambassadors/{LONG_ID}/stats"),
        ("DELETE", f"/api/ambassadors/{LONG_ID}"),
        ("POST", f"/api/rewards/{LONG_ID}/{LONG_ID}/pay"),
        ("POST", f"/api/rewards/E1001/{LONG_ID}/pay"),
        ("GET", f"/api/applications/greenhouse/{LONG_ID}/attribution"),
        ("GET", f"/api/applications/{LONG_ID}/1/attribution"),
    ],
)
def test_an_id_over_the_key_limit_is_a_4xx(
    moto_stack: MotoStack, watch: hostile.StackWatch, method: str, path: str
) -> None:
    before = watch.state()

    result = moto_stack.http(method, path, admin=True)

    refused(result, (400, 404))
    assert watch.state() == before


def test_an_ambassador_filter_over_the_key_limit_is_a_422(moto_stack: MotoStack) -> None:
    refused(moto_stack.http("GET", "/api/rewards", query=f"ambassador_id={LONG_ID}", admin=True), 422)


# ------------------------------------------------------------------------------------ exact ids
@pytest.mark.parametrize("suffix", ["%20", "%09", "%0A", "%C2%A0"])
def test_delete_matches_the_id_exactly(moto_stack: MotoStack, watch: hostile.StackWatch, suffix: str) -> None:
    assert moto_stack.http("POST", "/api/ambassadors", body=ANN, admin=True).status == 201
    before = watch.state()

    refused(moto_stack.http("DELETE", f"/api/ambassadors/E1001{suffix}", admin=True), 404)
    refused(moto_stack.http("DELETE", f"/api/ambassadors/%20E1001{suffix}", admin=True), 404)

    assert watch.state() == before
    assert moto_stack.http("GET", "/api/ambassadors/E1001", admin=True).status == 200


@pytest.mark.parametrize(
    "path", ["/api/ambassadors/E1001%20", "/api/ambassadors/E1001%20/stats", "/api/rewards/E1001%20/r1/pay"]
)
def test_reads_and_payments_match_the_id_exactly(
    moto_stack: MotoStack, watch: hostile.StackWatch, path: str
) -> None:
    assert moto_stack.http("POST", "/api/ambassadors", body=ANN, admin=True).status == 201
    before = watch.state()

    refused(moto_stack.http("POST" if path.endswith("/pay") else "GET", path, admin=True), 404)

    assert watch.state() == before


def test_the_reward_filter_matches_the_id_exactly(moto_stack: MotoStack) -> None:
    refused(moto_stack.http("GET", "/api/rewards", query="ambassador_id=E1001%20", admin=True), 422)


def test_an_id_sent_with_spaces_around_it_is_still_saved_trimmed(moto_stack: MotoStack) -> None:
    """Input is forgiving (the id of a CSV cell or a form is trimmed); lookups are exact."""
    result = moto_stack.http("POST", "/api/ambassadors", body={**ANN, "id": " E1001 "}, admin=True)

    assert result.status == 201
    assert result.json()["id"] == "E1001"
    assert moto_stack.http("GET", "/api/ambassadors/E1001", admin=True).status == 200

"""``GET /api/rewards`` and ``POST /api/rewards/{ambassador_id}/{reward_id}/pay``: the reward
ledger (written here as the attribution writes it) through the real API handler under moto."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from kring import aws, config
from kring.dal import ambassadors as ambassador_items
from kring.dal import keys
from kring.dal.items import deserialize, serialize
from kring.models.ambassador import Ambassador
from tests.support import attribution_data as ad
from tests.support.fixtures import MotoStack

LONG_AGO = datetime(2025, 1, 6, 10, 0, tzinfo=UTC)


def _seed() -> datetime:
    """Six entries of two ambassadors, one of each status and more; returns the recent hire."""
    recent = datetime.now(UTC) - timedelta(days=10)  # its holding period (90 days) runs
    ad.put_reward("E1", "r1", hired_at=LONG_AGO)  # eligible
    ad.put_reward("E1", "r2", hired_at=LONG_AGO + timedelta(days=1), status="cancelled")
    ad.put_reward(
        "E1",
        "r3",
        hired_at=LONG_AGO + timedelta(days=2),
        status="paid",
        paid_at=LONG_AGO + timedelta(days=95),
    )
    ad.put_reward("E2", "r4", hired_at=LONG_AGO + timedelta(days=3), amount="750")  # eligible
    ad.put_reward("E1", "r5", hired_at=recent)  # pending
    ad.put_reward("E2", "r6", hired_at=recent + timedelta(hours=1))  # pending
    return recent


def _stored(ambassador_id: str, reward_id: str) -> dict[str, Any]:
    got = aws.dynamodb().get_item(
        TableName=config.tables().table_name, Key=serialize(keys.reward(ambassador_id, reward_id))
    )
    return deserialize(got["Item"])


def _all_pages(stack: MotoStack, query: str) -> list[list[dict[str, Any]]]:
    pages: list[list[dict[str, Any]]] = []
    token: str | None = None
    while True:
        sent = query + (f"&next={token}" if token else "")
        got = stack.http("GET", "/api/rewards", query=sent, admin=True)
        assert got.status == 200, got.body
        body = got.json()
        pages.append(body["items"])
        token = body["next"]
        if token is None:
            return pages


# ------------------------------------------------------------------------------------ listing
def test_every_reward_in_order_of_the_hire_with_its_status_now(moto_stack: MotoStack) -> None:
    recent = _seed()
    body = moto_stack.http("GET", "/api/rewards", admin=True).json()
    assert body["next"] is None
    assert [(r["reward_id"], r["ambassador_id"], r["status"]) for r in body["items"]] == [
        ("r1", "E1", "eligible"),
        ("r2", "E1", "cancelled"),
        ("r3", "E1", "paid"),
        ("r4", "E2", "eligible"),
        ("r5", "E1", "pending"),
        ("r6", "E2", "pending"),
    ]
    first = body["items"][0]
    assert first == {
        "ambassador_id": "E1",
        "ambassador_name": None,  # no profile (erased, or never imported): no name
        "reward_id": "r1",
        "status": "eligible",
        "amount": "500.00",
        "currency": "EUR",
        "hired_at": "2025-01-06T10:00:00Z",
        "eligible_at": "2025-04-06T10:00:00Z",
        "paid_at": None,
        "cancelled_at": None,
        "provider": "greenhouse",
        "application_id": "app-r1",
        "vacancy_id": "greenhouse-1",
        "reversed_after_payment": False,
    }
    assert body["items"][3]["amount"] == "750"
    pending = body["items"][4]
    assert datetime.fromisoformat(pending["eligible_at"]) == recent + timedelta(days=90)


def test_the_list_pages_through_with_an_opaque_token(moto_stack: MotoStack) -> None:
    _seed()
    pages = _all_pages(moto_stack, "limit=4")
    assert [len(p) for p in pages] == [4, 2]
    assert [r["reward_id"] for p in pages for r in p] == ["r1", "r2", "r3", "r4", "r5", "r6"]


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("eligible", ["r1", "r4"]),
        ("pending", ["r5", "r6"]),
        ("paid", ["r3"]),
        ("cancelled", ["r2"]),
        ("ELIGIBLE", ["r1", "r4"]),
    ],
)
def test_the_status_filter_uses_the_status_now(
    moto_stack: MotoStack, status: str, expected: list[str]
) -> None:
    _seed()
    pages = _all_pages(moto_stack, f"status={status}&limit=2")
    assert [r["reward_id"] for p in pages for r in p] == expected
    assert len(pages) >= 3  # six entries read two a page: a filtered page may be short, even empty


def test_one_ambassadors_rewards_come_from_their_collection(moto_stack: MotoStack) -> None:
    _seed()
    pages = _all_pages(moto_stack, "ambassador_id=E1&limit=2")
    assert [[r["reward_id"] for r in p] for p in pages if p] == [["r1", "r2"], ["r3", "r5"]]
    eligible = _all_pages(moto_stack, "ambassador_id=E2&status=eligible")
    assert [r["reward_id"] for p in eligible for r in p] == ["r4"]
    assert _all_pages(moto_stack, "ambassador_id=E404") == [[]]


def test_a_token_of_one_list_is_refused_by_another(moto_stack: MotoStack) -> None:
    _seed()
    everyone = moto_stack.http("GET", "/api/rewards", query="limit=1", admin=True).json()["next"]
    of_e1 = moto_stack.http("GET", "/api/rewards", query="limit=1&ambassador_id=E1", admin=True).json()[
        "next"
    ]
    for query in (
        f"ambassador_id=E1&next={everyone}",
        f"next={of_e1}",
        f"ambassador_id=E2&next={of_e1}",
        "next=not-a-token",
    ):
        got = moto_stack.http("GET", "/api/rewards", query=query, admin=True)
        assert got.status == 400, query
        assert got.json()["error"]["code"] == "bad_request"


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("status=approved", "status"),
        ("ambassador_id=not%23an%23id", "ambassador_id"),
        ("limit=0", "limit"),
        ("limit=many", "limit"),
    ],
)
def test_a_bad_filter_is_a_422_that_names_the_field(moto_stack: MotoStack, query: str, field: str) -> None:
    got = moto_stack.http("GET", "/api/rewards", query=query, admin=True)
    assert got.status == 422, got.body
    error = got.json()["error"]
    assert error["code"] == "validation_failed"
    assert [d["field"] for d in error["details"]] == [field]


def test_the_rewards_need_the_admin_token(moto_stack: MotoStack) -> None:
    _seed()
    assert moto_stack.http("GET", "/api/rewards").status == 401
    assert moto_stack.http("POST", "/api/rewards/E1/r1/pay").status == 401
    assert _stored("E1", "r1")["status"] == "pending"


# ------------------------------------------------------------------------------------ paying
def test_an_eligible_reward_is_paid_once(moto_stack: MotoStack) -> None:
    _seed()
    before = datetime.now(UTC)
    got = moto_stack.http("POST", "/api/rewards/E1/r1/pay", admin=True)
    assert got.status == 200, got.body
    paid = got.json()
    assert (paid["reward_id"], paid["status"], paid["amount"]) == ("r1", "paid", "500.00")
    assert datetime.fromisoformat(paid["paid_at"]) >= before.replace(microsecond=0)
    stored = _stored("E1", "r1")
    assert stored["status"] == "paid"
    assert datetime.fromisoformat(stored["paid_at"]) == datetime.fromisoformat(paid["paid_at"])
    assert len(stored["paid_at"]) == len("2026-11-29T10:00:00.000000Z")  # the ledger's own format

    again = moto_stack.http("POST", "/api/rewards/E1/r1/pay", admin=True)
    assert again.status == 200
    assert again.json() == paid  # the same payment, not a second one
    assert _stored("E1", "r1")["paid_at"] == stored["paid_at"]


def test_a_paid_reward_shows_in_the_ambassadors_totals(moto_stack: MotoStack) -> None:
    _seed()
    profile = Ambassador.model_validate(
        {
            "id": "E2",
            "name": "Noor",
            "email": "noor@example.com",
            "phase": "decision",
            "opted_in": True,
            "created_at": LONG_AGO,
            "updated_at": LONG_AGO,
        }
    )
    aws.dynamodb().put_item(TableName=config.tables().table_name, Item=ambassador_items.to_item(profile))
    assert moto_stack.http("POST", "/api/rewards/E2/r4/pay", admin=True).status == 200
    rewards = moto_stack.http("GET", "/api/ambassadors/E2/stats", admin=True).json()["rewards"]
    assert rewards == [
        {
            "currency": "EUR",
            "pending": "500.00",
            "eligible": "0",
            "paid": "750",
            "cancelled": "0",
            "entries": 2,
            "reversed_after_payment": "0",
        }
    ]


@pytest.mark.parametrize(
    ("path", "reason"),
    [
        ("/api/rewards/E1/r2/pay", "cancelled"),
        ("/api/rewards/E1/r5/pay", "not eligible yet"),
    ],
)
def test_a_cancelled_or_held_reward_is_a_409_and_stays_as_it_was(
    moto_stack: MotoStack, path: str, reason: str
) -> None:
    _seed()
    reward_id = path.split("/")[4]
    before = _stored("E1", reward_id)
    got = moto_stack.http("POST", path, admin=True)
    assert got.status == 409, got.body
    error = got.json()["error"]
    assert error["code"] == "conflict"
    assert reason in error["message"]
    assert _stored("E1", reward_id) == before


@pytest.mark.parametrize(
    "path",
    [
        "/api/rewards/E1/r404/pay",
        "/api/rewards/E404/r1/pay",
        "/api/rewards/E2/r1/pay",  # r1 is E1's
        "/api/rewards/not%23an%23id/r1/pay",
        "/api/rewards/E1/r%231/pay",
    ],
)
def test_an_unknown_reward_is_a_404(moto_stack: MotoStack, path: str) -> None:
    _seed()
    got = moto_stack.http("POST", path, admin=True)
    assert got.status == 404, got.body
    assert got.json()["error"]["code"] == "not_found"


def test_the_list_shows_each_ambassador_s_name_read_in_one_batch(moto_stack: MotoStack) -> None:
    from tests.support import link_activity as la

    _seed()
    _profile("E1", "Eva de Vries")  # E2 was erased: the ledger keeps the id, not the name
    calls, stop = la.counting(aws.dynamodb())
    try:
        body = moto_stack.http("GET", "/api/rewards", admin=True).json()
    finally:
        stop()
    assert {(r["ambassador_id"], r["ambassador_name"]) for r in body["items"]} == {
        ("E1", "Eva de Vries"),
        ("E2", None),
    }
    assert calls["BatchGetItem"] == 1  # the names of the page's ambassadors, together
    assert "GetItem" not in calls
    assert "Scan" not in calls
    paid = moto_stack.http("POST", "/api/rewards/E1/r1/pay", admin=True).json()
    assert paid["ambassador_name"] == "Eva de Vries"


def _profile(ambassador_id: str, name: str) -> None:
    profile = Ambassador.model_validate(
        {
            "id": ambassador_id,
            "name": name,
            "email": f"{ambassador_id.lower()}@example.com",
            "created_at": LONG_AGO,
            "updated_at": LONG_AGO,
        }
    )
    aws.dynamodb().put_item(TableName=config.tables().table_name, Item=ambassador_items.to_item(profile))

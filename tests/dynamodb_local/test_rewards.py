"""The reward ledger's data layer against Amazon's DynamoDB Local: the pay condition (pending, with
the very ``eligible_at`` that was judged) refuses a cancellation, a payment or a change made in
between and never creates an entry; paying twice is one payment; the two listings page through
with DynamoDB's own cursors."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from kring import aws, config
from kring.attribution import rewards
from kring.dal import keys
from kring.dal import rewards as ledger
from kring.dal.items import deserialize, serialize, value
from kring.errors import ConflictError
from tests.support import attribution_data as ad
from tests.support.fixtures import DynamoDBLocal

pytestmark = pytest.mark.dynamodb_local

HIRED = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
NOW = HIRED + timedelta(days=120)  # after the 90-day holding period


def _set(ambassador_id: str, reward_id: str, name: str, new: str) -> None:
    """Another writer (the attribution cancelling on an unhire, another admin paying)."""
    aws.dynamodb().update_item(
        TableName=config.tables().table_name,
        Key=serialize(keys.reward(ambassador_id, reward_id)),
        UpdateExpression="SET #a = :v",
        ExpressionAttributeNames={"#a": name},
        ExpressionAttributeValues={":v": value(new)},
    )


def _raw(ambassador_id: str, reward_id: str) -> dict[str, object] | None:
    got = aws.dynamodb().get_item(
        TableName=config.tables().table_name,
        Key=serialize(keys.reward(ambassador_id, reward_id)),
        ConsistentRead=True,
    )
    return deserialize(got["Item"]) if "Item" in got else None


def test_a_pending_entry_read_as_eligible_is_marked_paid(dynamodb_local: DynamoDBLocal) -> None:
    ad.put_reward("E1", "r1", hired_at=HIRED)
    entry = ledger.RewardRepository().get("E1", "r1")
    assert entry is not None
    assert rewards.status_of(entry, NOW) == "eligible"
    paid = ledger.RewardRepository().mark_paid(entry, NOW)
    assert paid is not None
    assert (paid.status, paid.paid_at, paid.amount) == ("paid", NOW, entry.amount)
    stored = _raw("E1", "r1")
    assert stored is not None
    assert (stored["status"], stored["paid_at"]) == ("paid", "2026-05-05T09:00:00.000000Z")


@pytest.mark.parametrize(
    ("attribute", "new"),
    [
        ("status", "cancelled"),  # unhired in between
        ("status", "paid"),  # paid by someone else in between
        ("eligible_at", (HIRED + timedelta(days=400)).isoformat()),  # the holding period changed
    ],
)
def test_a_change_made_in_between_fails_the_condition(
    dynamodb_local: DynamoDBLocal, attribute: str, new: str
) -> None:
    ad.put_reward("E1", "r1", hired_at=HIRED)
    entry = ledger.RewardRepository().get("E1", "r1")
    assert entry is not None
    _set("E1", "r1", attribute, new)
    before = _raw("E1", "r1")
    assert ledger.RewardRepository().mark_paid(entry, NOW) is None
    assert _raw("E1", "r1") == before


def test_paying_an_entry_that_is_gone_creates_nothing(dynamodb_local: DynamoDBLocal) -> None:
    ad.put_reward("E1", "r1", hired_at=HIRED)
    entry = ledger.RewardRepository().get("E1", "r1")
    assert entry is not None
    aws.dynamodb().delete_item(
        TableName=config.tables().table_name, Key=serialize(keys.reward("E1", "r1"))
    )  # erased with the ambassador's collection
    assert ledger.RewardRepository().mark_paid(entry, NOW) is None
    assert _raw("E1", "r1") is None


def test_two_payments_that_race_pay_once(dynamodb_local: DynamoDBLocal) -> None:
    """Both admins read it eligible; the second write fails and reads the first one's payment."""
    ad.put_reward("E1", "r1", hired_at=HIRED)
    seen_by_second = ledger.RewardRepository().get("E1", "r1")
    assert seen_by_second is not None
    first = rewards.pay("E1", "r1", now=NOW)
    assert ledger.RewardRepository().mark_paid(seen_by_second, NOW + timedelta(minutes=1)) is None
    again = rewards.pay("E1", "r1", now=NOW + timedelta(minutes=1))
    assert again.entry.paid_at == first.entry.paid_at == NOW
    assert again.status == "paid"


def test_the_time_is_compared_as_a_time_whatever_the_stored_format(dynamodb_local: DynamoDBLocal) -> None:
    """``Z`` or ``+00:00``, with or without fractions: eligibility is judged on the parsed time,
    the condition on the stored text."""
    ad.put_reward("E1", "r1", hired_at=HIRED)
    _set("E1", "r1", "eligible_at", "2026-04-05T09:00:00Z")
    with pytest.raises(ConflictError, match="not eligible yet"):
        rewards.pay("E1", "r1", now=datetime(2026, 4, 5, 8, 59, 59, 999999, tzinfo=UTC))
    paid = rewards.pay("E1", "r1", now=datetime(2026, 4, 5, 9, 0, tzinfo=UTC))
    assert paid.status == "paid"


def test_the_listings_page_through(dynamodb_local: DynamoDBLocal) -> None:
    for n in range(5):
        ad.put_reward("E1" if n % 2 == 0 else "E2", f"r{n}", hired_at=HIRED + timedelta(days=n))
    seen: list[str] = []
    cursor = None
    while True:
        page = rewards.list_rewards(2, cursor, now=NOW)
        seen.extend(r.entry.reward_id for r in page.items)
        if page.cursor is None:
            break
        cursor = page.cursor
    assert seen == ["r0", "r1", "r2", "r3", "r4"]

    of_e1: list[str] = []
    cursor = None
    while True:
        page = rewards.list_rewards(1, cursor, ambassador_id="E1", status="eligible", now=NOW)
        of_e1.extend(r.entry.reward_id for r in page.items)
        if page.cursor is None:
            break
        cursor = page.cursor
    assert of_e1 == ["r0", "r2", "r4"]

"""Reward ledger entries: the reads of the rewards API and the one write it makes (paying).

The attribution writes the entries (``keys.reward(ambassador_id, reward_id)`` in the ambassador's
collection, listed on gsi1 ``REWARDS`` in order of the hire): ``status`` pending | cancelled |
paid, ``amount`` (a decimal string), ``currency``, ``hired_at``, ``eligible_at``, ``paid_at``,
``provider``, ``application_id``, ``vacancy_id`` (and ``reversed_after_payment`` on a paid entry
whose hire was taken back). This module reads them back as
:class:`LedgerEntry` and marks one paid — conditionally, so a payment never overtakes a
cancellation or a second payment.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any, Literal

from kring import aws, config
from kring.dal import keys, pages
from kring.dal.items import deserialize, serialize
from kring.errors import InvalidInputError
from kring.models.common import Page

if TYPE_CHECKING:
    from botocore.exceptions import ClientError

StoredStatus = Literal["pending", "cancelled", "paid"]
STORED_STATUSES: tuple[StoredStatus, ...] = ("pending", "cancelled", "paid")
PENDING: StoredStatus = "pending"
PAID: StoredStatus = "paid"


@dataclass(frozen=True)
class LedgerEntry:
    """One ledger entry as stored (``status`` is the stored one: "eligible" is derived on read)."""

    ambassador_id: str
    reward_id: str
    status: StoredStatus
    amount: Decimal
    currency: str
    hired_at: datetime
    eligible_at: datetime
    paid_at: datetime | None
    cancelled_at: datetime | None
    provider: str | None
    application_id: str | None
    vacancy_id: str | None
    raw_eligible_at: str  # exactly as stored: what the pay condition compares against
    reversed_after_payment: bool = False  # paid, and the hire was taken back afterwards


def timestamp(moment: datetime) -> str:
    """Fixed width, UTC, microseconds — as the attribution stores ledger times."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _time(raw: object) -> datetime | None:
    """A stored timestamp (ISO 8601; one without an offset is UTC)."""
    if raw is None or raw == "":
        return None
    moment = datetime.fromisoformat(str(raw))
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def from_item(item: Mapping[str, Any]) -> LedgerEntry:
    """A stored entry (DynamoDB attribute values); ids come from the keys, which cannot disagree."""
    data = deserialize(item)
    status = str(data.get("status", ""))
    if status not in STORED_STATUSES:
        raise ValueError(f"a reward entry with an unknown status: {status!r}")
    try:
        amount = Decimal(str(data["amount"]))
    except (KeyError, InvalidOperation) as exc:
        raise ValueError("a reward entry without a decimal amount") from exc
    hired_at, eligible_at = _time(data.get("hired_at")), _time(data.get("eligible_at"))
    if hired_at is None or eligible_at is None:
        raise ValueError("a reward entry without hired_at or eligible_at")

    def text(name: str) -> str | None:
        found = data.get(name)
        return None if found is None else str(found)

    return LedgerEntry(
        ambassador_id=keys.ambassador_id_from(str(data[keys.PK])),
        reward_id=str(data[keys.SK]).removeprefix(keys.rewards_of_ambassador_prefix()),
        status=status,
        amount=amount,
        currency=str(data.get("currency", "")),
        hired_at=hired_at,
        eligible_at=eligible_at,
        paid_at=_time(data.get("paid_at")),
        cancelled_at=_time(data.get("cancelled_at")),
        provider=text("provider"),
        application_id=text("application_id"),
        vacancy_id=text("vacancy_id"),
        raw_eligible_at=str(data["eligible_at"]),
        reversed_after_payment=data.get("reversed_after_payment") is True,
    )


def _client_error() -> type[ClientError]:
    from botocore.exceptions import ClientError

    return ClientError


# --- reads ---------------------------------------------------------------------------------------
def get(ambassador_id: str, reward_id: str) -> LedgerEntry | None:
    """GetItem (strongly consistent: pay decides on it)."""
    got = aws.dynamodb().get_item(
        TableName=config.tables().table_name,
        Key=serialize(keys.reward(ambassador_id, reward_id)),
        ConsistentRead=True,
    )
    item = got.get("Item")
    return from_item(item) if item else None


def list_page(limit: int, cursor: Mapping[str, Any] | None = None) -> Page[LedgerEntry]:
    """One page of every entry in order of the hire: Query gsi1 ``REWARDS``."""
    return pages.query_page(keys.GSI1, keys.REWARD_LIST, limit, cursor, from_item, is_position=_is_listed)


def _is_listed(cursor: Mapping[str, str]) -> bool:
    """The cursor is the key of a ledger entry (table and list keys agreeing)."""
    try:
        keys.ambassador_id_from(cursor[keys.PK])
    except ValueError:
        return False
    prefix = keys.rewards_of_ambassador_prefix()
    reward_id = cursor[keys.SK].removeprefix(prefix)
    return (
        cursor[keys.SK].startswith(prefix)
        and bool(reward_id)
        and cursor[keys.GSI1_SK].endswith(f"#{reward_id}")
    )


def ambassador_page(
    ambassador_id: str, limit: int, cursor: Mapping[str, Any] | None = None
) -> Page[LedgerEntry]:
    """One page of one ambassador's entries (reward id order): Query ``AMB#<id>``,
    ``begins_with(sk, REWARD#)`` — no index needed. A cursor that is not a position among them is
    an :class:`InvalidInputError`."""
    partition = keys.ambassador(ambassador_id)["pk"]
    prefix = keys.rewards_of_ambassador_prefix()
    request: dict[str, Any] = {
        "TableName": config.tables().table_name,
        "KeyConditionExpression": "#pk = :pk AND begins_with(#sk, :prefix)",
        "ExpressionAttributeNames": {"#pk": keys.PK, "#sk": keys.SK},
        "ExpressionAttributeValues": serialize({":pk": partition, ":prefix": prefix}),
        "Limit": limit,
    }
    if cursor is not None:
        if (
            set(cursor) != {keys.PK, keys.SK}
            or not all(isinstance(v, str) for v in cursor.values())
            or cursor[keys.PK] != partition
            or not str(cursor[keys.SK]).startswith(prefix)
        ):
            raise InvalidInputError("the page token is not a position in this listing")
        request["ExclusiveStartKey"] = serialize(cursor)
    got = aws.dynamodb().query(**request)
    last = got.get("LastEvaluatedKey")
    return Page(
        items=[from_item(item) for item in got.get("Items", [])], cursor=deserialize(last) if last else None
    )


def of_ambassador(ambassador_id: str) -> list[LedgerEntry]:
    """Every entry of one ambassador (for their totals): the same Query, paged through."""
    out: list[LedgerEntry] = []
    cursor: dict[str, Any] | None = None
    while True:
        page = ambassador_page(ambassador_id, 1000, cursor)
        out.extend(page.items)
        if page.cursor is None:
            return out
        cursor = page.cursor


# --- the one write ---------------------------------------------------------------------------------
def mark_paid(entry: LedgerEntry, paid_at: datetime) -> LedgerEntry | None:
    """Mark ``entry`` paid — on the condition that it is still pending with the very
    ``eligible_at`` the caller judged eligible (compared as stored, so the timestamp format does
    not matter). The paid entry, or None when the condition failed (cancelled, paid or changed
    since it was read, or gone): the caller reads it again and decides anew."""
    client = aws.dynamodb()
    try:
        got = client.update_item(
            TableName=config.tables().table_name,
            Key=serialize(keys.reward(entry.ambassador_id, entry.reward_id)),
            UpdateExpression="SET #status = :paid, #paid_at = :paid_at",
            ConditionExpression="#status = :pending AND #eligible_at = :eligible_at",
            ExpressionAttributeNames={
                "#status": "status",
                "#paid_at": "paid_at",
                "#eligible_at": "eligible_at",
            },
            ExpressionAttributeValues=serialize(
                {
                    ":paid": PAID,
                    ":pending": PENDING,
                    ":paid_at": timestamp(paid_at),
                    ":eligible_at": entry.raw_eligible_at,
                }
            ),
            ReturnValues="ALL_NEW",
        )
    except _client_error() as exc:
        if exc.response.get("Error", {}).get("Code") != "ConditionalCheckFailedException":
            raise
        return None
    return from_item(got["Attributes"])


def hired_between(first: datetime, last: datetime) -> Iterator[LedgerEntry]:
    """Every entry whose hire is in [first, last], in order of the hire: Query gsi1 ``REWARDS`` on a
    sort-key range (the mail's daily run finds the rewards whose holding period just ended)."""
    request: dict[str, Any] = {
        "TableName": config.tables().table_name,
        "IndexName": keys.GSI1,
        "KeyConditionExpression": "#pk = :pk AND #sk BETWEEN :first AND :last",
        "ExpressionAttributeNames": {"#pk": keys.GSI1_PK, "#sk": keys.GSI1_SK},
        "ExpressionAttributeValues": serialize(
            {":pk": keys.REWARD_LIST, ":first": timestamp(first), ":last": timestamp(last) + "#~"}
        ),
    }
    for item in pages.query_all(request):
        yield from_item(item)

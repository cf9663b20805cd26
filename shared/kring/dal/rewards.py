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
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any, Literal

from kring.dal import keys, pages, transact
from kring.dal.items import deserialize, parse_time, serialize, timestamp, value
from kring.dal.repository import Repository
from kring.errors import InvalidInputError
from kring.models.common import Page

if TYPE_CHECKING:
    from kring.attribution.entities import Reward

StoredStatus = Literal["pending", "cancelled", "paid"]
STORED_STATUSES: tuple[StoredStatus, ...] = ("pending", "cancelled", "paid")
PENDING: StoredStatus = "pending"
PAID: StoredStatus = "paid"
ENTITY = "reward"


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


def _time(raw: object) -> datetime | None:
    """A stored timestamp (ISO 8601; one without an offset is UTC)."""
    if raw is None or raw == "":
        return None
    return parse_time(str(raw))


def entry_update(
    reward: Reward, reward_id: str, provider: str, seen_status: str | None, table: str
) -> dict[str, Any] | None:
    """The attribution's TransactWriteItems update of one entry, conditional on the status it
    read (``seen_status``; None: absent). A ``paid`` entry keeps its status and payment: losing
    the credit marks it ``reversed_after_payment``, regaining it clears the mark. None when there
    is nothing to write (a cancellation of an entry never written)."""
    names: dict[str, str] = {}
    values: dict[str, Any] = {}
    if seen_status is not None:
        names["#status"] = "status"
    if seen_status == PAID:
        condition = "#status = :seen"
        values[":seen"] = value(PAID)
        if reward.status == PENDING:
            expression = "REMOVE #reversed"
        else:
            expression = "SET #reversed = :true"
            values[":true"] = value(True)
        names["#reversed"] = "reversed_after_payment"
    else:
        if seen_status is None and reward.status == "cancelled":
            return None  # nothing was ever written: nothing to cancel
        fields = {
            **keys.reward_list_entry(timestamp(reward.hired_at), reward_id),
            "entity": ENTITY,
            "reward_id": reward_id,
            "ambassador_id": reward.ambassador_id,
            "status": reward.status,
            "amount": str(reward.amount),
            "currency": reward.currency,
            "hired_at": timestamp(reward.hired_at),
            "eligible_at": timestamp(reward.eligible_at),
            "provider": provider,
            "application_id": reward.application_id,
            "vacancy_id": reward.vacancy_id,
        }
        sets = []
        for i, (name, field_value) in enumerate(fields.items()):
            names[f"#f{i}"] = name
            values[f":f{i}"] = value(field_value)
            sets.append(f"#f{i} = :f{i}")
        expression = "SET " + ", ".join(sets)
        if seen_status is None:
            condition = "attribute_not_exists(#pk)"
            names["#pk"] = keys.PK
        else:
            condition = "#status = :seen"
            values[":seen"] = value(seen_status)
    update: dict[str, Any] = {
        "TableName": table,
        "Key": serialize(keys.reward(reward.ambassador_id, reward_id)),
        "UpdateExpression": expression,
        "ConditionExpression": condition,
        "ExpressionAttributeNames": names,
    }
    if values:
        update["ExpressionAttributeValues"] = values
    return {"Update": update}


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


def status_of(item: Mapping[str, Any] | None) -> str | None:
    """The status of a ledger entry read as plain values, None for no entry."""
    return str(item["status"]) if item and item.get("status") else None


class RewardRepository(Repository):
    """The reward ledger's reads and its one write (paying)."""

    # --- reads ---------------------------------------------------------------------------------------
    def get(self, ambassador_id: str, reward_id: str) -> LedgerEntry | None:
        """GetItem (strongly consistent: pay decides on it)."""
        got = self.client.get_item(
            TableName=self.table,
            Key=serialize(keys.reward(ambassador_id, reward_id)),
            ConsistentRead=True,
        )
        item = got.get("Item")
        return from_item(item) if item else None

    def list_page(self, limit: int, cursor: Mapping[str, Any] | None = None) -> Page[LedgerEntry]:
        """One page of every entry in order of the hire: Query gsi1 ``REWARDS``."""
        return pages.query_page(
            keys.GSI1,
            keys.REWARD_LIST,
            limit,
            cursor,
            from_item,
            is_position=self._is_listed,
            table=self.table,
            client=self.client,
        )

    @staticmethod
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
        self, ambassador_id: str, limit: int, cursor: Mapping[str, Any] | None = None
    ) -> Page[LedgerEntry]:
        """One page of one ambassador's entries (reward id order): Query ``AMB#<id>``,
        ``begins_with(sk, REWARD#)`` — no index needed. A cursor that is not a position among them is
        an :class:`InvalidInputError`."""
        partition = keys.ambassador(ambassador_id)["pk"]
        prefix = keys.rewards_of_ambassador_prefix()
        request: dict[str, Any] = {
            "TableName": self.table,
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
        got = self.client.query(**request)
        last = got.get("LastEvaluatedKey")
        return Page(
            items=[from_item(item) for item in got.get("Items", [])],
            cursor=deserialize(last) if last else None,
        )

    def of_ambassador(self, ambassador_id: str) -> list[LedgerEntry]:
        """Every entry of one ambassador (for their totals): the same Query, paged through."""
        out: list[LedgerEntry] = []
        cursor: dict[str, Any] | None = None
        while True:
            page = self.ambassador_page(ambassador_id, 1000, cursor)
            out.extend(page.items)
            if page.cursor is None:
                return out
            cursor = page.cursor

    # --- the one write ---------------------------------------------------------------------------------
    def mark_paid(self, entry: LedgerEntry, paid_at: datetime) -> LedgerEntry | None:
        """Mark ``entry`` paid — on the condition that it is still pending with the very
        ``eligible_at`` the caller judged eligible (compared as stored, so the timestamp format does
        not matter). The paid entry, or None when the condition failed (cancelled, paid or changed
        since it was read, or gone): the caller reads it again and decides anew."""
        got = transact.applied(
            self.client.update_item,
            TableName=self.table,
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
        return from_item(got["Attributes"]) if got is not None else None

    def hired_between(self, first: datetime, last: datetime) -> Iterator[LedgerEntry]:
        """Every entry whose hire is in [first, last], in order of the hire: Query gsi1 ``REWARDS``
        on a sort-key range (the mail's daily run finds the rewards whose holding period just
        ended)."""
        request: dict[str, Any] = {
            "TableName": self.table,
            "IndexName": keys.GSI1,
            "KeyConditionExpression": "#pk = :pk AND #sk BETWEEN :first AND :last",
            "ExpressionAttributeNames": {"#pk": keys.GSI1_PK, "#sk": keys.GSI1_SK},
            "ExpressionAttributeValues": serialize(
                {":pk": keys.REWARD_LIST, ":first": timestamp(first), ":last": timestamp(last) + "#~"}
            ),
        }
        for item in pages.query_all(request, client=self.client):
            yield from_item(item)

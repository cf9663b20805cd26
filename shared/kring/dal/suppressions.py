"""Suppressed addresses: an address that bounced for good or complained gets no more mail.

Keyed by the address's keyed hash (:func:`kring.links.identity.email_hash`, the same hash the
ambassadors' e-mail pointers use), never the address: the admin API shows the hash, the reason
and when, and the ambassador it belongs to when Kring knew one; deleting the item clears it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from kring.dal import batch, keys, pages
from kring.dal.items import deserialize, serialize
from kring.dal.repository import Repository
from kring.models.common import Page

ENTITY = "suppression"

Reason = Literal["bounce", "complaint"]


@dataclass(frozen=True)
class Suppression:
    address_hash: str
    reason: Reason
    detail: str
    suppressed_at: datetime
    ambassador_id: str | None = None


def to_item(suppression: Suppression) -> dict[str, Any]:
    return serialize(
        {
            **keys.suppression(suppression.address_hash),
            **keys.suppression_list_entry(suppression.address_hash),
            "entity": ENTITY,
            "address_hash": suppression.address_hash,
            "reason": suppression.reason,
            "detail": suppression.detail,
            "suppressed_at": suppression.suppressed_at.isoformat(),
            "ambassador_id": suppression.ambassador_id,
        }
    )


def from_item(item: Mapping[str, Any]) -> Suppression:
    data = deserialize(item)
    return Suppression(
        address_hash=str(data["address_hash"]),
        reason=data["reason"],
        detail=str(data.get("detail") or ""),
        suppressed_at=datetime.fromisoformat(str(data["suppressed_at"])),
        ambassador_id=data.get("ambassador_id"),
    )


def _is_listed(cursor: Mapping[str, str]) -> bool:
    pk = cursor.get(keys.PK, "")
    address_hash = pk.removeprefix("SUPPRESS#")
    return dict(cursor) == {**keys.suppression(address_hash), **keys.suppression_list_entry(address_hash)}


class SuppressionRepository(Repository):
    def get(self, address_hash: str) -> Suppression | None:
        got = self.client.get_item(TableName=self.table, Key=serialize(keys.suppression(address_hash)))
        item = got.get("Item")
        return from_item(item) if item else None

    def is_suppressed(self, address_hash: str) -> bool:
        got = self.client.get_item(
            TableName=self.table,
            Key=serialize(keys.suppression(address_hash)),
            ProjectionExpression="#pk",
            ExpressionAttributeNames={"#pk": keys.PK},
        )
        return bool(got.get("Item"))

    def suppressed_among(self, address_hashes: Iterable[str]) -> set[str]:
        """Which of ``address_hashes`` are suppressed: BatchGetItem, 100 a request, keys only."""
        wanted = list(dict.fromkeys(address_hashes))
        if not wanted:
            return set()
        found = batch.get(
            [serialize(keys.suppression(h)) for h in wanted],
            projection=[keys.PK],
            client=self.client,
            table=self.table,
        )
        return {str(item[keys.PK]["S"]).removeprefix("SUPPRESS#") for item in found}

    def suppress(self, suppression: Suppression) -> None:
        """Put (the latest reason wins; a second delivery of the same event writes the same item)."""
        self.client.put_item(TableName=self.table, Item=to_item(suppression))

    def clear(self, address_hash: str) -> bool:
        """Delete; whether there was one."""
        got = self.client.delete_item(
            TableName=self.table,
            Key=serialize(keys.suppression(address_hash)),
            ReturnValues="ALL_OLD",
        )
        return bool(got.get("Attributes"))

    def list_page(self, limit: int, cursor: Mapping[str, Any] | None = None) -> Page[Suppression]:
        return pages.query_page(
            keys.GSI1,
            keys.SUPPRESSION_LIST,
            limit,
            cursor,
            from_item,
            table=self.table,
            client=self.client,
            is_position=_is_listed,
        )

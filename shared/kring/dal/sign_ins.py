"""What signing in by a mailed link stores, for the ambassador portal and the talent team's
dashboard alike: single-use links, sessions and rate-limit counters.

Secrets are never stored: a link's token and a session's id are kept as keyed hashes (each realm
hashes its own kind, :mod:`kring.portal.tokens`), so a copy of the table signs nobody in. Links and
sessions carry ``expires_at`` (TTL) and are checked against the clock on every read, because TTL
deletes late. What a link or a session holds (whom it signs in, and the realm's extras) is a flat
mapping of strings; each realm's repository gives it its types.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from kring.dal import keys, transact
from kring.dal.items import deserialize, serialize, value
from kring.dal.repository import Repository

RATE_ENTITY = "rate_counter"


def epoch(moment: datetime) -> int:
    return int(moment.timestamp())


def _fields(item: Mapping[str, Any]) -> dict[str, str]:
    """The held strings of a link or session item (without its keys, entity and expiry)."""
    skip = {keys.PK, keys.SK, "entity", keys.TTL_ATTRIBUTE}
    return {k: str(v) for k, v in item.items() if k not in skip and v is not None}


class SignInStore(Repository):
    """Links, sessions and rate counters; each realm's repository subclasses it."""

    LINK_ENTITY = "sign_in"
    SESSION_ENTITY = "session"

    # --- sign-in links -------------------------------------------------------------------------------
    def put_link(self, token_hash: str, held: Mapping[str, str], *, expires_at: datetime) -> None:
        item: dict[str, Any] = {
            **keys.sign_in_link(token_hash),
            "entity": self.LINK_ENTITY,
            **{k: v for k, v in held.items() if v},
            keys.TTL_ATTRIBUTE: epoch(expires_at),
        }
        self.client.put_item(TableName=self.table, Item=serialize(item))

    def link_usable(self, token_hash: str, *, now: datetime) -> bool:
        """The link exists and has not expired (a read: showing its page uses nothing up)."""
        got = self.client.get_item(
            TableName=self.table, Key=serialize(keys.sign_in_link(token_hash)), ConsistentRead=True
        )
        item = deserialize(got.get("Item") or {})
        live = int(item.get(keys.TTL_ATTRIBUTE, 0)) > epoch(now)
        return bool(item) and item.get("entity") == self.LINK_ENTITY and live

    def use_link(self, token_hash: str, *, now: datetime) -> dict[str, str] | None:
        """Delete the link if it exists and has not expired, and return what it held: one
        conditional DeleteItem, so two uses at once sign in once. ``None``: used, expired, unknown."""
        got = transact.applied(
            self.client.delete_item,
            TableName=self.table,
            Key=serialize(keys.sign_in_link(token_hash)),
            ConditionExpression="attribute_exists(#pk) AND #exp > :now AND #entity = :entity",
            ExpressionAttributeNames={"#pk": keys.PK, "#exp": keys.TTL_ATTRIBUTE, "#entity": "entity"},
            ExpressionAttributeValues={":now": value(epoch(now)), ":entity": value(self.LINK_ENTITY)},
            ReturnValues="ALL_OLD",
        )
        if got is None:
            return None
        return _fields(deserialize(got.get("Attributes") or {}))

    # --- sessions ------------------------------------------------------------------------------------
    def put_session_fields(self, session_hash: str, held: Mapping[str, str], *, expires_at: int) -> None:
        item: dict[str, Any] = {
            **keys.signed_in_session(session_hash),
            "entity": self.SESSION_ENTITY,
            **{k: v for k, v in held.items() if v},
            keys.TTL_ATTRIBUTE: expires_at,
        }
        self.client.put_item(TableName=self.table, Item=serialize(item))

    def session_fields(self, session_hash: str, *, now: datetime) -> tuple[dict[str, str], int] | None:
        """What a live session of this realm holds, and when it expires."""
        # consistent: the first page after signing in reads the session just written
        got = self.client.get_item(
            TableName=self.table, Key=serialize(keys.signed_in_session(session_hash)), ConsistentRead=True
        )
        item = deserialize(got.get("Item") or {})
        if (
            not item
            or item.get("entity") != self.SESSION_ENTITY
            or int(item.get(keys.TTL_ATTRIBUTE, 0)) <= epoch(now)
        ):
            return None
        return _fields(item), int(item[keys.TTL_ATTRIBUTE])

    def delete_session(self, session_hash: str) -> None:
        self.client.delete_item(TableName=self.table, Key=serialize(keys.signed_in_session(session_hash)))

    # --- rate limits ---------------------------------------------------------------------------------
    def count(self, scope: str, window: str, *, limit: int, expires_at: datetime) -> bool:
        """Add one to the counter of ``scope`` in ``window`` unless it reached ``limit``: one
        conditional UpdateItem. False: the limit was reached (nothing added)."""
        done = transact.applied(
            self.client.update_item,
            TableName=self.table,
            Key=serialize(keys.rate_counter(scope, window)),
            UpdateExpression="ADD #n :one SET #exp = :exp, #entity = :entity",
            ConditionExpression="attribute_not_exists(#n) OR #n < :limit",
            ExpressionAttributeNames={"#n": "count", "#exp": keys.TTL_ATTRIBUTE, "#entity": "entity"},
            ExpressionAttributeValues={
                ":one": value(1),
                ":limit": value(limit),
                ":exp": value(epoch(expires_at)),
                ":entity": value(RATE_ENTITY),
            },
        )
        return done is not None

"""API tokens: one item each (``APITOKEN#<id>``), listed by Query on gsi1 ``APITOKENS``. The item
holds the keyed hash of the secret, never the secret. ``last_used_at`` is written at most once per
:data:`LAST_USED_EVERY` (a conditional UpdateItem, tried only when the read item is older), so a
busy automation costs a read per request, not a write."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from kring.dal import keys, pages, transact
from kring.dal.items import deserialize, serialize, timestamp, value
from kring.dal.repository import Repository
from kring.models.access import ApiToken
from kring.models.common import Page

ENTITY = "api_token"
LAST_USED_EVERY = timedelta(minutes=15)


def to_item(token: ApiToken) -> dict[str, Any]:
    return {
        **keys.api_token(token.id),
        **keys.api_token_list_entry(token.id),
        "entity": ENTITY,
        **token.model_dump(mode="json", exclude_none=True),
    }


def from_item(item: Mapping[str, Any]) -> ApiToken:
    data = deserialize(item)
    return ApiToken.model_validate({k: v for k, v in data.items() if k in ApiToken.model_fields})


class ApiTokenRepository(Repository):
    def create(self, token: ApiToken) -> None:
        with transact.conditional("a token with this id exists already"):
            self.client.put_item(
                TableName=self.table,
                Item=serialize(to_item(token)),
                ConditionExpression="attribute_not_exists(#pk)",
                ExpressionAttributeNames={"#pk": keys.PK},
            )

    def get(self, token_id: str) -> ApiToken | None:
        got = self.client.get_item(TableName=self.table, Key=serialize(keys.api_token(token_id)))
        return from_item(got["Item"]) if "Item" in got else None

    def delete(self, token_id: str) -> ApiToken | None:
        """Revoke: the token as it was, or None when there was none."""
        got = self.client.delete_item(
            TableName=self.table, Key=serialize(keys.api_token(token_id)), ReturnValues="ALL_OLD"
        )
        return from_item(got["Attributes"]) if "Attributes" in got else None

    def touch(self, token: ApiToken, now: datetime) -> bool:
        """Record a use at ``now`` when the last recorded one is older than :data:`LAST_USED_EVERY`
        (no request at all otherwise); True when written."""
        if token.last_used_at is not None and now - token.last_used_at < LAST_USED_EVERY:
            return False
        done = transact.applied(
            self.client.update_item,
            TableName=self.table,
            Key=serialize(keys.api_token(token.id)),
            UpdateExpression="SET #used = :now",
            ConditionExpression="attribute_exists(#pk) AND (attribute_not_exists(#used) OR #used < :cutoff)",
            ExpressionAttributeNames={"#pk": keys.PK, "#used": "last_used_at"},
            ExpressionAttributeValues={
                ":now": value(timestamp(now)),
                ":cutoff": value(timestamp(now - LAST_USED_EVERY)),
            },
        )
        return done is not None

    def page(self, limit: int, cursor: Mapping[str, Any] | None) -> Page[ApiToken]:
        return pages.query_page(
            keys.GSI1, keys.API_TOKEN_LIST, limit, cursor, from_item, table=self.table, client=self.client
        )

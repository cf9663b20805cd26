"""The talent team's digest recipients: one item each in the ``TEAMRCPTS`` collection (read all
with one Query: a team has a handful of addresses)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from kring.dal import keys, pages
from kring.dal.items import deserialize, serialize
from kring.dal.repository import Repository
from kring.models.team import TeamRecipient

if TYPE_CHECKING:
    pass

ENTITY = "team_recipient"


def to_item(recipient: TeamRecipient) -> dict[str, Any]:
    return serialize(
        {**keys.team_recipient(recipient.id), "entity": ENTITY, **recipient.model_dump(mode="json")}
    )


def from_item(item: Mapping[str, Any]) -> TeamRecipient:
    data = deserialize(item)
    return TeamRecipient.model_validate({k: v for k, v in data.items() if k in TeamRecipient.model_fields})


class TeamRecipientRepository(Repository):
    def all(self) -> list[TeamRecipient]:
        """Every recipient, in id order (one Query, paged through)."""
        request = {
            "TableName": self.table,
            "KeyConditionExpression": "#pk = :pk AND begins_with(#sk, :prefix)",
            "ExpressionAttributeNames": {"#pk": keys.PK, "#sk": keys.SK},
            "ExpressionAttributeValues": serialize(
                {":pk": keys.TEAM_RECIPIENT_LIST, ":prefix": keys.team_recipients_prefix()}
            ),
            "ConsistentRead": True,
        }
        return [from_item(item) for item in pages.query_all(request, client=self.client)]

    def get(self, recipient_id: str) -> TeamRecipient | None:
        got = self.client.get_item(
            TableName=self.table, Key=serialize(keys.team_recipient(recipient_id)), ConsistentRead=True
        )
        return from_item(got["Item"]) if "Item" in got else None

    def put(self, recipient: TeamRecipient) -> None:
        self.client.put_item(TableName=self.table, Item=to_item(recipient))

    def delete(self, recipient_id: str) -> bool:
        """Remove one; False when there was none."""
        got = self.client.delete_item(
            TableName=self.table, Key=serialize(keys.team_recipient(recipient_id)), ReturnValues="ALL_OLD"
        )
        return "Attributes" in got

"""Talent-team users: one item each (``TEAMUSER#<id>``), listed by Query on gsi1 ``TEAMUSERS``, and
a pointer from the address's keyed hash (``TEAMEMAIL#<hash>``) written in the same transaction, so
an address belongs to one user and a sign-in finds its user with one GetItem."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kring.dal import keys, pages, transact
from kring.dal.items import deserialize, serialize
from kring.dal.repository import Repository
from kring.errors import ConflictError, NotFoundError
from kring.models.access import TeamUser
from kring.models.common import Page

ENTITY = "team_user"
POINTER_ENTITY = "team_user_email"


def to_item(user: TeamUser, email_hash: str) -> dict[str, Any]:
    return {
        **keys.team_user(user.id),
        **keys.team_user_list_entry(user.id),
        "entity": ENTITY,
        "email_hash": email_hash,
        **user.model_dump(mode="json"),
    }


def from_item(item: Mapping[str, Any]) -> TeamUser:
    data = deserialize(item)
    return TeamUser.model_validate({k: v for k, v in data.items() if k in TeamUser.model_fields})


def _pointer(email_hash: str, user_id: str) -> dict[str, Any]:
    return {**keys.team_user_email(email_hash), "entity": POINTER_ENTITY, "user_id": user_id}


def _put_new_pointer(table: str, email_hash: str, user_id: str) -> dict[str, Any]:
    return {
        "Put": {
            "TableName": table,
            "Item": serialize(_pointer(email_hash, user_id)),
            "ConditionExpression": "attribute_not_exists(#pk)",
            "ExpressionAttributeNames": {"#pk": keys.PK},
        }
    }


class TeamUserRepository(Repository):
    def create(self, user: TeamUser, email_hash: str) -> None:
        """The user and their address pointer, or :class:`ConflictError` when the address is taken."""
        outcome = transact.write(
            self.client,
            [
                _put_new_pointer(self.table, email_hash, user.id),
                {
                    "Put": {
                        "TableName": self.table,
                        "Item": serialize(to_item(user, email_hash)),
                        "ConditionExpression": "attribute_not_exists(#pk)",
                        "ExpressionAttributeNames": {"#pk": keys.PK},
                    }
                },
            ],
            duplicate_at=0,
        )
        if outcome is not transact.Outcome.APPLIED:
            raise ConflictError("a user with this e-mail address exists already")

    def get(self, user_id: str) -> tuple[TeamUser, str] | None:
        """The user and their address hash."""
        got = self.client.get_item(
            TableName=self.table, Key=serialize(keys.team_user(user_id)), ConsistentRead=True
        )
        if "Item" not in got:
            return None
        return from_item(got["Item"]), str(deserialize(got["Item"])["email_hash"])

    def replace(self, user: TeamUser, old_hash: str, new_hash: str) -> None:
        """Write the changed user (moving the pointer when the address changed); ConflictError when
        the new address is another user's, NotFoundError when the user was deleted meanwhile."""
        actions: list[dict[str, Any]] = [
            {
                "Put": {
                    "TableName": self.table,
                    "Item": serialize(to_item(user, new_hash)),
                    "ConditionExpression": "attribute_exists(#pk)",
                    "ExpressionAttributeNames": {"#pk": keys.PK},
                }
            }
        ]
        if new_hash != old_hash:
            actions.append(_put_new_pointer(self.table, new_hash, user.id))
            actions.append(
                {"Delete": {"TableName": self.table, "Key": serialize(keys.team_user_email(old_hash))}}
            )
        outcome = transact.write(
            self.client, actions, missing_at=0, duplicate_at=1 if len(actions) > 1 else None
        )
        if outcome is transact.Outcome.MISSING:
            raise NotFoundError("no such user")
        if outcome is not transact.Outcome.APPLIED:
            raise ConflictError("a user with this e-mail address exists already")

    def delete(self, user_id: str) -> bool:
        """Remove the user and their pointer; False when there was none."""
        found = self.get(user_id)
        if found is None:
            return False
        _, email_hash = found
        outcome = transact.write(
            self.client,
            [
                {
                    "Delete": {
                        "TableName": self.table,
                        "Key": serialize(keys.team_user(user_id)),
                        "ConditionExpression": "attribute_exists(#pk)",
                        "ExpressionAttributeNames": {"#pk": keys.PK},
                    }
                },
                {"Delete": {"TableName": self.table, "Key": serialize(keys.team_user_email(email_hash))}},
            ],
            missing_at=0,
        )
        return outcome is transact.Outcome.APPLIED

    def by_email_hash(self, email_hash: str) -> str | None:
        """The id of the user whose address has this keyed hash."""
        got = self.client.get_item(
            TableName=self.table, Key=serialize(keys.team_user_email(email_hash)), ConsistentRead=True
        )
        user_id = deserialize(got.get("Item") or {}).get("user_id")
        return str(user_id) if user_id else None

    def page(self, limit: int, cursor: Mapping[str, Any] | None) -> Page[TeamUser]:
        return pages.query_page(
            keys.GSI1,
            keys.TEAM_USER_LIST,
            limit,
            cursor,
            from_item,
            table=self.table,
            client=self.client,
        )

"""What the ambassador portal stores: sign-in links, sessions, rate-limit counters, the portal's own
record of an ambassador (consent, networks, onboarding steps, goal) and invite credits.

Secrets are never stored: a sign-in link's token and a session's id are kept as keyed hashes
(:mod:`kring.portal.tokens`), so a copy of the table signs nobody in. Links and sessions carry
``expires_at`` (TTL) and are checked against the clock on every read, because TTL deletes late.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict

from kring.dal import keys, pages, transact
from kring.dal.items import deserialize, serialize, value
from kring.dal.repository import Repository
from kring.models.common import Network

SIGN_IN_ENTITY = "portal_sign_in"
SESSION_ENTITY = "portal_session"
RATE_ENTITY = "rate_counter"
PROFILE_ENTITY = "portal_profile"
INVITE_ENTITY = "portal_invite"
RECRUITED_ENTITY = "portal_recruited"


def _epoch(moment: datetime) -> int:
    return int(moment.timestamp())


@dataclass(frozen=True)
class SignIn:
    """A sign-in link's item: whom it signs in, and the invite code it came with (if any)."""

    ambassador_id: str
    invite: str | None


@dataclass(frozen=True)
class Session:
    ambassador_id: str
    csrf: str
    invite: str | None
    expires_at: int


class PortalProfile(BaseModel):
    """The portal's own record of an ambassador (one item, ``AMB#<id>`` / ``PORTAL``)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    volunteered: bool = False
    consent_version: str | None = None
    consented_at: AwareDatetime | None = None
    networks: tuple[Network, ...] = ()
    steps_done: tuple[str, ...] = ()
    goal_shares_per_month: int | None = None
    left: bool = False
    left_at: AwareDatetime | None = None
    updated_at: AwareDatetime | None = None


class PortalRepository(Repository):
    # --- sign-in links -------------------------------------------------------------------------------
    def put_sign_in(self, token_hash: str, sign_in: SignIn, *, expires_at: datetime) -> None:
        item: dict[str, Any] = {
            **keys.portal_sign_in(token_hash),
            "entity": SIGN_IN_ENTITY,
            "ambassador_id": sign_in.ambassador_id,
            keys.TTL_ATTRIBUTE: _epoch(expires_at),
        }
        if sign_in.invite:
            item["invite"] = sign_in.invite
        self.client.put_item(TableName=self.table, Item=serialize(item))

    def sign_in_usable(self, token_hash: str, *, now: datetime) -> bool:
        """The link exists and has not expired (a read: showing its page uses nothing up)."""
        got = self.client.get_item(
            TableName=self.table, Key=serialize(keys.portal_sign_in(token_hash)), ConsistentRead=True
        )
        item = deserialize(got.get("Item") or {})
        return bool(item) and int(item.get(keys.TTL_ATTRIBUTE, 0)) > _epoch(now)

    def use_sign_in(self, token_hash: str, *, now: datetime) -> SignIn | None:
        """Delete the link if it exists and has not expired, and return what it held: one
        conditional DeleteItem, so two uses at once sign in once. ``None``: used, expired, unknown."""
        got = transact.applied(
            self.client.delete_item,
            TableName=self.table,
            Key=serialize(keys.portal_sign_in(token_hash)),
            ConditionExpression="attribute_exists(#pk) AND #exp > :now",
            ExpressionAttributeNames={"#pk": keys.PK, "#exp": keys.TTL_ATTRIBUTE},
            ExpressionAttributeValues={":now": value(_epoch(now))},
            ReturnValues="ALL_OLD",
        )
        if got is None:
            return None
        item = deserialize(got.get("Attributes") or {})
        invite = item.get("invite")
        return SignIn(str(item["ambassador_id"]), str(invite) if invite else None)

    # --- sessions ------------------------------------------------------------------------------------
    def put_session(self, session_hash: str, session: Session) -> None:
        item: dict[str, Any] = {
            **keys.portal_session(session_hash),
            "entity": SESSION_ENTITY,
            "ambassador_id": session.ambassador_id,
            "csrf": session.csrf,
            keys.TTL_ATTRIBUTE: session.expires_at,
        }
        if session.invite:
            item["invite"] = session.invite
        self.client.put_item(TableName=self.table, Item=serialize(item))

    def get_session(self, session_hash: str, *, now: datetime) -> Session | None:
        # consistent: the first page after signing in reads the session just written
        got = self.client.get_item(
            TableName=self.table, Key=serialize(keys.portal_session(session_hash)), ConsistentRead=True
        )
        item = deserialize(got.get("Item") or {})
        if not item or int(item.get(keys.TTL_ATTRIBUTE, 0)) <= _epoch(now):
            return None
        invite = item.get("invite")
        return Session(
            ambassador_id=str(item["ambassador_id"]),
            csrf=str(item["csrf"]),
            invite=str(invite) if invite else None,
            expires_at=int(item[keys.TTL_ATTRIBUTE]),
        )

    def delete_session(self, session_hash: str) -> None:
        self.client.delete_item(TableName=self.table, Key=serialize(keys.portal_session(session_hash)))

    # --- rate limits ---------------------------------------------------------------------------------
    def count(self, scope: str, window: str, *, limit: int, expires_at: datetime) -> bool:
        """Add one to the counter of ``scope`` in ``window`` unless it reached ``limit``: one
        conditional UpdateItem. False: the limit was reached (nothing added)."""
        done = transact.applied(
            self.client.update_item,
            TableName=self.table,
            Key=serialize(keys.portal_rate(scope, window)),
            UpdateExpression="ADD #n :one SET #exp = :exp, #entity = :entity",
            ConditionExpression="attribute_not_exists(#n) OR #n < :limit",
            ExpressionAttributeNames={"#n": "count", "#exp": keys.TTL_ATTRIBUTE, "#entity": "entity"},
            ExpressionAttributeValues={
                ":one": value(1),
                ":limit": value(limit),
                ":exp": value(_epoch(expires_at)),
                ":entity": value(RATE_ENTITY),
            },
        )
        return done is not None

    # --- the portal's record of an ambassador --------------------------------------------------------
    def get_profile(self, ambassador_id: str) -> PortalProfile:
        got = self.client.get_item(
            TableName=self.table, Key=serialize(keys.portal_profile(ambassador_id)), ConsistentRead=True
        )
        return profile_from_item(got.get("Item"))

    def put_profile(self, ambassador_id: str, profile: PortalProfile, *, now: datetime) -> PortalProfile:
        stored = profile.model_copy(update={"updated_at": now})
        item = {
            **keys.portal_profile(ambassador_id),
            "entity": PROFILE_ENTITY,
            **stored.model_dump(mode="json"),
        }
        self.client.put_item(TableName=self.table, Item=serialize(item))
        return stored

    # --- invites -------------------------------------------------------------------------------------
    def put_invite(self, code: str, inviter_id: str) -> None:
        """Point an invite code at its inviter (idempotent: a code is derived from the inviter)."""
        item = {**keys.portal_invite(code), "entity": INVITE_ENTITY, "inviter_id": inviter_id}
        self.client.put_item(TableName=self.table, Item=serialize(item))

    def inviter_of(self, code: str) -> str | None:
        got = self.client.get_item(TableName=self.table, Key=serialize(keys.portal_invite(code)))
        inviter = deserialize(got.get("Item") or {}).get("inviter_id")
        return str(inviter) if inviter else None

    def credit_recruit(self, colleague_id: str, inviter_id: str, *, now: datetime) -> bool:
        """Credit ``inviter_id`` with recruiting ``colleague_id``, once: a PutItem conditional on
        no credit yet. False: the colleague was credited before (to this inviter or another)."""
        item = {
            **keys.portal_recruited(colleague_id),
            **keys.portal_recruits_entry(inviter_id, colleague_id),
            "entity": RECRUITED_ENTITY,
            "inviter_id": inviter_id,
            "recruited_at": now.isoformat(),
        }
        done = transact.applied(
            self.client.put_item,
            TableName=self.table,
            Item=serialize(item),
            ConditionExpression="attribute_not_exists(#pk)",
            ExpressionAttributeNames={"#pk": keys.PK},
        )
        return done is not None

    def recruited_by(self, colleague_id: str) -> str | None:
        got = self.client.get_item(TableName=self.table, Key=serialize(keys.portal_recruited(colleague_id)))
        inviter = deserialize(got.get("Item") or {}).get("inviter_id")
        return str(inviter) if inviter else None

    def recruits_of(self, inviter_id: str) -> list[str]:
        """The colleagues ``inviter_id`` recruited (Query gsi1 ``RECRUITS#<id>``)."""
        request: dict[str, Any] = {
            "TableName": self.table,
            "IndexName": keys.GSI1,
            "KeyConditionExpression": "#pk = :pk",
            "ExpressionAttributeNames": {"#pk": keys.GSI1_PK, "#sk": keys.GSI1_SK},
            "ExpressionAttributeValues": serialize({":pk": keys.portal_recruits_of(inviter_id)}),
            "ProjectionExpression": "#sk",
        }
        return [
            str(deserialize(item)[keys.GSI1_SK]).removeprefix("AMB#")
            for item in pages.query_all(request, client=self.client)
        ]


def profile_from_item(item: Mapping[str, Any] | None) -> PortalProfile:
    if not item:
        return PortalProfile()
    data = deserialize(item)
    return PortalProfile.model_validate({k: v for k, v in data.items() if k in PortalProfile.model_fields})

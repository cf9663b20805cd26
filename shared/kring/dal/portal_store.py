"""What the ambassador portal stores: its sign-in links, sessions and rate-limit counters (typed
over :class:`kring.dal.sign_ins.SignInStore`, which the talent team's dashboard shares), the portal's
own record of an ambassador (consent, networks, onboarding steps, goal) and invite credits.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict

from kring.dal import keys, pages, transact
from kring.dal.items import deserialize, serialize
from kring.dal.sign_ins import SignInStore
from kring.models.common import Network

PROFILE_ENTITY = "portal_profile"
INVITE_ENTITY = "portal_invite"
RECRUITED_ENTITY = "portal_recruited"


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


class PortalRepository(SignInStore):
    LINK_ENTITY = "portal_sign_in"
    SESSION_ENTITY = "portal_session"

    # --- sign-in links -------------------------------------------------------------------------------
    def put_sign_in(self, token_hash: str, sign_in: SignIn, *, expires_at: datetime) -> None:
        held = {"ambassador_id": sign_in.ambassador_id, "invite": sign_in.invite or ""}
        self.put_link(token_hash, held, expires_at=expires_at)

    def sign_in_usable(self, token_hash: str, *, now: datetime) -> bool:
        return self.link_usable(token_hash, now=now)

    def use_sign_in(self, token_hash: str, *, now: datetime) -> SignIn | None:
        """Use the link once (see :meth:`SignInStore.use_link`); ``None``: used, expired, unknown."""
        held = self.use_link(token_hash, now=now)
        if held is None:
            return None
        return SignIn(held["ambassador_id"], held.get("invite") or None)

    # --- sessions ------------------------------------------------------------------------------------
    def put_session(self, session_hash: str, session: Session) -> None:
        held = {"ambassador_id": session.ambassador_id, "csrf": session.csrf, "invite": session.invite or ""}
        self.put_session_fields(session_hash, held, expires_at=session.expires_at)

    def get_session(self, session_hash: str, *, now: datetime) -> Session | None:
        found = self.session_fields(session_hash, now=now)
        if found is None:
            return None
        held, expires_at = found
        return Session(
            ambassador_id=held["ambassador_id"],
            csrf=held["csrf"],
            invite=held.get("invite") or None,
            expires_at=expires_at,
        )

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

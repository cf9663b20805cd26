"""The dashboard's sign-in: a link mailed to a talent-team user's address, as in the portal
(:mod:`kring.access.mailed_links`: the same limits, on the ``team-`` scopes, and the same mail).

- :func:`request_link` — an address typed into the sign-in page: counted first, then, for a user
  whose address is not suppressed, a random token whose keyed hash (kind ``team-signin``) is kept
  for 15 minutes, and the mail. An unknown address gets the same answer.
- :func:`link_usable` — the link's page (``GET``) shows a button and uses nothing up.
- :func:`use_link` — the button (``POST``) uses the link (one conditional delete) and starts a
  session of 12 hours: a random id in the cookie, its keyed hash (kind ``team-session``) and a CSRF
  token in the table (:func:`start_session`, which single sign-on uses too: :mod:`kring.access.team_sso`).
  Signing in and out are written to the audit trail.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from kring import config
from kring.access import audit, mailed_links, members
from kring.dal.suppressions import SuppressionRepository
from kring.dal.team_sessions import TeamSession, TeamSessionRepository
from kring.errors import NotFoundError
from kring.integrations.ses import MailTransport, SesTransport
from kring.links.identity import email_hash
from kring.models.access import TeamUser
from kring.observability import logger
from kring.portal import tokens

SESSION_HOURS = 12
REALM = "team-"
LINK_KIND = "team-signin"
SESSION_KIND = "team-session"
SIGN_IN_ROUTE = "/dashboard/sign-in/{token}"
SIGN_OUT_ROUTE = "/dashboard/sign-out"

Requested = Literal["sent", "not_sent", "limited", "invalid"]


def request_link(address: str, *, now: datetime, transport: MailTransport | None = None) -> Requested:
    """Mail a sign-in link if ``address`` is a user's; what happened (the page answers ``sent`` and
    ``not_sent`` alike)."""
    if not address or len(address) > mailed_links.MAX_ADDRESS_LENGTH:
        return "invalid"
    address_hash = email_hash(address)
    if address_hash is None:
        return "invalid"
    repo = TeamSessionRepository()
    if not mailed_links.allowed(repo, REALM, address_hash, now):
        return "limited"
    user = members.of_address_hash(address_hash)
    if user is None or SuppressionRepository().is_suppressed(address_hash):
        logger.info("dashboard sign-in link not sent", extra={"known": user is not None})
        return "not_sent"
    token = tokens.new_secret()
    repo.put_sign_in(
        tokens.stored_hash(LINK_KIND, token),
        user.id,
        expires_at=now + timedelta(minutes=mailed_links.LINK_MINUTES),
    )
    mailed_links.send_link(
        to=str(user.email),
        name=user.name,
        locale=user.locale,
        url=f"{config.links().base}/dashboard/sign-in/{token}",
        transport=transport or SesTransport(),
    )
    logger.info("dashboard sign-in link sent", extra={"user_id": user.id})
    return "sent"


def link_usable(token: str, *, now: datetime) -> bool:
    return tokens.is_token(token) and TeamSessionRepository().link_usable(
        tokens.stored_hash(LINK_KIND, token), now=now
    )


@dataclass(frozen=True)
class SignedIn:
    """A session and whose it is."""

    cookie_value: str
    session: TeamSession
    user: TeamUser


def _audit(user: TeamUser, method: str, route: str, summary: str, now: datetime) -> None:
    audit.record(
        actor=f"user:{user.id}",
        actor_name=user.name,
        role=user.role,
        method=method,
        route=route,
        target=user.id,
        status=303,
        summary=summary,
        now=now,
    )


def use_link(token: str, *, now: datetime) -> SignedIn | None:
    """Use the link once and start a session; ``None`` when it is used, expired or unknown, or its
    user was removed meanwhile."""
    if not tokens.is_token(token):
        return None
    repo = TeamSessionRepository()
    user_id = repo.use_sign_in(tokens.stored_hash(LINK_KIND, token), now=now)
    if user_id is None:
        return None
    try:
        user = members.get(user_id)
    except NotFoundError:
        return None
    return start_session(user, now=now, method="POST", route=SIGN_IN_ROUTE, how="")


def start_session(user: TeamUser, *, now: datetime, method: str, route: str, how: str) -> SignedIn:
    """A session of :data:`SESSION_HOURS` for ``user``, however they proved who they are (the mailed
    link, or single sign-on: ``how`` is added to the audit entry's summary)."""
    session_id = tokens.new_secret()
    session = TeamSession(
        user_id=user.id,
        csrf=tokens.new_secret(),
        expires_at=int((now + timedelta(hours=SESSION_HOURS)).timestamp()),
    )
    TeamSessionRepository().put_session(tokens.stored_hash(SESSION_KIND, session_id), session)
    _audit(user, method, route, f"signed in to the dashboard{how}", now)
    return SignedIn(session_id, session, user)


def session_of(cookie_value: str | None, *, now: datetime) -> tuple[TeamSession, TeamUser] | None:
    """The live session of the cookie and its user as they are now (a removed user: None)."""
    if not cookie_value or not tokens.is_token(cookie_value):
        return None
    session = TeamSessionRepository().get_session(tokens.stored_hash(SESSION_KIND, cookie_value), now=now)
    if session is None:
        return None
    try:
        return session, members.get(session.user_id)
    except NotFoundError:
        return None


def end_session(cookie_value: str, user: TeamUser, *, now: datetime) -> None:
    TeamSessionRepository().delete_session(tokens.stored_hash(SESSION_KIND, cookie_value))
    _audit(user, "POST", SIGN_OUT_ROUTE, "signed out of the dashboard", now)

"""Signing in with a link mailed to the work address on the roster (no passwords).

- :func:`request_link` — an address typed into the sign-in page. Counted first
  (:func:`kring.access.mailed_links.allowed`), so an unknown address costs the same and answers the
  same as a known one. For an ambassador on the roster (the e-mail pointer, verified against the
  profile's own address hash) whose address is not suppressed, a random token is made, its keyed
  hash stored for 15 minutes, and the ``sign_in`` mail sent at once
  (:func:`kring.access.mailed_links.send_link`).
- :func:`request_link_for` — the same for an ambassador known by an invitation link (the button
  of the invitation's page): mailed to the address on the roster, under the same limits.
- :func:`link_usable` — the link's page (``GET``) shows a button and uses nothing up: a mail
  scanner that fetches the link signs nobody in.
- :func:`use_link` — the button (``POST``) uses the link (one conditional delete: single-use) and
  makes a session: a random id in the cookie, its keyed hash and a CSRF token in the table.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from kring import config
from kring.access import mailed_links
from kring.dal.ambassadors import AmbassadorRepository
from kring.dal.portal_store import PortalRepository, Session, SignIn
from kring.dal.suppressions import SuppressionRepository
from kring.integrations.ses import MailTransport, SesTransport
from kring.links.identity import email_hash
from kring.observability import logger
from kring.portal import tokens

LINK_MINUTES = mailed_links.LINK_MINUTES
SESSION_HOURS = 12
MAX_ADDRESS_LENGTH = mailed_links.MAX_ADDRESS_LENGTH

Requested = Literal["sent", "not_sent", "limited", "invalid"]


def _ambassador_of(address_hash: str) -> str | None:
    """The ambassador whose profile address has this hash (the e-mail pointer, verified)."""
    repo = AmbassadorRepository()
    ambassador_id = repo.pointed_by(address_hash)
    if ambassador_id is None:
        return None
    stored = repo.get(ambassador_id)
    if stored is None or email_hash(stored.email) != address_hash:
        return None  # a stale pointer (the address moved): it signs nobody in
    return ambassador_id


def request_link(
    address: str,
    *,
    invite: str | None,
    now: datetime,
    transport: MailTransport | None = None,
) -> Requested:
    """Mail a sign-in link if ``address`` is an ambassador's; what happened (the page shows the
    same answer for ``sent`` and ``not_sent``)."""
    if not address or len(address) > MAX_ADDRESS_LENGTH:
        return "invalid"
    address_hash = email_hash(address)
    if address_hash is None:
        return "invalid"
    if not mailed_links.allowed(PortalRepository(), "", address_hash, now):
        return "limited"
    ambassador_id = _ambassador_of(address_hash)
    if ambassador_id is None or SuppressionRepository().is_suppressed(address_hash):
        logger.info("sign-in link not sent", extra={"known": ambassador_id is not None})
        return "not_sent"
    return _mail_link(ambassador_id, invite, now, transport)


def request_link_for(
    ambassador_id: str, *, now: datetime, transport: MailTransport | None = None
) -> Requested:
    """Mail a sign-in link to the address on the roster of ``ambassador_id`` (an invitation's
    "sign in to join": the link names the person, the page never asks for an address), counted
    against the same per-address limit as :func:`request_link`."""
    stored = AmbassadorRepository().get(ambassador_id)
    address_hash = email_hash(stored.email) if stored is not None else None
    if address_hash is None:
        return "not_sent"
    if not mailed_links.allowed(PortalRepository(), "", address_hash, now):
        return "limited"
    if SuppressionRepository().is_suppressed(address_hash):
        logger.info("sign-in link not sent", extra={"known": True})
        return "not_sent"
    return _mail_link(ambassador_id, None, now, transport)


def _mail_link(
    ambassador_id: str, invite: str | None, now: datetime, transport: MailTransport | None
) -> Requested:
    token = tokens.new_secret()
    PortalRepository().put_sign_in(
        tokens.stored_hash("signin", token),
        SignIn(ambassador_id, invite if invite and tokens.is_invite_code(invite) else None),
        expires_at=now + timedelta(minutes=LINK_MINUTES),
    )
    _send(ambassador_id, token, transport or SesTransport())
    logger.info("sign-in link sent", extra={"ambassador_id": ambassador_id})
    return "sent"


def _send(ambassador_id: str, token: str, transport: MailTransport) -> None:
    stored = AmbassadorRepository().get(ambassador_id)
    if stored is None:
        return
    mailed_links.send_link(
        to=str(stored.email),
        name=stored.name,
        locale=stored.locale,
        url=f"{config.links().base}/portal/sign-in/{token}",
        transport=transport,
    )


def link_usable(token: str, *, now: datetime) -> bool:
    return tokens.is_token(token) and PortalRepository().sign_in_usable(
        tokens.stored_hash("signin", token), now=now
    )


@dataclass(frozen=True)
class NewSession:
    cookie_value: str
    session: Session


def use_link(token: str, *, now: datetime) -> NewSession | None:
    """Use the link once and start a session; ``None`` when it is used, expired or unknown."""
    if not tokens.is_token(token):
        return None
    repo = PortalRepository()
    used = repo.use_sign_in(tokens.stored_hash("signin", token), now=now)
    if used is None:
        return None
    session_id = tokens.new_secret()
    session = Session(
        ambassador_id=used.ambassador_id,
        csrf=tokens.new_secret(),
        invite=used.invite,
        expires_at=int((now + timedelta(hours=SESSION_HOURS)).timestamp()),
    )
    repo.put_session(tokens.stored_hash("session", session_id), session)
    return NewSession(session_id, session)


def session_of(cookie_value: str | None, *, now: datetime) -> Session | None:
    if not cookie_value or not tokens.is_token(cookie_value):
        return None
    return PortalRepository().get_session(tokens.stored_hash("session", cookie_value), now=now)


def end_session(cookie_value: str | None) -> None:
    if cookie_value and tokens.is_token(cookie_value):
        PortalRepository().delete_session(tokens.stored_hash("session", cookie_value))

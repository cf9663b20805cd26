"""Single sign-on to the dashboard with the organisation's identity provider over OpenID Connect
(Microsoft Entra ID, Google, Okta …): an option beside the mailed link, on when the template's
``OidcIssuer`` and ``OidcClientId`` are given (:class:`kring.config.OidcSettings`).

- :func:`start` — a random ``state`` (256 bits) whose keyed hash is kept for
  :data:`STATE_MINUTES` (nothing else is stored), and the provider's authorization URL. The
  ``nonce`` and the PKCE code verifier are derived from the state under the portal key, so neither
  is stored nor can be computed from the state alone. The state also goes into a short-lived cookie
  on ``/dashboard``, which binds the callback to the browser that began the sign-in.
- :func:`finish` — the callback: the state must be the cookie's and still kept (it is used up by
  one conditional delete, so a replayed callback is refused), the code is redeemed at the token
  endpoint and the ID token verified (:mod:`kring.integrations.oidc`). The verified address
  (:func:`verified_address`) must be an existing team user's, found by the same address-hash lookup
  as the mailed link; nobody is ever added here. Then the same session as the mailed link, and the
  audit entry "signed in to the dashboard (single sign-on)".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal
from urllib.parse import urlsplit

from kring import config
from kring.access import members, team_sign_in
from kring.dal.team_sessions import SsoStateRepository
from kring.errors import NotFoundError, TransientError
from kring.integrations import oidc
from kring.integrations.secrets import get_secret
from kring.links.identity import email_hash
from kring.observability import logger
from kring.portal import tokens

STATE_MINUTES = 10
STATE_KIND = "team-sso-state"
NONCE_KIND = "team-sso-nonce"
VERIFIER_KIND = "team-sso-verifier"
CALLBACK_ROUTE = "/dashboard/sso/callback"
MAX_CODE_LENGTH = 4096
# Microsoft Entra ID's sign-in hosts (its public and national clouds)
ENTRA_HOSTS = frozenset(
    {"login.microsoftonline.com", "login.microsoftonline.us", "login.partner.microsoftonline.cn"}
)
_YES = (True, "true", "True", 1, "1")

Refused = Literal["invalid", "cancelled", "no_address", "not_member", "unavailable"]


def enabled() -> bool:
    return config.oidc().enabled


def redirect_uri() -> str:
    """The callback the provider sends the browser back to (register it there)."""
    return f"{config.links().base}{CALLBACK_ROUTE}"


def _nonce(state: str) -> str:
    return tokens.stored_hash(NONCE_KIND, state)


def _verifier(state: str) -> str:
    return tokens.stored_hash(VERIFIER_KIND, state)  # 64 hex characters: a valid PKCE verifier


@dataclass(frozen=True)
class Started:
    url: str  # the provider's authorization URL
    state: str  # for the browser's cookie


def start(*, now: datetime) -> Started:
    """Begin a sign-in; NotFoundError when single sign-on is off, TransientError when the provider's
    discovery document cannot be read."""
    settings = config.oidc()
    if not settings.enabled:
        raise NotFoundError("single sign-on is not configured")
    provider = oidc.provider(settings.oidc_issuer)
    state = tokens.new_secret()
    SsoStateRepository().put_state(
        tokens.stored_hash(STATE_KIND, state), expires_at=now + timedelta(minutes=STATE_MINUTES)
    )
    url = provider.authorization_url(
        client_id=settings.oidc_client_id,
        redirect_uri=redirect_uri(),
        state=state,
        nonce=_nonce(state),
        verifier=_verifier(state),
    )
    return Started(url, state)


def verified_address(claims: Mapping[str, Any], issuer: str) -> str | None:
    """The address the provider vouches for, or None.

    - A provider that says whether the address is verified (Google, Okta, most): ``email``, only
      when ``email_verified`` is true.
    - Microsoft Entra ID, which sends no ``email_verified``: ``preferred_username`` (the account's
      sign-in name, its UPN, which the tenant's admin sets within the tenant's verified domains) —
      not ``email``, which Entra may carry unverified; ``email`` only when the token also carries
      Entra's optional claim ``xms_edov`` (the address's domain is verified by its owner).
    - Any other provider without ``email_verified``: None.
    """
    email = claims.get("email")
    if "email_verified" in claims:
        return email if isinstance(email, str) and claims["email_verified"] in _YES else None
    if urlsplit(issuer).hostname in ENTRA_HOSTS:
        if isinstance(email, str) and claims.get("xms_edov") in _YES:
            return email
        upn = claims.get("preferred_username")
        return upn if isinstance(upn, str) and "@" in upn else None
    return None


def finish(
    query: Mapping[str, str], cookie_state: str | None, *, now: datetime
) -> team_sign_in.SignedIn | Refused:
    """The callback's query (``state``, ``code`` or ``error``) and the state the browser's cookie
    holds: a session for the team user the provider vouches for, or why not."""
    settings = config.oidc()
    if not settings.enabled:
        raise NotFoundError("single sign-on is not configured")
    refused = _state_refused(query, cookie_state, now)
    if refused is not None:
        return refused
    found = _claims(settings, query["code"], query["state"])
    if isinstance(found, str):
        return found
    claims, issuer = found
    address = verified_address(claims, issuer)
    address_hash = email_hash(address) if address else None
    if address_hash is None:
        return "no_address"
    user = members.of_address_hash(address_hash)
    if user is None:
        logger.info("single sign-on: not a team user")  # the address itself is never logged
        return "not_member"
    return team_sign_in.start_session(
        user, now=now, method="GET", route=CALLBACK_ROUTE, how=" (single sign-on)"
    )


def _state_refused(query: Mapping[str, str], cookie_state: str | None, now: datetime) -> Refused | None:
    """None when the callback carries a code for a sign-in this browser began and nothing has
    finished yet (the state is used up here, once)."""
    state = query.get("state", "")
    if not tokens.is_token(state) or not tokens.same(state, cookie_state):
        return "invalid"  # not begun in this browser
    if not SsoStateRepository().use_state(tokens.stored_hash(STATE_KIND, state), now=now):
        return "invalid"  # used already (a replay), or too old
    if "error" in query:
        logger.info("single sign-on ended by the provider", extra={"error": query["error"][:100]})
        return "cancelled"
    code = query.get("code", "")
    return None if code and len(code) <= MAX_CODE_LENGTH else "invalid"


def _claims(settings: config.OidcSettings, code: str, state: str) -> tuple[dict[str, Any], str] | Refused:
    """The verified ID token's claims for ``code`` and the issuer that vouches for them."""
    secret = get_secret(settings.oidc_client_secret_name)
    if not secret:
        logger.error("single sign-on: the client secret is not configured")
        return "unavailable"
    try:
        provider = oidc.provider(settings.oidc_issuer)
        claims = provider.redeem(
            code=code,
            client_id=settings.oidc_client_id,
            client_secret=secret,
            redirect_uri=redirect_uri(),
            verifier=_verifier(state),
            nonce=_nonce(state),
        )
    except oidc.SignInRefused as exc:
        logger.warning("single sign-on refused", extra={"reason": str(exc)[:300]})
        return "invalid"
    except TransientError as exc:
        logger.warning("single sign-on: the provider could not be reached", extra={"reason": str(exc)[:300]})
        return "unavailable"
    return claims, provider.issuer

"""Who is asking the API: an ``Authorization: Bearer <token>`` header resolved to a
:class:`Principal` with a role.

- The **bootstrap** token is the configured secret ``admin-token`` (SSM in AWS, ``KRING_ADMIN_TOKEN``
  on the local stack), compared in constant time: always an admin, listed first, never revocable
  (rotate the secret to change it). With no secret configured it matches nothing.
- **API tokens** are made by an admin with a name and a role: ``kring_<id>_<secret>``. The id finds
  the item with one GetItem; the secret is checked against its keyed hash (``HMAC-SHA256`` under the
  ``portal-key`` secret, kind ``api-token``; rotating that key revokes every API token, as it ends
  every session). The secret is shown once, when the token is made.
"""

from __future__ import annotations

import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from kring.dal.api_tokens import ApiTokenRepository
from kring.errors import ConflictError, NotFoundError, UnauthorizedError
from kring.integrations.secrets import get_secret
from kring.models.access import ApiToken, Role
from kring.observability import logger
from kring.portal import tokens

if TYPE_CHECKING:
    from kring.models.common import Page

ADMIN_TOKEN_SECRET = "admin-token"  # noqa: S105 - the secret's name, not a secret
BOOTSTRAP = "bootstrap"
HASH_KIND = "api-token"
_SCHEME = "bearer"
_API_TOKEN = re.compile(r"^kring_(?P<id>[0-9a-f]{16})_[A-Za-z0-9_-]{43}$")


@dataclass(frozen=True)
class Principal:
    """Who made a request: ``actor`` is ``bootstrap``, ``token:<id>`` or ``user:<id>``."""

    actor: str
    name: str
    role: Role


BOOTSTRAP_PRINCIPAL = Principal(BOOTSTRAP, BOOTSTRAP, "admin")


def bearer_token(authorization: str | None) -> str | None:
    """The token of an ``Authorization: Bearer <token>`` header (scheme case-insensitive)."""
    if not authorization:
        return None
    scheme, _, token = authorization.strip().partition(" ")
    token = token.strip()
    if scheme.lower() != _SCHEME or not token:
        return None
    return token


def _is_bootstrap(presented: str) -> bool:
    expected = get_secret(ADMIN_TOKEN_SECRET)
    if expected is None:
        logger.warning("no admin-token secret is configured: the bootstrap token matches nothing")
        return False
    return hmac.compare_digest(presented.encode("utf-8"), expected.encode("utf-8"))


def authenticate(authorization: str | None, *, now: datetime) -> Principal:
    """The principal of the request's bearer token, or :class:`UnauthorizedError`."""
    presented = bearer_token(authorization)
    if presented is None:
        raise UnauthorizedError("a valid bearer token is required")
    match = _API_TOKEN.fullmatch(presented)
    if match is None:
        if _is_bootstrap(presented):
            return BOOTSTRAP_PRINCIPAL
        raise UnauthorizedError("a valid bearer token is required")
    repo = ApiTokenRepository()
    token = repo.get(match["id"])
    if token is None or not tokens.same(token.secret_hash, tokens.stored_hash(HASH_KIND, presented)):
        raise UnauthorizedError("a valid bearer token is required")
    repo.touch(token, now)
    return Principal(f"token:{token.id}", token.name, token.role)


def new_id() -> str:
    """A user's or a token's id: 64 random bits as 16 hex characters."""
    return secrets.token_hex(8)


def create_token(name: str, role: Role, *, by: Principal, now: datetime) -> tuple[ApiToken, str]:
    """A new token and its secret (the only time the secret exists outside the caller's hands)."""
    token_id = new_id()
    secret = f"kring_{token_id}_{tokens.new_secret()}"
    token = ApiToken(
        id=token_id,
        name=name,
        role=role,
        secret_hash=tokens.stored_hash(HASH_KIND, secret),
        created_at=now,
        created_by=by.actor,
    )
    ApiTokenRepository().create(token)
    return token, secret


def revoke_token(token_id: str) -> ApiToken:
    """Revoke (delete) a token: it stops working at once. The bootstrap token cannot be revoked."""
    if token_id == BOOTSTRAP:
        raise ConflictError(
            "the bootstrap token is the configured admin-token secret: rotate the secret to change it"
        )
    revoked = ApiTokenRepository().delete(token_id) if re.fullmatch(r"[0-9a-f]{16}", token_id) else None
    if revoked is None:
        raise NotFoundError("no such token")
    return revoked


def tokens_page(limit: int, cursor: dict[str, str] | None) -> Page[ApiToken]:
    return ApiTokenRepository().page(limit, cursor)

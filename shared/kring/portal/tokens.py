"""The portal's secrets: sign-in tokens, session ids, CSRF tokens and invite codes.

Tokens and session ids are 256 random bits (:func:`new_secret`); what is stored is
``HMAC-SHA256(portal key, kind + secret)`` (:func:`stored_hash`), so the table alone signs nobody
in. Invite codes are derived from the inviter's id under the same key (one stable, unguessable
code per ambassador, no write race). The key is the ``portal-key`` secret (SSM in AWS,
``KRING_PORTAL_KEY`` locally); rotating it ends every session and unused sign-in link, and
changes every invite code.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from functools import lru_cache

from kring.integrations.secrets import required_key

SECRET_NAME = "portal-key"  # noqa: S105 - the name of the SSM parameter, not a secret
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{43}$")  # 32 bytes, urlsafe base64 without padding
_INVITE = re.compile(r"^[A-Za-z0-9_-]{22}$")


@lru_cache(maxsize=1)
def _key() -> bytes:
    return required_key(SECRET_NAME)


def clear_cache() -> None:
    _key.cache_clear()


def _mac(message: str) -> bytes:
    return hmac.new(_key(), message.encode("utf-8"), hashlib.sha256).digest()


def new_secret() -> str:
    """A fresh random token (sign-in link, session id, CSRF token): 43 urlsafe characters."""
    return secrets.token_urlsafe(32)


def is_token(candidate: str) -> bool:
    """The format check made before any read: a malformed token costs nothing."""
    return _TOKEN.fullmatch(candidate) is not None


def stored_hash(kind: str, secret: str) -> str:
    """What the table keeps of a secret of ``kind`` (``signin``, ``session``)."""
    return _mac(f"{kind}\x00{secret}").hex()


def invite_code(ambassador_id: str) -> str:
    """The ambassador's personal invite code (22 urlsafe characters, 128 bits)."""
    return base64.urlsafe_b64encode(_mac(f"invite\x00{ambassador_id}")[:16]).decode("ascii").rstrip("=")


def is_invite_code(candidate: str) -> bool:
    return _INVITE.fullmatch(candidate) is not None


def same(expected: str, given: str | None) -> bool:
    return given is not None and hmac.compare_digest(expected.encode(), given.encode())

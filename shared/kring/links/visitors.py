"""Visitor identity without storing one: a keyed hash of IP address and user agent.

``visitor_hash = HMAC-SHA256(daily salt, ip + "\\n" + user agent)``, the first 16 bytes in hex,
where the daily salt is ``HMAC-SHA256(visitor key, "kring-visitor-salt:" + UTC date)``. The salt
is derived, never stored; it rotates at midnight UTC, so the same person gets unrelated hashes on
different days, and nobody without the visitor key (a secret in SSM) can test an IP address
against a hash. The raw IP address and user agent are never stored, logged or put on the bus.

Standard library only: the redirect imports this on its cold start.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import date

SECRET_NAME = "visitor-hash-key"  # noqa: S105 - the name of the SSM parameter, not a secret
_SALT_LABEL = b"kring-visitor-salt:"


def daily_salt(key: bytes, day: date) -> bytes:
    return hmac.new(key, _SALT_LABEL + day.isoformat().encode("ascii"), hashlib.sha256).digest()


def visitor_hash(salt: bytes, ip: str, user_agent: str) -> str:
    message = f"{ip}\n{user_agent}".encode("utf-8", "replace")
    return hmac.new(salt, message, hashlib.sha256).hexdigest()[:32]

"""People known without storing who they are: keyed hashes of e-mail addresses and ATS ids.

- :func:`email_hash` — ``HMAC-SHA256(identity key, "email:" + address, trimmed and lower-cased)``,
  the first 16 bytes in hex. The same for an ambassador's profile address and a candidate's or
  referrer's address in an ATS payload, so self-referral and referral records are matched without
  either address being stored.
- :func:`candidate_key` — the same HMAC over ``"candidate:" + provider + ":" + candidate id``: two
  applications of one candidate to one job are recognised as one, and the ATS id itself is not
  kept beside the attribution.

The key is the SSM secret ``identity-hash-key`` (``KRING_IDENTITY_HASH_KEY`` locally). Rotating
it breaks referral matching of existing pointers and the one-application-per-candidate rule for
applications already recorded; do not rotate it casually.
"""

from __future__ import annotations

import hashlib
import hmac
from functools import lru_cache

from kring.integrations.secrets import required_key

SECRET_NAME = "identity-hash-key"  # noqa: S105 - the name of the SSM parameter, not a secret


@lru_cache(maxsize=1)
def _key() -> bytes:
    return required_key(SECRET_NAME)


def clear_cache() -> None:
    _key.cache_clear()


def _hash(message: str) -> str:
    return hmac.new(_key(), message.encode("utf-8"), hashlib.sha256).hexdigest()[:32]


def normalise_email(address: str) -> str | None:
    """Trimmed and lower-cased; ``None`` for something that is not an address at all."""
    cleaned = address.strip().lower()
    local, at, domain = cleaned.partition("@")
    if not at or not local or "." not in domain or any(c.isspace() for c in cleaned):
        return None
    return cleaned


def email_hash(address: str) -> str | None:
    cleaned = normalise_email(address)
    return None if cleaned is None else _hash("email:" + cleaned)


def candidate_key(provider: str, candidate_id: str) -> str:
    return _hash(f"candidate:{provider}:{candidate_id}")

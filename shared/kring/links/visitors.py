"""Visitor identity without storing one: a keyed hash of IP address and user agent.

``visitor_hash = HMAC-SHA256(daily salt, ip + "\\n" + user agent)``, the first 16 bytes in hex,
where the daily salt is ``HMAC-SHA256(visitor key, "kring-visitor-salt:" + UTC date)``. The salt
is derived, never stored; it rotates at midnight UTC, so the same person gets unrelated hashes on
different days, and nobody without the visitor key (a secret in SSM) can test an IP address
against a hash. The raw IP address and user agent are never stored, logged or put on the bus.

``network_hash = HMAC-SHA256(daily salt, "net\\n" + network prefix)``, the first 16 bytes in hex: the
visitor's network (IPv4 /24, IPv6 /48) the same way, so that points count one click per network,
link and day however many user agents one address rotates through (:mod:`kring.points`). The
prefix is found with string operations only (no :mod:`ipaddress` on the cold start); anything
that is not an IP address is hashed as it is.

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


def network_prefix(ip: str) -> str:
    """The IPv4 /24 (``203.0.113``) or IPv6 /48 (``2001:db8:0``) of an address; an IPv4-mapped
    IPv6 address is its IPv4's; anything else is returned as it is."""
    address = ip.strip().split("%", 1)[0].lower()
    if "." in address:  # IPv4, or IPv4-mapped IPv6 (::ffff:203.0.113.9)
        v4 = address.rsplit(":", 1)[-1]
        parts = v4.split(".")
        if len(parts) == 4 and all(p.isascii() and p.isdigit() and len(p) <= 3 for p in parts):
            return ".".join(str(int(p)) for p in parts[:3])
        return address
    if ":" not in address:
        return address
    head, gap, tail = address.partition("::")
    head_groups = head.split(":") if head else []
    tail_groups = tail.split(":") if tail else []
    if gap:
        groups = head_groups + ["0"] * (8 - len(head_groups) - len(tail_groups)) + tail_groups
    else:
        groups = head_groups
    if len(groups) != 8 or not all(
        0 < len(g) <= 4 and all(c in "0123456789abcdef" for c in g) for g in groups
    ):
        return address
    return ":".join(format(int(g, 16), "x") for g in groups[:3])


def network_hash(salt: bytes, ip: str) -> str:
    message = ("net\n" + network_prefix(ip)).encode("utf-8", "replace")
    return hmac.new(salt, message, hashlib.sha256).hexdigest()[:32]

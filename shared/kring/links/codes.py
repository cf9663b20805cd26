"""Share links: the personal tracked link of one ambassador for one vacancy.

A code is the first :data:`SHARE_CODE_LENGTH` base62 digits of HMAC-SHA256(the vacancy's link key,
the ambassador id). The link key is 32 random bytes from :mod:`secrets`, drawn once per vacancy and
never leaving the table, so codes are as unguessable as random ones (≈ 59.5 bits) — and the same
ambassador and vacancy always gets the same code, which makes every write of a link idempotent.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Callable
from typing import Any

from kring import config
from kring.dal import share_links
from kring.models.common import BASE62, SHARE_CODE_LENGTH, Network, Page
from kring.models.vacancy import ShareLink

_CODE = re.compile(rf"^[0-9A-Za-z]{{{SHARE_CODE_LENGTH}}}$")


def derive_code(link_key: bytes, ambassador_id: str) -> str:
    return _code(hmac.new(link_key, ambassador_id.encode("utf-8"), hashlib.sha256))


def code_deriver(link_key: bytes) -> Callable[[str], str]:
    """:func:`derive_code` for one vacancy's ``link_key`` and many ambassadors: the keyed HMAC
    is made once and copied for each (the key's padding is not worked out again)."""
    keyed = hmac.new(link_key, digestmod=hashlib.sha256)

    def derive(ambassador_id: str) -> str:
        mac = keyed.copy()
        mac.update(ambassador_id.encode("utf-8"))
        return _code(mac)

    return derive


def _code(mac: hmac.HMAC) -> str:
    digest = int.from_bytes(mac.digest(), "big")
    digits = []
    for _ in range(SHARE_CODE_LENGTH):
        digest, remainder = divmod(digest, 62)
        digits.append(BASE62[remainder])
    return "".join(digits)


def is_share_code(candidate: str) -> bool:
    """The format check done before any lookup: a malformed code costs no database read."""
    return _CODE.fullmatch(candidate) is not None


CHANNEL_PARAMETER = "ch"


def link_url(code: str, channel: Network | None = None) -> str:
    """The tracked link an ambassador shares: ``{public base URL}/r/{code}``, with
    ``?ch={network}`` when it is shared through a share button, so the click knows its channel."""
    url = f"{config.links().base}/r/{code}"
    return f"{url}?{CHANNEL_PARAMETER}={channel}" if channel else url


def share_url(code: str, network: Network) -> str:
    """The ambassador's one-tap share button: ``{public base URL}/s/{code}/{network}``."""
    return f"{config.links().base}/s/{code}/{network}"


def list_vacancy_shares(vacancy_id: str, limit: int, cursor: dict[str, Any] | None) -> Page[ShareLink]:
    return share_links.ShareLinkRepository().list_for_vacancy(vacancy_id, limit, cursor)

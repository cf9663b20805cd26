"""From a share code to where the click goes: two cached GetItems on the low-level client.

- the link ``LINK#<code>`` / ``LINK`` → vacancy id and ambassador id (never changes once written;
  cached with a longer TTL so an erased link stops working within minutes);
- the vacancy ``VAC#<id>`` / ``VACANCY`` → url, status, provider, cached on its own so the
  thousands of links of one vacancy share one entry, with a short TTL that bounds how long a
  closed vacancy keeps being served.

Codes that are not in the table are remembered in a small LRU of their own, so a scan of random
codes cannot evict the real links from the main one. When the table cannot be read, an expired
entry is still served (stale beats nothing); without one, :class:`StoreUnavailable` is raised.
Raw attribute values, ``ProjectionExpression`` for only what is needed, eventually consistent.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from kring import aws
from kring.dal import keys
from kring.redirect.budget import UNLIMITED, Budget
from kring.redirect.cache import LruCache


@dataclass(frozen=True, slots=True)
class Link:
    code: str
    vacancy_id: str
    ambassador_id: str


@dataclass(frozen=True, slots=True)
class VacancyTarget:
    vacancy_id: str
    url: str | None
    status: str
    provider: str | None

    @property
    def live(self) -> bool:
        return self.status == "published" and bool(self.url)


class StoreUnavailable(Exception):
    """The table could not be read (timeout, throttling, no permission, …) and nothing cached."""


def _text(item: dict[str, Any], name: str) -> str | None:
    attribute = item.get(name)
    if not attribute or "S" not in attribute:
        return None
    text: str = attribute["S"]
    return text


def _attribute_key(key: keys.Key) -> dict[str, Any]:
    return {name: {"S": text} for name, text in key.items()}


class Resolver:
    def __init__(
        self,
        table_name: str,
        *,
        link_cache: LruCache[str, Link],
        vacancy_cache: LruCache[str, VacancyTarget],
        missing_codes: LruCache[str, bool],
        client: Callable[[], Any] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._table = table_name
        self._links = link_cache
        self._vacancies = vacancy_cache
        self._missing = missing_codes
        self._client = client or (lambda: aws.hot_path_client("dynamodb"))
        self._clock = clock

    def link(self, code: str, budget: Budget = UNLIMITED) -> Link | None:
        """The link of ``code``, or None if there is none."""
        now = self._clock()
        if (cached := self._links.get(code, now)) is not None:
            return cached
        if self._missing.get(code, now):
            return None
        try:
            item = self._get(keys.share_link(code), "vacancy_id, ambassador_id", None, budget)
        except StoreUnavailable:
            if (stale := self._links.stale(code)) is not None:
                return stale
            raise
        vacancy_id = _text(item, "vacancy_id") if item else None
        ambassador_id = _text(item, "ambassador_id") if item else None
        if not vacancy_id or not ambassador_id:
            self._links.discard(code)
            self._missing.put(code, True, now)
            return None
        link = Link(code, vacancy_id, ambassador_id)
        self._links.put(code, link, now)
        return link

    def vacancy(self, vacancy_id: str, budget: Budget = UNLIMITED) -> VacancyTarget:
        """Where the vacancy lives and whether it is open; a vanished vacancy reads as closed."""
        now = self._clock()
        if (cached := self._vacancies.get(vacancy_id, now)) is not None:
            return cached
        try:
            item = self._get(
                keys.vacancy(vacancy_id),
                "#u, #s, #p",
                {"#u": "url", "#s": "status", "#p": "provider"},
                budget,
            )
        except StoreUnavailable:
            if (stale := self._vacancies.stale(vacancy_id)) is not None:
                return stale
            raise
        if item is None:
            target = VacancyTarget(vacancy_id, url=None, status="missing", provider=None)
        else:
            target = VacancyTarget(
                vacancy_id,
                url=_text(item, "url"),
                status=_text(item, "status") or "draft",
                provider=_text(item, "provider"),
            )
        self._vacancies.put(vacancy_id, target, now)
        return target

    def _get(
        self, key: keys.Key, projection: str, names: dict[str, str] | None, budget: Budget
    ) -> dict[str, Any] | None:
        if not budget.allows_call():
            raise StoreUnavailable(f"GetItem {key['pk']}: no time left")
        request: dict[str, Any] = {
            "TableName": self._table,
            "Key": _attribute_key(key),
            "ProjectionExpression": projection,
        }
        if names:
            request["ExpressionAttributeNames"] = names
        try:
            got = self._client().get_item(**request)
        except (BotoCoreError, ClientError) as exc:
            raise StoreUnavailable(f"GetItem {key['pk']}: {exc}") from exc
        item: dict[str, Any] | None = got.get("Item")
        return item

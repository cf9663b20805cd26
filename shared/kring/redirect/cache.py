"""A bounded in-memory LRU cache with an optional time to live, for one Lambda container.

Entries past their TTL are not served as fresh, but they are kept (until evicted) so that the
redirect can still use one when the table cannot be read: a slightly stale link beats no link.
Not thread-safe; a Lambda container handles one request at a time.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Generic, TypeVar

K = TypeVar("K")
V = TypeVar("V")


class LruCache(Generic[K, V]):
    def __init__(self, max_size: int, ttl_seconds: float | None = None) -> None:
        if max_size < 1:
            raise ValueError("max_size must be at least 1")
        self.max_size = max_size
        self.ttl_seconds = ttl_seconds
        self._entries: OrderedDict[K, tuple[V, float]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: K, now: float = 0.0) -> V | None:
        """The fresh value for ``key`` (and mark it recently used), else None."""
        entry = self._entries.get(key)
        if entry is None:
            return None
        value, stored_at = entry
        if self.ttl_seconds is not None and now - stored_at >= self.ttl_seconds:
            return None
        self._entries.move_to_end(key)
        return value

    def stale(self, key: K) -> V | None:
        """The value for ``key`` however old it is (the fallback when a refresh fails)."""
        entry = self._entries.get(key)
        return entry[0] if entry is not None else None

    def put(self, key: K, value: V, now: float = 0.0) -> None:
        self._entries[key] = (value, now)
        self._entries.move_to_end(key)
        while len(self._entries) > self.max_size:
            self._entries.popitem(last=False)

    def discard(self, key: K) -> None:
        self._entries.pop(key, None)

    def clear(self) -> None:
        self._entries.clear()

"""The bounded caches in front of the redirect's two GetItems: TTLs, eviction, misses kept apart,
stale entries served when the table cannot be read, and the time budget. A fake client stands in
for DynamoDB (the integration tests run the real one under moto)."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ConnectTimeoutError

from kring.dal import keys
from kring.redirect.budget import Budget
from kring.redirect.cache import LruCache
from kring.redirect.resolve import Link, Resolver, StoreUnavailable, VacancyTarget


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class FakeTable:
    def __init__(self) -> None:
        self.items: dict[str, dict[str, Any]] = {}
        self.requests: list[dict[str, Any]] = []
        self.down = False

    def get_item(self, **request: Any) -> dict[str, Any]:
        self.requests.append(request)
        if self.down:
            raise ConnectTimeoutError(endpoint_url="https://dynamodb.eu-west-1.amazonaws.com")
        item = self.items.get(request["Key"]["pk"]["S"])
        return {"Item": item} if item is not None else {}


def _link(code: str, vacancy_id: str = "greenhouse-1", ambassador_id: str = "E1") -> dict[str, Any]:
    return {"vacancy_id": {"S": vacancy_id}, "ambassador_id": {"S": ambassador_id}}


@pytest.fixture
def table() -> FakeTable:
    fake = FakeTable()
    fake.items[keys.share_link("AAAAAAAAAA")["pk"]] = _link("AAAAAAAAAA")
    fake.items[keys.share_link("BBBBBBBBBB")["pk"]] = _link("BBBBBBBBBB", ambassador_id="E2")
    fake.items[keys.vacancy("greenhouse-1")["pk"]] = {
        "url": {"S": "https://job-boards.greenhouse.io/acme/jobs/1"},
        "status": {"S": "published"},
        "provider": {"S": "greenhouse"},
    }
    return fake


def _resolver(table: FakeTable, clock: Clock, links: int = 10) -> Resolver:
    return Resolver(
        "kring-test",
        link_cache=LruCache(links, 300),
        vacancy_cache=LruCache(10, 60),
        missing_codes=LruCache(2, 300),
        client=lambda: table,
        clock=clock,
    )


def test_the_reads_are_getitems_with_a_projection_on_the_keys_of_kring_dal_keys(table: FakeTable) -> None:
    resolver = _resolver(table, Clock())
    assert resolver.link("AAAAAAAAAA") == Link("AAAAAAAAAA", "greenhouse-1", "E1")
    assert resolver.vacancy("greenhouse-1") == VacancyTarget(
        "greenhouse-1", "https://job-boards.greenhouse.io/acme/jobs/1", "published", "greenhouse"
    )
    link_read, vacancy_read = table.requests
    assert link_read["Key"] == {"pk": {"S": "LINK#AAAAAAAAAA"}, "sk": {"S": "LINK"}}
    assert link_read["ProjectionExpression"] == "vacancy_id, ambassador_id"
    assert vacancy_read["Key"] == {"pk": {"S": "VAC#greenhouse-1"}, "sk": {"S": "VACANCY"}}
    assert set(vacancy_read["ExpressionAttributeNames"].values()) == {"url", "status", "provider"}
    assert "ConsistentRead" not in link_read


def test_a_vacancy_is_cached_for_its_ttl_then_read_again(table: FakeTable) -> None:
    clock = Clock()
    resolver = _resolver(table, clock)
    resolver.vacancy("greenhouse-1")
    clock.now += 59
    resolver.vacancy("greenhouse-1")
    assert len(table.requests) == 1
    table.items[keys.vacancy("greenhouse-1")["pk"]]["status"] = {"S": "closed"}
    clock.now += 1
    assert resolver.vacancy("greenhouse-1").live is False
    assert len(table.requests) == 2


def test_the_link_cache_is_bounded(table: FakeTable) -> None:
    resolver = _resolver(table, Clock(), links=1)
    resolver.link("AAAAAAAAAA")
    resolver.link("BBBBBBBBBB")
    resolver.link("AAAAAAAAAA")  # evicted by B: read again
    assert len(table.requests) == 3


def test_unknown_codes_are_remembered_apart_so_a_scan_cannot_evict_real_links(table: FakeTable) -> None:
    resolver = _resolver(table, Clock(), links=1)
    resolver.link("AAAAAAAAAA")
    for n in range(5):
        assert resolver.link(f"ZZZZZZZZZ{n}") is None
    assert resolver.link("ZZZZZZZZZ4") is None  # still remembered
    requests = len(table.requests)
    assert resolver.link("AAAAAAAAAA") is not None
    assert len(table.requests) == requests  # the real link was not pushed out


def test_a_vanished_vacancy_reads_as_not_live(table: FakeTable) -> None:
    target = _resolver(table, Clock()).vacancy("greenhouse-404")
    assert target.live is False


def test_when_the_table_is_down_a_stale_entry_is_served_and_without_one_it_raises(table: FakeTable) -> None:
    clock = Clock()
    resolver = _resolver(table, clock)
    resolver.link("AAAAAAAAAA")
    resolver.vacancy("greenhouse-1")
    table.down = True
    clock.now += 3600
    assert resolver.link("AAAAAAAAAA") == Link("AAAAAAAAAA", "greenhouse-1", "E1")
    assert resolver.vacancy("greenhouse-1").live is True
    with pytest.raises(StoreUnavailable):
        resolver.link("BBBBBBBBBB")


def test_no_read_is_started_without_time_for_its_worst_case(table: FakeTable) -> None:
    resolver = _resolver(table, Clock())
    with pytest.raises(StoreUnavailable, match="no time left"):
        resolver.link("AAAAAAAAAA", Budget(lambda: 2_000))
    assert table.requests == []
    assert resolver.link("AAAAAAAAAA", Budget(lambda: 4_900)) is not None


def test_lru_cache_moves_hits_to_the_end() -> None:
    cache: LruCache[str, int] = LruCache(2)
    cache.put("a", 1)
    cache.put("b", 2)
    assert cache.get("a") == 1  # a is now the most recent
    cache.put("c", 3)
    assert cache.get("b") is None
    assert (cache.get("a"), cache.get("c")) == (1, 3)
    with pytest.raises(ValueError, match="max_size"):
        LruCache(0)

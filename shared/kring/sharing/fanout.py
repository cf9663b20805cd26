"""The share fan-out: a published vacancy becomes one personal share link per eligible ambassador.

One message of the fan-out queue is one page of the sparse eligibility index (opted in, phase
Decision or Evangelize, not dormant). For that page:

1. keep the ambassadors whose interests match the vacancy (empty interests match everything;
   otherwise the department, location or a tag, case-insensitively);
2. derive each one's code (:mod:`kring.links.codes`) and drop those whose link already exists — a
   redelivered or re-published vacancy gives no one a second link, and counts no one twice. While
   one fan-out alone has written the vacancy's links (its event created the vacancy's link key,
   and no other fan-out of the vacancy has begun since) it skips this read — a BatchGetItem per
   100 ambassadors: none of the links it is about to write can exist but its own;
3. drop those at their weekly share cap (ledgers read for capped ambassadors only);
4. emit ``SharesCreated`` for the page's new links — before writing them, so an announcement is
   never lost (at least once, as every EventBridge event);
5. count them: ``shares`` on the vacancy's and the programme's day items (one shard each), with a
   marker for the page in the same TransactWriteItems, so a retried page never counts twice;
6. write the new links, and the ledgers they change, 25 items a BatchWriteItem, and put the next
   page on the queue; the last page of a fan-out that wrote the vacancy's links alone marks the
   link key shared, so a catch-up (:mod:`kring.sharing.catchup`) that later gives someone a link
   of the vacancy need not.

The matching rule (:func:`matches`) and the cap rule (:func:`within_cap`) are the catch-up's too.

A page is applied once per (origin event, page number): Powertools idempotency guards it, and the
writes are idempotent anyway (a link's key is its code; a ledger is a set). The idempotency record
does not cover a page that failed after its count (a failed link write, a timeout): the retry
decides the same links again — without the existing-link read while it is the only writer —, so
the count has its own marker. The count is the page's first decision, like the announcement; a
retry that decides differently (an ambassador opted out in between) is not re-counted.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any, Protocol

from kring.clicks.counting import SHARES, day_of
from kring.dal import batch, keys, share_caps, share_counts, share_links
from kring.dal.ambassadors import AmbassadorRepository
from kring.dal.link_activity import LinkActivityRepository
from kring.dal.share_counts import PageCounted
from kring.dal.transact import Outcome
from kring.dal.vacancies import VacancyRepository
from kring.errors import TransientError
from kring.events import SharesCreated, VacancyPublished
from kring.idempotency import idempotent
from kring.integrations.eventbridge import EventPublisher
from kring.integrations.sqs import PageQueue
from kring.links.codes import derive_code
from kring.models.ambassador import Candidate
from kring.models.link_stats import Increment, Plan
from kring.models.vacancy import ShareLink
from kring.observability import logger, metrics
from kring.queues import FanoutPage

SHARES_PER_EVENT = 500  # SharesCreated.ambassador_ids holds at most this many
# The page's count marker outlives every redelivery of the page: 4 days in FanoutQueue (SQS's
# default), 14 in FanoutDLQ, and a redrive.
SHARES_COUNTED_RETENTION = timedelta(days=30)
MAX_COUNT_ATTEMPTS = 6
MAX_VACANCIES_PER_COUNT = 98  # + the marker and the programme's day item: TransactWriteItems' 100


@dataclass(frozen=True)
class PageResult:
    candidates: int
    created: int
    already_shared: int
    not_interested: int
    capped: int
    next_page: bool
    skipped_reason: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return self.__dict__.copy()


class Offer(Protocol):
    """What the matching rule reads of a vacancy: the event's, or the stored vacancy's."""

    @property
    def department(self) -> str | None: ...
    @property
    def location(self) -> str | None: ...
    @property
    def tags(self) -> tuple[str, ...]: ...


def matches(ambassador: Candidate, vacancy: Offer) -> bool:
    """The one matching rule (the fan-out's, and the digests'): an ambassador without interests
    matches every vacancy; otherwise one of their interests is the vacancy's department, location
    or a tag, case-insensitively."""
    if not ambassador.interests:
        return True
    wanted = {i.casefold() for i in ambassador.interests}
    offered = {v.casefold() for v in (vacancy.department, vacancy.location, *vacancy.tags) if v}
    return not wanted.isdisjoint(offered)


def within_cap(cap: int | None, this_week: Collection[str], vacancy_ids: Sequence[str]) -> list[str]:
    """The one cap rule (the fan-out's, and the catch-up's): of ``vacancy_ids``, in their order,
    those an ambassador with weekly ``cap`` (None: no cap) may be given links for, when this ISO
    week they were given links for ``this_week`` already. A vacancy already in the week's ledger
    never counts twice; a new one only while the week has room."""
    if cap is None:
        return list(vacancy_ids)
    room = cap - len(this_week)
    out: list[str] = []
    for vacancy_id in vacancy_ids:
        if vacancy_id in this_week:
            out.append(vacancy_id)
        elif room > 0:
            out.append(vacancy_id)
            room -= 1
    return out


def _current(vacancy: VacancyPublished) -> VacancyPublished | None:
    """The vacancy as stored now (department and location may have been completed since the
    event), or None when it is no longer published: a closed vacancy gets no new links."""
    stored = VacancyRepository().get(vacancy.vacancy_id)
    if stored is None:
        return vacancy
    current = stored.vacancy
    if current.status != "published":
        return None
    return vacancy.model_copy(
        update={"department": current.department, "location": current.location, "tags": current.tags}
    )


@idempotent(
    "join(':', [origin_event_id, to_string(page)])",  # = FanoutPage.page_id
    stored_as="kring.fanout.fan_out_page",  # its records' name before it moved into sharing/
)
def fan_out_page(
    *, record: FanoutPage, publisher: EventPublisher, queue: PageQueue, page_size: int, now: datetime
) -> dict[str, Any]:
    """Apply one page; returns a summary (JSON-able: it is what a repeat of the page returns)."""
    vacancy = _current(record.vacancy)
    if vacancy is None:
        logger.info("vacancy no longer published: no links", extra={"vacancy_id": record.vacancy.vacancy_id})
        return PageResult(0, 0, 0, 0, 0, next_page=False, skipped_reason="not_published").as_dict()
    key = share_links.ShareLinkRepository().link_key(vacancy.vacancy_id, fan_out=record.origin_event_id)
    page = AmbassadorRepository().eligible_page(page_size, record.cursor)
    result = _share(
        vacancy,
        page.items,
        key.secret,
        page_id=record.page_id,
        links_may_exist=key.only_writer != record.origin_event_id,
        publisher=publisher,
        now=now,
        correlation_id=vacancy.correlation_id,
    )
    if page.cursor is None and key.only_writer == record.origin_event_id:
        # the fan-out is done: whoever writes the vacancy's links next (a catch-up, a re-publish)
        # need not mark the key itself
        share_links.ShareLinkRepository().mark_shared(vacancy.vacancy_id)
    if page.cursor is not None:
        following = FanoutPage(
            origin_event_id=record.origin_event_id,
            page=record.page + 1,
            vacancy=record.vacancy,
            cursor=page.cursor,
        )
        queue.enqueue(following.model_dump_json(), dedup_key=following.page_id)
    summary = replace(result, next_page=page.cursor is not None)
    metrics.add_metric(name="ShareLinksCreated", unit="Count", value=summary.created)
    logger.info("fan-out page applied", extra={"page_id": record.page_id, "result": summary.as_dict()})
    return summary.as_dict()


def _share(
    vacancy: VacancyPublished,
    candidates: list[Candidate],
    link_key: bytes,
    *,
    page_id: str,
    links_may_exist: bool,
    publisher: EventPublisher,
    now: datetime,
    correlation_id: str,
) -> PageResult:
    interested = [a for a in candidates if matches(a, vacancy)]
    codes = {a.id: derive_code(link_key, a.id) for a in interested}
    existing = (
        share_links.ShareLinkRepository().existing_codes(codes.values())
        if codes and links_may_exist
        else set()
    )
    new = [a for a in interested if codes[a.id] not in existing]

    week = share_caps.iso_week(now)
    capped_ids = [a.id for a in new if a.share_cap_per_week is not None]
    given = share_caps.ShareCapRepository().ledgers(capped_ids, week) if capped_ids else {}
    chosen: list[Candidate] = []
    ledger_writes: list[dict[str, Any]] = []
    for ambassador in new:
        this_week = given.get(ambassador.id, set())
        allowed = within_cap(ambassador.share_cap_per_week, this_week, [vacancy.vacancy_id])
        if not allowed:
            continue
        if ambassador.share_cap_per_week is not None:
            ledger_writes.append(share_caps.put_request(ambassador.id, week, this_week | set(allowed), now))
        chosen.append(ambassador)

    links = [
        ShareLink(code=codes[a.id], vacancy_id=vacancy.vacancy_id, ambassador_id=a.id, created_at=now)
        for a in chosen
    ]
    # Announce, then write: a failure after the announcement retries the page, which announces the
    # links it still has to write again (at least once, like every EventBridge event); the other
    # order would lose the announcement of links written just before a crash.
    if links:
        publisher.publish(
            [
                SharesCreated(
                    vacancy_id=vacancy.vacancy_id,
                    ambassador_ids=tuple(link.ambassador_id for link in links[i : i + SHARES_PER_EVENT]),
                    correlation_id=correlation_id,
                )
                for i in range(0, len(links), SHARES_PER_EVENT)
            ]
        )
        count_shares(page_id, vacancy.vacancy_id, len(links), now)
    batch.write(share_links.put_requests(links) + ledger_writes)
    return PageResult(
        candidates=len(candidates),
        created=len(links),
        already_shared=len(interested) - len(new),
        not_interested=len(candidates) - len(interested),
        capped=len(new) - len(chosen),
        next_page=False,
    )


def count_shares(
    page_id: str, vacancy_id: str, created: int, now: datetime, *, sleep: Callable[[float], None] = time.sleep
) -> bool:
    """ADD ``created`` to ``shares`` on the vacancy's and the programme's day items (the UTC day of
    ``now``, one shard by the page id), once per page: the page's marker is Put on
    ``attribute_not_exists`` in the same TransactWriteItems (3 items, 6 write units a page — a page
    writes up to 500 links at 1 unit each). False when the page was counted before. A transaction
    conflict (a click being recorded on the same shard) is retried; if it persists,
    :class:`TransientError`, so the page is retried."""
    return count_shares_of(page_id, {vacancy_id: created}, now, sleep=sleep)


def count_shares_of(
    count_id: str,
    created: Mapping[str, int],
    now: datetime,
    *,
    sleep: Callable[[float], None] = time.sleep,
) -> bool:
    """:func:`count_shares` for the new links of several vacancies (by vacancy id) in one
    transaction: the marker ``count_id``, the programme's day item and each vacancy's — at most
    :data:`MAX_VACANCIES_PER_COUNT` vacancies (TransactWriteItems holds 100 actions)."""
    if len(created) > MAX_VACANCIES_PER_COUNT:
        raise ValueError(f"one count holds at most {MAX_VACANCIES_PER_COUNT} vacancies")
    day = day_of(now)
    shard = hashlib.blake2b(count_id.encode("utf-8"), digest_size=2).digest()[0] % keys.STATS_SHARDS
    marker = PageCounted(
        page_id=count_id,
        vacancy_id=" ".join(sorted(created)),
        created=sum(created.values()),
        day=day,
        expires_at=int((now + SHARES_COUNTED_RETENTION).timestamp()),
    )
    plan = Plan(
        marker_key=keys.shares_counted(count_id),
        marker=share_counts.to_item(marker),
        increments=(
            *(
                Increment(keys.vacancy_day_stats(vacancy_id, day, shard), {SHARES: n})
                for vacancy_id, n in sorted(created.items())
            ),
            Increment(keys.program_day_stats(day, shard), {SHARES: sum(created.values())}),
        ),
    )
    repository = LinkActivityRepository()
    for attempt in range(MAX_COUNT_ATTEMPTS):
        outcome = repository.commit(plan)
        if outcome is Outcome.APPLIED:
            return True
        if outcome is Outcome.DUPLICATE:
            logger.info("shares counted before", extra={"count_id": count_id})
            return False
        batch.backoff(attempt, sleep)
    raise TransientError(f"counting the shares of {count_id} kept conflicting")

"""Links follow eligibility: an ambassador who may have become eligible gets one link for every open
vacancy that matches them — the links the fan-out would have given them had they been eligible
when each vacancy was published.

``AmbassadorChanged`` (the roster: created, changed, imported) and ``AmbassadorPhaseChanged`` (the
programme) are only the trigger. What decides is the stored profile, read when the page runs: an
ambassador who is not eligible (any more) gets nothing, and nothing of theirs is deleted. The
pages run in the fan-out's FIFO message group (:mod:`kring.queues`), so a catch-up and a fan-out
never read-modify-write the same weekly cap ledger at once, and a fan-out page that follows a
catch-up sees its links. One page, one Query of the open vacancies (gsi3, newest first):

1. keep the vacancies that match the ambassador (:func:`kring.sharing.fanout.matches`, the
   fan-out's rule);
2. drop those the ambassador has a link for (one Query of their links, gsi2); of the others, read
   the link keys (BatchGetItem) and derive the ambassador's code for each
   (:func:`kring.links.codes.derive_code`, the fan-out's identity), and drop the codes that exist
   (BatchGetItem: the index may lag a link just written): a redelivery, a second event or a later
   fan-out never makes a second link;
3. keep what the weekly cap allows (:func:`kring.sharing.fanout.within_cap`, the fan-out's rule;
   the ledger read only for a capped ambassador, whose keys and codes are read 100 at a time only
   until the week's room is filled). With a cap that leaves room for fewer than all, the newest
   open vacancies win;
4. a key one fan-out still writes alone is marked shared first, so that fan-out's later pages
   read the links that exist before writing theirs;
5. announce ``SharesCreated`` per vacancy (before writing, as the fan-out does: at least once),
   count the links (``shares`` on the vacancies' and the programme's day items, one marker per 98
   vacancies), write the links and the ledger (BatchWriteItem), and queue the next page.

A page is applied once per (origin event, page number) — Powertools idempotency — and its writes
are idempotent anyway (a link's key is its code; a ledger is a set; the counts have markers).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from kring.dal import batch, share_caps, share_links
from kring.dal.ambassadors import AmbassadorRepository
from kring.dal.vacancies import OpenVacancy, VacancyRepository
from kring.events import SharesCreated
from kring.idempotency import idempotent
from kring.integrations.eventbridge import EventPublisher
from kring.integrations.sqs import PageQueue
from kring.links.codes import derive_code
from kring.models.ambassador import Candidate
from kring.models.vacancy import ShareLink
from kring.observability import logger, metrics
from kring.queues import CatchupPage
from kring.sharing.fanout import MAX_VACANCIES_PER_COUNT, count_shares_of, matches, within_cap

MAX_KEYS_PER_READ = 100  # a BatchGetItem's keys


@dataclass(frozen=True)
class CatchupResult:
    open_vacancies: int
    matching: int
    created: int
    already_shared: int
    capped: int
    next_page: bool
    skipped_reason: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return self.__dict__.copy()


def _skipped(reason: str) -> dict[str, Any]:
    return CatchupResult(0, 0, 0, 0, 0, next_page=False, skipped_reason=reason).as_dict()


@idempotent("join(':', ['catchup', origin_event_id, to_string(page)])")  # = CatchupPage.page_id
def catch_up_page(
    *, record: CatchupPage, publisher: EventPublisher, queue: PageQueue, page_size: int, now: datetime
) -> dict[str, Any]:
    """Apply one page of a catch-up; returns a summary (JSON-able: what a repeat returns)."""
    if not record.announced_eligible:
        return _skipped("not_eligible")  # the event itself says so: nothing to read
    ambassador = AmbassadorRepository().get(record.ambassador_id)
    if ambassador is None or not ambassador.eligible_to_share:
        logger.info("not eligible (any more): no links", extra={"ambassador_id": record.ambassador_id})
        return _skipped("not_eligible")
    candidate = Candidate(
        id=ambassador.id,
        interests=tuple(ambassador.interests),
        share_cap_per_week=ambassador.share_cap_per_week,
    )
    page = VacancyRepository().open_page(page_size, record.cursor)
    result = _catch_up(candidate, page.items, record=record, publisher=publisher, now=now)
    if page.cursor is not None:
        following = record.model_copy(update={"page": record.page + 1, "cursor": page.cursor})
        queue.enqueue(following.model_dump_json(), dedup_key=following.page_id)
    summary = CatchupResult(**{**result.as_dict(), "next_page": page.cursor is not None})
    metrics.add_metric(name="CatchupLinksCreated", unit="Count", value=summary.created)
    logger.info("catch-up page applied", extra={"page_id": record.page_id, "result": summary.as_dict()})
    return summary.as_dict()


def _catch_up(
    ambassador: Candidate,
    vacancies: list[OpenVacancy],
    *,
    record: CatchupPage,
    publisher: EventPublisher,
    now: datetime,
) -> CatchupResult:
    matching = [v for v in vacancies if matches(ambassador, v)]
    repository = share_links.ShareLinkRepository()
    linked = repository.vacancies_linked(ambassador.id) if matching else set()
    unlinked = [v.id for v in matching if v.id not in linked]

    week = share_caps.iso_week(now)
    cap = ambassador.share_cap_per_week
    this_week = (
        share_caps.ShareCapRepository().ledgers([ambassador.id], week).get(ambassador.id, set())
        if cap is not None and unlinked
        else set()
    )
    # Without a cap, every unlinked vacancy is read at once; with one, 100 at a time (a BatchGetItem
    # each), only until the week's room is filled: a capped ambassador costs what they can be given.
    step = len(unlinked) if cap is None else MAX_KEYS_PER_READ
    room = None if cap is None else max(cap - len(this_week), 0)
    codes: dict[str, str] = {}
    alone: set[str] = set()
    new: list[str] = []
    found = 0  # links the index did not show yet
    for start in range(0, len(unlinked), max(step, 1)):
        if room is not None and len([v for v in new if v not in this_week]) >= room:
            break
        part = unlinked[start : start + step]
        secrets, part_alone = repository.keys_for(part, writer=f"catchup:{record.origin_event_id}")
        part_codes = {v: derive_code(secrets[v], ambassador.id) for v in part}
        existing = repository.existing_codes(part_codes.values())
        codes.update(part_codes)
        alone |= part_alone
        new += [v for v in part if part_codes[v] not in existing]
        found += len(existing)

    chosen = within_cap(ambassador.share_cap_per_week, this_week, new)
    links = [
        ShareLink(code=codes[v], vacancy_id=v, ambassador_id=ambassador.id, created_at=now) for v in chosen
    ]
    if links:
        for vacancy_id in chosen:
            if vacancy_id in alone:
                repository.mark_shared(vacancy_id)
        publisher.publish(
            [
                SharesCreated(
                    vacancy_id=link.vacancy_id,
                    ambassador_ids=(ambassador.id,),
                    correlation_id=record.correlation_id,
                )
                for link in links
            ]
        )
        for start in range(0, len(chosen), MAX_VACANCIES_PER_COUNT):
            count_shares_of(
                f"{record.page_id}:{start // MAX_VACANCIES_PER_COUNT}",
                dict.fromkeys(chosen[start : start + MAX_VACANCIES_PER_COUNT], 1),
                now,
            )
        ledger = (
            [share_caps.put_request(ambassador.id, week, this_week | set(chosen), now)]
            if cap is not None
            else []
        )
        batch.write(share_links.put_requests(links) + ledger)
    return CatchupResult(
        open_vacancies=len(vacancies),
        matching=len(matching),
        created=len(links),
        already_shared=len(matching) - len(unlinked) + found,
        capped=len(unlinked) - found - len(chosen),
        next_page=False,
    )

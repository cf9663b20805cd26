"""One page of the fan-out queue: a fan-out's (:mod:`kring.sharing.fanout`) or a catch-up's
(:mod:`kring.sharing.catchup`). Both run in the queue's one FIFO message group, so they never
race on an ambassador's weekly cap."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from kring.integrations.eventbridge import EventPublisher
from kring.integrations.sqs import PageQueue
from kring.queues import FanoutPage, SharingPage
from kring.sharing.catchup import catch_up_page
from kring.sharing.fanout import fan_out_page


def share_page(
    page: SharingPage, *, publisher: EventPublisher, queue: PageQueue, page_size: int, now: datetime
) -> dict[str, Any]:
    """Apply one page; its summary (what a repeat of the page returns)."""
    if isinstance(page, FanoutPage):
        return fan_out_page(record=page, publisher=publisher, queue=queue, page_size=page_size, now=now)
    return catch_up_page(record=page, publisher=publisher, queue=queue, page_size=page_size, now=now)


def log_keys(page: SharingPage) -> dict[str, str]:
    """What the page's log lines carry (this record's only)."""
    if isinstance(page, FanoutPage):
        return {"correlation_id": page.vacancy.correlation_id, "vacancy_id": page.vacancy.vacancy_id}
    return {"correlation_id": page.correlation_id, "ambassador_id": page.ambassador_id}

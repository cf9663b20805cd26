"""Re-ranking after the talent team changes the point weights.

Counts are stored, points are not (they follow the weights), but the rankings' sort keys hold the
points of the last write. When the weights change (``PUT /api/team/settings`` puts
``PointWeightsChanged`` on the bus), the ``points_rerank`` function re-scores every ambassador of
every period that ended less than :data:`RERANK_DAYS` days ago — the current and recent weeks,
months and quarters; older leaderboards keep the points they ended with — with the weights read
at run time (so an older event redelivered after a newer change still ranks by the newest).

Per period: Query its overall ranking (gsi1, a page at a time — never a Scan), and for each
ambassador whose points change, write the period's items again on the condition that the version
is still the one read. A click recorded meanwhile has moved the version on: read the item again
(consistent) and score that. The job is idempotent: an item already scored with these weights is
left alone, so a retried run only does what is left.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from kring.dal import points as store
from kring.dal.programme_settings import ProgrammeSettingsRepository
from kring.errors import TransientError
from kring.events import PointWeightsChanged
from kring.integrations.eventbridge import EventPublisher, default_publisher
from kring.models.points import PeriodPoints
from kring.models.team import PointWeights
from kring.points import ledger
from kring.points import ranking_periods as periods

RERANK_DAYS = 100
PAGE_SIZE = 100
MAX_ATTEMPTS = 6


@dataclass(frozen=True)
class Reranked:
    periods: int
    read: int
    rescored: int


def recent_periods(today: date, days: int = RERANK_DAYS) -> list[str]:
    """Every week, month and quarter holding a day of the last ``days`` days up to ``today``."""
    return periods.periods_between(today - timedelta(days=days - 1), today)


def announce(weights: PointWeights, *, correlation_id: str, publisher: EventPublisher | None = None) -> None:
    """Put ``PointWeightsChanged`` on the bus, after the settings are stored. Announced on every
    change of the settings, not only when the weights differ: a failed publish is retried with
    the request (a 503), and re-ranking with unchanged weights writes nothing."""
    (publisher or default_publisher()).publish(
        [PointWeightsChanged(point_weights=weights.model_dump(), correlation_id=correlation_id)]
    )


def rerank_recent(today: date) -> Reranked:
    """What ``points_rerank`` does: :func:`rerank` the :func:`recent_periods`."""
    return rerank(recent_periods(today))


def rerank(
    wanted: Iterable[str],
    weights: PointWeights | None = None,
    *,
    repository: store.PointsRepository | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> Reranked:
    """Re-score the rankings of ``wanted`` periods with ``weights`` (default: the stored ones)."""
    current = weights or ProgrammeSettingsRepository().get().point_weights
    points = repository or store.PointsRepository()
    counted_periods = read = rescored = 0
    for period in wanted:
        counted_periods += 1
        cursor = None
        while True:
            page = points.ranking(period, store.OVERALL, PAGE_SIZE, cursor)
            for state in page.items:
                read += 1
                rescored += _rescore(state, current, points, sleep)
            if page.cursor is None:
                break
            cursor = page.cursor
    return Reranked(periods=counted_periods, read=read, rescored=rescored)


def _rescore(
    state: PeriodPoints, weights: PointWeights, points: store.PointsRepository, sleep: Callable[[float], None]
) -> int:
    for attempt in range(MAX_ATTEMPTS):
        write = ledger.rescored(state, weights)
        if write is None:
            return 0
        if points.write([write]):
            return 1
        sleep(min(1.0, 0.05 * 2**attempt))
        [state] = points.periods(state.ambassador_id, [state.period])
    raise TransientError(f"the points of {state.ambassador_id} in {state.period} kept changing")

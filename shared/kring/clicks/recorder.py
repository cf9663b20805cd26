"""Record link activity (``LinkClicked``, ``ShareIntended``) exactly once, whatever the redelivery
or the order: read what a batch depends on once, then one transaction per event.

Per SQS batch, one consistent BatchGetItem
(:meth:`kring.dal.link_activity.LinkActivityRepository.read`) fetches every event's marker, and
for human clicks the visitor's day tags and the ambassador's own-visitor marker. Per event,
:mod:`kring.clicks.counting` plans the writes from that view and one TransactWriteItems applies
them:

- marker already there → a duplicate: nothing is written;
- the transaction applied → the view learns the marker and the tags, so a later event of the same
  batch (the same visitor again, or the same click twice) is planned from the truth;
- the marker's condition failed → someone recorded the event concurrently: done;
- a dedupe tag appeared, or another transaction held an item → re-read this event's keys and plan
  again (bounded, with backoff), then :class:`~kring.errors.TransientError` so SQS retries it.

Points (:mod:`kring.points.ledger`) ride along: the same read fetches the event's point marker,
the ambassador's profile and period items and the programme's weights; the same transaction puts
the point marker (first of its kind only) and the three period items (conditional on the version
read: a concurrent writer makes it a conflict, planned again).

Requests per event in the normal case: one TransactWriteItems (none for a duplicate) and a share
of one BatchGetItem (nine keys a person's click, seven a share intent, one a bot's click, fewer
when the batch shares them; a hundred keys a request).

:func:`message_recorder` does this for one SQS batch: it parses every message, reads once, and
hands back the function that records one message.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, Literal, Protocol

from aws_lambda_powertools.metrics import MetricUnit

from kring import config
from kring.clicks import counting
from kring.clicks.counting import LinkActivity
from kring.dal import batch, keys, points, visitor_days
from kring.dal.items import ItemKey, key_of
from kring.dal.link_activity import LinkActivityRepository
from kring.dal.transact import Outcome
from kring.errors import TransientError
from kring.events import LinkClicked
from kring.models.link_stats import Plan, PointMarker
from kring.observability import logger, metrics
from kring.points import ledger
from kring.queues import batch_recorder, parse_link_activity_message

MAX_ATTEMPTS = 6


class LinkStatsStore(Protocol):
    """Where the recorder reads and writes (the table, or a fake in tests)."""

    def read(self, item_keys: Iterable[keys.Key]) -> dict[ItemKey, dict[str, Any]]: ...

    def commit(self, plan: Plan) -> Outcome: ...


@dataclass(frozen=True)
class Recorded:
    """What recording one event did."""

    outcome: Literal["recorded", "duplicate"]
    attempts: int = 1


class LinkActivityRecorder:
    """Records the events of one batch; holds what it has read and written for that batch."""

    def __init__(
        self,
        store: LinkStatsStore | None = None,
        *,
        window_days: int | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._store = store or LinkActivityRepository()
        self._window_days = window_days
        self._sleep = sleep
        self._known: dict[ItemKey, dict[str, Any]] = {}
        self._read: set[ItemKey] = set()

    @property
    def window_days(self) -> int:
        if self._window_days is None:
            self._window_days = config.attribution().attribution_window_days
        return self._window_days

    # ------------------------------------------------------------------------------ reads
    def prefetch(self, activities: Sequence[LinkActivity]) -> None:
        """Read everything ``activities`` depend on in one go (BatchGetItem, ≤ 100 keys a request)."""
        wanted = [k for a in activities for k in counting.keys_to_read(a) if key_of(k) not in self._read]
        if wanted:
            self._load(wanted)

    def _load(self, wanted: Sequence[keys.Key]) -> None:
        found = self._store.read(wanted)
        for key in wanted:
            item_key = key_of(key)
            self._read.add(item_key)
            if item_key in found:
                self._known[item_key] = found[item_key]
            else:
                self._known.pop(item_key, None)

    # ------------------------------------------------------------------------------ recording
    def record(self, activity: LinkActivity) -> Recorded:
        self.prefetch([activity])
        marker = key_of(counting.marker_key(activity))
        for attempt in range(MAX_ATTEMPTS):
            if marker in self._known:
                return self._duplicate(activity, attempt + 1)
            plan = self._plan(activity)
            outcome = self._store.commit(plan)
            if outcome is Outcome.APPLIED:
                self._remember(plan)
                metric = "LinkClicksRecorded" if isinstance(activity, LinkClicked) else "ShareIntentsRecorded"
                metrics.add_metric(name=metric, unit=MetricUnit.Count, value=1)
                return Recorded("recorded", attempt + 1)
            if outcome is Outcome.DUPLICATE:
                self._known[marker] = {}
                return self._duplicate(activity, attempt + 1)
            metrics.add_metric(name="LinkActivityConflicts", unit=MetricUnit.Count, value=1)
            batch.backoff(attempt, self._sleep)
            self._load(counting.keys_to_read(activity))
        raise TransientError(f"link activity kept conflicting after {MAX_ATTEMPTS} attempts")

    def _duplicate(self, activity: LinkActivity, attempts: int) -> Recorded:
        logger.debug("link activity recorded before: nothing to do", extra={"event": _event_id(activity)})
        metrics.add_metric(name="LinkActivityDuplicates", unit=MetricUnit.Count, value=1)
        return Recorded("duplicate", attempts)

    def _plan(self, activity: LinkActivity) -> Plan:
        if not isinstance(activity, LinkClicked):
            return self._with_points(activity, counting.plan_intent(activity, window_days=self.window_days))
        seen: frozenset[str] = frozenset()
        own = False
        if not activity.is_bot:
            day = counting.day_of(activity.occurred_at)
            visitor_day = self._known.get(key_of(keys.visitor_day(day, activity.visitor)))
            seen = visitor_days.tags_of(visitor_day)
            own = key_of(keys.own_visitor(activity.ambassador_id, day, activity.visitor)) in self._known
        plan = counting.plan_click(activity, seen=seen, own=own, window_days=self.window_days)
        return self._with_points(activity, plan, own=own)

    def _with_points(self, activity: LinkActivity, plan: Plan, *, own: bool = False) -> Plan:
        """``plan`` with what the event earns (:mod:`kring.points.ledger`): the point marker when it
        is the first of its kind, and the ambassador's period items."""
        day = counting.day_of(activity.occurred_at)
        if isinstance(activity, LinkClicked):
            marker = ledger.click_point_marker(activity, day)
            first = key_of(marker) not in self._known
            earned = ledger.earned_by_click(activity, day, own=own, first=first)
        else:
            marker = ledger.share_point_marker(activity, day)
            first = key_of(marker) not in self._known
            earned = ledger.earned_by_intent(activity, day, first=first)
        if earned is None:
            return plan
        ambassador_id = activity.ambassador_id
        writes = ledger.apply(
            earned,
            lambda period: points.from_item(
                ambassador_id, period, self._known.get(key_of(keys.ambassador_points(ambassador_id, period)))
            ),
            ledger.profile_of(self._known.get(key_of(keys.ambassador(ambassador_id)))),
            ledger.weights_of(self._known.get(key_of(keys.programme_settings()))),
        )
        earns_point = any(earned.counted.values())
        point_marker = (
            PointMarker(marker, counting.visitor_day_retained_until(day, self.window_days))
            if earns_point
            else None
        )
        return replace(plan, point_marker=point_marker, points=writes)

    def _remember(self, plan: Plan) -> None:
        self._known[key_of(plan.marker_key)] = dict(plan.marker)
        if plan.seen is not None:
            seen_key = key_of(plan.seen.key)
            self._known[seen_key] = visitor_days.with_tags(self._known.get(seen_key), plan.seen.tags)
        if plan.point_marker is not None:
            self._known[key_of(plan.point_marker.key)] = {}
        for write in plan.points:
            main, _ = points.to_items(write)
            self._known[key_of(main)] = main


def message_recorder(
    bodies: Mapping[str, str], recorder: LinkActivityRecorder | None = None
) -> Callable[[str], str]:
    """One SQS batch of link activity (message id → body): parse every message, read what the
    valid ones depend on in one go, and return the function that records one of them by its
    message id (``"recorded"`` or ``"duplicate"``). That function raises the message's
    :class:`~kring.errors.InvalidInputError` (logged and counted as ``LinkActivityRejected``)
    for a message that is not a ``LinkClicked`` / ``ShareIntended`` envelope, and
    :class:`TransientError` when it keeps conflicting, so that the message alone is retried
    and, in the end, parked."""
    record_activity = recorder or LinkActivityRecorder()
    return batch_recorder(
        bodies,
        parse=parse_link_activity_message,
        prefetch=record_activity.prefetch,
        record=lambda activity: record_activity.record(activity).outcome,
        rejected=("rejected a link activity message", "LinkActivityRejected"),
    )


def _event_id(activity: LinkActivity) -> str:
    return activity.click_id if isinstance(activity, LinkClicked) else activity.intent_id

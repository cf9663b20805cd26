"""The click recorder's (and the fan-out's count's) one read and one write per event, composed of
the owners of the items they touch: the markers (:mod:`kring.dal.clicks`,
:mod:`kring.dal.share_intents`, :mod:`kring.dal.share_counts`), the dedupe tags
(:mod:`kring.dal.visitor_days`) and the counters (:mod:`kring.dal.stats`).

- :meth:`LinkActivityRepository.read` — one consistent BatchGetItem (≤ 100 keys a request) for a
  whole SQS batch: the event markers, the visitors' day tags and the own-visitor markers (keys,
  and the tags only).
- :meth:`LinkActivityRepository.commit` — one TransactWriteItems per event: Put the marker
  ``attribute_not_exists(pk)``, ADD the new dedupe tags on ``NOT contains`` conditions, ADD the
  counters, Put the point marker ``attribute_not_exists(pk)`` and the period items of points
  (:mod:`kring.dal.points`) on the version read. The :class:`~kring.dal.transact.Outcome` says
  whether it was applied, was a duplicate (the marker's condition failed: someone recorded the
  event first) or lost a race on a dedupe tag, a point marker or a version (re-read and plan
  again).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from kring.dal import batch, keys, points, stats, transact, visitor_days
from kring.dal.items import ItemKey, serialize
from kring.dal.repository import Repository
from kring.dal.transact import Outcome
from kring.models.link_stats import Plan

POINT_WEIGHTS = "point_weights"  # of the programme settings (kring.dal.programme_settings)


def transact_items(plan: Plan, table: str) -> list[dict[str, Any]]:
    """The TransactWriteItems actions of a plan; the marker's Put first (its cancellation reason
    tells a duplicate apart)."""
    actions: list[dict[str, Any]] = [
        {
            "Put": {
                "TableName": table,
                "Item": serialize({**plan.marker_key, **plan.marker}),
                "ConditionExpression": "attribute_not_exists(#pk)",
                "ExpressionAttributeNames": {"#pk": keys.PK},
            }
        }
    ]
    if plan.seen is not None:
        actions.append(visitor_days.add_action(plan.seen, table))
    actions.extend(stats.increment_action(i.key, i.counters, table) for i in plan.increments)
    if plan.point_marker is not None:
        actions.append(points.marker_action(plan.point_marker.key, plan.point_marker.expires_at, table))
    for write in plan.points:
        actions.extend(points.write_actions(write, table))
    return actions


class LinkActivityRepository(Repository):
    """Markers, dedupe tags and counters of link activity in the single table."""

    def read(self, item_keys: Iterable[keys.Key]) -> dict[ItemKey, dict[str, Any]]:
        """The existing items among ``item_keys`` (strongly consistent), by (pk, sk): keys, the
        dedupe tags, and what points need (the period figures, the profile's department and
        location, the programme's point weights)."""
        return batch.read(
            item_keys,
            projection=[keys.PK, keys.SK, visitor_days.SEEN, *points.ATTRIBUTES, POINT_WEIGHTS],
            consistent=True,
            client=self.client,
            table=self.table,
        )

    def commit(self, plan: Plan) -> Outcome:
        """Apply ``plan`` in one TransactWriteItems: APPLIED, DUPLICATE (the marker was there) or
        CONFLICT (plan again). Any other failure propagates, so the message is retried and, in
        the end, parked."""
        return transact.write(self.client, transact_items(plan, self.table), duplicate_at=0)

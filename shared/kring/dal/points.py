"""Points: the one owner of the per-ambassador, per-period items of :mod:`kring.points` and of the
first-of-their-kind point markers.

Items (``docs/data-model.md``):

- ``POINTS#AMB#<id>`` / ``PERIOD#<period>`` (``entity`` ``points``): the point-eligible counts
  (``pt_si``, ``pt_cl``, ``pt_ap``, ``pt_iv``, ``pt_hi``, ``pt_cr``), the raw ones (``pt_rsi``,
  ``pt_rcl``), the version ``pt_v`` (every write is conditional on the version read), the last
  scoring day ``pt_day``, the points with the weights of the last write ``pt_score``, and the
  ambassador's ``department`` and ``location``. While anything counted: in gsi1 under
  ``LB#<period>#all`` and, with a department, in gsi2 under ``LB#<period>#dept#<department>``,
  sort key :func:`kring.points.scoring.rank_key`.
- ``POINTS#AMB#<id>`` / ``PERIOD#<period>#LOC`` (``entity`` ``points_location``): what its
  rankings show (``pt_score``, ``pt_day``, ``department``, ``location``), in gsi1 under
  ``LB#<period>#loc#<location>`` and — only while the figures look gamed — in gsi2 under
  ``SUSPECT#<period>``. Written with the first, in the same transaction, when it changes.
- ``NETDAY#<day>#<network>`` / ``CLICKPT#<code>`` and ``SHAREDAY#<day>#<code>`` /
  ``SHAREPT#<network>`` (``entity`` ``point_marker``, TTL): a click point resp. share-intent point
  was earned; put on ``attribute_not_exists`` in the transaction that counts the point.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from kring.dal import batch, keys, pages, transact
from kring.dal.items import ItemKey, deserialize, key_of, serialize
from kring.dal.repository import Repository
from kring.models import points as sources
from kring.models.common import Page
from kring.models.points import PeriodPoints, PointsWrite

ENTITY = "points"
LOCATION_ENTITY = "points_location"
MARKER_ENTITY = "point_marker"

_STORED: Mapping[str, str] = {
    sources.SHARE_INTENTS: "pt_si",
    sources.CLICKS: "pt_cl",
    sources.APPLICATIONS: "pt_ap",
    sources.INTERVIEWS: "pt_iv",
    sources.HIRES: "pt_hi",
    sources.COLLEAGUES_RECRUITED: "pt_cr",
    sources.RAW_SHARE_INTENTS: "pt_rsi",
    sources.RAW_CLICKS: "pt_rcl",
}
VERSION, SCORED_ON, SCORE = "pt_v", "pt_day", "pt_score"
DEPARTMENT, LOCATION = "department", "location"  # the profile's names too: one projection reads both
OVERALL = "all"  # the ranking scopes: all, dept#<department>, loc#<location> (case-folded)
DEPARTMENT_SCOPE, LOCATION_SCOPE = "dept#", "loc#"
# What a reader of the points items (and the profile's department and location) needs.
ATTRIBUTES: tuple[str, ...] = (*_STORED.values(), VERSION, SCORED_ON, SCORE, DEPARTMENT, LOCATION)


def department_scope(department: str) -> str:
    return f"{DEPARTMENT_SCOPE}{department.casefold()}"


def location_scope(location: str) -> str:
    return f"{LOCATION_SCOPE}{location.casefold()}"


def _figures(points: PeriodPoints) -> dict[str, Any]:
    out: dict[str, Any] = {
        _STORED[name]: int(n) for name, n in (*points.counts.items(), *points.raw.items()) if n
    }
    out.update({VERSION: points.version, SCORE: points.score, "ambassador_id": points.ambassador_id})
    out["period"] = points.period
    if points.scored_on:
        out[SCORED_ON] = points.scored_on
    if points.department:
        out[DEPARTMENT] = points.department
    if points.location:
        out[LOCATION] = points.location
    return out


def to_items(write: PointsWrite) -> tuple[dict[str, Any], dict[str, Any]]:
    """The period item and its location item (plain values). The location item holds what its
    rankings show (points, the scoring day, department, location), not the figures: the
    suspicious list reads those from the period items."""
    points = write.state
    main: dict[str, Any] = {
        **keys.ambassador_points(points.ambassador_id, points.period),
        "entity": ENTITY,
        **_figures(points),
    }
    side: dict[str, Any] = {
        **keys.ambassador_points_location(points.ambassador_id, points.period),
        "entity": LOCATION_ENTITY,
        "ambassador_id": points.ambassador_id,
        "period": points.period,
        SCORE: points.score,
    }
    side.update({k: main[k] for k in (SCORED_ON, DEPARTMENT, LOCATION) if k in main})
    rank = write.rank
    if rank is not None:
        main[keys.GSI1_PK] = keys.leaderboard_partition(points.period, OVERALL)
        main[keys.GSI1_SK] = rank
        if write.department_scope:
            main[keys.GSI2_PK] = keys.leaderboard_partition(points.period, write.department_scope)
            main[keys.GSI2_SK] = rank
        if write.location_scope:
            side[keys.GSI1_PK] = keys.leaderboard_partition(points.period, write.location_scope)
            side[keys.GSI1_SK] = rank
    if write.suspicious:
        side.update(keys.suspicious_entry(points.period, points.ambassador_id))
    return main, side


def from_item(ambassador_id: str, period: str, item: Mapping[str, Any] | None) -> PeriodPoints:
    """The figures of a plain points item (either of the two); none stored: all zero."""
    if not item:
        return PeriodPoints(ambassador_id=ambassador_id, period=period)
    counts = {s: int(item.get(_STORED[s]) or 0) for s in sources.SOURCES}
    raw = {s: int(item.get(_STORED[s]) or 0) for s in sources.RAW_SOURCES}
    department, location = item.get(DEPARTMENT), item.get(LOCATION)
    return PeriodPoints(
        ambassador_id=ambassador_id,
        period=period,
        counts=counts,
        raw=raw,
        scored_on=str(item[SCORED_ON]) if item.get(SCORED_ON) else None,
        score=int(item.get(SCORE) or 0),
        department=str(department) if department else None,
        location=str(location) if location else None,
        version=int(item.get(VERSION) or 0),
    )


def from_stored(item: Mapping[str, Any]) -> PeriodPoints:
    """A points item as Queried (plain values, its own key and ``period`` in it)."""
    return from_item(keys.ambassador_of_points(str(item[keys.PK])), str(item["period"]), item)


def write_actions(write: PointsWrite, table: str) -> list[dict[str, Any]]:
    """The Puts of a :class:`PointsWrite`: the period item, conditional on the version, and its
    location item when that changed."""
    main, side = to_items(write)
    expected = write.state.version - 1
    condition: dict[str, Any]
    if expected <= 0:
        condition = {
            "ConditionExpression": "attribute_not_exists(#pk)",
            "ExpressionAttributeNames": {"#pk": keys.PK},
        }
    else:
        condition = {
            "ConditionExpression": "#v = :v",
            "ExpressionAttributeNames": {"#v": VERSION},
            "ExpressionAttributeValues": serialize({":v": expected}),
        }
    actions: list[dict[str, Any]] = [{"Put": {"TableName": table, "Item": serialize(main), **condition}}]
    if write.side_changed:
        actions.append({"Put": {"TableName": table, "Item": serialize(side)}})
    return actions


def marker_action(key: keys.Key, expires_at: int, table: str) -> dict[str, Any]:
    """Put a first-of-its-kind point marker, on the condition that it is not there yet."""
    return {
        "Put": {
            "TableName": table,
            "Item": serialize({**key, "entity": MARKER_ENTITY, keys.TTL_ATTRIBUTE: expires_at}),
            "ConditionExpression": "attribute_not_exists(#pk)",
            "ExpressionAttributeNames": {"#pk": keys.PK},
        }
    }


class PointsRepository(Repository):
    """The read side: an ambassador's periods, a ranking page, a period's suspicious list."""

    def of_ambassadors(self, ambassador_ids: Iterable[str], period: str) -> dict[str, PeriodPoints]:
        """The figures of one period of each of ``ambassador_ids`` (one BatchGetItem a hundred)."""
        wanted = list(dict.fromkeys(ambassador_ids))
        found = self.read(keys.ambassador_points(a, period) for a in wanted)
        return {a: from_item(a, period, found.get(key_of(keys.ambassador_points(a, period)))) for a in wanted}

    def periods(self, ambassador_id: str, periods: Iterable[str]) -> list[PeriodPoints]:
        """The figures of ``periods`` (all zero where nothing is stored): one BatchGetItem."""
        wanted = list(dict.fromkeys(periods))
        found: dict[ItemKey, dict[str, Any]] = batch.read(
            (keys.ambassador_points(ambassador_id, p) for p in wanted),
            consistent=True,
            client=self.client,
            table=self.table,
        )
        return [
            from_item(ambassador_id, p, found.get(key_of(keys.ambassador_points(ambassador_id, p))))
            for p in wanted
        ]

    def ranking(
        self, period: str, scope: str, limit: int, cursor: Mapping[str, Any] | None = None
    ) -> Page[PeriodPoints]:
        """One page of a ranking (``scope``: ``all``, ``dept#…`` or ``loc#…``), best first."""
        index = keys.GSI2 if scope.startswith(DEPARTMENT_SCOPE) else keys.GSI1
        return pages.query_page(
            index,
            keys.leaderboard_partition(period, scope),
            limit,
            cursor,
            lambda raw: from_stored(deserialize(raw)),
            table=self.table,
            client=self.client,
        )

    def ahead_of(self, period: str, scope: str, rank: str) -> int:
        """How many of a ranking's entries come before the sort key ``rank`` (a Query that counts
        ``sk < rank``, page after page; no item is returned)."""
        index = keys.GSI2 if scope.startswith(DEPARTMENT_SCOPE) else keys.GSI1
        partition_key, sort_key = (
            (keys.GSI2_PK, keys.GSI2_SK) if index == keys.GSI2 else (keys.GSI1_PK, keys.GSI1_SK)
        )
        request: dict[str, Any] = {
            "TableName": self.table,
            "IndexName": index,
            "KeyConditionExpression": "#pk = :pk AND #sk < :rank",
            "ExpressionAttributeNames": {"#pk": partition_key, "#sk": sort_key},
            "ExpressionAttributeValues": serialize(
                {":pk": keys.leaderboard_partition(period, scope), ":rank": rank}
            ),
            "Select": "COUNT",
        }
        ahead = 0
        while True:
            got = self.client.query(**request)
            ahead += int(got.get("Count", 0))
            last = got.get("LastEvaluatedKey")
            if not last:
                return ahead
            request["ExclusiveStartKey"] = last

    def suspicious(
        self, period: str, limit: int, cursor: Mapping[str, Any] | None = None
    ) -> Page[PeriodPoints]:
        return pages.query_page(
            keys.GSI2,
            keys.suspicious_partition(period),
            limit,
            cursor,
            lambda raw: from_stored(deserialize(raw)),
            table=self.table,
            client=self.client,
        )

    def read(self, item_keys: Iterable[keys.Key]) -> dict[ItemKey, dict[str, Any]]:
        """The existing items among ``item_keys`` (consistent BatchGetItem), plain."""
        return batch.read(item_keys, consistent=True, client=self.client, table=self.table)

    def write_first(
        self, marker_key: keys.Key, marker: Mapping[str, Any], writes: Iterable[PointsWrite]
    ) -> transact.Outcome:
        """Put a once-only marker (``attribute_not_exists``) and ``writes`` in one transaction:
        APPLIED, DUPLICATE (the marker was there) or CONFLICT (a version moved on: read again)."""
        actions: list[dict[str, Any]] = [
            {
                "Put": {
                    "TableName": self.table,
                    "Item": serialize({**marker_key, **marker}),
                    "ConditionExpression": "attribute_not_exists(#pk)",
                    "ExpressionAttributeNames": {"#pk": keys.PK},
                }
            }
        ]
        actions.extend(a for w in writes for a in write_actions(w, self.table))
        return transact.write(self.client, actions, duplicate_at=0)

    def write(self, writes: Iterable[PointsWrite]) -> bool:
        """Apply ``writes`` in one transaction; False when a version had moved on (read again)."""
        actions = [a for w in writes for a in write_actions(w, self.table)]
        if not actions:
            return True
        return transact.write(self.client, actions) is transact.Outcome.APPLIED

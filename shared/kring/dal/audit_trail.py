"""The audit trail: one item per change (``AUDIT#<UTC day>`` / ``<time>#<id>``), written with a
PutItem in the request that made the change. Read newest first, day by day, with one Query per day
(never a Scan): the trail of a day is one partition, sorted by time. Kept without expiry."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from kring.dal import keys
from kring.dal.items import deserialize, serialize, timestamp
from kring.dal.repository import Repository
from kring.models.access import AuditEntry

ENTITY = "audit_entry"


def day_of(entry: AuditEntry) -> str:
    return timestamp(entry.at)[:10]


def to_item(entry: AuditEntry) -> dict[str, Any]:
    return {
        **keys.audit_entry(day_of(entry), timestamp(entry.at), entry.id),
        "entity": ENTITY,
        **entry.model_dump(mode="json", exclude_none=True),
        "at": timestamp(entry.at),
    }


def from_item(item: Mapping[str, Any]) -> AuditEntry:
    data = deserialize(item)
    return AuditEntry.model_validate({k: v for k, v in data.items() if k in AuditEntry.model_fields})


class AuditTrailRepository(Repository):
    def put(self, entry: AuditEntry) -> None:
        self.client.put_item(TableName=self.table, Item=serialize(to_item(entry)))

    def day(self, day: date, limit: int, *, before: str | None = None) -> tuple[list[AuditEntry], str | None]:
        """Up to ``limit`` entries of ``day``, newest first, older than the sort key ``before``; and
        the sort key to go on from when the day has more (None: the day is done)."""
        condition = "#pk = :pk"
        values: dict[str, Any] = {":pk": keys.audit_partition(day.isoformat())}
        if before is not None:
            condition += " AND #sk < :before"
            values[":before"] = before
        got = self.client.query(
            TableName=self.table,
            KeyConditionExpression=condition,
            ExpressionAttributeNames={"#pk": keys.PK, "#sk": keys.SK} if before else {"#pk": keys.PK},
            ExpressionAttributeValues=serialize(values),
            ScanIndexForward=False,
            Limit=limit,
        )
        items = got.get("Items", [])
        last = got.get("LastEvaluatedKey")
        return [from_item(item) for item in items], (str(deserialize(last)[keys.SK]) if last else None)

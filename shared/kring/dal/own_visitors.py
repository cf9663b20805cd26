"""The own-visitor marker: "this visitor hash was the ambassador's own, on this UTC day".

The share intent writes it before it sends the ambassador on to a share dialog; the click
recorder reads it (``keys.own_visitor``) to tell the ambassador's own clicks on the link they just
shared from a candidate's. One small item per ambassador, device and day, expiring by TTL.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from kring import aws, config
from kring.dal import keys
from kring.dal.items import serialize

ENTITY = "own_visitor"
# Kept through the day itself and two more: a LinkClicked that arrives late (retries, a redrive)
# still finds it; after that the hash is worthless anyway, as the daily salt has rotated.
KEEP_AFTER_DAY = timedelta(days=2)


def expires_at(day: date) -> int:
    """Epoch seconds: the end of ``day`` (UTC) plus :data:`KEEP_AFTER_DAY`."""
    end_of_day = datetime.combine(day + timedelta(days=1), time.min, tzinfo=UTC)
    return int((end_of_day + KEEP_AFTER_DAY).timestamp())


def to_item(ambassador_id: str, day: date, visitor: str) -> dict[str, Any]:
    return serialize(
        {
            **keys.own_visitor(ambassador_id, day.isoformat(), visitor),
            "entity": ENTITY,
            "ambassador_id": ambassador_id,
            "day": day.isoformat(),
            keys.TTL_ATTRIBUTE: expires_at(day),
        }
    )


def mark(ambassador_id: str, day: date, visitor: str) -> None:
    """One unconditional PutItem: a second press the same day writes the same item again."""
    aws.dynamodb().put_item(TableName=config.tables().table_name, Item=to_item(ambassador_id, day, visitor))

"""The own-visitor marker: "this visitor hash was the ambassador's own, on this UTC day".

The share intent writes it before it sends the ambassador on to a share dialog; the click
recorder reads it (``keys.own_visitor``) to tell the ambassador's own clicks on the link they just
shared from a candidate's. One small item per ambassador, device and day, expiring by TTL.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from kring.dal import keys
from kring.dal.items import serialize
from kring.dal.repository import Repository

ENTITY = "own_visitor"


def to_item(ambassador_id: str, day: date, visitor: str, expires_at: int) -> dict[str, Any]:
    return serialize(
        {
            **keys.own_visitor(ambassador_id, day.isoformat(), visitor),
            "entity": ENTITY,
            "ambassador_id": ambassador_id,
            "day": day.isoformat(),
            keys.TTL_ATTRIBUTE: expires_at,
        }
    )


class OwnVisitorRepository(Repository):
    def mark(self, ambassador_id: str, day: date, visitor: str, *, expires_at: int) -> None:
        """One unconditional PutItem: a second press the same day writes the same item again.
        ``expires_at`` (epoch seconds) is the caller's: as long as the recorder keeps that day's
        visitor state, so a late or redriven click is judged as it would have been on time."""
        item = to_item(ambassador_id, day, visitor, expires_at)
        self.client.put_item(TableName=self.table, Item=item)

"""Weekly share-cap ledgers: per ambassador and ISO week, the vacancies they were given links for.

Read with BatchGetItem for capped ambassadors only; written as Put requests in the same
BatchWriteItem batches as the links. The fan-out queue is FIFO with one message group, and the
catch-up (links follow eligibility) runs in it too, so no two of them ever read-modify-write the
same ledger at once.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from kring.dal import batch, keys
from kring.dal.items import serialize
from kring.dal.repository import Repository

ENTITY = "share_cap_ledger"
KEEP_FOR = timedelta(weeks=3)


def iso_week(moment: datetime) -> str:
    year, week, _ = moment.isocalendar()
    return f"{year}-W{week:02d}"


class ShareCapRepository(Repository):
    """The weekly ledgers' one read (their writes go in the fan-out's batches: :func:`put_request`)."""

    def ledgers(self, ambassador_ids: Iterable[str], week: str) -> dict[str, set[str]]:
        """The vacancies each ambassador was given this week (absent → none)."""
        found = batch.read(
            (keys.share_cap_ledger(a, week) for a in ambassador_ids),
            projection=[keys.PK, keys.SK, "vacancies"],
            consistent=True,
            client=self.client,
            table=self.table,
        )
        return {
            keys.ambassador_id_from(str(data[keys.PK])): set(data.get("vacancies", ()))
            for data in found.values()
        }


def put_request(ambassador_id: str, week: str, vacancies: set[str], now: datetime) -> dict[str, Any]:
    return {
        "PutRequest": {
            "Item": serialize(
                {
                    **keys.share_cap_ledger(ambassador_id, week),
                    "entity": ENTITY,
                    "vacancies": set(vacancies),
                    keys.TTL_ATTRIBUTE: int((now + KEEP_FOR).timestamp()),
                }
            )
        }
    }

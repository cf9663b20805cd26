"""When each ATS last delivered a verified webhook: one small item per provider (``ATSSEEN``),
so the talent-team digest can name an ATS that has sent nothing for a week.

The webhook intake writes it with one UpdateItem (``SET last_delivery_at``) — at most once per
provider every :data:`WRITE_INTERVAL` per running Lambda container, so a busy ATS costs a handful
of writes an hour, not one per delivery. The time is as old as that interval at most: nothing
for a threshold counted in days.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from kring.dal import keys, pages
from kring.dal.items import deserialize, serialize
from kring.dal.repository import Repository

ENTITY = "ats_last_delivery"
WRITE_INTERVAL = timedelta(minutes=10)

_written: dict[str, float] = {}  # provider → monotonic time of this container's last write


def timestamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class AtsDeliveryRepository(Repository):
    def record(self, provider: str, at: datetime, *, clock: Callable[[], float] = time.monotonic) -> bool:
        """Note that ``provider`` delivered at ``at``; False when this container noted it recently."""
        now = clock()
        last = _written.get(provider)
        if last is not None and now - last < WRITE_INTERVAL.total_seconds():
            return False
        self.client.update_item(
            TableName=self.table,
            Key=serialize(keys.ats_last_delivery(provider)),
            UpdateExpression="SET #at = :at, #entity = :entity, #provider = :provider",
            ExpressionAttributeNames={
                "#at": "last_delivery_at",
                "#entity": "entity",
                "#provider": "provider",
            },
            ExpressionAttributeValues=serialize(
                {":at": timestamp(at), ":entity": ENTITY, ":provider": provider}
            ),
        )
        _written[provider] = now
        return True

    def last_deliveries(self) -> dict[str, datetime]:
        """Every ATS that ever delivered, with its last delivery (one Query)."""
        request = {
            "TableName": self.table,
            "KeyConditionExpression": "#pk = :pk AND begins_with(#sk, :prefix)",
            "ExpressionAttributeNames": {"#pk": keys.PK, "#sk": keys.SK},
            "ExpressionAttributeValues": serialize(
                {":pk": keys.ats_last_delivery("")["pk"], ":prefix": keys.ats_last_delivery_prefix()}
            ),
        }
        out: dict[str, datetime] = {}
        for raw in pages.query_all(request, client=self.client):
            item = deserialize(raw)
            out[str(item["provider"])] = datetime.fromisoformat(
                str(item["last_delivery_at"]).replace("Z", "+00:00")
            )
        return out


def record_delivery(provider: str, at: datetime, *, clock: Callable[[], float] = time.monotonic) -> bool:
    """:meth:`AtsDeliveryRepository.record` with the function's client."""
    return AtsDeliveryRepository().record(provider, at, clock=clock)


def last_deliveries() -> dict[str, datetime]:
    """:meth:`AtsDeliveryRepository.last_deliveries` with the function's client."""
    return AtsDeliveryRepository().last_deliveries()


def forget_writes() -> None:
    """Forget this container's recent writes (tests: a fresh container)."""
    _written.clear()

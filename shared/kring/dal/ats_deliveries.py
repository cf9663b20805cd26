"""When each ATS last delivered a verified webhook, and its last refused one: one small item per
provider (``ATSSEEN``), so the talent-team digest can name an ATS that has sent nothing for a week
and the dashboard's Connections page can show each ATS's last delivery and last error.

The webhook intake writes it with one UpdateItem (``SET last_delivery_at``) — at most once per
provider every :data:`WRITE_INTERVAL` per running Lambda container, so a busy ATS costs a handful
of writes an hour, not one per delivery. The time is as old as that interval at most: nothing
for a threshold counted in days.

A refused delivery (a 4xx: bad signature, stale, too large, unreadable) of a known provider is
noted the same way (``SET last_error_at, last_error``: the status and Kring's error code, never the
body or a header), at most once per provider every :data:`ERROR_WRITE_INTERVAL` per container, so a
flood of forged requests costs one write a minute.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from kring.dal import keys, pages
from kring.dal.items import deserialize, serialize
from kring.dal.repository import Repository

ENTITY = "ats_last_delivery"
WRITE_INTERVAL = timedelta(minutes=10)
ERROR_WRITE_INTERVAL = timedelta(minutes=1)

_written: dict[str, float] = {}  # provider → monotonic time of this container's last write
_errors_written: dict[str, float] = {}  # the same for refused deliveries


@dataclass(frozen=True)
class AtsStatus:
    """What Kring last heard from one ATS: its last verified delivery and its last refused one."""

    provider: str
    last_delivery_at: datetime | None
    last_error_at: datetime | None
    last_error: str | None


def _parse(value: object) -> datetime | None:
    return datetime.fromisoformat(str(value).replace("Z", "+00:00")) if value else None


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

    def record_error(
        self, provider: str, at: datetime, error: str, *, clock: Callable[[], float] = time.monotonic
    ) -> bool:
        """Note that ``provider``'s delivery at ``at`` was refused with ``error`` (``401
        unauthorized``); False when this container noted one for it within the last minute."""
        now = clock()
        last = _errors_written.get(provider)
        if last is not None and now - last < ERROR_WRITE_INTERVAL.total_seconds():
            return False
        self.client.update_item(
            TableName=self.table,
            Key=serialize(keys.ats_last_delivery(provider)),
            UpdateExpression="SET #at = :at, #error = :error, #entity = :entity, #provider = :provider",
            ExpressionAttributeNames={
                "#at": "last_error_at",
                "#error": "last_error",
                "#entity": "entity",
                "#provider": "provider",
            },
            ExpressionAttributeValues=serialize(
                {":at": timestamp(at), ":error": error[:200], ":entity": ENTITY, ":provider": provider}
            ),
        )
        _errors_written[provider] = now
        return True

    def statuses(self) -> dict[str, AtsStatus]:
        """Every ATS Kring has heard from, by name (one Query)."""
        request = {
            "TableName": self.table,
            "KeyConditionExpression": "#pk = :pk AND begins_with(#sk, :prefix)",
            "ExpressionAttributeNames": {"#pk": keys.PK, "#sk": keys.SK},
            "ExpressionAttributeValues": serialize(
                {":pk": keys.ats_last_delivery("")["pk"], ":prefix": keys.ats_last_delivery_prefix()}
            ),
        }
        out: dict[str, AtsStatus] = {}
        for raw in pages.query_all(request, client=self.client):
            item = deserialize(raw)
            provider = str(item["provider"])
            error = item.get("last_error")
            out[provider] = AtsStatus(
                provider,
                _parse(item.get("last_delivery_at")),
                _parse(item.get("last_error_at")),
                str(error) if error else None,
            )
        return out

    def last_deliveries(self) -> dict[str, datetime]:
        """Every ATS that ever delivered, with its last delivery (one Query)."""
        return {
            provider: status.last_delivery_at
            for provider, status in self.statuses().items()
            if status.last_delivery_at is not None
        }


def record_delivery(provider: str, at: datetime, *, clock: Callable[[], float] = time.monotonic) -> bool:
    """:meth:`AtsDeliveryRepository.record` with the function's client."""
    return AtsDeliveryRepository().record(provider, at, clock=clock)


def record_error(
    provider: str, at: datetime, error: str, *, clock: Callable[[], float] = time.monotonic
) -> bool:
    """:meth:`AtsDeliveryRepository.record_error` with the function's client."""
    return AtsDeliveryRepository().record_error(provider, at, error, clock=clock)


def statuses() -> dict[str, AtsStatus]:
    """:meth:`AtsDeliveryRepository.statuses` with the function's client."""
    return AtsDeliveryRepository().statuses()


def last_deliveries() -> dict[str, datetime]:
    """:meth:`AtsDeliveryRepository.last_deliveries` with the function's client."""
    return AtsDeliveryRepository().last_deliveries()


def forget_writes() -> None:
    """Forget this container's recent writes (tests: a fresh container)."""
    _written.clear()
    _errors_written.clear()

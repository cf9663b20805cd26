"""Putting Kring's events on its bus: chunks of 10, failed entries retried, then raised."""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol

from kring import aws, config
from kring.errors import TransientError
from kring.events import KringEvent, to_entry
from kring.observability import logger

if TYPE_CHECKING:
    from mypy_boto3_events import EventBridgeClient
    from mypy_boto3_events.type_defs import PutEventsRequestEntryTypeDef

MAX_ENTRIES_PER_CALL = 10
MAX_ATTEMPTS = 3


class EventPublisher(Protocol):
    """The port through which logic emits events; tests pass a fake."""

    def publish(self, events: Sequence[KringEvent]) -> None: ...


class EventBridgePublisher:
    def __init__(self, client: EventBridgeClient | None = None, bus_name: str | None = None) -> None:
        self._client = client
        self._bus_name = bus_name

    def publish(self, events: Sequence[KringEvent]) -> None:
        client = self._client or aws.events()
        bus_name = self._bus_name or config.bus().event_bus_name
        entries: list[PutEventsRequestEntryTypeDef] = [to_entry(e, bus_name) for e in events]  # type: ignore[misc]
        for start in range(0, len(entries), MAX_ENTRIES_PER_CALL):
            self._put_chunk(client, entries[start : start + MAX_ENTRIES_PER_CALL])

    @staticmethod
    def _put_chunk(client: EventBridgeClient, chunk: list[PutEventsRequestEntryTypeDef]) -> None:
        pending = chunk
        for attempt in range(1, MAX_ATTEMPTS + 1):
            response = client.put_events(Entries=pending)
            if response.get("FailedEntryCount", 0) == 0:
                return
            results = response["Entries"]
            failed = [
                entry for entry, result in zip(pending, results, strict=True) if result.get("ErrorCode")
            ]
            logger.warning(
                "PutEvents left entries unput",
                extra={
                    "attempt": attempt,
                    "failed": len(failed),
                    "codes": sorted({r["ErrorCode"] for r in results if r.get("ErrorCode")}),
                },
            )
            pending = failed
            if attempt < MAX_ATTEMPTS:
                time.sleep(0.05 * 2**attempt)
        raise TransientError(f"{len(pending)} events could not be put on the bus")


def default_publisher() -> EventPublisher:
    return EventBridgePublisher()

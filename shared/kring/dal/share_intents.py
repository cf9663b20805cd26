"""Share-intent markers: the one owner of the item that says a ``ShareIntended`` was counted
(written by the click recorder in the same transaction as its counters, so a redelivery counts
nothing).

Item (``docs/data-model.md``): ``INTENT#<intent id>`` / ``INTENT`` with ``entity``
``share_intent``, ``code``, ``vacancy_id``, ``ambassador_id``, ``network``, ``intended_at`` (ISO
8601, UTC) and ``expires_at`` (TTL).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from kring.dal import keys
from kring.dal.items import parse_time, record_attributes, record_fields

ENTITY = "share_intent"


@dataclass(frozen=True)
class IntentMarker:
    intent_id: str
    code: str
    vacancy_id: str
    ambassador_id: str
    network: str
    intended_at: datetime
    expires_at: int


def to_item(marker: IntentMarker) -> dict[str, Any]:
    stored = record_attributes(marker, id_field="intent_id")
    stored["intended_at"] = marker.intended_at.astimezone(UTC).isoformat()
    return {**keys.share_intent(marker.intent_id), "entity": ENTITY, **stored}


def from_item(item: Mapping[str, Any]) -> IntentMarker:
    stored = record_fields(item, IntentMarker, id_field="intent_id")
    stored["intended_at"] = parse_time(str(stored["intended_at"]))
    return IntentMarker(intent_id=str(item[keys.PK]).removeprefix("INTENT#"), **stored)

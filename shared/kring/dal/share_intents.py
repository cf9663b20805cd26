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
from kring.dal.items import parse_time

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
    return {
        **keys.share_intent(marker.intent_id),
        "entity": ENTITY,
        "code": marker.code,
        "vacancy_id": marker.vacancy_id,
        "ambassador_id": marker.ambassador_id,
        "network": marker.network,
        "intended_at": marker.intended_at.astimezone(UTC).isoformat(),
        keys.TTL_ATTRIBUTE: marker.expires_at,
    }


def from_item(item: Mapping[str, Any]) -> IntentMarker:
    return IntentMarker(
        intent_id=str(item[keys.PK]).removeprefix("INTENT#"),
        code=str(item["code"]),
        vacancy_id=str(item["vacancy_id"]),
        ambassador_id=str(item["ambassador_id"]),
        network=str(item["network"]),
        intended_at=parse_time(str(item["intended_at"])),
        expires_at=int(item[keys.TTL_ATTRIBUTE]),
    )

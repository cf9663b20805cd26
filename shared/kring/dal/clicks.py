"""Click records: the one owner of the item the click recorder writes for every click (its
exactly-once marker too) and attribution reads back to credit an application.

Item (``docs/data-model.md``): ``CLICK#<click token>`` / ``CLICK`` with ``entity`` ``click``,
``code``, ``vacancy_id``, ``ambassador_id``, ``channel``, ``clicked_at`` (ISO 8601, UTC),
``visitor_kind``, ``own_click`` and ``expires_at`` (TTL). Written once, never changed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from kring.dal import keys
from kring.dal.items import parse_time

ENTITY = "click"


@dataclass(frozen=True)
class ClickRecord:
    """One recorded click. ``visitor_kind`` is ``human`` or the bot kind; ``own_click``: the
    ambassador's own visitor that day."""

    click_id: str  # the click token
    code: str | None
    vacancy_id: str
    ambassador_id: str
    channel: str
    clicked_at: datetime
    visitor_kind: str = "human"
    own_click: bool = False
    expires_at: int | None = None


def to_item(record: ClickRecord) -> dict[str, Any]:
    """The record as a plain item (serialize it for the low-level client)."""
    return {
        **keys.click(record.click_id),
        "entity": ENTITY,
        "code": record.code,
        "vacancy_id": record.vacancy_id,
        "ambassador_id": record.ambassador_id,
        "channel": record.channel,
        "clicked_at": record.clicked_at.astimezone(UTC).isoformat(),
        "visitor_kind": record.visitor_kind,
        "own_click": record.own_click,
        keys.TTL_ATTRIBUTE: record.expires_at,
    }


def from_item(item: Mapping[str, Any]) -> ClickRecord:
    """A record from a plain (deserialized) item; one written before ``visitor_kind``,
    ``own_click`` or ``code`` were kept reads as a human click of no own visitor and no code."""
    expires_at = item.get(keys.TTL_ATTRIBUTE)
    return ClickRecord(
        click_id=keys.click_token_of(str(item[keys.PK])),
        code=str(item["code"]) if item.get("code") else None,
        vacancy_id=str(item["vacancy_id"]),
        ambassador_id=str(item["ambassador_id"]),
        channel=str(item["channel"]),
        clicked_at=parse_time(str(item["clicked_at"])),
        visitor_kind=str(item.get("visitor_kind") or "human"),
        own_click=bool(item.get("own_click")),
        expires_at=int(expires_at) if expires_at is not None else None,
    )

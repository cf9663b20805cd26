"""Fan-out page count markers: the one owner of the item that says a fan-out page added its new
links to the ``shares`` counters (written in the same transaction as the counters, so a retried
page counts once; see :func:`kring.sharing.fanout.count_shares`).

Item (``docs/data-model.md``): ``SHCOUNT#<page id>`` / ``SHCOUNT`` with ``entity``
``shares_counted``, ``vacancy_id``, ``created``, ``day`` and ``expires_at`` (TTL).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from kring.dal import keys
from kring.dal.items import record_attributes, record_fields

ENTITY = "shares_counted"


@dataclass(frozen=True)
class PageCounted:
    page_id: str
    vacancy_id: str
    created: int
    day: str
    expires_at: int


def to_item(marker: PageCounted) -> dict[str, Any]:
    """Every attribute under its field's name (``expires_at`` is the TTL attribute)."""
    stored = record_attributes(marker, id_field="page_id")
    return {**keys.shares_counted(marker.page_id), "entity": ENTITY, **stored}


def from_item(item: Mapping[str, Any]) -> PageCounted:
    page_id = str(item[keys.PK]).removeprefix("SHCOUNT#")
    return PageCounted(page_id=page_id, **record_fields(item, PageCounted, id_field="page_id"))

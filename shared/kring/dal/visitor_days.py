"""Visitor-day items: what one visitor (a daily hash) was already counted for on one UTC day, a
string set of dedupe tags (see :func:`kring.clicks.counting.click_tags`). The one owner of the
item: the tags as read (:func:`tags_of`) and the conditional ADD of new ones (:func:`add_action`).

Item (``docs/data-model.md``): ``SEEN#<day>#<visitor>`` / ``SEEN`` with ``entity``
``visitor_day``, ``seen`` (a string set) and ``expires_at`` (TTL).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kring.dal import keys
from kring.dal.items import serialize, value
from kring.models.link_stats import SeenUpdate

ENTITY = "visitor_day"
SEEN = "seen"


def tags_of(item: Mapping[str, Any] | None) -> frozenset[str]:
    """The tags a (plain) visitor-day item holds; none for no item."""
    return frozenset((item or {}).get(SEEN) or ())


def with_tags(item: Mapping[str, Any] | None, tags: frozenset[str]) -> dict[str, Any]:
    """``item`` as it is once ``tags`` are added (what a writer remembers it wrote)."""
    return {**(item or {}), SEEN: set(tags_of(item)) | tags}


def add_action(update: SeenUpdate, table: str) -> dict[str, Any]:
    """The TransactWriteItems Update that adds ``update.tags``, on the condition that none of them
    is there yet (a concurrent click that added one first cancels the transaction)."""
    tags = sorted(update.tags)
    names = {"#seen": SEEN, "#exp": keys.TTL_ATTRIBUTE, "#entity": "entity"}
    values: dict[str, Any] = {
        ":tags": {"SS": tags},
        ":exp": value(update.expires_at),
        ":entity": value(ENTITY),
    }
    values.update({f":t{i}": value(tag) for i, tag in enumerate(tags)})
    return {
        "Update": {
            "TableName": table,
            "Key": serialize(update.key),
            "UpdateExpression": "ADD #seen :tags SET #exp = :exp, #entity = :entity",
            "ConditionExpression": " AND ".join(f"NOT contains(#seen, :t{i})" for i in range(len(tags))),
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": values,
        }
    }

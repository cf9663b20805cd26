"""Stats items: the counters, and only the counters. Every flow that counts writes them through
:func:`increment_action` (clicks and share intents, the fan-out's shares, the attribution's
applications and hires); the funnels read them through :class:`StatsRepository`.

Items (``docs/data-model.md``): a vacancy's day ``STATS#VAC#<id>`` / ``DAY#<day>#<shard>``, an
ambassador's day, a vacancy x ambassador pair (all time) and the programme's day; each a shard
picked by the event, summed on read.

Counters are stored under short attribute names (:data:`STORED_METRICS`: ``uv_linkedin`` for
``unique_visitors_linkedin``), so that a stats item holding every counter stays well under the
1 KB a transactional write unit covers; :func:`increment_action` and :func:`from_item` map them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kring.dal import keys, pages
from kring.dal.items import deserialize, serialize, value
from kring.dal.repository import Repository
from kring.errors import InvalidInputError
from kring.models.common import Page

ENTITY = "link_stats"

# The stored name of each metric; a counter by channel, network or bot kind keeps that suffix
# as it is (``bot_clicks_preview`` → ``bot_preview``). See docs/data-model.md.
STORED_METRICS: Mapping[str, str] = {
    "share_intents": "si",
    "clicks": "cl",
    "raw_clicks": "raw",
    "unique_visitors": "uv",
    "unique_visitor_days": "uvd",
    "bot_clicks": "bot",
    "own_clicks": "own",
    "no_accept_language": "nal",
    # applications, interviews and hires (written by attribution), shares (by the fan-out)
    "applications": "ap",
    "applications_referral": "ap_ref",
    "applications_click_token": "ap_tok",
    "applications_share_code": "ap_code",
    "applications_unattributed": "ap_none",
    "interviews": "iv",
    "hires": "hi",
    "shares": "sh",
    # rewards of credited hires (written by attribution, on ambassador day items only)
    "rewards_pending": "rwp",
    "rewards_eligible": "rwe",
}
_METRIC_OF_STORED = {stored: metric for metric, stored in STORED_METRICS.items()}


def stored_name(counter: str) -> str:
    """A counter's attribute name on a stats item (``unique_visitors_linkedin`` → ``uv_linkedin``).
    Suffixes (channels, networks, bot kinds) hold no ``_``."""
    if counter in STORED_METRICS:
        return STORED_METRICS[counter]
    metric, _, suffix = counter.rpartition("_")
    return f"{STORED_METRICS[metric]}_{suffix}"


def from_item(item: Mapping[str, Any]) -> dict[str, Any]:
    """A stats item (plain values) with its counters under their full names (other attributes as
    they are)."""
    out: dict[str, Any] = {}
    for attribute, stored_value in item.items():
        if attribute in _METRIC_OF_STORED:  # a whole stored name, e.g. ``ap_ref``
            out[_METRIC_OF_STORED[attribute]] = stored_value
            continue
        stored, _, suffix = attribute.rpartition("_")  # suffixes hold no ``_``: ``ap_ref_x``
        metric = _METRIC_OF_STORED.get(stored)
        out[attribute if metric is None else f"{metric}_{suffix}"] = stored_value
    return out


def increment_action(key: keys.Key, counters: Mapping[str, int], table: str) -> dict[str, Any]:
    """The TransactWriteItems Update that ADDs ``counters`` (full names) to one stats item."""
    ordered = sorted((stored_name(name), amount) for name, amount in counters.items())
    names = {f"#c{i}": name for i, (name, _) in enumerate(ordered)}
    names["#entity"] = "entity"
    values = {f":c{i}": value(amount) for i, (_, amount) in enumerate(ordered)}
    values[":entity"] = value(ENTITY)
    adds = ", ".join(f"#c{i} :c{i}" for i in range(len(ordered)))
    return {
        "Update": {
            "TableName": table,
            "Key": serialize({"pk": key["pk"], "sk": key["sk"]}),
            "UpdateExpression": f"ADD {adds} SET #entity = :entity",
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": values,
        }
    }


class StatsRepository(Repository):
    """The counters' read side: day ranges and a vacancy's counters per ambassador."""

    def day_stats(self, partition: str, first_day: str, last_day: str) -> list[dict[str, Any]]:
        """Every day shard of one stats collection (``STATS#VAC#<id>`` or ``STATS#AMB#<id>``) from
        ``first_day`` to ``last_day`` (inclusive), counters under their full names: one Query,
        paged through."""
        low, high = keys.stats_day_range(first_day, last_day)
        request: dict[str, Any] = {
            "TableName": self.table,
            "KeyConditionExpression": "#pk = :pk AND #sk BETWEEN :low AND :high",
            "ExpressionAttributeNames": {"#pk": keys.PK, "#sk": keys.SK},
            "ExpressionAttributeValues": serialize({":pk": partition, ":low": low, ":high": high}),
        }
        return [from_item(deserialize(item)) for item in pages.query_all(request, client=self.client)]

    def vacancy_ambassador_page(
        self, vacancy_id: str, limit: int, cursor: Mapping[str, Any] | None = None
    ) -> Page[tuple[str, list[dict[str, Any]]]]:
        """The vacancy x ambassador items of up to ``limit`` ambassadors, by ambassador id from
        ``cursor`` on: each ambassador with their shards (counters under their full names). One
        Query (of ``(limit + 1) * STATS_SHARDS`` items, so a page is whole), more only when
        DynamoDB ends a response early. A page never splits an ambassador's shards: its cursor is
        the last shard of its last ambassador. A cursor that is not a vacancy x ambassador key of
        this vacancy is an :class:`~kring.errors.InvalidInputError` — never a Query outside the
        listing."""
        partition = keys.vacancy_stats_prefix(vacancy_id)
        start = dict(cursor) if cursor is not None else None
        if start is not None:
            try:
                valid = set(start) == {keys.PK, keys.SK} and start[keys.PK] == partition
                keys.ambassador_of_vacancy_stats(str(start[keys.SK]))
            except ValueError:
                valid = False
            if not valid:
                raise InvalidInputError("the page token is not a position in this listing")
        request: dict[str, Any] = {
            "TableName": self.table,
            "KeyConditionExpression": "#pk = :pk AND begins_with(#sk, :prefix)",
            "ExpressionAttributeNames": {"#pk": keys.PK, "#sk": keys.SK},
            "ExpressionAttributeValues": serialize(
                {":pk": partition, ":prefix": keys.VACANCY_AMBASSADOR_STATS_PREFIX}
            ),
            "Limit": (limit + 1) * keys.STATS_SHARDS,
        }
        groups: dict[str, list[dict[str, Any]]] = {}
        last: dict[str, Any] | None = None
        while True:
            if start is not None:
                request["ExclusiveStartKey"] = serialize(start)
            got = self.client.query(**request)
            for raw in got.get("Items", []):
                item = from_item(deserialize(raw))
                ambassador_id = keys.ambassador_of_vacancy_stats(str(item[keys.SK]))
                if ambassador_id not in groups and len(groups) == limit:
                    return Page(items=list(groups.items()), cursor=last)
                groups.setdefault(ambassador_id, []).append(item)
                last = {keys.PK: item[keys.PK], keys.SK: item[keys.SK]}
            evaluated = got.get("LastEvaluatedKey")
            if not evaluated:
                return Page(items=list(groups.items()), cursor=None)
            start = deserialize(evaluated)

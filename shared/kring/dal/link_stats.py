"""Link statistics in the table: the click recorder's one read and one write per event, and the
day-range reads of the stats API.

- :func:`read` — one consistent BatchGetItem (≤ 100 keys a request) for a whole SQS batch: the
  event markers, the visitors' day tags and the own-visitor markers (keys, and the tags only).
- :func:`commit` — one TransactWriteItems per event: Put the marker ``attribute_not_exists(pk)``,
  ADD the new dedupe tags on ``NOT contains`` conditions, ADD the counters. The outcome says
  whether it was applied, was a duplicate (the marker's condition failed: someone recorded the
  event first) or lost a race on a dedupe tag (re-read and plan again).
- :func:`day_stats` — Query of one stats collection over a range of days (every shard).
- :func:`vacancy_ambassador_page` — one page of a vacancy's all-time counters per ambassador
  (every shard of each), by ambassador id.

Counters are stored under short attribute names (:data:`STORED_METRICS`: ``uv_linkedin`` for
``unique_visitors_linkedin``), so that a stats item holding every counter stays well under the
1 KB a transactional write unit covers; :func:`transact_items` and :func:`day_stats` map them.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any, cast

from kring import aws, config
from kring.dal import batch, keys, pages
from kring.dal.items import deserialize, serialize, value
from kring.errors import InvalidInputError
from kring.models.common import Page
from kring.models.link_stats import Plan

if TYPE_CHECKING:
    from botocore.exceptions import ClientError

SEEN_ATTRIBUTE = "seen"
STATS_ENTITY = "link_stats"
VISITOR_DAY_ENTITY = "visitor_day"

# Cancellation reasons that mean "what the plan was made from changed": plan again.
_RETRYABLE_REASONS = frozenset({"ConditionalCheckFailed", "TransactionConflict"})

ItemKey = tuple[str, str]

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
    # issue 4 — applications, interviews and hires (written by attribution), shares (by the fan-out)
    "applications": "ap",
    "applications_referral": "ap_ref",
    "applications_click_token": "ap_tok",
    "applications_share_code": "ap_code",
    "applications_unattributed": "ap_none",
    "interviews": "iv",
    "hires": "hi",
    "shares": "sh",
    # issue 12 — rewards of credited hires (written by attribution, on ambassador day items only)
    "rewards_pending": "rwp",
    "rewards_eligible": "rwe",
}
_METRIC_OF_STORED = {stored: metric for metric, stored in STORED_METRICS.items()}


class Outcome(enum.Enum):
    APPLIED = "applied"
    DUPLICATE = "duplicate"
    CONFLICT = "conflict"


def key_of(key: keys.Key) -> ItemKey:
    return (key["pk"], key["sk"])


def stored_name(counter: str) -> str:
    """A counter's attribute name on a stats item (``unique_visitors_linkedin`` → ``uv_linkedin``).
    Suffixes (channels, networks, bot kinds) hold no ``_``."""
    if counter in STORED_METRICS:
        return STORED_METRICS[counter]
    metric, _, suffix = counter.rpartition("_")
    return f"{STORED_METRICS[metric]}_{suffix}"


def from_stats_item(item: Mapping[str, Any]) -> dict[str, Any]:
    """A stored stats item with its counters under their full names (other attributes as they are)."""
    out: dict[str, Any] = {}
    for attribute, stored_value in item.items():
        if attribute in _METRIC_OF_STORED:  # a whole stored name, e.g. ``ap_ref``
            out[_METRIC_OF_STORED[attribute]] = stored_value
            continue
        stored, _, suffix = attribute.rpartition("_")  # suffixes hold no ``_``: ``ap_ref_x``
        metric = _METRIC_OF_STORED.get(stored)
        out[attribute if metric is None else f"{metric}_{suffix}"] = stored_value
    return out


def read(item_keys: Iterable[keys.Key]) -> dict[ItemKey, dict[str, Any]]:
    """The existing items among ``item_keys`` (strongly consistent), by (pk, sk); keys and the
    dedupe tags only."""
    distinct = {key_of(k): k for k in item_keys}
    found = batch.get(
        [serialize(k) for k in distinct.values()],
        projection=[keys.PK, keys.SK, SEEN_ATTRIBUTE],
        consistent=True,
    )
    out: dict[ItemKey, dict[str, Any]] = {}
    for raw in found:
        item = deserialize(raw)
        out[(str(item[keys.PK]), str(item[keys.SK]))] = item
    return out


def transact_items(plan: Plan, table: str) -> list[dict[str, Any]]:
    """The TransactWriteItems actions of a plan; the marker's Put first (its cancellation reason
    tells a duplicate apart)."""
    actions: list[dict[str, Any]] = [
        {
            "Put": {
                "TableName": table,
                "Item": serialize({**plan.marker_key, **plan.marker}),
                "ConditionExpression": "attribute_not_exists(#pk)",
                "ExpressionAttributeNames": {"#pk": keys.PK},
            }
        }
    ]
    if plan.seen is not None:
        tags = sorted(plan.seen.tags)
        names = {"#seen": SEEN_ATTRIBUTE, "#exp": keys.TTL_ATTRIBUTE, "#entity": "entity"}
        values: dict[str, Any] = {
            ":tags": {"SS": tags},
            ":exp": value(plan.seen.expires_at),
            ":entity": value(VISITOR_DAY_ENTITY),
        }
        values.update({f":t{i}": value(tag) for i, tag in enumerate(tags)})
        actions.append(
            {
                "Update": {
                    "TableName": table,
                    "Key": serialize(plan.seen.key),
                    "UpdateExpression": "ADD #seen :tags SET #exp = :exp, #entity = :entity",
                    "ConditionExpression": " AND ".join(
                        f"NOT contains(#seen, :t{i})" for i in range(len(tags))
                    ),
                    "ExpressionAttributeNames": names,
                    "ExpressionAttributeValues": values,
                }
            }
        )
    for increment in plan.increments:
        counters = sorted((stored_name(name), amount) for name, amount in increment.counters.items())
        names = {f"#c{i}": name for i, (name, _) in enumerate(counters)}
        names["#entity"] = "entity"
        values = {f":c{i}": value(amount) for i, (_, amount) in enumerate(counters)}
        values[":entity"] = value(STATS_ENTITY)
        adds = ", ".join(f"#c{i} :c{i}" for i in range(len(counters)))
        actions.append(
            {
                "Update": {
                    "TableName": table,
                    "Key": serialize(increment.key),
                    "UpdateExpression": f"ADD {adds} SET #entity = :entity",
                    "ExpressionAttributeNames": names,
                    "ExpressionAttributeValues": values,
                }
            }
        )
    return actions


def _client_error() -> type[ClientError]:
    from botocore.exceptions import ClientError

    return ClientError


def commit(plan: Plan) -> Outcome:
    """Apply ``plan`` in one TransactWriteItems (see :class:`Outcome`). Any other failure
    propagates, so the message is retried and, in the end, parked."""
    client = aws.dynamodb()
    client_error = _client_error()
    try:
        client.transact_write_items(
            TransactItems=transact_items(plan, config.tables().table_name)  # type: ignore[arg-type]
        )
    except client_error as exc:
        error = cast("dict[str, Any]", exc.response)
        if error.get("Error", {}).get("Code") != "TransactionCanceledException":
            raise
        reasons = [r.get("Code") for r in error.get("CancellationReasons") or []]
        if reasons and reasons[0] == "ConditionalCheckFailed":
            return Outcome.DUPLICATE
        if any(r in _RETRYABLE_REASONS for r in reasons):
            return Outcome.CONFLICT
        raise
    return Outcome.APPLIED


def day_stats(partition: str, first_day: str, last_day: str) -> list[dict[str, Any]]:
    """Every day shard of one stats collection (``STATS#VAC#<id>`` or ``STATS#AMB#<id>``) from
    ``first_day`` to ``last_day`` (inclusive), counters under their full names: one Query, paged
    through."""
    low, high = keys.stats_day_range(first_day, last_day)
    request: dict[str, Any] = {
        "TableName": config.tables().table_name,
        "KeyConditionExpression": "#pk = :pk AND #sk BETWEEN :low AND :high",
        "ExpressionAttributeNames": {"#pk": keys.PK, "#sk": keys.SK},
        "ExpressionAttributeValues": serialize({":pk": partition, ":low": low, ":high": high}),
    }
    return [from_stats_item(deserialize(item)) for item in pages.query_all(request)]


def vacancy_ambassador_page(
    vacancy_id: str, limit: int, cursor: Mapping[str, Any] | None = None
) -> Page[tuple[str, list[dict[str, Any]]]]:
    """The vacancy x ambassador items of up to ``limit`` ambassadors, by ambassador id from
    ``cursor`` on: each ambassador with their shards (counters under their full names). One
    Query (of ``(limit + 1) * STATS_SHARDS`` items, so a page is whole), more only when DynamoDB
    ends a response early. A page never splits an ambassador's shards: its cursor is the last
    shard of its last ambassador. A cursor that is not a vacancy x ambassador key of this
    vacancy is an :class:`~kring.errors.InvalidInputError` — never a Query outside the listing."""
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
        "TableName": config.tables().table_name,
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
        got = aws.dynamodb().query(**request)
        for raw in got.get("Items", []):
            item = from_stats_item(deserialize(raw))
            ambassador_id = keys.ambassador_of_vacancy_stats(str(item[keys.SK]))
            if ambassador_id not in groups and len(groups) == limit:
                return Page(items=list(groups.items()), cursor=last)
            groups.setdefault(ambassador_id, []).append(item)
            last = {keys.PK: item[keys.PK], keys.SK: item[keys.SK]}
        evaluated = got.get("LastEvaluatedKey")
        if not evaluated:
            return Page(items=list(groups.items()), cursor=None)
        start = deserialize(evaluated)

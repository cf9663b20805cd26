"""BatchWriteItem and BatchGetItem done right: request-sized chunks, unprocessed items retried
with exponential backoff and jitter, a bounded number of attempts, then :class:`TransientError`
(so the event or message is retried by the platform and, in the end, parked in a DLQ)."""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from kring import aws, config
from kring.dal import keys
from kring.dal.items import ItemKey, deserialize, key_of, serialize
from kring.errors import TransientError

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

MAX_BATCH_WRITE_ITEMS = 25
MAX_BATCH_GET_KEYS = 100
MAX_UNPROCESSED_ATTEMPTS = 8

Sleep = Callable[[float], None]


def backoff(attempt: int, sleep: Sleep) -> None:
    sleep(min(2.0, 0.05 * 2**attempt) * (0.5 + random.random() / 2))  # noqa: S311 - jitter, not a secret


def write(
    requests: Sequence[Mapping[str, Any]],
    *,
    sleep: Sleep = time.sleep,
    client: DynamoDBClient | None = None,
    table: str | None = None,
) -> int:
    """Put/Delete requests (``{"PutRequest": {...}}``), 25 a BatchWriteItem; the requests made."""
    client = client or aws.dynamodb()
    table = table or config.tables().table_name
    calls = 0
    for start in range(0, len(requests), MAX_BATCH_WRITE_ITEMS):
        pending: list[Any] = list(requests[start : start + MAX_BATCH_WRITE_ITEMS])
        for attempt in range(MAX_UNPROCESSED_ATTEMPTS):
            got = client.batch_write_item(RequestItems={table: pending})
            calls += 1
            pending = list((got.get("UnprocessedItems") or {}).get(table, []))
            if not pending:
                break
            backoff(attempt, sleep)
        else:
            raise TransientError(f"DynamoDB left {len(pending)} writes unprocessed after every retry")
    return calls


def get(
    item_keys: Iterable[Mapping[str, Any]],
    *,
    projection: Sequence[str] | None = None,
    consistent: bool = False,
    sleep: Sleep = time.sleep,
    client: DynamoDBClient | None = None,
    table: str | None = None,
) -> list[dict[str, Any]]:
    """The items that exist among ``item_keys`` (serialized keys), 100 a BatchGetItem, any order."""
    client = client or aws.dynamodb()
    table = table or config.tables().table_name
    all_keys = list(item_keys)
    found: list[dict[str, Any]] = []
    for start in range(0, len(all_keys), MAX_BATCH_GET_KEYS):
        spec: dict[str, Any] = {
            "Keys": all_keys[start : start + MAX_BATCH_GET_KEYS],
            "ConsistentRead": consistent,
        }
        if projection:
            names = {f"#a{i}": name for i, name in enumerate(projection)}
            spec["ProjectionExpression"] = ", ".join(names)
            spec["ExpressionAttributeNames"] = names
        request: dict[str, Any] = {table: spec}
        for attempt in range(MAX_UNPROCESSED_ATTEMPTS):
            got = client.batch_get_item(RequestItems=request)
            found.extend(dict(item) for item in got.get("Responses", {}).get(table, []))
            request = dict(got.get("UnprocessedKeys") or {})
            if not request:
                break
            backoff(attempt, sleep)
        else:
            raise TransientError("DynamoDB left keys unprocessed after every retry")
    return found


def read(
    item_keys: Iterable[keys.Key],
    *,
    projection: Sequence[str] | None = None,
    consistent: bool = False,
    sleep: Sleep = time.sleep,
    client: DynamoDBClient | None = None,
    table: str | None = None,
) -> dict[ItemKey, dict[str, Any]]:
    """The existing items among ``item_keys`` (plain keys, repeats read once), deserialized and
    indexed by (pk, sk): what every reader of a batch of items wants."""
    distinct = {key_of(k): k for k in item_keys}
    if not distinct:
        return {}
    found = get(
        [serialize(k) for k in distinct.values()],
        projection=projection,
        consistent=consistent,
        sleep=sleep,
        client=client,
        table=table,
    )
    out: dict[ItemKey, dict[str, Any]] = {}
    for raw in found:
        item = deserialize(raw)
        out[key_of(item)] = item
    return out

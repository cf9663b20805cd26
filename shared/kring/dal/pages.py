"""Queries that page: one page of an item collection on a secondary index, with a cursor that is
checked before it reaches DynamoDB (a position that does not belong to the listing is an
:class:`~kring.errors.InvalidInputError`, a 400 at the API, never a failed request); and every
item of a Query, page after page (:func:`query_all`)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any, TypeVar

from kring import aws, config
from kring.dal import keys
from kring.dal.items import deserialize, serialize
from kring.errors import InvalidInputError
from kring.models.common import Page

T = TypeVar("T")

_INDEX_KEYS = {
    keys.GSI1: (keys.GSI1_PK, keys.GSI1_SK),
    keys.GSI2: (keys.GSI2_PK, keys.GSI2_SK),
    keys.GSI3: (keys.GSI3_PK, keys.GSI3_SK),
}


def query_all(request: Mapping[str, Any], *, client: Any = None) -> Iterator[dict[str, Any]]:
    """Every item (as DynamoDB returns it) of one Query ``request``, following
    ``LastEvaluatedKey`` to the end."""
    ddb = client or aws.dynamodb()
    page: dict[str, Any] = dict(request)
    while True:
        got = ddb.query(**page)
        yield from got.get("Items", [])
        last = got.get("LastEvaluatedKey")
        if not last:
            return
        page["ExclusiveStartKey"] = last


def query_page(
    index: str,
    partition: str,
    limit: int,
    cursor: Mapping[str, Any] | None,
    from_item: Callable[[Mapping[str, Any]], T],
    *,
    table: str | None = None,
    client: Any = None,
    is_position: Callable[[Mapping[str, str]], bool] | None = None,
    attributes: tuple[str, ...] = (),
    forward: bool = True,
) -> Page[T]:
    """Query ``index`` for ``partition``, ``limit`` items from ``cursor`` on (in descending sort
    key order when not ``forward``). ``is_position`` checks more strictly that the cursor is the
    key of an item of this listing."""
    partition_key, sort_key = _INDEX_KEYS[index]
    request: dict[str, Any] = {
        "TableName": table or config.tables().table_name,
        "IndexName": index,
        "KeyConditionExpression": "#pk = :pk",
        "ExpressionAttributeNames": {"#pk": partition_key},
        "ExpressionAttributeValues": serialize({":pk": partition}),
        "Limit": limit,
    }
    if not forward:
        request["ScanIndexForward"] = False
    if attributes:  # only these: less to send and to parse (LastEvaluatedKey has every key anyway)
        names = {f"#a{i}": name for i, name in enumerate(attributes)}
        request["ProjectionExpression"] = ", ".join(names)
        request["ExpressionAttributeNames"].update(names)
    if cursor is not None:
        wanted = {keys.PK, keys.SK, partition_key, sort_key}
        if (
            set(cursor) != wanted
            or not all(isinstance(v, str) for v in cursor.values())
            or cursor[partition_key] != partition
            or (is_position is not None and not is_position(cursor))
        ):
            raise InvalidInputError("the page token is not a position in this listing")
        request["ExclusiveStartKey"] = serialize(cursor)
    got = (client or aws.dynamodb()).query(**request)
    last = got.get("LastEvaluatedKey")
    return Page(
        items=[from_item(item) for item in got.get("Items", [])], cursor=deserialize(last) if last else None
    )

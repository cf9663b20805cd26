"""The fan-out's candidates: one page of the sparse ``ELIGIBLE`` index (gsi2), never a Scan."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kring import aws, config
from kring.dal import ambassadors, keys
from kring.dal.items import deserialize, serialize
from kring.errors import InvalidInputError
from kring.models.ambassador import Ambassador
from kring.models.common import Page

_CURSOR_KEYS = frozenset({keys.PK, keys.SK, keys.GSI2_PK, keys.GSI2_SK})


def eligible_page(limit: int, cursor: Mapping[str, Any] | None = None) -> Page[Ambassador]:
    request: dict[str, Any] = {
        "TableName": config.tables().table_name,
        "IndexName": keys.GSI2,
        "KeyConditionExpression": "#pk = :pk",
        "ExpressionAttributeNames": {"#pk": keys.GSI2_PK},
        "ExpressionAttributeValues": serialize({":pk": keys.ELIGIBLE_AMBASSADORS}),
        "Limit": limit,
    }
    if cursor is not None:
        if set(cursor) != _CURSOR_KEYS or cursor.get(keys.GSI2_PK) != keys.ELIGIBLE_AMBASSADORS:
            raise InvalidInputError("not a cursor of the eligibility index")
        request["ExclusiveStartKey"] = serialize(cursor)
    got = aws.dynamodb().query(**request)
    last = got.get("LastEvaluatedKey")
    return Page(
        items=[ambassadors.from_item(item) for item in got.get("Items", [])],
        cursor=deserialize(last) if last else None,
    )

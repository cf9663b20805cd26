"""Share link items, the per-vacancy link key, and the reads the fan-out and the API make."""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from kring import aws, config
from kring.dal import batch, keys, pages
from kring.dal.items import deserialize, serialize
from kring.models.common import Page
from kring.models.vacancy import ShareLink

ENTITY = "share_link"
LINK_KEY_BYTES = 32


def to_item(link: ShareLink) -> dict[str, Any]:
    return serialize(
        {
            **keys.share_link(link.code),
            **keys.share_link_by_vacancy_entry(link.vacancy_id, link.ambassador_id),
            **keys.share_link_by_ambassador_entry(link.ambassador_id, link.vacancy_id),
            "entity": ENTITY,
            **link.model_dump(mode="json"),
        }
    )


def from_item(item: Mapping[str, Any]) -> ShareLink:
    data = deserialize(item)
    return ShareLink.model_validate({k: v for k, v in data.items() if k in ShareLink.model_fields})


def link_key(vacancy_id: str) -> bytes:
    """The vacancy's link key: created once (conditional put), read back by everyone after."""
    client = aws.dynamodb()
    table = config.tables().table_name
    key = serialize(keys.link_key(vacancy_id))
    got = client.get_item(TableName=table, Key=key, ConsistentRead=True)
    if "Item" in got:
        return bytes(got["Item"]["secret"]["B"])
    candidate = secrets.token_bytes(LINK_KEY_BYTES)
    try:
        client.put_item(
            TableName=table,
            Item={**key, "entity": {"S": "link_key"}, "secret": {"B": candidate}},
            ConditionExpression="attribute_not_exists(pk)",
        )
    except client.exceptions.ConditionalCheckFailedException:
        got = client.get_item(TableName=table, Key=key, ConsistentRead=True)
        return bytes(got["Item"]["secret"]["B"])
    return candidate


def existing_codes(codes: Iterable[str]) -> set[str]:
    """Which of ``codes`` already have a link item (BatchGetItem, keys only)."""
    found = batch.get([serialize(keys.share_link(c)) for c in codes], projection=[keys.PK])
    return {deserialize(item)[keys.PK].removeprefix("LINK#") for item in found}


def put_requests(links: Sequence[ShareLink]) -> list[dict[str, Any]]:
    return [{"PutRequest": {"Item": to_item(link)}} for link in links]


def put_links(links: Sequence[ShareLink]) -> int:
    """Write links (idempotent: a link's key is its code); the BatchWriteItem requests made."""
    return batch.write(put_requests(links))


def get(code: str) -> ShareLink | None:
    got = aws.dynamodb().get_item(TableName=config.tables().table_name, Key=serialize(keys.share_link(code)))
    return from_item(got["Item"]) if "Item" in got else None


def list_for_vacancy(vacancy_id: str, limit: int, cursor: Mapping[str, Any] | None) -> Page[ShareLink]:
    """The links of one vacancy in ambassador order (Query on gsi1)."""
    return pages.query_page(keys.GSI1, keys.shares_of_vacancy(vacancy_id), limit, cursor, from_item)

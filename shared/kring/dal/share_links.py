"""Share link items, the per-vacancy link key, and the reads the fan-out and the API make."""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from kring.dal import batch, keys, pages
from kring.dal.items import deserialize, serialize
from kring.dal.repository import Repository
from kring.models.common import Page
from kring.models.vacancy import ShareLink

ENTITY = "share_link"
LINK_KEY_BYTES = 32


def to_item(link: ShareLink) -> dict[str, Any]:
    """Every attribute of a link is a string: built straight as attribute values, as the fan-out
    writes thousands at a time."""
    attributes: dict[str, Any] = {
        **keys.share_link(link.code),
        **keys.share_link_by_vacancy_entry(link.vacancy_id, link.ambassador_id),
        **keys.share_link_by_ambassador_entry(link.ambassador_id, link.vacancy_id),
        "entity": ENTITY,
        **link.model_dump(mode="json"),
    }
    return {name: {"S": text} for name, text in attributes.items()}


def from_item(item: Mapping[str, Any]) -> ShareLink:
    data = deserialize(item)
    return ShareLink.model_validate({k: v for k, v in data.items() if k in ShareLink.model_fields})


def parties_of(link: Mapping[str, Any]) -> tuple[str, str]:
    """(ambassador id, vacancy id) of a share-link item already read as plain values (the
    attribution recorder's batch read)."""
    return str(link["ambassador_id"]), str(link["vacancy_id"])


@dataclass(frozen=True)
class LinkKey:
    """A vacancy's link key, and the one fan-out (origin event id) that has written the vacancy's
    links so far — ``None`` once a second fan-out of the vacancy has begun."""

    secret: bytes
    only_writer: str | None


def put_requests(links: Sequence[ShareLink]) -> list[dict[str, Any]]:
    return [{"PutRequest": {"Item": to_item(link)}} for link in links]


class ShareLinkRepository(Repository):
    """Share links and the vacancies' link keys in the single table."""

    def link_key(self, vacancy_id: str, *, fan_out: str) -> LinkKey:
        """The vacancy's link key for the fan-out of origin event ``fan_out``: created once (conditional
        put, recording its creator), read back by everyone after; concurrent creators converge on the
        stored one. A second fan-out marks the key as shared before it writes any link, so the first
        one's later pages know (consistent reads) that links of others may exist."""
        client = self.client
        table = self.table
        key = serialize(keys.link_key(vacancy_id))
        got = client.get_item(TableName=table, Key=key, ConsistentRead=True)
        if "Item" not in got:
            candidate = secrets.token_bytes(LINK_KEY_BYTES)
            try:
                client.put_item(
                    TableName=table,
                    Item={
                        **key,
                        "entity": {"S": "link_key"},
                        "secret": {"B": candidate},
                        "created_by": {"S": fan_out},
                    },
                    ConditionExpression="attribute_not_exists(pk)",
                )
            except client.exceptions.ConditionalCheckFailedException:
                got = client.get_item(TableName=table, Key=key, ConsistentRead=True)
            else:
                return LinkKey(candidate, only_writer=fan_out)
        item = got["Item"]
        secret = bytes(item["secret"]["B"])
        creator = item.get("created_by", {}).get("S")
        if "shared" in item:
            return LinkKey(secret, only_writer=None)
        if creator != fan_out:
            client.update_item(
                TableName=table,
                Key=key,
                UpdateExpression="SET #s = :t",
                ExpressionAttributeNames={"#s": "shared"},
                ExpressionAttributeValues={":t": {"BOOL": True}},
            )
            return LinkKey(secret, only_writer=None)
        return LinkKey(secret, only_writer=creator)

    def mark_shared(self, vacancy_id: str) -> None:
        """Mark the vacancy's key as no longer written by one fan-out alone (UpdateItem; a fan-out's
        last page does it, so a later writer of the vacancy's links need not)."""
        self.client.update_item(
            TableName=self.table,
            Key=serialize(keys.link_key(vacancy_id)),
            UpdateExpression="SET #s = :t",
            ConditionExpression="attribute_exists(pk)",
            ExpressionAttributeNames={"#s": "shared"},
            ExpressionAttributeValues={":t": {"BOOL": True}},
        )

    def keys_for(self, vacancy_ids: Sequence[str], *, writer: str) -> tuple[dict[str, bytes], set[str]]:
        """The link keys of ``vacancy_ids`` for a writer of their links that is not their fan-out
        (a catch-up, named ``writer``): one consistent BatchGetItem per 100 keys, and the vacancies
        whose key one fan-out still writes alone — mark those (:meth:`mark_shared`) before writing
        a link of theirs, so that fan-out reads the links that exist. A vacancy without a key yet
        gets one (:meth:`link_key`, created by ``writer``)."""
        if not vacancy_ids:
            return {}, set()
        found = batch.get(
            [serialize(keys.link_key(v)) for v in vacancy_ids],
            projection=[keys.PK, "secret", "created_by", "shared"],
            consistent=True,
            client=self.client,
            table=self.table,
        )
        secrets: dict[str, bytes] = {}
        alone: set[str] = set()
        for item in found:
            vacancy_id = str(item[keys.PK]["S"]).removeprefix("VAC#")
            secrets[vacancy_id] = bytes(item["secret"]["B"])
            if "shared" not in item and item.get("created_by", {}).get("S") != writer:
                alone.add(vacancy_id)
        for vacancy_id in vacancy_ids:
            if vacancy_id not in secrets:
                secrets[vacancy_id] = self.link_key(vacancy_id, fan_out=writer).secret
        return secrets, alone

    def vacancies_linked(self, ambassador_id: str) -> set[str]:
        """The vacancies the ambassador has a link for: Query gsi2 ``AMB#<id>#SHARES``, keys only
        (eventually consistent: a link written a moment ago may be missing — check its code)."""
        request: dict[str, Any] = {
            "TableName": self.table,
            "IndexName": keys.GSI2,
            "KeyConditionExpression": "#pk = :pk",
            "ExpressionAttributeNames": {"#pk": keys.GSI2_PK, "#sk": keys.GSI2_SK},
            "ExpressionAttributeValues": serialize({":pk": keys.shares_of_ambassador(ambassador_id)}),
            "ProjectionExpression": "#sk",
        }
        return {
            str(deserialize(item)[keys.GSI2_SK]).removeprefix("VAC#")
            for item in pages.query_all(request, client=self.client)
        }

    def existing_codes(self, codes: Iterable[str]) -> set[str]:
        """Which of ``codes`` already have a link item (BatchGetItem, keys only)."""
        found = batch.get(
            [serialize(keys.share_link(c)) for c in codes],
            projection=[keys.PK],
            client=self.client,
            table=self.table,
        )
        return {deserialize(item)[keys.PK].removeprefix("LINK#") for item in found}

    def put_links(self, links: Sequence[ShareLink]) -> int:
        """Write links (idempotent: a link's key is its code); the BatchWriteItem requests made."""
        return batch.write(put_requests(links), client=self.client, table=self.table)

    def get(self, code: str) -> ShareLink | None:
        got = self.client.get_item(TableName=self.table, Key=serialize(keys.share_link(code)))
        return from_item(got["Item"]) if "Item" in got else None

    def list_for_vacancy(
        self, vacancy_id: str, limit: int, cursor: Mapping[str, Any] | None
    ) -> Page[ShareLink]:
        """The links of one vacancy in ambassador order (Query on gsi1)."""
        return pages.query_page(
            keys.GSI1,
            keys.shares_of_vacancy(vacancy_id),
            limit,
            cursor,
            from_item,
            table=self.table,
            client=self.client,
        )

    def of_ambassador(self, ambassador_id: str) -> list[ShareLink]:
        """Every link of one ambassador, in vacancy order (Query gsi2 ``AMB#<id>#SHARES``, paged
        through: one link per vacancy they were given, so a few hundred at most)."""
        request: dict[str, Any] = {
            "TableName": self.table,
            "IndexName": keys.GSI2,
            "KeyConditionExpression": "#pk = :pk",
            "ExpressionAttributeNames": {"#pk": keys.GSI2_PK},
            "ExpressionAttributeValues": serialize({":pk": keys.shares_of_ambassador(ambassador_id)}),
        }
        return [from_item(item) for item in pages.query_all(request, client=self.client)]

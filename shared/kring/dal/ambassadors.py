"""Ambassador items: the profile with its list and eligibility index entries, and its repository.

The profile item is in the admin list (gsi1) always, and in the fan-out's sparse eligibility
index (gsi2) only while the ambassador may be given share links — so the fan-out finds its
candidates with one Query and never reads an ineligible profile.

Create-or-replace is decided by the write itself, never by a read before it: a PutItem
conditional on ``attribute_not_exists(pk)`` creates; when that condition fails, the item it
returns (``ReturnValuesOnConditionCheckFailure=ALL_OLD``) gives the ``created_at`` to keep, and a
second PutItem conditional on that very ``created_at`` replaces. Imports do the same a hundred
profiles at a time in one TransactWriteItems.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, cast

from kring import aws, config
from kring.dal import batch, keys, pages
from kring.dal.items import deserialize, serialize, value
from kring.errors import ConflictError, TransientError
from kring.models.ambassador import Ambassador
from kring.models.common import LOCALES, Locale, Page

if TYPE_CHECKING:
    from botocore.exceptions import ClientError

ENTITY = "ambassador"
ERASURE_ENTITY = "erasure"

MAX_TRANSACTION_ITEMS = 100
MAX_BATCH_GET_KEYS = 100
MAX_BATCH_WRITE_ITEMS = 25
MAX_WRITE_ATTEMPTS = 5
MAX_UNPROCESSED_ATTEMPTS = 8

_CREATE = "attribute_not_exists(pk)"
_REPLACE = "attribute_exists(pk) AND #created_at = :created_at"
_CREATED_AT_NAMES = {"#created_at": "created_at"}

Sleep = Callable[[float], None]


def to_item(ambassador: Ambassador) -> dict[str, Any]:
    item: dict[str, Any] = {
        **keys.ambassador(ambassador.id),
        **keys.ambassador_list_entry(ambassador.id),
        "entity": ENTITY,
        **ambassador.model_dump(mode="json"),
    }
    if ambassador.eligible_to_share:
        item.update(keys.eligible_entry(ambassador.id))
    return serialize(item)


def from_item(item: Mapping[str, Any]) -> Ambassador:
    data = deserialize(item)
    fields = Ambassador.model_fields
    return Ambassador.model_validate({k: v for k, v in data.items() if k in fields})


@dataclass(frozen=True)
class Saved:
    """A stored profile and whether this write created it (else it replaced one)."""

    ambassador: Ambassador
    created: bool


# --- errors --------------------------------------------------------------------------------------
def _code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def _response(exc: ClientError) -> dict[str, Any]:
    """The error response, with what the typed stubs leave out (``Item``, ``CancellationReasons``)."""
    return cast("dict[str, Any]", exc.response)


def _client_error() -> type[ClientError]:
    from botocore.exceptions import ClientError

    return ClientError


# --- reads ---------------------------------------------------------------------------------------
def get(ambassador_id: str) -> Ambassador | None:
    """GetItem on the profile (strongly consistent: the admin reads what it just wrote)."""
    got = aws.dynamodb().get_item(
        TableName=config.tables().table_name,
        Key=serialize(keys.ambassador(ambassador_id)),
        ConsistentRead=True,
    )
    item = got.get("Item")
    return from_item(item) if item else None


def locale_of(ambassador_id: str) -> Locale | None:
    """The profile's ``locale`` (GetItem of that one attribute), None without a profile (erased)."""
    got = aws.dynamodb().get_item(
        TableName=config.tables().table_name,
        Key=serialize(keys.ambassador(ambassador_id)),
        ProjectionExpression="#locale",
        ExpressionAttributeNames={"#locale": "locale"},
    )
    stored = deserialize(got.get("Item") or {}).get("locale")
    return cast("Locale", stored) if stored in LOCALES else None


def names(ambassador_ids: Iterable[str]) -> dict[str, str]:
    """The names of the profiles among ``ambassador_ids``, by id: BatchGetItem (100 keys a request,
    only ``pk`` and ``name`` read). An id without a profile (erased, or never imported) is absent."""
    wanted = sorted(set(ambassador_ids))
    if not wanted:
        return {}
    found = batch.get([serialize(keys.ambassador(i)) for i in wanted], projection=[keys.PK, "name"])
    out: dict[str, str] = {}
    for raw in found:
        item = deserialize(raw)
        if item.get("name"):
            out[keys.ambassador_id_from(str(item[keys.PK]))] = str(item["name"])
    return out


def list_page(limit: int, cursor: Mapping[str, Any] | None = None) -> Page[Ambassador]:
    """One page of every ambassador in id order: Query gsi1 ``AMBASSADORS``.

    ``cursor`` is a previous page's position; one that is not a position in this listing is an
    :class:`InvalidInputError`, never a request that fails inside DynamoDB.
    """
    return pages.query_page(
        keys.GSI1, keys.AMBASSADOR_LIST, limit, cursor, from_item, is_position=_is_profile
    )


def _is_profile(cursor: Mapping[str, str]) -> bool:
    """The cursor is the key of an ambassador profile (table and list keys agreeing)."""
    try:
        ambassador_id = keys.ambassador_id_from(cursor[keys.PK])
    except ValueError:
        return False
    return dict(cursor) == {**keys.ambassador(ambassador_id), **keys.ambassador_list_entry(ambassador_id)}


def collection_keys(ambassador_id: str, *, keep_rewards: bool = False) -> list[keys.Key]:
    """Every item of the ambassador's collection ``AMB#<id>``: profile, weekly cap ledgers, …;
    with ``keep_rewards`` without the reward ledger entries (what erasure deletes)."""
    out: list[keys.Key] = []
    request: dict[str, Any] = {
        "TableName": config.tables().table_name,
        "KeyConditionExpression": "#pk = :pk",
        "ExpressionAttributeNames": {"#pk": keys.PK, "#sk": keys.SK},
        "ExpressionAttributeValues": {":pk": value(keys.ambassador(ambassador_id)["pk"])},
        "ProjectionExpression": "#pk, #sk",
        "ConsistentRead": True,
    }
    for item in pages.query_all(request):
        plain = deserialize(item)
        sk = str(plain[keys.SK])
        if keep_rewards and sk.startswith(keys.rewards_of_ambassador_prefix()):
            continue
        out.append({"pk": str(plain[keys.PK]), "sk": sk})
    return out


# --- writes --------------------------------------------------------------------------------------
def save(ambassador: Ambassador) -> Saved:
    """Create the profile, or replace it keeping its ``created_at``: 201 versus 200, decided by
    conditional writes (never a read followed by a write).

    A replace is conditional on the ``created_at`` the failed create saw, so a profile erased or
    re-created in between is noticed and the decision is made again.
    """
    client = aws.dynamodb()
    table = config.tables().table_name
    client_error = _client_error()
    for _attempt in range(MAX_WRITE_ATTEMPTS):
        try:
            client.put_item(
                TableName=table,
                Item=to_item(ambassador),
                ConditionExpression=_CREATE,
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except client_error as exc:
            if _code(exc) != "ConditionalCheckFailedException":
                raise
            old: dict[str, Any] | None = _response(exc).get("Item")
            if not old or "created_at" not in old:
                continue  # gone again already (erased): decide anew
        else:
            return Saved(ambassador, created=True)
        kept = ambassador.model_copy(update={"created_at": _stored_time(old["created_at"])})
        try:
            client.put_item(
                TableName=table,
                Item=to_item(kept),
                ConditionExpression=_REPLACE,
                ExpressionAttributeNames=_CREATED_AT_NAMES,
                ExpressionAttributeValues={":created_at": old["created_at"]},
            )
        except client_error as exc:
            if _code(exc) != "ConditionalCheckFailedException":
                raise
            continue  # erased or re-created between the two writes: decide anew
        return Saved(kept, created=False)
    raise ConflictError(f"ambassador {ambassador.id} kept changing while it was being saved")


def save_many(ambassadors: Sequence[Ambassador], *, sleep: Sleep = time.sleep) -> list[Saved]:
    """Create or replace many profiles (distinct ids), a hundred per TransactWriteItems.

    Per chunk: BatchGetItem tells which profiles exist and their ``created_at``; the transaction
    then writes every profile on the condition that what it saw still holds (absent, or the
    same ``created_at``). If any condition fails, nothing of the chunk is written and the chunk
    is read and written again, so created/updated counts and ``created_at`` are exact even
    against concurrent writers. Requests: 1 BatchGetItem + 1 TransactWriteItems per 100 rows.
    """
    ids = [a.id for a in ambassadors]
    if len(set(ids)) != len(ids):
        raise ValueError("save_many takes distinct ambassador ids")
    out: list[Saved] = []
    for start in range(0, len(ambassadors), MAX_TRANSACTION_ITEMS):
        out.extend(_save_chunk(ambassadors[start : start + MAX_TRANSACTION_ITEMS], sleep))
    return out


def _save_chunk(chunk: Sequence[Ambassador], sleep: Sleep) -> list[Saved]:
    client = aws.dynamodb()
    table = config.tables().table_name
    client_error = _client_error()
    for attempt in range(MAX_WRITE_ATTEMPTS):
        existing = _created_at_of([a.id for a in chunk], sleep)
        saved: list[Saved] = []
        actions: list[dict[str, Any]] = []
        for ambassador in chunk:
            old_created_at = existing.get(ambassador.id)
            put: dict[str, Any] = {"TableName": table}
            if old_created_at is None:
                put.update(Item=to_item(ambassador), ConditionExpression=_CREATE)
                saved.append(Saved(ambassador, created=True))
            else:
                kept = ambassador.model_copy(update={"created_at": _stored_time(old_created_at)})
                put.update(
                    Item=to_item(kept),
                    ConditionExpression=_REPLACE,
                    ExpressionAttributeNames=_CREATED_AT_NAMES,
                    ExpressionAttributeValues={":created_at": old_created_at},
                )
                saved.append(Saved(kept, created=False))
            actions.append({"Put": put})
        try:
            client.transact_write_items(TransactItems=actions)  # type: ignore[arg-type]
        except client_error as exc:
            if _code(exc) != "TransactionCanceledException":
                raise
            cancelled: list[dict[str, Any]] = _response(exc).get("CancellationReasons", [])
            reasons = {r.get("Code") for r in cancelled}
            if not reasons <= {"None", "ConditionalCheckFailed", "TransactionConflict", None}:
                raise
            batch.backoff(attempt, sleep)
            continue
        return saved
    raise ConflictError("the ambassadors being imported kept changing while they were being saved")


def _stored_time(attribute: Mapping[str, Any]) -> datetime:
    """A stored timestamp attribute (ISO 8601 with offset) as an aware datetime."""
    from pydantic import AwareDatetime, TypeAdapter

    parsed: datetime = TypeAdapter(AwareDatetime).validate_python(deserialize({"v": attribute})["v"])
    return parsed


def _created_at_of(ambassador_ids: Sequence[str], sleep: Sleep) -> dict[str, dict[str, Any]]:
    """BatchGetItem: the raw ``created_at`` attribute of each existing profile, by id."""
    client = aws.dynamodb()
    table = config.tables().table_name
    out: dict[str, dict[str, Any]] = {}
    for start in range(0, len(ambassador_ids), MAX_BATCH_GET_KEYS):
        request: dict[str, Any] = {
            table: {
                "Keys": [
                    serialize(keys.ambassador(i)) for i in ambassador_ids[start : start + MAX_BATCH_GET_KEYS]
                ],
                "ProjectionExpression": "#pk, #created_at",
                "ExpressionAttributeNames": {"#pk": keys.PK, **_CREATED_AT_NAMES},
                "ConsistentRead": True,
            }
        }
        for attempt in range(MAX_UNPROCESSED_ATTEMPTS):
            got = client.batch_get_item(RequestItems=request)
            for item in got.get("Responses", {}).get(table, []):
                pk = deserialize({"pk": item["pk"]})["pk"]
                out[keys.ambassador_id_from(pk)] = dict(item["created_at"])
            request = dict(got.get("UnprocessedKeys") or {})
            if not request:
                break
            batch.backoff(attempt, sleep)
        else:
            raise TransientError("DynamoDB left keys unprocessed after every retry")
    return out


def delete_keys(item_keys: Iterable[keys.Key], *, sleep: Sleep = time.sleep) -> int:
    """BatchWriteItem deletes, 25 a request, unprocessed items retried with backoff."""
    requests = [{"DeleteRequest": {"Key": serialize(k)}} for k in item_keys]
    batch.write(requests, sleep=sleep)
    return len(requests)


def put_erasure_record(subject_hash: str, erased_at: datetime) -> None:
    """The proof of an erasure, keyed by a hash of the employee id (the record holds no id)."""
    aws.dynamodb().put_item(
        TableName=config.tables().table_name,
        Item=serialize(
            {
                **keys.erasure_record(subject_hash),
                "entity": ERASURE_ENTITY,
                "erased_at": erased_at.isoformat(),
            }
        ),
    )


def erasure_recorded(subject_hash: str) -> bool:
    got = aws.dynamodb().get_item(
        TableName=config.tables().table_name,
        Key=serialize(keys.erasure_record(subject_hash)),
        ConsistentRead=True,
        ProjectionExpression="#pk",
        ExpressionAttributeNames={"#pk": keys.PK},
    )
    return "Item" in got


# --- e-mail pointers -----------------------------------------------------------------------------
# ``AMBEMAIL#<keyed e-mail hash>`` → the ambassador id: how a referral record in an ATS, which names
# the referrer by e-mail, finds the ambassador. The pointer holds no address; attribution verifies
# it against the profile's own e-mail hash on every use, so a stale one (the address changed or
# moved to a colleague) never credits anyone.
POINTER_ENTITY = "ambassador_email"


def _pointer_item(email_hash: str, ambassador_id: str) -> dict[str, Any]:
    return serialize(
        {**keys.ambassador_email(email_hash), "entity": POINTER_ENTITY, "ambassador_id": ambassador_id}
    )


def put_email_pointer(email_hash: str, ambassador_id: str) -> None:
    """Point the hash at the ambassador (a plain, idempotent Put: the last saved profile wins)."""
    aws.dynamodb().put_item(
        TableName=config.tables().table_name, Item=_pointer_item(email_hash, ambassador_id)
    )


def put_email_pointers(pointers: Iterable[tuple[str, str]], *, sleep: Sleep = time.sleep) -> int:
    """Many (hash, ambassador id) pointers, 25 a BatchWriteItem; the requests made."""
    distinct = dict(pointers)  # one Put per key in a batch
    return batch.write(
        [{"PutRequest": {"Item": _pointer_item(h, a)}} for h, a in distinct.items()], sleep=sleep
    )


def delete_email_pointer(email_hash: str, ambassador_id: str) -> None:
    """Remove the pointer if it still names this ambassador (a colleague may have the address now)."""
    client_error = _client_error()
    try:
        aws.dynamodb().delete_item(
            TableName=config.tables().table_name,
            Key=serialize(keys.ambassador_email(email_hash)),
            ConditionExpression="#ambassador_id = :id",
            ExpressionAttributeNames={"#ambassador_id": "ambassador_id"},
            ExpressionAttributeValues={":id": value(ambassador_id)},
        )
    except client_error as exc:
        if _code(exc) != "ConditionalCheckFailedException":
            raise

"""Ambassador items: the profile with its list and eligibility index entries, and its repository.

The profile item is in the admin list (gsi1) always, and in the fan-out's sparse eligibility
index (gsi2) only while the ambassador may be given share links — so the fan-out finds its
candidates with one Query and never reads an ineligible profile.

Create-or-replace is decided by the write itself, never by a read before it: a PutItem
conditional on ``attribute_not_exists(pk)`` creates; when that condition fails, the item it
returns (``ReturnValuesOnConditionCheckFailure=ALL_OLD``) gives the ``created_at`` to keep, and a
second PutItem conditional on that very ``created_at`` replaces.

A change to a stored profile (a merge patch, an import line) is made against the profile as it
was read: the write is conditional on the ``updated_at`` it saw (:class:`Stored`), so a change
made in between is never overwritten unseen — the change is read and decided again. Imports put
their profiles in the transaction that records their chunk (:mod:`kring.dal.import_jobs`), with
the actions built here.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from kring.dal import batch, keys, pages, transact
from kring.dal.items import deserialize, serialize, value
from kring.dal.repository import Repository
from kring.errors import ConflictError
from kring.models.ambassador import Ambassador, Candidate
from kring.models.common import LOCALES, Locale, Page

ENTITY = "ambassador"
ERASURE_ENTITY = "erasure"

MAX_BATCH_WRITE_ITEMS = 25
MAX_WRITE_ATTEMPTS = 5

_CREATE = "attribute_not_exists(pk)"
_REPLACE = "attribute_exists(pk) AND #created_at = :created_at"
_CREATED_AT_NAMES = {"#created_at": "created_at"}
_UNCHANGED = "attribute_exists(pk) AND #updated_at = :updated_at"
_UPDATED_AT_NAMES = {"#updated_at": "updated_at"}

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
class Stored:
    """A profile as read, with the raw ``updated_at`` a write made against it is conditional on."""

    ambassador: Ambassador
    version: dict[str, Any]

    @classmethod
    def of(cls, item: Mapping[str, Any]) -> Stored:
        return cls(from_item(item), dict(item["updated_at"]))


@dataclass(frozen=True)
class Saved:
    """A stored profile and whether this write created it (else it replaced ``previous``)."""

    ambassador: Ambassador
    created: bool
    previous: Ambassador | None = None


_CANDIDATE_ATTRIBUTES = ("id", "interests", "share_cap_per_week")


def candidate_from_item(item: Mapping[str, Any]) -> Candidate:
    """A profile read as a fan-out candidate (:data:`_CANDIDATE_ATTRIBUTES` only)."""
    data = deserialize(item)
    return Candidate(
        id=data["id"],
        interests=tuple(data.get("interests") or ()),
        share_cap_per_week=data.get("share_cap_per_week"),
    )


def _is_profile(cursor: Mapping[str, str]) -> bool:
    """The cursor is the key of an ambassador profile (table and list keys agreeing)."""
    try:
        ambassador_id = keys.ambassador_id_from(cursor[keys.PK])
    except ValueError:
        return False
    return dict(cursor) == {**keys.ambassador(ambassador_id), **keys.ambassador_list_entry(ambassador_id)}


def _stored_time(attribute: Mapping[str, Any]) -> datetime:
    """A stored timestamp attribute (ISO 8601 with offset) as an aware datetime."""
    from pydantic import AwareDatetime, TypeAdapter

    parsed: datetime = TypeAdapter(AwareDatetime).validate_python(deserialize({"v": attribute})["v"])
    return parsed


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


def pointer_target(pointer: Mapping[str, Any] | None) -> str | None:
    """The ambassador an e-mail pointer item (read as plain values) names, None without one."""
    target = (pointer or {}).get("ambassador_id")
    return str(target) if target else None


def email_of(profile: Mapping[str, Any] | None) -> str | None:
    """The e-mail address of a profile item read as plain values (only ever hashed, never kept)."""
    email = (profile or {}).get("email")
    return str(email) if email else None


class AmbassadorRepository(Repository):
    """Ambassador profiles, their e-mail pointers and erasure records in the single table."""

    # --- reads ---------------------------------------------------------------------------------------
    def get(self, ambassador_id: str) -> Ambassador | None:
        """GetItem on the profile (strongly consistent: the admin reads what it just wrote)."""
        stored = self.get_stored(ambassador_id)
        return stored.ambassador if stored else None

    def locale_of(self, ambassador_id: str) -> Locale | None:
        """The profile's ``locale`` (GetItem of that one attribute), None without a profile (erased)."""
        got = self.client.get_item(
            TableName=self.table,
            Key=serialize(keys.ambassador(ambassador_id)),
            ProjectionExpression="#locale",
            ExpressionAttributeNames={"#locale": "locale"},
        )
        stored = deserialize(got.get("Item") or {}).get("locale")
        return cast("Locale", stored) if stored in LOCALES else None

    def names(self, ambassador_ids: Iterable[str]) -> dict[str, str]:
        """The names of the profiles among ``ambassador_ids``, by id: BatchGetItem (100 keys a request,
        only ``pk`` and ``name`` read). An id without a profile (erased, or never imported) is absent."""
        wanted = sorted(set(ambassador_ids))
        if not wanted:
            return {}
        found = batch.get(
            [serialize(keys.ambassador(i)) for i in wanted],
            projection=[keys.PK, "name"],
            client=self.client,
            table=self.table,
        )
        out: dict[str, str] = {}
        for raw in found:
            item = deserialize(raw)
            if item.get("name"):
                out[keys.ambassador_id_from(str(item[keys.PK]))] = str(item["name"])
        return out

    def leaderboard_profiles(self, ambassador_ids: Iterable[str]) -> dict[str, dict[str, Any]]:
        """What leaderboards show of the profiles among ``ambassador_ids``, by id: ``name``,
        ``department`` and ``leaderboard_display`` only (BatchGetItem, 100 keys a request)."""
        wanted = sorted(set(ambassador_ids))
        if not wanted:
            return {}
        found = batch.get(
            [serialize(keys.ambassador(i)) for i in wanted],
            projection=[keys.PK, "name", "department", "leaderboard_display"],
            client=self.client,
            table=self.table,
        )
        out: dict[str, dict[str, Any]] = {}
        for raw in found:
            item = deserialize(raw)
            out[keys.ambassador_id_from(str(item.pop(keys.PK)))] = item
        return out

    def get_stored(self, ambassador_id: str) -> Stored | None:
        """GetItem (strongly consistent): the profile and the version a change is made against."""
        got = self.client.get_item(
            TableName=self.table,
            Key=serialize(keys.ambassador(ambassador_id)),
            ConsistentRead=True,
        )
        item = got.get("Item")
        return Stored.of(item) if item else None

    def get_many(self, ambassador_ids: Sequence[str], *, sleep: Sleep = time.sleep) -> dict[str, Stored]:
        """The stored profiles among ``ambassador_ids``, by id: consistent BatchGetItem, 100 a request."""
        found = batch.get(
            (serialize(keys.ambassador(i)) for i in ambassador_ids),
            consistent=True,
            sleep=sleep,
            client=self.client,
            table=self.table,
        )
        stored = (Stored.of(item) for item in found)
        return {s.ambassador.id: s for s in stored}

    def list_page(self, limit: int, cursor: Mapping[str, Any] | None = None) -> Page[Ambassador]:
        """One page of every ambassador in id order: Query gsi1 ``AMBASSADORS``.

        ``cursor`` is a previous page's position; one that is not a position in this listing is an
        :class:`~kring.errors.InvalidInputError`, never a request that fails inside DynamoDB.
        """
        return pages.query_page(
            keys.GSI1,
            keys.AMBASSADOR_LIST,
            limit,
            cursor,
            from_item,
            is_position=_is_profile,
            table=self.table,
            client=self.client,
        )

    def eligible_page(self, limit: int, cursor: Mapping[str, Any] | None = None) -> Page[Candidate]:
        """The fan-out's candidates: one page of the sparse ``ELIGIBLE`` index (gsi2), never a Scan.
        Only what the fan-out decides on: the profile's other fields never leave the table."""
        return pages.query_page(
            keys.GSI2,
            keys.ELIGIBLE_AMBASSADORS,
            limit,
            cursor,
            candidate_from_item,
            attributes=_CANDIDATE_ATTRIBUTES,
            table=self.table,
            client=self.client,
        )

    def collection(self, ambassador_id: str) -> list[dict[str, Any]]:
        """Every item of the ambassador's collection ``AMB#<id>`` as plain values (their data
        export): one Query, paged through."""
        request: dict[str, Any] = {
            "TableName": self.table,
            "KeyConditionExpression": "#pk = :pk",
            "ExpressionAttributeNames": {"#pk": keys.PK},
            "ExpressionAttributeValues": {":pk": value(keys.ambassador(ambassador_id)["pk"])},
            "ConsistentRead": True,
        }
        return [deserialize(item) for item in pages.query_all(request, client=self.client)]

    def collection_keys(self, ambassador_id: str, *, keep_rewards: bool = False) -> list[keys.Key]:
        """Every item of the ambassador's collection ``AMB#<id>``: profile, weekly cap ledgers, …;
        with ``keep_rewards`` without the reward ledger entries (what erasure deletes)."""
        out: list[keys.Key] = []
        request: dict[str, Any] = {
            "TableName": self.table,
            "KeyConditionExpression": "#pk = :pk",
            "ExpressionAttributeNames": {"#pk": keys.PK, "#sk": keys.SK},
            "ExpressionAttributeValues": {":pk": value(keys.ambassador(ambassador_id)["pk"])},
            "ProjectionExpression": "#pk, #sk",
            "ConsistentRead": True,
        }
        for item in pages.query_all(request, client=self.client):
            plain = deserialize(item)
            sk = str(plain[keys.SK])
            if keep_rewards and sk.startswith(keys.rewards_of_ambassador_prefix()):
                continue
            out.append({"pk": str(plain[keys.PK]), "sk": sk})
        return out

    # --- writes --------------------------------------------------------------------------------------
    def save(self, ambassador: Ambassador) -> Saved:
        """Create the profile, or replace it keeping its ``created_at``: 201 versus 200, decided by
        conditional writes (never a read followed by a write).

        A replace is conditional on the ``created_at`` the failed create saw, so a profile erased or
        re-created in between is noticed and the decision is made again.
        """
        client = self.client
        table = self.table
        for _attempt in range(MAX_WRITE_ATTEMPTS):
            try:
                client.put_item(
                    TableName=table,
                    Item=to_item(ambassador),
                    ConditionExpression=_CREATE,
                    ReturnValuesOnConditionCheckFailure="ALL_OLD",
                )
            except transact.client_error() as exc:
                if transact.error_code(exc) != transact.CONDITIONAL_CHECK_FAILED_EXCEPTION:
                    raise
                old: dict[str, Any] | None = cast("dict[str, Any]", exc.response).get("Item")
                if not old or "created_at" not in old:
                    continue  # gone again already (erased): decide anew
            else:
                return Saved(ambassador, created=True)
            kept = ambassador.model_copy(
                update={
                    "created_at": _stored_time(old["created_at"]),
                    # the programme's (issue 13): a replace by the talent team does not undo a leave
                    "in_programme": deserialize(old).get("in_programme", True) is not False,
                }
            )
            try:
                client.put_item(
                    TableName=table,
                    Item=to_item(kept),
                    ConditionExpression=_REPLACE,
                    ExpressionAttributeNames=_CREATED_AT_NAMES,
                    ExpressionAttributeValues={":created_at": old["created_at"]},
                )
            except transact.client_error() as exc:
                if transact.error_code(exc) != transact.CONDITIONAL_CHECK_FAILED_EXCEPTION:
                    raise
                continue  # erased or re-created between the two writes: decide anew
            return Saved(kept, created=False, previous=from_item(old))
        raise ConflictError(f"ambassador {ambassador.id} kept changing while it was being saved")

    def create_action(self, ambassador: Ambassador) -> dict[str, Any]:
        """A transaction's Put that creates the profile, if no profile has this id."""
        return {
            "Put": {
                "TableName": self.table,
                "Item": to_item(ambassador),
                "ConditionExpression": _CREATE,
            }
        }

    def replace_action(self, ambassador: Ambassador, seen: Stored) -> dict[str, Any]:
        """A transaction's Put that replaces the profile, if it is still the one ``seen``."""
        return {
            "Put": {
                "TableName": self.table,
                "Item": to_item(ambassador),
                "ConditionExpression": _UNCHANGED,
                "ExpressionAttributeNames": _UPDATED_AT_NAMES,
                "ExpressionAttributeValues": {":updated_at": seen.version},
            }
        }

    def replace(self, ambassador: Ambassador, seen: Stored) -> bool:
        """PutItem replacing the profile if it is still the one ``seen``; False if it changed or went."""
        action = self.replace_action(ambassador, seen)["Put"]
        return transact.applied(self.client.put_item, **action) is not None

    def delete_keys(self, item_keys: Iterable[keys.Key], *, sleep: Sleep = time.sleep) -> int:
        """BatchWriteItem deletes, 25 a request, unprocessed items retried with backoff."""
        requests = [{"DeleteRequest": {"Key": serialize(k)}} for k in item_keys]
        batch.write(requests, sleep=sleep, client=self.client, table=self.table)
        return len(requests)

    def put_erasure_record(self, subject_hash: str, erased_at: datetime) -> None:
        """The proof of an erasure, keyed by a hash of the employee id (the record holds no id)."""
        self.client.put_item(
            TableName=self.table,
            Item=serialize(
                {
                    **keys.erasure_record(subject_hash),
                    "entity": ERASURE_ENTITY,
                    "erased_at": erased_at.isoformat(),
                }
            ),
        )

    def erasure_recorded(self, subject_hash: str) -> bool:
        got = self.client.get_item(
            TableName=self.table,
            Key=serialize(keys.erasure_record(subject_hash)),
            ConsistentRead=True,
            ProjectionExpression="#pk",
            ExpressionAttributeNames={"#pk": keys.PK},
        )
        return "Item" in got

    # --- e-mail pointers (see POINTER_ENTITY) --------------------------------------------------------
    def put_email_pointer(self, email_hash: str, ambassador_id: str) -> None:
        """Point the hash at the ambassador (a plain, idempotent Put: the last saved profile wins)."""
        self.client.put_item(TableName=self.table, Item=_pointer_item(email_hash, ambassador_id))

    def put_email_pointers(self, pointers: Iterable[tuple[str, str]], *, sleep: Sleep = time.sleep) -> int:
        """Many (hash, ambassador id) pointers, 25 a BatchWriteItem; the requests made."""
        distinct = dict(pointers)  # one Put per key in a batch
        return batch.write(
            [{"PutRequest": {"Item": _pointer_item(h, a)}} for h, a in distinct.items()],
            sleep=sleep,
            client=self.client,
            table=self.table,
        )

    def pointed_by(self, email_hash: str) -> str | None:
        """The ambassador an e-mail pointer names (GetItem), None without one. Unverified: compare
        the profile's own address hash before trusting it."""
        got = self.client.get_item(TableName=self.table, Key=serialize(keys.ambassador_email(email_hash)))
        return pointer_target(deserialize(got.get("Item") or {}))

    def delete_email_pointer(self, email_hash: str, ambassador_id: str) -> None:
        """Remove the pointer if it still names this ambassador (a colleague may have the address now)."""
        transact.applied(
            self.client.delete_item,
            TableName=self.table,
            Key=serialize(keys.ambassador_email(email_hash)),
            ConditionExpression="#ambassador_id = :id",
            ExpressionAttributeNames={"#ambassador_id": "ambassador_id"},
            ExpressionAttributeValues={":id": value(ambassador_id)},
        )

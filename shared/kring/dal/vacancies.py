"""The vacancy aggregate in the table: vacancy items and the ATS jobs behind them.

A vacancy item is the :class:`~kring.models.vacancy.Vacancy` plus what only the store needs:

- ``revision`` — bumped by every write; each write is conditional on the revision it read, so
  two deliveries applied at once never lose each other's changes (the loser re-reads and retries);
- ``source_updated_at`` — the ATS's own change time as a fixed-width UTC string, so the condition
  ``source_updated_at <= :new`` in the same write keeps an older delivery from overwriting newer
  state (never read-then-write);
- the post's own facts (``post_live``, ``post_location``, ``post_language`` — the language the
  ATS gave), so a later job event can recompute the vacancy without the post's payload;
  ``closed_reason``;
- ``pending_events`` — the events a write decided to emit, stored with the write and removed once
  they are on the bus: a crash between the two is repaired by the ATS's retry (a small outbox).

A failed condition becomes :class:`~kring.errors.ConflictError` (:func:`kring.dal.transact.conditional`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from kring.dal import batch, keys, pages
from kring.dal.items import deserialize, serialize, timestamp, value
from kring.dal.repository import Repository
from kring.dal.transact import conditional
from kring.errors import ConflictError
from kring.models.common import Locale, Page
from kring.models.vacancy import AtsJob, Vacancy

VACANCY_ENTITY = "vacancy"
ATS_JOB_ENTITY = "ats_job"
_DATETIMES = ("published_at", "closed_at", "updated_at", "source_updated_at")


@dataclass(frozen=True)
class StoredVacancy:
    """A vacancy as stored, with the store's own bookkeeping (see the module docstring)."""

    vacancy: Vacancy
    revision: int = 0
    post_live: bool = False
    post_location: str | None = None
    closed_reason: str | None = None
    pending_events: tuple[str, ...] = ()
    post_language: Locale | None = None  # None: the vacancy's (stored before overrides existed)

    @property
    def deleted(self) -> bool:
        return self.closed_reason == "deleted"

    @property
    def ats_language(self) -> Locale:
        """The language the ATS gave (or Kring read from the post), whatever the talent team set."""
        return self.post_language or self.vacancy.language


def to_item(stored: StoredVacancy) -> dict[str, Any]:
    vacancy = stored.vacancy
    data = vacancy.model_dump(mode="json")
    for name in _DATETIMES:
        moment = getattr(vacancy, name)
        data[name] = timestamp(moment) if moment is not None else None
    item: dict[str, Any] = {
        **keys.vacancy(vacancy.id),
        **keys.vacancy_list_entry(vacancy.id),
        "entity": VACANCY_ENTITY,
        **data,
        "revision": stored.revision,
        "post_live": stored.post_live,
        "post_location": stored.post_location,
        "closed_reason": stored.closed_reason,
        "pending_events": list(stored.pending_events) or None,
        "post_language": stored.post_language,
    }
    if vacancy.external_job_id is not None:
        item.update(keys.vacancy_by_job_entry(vacancy.provider, vacancy.external_job_id, vacancy.id))
    if vacancy.status == "published":
        published = data["published_at"] or ""
        item.update(keys.open_vacancy_entry(vacancy.id, published))
    return serialize(item)


@dataclass(frozen=True)
class OpenVacancy:
    """What the catch-up reads of an open vacancy: its id and what the matching rule reads
    (:class:`kring.sharing.fanout.Offer`)."""

    id: str
    department: str | None
    location: str | None
    tags: tuple[str, ...]


_OPEN_ATTRIBUTES = ("id", "department", "location", "tags")


def open_from_item(item: Mapping[str, Any]) -> OpenVacancy:
    data = deserialize(item)
    return OpenVacancy(
        id=str(data["id"]),
        department=data.get("department"),
        location=data.get("location"),
        tags=tuple(data.get("tags") or ()),
    )


def _is_open_position(cursor: Mapping[str, str]) -> bool:
    """The cursor is the key of a vacancy item (the open index's entries are vacancy items)."""
    pk = cursor.get(keys.PK, "")
    return pk.startswith("VAC#") and cursor.get(keys.SK) == keys.vacancy(pk.removeprefix("VAC#"))["sk"]


def from_item(item: Mapping[str, Any]) -> StoredVacancy:
    data = deserialize(item)
    fields = Vacancy.model_fields
    return StoredVacancy(
        vacancy=Vacancy.model_validate({k: v for k, v in data.items() if k in fields}),
        revision=int(data.get("revision", 0)),
        post_live=bool(data.get("post_live", False)),
        post_location=data.get("post_location"),
        closed_reason=data.get("closed_reason"),
        pending_events=tuple(data.get("pending_events") or ()),
        post_language=data.get("post_language"),
    )


class KeptItems:
    """:func:`from_item` for a reader that reads the same listing again and again (a warm mail
    sender, SQS batch after SQS batch): an item equal to the one read before under the same key
    gives back what was parsed then, without deserializing and validating it again. Equal items
    parse to equal vacancies, so this changes nothing but the work; the vacancies given back are
    shared between the reads and must not be changed. At most ``size`` items are kept (then it
    starts again)."""

    def __init__(self, size: int = 2000) -> None:
        self.size = size
        self._kept: dict[str, tuple[Mapping[str, Any], StoredVacancy]] = {}

    def __call__(self, item: Mapping[str, Any]) -> StoredVacancy:
        key = item.get(keys.PK, {}).get("S")
        kept = self._kept.get(key) if isinstance(key, str) else None
        if kept is not None and kept[0] == item:
            return kept[1]
        stored = from_item(item)
        if isinstance(key, str):
            if len(self._kept) >= self.size:
                self._kept.clear()
            self._kept[key] = (item, stored)
        return stored

    def clear(self) -> None:
        self._kept.clear()


def job_to_item(job: AtsJob) -> dict[str, Any]:
    return serialize(
        {**keys.ats_job(job.provider, job.job_id), "entity": ATS_JOB_ENTITY, **job.model_dump(mode="json")}
    )


def job_from_item(item: Mapping[str, Any]) -> AtsJob:
    data = deserialize(item)
    fields = AtsJob.model_fields
    return AtsJob.model_validate({k: v for k, v in data.items() if k in fields})


class VacancyRepository(Repository):
    """Vacancies and ATS jobs in the single table. Clients and names are resolved lazily."""

    # ----------------------------------------------------------------------------- vacancies
    def get(self, vacancy_id: str) -> StoredVacancy | None:
        got = self.client.get_item(
            TableName=self.table, Key=serialize(keys.vacancy(vacancy_id)), ConsistentRead=True
        )
        item = got.get("Item")
        return from_item(item) if item else None

    def get_many(self, vacancy_ids: Iterable[str]) -> dict[str, StoredVacancy]:
        """The stored vacancies among ``vacancy_ids``, by id: BatchGetItem, 100 keys a request."""
        found = batch.get(
            [serialize(keys.vacancy(v)) for v in sorted(set(vacancy_ids))],
            client=self.client,
            table=self.table,
        )
        stored = (from_item(item) for item in found)
        return {s.vacancy.id: s for s in stored}

    def put(self, stored: StoredVacancy, *, expected_revision: int | None) -> None:
        """Write ``stored`` if the item is still at ``expected_revision`` (``None``: absent) and
        the stored ATS change time is not newer than the one written. :class:`ConflictError` else."""
        names = {"#pk": keys.PK}
        values: dict[str, Any] = {}
        if expected_revision is None:
            condition = "attribute_not_exists(#pk)"
        else:
            names.update({"#rev": "revision", "#src": "source_updated_at"})
            values[":rev"] = value(expected_revision)
            source = stored.vacancy.source_updated_at
            if source is None:
                condition = "attribute_exists(#pk) AND #rev = :rev AND attribute_not_exists(#src)"
            else:
                values[":src"] = value(timestamp(source))
                condition = (
                    "attribute_exists(#pk) AND #rev = :rev AND (attribute_not_exists(#src) OR #src <= :src)"
                )
        request: dict[str, Any] = {
            "TableName": self.table,
            "Item": to_item(stored),
            "ConditionExpression": condition,
            "ExpressionAttributeNames": names,
        }
        if values:
            request["ExpressionAttributeValues"] = values
        with conditional(f"vacancy {stored.vacancy.id} changed underneath"):
            self.client.put_item(**request)

    def clear_pending(self, vacancy_id: str, revision: int) -> bool:
        """Forget the pending events once they are on the bus, unless the item moved on (then the
        writer that moved it carried them forward and publishes them itself)."""
        try:
            with conditional("pending events taken over"):
                self.client.update_item(
                    TableName=self.table,
                    Key=serialize(keys.vacancy(vacancy_id)),
                    UpdateExpression="REMOVE #pending",
                    ConditionExpression="#rev = :rev",
                    ExpressionAttributeNames={"#pending": "pending_events", "#rev": "revision"},
                    ExpressionAttributeValues={":rev": value(revision)},
                )
        except ConflictError:
            return False
        return True

    def list_page(
        self,
        limit: int,
        cursor: Mapping[str, Any] | None = None,
        *,
        parse: Callable[[Mapping[str, Any]], StoredVacancy] = from_item,
    ) -> Page[Vacancy]:
        """One page of every vacancy in id order (gsi1). ``cursor`` is the previous page's;
        ``parse`` reads an item (:func:`from_item`, or a :class:`KeptItems`)."""
        page = pages.query_page(
            keys.GSI1, keys.VACANCY_LIST, limit, cursor, parse, table=self.table, client=self.client
        )
        return Page(items=[stored.vacancy for stored in page.items], cursor=page.cursor)

    def open_page(self, limit: int, cursor: Mapping[str, Any] | None = None) -> Page[OpenVacancy]:
        """One page of the published vacancies, newest first: Query the sparse gsi3 ``OPEN``
        (eventually consistent), only the attributes matching reads. A closed vacancy leaves the
        index with the write that closes it."""
        return pages.query_page(
            keys.GSI3,
            keys.OPEN_VACANCIES,
            limit,
            cursor,
            open_from_item,
            attributes=_OPEN_ATTRIBUTES,
            is_position=_is_open_position,
            forward=False,
            table=self.table,
            client=self.client,
        )

    def index_open(self) -> tuple[int, int]:
        """Put every published vacancy stored before the open index existed into it (an operator's
        one-off after the upgrade: ``make reindex``): the id-ordered list (gsi1), every page, and
        an UpdateItem for each published vacancy without its gsi3 entry, conditional on it still
        being published without one. (vacancies read, vacancies indexed); a second run indexes none."""
        request: dict[str, Any] = {
            "TableName": self.table,
            "IndexName": keys.GSI1,
            "KeyConditionExpression": "#pk = :pk",
            "ProjectionExpression": "#id, #status, #published, #open",
            "ExpressionAttributeNames": {
                "#pk": keys.GSI1_PK,
                "#id": "id",
                "#status": "status",
                "#published": "published_at",
                "#open": keys.GSI3_PK,
            },
            "ExpressionAttributeValues": serialize({":pk": keys.VACANCY_LIST}),
        }
        read = indexed = 0
        for item in pages.query_all(request, client=self.client):
            read += 1
            data = deserialize(item)
            if data.get("status") != "published" or keys.GSI3_PK in data:
                continue
            entry = keys.open_vacancy_entry(str(data["id"]), str(data.get("published_at") or ""))
            try:
                with conditional("closed or indexed meanwhile"):
                    self.client.update_item(
                        TableName=self.table,
                        Key=serialize(keys.vacancy(str(data["id"]))),
                        UpdateExpression="SET #gpk = :gpk, #gsk = :gsk",
                        ConditionExpression="#status = :published AND attribute_not_exists(#gpk)",
                        ExpressionAttributeNames={
                            "#gpk": keys.GSI3_PK,
                            "#gsk": keys.GSI3_SK,
                            "#status": "status",
                        },
                        ExpressionAttributeValues=serialize(
                            {
                                ":gpk": entry[keys.GSI3_PK],
                                ":gsk": entry[keys.GSI3_SK],
                                ":published": "published",
                            }
                        ),
                    )
            except ConflictError:
                continue
            indexed += 1
        return read, indexed

    def of_job(self, provider: str, job_id: str) -> list[StoredVacancy]:
        """The vacancies (posts) of one ATS job (gsi2; eventually consistent)."""
        return [
            from_item(item) for item in pages.query_all(self._of_job(provider, job_id), client=self.client)
        ]

    def ids_of_job(self, provider: str, job_id: str) -> tuple[str, ...]:
        """The ids of one ATS job's vacancies, sorted: the same Query, keys only."""
        request = {**self._of_job(provider, job_id), "ProjectionExpression": "#sk"}
        request["ExpressionAttributeNames"] = {"#pk": keys.GSI2_PK, "#sk": keys.GSI2_SK}
        found = pages.query_all(request, client=self.client)
        return tuple(sorted(keys.vacancy_id_of_job_entry(str(deserialize(i)[keys.GSI2_SK])) for i in found))

    def _of_job(self, provider: str, job_id: str) -> dict[str, Any]:
        return {
            "TableName": self.table,
            "IndexName": keys.GSI2,
            "KeyConditionExpression": "#pk = :pk",
            "ExpressionAttributeNames": {"#pk": keys.GSI2_PK},
            "ExpressionAttributeValues": {":pk": value(keys.vacancies_of_job(provider, job_id))},
        }

    def of_provider(self, provider: str) -> list[StoredVacancy]:
        """Every vacancy of one ATS, whatever its status: the id-ordered list (gsi1) from
        ``VAC#<provider>-``, every page (eventually consistent). What the job poller compares
        the provider's feed with."""
        prefix = keys.vacancy_list_entry(f"{provider}-")[keys.GSI1_SK]
        request: dict[str, Any] = {
            "TableName": self.table,
            "IndexName": keys.GSI1,
            "KeyConditionExpression": "#pk = :pk AND begins_with(#sk, :prefix)",
            "ExpressionAttributeNames": {"#pk": keys.GSI1_PK, "#sk": keys.GSI1_SK},
            "ExpressionAttributeValues": {":pk": value(keys.VACANCY_LIST), ":prefix": value(prefix)},
        }
        return [from_item(item) for item in pages.query_all(request, client=self.client)]

    # ----------------------------------------------------------------------------- ATS jobs
    def get_job(self, provider: str, job_id: str) -> AtsJob | None:
        got = self.client.get_item(
            TableName=self.table, Key=serialize(keys.ats_job(provider, job_id)), ConsistentRead=True
        )
        item = got.get("Item")
        return job_from_item(item) if item else None

    def put_job(self, job: AtsJob) -> None:
        """Last write wins: ATS job payloads carry no change time to order them by."""
        self.client.put_item(TableName=self.table, Item=job_to_item(job))

    def title_of(self, vacancy_id: str) -> str | None:
        """Only the vacancy's title (GetItem of one attribute), None without one: what a mail
        names."""
        got = self.client.get_item(
            TableName=self.table,
            Key=serialize(keys.vacancy(vacancy_id)),
            ProjectionExpression="#title",
            ExpressionAttributeNames={"#title": "title"},
        )
        title = (got.get("Item") or {}).get("title", {}).get("S")
        return str(title) if title else None

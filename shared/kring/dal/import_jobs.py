"""Import jobs: the job item (what was uploaded, how far it is, its counters) and one record per
chunk of lines (each line's outcome), and the transaction that applies a chunk exactly once.

A chunk's profile writes, its record (``attribute_not_exists``) and the job's counters are one
TransactWriteItems: either all of it happened or none of it, and a chunk delivered again finds
its record there and changes nothing (:meth:`ImportJobRepository.record_chunk` answers False).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from kring.dal import keys, transact
from kring.dal.items import deserialize, serialize
from kring.dal.repository import Repository
from kring.dal.transact import Outcome
from kring.errors import ConflictError, NotFoundError

JOB_ENTITY = "import_job"
CHUNK_ENTITY = "import_chunk"
KEEP_FOR = timedelta(days=30)
MAX_TRANSACTION_ITEMS = 100
PROFILES_PER_CHUNK = MAX_TRANSACTION_ITEMS - 2  # + the chunk record and the job's counters

# What each chunk adds to its job. A line that is not eligible adds 1 to each of its reasons.
COUNTERS: tuple[str, ...] = (
    "chunks_done",
    "lines_done",
    "created",
    "updated",
    "unchanged",
    "failed",
    "eligible",
    "not_opted_in",
    "phase",
    "dormant",
)


class StaleReadError(ConflictError):
    """A profile the chunk was decided against changed (or appeared) before the write."""


@dataclass(frozen=True)
class ImportJob:
    job_id: str
    created_at: datetime
    size_bytes: int
    encoding: str
    delimiter: str
    columns: list[str]
    lines: int
    chunks: int
    filename: str | None = None
    counts: dict[str, int] = field(default_factory=dict)
    last_chunk_at: datetime | None = None
    abandoned: str | None = None
    last_error: str | None = None

    def count(self, name: str) -> int:
        return self.counts.get(name, 0)


def _expires(created_at: datetime) -> int:
    return int((created_at + KEEP_FOR).timestamp())


def to_item(job: ImportJob) -> dict[str, Any]:
    return serialize(
        {
            **keys.import_job(job.job_id),
            "entity": JOB_ENTITY,
            "job_id": job.job_id,
            "created_at": job.created_at.isoformat(),
            "filename": job.filename,
            "size_bytes": job.size_bytes,
            "encoding": job.encoding,
            "delimiter": job.delimiter,
            "columns": job.columns,
            "lines": job.lines,
            "chunks": job.chunks,
            **{name: job.count(name) for name in COUNTERS},
            keys.TTL_ATTRIBUTE: _expires(job.created_at),
        }
    )


def from_item(item: Mapping[str, Any]) -> ImportJob:
    data = deserialize(item)
    last = data.get("last_chunk_at")
    return ImportJob(
        job_id=str(data["job_id"]),
        created_at=datetime.fromisoformat(str(data["created_at"])),
        filename=data.get("filename"),
        size_bytes=int(data["size_bytes"]),
        encoding=str(data["encoding"]),
        delimiter=str(data["delimiter"]),
        columns=[str(c) for c in data["columns"]],
        lines=int(data["lines"]),
        chunks=int(data["chunks"]),
        counts={name: int(data.get(name, 0)) for name in COUNTERS},
        last_chunk_at=datetime.fromisoformat(str(last)) if last else None,
        abandoned=data.get("abandoned"),
        last_error=data.get("last_error"),
    )


class ImportJobRepository(Repository):
    """Import jobs and their chunk records in the single table."""

    # --- the job ---------------------------------------------------------------------------------
    def put_job(self, job: ImportJob) -> None:
        self.client.put_item(
            TableName=self.table, Item=to_item(job), ConditionExpression="attribute_not_exists(pk)"
        )

    def get_job(self, job_id: str) -> ImportJob | None:
        got = self.client.get_item(
            TableName=self.table, Key=serialize(keys.import_job(job_id)), ConsistentRead=True
        )
        item = got.get("Item")
        return from_item(item) if item else None

    def _set(self, job_id: str, values: Mapping[str, str]) -> None:
        names = {f"#a{i}": name for i, name in enumerate(values)}
        self.client.update_item(
            TableName=self.table,
            Key=serialize(keys.import_job(job_id)),
            UpdateExpression="SET " + ", ".join(f"{n} = :v{i}" for i, n in enumerate(names)),
            ConditionExpression="attribute_exists(pk)",
            ExpressionAttributeNames=names,
            ExpressionAttributeValues=serialize({f":v{i}": v for i, v in enumerate(values.values())}),
        )

    def mark_abandoned(self, job_id: str, reason: str) -> None:
        """The upload could not queue every chunk: the job will never complete."""
        self._set(job_id, {"abandoned": reason[:500]})

    def note_failure(self, job_id: str, message: str, at: datetime) -> None:
        """The last error a chunk of this job met (it is retried; shown until the job completes)."""
        self._set(job_id, {"last_error": message[:500], "last_error_at": at.isoformat()})

    # --- chunks ----------------------------------------------------------------------------------
    def record_chunk(
        self,
        job_id: str,
        chunk: int,
        *,
        results: Sequence[Mapping[str, Any]],
        counts: Mapping[str, int],
        profile_actions: Sequence[Mapping[str, Any]],
        at: datetime,
    ) -> bool:
        """Write the chunk's profiles, its record and its counters in one transaction.

        True: applied now. False: the chunk was recorded before (a redelivery) and nothing
        changed. Raises :class:`StaleReadError` when a profile changed since it was read (read and
        decide again) or another transaction touched the same items, and :class:`NotFoundError`
        when the job is gone.
        """
        if len(profile_actions) > PROFILES_PER_CHUNK:
            raise ValueError(f"a chunk writes at most {PROFILES_PER_CHUNK} profiles")
        table = self.table
        record = {
            **keys.import_chunk(job_id, chunk),
            "entity": CHUNK_ENTITY,
            "chunk": chunk,
            "results": [dict(r) for r in results],
            "recorded_at": at.isoformat(),
            keys.TTL_ATTRIBUTE: int((at + KEEP_FOR).timestamp()),
        }
        names = {f"#c{i}": name for i, name in enumerate(COUNTERS)}
        values: dict[str, Any] = {f":c{i}": int(counts.get(name, 0)) for i, name in enumerate(COUNTERS)}
        values[":at"] = at.isoformat()
        actions: list[dict[str, Any]] = [
            *(dict(a) for a in profile_actions),
            {
                "Put": {
                    "TableName": table,
                    "Item": serialize(record),
                    "ConditionExpression": "attribute_not_exists(pk)",
                }
            },
            {
                "Update": {
                    "TableName": table,
                    "Key": serialize(keys.import_job(job_id)),
                    "UpdateExpression": "ADD "
                    + ", ".join(f"{n} :c{i}" for i, n in enumerate(names))
                    + " SET #at = :at",
                    "ConditionExpression": "attribute_exists(pk)",
                    "ExpressionAttributeNames": {**names, "#at": "last_chunk_at"},
                    "ExpressionAttributeValues": serialize(values),
                }
            },
        ]
        # the chunk's record is the marker (second to last), the job's update the last action
        outcome = transact.write(self.client, actions, duplicate_at=-2, missing_at=-1)
        if outcome is Outcome.DUPLICATE:
            return False
        if outcome is Outcome.MISSING:
            raise NotFoundError(f"no import job {job_id!r}")
        if outcome is Outcome.CONFLICT:
            raise StaleReadError(f"import {job_id} chunk {chunk}: profiles changed while it was written")
        return True

    def chunk_results(
        self, job_id: str, first_chunk: int, limit: int
    ) -> list[tuple[int, list[dict[str, Any]]]]:
        """Up to ``limit`` chunk records from ``first_chunk`` on, in order: (chunk, its line results)."""
        low, high = keys.import_chunk_range(first_chunk)
        got = self.client.query(
            TableName=self.table,
            KeyConditionExpression="#pk = :pk AND #sk BETWEEN :low AND :high",
            ExpressionAttributeNames={"#pk": keys.PK, "#sk": keys.SK},
            ExpressionAttributeValues=serialize(
                {":pk": keys.import_job(job_id)["pk"], ":low": low, ":high": high}
            ),
            Limit=limit,
            ConsistentRead=True,
        )
        out = []
        for item in got.get("Items", []):
            data = deserialize(item)
            out.append((keys.import_chunk_of(str(data[keys.SK])), list(data.get("results", []))))
        return out

"""Applying import chunks against Amazon's engine: a full chunk in one transaction, exactly once
under redelivery, and decided again when a profile changes between the read and the write."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from kring import aws, config
from kring.dal import ambassadors as repository
from kring.dal import import_jobs as jobs
from kring.dal.import_jobs import ImportJob
from kring.events import AmbassadorChanged, KringEvent
from kring.models.ambassador import Ambassador, AmbassadorInput
from kring.queues import MAX_IMPORT_CHUNK_LINES, ImportChunk, ImportLine
from kring.roster import imports
from tests.support.fixtures import DynamoDBLocal

pytestmark = pytest.mark.dynamodb_local

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
JOB = "0123456789abcdef0123456789abcdef"


def _no_sleep(_seconds: float) -> None:
    return None


@pytest.fixture
def job(dynamodb_local: DynamoDBLocal, secrets_env: None) -> str:
    jobs.ImportJobRepository().put_job(
        ImportJob(
            job_id=JOB,
            created_at=T0,
            size_bytes=1,
            encoding="utf-8",
            delimiter=",",
            columns=["id", "name", "email", "phase", "opted_in"],
            lines=MAX_IMPORT_CHUNK_LINES,
            chunks=2,
        )
    )
    return JOB


def _line(n: int, **cells: str) -> ImportLine:
    ambassador_id = f"A{n:03d}"
    base = {"id": ambassador_id, "name": f"Person {n}", "email": f"p{n}@example.com", "phase": "decision"}
    return ImportLine(line=n + 2, id=ambassador_id, cells={**base, **cells})


class _Bus:
    """The announcements a chunk made (the publisher port, as a fake)."""

    def __init__(self) -> None:
        self.events: list[KringEvent] = []

    def publish(self, events: Any) -> None:
        self.events.extend(events)

    def announced(self) -> list[str]:
        return sorted(e.ambassador_id for e in self.events if isinstance(e, AmbassadorChanged))


def _chunk(number: int, lines: list[ImportLine]) -> ImportChunk:
    return ImportChunk(job_id=JOB, chunk=number, lines=lines)


def test_a_full_chunk_is_one_transaction_and_applied_exactly_once(job: str) -> None:
    chunk = _chunk(0, [_line(n, opted_in="ja") for n in range(MAX_IMPORT_CHUNK_LINES)])
    calls: list[str] = []

    def count(event_name: str, **_: Any) -> None:
        calls.append(event_name.rsplit(".", 1)[-1])

    client = aws.dynamodb()
    client.meta.events.register("before-call.dynamodb", count)
    bus, again_bus = _Bus(), _Bus()
    try:
        first = imports.apply_chunk(chunk, now=T0, sleep=_no_sleep, publisher=bus)
        again = imports.apply_chunk(
            chunk, now=T0 + timedelta(minutes=5), sleep=_no_sleep, publisher=again_bus
        )
    finally:
        client.meta.events.unregister("before-call.dynamodb", count)
    assert (first["applied"], again["applied"]) == (True, False)
    # every newly eligible ambassador announced (links follow eligibility), and again from the
    # chunk's record on the redelivery (its announcement may have failed)
    assert bus.announced() == again_bus.announced() == sorted(f"A{n:03d}" for n in range(98))
    assert calls.count("TransactWriteItems") == 2  # one a delivery; the second was cancelled, nothing written
    stored = jobs.ImportJobRepository().get_job(job)
    assert stored is not None
    assert (stored.count("created"), stored.count("eligible"), stored.count("chunks_done")) == (98, 98, 1)
    a000 = repository.AmbassadorRepository().get("A000")
    assert a000 is not None
    assert a000.updated_at == T0  # not written again by the redelivery
    results = jobs.ImportJobRepository().chunk_results(job, 0, 10)
    assert [(number, len(lines)) for number, lines in results] == [(0, 98)]


def test_a_profile_changed_between_read_and_write_is_decided_again(
    job: str, dynamodb_local: DynamoDBLocal
) -> None:
    # Given E1 stored, and a colleague changing her name just before the chunk's transaction
    original = Ambassador.from_input(
        AmbassadorInput(id="A001", name="Person 1", email="p1@example.com", phase="decision"), now=T0
    )
    repository.AmbassadorRepository().save(original)
    client = aws.dynamodb()
    calls: list[int] = []

    def concurrent_change(**_: Any) -> None:
        calls.append(1)
        if len(calls) == 1:
            other = original.model_copy(
                update={"name": "Renamed by a colleague", "updated_at": T0 + timedelta(1)}
            )
            dynamodb_local.client().put_item(
                TableName=config.tables().table_name, Item=repository.to_item(other)
            )

    client.meta.events.register("before-call.dynamodb.TransactWriteItems", concurrent_change)
    try:
        # When a chunk opts her in (and creates A002)
        result = imports.apply_chunk(
            _chunk(1, [ImportLine(line=3, id="A001", cells={"id": "A001", "opted_in": "WAAR"}), _line(2)]),
            now=T0 + timedelta(days=2),
            sleep=_no_sleep,
            publisher=_Bus(),
        )
    finally:
        client.meta.events.unregister("before-call.dynamodb.TransactWriteItems", concurrent_change)
    # Then the chunk was read and written again: both changes are kept, each counted once
    assert result["applied"] is True
    assert len(calls) == 2
    a001 = repository.AmbassadorRepository().get("A001")
    assert a001 is not None
    assert (a001.name, a001.opted_in) == ("Renamed by a colleague", True)
    stored = jobs.ImportJobRepository().get_job(job)
    assert stored is not None
    assert (stored.count("created"), stored.count("updated"), stored.count("chunks_done")) == (1, 1, 1)
    ((_, lines),) = jobs.ImportJobRepository().chunk_results(job, 1, 10)
    assert [(line["id"], line["status"], line.get("changed")) for line in lines] == [
        ("A001", "updated", ["opted_in"]),
        ("A002", "created", None),
    ]

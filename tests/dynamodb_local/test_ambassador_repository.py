"""The ambassador repository against Amazon's engine: conditional create/replace, transactions
under a concurrent writer, gsi1 pagination, the sparse eligibility index and batch deletes."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from kring import aws, config
from kring.dal import ambassadors as repository
from kring.dal import keys
from kring.dal.items import deserialize, serialize
from kring.errors import InvalidInputError
from kring.models.ambassador import Ambassador, AmbassadorInput
from tests.support.fixtures import DynamoDBLocal

pytestmark = pytest.mark.dynamodb_local

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _ambassador(ambassador_id: str, at: datetime = T0, **changes: Any) -> Ambassador:
    data = AmbassadorInput(
        id=ambassador_id,
        name=f"Person {ambassador_id}",
        email=f"{ambassador_id.lower()}@example.com",
        phase="decision",
        opted_in=True,
    )
    return Ambassador.from_input(data.model_copy(update=changes), now=at)


def _no_sleep(_seconds: float) -> None:
    return None


@pytest.fixture
def table(dynamodb_local: DynamoDBLocal) -> str:
    return config.tables().table_name


@pytest.fixture
def hooks() -> Iterator[list[tuple[str, Any]]]:
    """botocore before-call hooks on Kring's client, unregistered afterwards."""
    registered: list[tuple[str, Any]] = []
    yield registered
    for event_name, handler in registered:
        aws.dynamodb().meta.events.unregister(event_name, handler)


def _on(hooks: list[tuple[str, Any]], operation: str, handler: Any) -> None:
    event_name = f"before-call.dynamodb.{operation}"
    aws.dynamodb().meta.events.register(event_name, handler)
    hooks.append((event_name, handler))


def _other_client(dynamodb_local: DynamoDBLocal) -> Any:
    """A second writer, with hooks of its own (none)."""
    return dynamodb_local.client()


def test_save_creates_then_replaces_keeping_created_at(table: str) -> None:
    first = repository.AmbassadorRepository().save(_ambassador("E1"))
    assert first.created is True
    second = repository.AmbassadorRepository().save(
        _ambassador("E1", at=T0 + timedelta(days=3), name="Renamed")
    )
    assert second.created is False
    stored = repository.AmbassadorRepository().get("E1")
    assert stored is not None
    assert (stored.name, stored.created_at, stored.updated_at) == ("Renamed", T0, T0 + timedelta(days=3))
    assert second.ambassador == stored


def test_a_replace_that_loses_to_an_erasure_decides_again_and_creates(
    table: str, dynamodb_local: DynamoDBLocal, hooks: list[tuple[str, Any]]
) -> None:
    # Given a stored profile, and an erasure landing between the failed create and the replace
    repository.AmbassadorRepository().save(_ambassador("E1"))
    calls: list[int] = []

    def erase_before_the_replace(params: dict[str, Any], **_: Any) -> None:
        calls.append(1)
        if len(calls) == 2:  # the second PutItem is the replace
            _other_client(dynamodb_local).delete_item(TableName=table, Key=serialize(keys.ambassador("E1")))

    _on(hooks, "PutItem", erase_before_the_replace)
    # When the profile is saved again
    saved = repository.AmbassadorRepository().save(_ambassador("E1", at=T0 + timedelta(days=1)))
    # Then the write noticed and created it anew
    assert saved.created is True
    stored = repository.AmbassadorRepository().get("E1")
    assert stored is not None
    assert stored.created_at == T0 + timedelta(days=1)
    assert len(calls) == 3


def test_a_replace_is_made_only_against_the_profile_as_it_was_read(table: str) -> None:
    repository.AmbassadorRepository().save(_ambassador("E1"))
    seen = repository.AmbassadorRepository().get_stored("E1")
    assert seen is not None
    # a concurrent change lands first
    repository.AmbassadorRepository().save(
        _ambassador("E1", at=T0 + timedelta(hours=1), name="Changed meanwhile")
    )
    assert (
        repository.AmbassadorRepository().replace(
            _ambassador("E1", at=T0 + timedelta(hours=2), name="Mine"), seen
        )
        is False
    )
    stored = repository.AmbassadorRepository().get_stored("E1")
    assert stored is not None
    assert stored.ambassador.name == "Changed meanwhile"
    assert (
        repository.AmbassadorRepository().replace(
            _ambassador("E1", at=T0 + timedelta(hours=2), name="Mine"), stored
        )
        is True
    )
    assert repository.AmbassadorRepository().get_many(["E1", "E404"]).keys() == {"E1"}


def test_the_list_pages_over_gsi1_in_id_order(table: str) -> None:
    ids = [f"E{n:02d}" for n in range(11)]
    for ambassador_id in reversed(ids):
        repository.AmbassadorRepository().save(_ambassador(ambassador_id))
    seen: list[str] = []
    cursor = None
    for _ in range(10):
        page = repository.AmbassadorRepository().list_page(4, cursor)
        seen.extend(a.id for a in page.items)
        cursor = page.cursor
        if cursor is None:
            break
    assert seen == ids


@pytest.mark.parametrize(
    "cursor",
    [
        {"pk": "AMB#E1", "sk": "PROFILE"},
        {"pk": "AMB#E1", "sk": "CAP#2026-W01", "gsi1pk": "AMBASSADORS", "gsi1sk": "AMB#E1"},
        {"pk": "AMB#E1", "sk": "PROFILE", "gsi1pk": "VACANCIES", "gsi1sk": "AMB#E1"},
        {"pk": "AMB#E1", "sk": "PROFILE", "gsi1pk": "AMBASSADORS", "gsi1sk": "AMB#E2"},
        {"pk": "VAC#E1", "sk": "PROFILE", "gsi1pk": "AMBASSADORS", "gsi1sk": "AMB#E1"},
    ],
)
def test_a_cursor_that_is_no_position_in_the_list_is_invalid_input(
    table: str, cursor: dict[str, str]
) -> None:
    with pytest.raises(InvalidInputError):
        repository.AmbassadorRepository().list_page(4, cursor)


def test_only_eligible_profiles_are_in_the_sparse_index(table: str) -> None:
    for ambassador in (
        _ambassador("E1"),
        _ambassador("E2", phase="awareness"),
        _ambassador("E3", opted_in=False),
        _ambassador("E4", dormant=True),
        _ambassador("E5", phase="evangelize"),
    ):
        repository.AmbassadorRepository().save(ambassador)
    repository.AmbassadorRepository().save(_ambassador("E5", phase="consideration"))
    got = aws.dynamodb().query(
        TableName=table,
        IndexName=keys.GSI2,
        KeyConditionExpression="gsi2pk = :pk",
        ExpressionAttributeValues={":pk": {"S": keys.ELIGIBLE_AMBASSADORS}},
    )
    assert [repository.from_item(i).id for i in got["Items"]] == ["E1"]


def test_the_collection_is_found_and_batch_deleted_beyond_one_batch(table: str) -> None:
    # Given a profile with 30 weekly ledgers (more than one BatchWriteItem of 25) and a neighbour
    repository.AmbassadorRepository().save(_ambassador("E1"))
    repository.AmbassadorRepository().save(_ambassador("E10"))
    for week in range(1, 31):
        aws.dynamodb().put_item(
            TableName=table, Item=serialize({**keys.share_cap_ledger("E1", f"2026-W{week:02d}"), "n": 1})
        )
    item_keys = repository.AmbassadorRepository().collection_keys("E1")
    assert len(item_keys) == 31
    # When it is deleted
    assert repository.AmbassadorRepository().delete_keys(item_keys, sleep=_no_sleep) == 31
    # Then it is gone, and only it
    assert repository.AmbassadorRepository().collection_keys("E1") == []
    assert repository.AmbassadorRepository().get("E1") is None
    assert repository.AmbassadorRepository().get("E10") is not None


def test_the_erasure_record_is_found_by_its_hash(table: str) -> None:
    assert repository.AmbassadorRepository().erasure_recorded("abc123") is False
    repository.AmbassadorRepository().put_erasure_record("abc123", T0)
    assert repository.AmbassadorRepository().erasure_recorded("abc123") is True
    stored = aws.dynamodb().get_item(TableName=table, Key=serialize(keys.erasure_record("abc123")))["Item"]
    assert deserialize(stored)["erased_at"] == T0.isoformat()

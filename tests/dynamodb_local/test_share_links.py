"""The fan-out's data layer against Amazon's DynamoDB Local: the link key created once, links
written in batches and found by code and by vacancy, the eligibility index, the cap ledgers."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from kring import aws, config
from kring.dal import ambassadors as ambassador_items
from kring.dal import batch, share_caps, share_links
from kring.errors import InvalidInputError, TransientError
from kring.links.codes import derive_code
from kring.models.ambassador import Ambassador
from kring.models.vacancy import ShareLink

pytestmark = pytest.mark.dynamodb_local

NOW = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)


def _link(n: int, vacancy_id: str = "greenhouse-1") -> ShareLink:
    return ShareLink(
        code=derive_code(vacancy_id.encode().ljust(32, b"k"), f"E{n:03d}"),
        vacancy_id=vacancy_id,
        ambassador_id=f"E{n:03d}",
        created_at=NOW,
    )


def test_the_link_key_is_created_once_and_knows_its_only_writer(dynamodb_local: object) -> None:
    first = share_links.ShareLinkRepository().link_key("greenhouse-1", fan_out="event-a")
    assert len(first.secret) == 32
    assert first.only_writer == "event-a"
    assert (
        share_links.ShareLinkRepository().link_key("greenhouse-1", fan_out="event-a") == first
    )  # its own later pages
    assert (
        share_links.ShareLinkRepository().link_key("greenhouse-2", fan_out="event-a").secret != first.secret
    )

    second = share_links.ShareLinkRepository().link_key("greenhouse-1", fan_out="event-b")
    assert second == share_links.LinkKey(first.secret, only_writer=None)
    # once a second fan-out has begun, the first one's pages look for existing links too
    assert share_links.ShareLinkRepository().link_key("greenhouse-1", fan_out="event-a").only_writer is None


def test_sixty_links_take_three_batch_writes_and_are_found_by_code_and_by_vacancy(
    dynamodb_local: object,
) -> None:
    links = [_link(n) for n in range(60)]
    assert share_links.ShareLinkRepository().put_links(links) == 3
    assert share_links.ShareLinkRepository().get(links[7].code) == links[7]
    assert share_links.ShareLinkRepository().existing_codes([links[0].code, "zzzzzzzzzz"]) == {links[0].code}

    seen: list[ShareLink] = []
    cursor: dict[str, Any] | None = None
    while True:
        page = share_links.ShareLinkRepository().list_for_vacancy("greenhouse-1", 25, cursor)
        seen += page.items
        if page.cursor is None:
            break
        cursor = page.cursor
    assert sorted(seen, key=lambda link: link.ambassador_id) == links


def test_a_cursor_of_another_listing_is_refused(dynamodb_local: object) -> None:
    share_links.ShareLinkRepository().put_links(
        [_link(n) for n in range(3)] + [_link(n, "greenhouse-2") for n in range(3)]
    )
    cursor = share_links.ShareLinkRepository().list_for_vacancy("greenhouse-1", 1, None).cursor
    assert cursor is not None
    with pytest.raises(InvalidInputError):
        share_links.ShareLinkRepository().list_for_vacancy("greenhouse-2", 1, cursor)


def test_writing_the_same_links_again_leaves_one_item_each(dynamodb_local: object) -> None:
    links = [_link(n) for n in range(5)]
    share_links.ShareLinkRepository().put_links(links)
    share_links.ShareLinkRepository().put_links(links)
    assert len(share_links.ShareLinkRepository().list_for_vacancy("greenhouse-1", 100, None).items) == 5


def test_only_eligible_ambassadors_are_in_the_index_and_it_pages(dynamodb_local: object) -> None:
    def person(n: int, **overrides: Any) -> Ambassador:
        return Ambassador.model_validate(
            {
                "id": f"E{n}",
                "name": "N",
                "email": f"e{n}@example.com",
                "phase": "decision",
                "opted_in": True,
                "created_at": NOW,
                "updated_at": NOW,
                **overrides,
            }
        )

    people = [
        person(1),
        person(2, phase="evangelize"),
        person(3, phase="interest"),
        person(4, opted_in=False),
        person(5, dormant=True),
        person(6),
    ]
    for p in people:
        aws.dynamodb().put_item(TableName=config.tables().table_name, Item=ambassador_items.to_item(p))
    first = ambassador_items.AmbassadorRepository().eligible_page(2)
    assert first.cursor is not None
    rest = ambassador_items.AmbassadorRepository().eligible_page(10, first.cursor)
    assert sorted(a.id for a in first.items + rest.items) == ["E1", "E2", "E6"]


def test_cap_ledgers_round_trip_through_batch_requests(dynamodb_local: object) -> None:
    week = share_caps.iso_week(NOW)
    batch.write([share_caps.put_request("E1", week, {"greenhouse-1", "greenhouse-2"}, NOW)])
    assert share_caps.ShareCapRepository().ledgers(["E1", "E2"], week) == {
        "E1": {"greenhouse-1", "greenhouse-2"}
    }
    assert (
        share_caps.ShareCapRepository().ledgers(
            ["E1"], share_caps.iso_week(datetime(2026, 12, 7, tzinfo=UTC))
        )
        == {}
    )


def test_unprocessed_items_are_retried_then_raised(dynamodb_local: object) -> None:
    client = aws.dynamodb()
    table = config.tables().table_name
    calls: list[int] = []

    def leave_one_unprocessed(parsed: dict[str, Any], model: Any, **_: Any) -> None:
        if model.name == "BatchWriteItem" and len(calls) < 2:
            calls.append(1)
            parsed["UnprocessedItems"] = {table: [{"PutRequest": {"Item": share_links.to_item(_link(99))}}]}

    client.meta.events.register("after-call.dynamodb.BatchWriteItem", leave_one_unprocessed)
    try:
        assert (
            share_links.ShareLinkRepository().put_links([_link(1)]) == 3
        )  # the write, then the unprocessed item twice
    finally:
        client.meta.events.unregister("after-call.dynamodb.BatchWriteItem", leave_one_unprocessed)
    assert share_links.ShareLinkRepository().get(_link(99).code) is not None

    def always_unprocessed(parsed: dict[str, Any], model: Any, **_: Any) -> None:
        parsed["UnprocessedItems"] = {table: [{"PutRequest": {"Item": share_links.to_item(_link(98))}}]}

    client.meta.events.register("after-call.dynamodb.BatchWriteItem", always_unprocessed)
    try:
        with pytest.raises(TransientError):
            batch.write(share_links.put_requests([_link(2)]), sleep=lambda _: None)
    finally:
        client.meta.events.unregister("after-call.dynamodb.BatchWriteItem", always_unprocessed)

"""The click record has one owner (:mod:`kring.dal.clicks`): the click planner writes it through
that owner and attribution reads it through that owner, so a field renamed in one place cannot
silently break the other flow. Also the other markers of link activity, through theirs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from kring.attribution.entities import ClickFact
from kring.clicks import counting
from kring.dal import attribution_states, clicks, keys, share_counts, share_intents
from kring.dal.clicks import ClickRecord
from kring.dal.items import deserialize, serialize
from kring.dal.share_counts import PageCounted
from kring.dal.share_intents import IntentMarker
from tests.support import link_activity as la

AT = datetime(2026, 11, 29, 10, 15, tzinfo=UTC)


def _stored(item: dict[str, object]) -> dict[str, object]:
    """As DynamoDB gives it back."""
    return deserialize(serialize(item))


def test_a_click_record_reads_back_as_written() -> None:
    record = ClickRecord(
        click_id=la.click_token(1),
        code="sEoDhGXHAj",
        vacancy_id="greenhouse-1",
        ambassador_id="E1",
        channel="linkedin",
        clicked_at=AT,
        visitor_kind="human",
        own_click=True,
        expires_at=1_800_000_000,
    )
    assert clicks.from_item(_stored(clicks.to_item(record))) == record


@pytest.mark.parametrize("kind", ["human", "preview"])
def test_the_planner_writes_the_record_its_owner_reads(kind: str) -> None:
    click = la.click(1, at=AT)
    click = click.model_copy(update={"visitor_kind": kind})
    plan = counting.plan_click(click, seen=frozenset(), own=False, window_days=30)
    item = _stored({**plan.marker_key, **plan.marker})
    assert clicks.from_item(item) == ClickRecord(
        click_id=click.click_id,
        code=click.code,
        vacancy_id=click.vacancy_id,
        ambassador_id=click.ambassador_id,
        channel=click.channel,
        clicked_at=AT,
        visitor_kind=kind,
        own_click=False,
        expires_at=int((AT + timedelta(days=37)).timestamp()),
    )


def test_attribution_reads_the_click_the_planner_wrote() -> None:
    click = la.click(1, at=AT)
    plan = counting.plan_click(click, seen=frozenset(), own=True, window_days=30)
    fact = attribution_states.click_fact(_stored({**plan.marker_key, **plan.marker}))
    assert fact == ClickFact(
        token=click.click_id,
        ambassador_id=click.ambassador_id,
        vacancy_id=click.vacancy_id,
        channel=click.channel,
        clicked_at=AT,
        visitor_kind="human",
        own_click=True,
        code=click.code,
    )


def test_a_record_written_before_visitor_kind_own_click_and_code_reads_as_a_plain_human_click() -> None:
    item = {
        **keys.click("T1"),
        "entity": "click",
        "vacancy_id": "v",
        "ambassador_id": "a",
        "channel": "direct",
        "clicked_at": "2026-11-29T10:15:00+00:00",
    }
    record = clicks.from_item(item)
    assert (record.click_id, record.visitor_kind, record.own_click, record.code) == (
        "T1",
        "human",
        False,
        None,
    )


def test_the_planner_writes_the_intent_marker_its_owner_reads() -> None:
    intent = la.intent(1, at=AT)
    plan = counting.plan_intent(intent, window_days=30)
    assert share_intents.from_item(_stored({**plan.marker_key, **plan.marker})) == IntentMarker(
        intent_id=intent.intent_id,
        code=intent.code,
        vacancy_id=intent.vacancy_id,
        ambassador_id=intent.ambassador_id,
        network=intent.network,
        intended_at=AT,
        expires_at=int((AT + timedelta(days=37)).timestamp()),
    )


def test_a_fan_out_page_marker_reads_back_as_written() -> None:
    marker = PageCounted(page_id="event:0", vacancy_id="v", created=3, day="2026-11-29", expires_at=1)
    assert share_counts.from_item(_stored(share_counts.to_item(marker))) == marker

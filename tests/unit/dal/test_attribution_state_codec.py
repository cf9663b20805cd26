"""The stored application state reads back as it always has: every item in the fixture was written
by the code before the codec was derived from a model (captured from the attribution tests), or is
an older shape the reader still accepts. Each must read as the same state, and a state written now
must be the same item, attribute for attribute."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from kring.dal import attribution_states, keys
from kring.dal.items import deserialize, serialize

FIXTURE = Path(__file__).parents[2] / "fixtures" / "dal" / "attribution_states.json"
CASES: list[dict[str, Any]] = json.loads(FIXTURE.read_text())
CURRENT = [c for c in CASES if c["what"].startswith("written by the current code")]
OLDER = [c for c in CASES if c not in CURRENT]


def _key(item: dict[str, Any]) -> keys.Key:
    return {"pk": item["pk"]["S"], "sk": item["sk"]["S"]}


def test_the_fixture_covers_every_part_of_a_state() -> None:
    attributes = {name for case in CURRENT for name in case["item"]}
    assert {"decision", "clicks", "counted", "rewards", "announced", "stage", "hired_at"} <= attributes
    methods = {case["item"]["decision"]["M"]["method"]["S"] for case in CURRENT}
    assert methods == {"referral", "click_token", "share_code", "unattributed"}
    assert len(OLDER) == 5


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c['item']['pk']['S'][-12:]}:{c['what'][:30]}")
def test_a_stored_state_reads_back_the_same(case: dict[str, Any]) -> None:
    state = attribution_states.from_item(deserialize(case["item"]))
    assert repr(state) == case["reads_as"]


@pytest.mark.parametrize("case", CURRENT, ids=lambda c: c["item"]["pk"]["S"][-12:])
def test_a_state_is_written_as_the_same_item(case: dict[str, Any]) -> None:
    item = case["item"]
    state = attribution_states.from_item(deserialize(item))
    assert serialize(attribution_states.to_item(_key(item), state)) == item


@pytest.mark.parametrize("case", OLDER, ids=lambda c: c["what"][:30])
def test_an_older_state_written_again_reads_back_the_same(case: dict[str, Any]) -> None:
    item = case["item"]
    state = attribution_states.from_item(deserialize(item))
    again = serialize(attribution_states.to_item(_key(item), state))
    assert repr(attribution_states.from_item(deserialize(again))) == case["reads_as"]

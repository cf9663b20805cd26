"""The programme's data layer against Amazon's DynamoDB Local: a transition is one transaction
(facts, history, counters, profile), a known fact writes nothing, a stale plan is a conflict that
is read and planned again, and the review and cohort indexes answer by Query."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from kring import aws
from kring.dal.ambassadors import AmbassadorRepository
from kring.dal.programme import ProgrammeRepository, ProgrammeWrite
from kring.dal.transact import Outcome
from kring.events import KringEvent
from kring.programme.phases import Fact
from kring.programme.recorder import ProgrammeRecorder
from tests.support import link_activity as la
from tests.support import programme as pg
from tests.support.digests import put_ambassador
from tests.support.fixtures import DynamoDBLocal

pytestmark = pytest.mark.dynamodb_local

NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


class Published:
    def __init__(self) -> None:
        self.events: list[KringEvent] = []

    def publish(self, events: Sequence[KringEvent]) -> None:
        self.events.extend(events)


def _recorder(published: Published, now: datetime = NOW) -> ProgrammeRecorder:
    return ProgrammeRecorder(publisher=published, clock=lambda: now)


def test_a_transition_is_one_transaction_and_a_known_fact_writes_nothing(
    dynamodb_local: DynamoDBLocal,
) -> None:
    put_ambassador("E1", NOW - timedelta(days=5), phase="decision", department="Sales", location="Utrecht")
    published = Published()
    fact = Fact("application_credited", NOW - timedelta(hours=1), ref="greenhouse:1")
    calls, stop = la.counting(aws.dynamodb())
    try:
        recorded = _recorder(published).record("E1", fact)
    finally:
        stop()
    assert recorded is not None
    assert recorded.transition is not None
    # the settings, the profile, the facts; the transaction; the event marked published
    assert calls == Counter({"GetItem": 3, "TransactWriteItems": 1, "UpdateItem": 1})
    assert [(e.from_phase, e.to_phase) for e in published.events] == [("decision", "evangelize")]  # type: ignore[attr-defined]
    assert pg.profile("E1")["phase"] == "evangelize"
    assert len(pg.history("E1")) == 1
    assert pg.counters() == {
        "NOW#ALL": {"phase_evangelize": 1},
        "NOW#DEPT#Sales": {"phase_evangelize": 1},
        "NOW#LOC#Utrecht": {"phase_evangelize": 1},
    }

    calls, stop = la.counting(aws.dynamodb())
    try:
        again = _recorder(published).record("E1", fact)
    finally:
        stop()
    assert again is not None
    assert again.transition is None
    assert calls == Counter({"GetItem": 3})  # read, nothing new, nothing written
    assert len(published.events) == 1


def test_a_stale_plan_is_a_conflict_and_changes_nothing(dynamodb_local: DynamoDBLocal) -> None:
    put_ambassador("E1", NOW - timedelta(days=5), phase="decision")
    _recorder(Published()).record("E1", Fact("active", NOW - timedelta(hours=3)))
    repository = ProgrammeRepository()
    stored = repository.get("E1")
    assert stored.version == 1
    assert stored.counted is not None
    write = ProgrammeWrite(
        ambassador_id="E1",
        seen_version=0,  # planned before the first write
        facts=stored.facts,
        counted=stored.counted,
        entered_at=stored.facts.entered_at,
        review_at=None,
        evangelized_at=None,
        now=NOW,
    )
    assert repository.write(write) is Outcome.CONFLICT
    assert repository.get("E1").version == 1
    # the profile changed (opted out) since the plan: the profile's update refuses it
    from kring.dal.programme import ProfileState

    AmbassadorRepository().save(
        AmbassadorRepository().get("E1").model_copy(update={"opted_in": False})  # type: ignore[union-attr]
    )
    current = replace(
        write,
        seen_version=1,
        profile=ProfileState("decision", dormant=True, in_programme=True, opted_in=True, eligible=False),
    )
    assert repository.write(current) is Outcome.CONFLICT
    assert repository.get("E1").version == 1


def test_the_review_and_cohort_indexes_answer_by_query(dynamodb_local: DynamoDBLocal) -> None:
    for n, days in enumerate((50, 10)):
        put_ambassador(f"E{n}", NOW - timedelta(days=100), phase="decision")
        _recorder(Published(), NOW - timedelta(days=days)).record(
            f"E{n}", Fact("active", NOW - timedelta(days=days))
        )
    repository = ProgrammeRepository()
    assert repository.due_for_review(NOW) == ["E0"]
    assert repository.due_for_review(NOW + timedelta(days=40)) == ["E0", "E1"]
    published = Published()
    assert _recorder(published).review_due() == 1
    assert repository.due_for_review(NOW) == []  # dormant: nothing more changes by itself
    assert [(e.dormant_before, e.dormant) for e in published.events] == [(False, True)]  # type: ignore[attr-defined]
    month = (NOW - timedelta(days=100)).strftime("%Y-%m")
    assert sorted(m.ambassador_id for m in repository.cohort(month)) == ["E0", "E1"]
    assert repository.counters() == {
        "phase_awareness": 0,
        "phase_interest": 0,
        "phase_consideration": 0,
        "phase_decision": 2,
        "phase_evangelize": 0,
        "dormant": 1,
        "left": 0,
        "returned": 0,
    }

"""The programme's data layer against Amazon's DynamoDB Local: a transition is one transaction
(facts, history, counters, profile), a known fact writes nothing, a stale plan is a conflict that
is read and planned again, the review and cohort indexes answer by Query, and the cohort's
projection answers as the whole items do."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from kring import aws, config
from kring.dal import keys
from kring.dal.ambassadors import AmbassadorRepository
from kring.dal.items import serialize
from kring.dal.programme import COHORT_STEPS, ProgrammeRepository, ProgrammeWrite, cohort_member_from_item
from kring.dal.transact import Outcome
from kring.events import KringEvent
from kring.programme import funnel as funnels
from kring.programme.phases import Fact, State
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


def test_the_cohort_query_projects_what_the_funnel_reads_and_answers_as_the_whole_items_do(
    dynamodb_local: DynamoDBLocal,
) -> None:
    entered = NOW - timedelta(days=100)
    day = timedelta(days=1)
    journeys: dict[str, tuple[str, str, list[Fact]]] = {
        "E0": ("Sales", "Utrecht", [Fact("invited", entered + day)]),
        "E1": (
            "Sales",
            "Amsterdam",
            [
                Fact("interested", entered + 2 * day),
                Fact("volunteered", entered + 4 * day),
                Fact("onboarded", entered + 9 * day),
                Fact("colleague_recruited", entered + 20 * day, ref="E9"),
                Fact("application_credited", NOW - 5 * day, ref="greenhouse:1"),
                Fact("active", NOW - 2 * day),
            ],
        ),
        "E2": (
            "IT",
            "Utrecht",
            [
                Fact("interested", entered + 3 * day),
                Fact("left", entered + 5 * day, reason="no time", by="E2"),
                Fact("rejoined", entered + 30 * day, by="E2"),
            ],
        ),
        "E3": (
            "IT",
            "Amsterdam",
            [Fact("moved_by_hand", entered + 6 * day, to_phase="decision", reason="x", by="talent team")],
        ),
        "E4": ("Legal", "Utrecht", [Fact("volunteered", entered + 7 * day)]),  # dormant by now
    }
    for ambassador_id, (department, location, facts) in journeys.items():
        put_ambassador(ambassador_id, entered, phase="awareness", department=department, location=location)
        for fact in facts:
            _recorder(Published(), fact.at).record(ambassador_id, fact)
        _recorder(Published()).record(ambassador_id, None)

    repository = ProgrammeRepository()
    projected = repository.cohort(entered.strftime("%Y-%m"))
    whole = [
        cohort_member_from_item(
            aws.dynamodb().get_item(
                TableName=config.tables().table_name, Key=serialize(keys.programme_facts(m.ambassador_id))
            )["Item"]
        )
        for m in projected
    ]
    assert sorted(m.ambassador_id for m in projected) == sorted(journeys)
    assert any(w.facts.colleagues_recruited and w.facts.last_activity_at for w in whole)
    assert not any(p.facts.colleagues_recruited or p.facts.last_activity_at for p in projected)  # not read
    for mine, full in zip(projected, whole, strict=True):
        assert (mine.ambassador_id, mine.state, mine.evangelized_at, mine.department, mine.location) == (
            full.ambassador_id,
            full.state,
            full.evangelized_at,
            full.department,
            full.location,
        )
        assert [getattr(mine.facts, s) for s in COHORT_STEPS] == [
            getattr(full.facts, s) for s in COHORT_STEPS
        ]
        assert mine.facts.entered_at == full.facts.entered_at
    assert {m.state for m in projected} >= {
        State("evangelize", dormant=False, in_programme=True),
        State("decision", dormant=True, in_programme=True),  # moved by hand, nothing since
        State("consideration", dormant=True, in_programme=True),
    }
    assert funnels.cohort_of(projected) == funnels.cohort_of(whole)
    found = funnels.funnel(first=entered.date(), last=entered.date(), by="location", repository=repository)
    assert found.cohort == funnels.cohort_of(whole)
    assert found.cohort_by == {
        place: funnels.cohort_of([w for w in whole if w.location == place])
        for place in ("Amsterdam", "Utrecht")
    }

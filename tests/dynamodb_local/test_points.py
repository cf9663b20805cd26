"""Points' data layer against Amazon's DynamoDB Local: the recorder's read (projected) and
transaction with the point markers and the period items, the version condition, the rankings in
order from the sparse GSIs, and the suspicious list that an item joins and leaves."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from kring.clicks.counting import LinkActivity
from kring.clicks.recorder import LinkActivityRecorder
from kring.dal import points as store
from kring.dal.ambassadors import AmbassadorRepository
from kring.models.ambassador import Ambassador, AmbassadorInput
from kring.models.points import PeriodPoints
from kring.models.team import PointWeights
from kring.points import ledger, rerank
from tests.support import link_activity as la

pytestmark = pytest.mark.dynamodb_local

NOW = datetime(2026, 11, 29, 9, 0, tzinfo=UTC)


def _ambassador(ambassador_id: str, department: str | None, location: str | None) -> None:
    data = AmbassadorInput.model_validate(
        {
            "id": ambassador_id,
            "name": ambassador_id,
            "email": f"{ambassador_id.lower()}@example.com",
            "department": department,
            "location": location,
        }
    )
    AmbassadorRepository().save(Ambassador.from_input(data, now=NOW))


def test_the_recorder_counts_points_once_per_network_link_and_day(dynamodb_local: object) -> None:
    _ambassador("E1", "Sales", "Utrecht")
    net = la.visitor(40)
    events: list[LinkActivity] = [
        la.click(n, at=NOW + timedelta(minutes=n), visitor_hash=la.visitor(n), network=net) for n in range(5)
    ]
    events += [la.intent(n, at=NOW) for n in range(12)]
    recorder = LinkActivityRecorder(window_days=30)
    recorder.prefetch(events)
    outcomes = [recorder.record(e).outcome for e in [*events, *events]]
    assert outcomes.count("recorded") == len(events)

    [week] = store.PointsRepository().periods("E1", ["2026-W48"])
    assert week.counts["clicks"] == 1
    assert week.counts["share_intents"] == 1
    assert week.raw == {"raw_clicks": 5, "raw_share_intents": 12}
    assert (week.score, week.department, week.location, week.version) == (3, "Sales", "Utrecht", 17)
    [(period, suspect)] = [
        (p, s.ambassador_id) for p in ["2026-W48"] for s in store.PointsRepository().suspicious(p, 10).items
    ]
    assert (period, suspect) == ("2026-W48", "E1")  # 12 presses, one counted


def test_a_write_on_a_stale_version_is_refused(dynamodb_local: object) -> None:
    points = store.PointsRepository()
    first = ledger.ranked(
        PeriodPoints("E1", "2026-W48", counts={"clicks": 1}, score=2, scored_on="2026-11-29", version=1)
    )
    assert points.write([first])
    assert not points.write([first])  # "new" again: the item exists
    second = ledger.ranked(
        PeriodPoints("E1", "2026-W48", counts={"clicks": 2}, score=4, scored_on="2026-11-29", version=2)
    )
    assert points.write([second])
    assert not points.write([second])  # written on version 1, which is gone
    [stored] = points.periods("E1", ["2026-W48"])
    assert (stored.counts["clicks"], stored.version) == (2, 2)


def test_rankings_come_in_order_from_their_indexes_and_leave_when_gamed_no_more(
    dynamodb_local: object,
) -> None:
    points = store.PointsRepository()
    rows = [
        ("E3", 5, "2026-11-28", "Sales", "Utrecht"),
        ("E1", 5, "2026-11-29", "Sales", None),
        ("E2", 9, "2026-11-29", None, "Utrecht"),
        ("E4", 5, "2026-11-28", "Support", "Utrecht"),
        ("E5", 0, None, "Sales", "Utrecht"),  # nothing counted: in no ranking
    ]
    for ambassador_id, score, day, department, location in rows:
        state = PeriodPoints(
            ambassador_id,
            "2026-W48",
            counts={"share_intents": score},
            raw={"raw_share_intents": 40 if ambassador_id == "E4" else score},
            scored_on=day,
            score=score,
            department=department,
            location=location,
            version=1,
        )
        assert points.write([ledger.ranked(state)])

    def ids(scope: str) -> list[str]:
        return [p.ambassador_id for p in points.ranking("2026-W48", scope, 10).items]

    assert ids(store.OVERALL) == ["E2", "E3", "E4", "E1"]
    assert ids(store.department_scope("SALES")) == ["E3", "E1"]
    assert ids(store.location_scope("utrecht")) == ["E2", "E3", "E4"]
    page = points.ranking("2026-W48", store.OVERALL, 2)
    assert [p.ambassador_id for p in page.items] == ["E2", "E3"]
    rest = points.ranking("2026-W48", store.OVERALL, 2, page.cursor)
    assert [p.ambassador_id for p in rest.items] == ["E4", "E1"]

    assert [s.ambassador_id for s in points.suspicious("2026-W48", 10).items] == ["E4"]
    [e4] = points.periods("E4", ["2026-W48"])
    fixed = PeriodPoints(
        "E4",
        "2026-W48",
        counts={"share_intents": 20},
        raw={"raw_share_intents": 40},
        scored_on="2026-11-29",
        score=20,
        department="Support",
        location="Utrecht",
        version=e4.version + 1,
    )
    assert points.write([ledger.ranked(fixed)])
    assert points.suspicious("2026-W48", 10).items == []  # 40 is not more than 3 x 20
    assert ids(store.OVERALL)[0] == "E4"


def test_rescoring_with_other_weights_reorders_the_ranking(dynamodb_local: object) -> None:
    points = store.PointsRepository()
    for ambassador_id, counts in (("E1", {"clicks": 3}), ("E2", {"share_intents": 4})):
        state = PeriodPoints(ambassador_id, "2026-11", counts=counts, scored_on="2026-11-29")  # new
        rescored = ledger.rescored(state, PointWeights())
        assert rescored is not None
        assert points.write([rescored])
    assert [p.ambassador_id for p in points.ranking("2026-11", store.OVERALL, 10).items] == ["E1", "E2"]
    done = rerank.rerank(["2026-11"], PointWeights(share_intent=5), sleep=lambda _s: None)
    assert (done.read, done.rescored) == (2, 1)  # E1 has no share intents: the same points
    assert [(p.ambassador_id, p.score) for p in points.ranking("2026-11", store.OVERALL, 10).items] == [
        ("E2", 20),
        ("E1", 6),
    ]

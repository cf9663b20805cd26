"""Points, the rankings' order, the gamed-figures rule and the periods: pure, no I/O."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kring.dal import points as store
from kring.models import points as sources
from kring.models.points import PeriodPoints
from kring.models.team import PointWeights
from kring.points import ledger, scoring
from kring.points import ranking_periods as periods


def test_the_default_weights_are_the_issue_s() -> None:
    counts = {s: 1 for s in sources.SOURCES}
    assert scoring.points_by_source(counts, PointWeights()) == {
        "share_intents": 1,
        "clicks": 2,
        "applications": 10,
        "interviews": 20,
        "hires": 50,
        "colleagues_recruited": 10,
    }
    assert scoring.score({"clicks": 3, "hires": 1}, PointWeights()) == 56
    assert scoring.score({"clicks": 3, "hires": 1}, PointWeights(click=0, hire=1)) == 1
    assert scoring.score({"clicks": -2}, PointWeights()) == 0  # never below zero


ranked = st.tuples(
    st.integers(0, 10**6),
    st.dates(date(2020, 1, 1), date(2030, 12, 31)),
    st.integers(0, 9999).map(lambda n: f"E{n}"),
)


@given(st.lists(ranked, min_size=2, max_size=20, unique_by=lambda r: r[2]))
def test_the_sort_key_orders_by_points_then_the_earlier_day_then_the_id(
    rows: list[tuple[int, date, str]],
) -> None:
    by_key = sorted(rows, key=lambda r: scoring.rank_key(r[0], r[1].isoformat(), r[2]))
    assert by_key == sorted(rows, key=lambda r: (-r[0], r[1], r[2]))


@pytest.mark.parametrize(
    ("counts", "raw", "gamed"),
    [
        ({}, {}, False),
        ({"share_intents": 1}, {"raw_share_intents": 9}, False),  # under ten raw: never
        ({"share_intents": 3}, {"raw_share_intents": 10}, True),  # 10 > 3 x 3
        ({"share_intents": 4}, {"raw_share_intents": 12}, False),  # 12 = 3 x 4: not more than
        ({"clicks": 2}, {"raw_clicks": 11}, True),  # 11 > 5 x 2
        ({"clicks": 2}, {"raw_clicks": 10}, False),
        ({"clicks": 0}, {"raw_clicks": 10}, True),  # ten own or repeated clicks, none counted
    ],
)
def test_figures_look_gamed_when_raw_far_exceeds_counted(
    counts: dict[str, int], raw: dict[str, int], gamed: bool
) -> None:
    assert scoring.looks_gamed(counts, raw) is gamed


@pytest.mark.parametrize(
    ("day", "week", "month", "quarter"),
    [
        (date(2026, 11, 29), "2026-W48", "2026-11", "2026-Q4"),
        (date(2026, 11, 30), "2026-W49", "2026-11", "2026-Q4"),
        (date(2027, 1, 1), "2026-W53", "2027-01", "2027-Q1"),  # ISO week of the year before
        (date(2024, 12, 30), "2025-W01", "2024-12", "2024-Q4"),
    ],
)
def test_periods_are_iso_weeks_months_and_quarters(day: date, week: str, month: str, quarter: str) -> None:
    assert periods.periods_of(day) == (week, month, quarter)


@given(st.dates(date(2, 1, 1), date(9998, 12, 1)))  # a period's neighbours are dates too
def test_every_period_holds_its_days_and_no_others(day: date) -> None:
    for period in periods.periods_of(day):
        first, last = periods.bounds(period)
        assert first <= day <= last
        assert all(p != period for p in periods.periods_of(first - timedelta(days=1)))
        assert all(p != period for p in periods.periods_of(last + timedelta(days=1)))


@pytest.mark.parametrize(
    "text", ["", "2026", "2026-W", "2026-W54x", "2026-Q5", "2026-13", "20x6-01", "2026-1"]
)
def test_a_period_id_that_is_none_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match="period"):
        periods.bounds(text)


# ------------------------------------------------------------------------------------ the ledger
def _known(states: dict[tuple[str, str], PeriodPoints]):  # type: ignore[no-untyped-def]
    return lambda ambassador_id, period: states.get(
        (ambassador_id, period), PeriodPoints(ambassador_id=ambassador_id, period=period)
    )


def test_one_write_per_ambassador_and_period_however_many_days_it_holds() -> None:
    earned = [
        ledger.Earned("E1", "2026-11-28", counted={"clicks": 1}, raw={"raw_clicks": 1}),
        ledger.Earned("E1", "2026-11-29", counted={"share_intents": 1}, raw={"raw_share_intents": 3}),
        ledger.Earned("E1", "2026-11-30", counted={}, raw={"raw_clicks": 1}),  # Monday: W49, raw only
    ]
    stored = {
        ("E1", "2026-11"): PeriodPoints(
            "E1", "2026-11", counts={"hires": 1}, scored_on="2026-11-02", version=4
        )
    }
    profile = ledger.Profile(department="Sales", location=None)
    writes = {
        w.state.period: w
        for w in ledger.apply_many(earned, _known(stored), lambda _a: profile, PointWeights())
    }
    assert sorted(writes) == ["2026-11", "2026-Q4", "2026-W48", "2026-W49"]
    month = writes["2026-11"]
    assert month.state.version == 5
    assert (
        month.state.counts["clicks"],
        month.state.counts["share_intents"],
        month.state.counts["hires"],
    ) == (
        1,
        1,
        1,
    )
    assert month.state.raw == {"raw_share_intents": 3, "raw_clicks": 2}
    assert month.state.score == 2 + 1 + 50
    assert month.state.scored_on == "2026-11-29"  # the raw-only Monday scores nothing
    assert month.department_scope == "dept#sales"
    assert month.location_scope is None
    assert month.rank == scoring.rank_key(53, "2026-11-29", "E1")
    week_49 = writes["2026-W49"]
    assert week_49.rank is None  # raw only: in no ranking
    assert week_49.state.scored_on is None


def test_earned_by_attribution_follows_the_ambassadors_day_increments_only() -> None:
    increments = {
        ("STATS#AMB#E1", "DAY#2026-11-29#2"): {"applications": 1, "applications_x": 1, "interviews": 1},
        ("STATS#AMB#E1", "DAY#2026-12-10#2"): {"hires": 1, "rewards_pending": 1},
        ("STATS#AMB#E2", "DAY#2026-11-29#2"): {"applications": -1},  # the credit moved away
        ("STATS#VAC#v1", "DAY#2026-11-29#2"): {"applications": 1},  # the vacancy's: not a person's
        ("STATS#VAC#v1", "AMB#E1#2"): {"applications": 1},
    }
    assert ledger.earned_by_attribution(increments) == [
        ledger.Earned("E1", "2026-11-29", counted={"applications": 1, "interviews": 1}),
        ledger.Earned("E1", "2026-12-10", counted={"hires": 1}),
        ledger.Earned("E2", "2026-11-29", counted={"applications": -1}),
    ]


def test_new_weights_rescore_and_unchanged_ones_write_nothing() -> None:
    state = PeriodPoints("E1", "2026-W48", counts={"clicks": 2}, score=4, scored_on="2026-11-29", version=3)
    assert ledger.rescored(state, PointWeights()) is None
    write = ledger.rescored(state, PointWeights(click=5))
    assert write is not None
    assert (write.state.score, write.state.version) == (10, 4)
    assert write.rank == scoring.rank_key(10, "2026-11-29", "E1")


def test_the_stored_items_round_trip_and_carry_their_index_keys() -> None:
    state = PeriodPoints(
        "E1",
        "2026-W48",
        counts={"share_intents": 1, "clicks": 0},
        raw={"raw_share_intents": 20},
        scored_on="2026-11-29",
        score=1,
        department="Sales",
        location="Utrecht",
        version=2,
    )
    main, side = store.to_items(ledger.ranked(state))
    assert main["gsi1pk"] == "LB#2026-W48#all"
    assert main["gsi2pk"] == "LB#2026-W48#dept#sales"
    assert side["gsi1pk"] == "LB#2026-W48#loc#utrecht"
    assert side["gsi2pk"] == "SUSPECT#2026-W48"  # 20 presses, one counted
    back = store.from_item("E1", "2026-W48", main)
    assert back.counts["share_intents"] == 1
    assert back.raw == {"raw_share_intents": 20, "raw_clicks": 0}
    assert (back.score, back.version, back.department, back.location) == (1, 2, "Sales", "Utrecht")
    assert store.from_stored(side).ambassador_id == "E1"


def test_the_location_item_is_written_again_only_when_what_it_shows_changes() -> None:
    stored = PeriodPoints(
        "E1",
        "2026-W48",
        counts={"clicks": 1},
        raw={"raw_clicks": 1},
        scored_on="2026-11-29",
        score=2,
        location="Utrecht",
        version=3,
    )
    profile = ledger.Profile(location="Utrecht")
    weights = PointWeights()

    def apply(earned: ledger.Earned) -> list[bool]:
        return [w.side_changed for w in ledger.apply(earned, lambda _p: stored, profile, weights)]

    repeat = ledger.Earned("E1", "2026-11-29", raw={"raw_clicks": 1})  # a repeat: raw only
    assert apply(repeat) == [False, False, False]
    [write, *_] = ledger.apply(repeat, lambda _p: stored, profile, weights)
    assert len(store.write_actions(write, "t")) == 1  # the period item alone
    point = ledger.Earned("E1", "2026-11-29", counted={"clicks": 1}, raw={"raw_clicks": 1})
    assert apply(point) == [True, True, True]  # the points (and the rank) moved
    gamed = ledger.Earned("E1", "2026-11-29", raw={"raw_clicks": 9})  # 10 raw > 5 x 1: gamed now
    assert apply(gamed) == [True, True, True]
    assert apply(ledger.Earned("E1", "2026-11-29", raw={"raw_clicks": 1})) == [False, False, False]
    moved = ledger.Profile(location="Amsterdam")
    assert [w.side_changed for w in ledger.apply(repeat, lambda _p: stored, moved, weights)] == [True] * 3

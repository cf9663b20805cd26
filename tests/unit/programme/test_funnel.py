"""The funnel's pure parts: a cohort's conversion and median days, and the counter increments
that move one person between phases, departments and dormancy."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from kring.dal.programme import CohortMember, Counted, counter_deltas
from kring.programme.funnel import cohort_of, months_between
from kring.programme.phases import Facts, State

T0 = datetime(2026, 3, 1, tzinfo=UTC)


def member(n: int, facts: Facts, phase: str, evangelized_at: datetime | None = None) -> CohortMember:
    return CohortMember(
        ambassador_id=f"E{n}",
        facts=facts,
        state=State(phase, dormant=False, in_programme=True),  # type: ignore[arg-type]
        evangelized_at=evangelized_at,
        department=None,
        location=None,
    )


def test_a_cohort_counts_reached_phases_conversion_and_median_days() -> None:
    members = [
        member(1, Facts(on_roster_at=T0), "awareness"),
        member(2, Facts(on_roster_at=T0, interested_at=T0 + timedelta(days=2)), "interest"),
        member(
            3,
            Facts(
                on_roster_at=T0, interested_at=T0 + timedelta(days=4), onboarded_at=T0 + timedelta(days=10)
            ),
            "decision",
        ),
        # moved by hand to decision: reached it, when is unknown
        member(4, Facts(on_roster_at=T0), "decision"),
    ]
    cohort = cohort_of(members)
    assert cohort.entered == 4
    assert cohort.reached == {
        "awareness": 4,
        "interest": 3,
        "consideration": 2,
        "decision": 2,
        "evangelize": 0,
    }
    first, second, third, fourth = cohort.steps
    assert (first.conversion, first.median_days) == (0.75, 3.0)  # 2 and 4 days
    assert (second.conversion, second.median_days) == (round(2 / 3, 4), 6.0)  # skipped: onboarded counts
    assert (third.conversion, third.median_days) == (1.0, 0.0)
    assert (fourth.conversion, fourth.median_days) == (0.0, None)


def test_an_empty_cohort_has_no_rates() -> None:
    cohort = cohort_of([])
    assert cohort.entered == 0
    assert all(step.conversion is None and step.median_days is None for step in cohort.steps)


def test_months_between_spans_years() -> None:
    assert months_between(date(2025, 11, 30), date(2026, 2, 1)) == [
        "2025-11",
        "2025-12",
        "2026-01",
        "2026-02",
    ]


def test_counter_deltas_move_one_person_between_phases_scopes_and_dormancy() -> None:
    before = Counted(State("decision", dormant=True, in_programme=True), "Sales", None)
    after = Counted(State("evangelize", dormant=False, in_programme=True), "IT", "Utrecht")
    assert counter_deltas(before, after) == {
        "ALL": {"phase_decision": -1, "dormant": -1, "phase_evangelize": 1, "returned": 1},
        "DEPT#Sales": {"phase_decision": -1, "dormant": -1},
        "DEPT#IT": {"phase_evangelize": 1, "returned": 1},
        "LOC#Utrecht": {"phase_evangelize": 1, "returned": 1},
    }
    left = Counted(State("decision", dormant=False, in_programme=False), None, None)
    assert counter_deltas(Counted(State("decision", False, True), None, None), left) == {
        "ALL": {"phase_decision": -1, "left": 1}
    }
    assert counter_deltas(left, left) == {}
    assert counter_deltas(None, left) == {"ALL": {"left": 1}}

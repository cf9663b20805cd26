"""The programme's state machine: examples of the funnel, and properties under reordering,
duplication and time (hypothesis)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kring.models.common import PHASES, Phase
from kring.programme import phases
from kring.programme.phases import Fact, Facts, Rules, State, derive, rank

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
RULES = Rules()


def at(days: float) -> datetime:
    return T0 + timedelta(days=days)


def walk(*facts: Fact, rules: Rules = RULES) -> Facts:
    """The facts after each of ``facts`` in turn, as the recorder applies them (settled)."""
    state = Facts()
    for fact in facts:
        state = phases.settle(phases.apply(state, fact), rules)
    return state


# ------------------------------------------------------------------------------------ examples
def test_a_person_walks_the_funnel_fact_by_fact() -> None:
    steps: list[tuple[Fact, Phase]] = [
        (Fact("on_roster", at(0)), "awareness"),
        (Fact("invited", at(1)), "awareness"),
        (Fact("interested", at(2)), "interest"),
        (Fact("volunteered", at(3)), "consideration"),
        (Fact("onboarded", at(4)), "decision"),
        (Fact("application_credited", at(5), ref="greenhouse:1"), "evangelize"),
    ]
    facts = Facts()
    seen = []
    for fact, phase in steps:
        facts, moved = phases.transition(facts, fact, RULES, fact.at)
        assert derive(facts, RULES, fact.at) == State(phase, dormant=False, in_programme=True)
        seen.append(moved.to_phase if moved else None)
    assert seen == ["awareness", None, "interest", "consideration", "decision", "evangelize"]


def test_the_transition_says_from_to_and_the_fact_that_moved_them() -> None:
    facts = walk(Fact("on_roster", at(0)), Fact("volunteered", at(1)))
    _, moved = phases.transition(facts, Fact("onboarded", at(2)), RULES, at(2))
    assert moved == phases.Transition(
        from_phase="consideration",
        to_phase="decision",
        dormant_before=False,
        dormant=False,
        in_programme_before=True,
        in_programme=True,
        reason="onboarding complete",
        occurred_at=at(2),
    )


def test_no_activity_for_the_dormancy_period_makes_dormant_and_activity_brings_them_back() -> None:
    facts = walk(Fact("on_roster", at(0)), Fact("onboarded", at(1)))
    assert derive(facts, RULES, at(45.9)).dormant is False
    assert derive(facts, RULES, at(46)) == State("decision", dormant=True, in_programme=True)
    back, moved = phases.transition(facts, Fact("active", at(60)), RULES, at(60))
    assert derive(back, RULES, at(60)) == State("decision", dormant=False, in_programme=True)
    assert moved is not None
    assert (moved.from_phase, moved.to_phase, moved.dormant_before, moved.dormant) == (
        "decision",
        "decision",
        True,
        False,
    )
    assert moved.reason == "active again"


def test_the_dormancy_period_is_the_talent_teams() -> None:
    facts = walk(Fact("on_roster", at(0)), Fact("active", at(1)))
    assert derive(facts, Rules(dormancy_days=10), at(11)).dormant is True
    assert derive(facts, Rules(dormancy_days=60), at(11)).dormant is False


def test_the_evangelist_rule_needs_someone_brought_in_and_recent_activity() -> None:
    onboarded = walk(Fact("on_roster", at(0)), Fact("onboarded", at(1)))
    assert derive(onboarded, RULES, at(2)).phase == "decision"
    recruited = phases.apply(onboarded, Fact("colleague_recruited", at(2), ref="E7"))
    assert derive(recruited, RULES, at(3)).phase == "evangelize"
    assert derive(recruited, RULES, at(32)).phase == "decision"  # the rule lapsed: not active in 30 days
    stricter = Rules(evangelist_min_colleagues=2, evangelist_min_applications=0)
    assert derive(recruited, stricter, at(3)).phase == "decision"
    two = phases.apply(recruited, Fact("colleague_recruited", at(3), ref="E8"))
    assert derive(two, stricter, at(4)).phase == "evangelize"


def test_evangelize_waits_for_onboarding() -> None:
    facts = walk(Fact("on_roster", at(0)), Fact("application_credited", at(1), ref="a1"))
    assert derive(facts, RULES, at(1)).phase == "awareness"
    assert derive(phases.apply(facts, Fact("onboarded", at(2))), RULES, at(2)).phase == "evangelize"


def test_a_move_by_hand_wins_until_a_later_fact_moves_them_on() -> None:
    facts = walk(Fact("on_roster", at(0)), Fact("volunteered", at(1)), Fact("onboarded", at(2)))
    moved = phases.apply(facts, Fact("moved_by_hand", at(3), to_phase="interest", reason="asked to", by="hr"))
    assert derive(moved, RULES, at(3)).phase == "interest"
    again = phases.apply(moved, Fact("volunteered", at(4)))  # earlier volunteering does not count twice
    assert derive(again, RULES, at(4)).phase == "interest"  # the earliest volunteering is still day 1
    onboarded_later = phases.apply(moved, Fact("colleague_recruited", at(5), ref="E9"))
    assert derive(onboarded_later, RULES, at(5)).phase == "interest"
    up = phases.apply(moved, Fact("moved_by_hand", at(6), to_phase="decision", reason="done", by="hr"))
    assert derive(up, RULES, at(6)).phase == "decision"
    credited = phases.apply(up, Fact("application_credited", at(7), ref="a1"))
    assert derive(credited, RULES, at(7)).phase == "evangelize"  # moved to decision: onboarded


def test_facts_later_than_a_move_by_hand_move_them_on() -> None:
    moved = walk(
        Fact("on_roster", at(0)), Fact("moved_by_hand", at(1), to_phase="awareness", reason="reset", by="hr")
    )
    later = phases.apply(moved, Fact("onboarded", at(2)))
    assert derive(later, RULES, at(2)).phase == "decision"


def test_leaving_and_rejoining_keep_the_phase() -> None:
    facts = walk(Fact("on_roster", at(0)), Fact("onboarded", at(1)))
    left, moved = phases.transition(facts, Fact("left", at(2)), RULES, at(2))
    assert derive(left, RULES, at(2)) == State("decision", dormant=False, in_programme=False)
    assert moved is not None
    assert moved.reason == "left the programme"
    assert derive(left, RULES, at(200)).dormant is False  # someone who left is not dormant
    back = phases.apply(left, Fact("rejoined", at(100)))
    assert derive(back, RULES, at(100)) == State("decision", dormant=False, in_programme=True)
    assert derive(back, RULES, at(144)).dormant is False  # the clock restarts at the rejoin


def test_a_late_delivered_older_leave_does_not_undo_a_later_rejoin() -> None:
    facts = walk(Fact("on_roster", at(0)), Fact("rejoined", at(5)), Fact("left", at(3)))
    assert derive(facts, RULES, at(6)).in_programme is True


def test_activity_alone_puts_nobody_in_the_funnel() -> None:
    facts = walk(Fact("active", at(0)))
    assert derive(facts, RULES, at(0)) == phases.NOT_IN_FUNNEL
    assert phases.transition(facts, Fact("active", at(1)), RULES, at(1))[1] is None


def test_next_review_is_when_dormancy_or_the_evangelist_lapse_comes() -> None:
    facts = walk(
        Fact("on_roster", at(0)), Fact("onboarded", at(1)), Fact("colleague_recruited", at(2), ref="x")
    )
    assert phases.next_review(facts, RULES, at(2)) == at(32)
    assert phases.next_review(facts, RULES, at(33)) == at(47)
    assert phases.next_review(facts, RULES, at(48)) is None  # dormant: only a fact can change anything
    left = phases.apply(facts, Fact("left", at(3)))
    assert phases.next_review(left, RULES, at(3)) == at(32)  # no dormancy, but the rule still lapses
    assert phases.next_review(left, RULES, at(33)) is None


@pytest.mark.parametrize(
    ("kind", "when", "extra"),
    [
        ("active", datetime(2026, 1, 1), {}),  # naive
        ("colleague_recruited", T0, {}),
        ("step_done", T0, {}),
        ("moved_by_hand", T0, {"to_phase": "decision"}),
    ],
)
def test_a_fact_needs_an_aware_time_and_its_reference(
    kind: str, when: datetime, extra: dict[str, str]
) -> None:
    with pytest.raises(ValueError, match=r"fact|move"):
        Fact(kind, when, **extra)  # type: ignore[arg-type]


def test_onboarded_when_the_last_checklist_step_is_done_in_any_order() -> None:
    start = walk(Fact("on_roster", at(0)), Fact("volunteered", at(1)))
    steps = [Fact("step_done", at(4), ref="goal"), Fact("step_done", at(2), ref="guidelines")]
    facts = start
    for step in steps:
        facts, moved = phases.transition(facts, step, RULES, at(5))
        assert moved is None  # not yet complete: still consideration
        assert derive(facts, RULES, at(5)).phase == "consideration"
    facts, moved = phases.transition(facts, Fact("step_done", at(3), ref="practice-share"), RULES, at(5))
    assert moved is not None
    assert (moved.from_phase, moved.to_phase, moved.reason) == (
        "consideration",
        "decision",
        "onboarding complete",
    )
    assert facts.onboarded_at == at(4)  # when the last of the steps was done, whatever order they came in
    assert facts.steps_done == {"goal": at(4), "guidelines": at(2), "practice-share": at(3)}


def test_the_checklist_is_the_talent_teams_and_a_changed_one_never_takes_onboarding_back() -> None:
    short = Rules(checklist=("guidelines",))
    facts = walk(
        Fact("on_roster", at(0)),
        Fact("volunteered", at(1)),
        Fact("step_done", at(2), ref="guidelines"),
        rules=short,
    )
    assert facts.onboarded_at == at(2)
    assert derive(facts, short, at(3)).phase == "decision"
    assert derive(phases.settle(facts, RULES), RULES, at(3)).phase == "decision"  # a longer list later
    assert walk(Fact("on_roster", at(0)), Fact("step_done", at(2), ref="guidelines")).onboarded_at is None


# ------------------------------------------------------------------------------------ properties
_hours = st.integers(min_value=0, max_value=24 * 200)
_refs = st.sampled_from(["a", "b", "c"])


@st.composite
def facts_strategy(draw: st.DrawFn) -> Fact:
    kind = draw(st.sampled_from(phases.FACT_KINDS))
    when = T0 + timedelta(hours=draw(_hours))
    if kind in ("colleague_recruited", "application_credited"):
        return Fact(kind, when, ref=draw(_refs))
    if kind == "step_done":  # the default checklist's steps and one it does not have
        return Fact(kind, when, ref=draw(st.sampled_from([*RULES.checklist, "extra"])))
    if kind == "moved_by_hand":
        return Fact(
            kind,
            when,
            to_phase=draw(st.sampled_from(PHASES)),
            reason=draw(st.sampled_from(["r1", "r2"])),
            by=draw(st.sampled_from(["hr", "me"])),
        )
    return Fact(kind, when)


fact_lists = st.lists(facts_strategy(), max_size=25)


@given(fact_lists, st.data())
@settings(max_examples=300, deadline=None)
def test_any_order_and_any_duplicates_end_as_one_clean_in_order_delivery(
    facts: list[Fact], data: st.DataObject
) -> None:
    clean = walk(*sorted(facts, key=lambda f: f.at))
    duplicated = facts + data.draw(st.lists(st.sampled_from(facts), max_size=10)) if facts else []
    shuffled = data.draw(st.permutations(duplicated))
    messy = walk(*shuffled)
    assert messy == clean
    now = T0 + timedelta(hours=data.draw(_hours))
    assert derive(messy, RULES, now) == derive(clean, RULES, now)


@given(fact_lists)
@settings(max_examples=300, deadline=None)
def test_phases_only_move_forward_but_by_hand_by_leaving_or_the_evangelist_lapse(facts: list[Fact]) -> None:
    state = Facts()
    for fact in sorted(facts, key=lambda f: f.at):
        state, moved = phases.transition(state, fact, RULES, fact.at)
        if moved is None or moved.from_phase is None:
            continue
        if fact.kind in ("moved_by_hand", "left", "rejoined"):
            continue
        assert rank(moved.to_phase) >= rank(moved.from_phase), (moved, fact)


@given(fact_lists, st.integers(min_value=0, max_value=24 * 400))
@settings(max_examples=300, deadline=None)
def test_time_alone_changes_dormancy_and_the_evangelist_lapse_only(facts: list[Fact], hours: int) -> None:
    state = walk(*facts)
    start = max((f.at for f in facts), default=T0)
    now, later = start, start + timedelta(hours=hours)
    before, after = derive(state, RULES, now), derive(state, RULES, later)
    assert after.in_programme == before.in_programme
    if before.phase != after.phase:
        assert (before.phase, after.phase) == ("evangelize", "decision")
    if before.dormant:
        assert after.dormant


@given(fact_lists, st.integers(min_value=45 * 24, max_value=24 * 400))
@settings(max_examples=300, deadline=None)
def test_dormancy_keeps_the_phase_and_activity_restores_it(facts: list[Fact], hours: int) -> None:
    state = walk(*facts)
    start = max((f.at for f in facts), default=T0)
    awake = derive(state, RULES, start)
    if awake.phase is None or not awake.in_programme:
        return
    later = start + timedelta(hours=hours)
    asleep = derive(state, RULES, later)
    assert asleep.dormant
    assert asleep.phase in (awake.phase, "decision")
    restored = derive(phases.apply(state, Fact("active", later)), RULES, later)
    active_then = derive(phases.apply(state, Fact("active", start)), RULES, start)
    assert restored == State(active_then.phase, dormant=False, in_programme=True)


@given(fact_lists)
@settings(max_examples=200, deadline=None)
def test_next_review_is_exactly_the_next_change_time_alone_makes(facts: list[Fact]) -> None:
    state = walk(*facts)
    now = max((f.at for f in facts), default=T0)
    review = phases.next_review(state, RULES, now)
    current = derive(state, RULES, now)
    if review is None:
        assert derive(state, RULES, now + timedelta(days=1000)) == current
        return
    assert derive(state, RULES, review - timedelta(microseconds=1)) == current
    assert derive(state, RULES, review) != current

"""The advocacy programme's state machine (issue 13): pure, no I/O.

An ambassador's programme state is a set of **facts** that only grow — a join-semilattice: the
earliest time of each step (invited, interested, volunteered, onboarded, on the roster), the
onboarding checklist's steps done, the colleagues they recruited and the applications credited to
them (each with its earliest time), the latest activity, the latest membership change (left /
rejoined) and the latest move by hand. :func:`join` is commutative, associative and idempotent, so
facts delivered in any order, any number of times, end in the state one clean in-order delivery
gives.

Where someone is — their :class:`State` — is a pure function of the facts, the talent team's
:class:`Rules` and the time: :func:`derive`.

- **phase**: the furthest step reached — awareness (on the roster or invited), interest (a
  person opened their invitation or the programme page), consideration (volunteered: signed up
  and consented), decision (onboarded: every step of the talent team's checklist done, see
  :func:`settle`), evangelize (decision, and the evangelist rule holds: at least
  ``evangelist_min_colleagues`` colleagues recruited or ``evangelist_min_applications`` credited
  applications, and active in the last ``evangelist_active_days`` days). A move by hand sets the
  phase as of its time; facts later than the move can move the person on from there (never
  back); a move to decision or further counts as onboarded.
- **dormant** (a status beside the phase): no activity for ``dormancy_days``; any activity
  brings them back to their phase. The clock starts at the latest of their last activity, their
  entry into the funnel, a rejoin and a move by hand.
- **in_programme**: not left (the latest membership change wins).

A transition is :func:`derive` before versus after a fact (:func:`transition`). Phases only move
forward along the funnel, except by a move by hand, leaving or rejoining, and the evangelist
rule lapsing (evangelize → decision when no longer active enough); dormancy never changes the phase.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Literal, get_args

from kring.models.common import PHASES, Phase
from kring.models.programme import (
    DEFAULT_CHECKLIST,
    DEFAULT_DORMANCY_DAYS,
    DEFAULT_EVANGELIST_ACTIVE_DAYS,
    ProgrammeRules,
)

FactKind = Literal[
    "on_roster",
    "invited",
    "interested",
    "volunteered",
    "onboarded",
    "step_done",
    "colleague_recruited",
    "application_credited",
    "active",
    "left",
    "rejoined",
    "moved_by_hand",
]
FACT_KINDS: tuple[FactKind, ...] = get_args(FactKind)
# What moves a person, in words (the reason of the transition a fact causes).
REASONS: Mapping[FactKind, str] = {
    "on_roster": "on the roster",
    "invited": "invited to the programme",
    "interested": "opened the programme",
    "volunteered": "volunteered",
    "onboarded": "onboarding complete",
    "step_done": "completed an onboarding step",
    "colleague_recruited": "recruited a colleague",
    "application_credited": "an application was credited",
    "active": "active again",
    "left": "left the programme",
    "rejoined": "rejoined the programme",
    "moved_by_hand": "moved by hand",
}
# The facts that are the person's own activity (they reset the dormancy clock).
ACTIVITY_KINDS: frozenset[FactKind] = frozenset(
    {
        "interested",
        "volunteered",
        "onboarded",
        "step_done",
        "colleague_recruited",
        "application_credited",
        "active",
    }
)


def rank(phase: Phase | None) -> int:
    """A phase's place in the funnel (-1: not in it)."""
    return -1 if phase is None else PHASES.index(phase)


@dataclass(frozen=True)
class Rules:
    """The talent team's rules (defaults as in issue 13)."""

    dormancy_days: int = DEFAULT_DORMANCY_DAYS
    evangelist_min_colleagues: int = 1
    evangelist_min_applications: int = 1
    evangelist_active_days: int = DEFAULT_EVANGELIST_ACTIVE_DAYS
    checklist: tuple[str, ...] = tuple(item.id for item in DEFAULT_CHECKLIST)


def rules_of(settings: ProgrammeRules) -> Rules:
    """The talent team's stored rules as the machine reads them."""
    return Rules(
        dormancy_days=settings.dormancy_days,
        evangelist_min_colleagues=settings.evangelist.min_colleagues,
        evangelist_min_applications=settings.evangelist.min_applications,
        evangelist_active_days=settings.evangelist.active_days,
        checklist=tuple(item.id for item in settings.onboarding_checklist),
    )


@dataclass(frozen=True, order=True)
class MembershipChange:
    """Left (``member`` False) or rejoined (True) at ``at``; the latest wins (ties: rejoined)."""

    at: datetime
    member: bool


@dataclass(frozen=True, order=True)
class ManualMove:
    """The talent team (or the person, for their own moves) set the phase, with a reason."""

    at: datetime
    to_phase: Phase
    reason: str
    by: str


@dataclass(frozen=True)
class Fact:
    """One thing that happened. ``ref`` identifies a colleague, an application or an onboarding
    step; a move by hand carries its phase, reason and author."""

    kind: FactKind
    at: datetime
    ref: str | None = None
    to_phase: Phase | None = None
    reason: str | None = None
    by: str | None = None

    def __post_init__(self) -> None:
        if self.at.tzinfo is None:
            raise ValueError("a fact's time must be aware")
        if self.kind in ("colleague_recruited", "application_credited", "step_done") and not self.ref:
            raise ValueError(f"a {self.kind} fact names its colleague, application or step")
        if self.kind == "moved_by_hand" and (self.to_phase is None or not self.reason or not self.by):
            raise ValueError("a move by hand has a phase, a reason and an author")

    @property
    def reason_text(self) -> str:
        return self.reason or REASONS[self.kind]


def _min(a: datetime | None, b: datetime | None) -> datetime | None:
    return b if a is None else a if b is None else min(a, b)


def _max(a: datetime | None, b: datetime | None) -> datetime | None:
    return b if a is None else a if b is None else max(a, b)


def _union(a: Mapping[str, datetime], b: Mapping[str, datetime]) -> dict[str, datetime]:
    out = dict(a)
    for ref, at in b.items():
        out[ref] = min(at, out[ref]) if ref in out else at
    return out


@dataclass(frozen=True)
class Facts:
    """Everything known about one ambassador in the programme (only grows; see :func:`join`)."""

    on_roster_at: datetime | None = None
    invited_at: datetime | None = None
    interested_at: datetime | None = None
    volunteered_at: datetime | None = None
    onboarded_at: datetime | None = None
    colleagues_recruited: Mapping[str, datetime] = field(default_factory=dict)
    credited_applications: Mapping[str, datetime] = field(default_factory=dict)
    steps_done: Mapping[str, datetime] = field(default_factory=dict)
    last_activity_at: datetime | None = None
    membership: MembershipChange | None = None
    manual: ManualMove | None = None

    @property
    def entered_at(self) -> datetime | None:
        """When they entered the funnel (on the roster or invited, whichever was first)."""
        return _min(self.on_roster_at, self.invited_at)


def join(a: Facts, b: Facts) -> Facts:
    """The least upper bound: earliest step times, union of sets (earliest time each), latest
    activity, latest membership change and latest move by hand."""
    return Facts(
        on_roster_at=_min(a.on_roster_at, b.on_roster_at),
        invited_at=_min(a.invited_at, b.invited_at),
        interested_at=_min(a.interested_at, b.interested_at),
        volunteered_at=_min(a.volunteered_at, b.volunteered_at),
        onboarded_at=_min(a.onboarded_at, b.onboarded_at),
        colleagues_recruited=_union(a.colleagues_recruited, b.colleagues_recruited),
        credited_applications=_union(a.credited_applications, b.credited_applications),
        steps_done=_union(a.steps_done, b.steps_done),
        last_activity_at=_max(a.last_activity_at, b.last_activity_at),
        membership=max((m for m in (a.membership, b.membership) if m is not None), default=None),
        manual=max((m for m in (a.manual, b.manual) if m is not None), default=None),
    )


_STEP_FIELDS: Mapping[FactKind, str] = {
    "on_roster": "on_roster_at",
    "invited": "invited_at",
    "interested": "interested_at",
    "volunteered": "volunteered_at",
    "onboarded": "onboarded_at",
}


def of(fact: Fact) -> Facts:
    """The facts one fact amounts to."""
    at, kind = fact.at, fact.kind
    changes: dict[str, object] = {"last_activity_at": at if kind in ACTIVITY_KINDS else None}
    if kind in _STEP_FIELDS:
        changes[_STEP_FIELDS[kind]] = at
    elif kind == "colleague_recruited":
        changes["colleagues_recruited"] = {str(fact.ref): at}
    elif kind == "application_credited":
        changes["credited_applications"] = {str(fact.ref): at}
    elif kind == "step_done":
        changes["steps_done"] = {str(fact.ref): at}
    elif kind in ("left", "rejoined"):
        changes["membership"] = MembershipChange(at, kind == "rejoined")
    elif kind == "moved_by_hand":
        changes["manual"] = ManualMove(at, fact.to_phase or "awareness", str(fact.reason), str(fact.by))
    return replace(Facts(), **changes)  # type: ignore[arg-type]


def apply(facts: Facts, fact: Fact) -> Facts:
    return join(facts, of(fact))


def settle(facts: Facts, rules: Rules) -> Facts:
    """Onboarded once every step of the talent team's checklist is done: at the time the last of
    them was (the earliest time of each), so the order the steps arrive in changes nothing. A
    checklist changed later never takes it back."""
    done = [facts.steps_done.get(step) for step in rules.checklist]
    if not done or any(at is None for at in done):
        return facts
    complete = max(at for at in done if at is not None)
    onboarded = _min(facts.onboarded_at, complete)
    return facts if onboarded == facts.onboarded_at else replace(facts, onboarded_at=onboarded)


def apply_all(facts: Facts, new: Iterable[Fact]) -> Facts:
    for fact in new:
        facts = apply(facts, fact)
    return facts


@dataclass(frozen=True)
class State:
    """Where someone is: their phase (None: not in the funnel), dormant, in the programme."""

    phase: Phase | None
    dormant: bool
    in_programme: bool


def _after(moment: datetime | None, since: datetime | None) -> datetime | None:
    """``moment`` if it counts after a move by hand at ``since`` (strictly later), else None."""
    if moment is None or since is None:
        return moment
    return moment if moment > since else None


def _automatic_phase(facts: Facts, rules: Rules, now: datetime, manual: ManualMove | None) -> Phase | None:
    """The furthest step reached by the facts later than a move by hand (all of them without
    one); a move by hand to decision or further counts as onboarded."""
    since = manual.at if manual else None
    colleagues = sum(1 for at in facts.colleagues_recruited.values() if _after(at, since))
    credited = sum(1 for at in facts.credited_applications.values() if _after(at, since))
    onboarded = _after(facts.onboarded_at, since) is not None or (
        manual is not None and rank(manual.to_phase) >= rank("decision")
    )
    last_activity = facts.last_activity_at
    if onboarded and is_evangelist(colleagues, credited, last_activity, rules, now):
        return "evangelize"
    if onboarded:
        return "decision"
    if _after(facts.volunteered_at, since):
        return "consideration"
    if _after(facts.interested_at, since):
        return "interest"
    if _after(facts.entered_at, since):
        return "awareness"
    return None


def is_evangelist(
    colleagues: int, credited: int, last_activity: datetime | None, rules: Rules, now: datetime
) -> bool:
    """The evangelist rule: enough colleagues recruited or applications credited, and active
    in the last ``evangelist_active_days``."""
    brings_others = (
        rules.evangelist_min_colleagues > 0 and colleagues >= rules.evangelist_min_colleagues
    ) or (rules.evangelist_min_applications > 0 and credited >= rules.evangelist_min_applications)
    recent = last_activity is not None and now - last_activity < timedelta(days=rules.evangelist_active_days)
    return brings_others and recent


def dormancy_clock(facts: Facts) -> datetime | None:
    """The moment dormancy is counted from: the latest of last activity, entry, rejoin and move
    by hand."""
    rejoined = facts.membership.at if facts.membership and facts.membership.member else None
    moved = facts.manual.at if facts.manual else None
    clock = facts.last_activity_at
    for moment in (facts.entered_at, rejoined, moved):
        clock = _max(clock, moment)
    return clock


def derive(facts: Facts, rules: Rules, now: datetime) -> State:
    """Phase, dormant and in_programme (see the module docstring)."""
    manual = facts.manual
    automatic = _automatic_phase(facts, rules, now, manual)
    phase: Phase | None = automatic
    if manual is not None and rank(manual.to_phase) >= rank(automatic):
        phase = manual.to_phase
    in_programme = facts.membership is None or facts.membership.member
    clock = dormancy_clock(facts)
    dormant = (
        in_programme
        and phase is not None
        and clock is not None
        and now - clock >= timedelta(days=rules.dormancy_days)
    )
    return State(phase=phase, dormant=dormant, in_programme=in_programme)


def next_review(facts: Facts, rules: Rules, now: datetime) -> datetime | None:
    """The earliest moment after ``now`` at which :func:`derive` can change with no new fact:
    dormancy setting in, or the evangelist rule lapsing. None: nothing will change by itself."""
    state = derive(facts, rules, now)
    if state.phase is None:
        return None
    moments: list[datetime] = []
    clock = dormancy_clock(facts)
    if not state.dormant and clock is not None:
        moments.append(clock + timedelta(days=rules.dormancy_days))
    if state.phase == "evangelize" and facts.last_activity_at is not None:
        moments.append(facts.last_activity_at + timedelta(days=rules.evangelist_active_days))
    # derive changes with time only at these moments: the first one after now that changes it
    changes = sorted(m for m in moments if m > now and derive(facts, rules, m) != state)
    return changes[0] if changes else None


@dataclass(frozen=True)
class Transition:
    """A change of state: what ``AmbassadorPhaseChanged`` says."""

    from_phase: Phase | None
    to_phase: Phase
    dormant_before: bool
    dormant: bool
    in_programme_before: bool
    in_programme: bool
    reason: str
    occurred_at: datetime


def _reason(before: State, after: State, fact: Fact | None) -> str:
    if fact is not None:
        if fact.kind == "step_done" and before.phase != after.phase:
            return REASONS["onboarded"]
        if before.dormant and not after.dormant and before.phase == after.phase:
            return REASONS["active"] if fact.kind in ACTIVITY_KINDS else fact.reason_text
        return fact.reason_text
    if after.dormant and not before.dormant:
        return "no activity for the dormancy period"
    if before.phase == "evangelize" and after.phase != "evangelize":
        return "the evangelist rule no longer holds"
    return "reviewed"


def change(before: State, after: State, *, fact: Fact | None, occurred_at: datetime) -> Transition | None:
    """The transition from ``before`` to ``after`` (None when nothing a consumer sees changed)."""
    if before == after or after.phase is None:
        return None
    return Transition(
        from_phase=before.phase,
        to_phase=after.phase,
        dormant_before=before.dormant,
        dormant=after.dormant,
        in_programme_before=before.in_programme,
        in_programme=after.in_programme,
        reason=_reason(before, after, fact),
        occurred_at=occurred_at,
    )


def transition(facts: Facts, fact: Fact, rules: Rules, now: datetime) -> tuple[Facts, Transition | None]:
    """Apply ``fact``: the new facts, and the transition it causes (derive before vs after)."""
    after_facts = settle(apply(facts, fact), rules)
    before = derive(facts, rules, now)
    after = derive(after_facts, rules, now)
    return after_facts, change(before, after, fact=fact, occurred_at=min(fact.at, now))


NOT_IN_FUNNEL = State(phase=None, dormant=False, in_programme=True)

"""The programme funnel for the talent team (issue 13), from counters and items, never a Scan:

- **now**: how many are in each phase, dormant, left, and how many returned from dormancy —
  the counters the transitions keep (:mod:`kring.dal.programme`), overall or by department or
  location;
- **cohort**: everyone who entered the funnel between two days (the cohort index, one Query a
  month): for each phase how many reached it, the conversion to the next phase and the median
  days it took. A phase counts as reached when it or a later one was (the funnel may be skipped,
  by hand or by facts arriving out of order); its time is the earliest fact of it or a later phase.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from itertools import pairwise

from kring.dal.programme import ALL_SCOPE, CohortMember, ProgrammeRepository
from kring.models.common import PHASES, Phase
from kring.programme.phases import rank

MAX_COHORT_DAYS = 366
GROUPINGS: Mapping[str, str] = {"department": "DEPT", "location": "LOC"}


@dataclass(frozen=True)
class Now:
    phases: dict[Phase, int]
    dormant: int
    left: int
    returned: int

    @classmethod
    def of(cls, counts: Mapping[str, int]) -> Now:
        return cls(
            phases={p: max(0, counts.get(f"phase_{p}", 0)) for p in PHASES},
            dormant=max(0, counts.get("dormant", 0)),
            left=max(0, counts.get("left", 0)),
            returned=max(0, counts.get("returned", 0)),
        )


@dataclass(frozen=True)
class Step:
    """From one phase to the next within a cohort."""

    from_phase: Phase
    to_phase: Phase
    reached_from: int
    reached_to: int
    conversion: float | None
    median_days: float | None


@dataclass(frozen=True)
class Cohort:
    entered: int
    reached: dict[Phase, int]
    steps: list[Step]


def _reached_times(member: CohortMember) -> dict[Phase, datetime | None]:
    """When the member first reached each phase they reached (None: reached, time unknown)."""
    facts = member.facts
    own: dict[Phase, datetime | None] = {
        "awareness": facts.entered_at,
        "interest": facts.interested_at,
        "consideration": facts.volunteered_at,
        "decision": facts.onboarded_at,
        "evangelize": member.evangelized_at,
    }
    furthest = max(
        [rank(p) for p, at in own.items() if at is not None]
        + [rank(member.state.phase if member.state else None)]
    )
    out: dict[Phase, datetime | None] = {}
    for index, phase in enumerate(PHASES):
        if index > furthest:
            break
        later = [at for p, at in own.items() if at is not None and rank(p) >= index]
        out[phase] = min(later) if later else None
    return out


def _days(start: datetime | None, end: datetime | None) -> float | None:
    if start is None or end is None or end < start:
        return None
    return (end - start).total_seconds() / 86400


def cohort_of(members: Iterable[CohortMember]) -> Cohort:
    reached_all = [_reached_times(m) for m in members]
    reached = {p: sum(1 for r in reached_all if p in r) for p in PHASES}
    steps: list[Step] = []
    for here, there in pairwise(PHASES):
        days = [d for d in (_days(r.get(here), r.get(there)) for r in reached_all) if d is not None]
        steps.append(
            Step(
                from_phase=here,
                to_phase=there,
                reached_from=reached[here],
                reached_to=reached[there],
                conversion=round(reached[there] / reached[here], 4) if reached[here] else None,
                median_days=round(statistics.median(days), 2) if days else None,
            )
        )
    return Cohort(entered=len(reached_all), reached=reached, steps=steps)


def months_between(first: date, last: date) -> list[str]:
    out: list[str] = []
    year, month = first.year, first.month
    while (year, month) <= (last.year, last.month):
        out.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


def cohort_members(first: date, last: date, repository: ProgrammeRepository) -> list[CohortMember]:
    """Everyone who entered the funnel from ``first`` to ``last`` (UTC days, both included)."""
    members: list[CohortMember] = []
    for month in months_between(first, last):
        members.extend(
            m
            for m in repository.cohort(month)
            if m.facts.entered_at is not None and first <= m.facts.entered_at.astimezone(UTC).date() <= last
        )
    return members


def group_of(member: CohortMember, by: str) -> str:
    return (member.department if by == "department" else member.location) or ""


@dataclass(frozen=True)
class Funnel:
    now: Now
    now_by: dict[str, Now] | None
    cohort: Cohort | None
    cohort_by: dict[str, Cohort] | None


def funnel(
    *,
    first: date | None,
    last: date | None,
    by: str | None,
    repository: ProgrammeRepository | None = None,
) -> Funnel:
    """The funnel now (and by ``by``), and for the cohort from ``first`` to ``last`` if given."""
    repo = repository or ProgrammeRepository()
    now = Now.of(repo.counters(ALL_SCOPE))
    now_by = {k: Now.of(v) for k, v in repo.counters_by(GROUPINGS[by]).items()} if by else None
    cohort: Cohort | None = None
    cohort_by: dict[str, Cohort] | None = None
    if first is not None and last is not None:
        members = cohort_members(first, last, repo)
        cohort = cohort_of(members)
        if by:
            groups: dict[str, list[CohortMember]] = {}
            for member in members:
                groups.setdefault(group_of(member, by), []).append(member)
            cohort_by = {k: cohort_of(v) for k, v in sorted(groups.items())}
    return Funnel(now=now, now_by=now_by, cohort=cohort, cohort_by=cohort_by)

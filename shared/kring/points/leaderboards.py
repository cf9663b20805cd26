"""Leaderboards, an ambassador's points, and the figures that look gamed: what the admin API and
the ambassador portal show. Every read is a Query of a ranking index or a BatchGetItem — never a
Scan.

- :func:`leaderboard` — the top of a period's ranking (overall, a department's or a location's),
  in the order of :func:`kring.points.scoring.rank_key`, each ambassador shown as they chose:
  by name, or — the default, nobody is named without choosing it — as "a colleague in <their
  department>" (:attr:`LeaderboardEntry.shown_as`; the words are the page's, in its language).
  The points shown are the ones the ranking holds (the weights of the last write or re-rank).
  Asked for ``me`` (the portal), it also gives that ambassador's own place when it is below the
  top: their period item's sort key, and a Query that counts who comes before it.
- :func:`ambassador_points` — one ambassador's week, month and quarter: per source the raw and
  the counted figures and the points with the current weights.
- :func:`suspicious` — a period's ambassadors whose raw figures far exceed the counted ones
  (:func:`kring.points.scoring.looks_gamed`), from the sparse index the writers keep.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from kring.dal import keys
from kring.dal import points as store
from kring.dal.ambassadors import AmbassadorRepository
from kring.dal.programme_settings import ProgrammeSettingsRepository
from kring.errors import FieldValidationError, NotFoundError
from kring.models import points as sources
from kring.models.common import Page
from kring.models.points import PeriodPoints
from kring.models.team import PointWeights
from kring.points import ranking_periods as periods
from kring.points import scoring
from kring.points.ranking_periods import PeriodKind

MAX_SCOPE_VALUE = 100
ShownAs = Literal["name", "department"]


@dataclass(frozen=True)
class Scope:
    """``overall``, ``department:<x>`` or ``location:<x>`` as asked, and its ranking scope."""

    kind: Literal["overall", "department", "location"]
    value: str | None
    stored: str


OVERALL = Scope("overall", None, store.OVERALL)


@dataclass(frozen=True)
class LeaderboardEntry:
    position: int
    ambassador_id: str
    points: int
    shown_as: ShownAs
    name: str | None  # only when shown by name
    department: str | None
    scored_on: str | None


@dataclass(frozen=True)
class Leaderboard:
    kind: PeriodKind
    period: str
    first_day: date
    last_day: date
    scope: Scope
    entries: tuple[LeaderboardEntry, ...]
    # ``me``'s own place when asked for and below the top (None: in the top, or not in this ranking)
    mine: LeaderboardEntry | None = None


@dataclass(frozen=True)
class SourceFigures:
    source: str
    raw: int | None  # None: the source has no raw figure beside the counted one
    counted: int
    points: int


@dataclass(frozen=True)
class PeriodSummary:
    kind: PeriodKind
    period: str
    points: int
    sources: tuple[SourceFigures, ...]
    looks_gamed: bool


@dataclass(frozen=True)
class Suspect:
    ambassador_id: str
    period: str
    raw_share_intents: int
    share_intents: int
    raw_clicks: int
    clicks: int


# ------------------------------------------------------------------------------ query parameters
def period_kind(raw: str | None) -> PeriodKind:
    text = (raw or "week").strip()
    for kind in periods.PERIOD_KINDS:
        if text == kind:
            return kind
    raise FieldValidationError(
        "the query is not valid", [{"field": "period", "message": "must be week, month or quarter"}]
    )


# The days a leaderboard can be asked for: every period holding one of them has days that exist
# (the ISO week of 9999-12-31 would end in the year 10000).
FIRST_DAY = date(2000, 1, 1)
LAST_DAY = date(9998, 12, 31)


def day(raw: str | None, *, today: date) -> date:
    if raw is None or raw.strip() == "":
        return today
    text = raw.strip()
    if len(text) == 10 and text[4] == "-" and text[7] == "-":
        digits = text[:4] + text[5:7] + text[8:]
        if digits.isascii() and digits.isdigit():
            try:
                parsed = date.fromisoformat(text)
            except ValueError:
                parsed = None
            if parsed is not None and FIRST_DAY <= parsed <= LAST_DAY:
                return parsed
    raise FieldValidationError(
        "the query is not valid",
        [{"field": "at", "message": f"must be a day as YYYY-MM-DD, from {FIRST_DAY} to {LAST_DAY}"}],
    )


def scope(raw: str | None) -> Scope:
    text = (raw or "overall").strip()
    if text == "overall":
        return OVERALL
    kind, colon, value = text.partition(":")
    value = value.strip()
    if colon and value and len(value) <= MAX_SCOPE_VALUE and value.isprintable():
        if kind == "department":
            return department(value)
        if kind == "location":
            return location(value)
    raise FieldValidationError(
        "the query is not valid",
        [{"field": "scope", "message": "must be overall, department:<name> or location:<name>"}],
    )


def department(name: str) -> Scope:
    """The ranking of the department ``name`` (as the roster writes it)."""
    return Scope("department", name, store.department_scope(name))


def location(name: str) -> Scope:
    return Scope("location", name, store.location_scope(name))


# ------------------------------------------------------------------------------ reads
def leaderboard(
    kind: PeriodKind,
    at: date,
    where: Scope,
    limit: int,
    *,
    me: str | None = None,
    repository: store.PointsRepository | None = None,
    profiles: AmbassadorRepository | None = None,
) -> Leaderboard:
    """The top ``limit`` of the period of ``kind`` holding ``at``: one Query, one BatchGetItem of
    the profiles shown. With ``me`` below the top (and in this ranking): also their own entry —
    one consistent read of their period item and a Query that counts who is ahead."""
    period = periods.period_of(kind, at)
    first, last = periods.bounds(period)
    points = repository or store.PointsRepository()
    page = points.ranking(period, where.stored, limit)
    ranked = [p for p in page.items if p.score > 0]  # the ranking ends where points do
    own = (
        _own_place(points, period, where, me) if me and me not in {p.ambassador_id for p in ranked} else None
    )
    shown = (profiles or AmbassadorRepository()).leaderboard_profiles(
        [*(p.ambassador_id for p in ranked), *([own[1].ambassador_id] if own else [])]
    )
    entries = tuple(
        _entry(position, p, shown.get(p.ambassador_id)) for position, p in enumerate(ranked, start=1)
    )
    mine = _entry(own[0], own[1], shown.get(own[1].ambassador_id)) if own else None
    return Leaderboard(kind, period, first, last, where, entries, mine)


def _in_scope(figures: PeriodPoints, where: Scope) -> bool:
    """Is the period item ranked in ``where`` (by the department and location it was written with)?"""
    if where.kind == "department":
        return bool(figures.department) and store.department_scope(str(figures.department)) == where.stored
    if where.kind == "location":
        return bool(figures.location) and store.location_scope(str(figures.location)) == where.stored
    return True


def _own_place(
    points: store.PointsRepository, period: str, where: Scope, ambassador_id: str
) -> tuple[int, PeriodPoints] | None:
    """An ambassador's position in a ranking and their figures; None when they are not in it
    (nothing counted, no points, or ranked under another department or location)."""
    [figures] = points.periods(ambassador_id, [period])
    if not figures.counted_anything or figures.score <= 0 or not _in_scope(figures, where):
        return None
    rank = scoring.rank_key(figures.score, figures.scored_on or "", ambassador_id)
    return points.ahead_of(period, where.stored, rank) + 1, figures


def _entry(position: int, figures: PeriodPoints, profile: Mapping[str, Any] | None) -> LeaderboardEntry:
    """By name only when they chose it; an erased ambassador (no profile) as a colleague."""
    by_name = bool(profile and profile.get("leaderboard_display") == "name" and profile.get("name"))
    department = (profile or {}).get("department") or figures.department
    return LeaderboardEntry(
        position=position,
        ambassador_id=figures.ambassador_id,
        points=figures.score,
        shown_as="name" if by_name else "department",
        name=str(profile["name"]) if by_name and profile else None,
        department=str(department) if department else None,
        scored_on=figures.scored_on,
    )


def ambassador_points(
    ambassador_id: str,
    at: date,
    *,
    repository: store.PointsRepository | None = None,
    weights: PointWeights | None = None,
) -> tuple[PeriodSummary, ...]:
    """A known ambassador's week, month and quarter holding ``at`` (one BatchGetItem), scored with
    the current weights; :class:`~kring.errors.NotFoundError` for an unknown one."""
    if AmbassadorRepository().get_stored(ambassador_id) is None:
        raise NotFoundError(f"no ambassador with id {ambassador_id!r}")
    current = weights or ProgrammeSettingsRepository().get().point_weights
    figures = (repository or store.PointsRepository()).periods(ambassador_id, periods.periods_of(at))
    return tuple(_summary(kind, p, current) for kind, p in zip(periods.PERIOD_KINDS, figures, strict=True))


_RAW_OF = {sources.SHARE_INTENTS: sources.RAW_SHARE_INTENTS, sources.CLICKS: sources.RAW_CLICKS}


def _summary(kind: PeriodKind, figures: PeriodPoints, weights: PointWeights) -> PeriodSummary:
    by_source = scoring.points_by_source(figures.counts, weights)
    return PeriodSummary(
        kind=kind,
        period=figures.period,
        points=scoring.score(figures.counts, weights),
        sources=tuple(
            SourceFigures(
                source=s,
                raw=figures.raw.get(_RAW_OF[s], 0) if s in _RAW_OF else None,
                counted=figures.counts.get(s, 0),
                points=by_source[s],
            )
            for s in sources.SOURCES
        ),
        looks_gamed=scoring.looks_gamed(figures.counts, figures.raw),
    )


def suspicious(
    kind: PeriodKind,
    at: date,
    limit: int,
    cursor: Mapping[str, Any] | None = None,
    *,
    repository: store.PointsRepository | None = None,
) -> tuple[str, Page[Suspect]]:
    """The period's ambassadors whose figures look gamed, a page at a time, by ambassador id: one
    Query of the sparse index, one BatchGetItem of their figures."""
    period = periods.period_of(kind, at)
    points = repository or store.PointsRepository()
    page = points.suspicious(period, limit, cursor)
    figures = points.of_ambassadors((p.ambassador_id for p in page.items), period)
    return period, Page(
        items=[
            Suspect(
                ambassador_id=p.ambassador_id,
                period=p.period,
                raw_share_intents=p.raw.get(sources.RAW_SHARE_INTENTS, 0),
                share_intents=p.counts.get(sources.SHARE_INTENTS, 0),
                raw_clicks=p.raw.get(sources.RAW_CLICKS, 0),
                clicks=p.counts.get(sources.CLICKS, 0),
            )
            for p in (figures[entry.ambassador_id] for entry in page.items)
        ],
        cursor=page.cursor,
    )


def suspicious_partition(kind: PeriodKind, at: date) -> dict[str, str]:
    """What a page token of :func:`suspicious` must carry (its index partition)."""
    return {keys.GSI2_PK: keys.suspicious_partition(periods.period_of(kind, at))}

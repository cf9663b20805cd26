"""What ``/api/leaderboards`` and ``/api/ambassadors/{id}/points`` answer (mapped explicitly from
:mod:`kring.points.leaderboards`)."""

from __future__ import annotations

from datetime import date

from kring.api.resource_models import _Out
from kring.points.leaderboards import (
    Leaderboard,
    LeaderboardEntry,
    PeriodSummary,
    SourceFigures,
    Suspect,
)


class LeaderboardEntryOut(_Out):
    position: int
    ambassador_id: str
    points: int
    shown_as: str
    name: str | None
    department: str | None
    scored_on: str | None

    @classmethod
    def of(cls, entry: LeaderboardEntry) -> LeaderboardEntryOut:
        return cls(
            position=entry.position,
            ambassador_id=entry.ambassador_id,
            points=entry.points,
            shown_as=entry.shown_as,
            name=entry.name,
            department=entry.department,
            scored_on=entry.scored_on,
        )


class LeaderboardOut(_Out):
    period: str
    kind: str
    first_day: date
    last_day: date
    scope: str
    items: list[LeaderboardEntryOut]

    @classmethod
    def of(cls, board: Leaderboard) -> LeaderboardOut:
        where = board.scope
        return cls(
            period=board.period,
            kind=board.kind,
            first_day=board.first_day,
            last_day=board.last_day,
            scope=where.kind if where.value is None else f"{where.kind}:{where.value}",
            items=[LeaderboardEntryOut.of(e) for e in board.entries],
        )


class SourceOut(_Out):
    source: str
    raw: int | None
    counted: int
    points: int

    @classmethod
    def of(cls, figures: SourceFigures) -> SourceOut:
        return cls(source=figures.source, raw=figures.raw, counted=figures.counted, points=figures.points)


class PeriodPointsOut(_Out):
    kind: str
    period: str
    points: int
    looks_gamed: bool
    sources: list[SourceOut]

    @classmethod
    def of(cls, summary: PeriodSummary) -> PeriodPointsOut:
        return cls(
            kind=summary.kind,
            period=summary.period,
            points=summary.points,
            looks_gamed=summary.looks_gamed,
            sources=[SourceOut.of(s) for s in summary.sources],
        )


class AmbassadorPointsOut(_Out):
    ambassador_id: str
    periods: list[PeriodPointsOut]


class SuspectOut(_Out):
    ambassador_id: str
    raw_share_intents: int
    share_intents: int
    raw_clicks: int
    clicks: int

    @classmethod
    def of(cls, suspect: Suspect) -> SuspectOut:
        return cls(
            ambassador_id=suspect.ambassador_id,
            raw_share_intents=suspect.raw_share_intents,
            share_intents=suspect.share_intents,
            raw_clicks=suspect.raw_clicks,
            clicks=suspect.clicks,
        )


class SuspectsOut(_Out):
    period: str
    rule: str
    items: list[SuspectOut]
    next: str | None

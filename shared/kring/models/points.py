"""Points: the sources counted per ambassador and period, and one period's figures (see
:mod:`kring.points`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

SHARE_INTENTS = "share_intents"
CLICKS = "clicks"
APPLICATIONS = "applications"
INTERVIEWS = "interviews"
HIRES = "hires"
COLLEAGUES_RECRUITED = "colleagues_recruited"
SOURCES: tuple[str, ...] = (SHARE_INTENTS, CLICKS, APPLICATIONS, INTERVIEWS, HIRES, COLLEAGUES_RECRUITED)

RAW_SHARE_INTENTS = "raw_share_intents"
RAW_CLICKS = "raw_clicks"
RAW_SOURCES: tuple[str, ...] = (RAW_SHARE_INTENTS, RAW_CLICKS)


@dataclass(frozen=True)
class PeriodPoints:
    """An ambassador's figures for one period: the point-eligible ``counts`` (by source), the
    ``raw`` figures beside them, the last day a point was earned, the points with the weights of
    the last write; ``version`` 0: not stored yet."""

    ambassador_id: str
    period: str
    counts: Mapping[str, int] = field(default_factory=dict)
    raw: Mapping[str, int] = field(default_factory=dict)
    scored_on: str | None = None
    score: int = 0
    department: str | None = None
    location: str | None = None
    version: int = 0

    @property
    def counted_anything(self) -> bool:
        return any(self.counts.get(s, 0) > 0 for s in SOURCES)


@dataclass(frozen=True)
class PointsWrite:
    """A period's new figures and where they rank: ``rank`` (the sort key; None: in no ranking),
    the department's and location's ranking scopes, and whether the figures look gamed. Written on
    the condition that the stored version is ``state.version - 1`` (nothing stored for 1).
    ``side_changed``: the location-ranking / suspicious-list item differs from the one the stored
    version had (else it is not written again: most clicks change raw figures only)."""

    state: PeriodPoints
    rank: str | None
    department_scope: str | None
    location_scope: str | None
    suspicious: bool
    side_changed: bool = True

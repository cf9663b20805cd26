"""What counted activity is worth, how rankings are ordered, and when figures look gamed. Pure.

**Sources** (the point-eligible counts kept per ambassador and period,
:data:`kring.models.points.SOURCES`):

- ``share_intents`` — one per link, social network and UTC day (pressing "share on LinkedIn" twenty
  times is one; sharing the same vacancy on LinkedIn and on WhatsApp is two);
- ``clicks`` — a person's click (no bot, not the ambassador's own visitor), one per visitor network
  (IPv4 /24, IPv6 /48: :func:`kring.links.visitors.network_hash`), link and UTC day;
- ``applications``, ``interviews``, ``hires`` — the attribution's exact counts, as credited;
- ``colleagues_recruited`` — colleagues who joined through the ambassador's invitation.

Beside them the raw figures (:data:`kring.models.points.RAW_SOURCES`): every share-button press,
every click a person made (own clicks and repeats included). Counts are stored, points are
computed with the weights of the moment (:class:`~kring.models.team.PointWeights`), so changing a
weight changes every period's points; the rankings' sort keys are recomputed by
:mod:`kring.points.rerank`.

**Order** (:func:`rank_key`): points descending, then the earlier last scoring day (who got there
first), then the ambassador id — the same every time, and the same whatever order the events
arrived in: the scoring day of a click or share point is its event's day, which is the day of
every event that could have earned that point.

**Looks gamed** (:func:`looks_gamed`): at least :data:`GAMED_MIN_RAW` raw share intents and more
than three times as many as counted, or at least :data:`GAMED_MIN_RAW` raw clicks and more than
five times as many as counted.
"""

from __future__ import annotations

from collections.abc import Mapping

from kring.models.points import (
    APPLICATIONS,
    CLICKS,
    COLLEAGUES_RECRUITED,
    HIRES,
    INTERVIEWS,
    RAW_CLICKS,
    RAW_SHARE_INTENTS,
    SHARE_INTENTS,
    SOURCES,
)
from kring.models.team import PointWeights

GAMED_MIN_RAW = 10
GAMED_SHARE_RATIO = 3
GAMED_CLICK_RATIO = 5

# Scores are stored inverted and zero-padded in the sort keys (ascending = best first).
SCORE_DIGITS = 12
MAX_SCORE: int = 10**SCORE_DIGITS - 1


def weight_of(source: str, weights: PointWeights) -> int:
    return {
        SHARE_INTENTS: weights.share_intent,
        CLICKS: weights.click,
        APPLICATIONS: weights.application,
        INTERVIEWS: weights.interview,
        HIRES: weights.hire,
        COLLEAGUES_RECRUITED: weights.colleague_recruited,
    }[source]


def points_by_source(counts: Mapping[str, int], weights: PointWeights) -> dict[str, int]:
    return {source: max(0, int(counts.get(source, 0))) * weight_of(source, weights) for source in SOURCES}


def score(counts: Mapping[str, int], weights: PointWeights) -> int:
    return min(MAX_SCORE, sum(points_by_source(counts, weights).values()))


def rank_key(points: int, scored_on: str, ambassador_id: str) -> str:
    """Ascending order = the leaderboard's: more points first, then the earlier last scoring day
    (``YYYY-MM-DD``), then the ambassador id."""
    return f"{MAX_SCORE - min(points, MAX_SCORE):0{SCORE_DIGITS}d}#{scored_on}#{ambassador_id}"


def looks_gamed(counts: Mapping[str, int], raw: Mapping[str, int]) -> bool:
    raw_shares, raw_clicks = raw.get(RAW_SHARE_INTENTS, 0), raw.get(RAW_CLICKS, 0)
    return (
        raw_shares >= GAMED_MIN_RAW and raw_shares > GAMED_SHARE_RATIO * counts.get(SHARE_INTENTS, 0)
    ) or (raw_clicks >= GAMED_MIN_RAW and raw_clicks > GAMED_CLICK_RATIO * counts.get(CLICKS, 0))

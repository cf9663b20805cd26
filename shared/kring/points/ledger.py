"""What an event earns, and the period items it changes. Pure: the callers read and write.

A click or share intent earns its point only if it is the first of its kind that day
(:func:`click_point_marker` / :func:`share_point_marker`: a marker put on ``attribute_not_exists``
in the same transaction as the counts, so a redelivery or a second press never adds a point);
the raw figure counts every one. Every event that earns anything changes the ambassador's three
period items (week, month, quarter): ``counts + earned``, the last scoring day (the latest, so
the order of events does not matter), the points with the current weights and the rank; each
write is conditional on the version read (:class:`~kring.models.points.PointsWrite`), so two
writers never lose one another's counts — the loser reads again and plans again.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date

from kring.dal import keys, points
from kring.events import LinkClicked, ShareIntended
from kring.models import points as sources
from kring.models.points import PeriodPoints, PointsWrite
from kring.models.team import PointWeights
from kring.points import ranking_periods as periods
from kring.points import scoring


@dataclass(frozen=True)
class Earned:
    """What one event adds to an ambassador's figures on ``day`` (``YYYY-MM-DD``); negative
    amounts take back what a changed decision no longer deserves (attribution)."""

    ambassador_id: str
    day: str
    counted: Mapping[str, int] = field(default_factory=dict)
    raw: Mapping[str, int] = field(default_factory=dict)

    @property
    def scores(self) -> bool:
        return any(n > 0 for n in self.counted.values())

    @property
    def empty(self) -> bool:
        return not any(self.counted.values()) and not any(self.raw.values())


@dataclass(frozen=True)
class Profile:
    """What the rankings need of the ambassador: the scopes they rank in."""

    department: str | None = None
    location: str | None = None


# ------------------------------------------------------------------------------ markers
def click_point_marker(click: LinkClicked, day: str) -> keys.Key:
    """Clicks emitted before the network hash existed fall back to the visitor hash."""
    return keys.click_point_marker(day, click.network or click.visitor, click.code)


def share_point_marker(intent: ShareIntended, day: str) -> keys.Key:
    return keys.share_point_marker(day, intent.code, intent.network)


def earned_by_click(click: LinkClicked, day: str, *, own: bool, first: bool) -> Earned | None:
    """A person's click: raw always (own clicks too), counted when it is not the ambassador's
    own and the first from its network on this link that day. Bots earn nothing."""
    if click.is_bot:
        return None
    counted = {sources.CLICKS: 1} if first and not own else {}
    return Earned(click.ambassador_id, day, counted=counted, raw={sources.RAW_CLICKS: 1})


def earned_by_intent(intent: ShareIntended, day: str, *, first: bool) -> Earned:
    counted = {sources.SHARE_INTENTS: 1} if first else {}
    return Earned(intent.ambassador_id, day, counted=counted, raw={sources.RAW_SHARE_INTENTS: 1})


def period_keys(ambassador_id: str, day: str) -> list[keys.Key]:
    return [keys.ambassador_points(ambassador_id, p) for p in periods.periods_of(date.fromisoformat(day))]


# ------------------------------------------------------------------------------ period writes
def ranked(state: PeriodPoints) -> PointsWrite:
    """``state`` with its place in the rankings and the suspicious list."""
    return PointsWrite(
        state=state,
        rank=scoring.rank_key(state.score, state.scored_on or "", state.ambassador_id)
        if state.counted_anything
        else None,
        department_scope=points.department_scope(state.department) if state.department else None,
        location_scope=points.location_scope(state.location) if state.location else None,
        suspicious=scoring.looks_gamed(state.counts, state.raw),
    )


def apply(
    earned: Earned,
    known: Callable[[str], PeriodPoints],
    profile: Profile,
    weights: PointWeights,
) -> tuple[PointsWrite, ...]:
    """The writes of the three periods ``earned`` falls in, from their ``known`` figures (by
    period; version 0 when none are stored)."""
    return apply_many(
        [earned],
        lambda _ambassador, period: known(period),
        lambda _ambassador: profile,
        weights,
    )


def apply_many(
    earned: Iterable[Earned],
    known: Callable[[str, str], PeriodPoints],
    profile: Callable[[str], Profile],
    weights: PointWeights,
) -> tuple[PointsWrite, ...]:
    """The writes of every (ambassador, period) that ``earned`` changes — one each, however many
    days of one period it holds — from their ``known`` figures (by ambassador and period)."""
    counted: dict[tuple[str, str], Counter[str]] = {}
    raw: dict[tuple[str, str], Counter[str]] = {}
    scoring_day: dict[tuple[str, str], str] = {}
    for item in earned:
        if item.empty:
            continue
        for period in periods.periods_of(date.fromisoformat(item.day)):
            at = (item.ambassador_id, period)
            counted.setdefault(at, Counter()).update(item.counted)
            raw.setdefault(at, Counter()).update(item.raw)
            if item.scores and item.day > scoring_day.get(at, ""):
                scoring_day[at] = item.day
    out: list[PointsWrite] = []
    for ambassador_id, period in sorted(counted):
        at = (ambassador_id, period)
        old = known(ambassador_id, period)
        counts = {s: old.counts.get(s, 0) + counted[at].get(s, 0) for s in sources.SOURCES}
        raws = {s: old.raw.get(s, 0) + raw[at].get(s, 0) for s in sources.RAW_SOURCES}
        scored_on = max(filter(None, (old.scored_on, scoring_day.get(at))), default=None)
        where = profile(ambassador_id)
        state = PeriodPoints(
            ambassador_id=ambassador_id,
            period=period,
            counts=counts,
            raw=raws,
            scored_on=scored_on,
            score=scoring.score(counts, weights),
            department=where.department,
            location=where.location,
            version=old.version + 1,
        )
        write = ranked(state)
        if old.version > 0 and _side(ranked(old)) == _side(write):
            write = replace(write, side_changed=False)
        out.append(write)
    return tuple(out)


def _side(write: PointsWrite) -> tuple[object, ...]:
    """What the location-ranking / suspicious-list item holds."""
    state = write.state
    return (
        write.rank,
        write.location_scope,
        write.suspicious,
        state.score,
        state.scored_on,
        state.department,
    )


def earned_by_attribution(increments: Mapping[tuple[str, str], Mapping[str, int]]) -> list[Earned]:
    """What the attribution's counter increments (by stats item key) change of the credited
    ambassadors' applications, interviews and hires: read off their day items, so the points
    follow the exact counters — a decision that moves to another ambassador takes them back."""
    by_day: dict[tuple[str, str], Counter[str]] = {}
    prefix = keys.ambassador_stats_prefix("")
    for (pk, sk), counters in sorted(increments.items()):
        if not pk.startswith(prefix) or not sk.startswith("DAY#"):
            continue
        at = (pk.removeprefix(prefix), keys.stats_day_of(sk))
        for source in (sources.APPLICATIONS, sources.INTERVIEWS, sources.HIRES):
            if counters.get(source):
                by_day.setdefault(at, Counter())[source] += counters[source]
    return [
        Earned(ambassador_id, day, counted=dict(counted))
        for (ambassador_id, day), counted in sorted(by_day.items())
        if any(counted.values())
    ]


def earned_by_colleague(ambassador_id: str, day: str) -> Earned:
    """A colleague joined through ``ambassador_id``'s invitation on ``day`` (once per colleague:
    the caller's marker makes it so)."""
    return Earned(ambassador_id, day, counted={sources.COLLEAGUES_RECRUITED: 1})


def rescored(state: PeriodPoints, weights: PointWeights) -> PointsWrite | None:
    """``state`` scored with ``weights`` (the re-rank job); None when its points do not change."""
    new_score = scoring.score(state.counts, weights)
    if new_score == state.score:
        return None
    return ranked(
        PeriodPoints(
            ambassador_id=state.ambassador_id,
            period=state.period,
            counts=state.counts,
            raw=state.raw,
            scored_on=state.scored_on,
            score=new_score,
            department=state.department,
            location=state.location,
            version=state.version + 1,
        )
    )


def weights_of(settings_item: Mapping[str, object] | None) -> PointWeights:
    """The weights in a (plain, possibly projected) programme-settings item; the defaults when
    none are stored."""
    stored = (settings_item or {}).get("point_weights")
    if not isinstance(stored, Mapping):
        return PointWeights()
    wanted = {k: int(str(v)) for k, v in stored.items() if k in PointWeights.model_fields}
    return PointWeights.model_validate(wanted)


def profile_of(profile_item: Mapping[str, object] | None) -> Profile:
    item = profile_item or {}
    department, location = item.get(points.DEPARTMENT), item.get(points.LOCATION)
    return Profile(
        department=str(department) if department else None,
        location=str(location) if location else None,
    )

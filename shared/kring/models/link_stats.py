"""What recording one click or share intent writes: a marker, dedupe tags and counter increments,
applied together in one transaction (planned by :mod:`kring.clicks.counting`, written by
:mod:`kring.dal.link_activity`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from kring.dal.keys import Key
from kring.models.points import PointsWrite


@dataclass(frozen=True)
class Increment:
    """ADD these amounts to the counters of one stats item (a shard)."""

    key: Key
    counters: Mapping[str, int]


@dataclass(frozen=True)
class SeenUpdate:
    """Tags to add to a visitor-day item, each on the condition that it is not there yet."""

    key: Key
    tags: frozenset[str]
    expires_at: int


@dataclass(frozen=True)
class PointMarker:
    """A first-of-its-kind point marker (a click or share-intent point earned), put on
    ``attribute_not_exists``: a concurrent event that put it first cancels the transaction."""

    key: Key
    expires_at: int


@dataclass(frozen=True)
class Plan:
    """One event's writes: its marker (created on ``attribute_not_exists``), the dedupe tags it is
    the first for, the counter increments, and its points (a point marker, the period items).
    Applied in one transaction, or not at all."""

    marker_key: Key
    marker: Mapping[str, Any]
    increments: tuple[Increment, ...]
    seen: SeenUpdate | None = None
    point_marker: PointMarker | None = None
    points: tuple[PointsWrite, ...] = ()

"""What recording one click or share intent writes: a marker, dedupe tags and counter increments,
applied together in one transaction (planned by :mod:`kring.clicks.counting`, written by
:mod:`kring.dal.link_activity`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from kring.dal.keys import Key


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
class Plan:
    """One event's writes: its marker (created on ``attribute_not_exists``), the dedupe tags it is
    the first for, and the counter increments. Applied in one transaction, or not at all."""

    marker_key: Key
    marker: Mapping[str, Any]
    increments: tuple[Increment, ...]
    seen: SeenUpdate | None = None

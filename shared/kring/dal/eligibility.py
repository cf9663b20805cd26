"""The fan-out's candidates: one page of the sparse ``ELIGIBLE`` index (gsi2), never a Scan."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kring.dal import keys, pages
from kring.dal.items import deserialize
from kring.models.ambassador import Candidate
from kring.models.common import Page

_CANDIDATE_ATTRIBUTES = ("id", "interests", "share_cap_per_week")


def _candidate(item: Mapping[str, Any]) -> Candidate:
    data = deserialize(item)
    return Candidate(
        id=data["id"],
        interests=tuple(data.get("interests") or ()),
        share_cap_per_week=data.get("share_cap_per_week"),
    )


def eligible_page(limit: int, cursor: Mapping[str, Any] | None = None) -> Page[Candidate]:
    """Only what the fan-out decides on: the profile's other fields never leave the table."""
    return pages.query_page(
        keys.GSI2, keys.ELIGIBLE_AMBASSADORS, limit, cursor, _candidate, attributes=_CANDIDATE_ATTRIBUTES
    )

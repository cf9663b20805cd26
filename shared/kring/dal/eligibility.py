"""The fan-out's candidates: one page of the sparse ``ELIGIBLE`` index (gsi2), never a Scan."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kring.dal import ambassadors, keys, pages
from kring.models.ambassador import Ambassador
from kring.models.common import Page


def eligible_page(limit: int, cursor: Mapping[str, Any] | None = None) -> Page[Ambassador]:
    return pages.query_page(keys.GSI2, keys.ELIGIBLE_AMBASSADORS, limit, cursor, ambassadors.from_item)

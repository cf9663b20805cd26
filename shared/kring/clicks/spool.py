"""The click spool: clicks the redirect could not put on the bus itself, held in SQS until the
``click_spool_drain`` function puts them there (same click id, original ``occurred_at``).

A spooled message is the event as it would have gone on the bus —
``{"source": "kring.redirect", "detail-type": "LinkClicked", "detail": {…}}`` — written by
:func:`kring.redirect.emit.spool_body` (which cannot import pydantic); read back here through the
:class:`~kring.events.LinkClicked` contract.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from kring import safe_json
from kring.events import LinkClicked


class SpooledClick(BaseModel):
    """A spool message. ``source`` and ``detail-type`` are LinkClicked's (a test keeps them so)."""

    source: Literal["kring.redirect"]
    detail_type: Literal["LinkClicked"] = Field(alias="detail-type")
    detail: LinkClicked


def parse_spooled_click(body: str) -> LinkClicked:
    """The click in a spool message; :class:`~kring.errors.InvalidInputError` for anything else (it
    then fails alone, is retried, and after five receives waits in ClickSpoolDLQ)."""
    return safe_json.parse(body, SpooledClick.model_validate, invalid="not a spooled click").detail

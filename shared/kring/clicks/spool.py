"""The click spool: clicks the redirect could not put on the bus itself, held in SQS until the
``click_spool_drain`` function puts them there (same click id, original ``occurred_at``).

A spooled message is the event as it would have gone on the bus —
``{"source": "kring.redirect", "detail-type": "LinkClicked", "detail": {…}}`` — written by
:func:`kring.redirect.emit.spool_body` (which cannot import pydantic); read back here through the
:class:`~kring.events.LinkClicked` contract.
"""

from __future__ import annotations

import json

from pydantic import ValidationError

from kring.errors import InvalidInputError
from kring.events import LinkClicked


def parse_spooled_click(body: str) -> LinkClicked:
    """The click in a spool message; :class:`InvalidInputError` for anything else (it then fails
    alone, is retried, and after five receives waits in ClickSpoolDLQ)."""
    try:
        data = json.loads(body)
        if not isinstance(data, dict):
            raise ValueError("not a JSON object")
        if data.get("source") != LinkClicked.SOURCE or data.get("detail-type") != LinkClicked.detail_type():
            raise ValueError(f"not a spooled LinkClicked: {data.get('source')!r} {data.get('detail-type')!r}")
        return LinkClicked.model_validate(data.get("detail"))
    except (ValueError, ValidationError) as exc:
        raise InvalidInputError(f"not a spooled click: {exc}") from exc

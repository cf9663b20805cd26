"""SQS message contracts: what Kring's own queues carry.

The link activity queue carries the EventBridge envelopes of ``LinkClicked`` and ``ShareIntended``.

The fan-out queue carries two shapes: the EventBridge envelope of ``VacancyPublished`` (put there
by the rule) and :class:`FanoutPage` (the next page, put there by the fan-out itself). Both become
a ``FanoutPage``.
"""

from __future__ import annotations

import json

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from kring.errors import InvalidInputError
from kring.events import LinkClicked, ShareIntended, VacancyPublished, envelope_model


class FanoutPage(BaseModel):
    """One page of one fan-out: the first comes from ``VacancyPublished``, the rest from the last."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: str = Field(default="FanoutPage", pattern="^FanoutPage$")
    origin_event_id: str = Field(min_length=1, max_length=128)
    page: int = Field(ge=0)
    vacancy: VacancyPublished
    cursor: dict[str, str] | None = None

    @property
    def page_id(self) -> str:
        return f"{self.origin_event_id}:{self.page}"


def parse_fanout_message(body: str) -> FanoutPage:
    """A fan-out queue message as a page; :class:`InvalidInputError` when it can never be one."""
    try:
        data = json.loads(body)
        if isinstance(data, dict) and "detail-type" in data:
            envelope = envelope_model(VacancyPublished).model_validate(data)
            detail = envelope.detail  # type: ignore[attr-defined]
            return FanoutPage(origin_event_id=envelope.id, page=0, vacancy=detail)  # type: ignore[attr-defined]
        return FanoutPage.model_validate(data)
    except (ValueError, ValidationError) as exc:
        raise InvalidInputError(f"not a fan-out message: {exc}") from exc


def parse_link_activity_message(body: str) -> LinkClicked | ShareIntended:
    """A link activity queue message (the EventBridge envelope of ``LinkClicked`` or
    ``ShareIntended``, put there by LinkActivityRule) as its event; :class:`InvalidInputError`
    when it can never be one."""
    try:
        data = json.loads(body)
        if not isinstance(data, dict):
            raise ValueError("not a JSON object")
        detail_type = data.get("detail-type")
        event_class = {cls.detail_type(): cls for cls in (LinkClicked, ShareIntended)}.get(str(detail_type))
        if event_class is None:
            raise ValueError(f"unexpected detail-type {detail_type!r}")
        envelope = envelope_model(event_class).model_validate(data)
    except (ValueError, ValidationError) as exc:
        raise InvalidInputError(f"not a link activity event: {exc}") from exc
    detail: LinkClicked | ShareIntended = envelope.detail  # type: ignore[attr-defined]
    return detail

"""``GET /api/applications/{provider}/{id}/attribution``: why an application was credited as it
was (see :mod:`kring.attribution.explanation`). 400 for an unknown provider or a malformed id, 404
for an application Kring has recorded nothing of."""

from __future__ import annotations

from datetime import datetime
from typing import Literal
from urllib.parse import unquote

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter
from pydantic import Field

from kring.api.resource_models import _Out
from kring.api.responses import json_response
from kring.attribution import explanation
from kring.attribution.entities import Considered, Outcome
from kring.attribution.explanation import CountedFigure, Explanation
from kring.models.common import AttributionMethod, AttributionModel, AttributionRule

router = APIGatewayHttpRouter()  # type: ignore[no-untyped-call]  # Powertools leaves __init__ unannotated


class ConsideredOut(_Out):
    """One candidate for credit: where it came from and why it did or did not get the credit."""

    rule: AttributionRule
    source: str | None = Field(description="The referrer's employee id, the click token or the share code")
    ambassador_id: str | None
    outcome: Outcome
    reason: str
    channel: str | None
    clicked_at: datetime | None
    vacancy_id: str | None

    @classmethod
    def of(cls, entry: Considered) -> ConsideredOut:
        return cls(
            rule=entry.rule,
            source=entry.source,
            ambassador_id=entry.ambassador_id,
            outcome=entry.outcome,
            reason=entry.reason,
            channel=entry.channel,
            clicked_at=entry.clicked_at,
            vacancy_id=entry.vacancy_id,
        )


class CountedOut(_Out):
    """What the application added to one kind of stats item (day items: on that UTC day)."""

    scope: Literal["program_day", "vacancy_day", "ambassador_day", "vacancy_ambassador"]
    vacancy_id: str | None
    ambassador_id: str | None
    day: str | None
    counters: dict[str, int]

    @classmethod
    def of(cls, figure: CountedFigure) -> CountedOut:
        return cls.model_validate(figure, from_attributes=True)


class AttributionOut(_Out):
    provider: str
    application_id: str
    application_ids: list[str] = Field(description="Every ATS application of this candidate to this job")
    vacancy_id: str | None
    method: AttributionMethod
    ambassador_id: str | None
    channel: str | None
    click_token: str | None
    clicked_at: datetime | None
    window_days: int
    model: AttributionModel
    applied_at: datetime
    received: bool = Field(description="The application itself was seen (not only later events)")
    stage: str | None = Field(description="hired while hired, else the furthest stage reached")
    stage_name: str | None = Field(description="The ATS's name of that stage, when it gave one")
    hired: bool
    hired_at: datetime | None
    unhired_at: datetime | None
    rejected_at: datetime | None
    considered: list[ConsideredOut]
    counted: list[CountedOut]

    @classmethod
    def of(cls, explained: Explanation) -> AttributionOut:
        facts, decision = explained.facts, explained.decision
        stage = facts.current_stage
        return cls(
            provider=facts.provider,
            application_id=explained.application_id,
            application_ids=list(facts.application_ids),
            vacancy_id=decision.vacancy_id,
            method=decision.method,
            ambassador_id=decision.ambassador_id,
            channel=decision.channel,
            click_token=decision.click_token,
            clicked_at=decision.clicked_at,
            window_days=decision.window_days,
            model=decision.model,
            applied_at=facts.applied_at,
            received=facts.received,
            stage=stage.kind if stage else None,
            stage_name=(stage.name or None) if stage else None,
            hired=facts.hired,
            hired_at=facts.hired_at,
            unhired_at=facts.unhired_at,
            rejected_at=facts.rejected_at,
            considered=[ConsideredOut.of(c) for c in decision.considered],
            counted=[CountedOut.of(f) for f in explained.counted],
        )


@router.get("/applications/<provider>/<application_id>/attribution")
def application_attribution(provider: str, application_id: str) -> Response[str]:
    explained = explanation.explain(unquote(provider), unquote(application_id))
    return json_response(200, AttributionOut.of(explained))

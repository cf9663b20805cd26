"""``/api/vacancies/{id}/funnel``, ``/api/ambassadors/{id}/stats`` and ``/api/program/funnel``:
the counters (link activity, shares, applications, interviews, hires) over a range of UTC days
(``?from=YYYY-MM-DD&to=YYYY-MM-DD``, default the last 90 days, at most 366). An unknown vacancy
or ambassador is a 404; a bad range a 422."""

from __future__ import annotations

from datetime import UTC, date, datetime
from urllib.parse import unquote

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter

from kring import funnels as link_reports
from kring.api.responses import json_response
from kring.api.stats_models import AmbassadorStatsOut, ProgramFunnelOut, VacancyFunnelOut

router = APIGatewayHttpRouter()  # type: ignore[no-untyped-call]  # Powertools leaves __init__ unannotated


def _range() -> tuple[date, date]:
    event = router.current_event
    return link_reports.day_range(
        event.get_query_string_value("from"),
        event.get_query_string_value("to"),
        today=datetime.now(UTC).date(),
    )


@router.get("/vacancies/<vacancy_id>/funnel")
def vacancy_funnel(vacancy_id: str) -> Response[str]:
    first, last = _range()
    return json_response(
        200, VacancyFunnelOut.of(link_reports.vacancy_funnel(unquote(vacancy_id), first, last))
    )


@router.get("/ambassadors/<ambassador_id>/stats")
def ambassador_stats(ambassador_id: str) -> Response[str]:
    first, last = _range()
    stats = link_reports.ambassador_stats(unquote(ambassador_id), first, last)
    return json_response(200, AmbassadorStatsOut.of(stats))


@router.get("/program/funnel")
def program_funnel() -> Response[str]:
    first, last = _range()
    return json_response(200, ProgramFunnelOut.of(link_reports.program_funnel(first, last)))

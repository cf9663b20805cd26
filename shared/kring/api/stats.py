"""``/api/vacancies/{id}/funnel``, ``/api/ambassadors/{id}/stats`` and ``/api/program/funnel``:
the counters (link activity, shares, applications, interviews, hires) over a range of UTC days
(``?from=YYYY-MM-DD&to=YYYY-MM-DD``, default the last 90 days, at most 366). An unknown vacancy
or ambassador is a 404; a bad range a 422.

``/api/vacancies/{id}/ambassadors``: the vacancy's funnel per ambassador, from the vacancy x
ambassador counters — kept for all time, so it takes no range (a 422 says so) — a page of
ambassadors at a time (``?limit=&next=``), with their names."""

from __future__ import annotations

from datetime import UTC, date, datetime

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter

from kring import config, funnels
from kring.api import pagination, path_ids
from kring.api.responses import json_response
from kring.api.stats_models import (
    AmbassadorFunnelOut,
    AmbassadorStatsOut,
    ProgramFunnelOut,
    VacancyAmbassadorsOut,
    VacancyFunnelOut,
)
from kring.dal import keys
from kring.errors import FieldValidationError
from kring.roster.names import names_of

router = APIGatewayHttpRouter()  # type: ignore[no-untyped-call]  # Powertools leaves __init__ unannotated


def _range() -> tuple[date, date]:
    event = router.current_event
    return funnels.day_range(
        event.get_query_string_value("from"),
        event.get_query_string_value("to"),
        today=datetime.now(UTC).date(),
    )


@router.get("/vacancies/<vacancy_id>/funnel")
def vacancy_funnel(vacancy_id: str) -> Response[str]:
    first, last = _range()
    return json_response(
        200, VacancyFunnelOut.of(funnels.vacancy_funnel(path_ids.vacancy_id(vacancy_id), first, last))
    )


@router.get("/vacancies/<vacancy_id>/ambassadors")
def vacancy_ambassadors(vacancy_id: str) -> Response[str]:
    event = router.current_event
    ranged = [name for name in ("from", "to") if event.get_query_string_value(name) is not None]
    if ranged:
        message = "the counters per ambassador are kept for all time: leave from and to out"
        raise FieldValidationError(
            "the query is not valid", [{"field": f, "message": message} for f in ranged]
        )
    wanted = path_ids.vacancy_id(vacancy_id)
    scope = f"vacancy-ambassadors:{wanted}"
    cursor = pagination.decode(
        event.get_query_string_value("next"), scope, partition={keys.PK: keys.vacancy_stats_prefix(wanted)}
    )
    limit = pagination.page_limit(event.get_query_string_value("limit"), config.api().api_page_size)
    page = funnels.vacancy_ambassadors(wanted, limit, cursor)
    names = names_of(row.ambassador_id for row in page.items)
    out = VacancyAmbassadorsOut(
        vacancy_id=wanted,
        items=[AmbassadorFunnelOut.of(row, names) for row in page.items],
        next=pagination.encode(scope, page.cursor),
    )
    return json_response(200, out)


@router.get("/ambassadors/<ambassador_id>/stats")
def ambassador_stats(ambassador_id: str) -> Response[str]:
    first, last = _range()
    stats = funnels.ambassador_stats(path_ids.ambassador_id(ambassador_id), first, last)
    return json_response(200, AmbassadorStatsOut.of(stats))


@router.get("/program/funnel")
def program_funnel() -> Response[str]:
    first, last = _range()
    return json_response(200, ProgramFunnelOut.of(funnels.program_funnel(first, last)))

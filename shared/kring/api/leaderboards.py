"""``/api/leaderboards`` and ``/api/ambassadors/{id}/points``: points and rankings (admin).

- ``GET /api/leaderboards?period=week|month|quarter&at=YYYY-MM-DD&scope=…&limit=`` (``scope``:
  ``overall``, ``department:<x>`` or ``location:<x>``) — the top of the period holding ``at``
  (default: this week, today UTC, overall, 10; at most 100);
- ``GET /api/leaderboards/suspicious?period=&at=&limit=&next=`` — the period's ambassadors whose
  raw share intents or clicks far exceed the counted ones (the rule is in the answer);
- ``GET /api/ambassadors/{id}/points?at=`` — the ambassador's week, month and quarter: per source
  raw, counted and points with the current weights (404 for an unknown ambassador).

Bad query parameters are a 422 naming the field; a foreign page token a 400.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter

from kring.api import pagination, path_ids
from kring.api.leaderboard_models import (
    AmbassadorPointsOut,
    LeaderboardOut,
    PeriodPointsOut,
    SuspectOut,
    SuspectsOut,
)
from kring.api.responses import json_response
from kring.points import leaderboards, scoring

router = APIGatewayHttpRouter()  # type: ignore[no-untyped-call]  # Powertools leaves __init__ unannotated

DEFAULT_LIMIT = 10
MAX_LIMIT = 100
RULE = (
    f"at least {scoring.GAMED_MIN_RAW} raw share intents and more than {scoring.GAMED_SHARE_RATIO}x"
    f" the counted ones, or at least {scoring.GAMED_MIN_RAW} raw clicks and more than"
    f" {scoring.GAMED_CLICK_RATIO}x the counted ones"
)


def _query(name: str) -> str | None:
    return router.current_event.get_query_string_value(name)


def _today() -> date:
    return datetime.now(UTC).date()


def _limit() -> int:
    raw = _query("limit")
    return DEFAULT_LIMIT if raw is None or raw.strip() == "" else pagination.page_limit(raw, MAX_LIMIT)


@router.get("/leaderboards")
def get_leaderboard() -> Response[str]:
    kind = leaderboards.period_kind(_query("period"))
    at = leaderboards.day(_query("at"), today=_today())
    where = leaderboards.scope(_query("scope"))
    board = leaderboards.leaderboard(kind, at, where, _limit())
    return json_response(200, LeaderboardOut.of(board))


@router.get("/leaderboards/suspicious")
def get_suspicious() -> Response[str]:
    kind = leaderboards.period_kind(_query("period"))
    at = leaderboards.day(_query("at"), today=_today())
    limit = _limit()
    token_scope = f"suspicious:{kind}:{at.isoformat()}"
    cursor = pagination.decode(
        _query("next"), token_scope, partition=leaderboards.suspicious_partition(kind, at)
    )
    period, page = leaderboards.suspicious(kind, at, limit, cursor)
    out = SuspectsOut(
        period=period,
        rule=RULE,
        items=[SuspectOut.of(s) for s in page.items],
        next=pagination.encode(token_scope, page.cursor),
    )
    return json_response(200, out)


@router.get("/ambassadors/<ambassador_id>/points")
def get_ambassador_points(ambassador_id: str) -> Response[str]:
    wanted = path_ids.ambassador_id(ambassador_id)
    at = leaderboards.day(_query("at"), today=_today())
    summaries = leaderboards.ambassador_points(wanted, at)
    out = AmbassadorPointsOut(ambassador_id=wanted, periods=[PeriodPointsOut.of(s) for s in summaries])
    return json_response(200, out)

"""The portal's leaderboard page: what it reads for a signed-in ambassador.

One of the period's rankings (this ISO week, month or quarter; overall, their department's or their
location's) through :func:`kring.points.leaderboards.leaderboard` — the same function the admin API
calls — with the top :data:`TOP` and their own place when it is below; and their points of that
period per source with the talent team's current weights
(:func:`kring.points.leaderboards.ambassador_points`). Everyone is shown as they chose
(``leaderboard_display``): by name, or as "a colleague in <department>".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal, get_args

from kring.dal.programme_settings import ProgrammeSettingsRepository
from kring.errors import FieldValidationError
from kring.models.ambassador import Ambassador
from kring.points import leaderboards, scoring
from kring.points.leaderboards import Leaderboard, PeriodSummary
from kring.points.ranking_periods import PeriodKind

TOP = 10
Board = Literal["overall", "department", "location"]
BOARDS: tuple[Board, ...] = get_args(Board)


@dataclass(frozen=True)
class Standings:
    ambassador_id: str
    board: Board
    boards: tuple[Board, ...]  # the boards they have: a department's and a location's only with one
    department: str | None
    location: str | None
    leaderboard: Leaderboard
    points: PeriodSummary  # their points of the leaderboard's period, with the current weights
    weights: dict[str, int]  # per source, what one counted item is worth now


def board_of(raw: str | None) -> Board:
    text = (raw or "overall").strip()
    for board in BOARDS:
        if text == board:
            return board
    raise FieldValidationError(
        "the query is not valid", [{"field": "board", "message": "must be overall, department or location"}]
    )


def boards_of(ambassador: Ambassador) -> tuple[Board, ...]:
    return tuple(
        b
        for b in BOARDS
        if b == "overall"
        or (b == "department" and ambassador.department)
        or (b == "location" and ambassador.location)
    )


def standings(ambassador: Ambassador, kind: PeriodKind, board: Board, *, today: date) -> Standings:
    """The page's figures; :class:`~kring.errors.FieldValidationError` for the board of a
    department or location they do not have on the roster."""
    boards = boards_of(ambassador)
    if board not in boards:
        raise FieldValidationError(
            "the query is not valid", [{"field": "board", "message": f"you have no {board} on the roster"}]
        )
    if board == "department" and ambassador.department:
        where = leaderboards.department(ambassador.department)
    elif board == "location" and ambassador.location:
        where = leaderboards.location(ambassador.location)
    else:
        where = leaderboards.OVERALL
    ranking = leaderboards.leaderboard(kind, today, where, TOP, me=ambassador.id)
    weights = ProgrammeSettingsRepository().get().point_weights
    summaries = leaderboards.ambassador_points(ambassador.id, today, weights=weights)
    [points] = [s for s in summaries if s.kind == kind]
    return Standings(
        ambassador_id=ambassador.id,
        board=board,
        boards=boards,
        department=ambassador.department,
        location=ambassador.location,
        leaderboard=ranking,
        points=points,
        weights={s.source: scoring.weight_of(s.source, weights) for s in points.sources},
    )

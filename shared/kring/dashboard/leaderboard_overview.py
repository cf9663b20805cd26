"""The dashboard's leaderboards page (issue 14): the week's, month's or quarter's ranking, overall or
of one department or location, and the period's suspicious list — the ambassadors whose raw share
intents or clicks far exceed the ones the fairness rules counted (the points held back).

Read as the admin API reads it, never a Scan: :func:`kring.points.leaderboards.leaderboard` (one
Query of the ranking index, one BatchGetItem of the profiles shown) — what ``GET
/api/leaderboards`` calls — and :func:`kring.points.leaderboards.suspicious` (one Query of the
sparse index, one BatchGetItem), what ``GET /api/leaderboards/suspicious`` calls, with its page
tokens. The query is read by the API's own parsers (``period``, ``at``, ``scope``), so a query the
API refuses is a 400 page here. The departments and locations to choose from are the programme's
(its counters by department and by location: one Query each).

The talent team sees what the API shows an admin, nothing more: an ambassador's name only when
they chose to be shown by name, otherwise "a colleague in <department>" — with their id, as the
API gives it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from urllib.parse import urlencode

from kring.api import pagination
from kring.dal.programme import ProgrammeRepository
from kring.dashboard import frame
from kring.dashboard.tables import Cell, Column, Table, find, to_csv
from kring.mail.i18n import Translator
from kring.points import leaderboards, scoring
from kring.points.leaderboards import Leaderboard, LeaderboardEntry, Suspect
from kring.points.ranking_periods import PERIOD_KINDS
from kring.programme.funnel import GROUPINGS

PATH = f"{frame.BASE}/leaderboards"
TOP = 50
SUSPECTS_PAGE = 50
TABLES: tuple[str, ...] = ("board", "suspicious")


@dataclass(frozen=True)
class Query:
    period: str | None = None
    at: str | None = None
    scope: str | None = None
    next_token: str | None = None


def leaderboards_url(query: Query = Query(), *, csv: str | None = None) -> str:
    params = {
        "table": csv,
        "period": query.period,
        "at": query.at,
        "scope": query.scope,
        "next": query.next_token,
    }
    given = {name: value for name, value in params.items() if value}
    path = f"{PATH}.csv" if csv else PATH
    return f"{path}?{urlencode(given)}" if given else path


@dataclass(frozen=True)
class LeaderboardFigures:
    query: Query
    board: Leaderboard
    suspects_period: str
    suspects: tuple[Suspect, ...]
    suspects_next: str | None
    departments: tuple[str, ...]
    locations: tuple[str, ...]


def _groups(by: str) -> tuple[str, ...]:
    return tuple(sorted(name for name in ProgrammeRepository().counters_by(GROUPINGS[by]) if name))


def leaderboard_figures(query: Query, *, today: date) -> LeaderboardFigures:
    """The ranking and the suspicious list the query asks for (a
    :class:`~kring.errors.FieldValidationError` for a query the API would refuse)."""
    kind = leaderboards.period_kind(query.period)
    at = leaderboards.day(query.at, today=today)
    where = leaderboards.scope(query.scope)
    board = leaderboards.leaderboard(kind, at, where, TOP)
    token_scope = f"suspicious:{kind}:{at.isoformat()}"  # the API's: its tokens work here and back
    cursor = pagination.decode(
        query.next_token, token_scope, partition=leaderboards.suspicious_partition(kind, at)
    )
    period, page = leaderboards.suspicious(kind, at, SUSPECTS_PAGE, cursor)
    return LeaderboardFigures(
        query=query,
        board=board,
        suspects_period=period,
        suspects=tuple(page.items),
        suspects_next=pagination.encode(token_scope, page.cursor),
        departments=_groups("department"),
        locations=_groups("location"),
    )


# ------------------------------------------------------------------------------------ in words
def shown_as(t: Translator, entry: LeaderboardEntry) -> str:
    if entry.shown_as == "name" and entry.name:
        return entry.name
    if entry.department:
        return t("portal.leaderboard.colleague_in", department=entry.department)
    return t("portal.leaderboard.colleague")


def _scope_words(t: Translator, board: Leaderboard) -> str:
    where = board.scope
    if where.value is None:
        return t("dashboard.leaderboards.overall")
    return t(f"dashboard.leaderboards.scope_{where.kind}", name=where.value)


def leaderboard_tables(t: Translator, figures: LeaderboardFigures) -> tuple[Table, ...]:
    board = figures.board
    num = Column
    rows: list[tuple[Cell, ...]] = [
        (e.position, shown_as(t, e), e.ambassador_id, e.department or "", e.points) for e in board.entries
    ]
    return (
        Table(
            "board",
            t(
                "dashboard.leaderboards.board_caption",
                top=t.number(TOP),
                scope=_scope_words(t, board),
                first=t.date(board.first_day),
                last=t.date(board.last_day),
            ),
            (
                num(t("portal.leaderboard.position"), True),
                Column(t("portal.leaderboard.who")),
                Column(t("dashboard.leaderboards.ambassador_id")),
                Column(t("dashboard.leaderboards.department")),
                num(t("portal.leaderboard.points"), True),
            ),
            tuple(rows),
        ),
        Table(
            "suspicious",
            t("dashboard.leaderboards.suspicious_caption", period=figures.suspects_period),
            (
                Column(t("dashboard.leaderboards.ambassador_id")),
                num(t("dashboard.leaderboards.raw_share_intents"), True),
                num(t("dashboard.leaderboards.share_intents"), True),
                num(t("dashboard.leaderboards.raw_clicks"), True),
                num(t("dashboard.leaderboards.clicks"), True),
            ),
            tuple(
                (s.ambassador_id, s.raw_share_intents, s.share_intents, s.raw_clicks, s.clicks)
                for s in figures.suspects
            ),
        ),
    )


def _scope_options(t: Translator, figures: LeaderboardFigures) -> list[tuple[str, str]]:
    return [
        ("overall", t("dashboard.leaderboards.overall")),
        *(
            (f"department:{d}", t("dashboard.leaderboards.scope_department", name=d))
            for d in figures.departments
        ),
        *(
            (f"location:{loc}", t("dashboard.leaderboards.scope_location", name=loc))
            for loc in figures.locations
        ),
    ]


def render_leaderboards(
    t: Translator, figures: LeaderboardFigures, *, chrome: frame.Chrome = frame.NO_CHROME
) -> str:
    board = figures.board
    query = figures.query
    chosen_scope = "overall" if board.scope.value is None else f"{board.scope.kind}:{board.scope.value}"
    options = _scope_options(t, figures)
    if chosen_scope not in {value for value, _ in options}:  # a department nobody is counted in yet
        options.append((chosen_scope, _scope_words(t, board)))
    plain = Query(period=board.kind, at=query.at, scope=chosen_scope)
    return frame.render(
        "leaderboards",
        t,
        title=t("dashboard.leaderboards.title"),
        chrome=chrome,
        tables=frame.table_context(leaderboard_tables(t, figures)),
        periods=[(kind, t(f"dashboard.leaderboards.period_{kind}")) for kind in PERIOD_KINDS],
        period=board.kind,
        at=query.at or "",
        scopes=options,
        scope=chosen_scope,
        rule=t(
            "dashboard.leaderboards.rule",
            min_raw=t.number(scoring.GAMED_MIN_RAW),
            share_ratio=t.number(scoring.GAMED_SHARE_RATIO),
            click_ratio=t.number(scoring.GAMED_CLICK_RATIO),
        ),
        board_csv=leaderboards_url(plain, csv="board"),
        suspicious_csv=leaderboards_url(
            Query(board.kind, query.at, chosen_scope, query.next_token), csv="suspicious"
        ),
        next_href=leaderboards_url(Query(board.kind, query.at, chosen_scope, figures.suspects_next))
        if figures.suspects_next
        else None,
        first_href=leaderboards_url(plain) if query.next_token else None,
    )


def leaderboards_page(
    t: Translator, query: Query, *, today: date, chrome: frame.Chrome = frame.NO_CHROME
) -> str:
    return render_leaderboards(t, leaderboard_figures(query, today=today), chrome=chrome)


def leaderboards_csv(t: Translator, table: str, query: Query, *, today: date) -> str | None:
    """One of the page's tables (:data:`TABLES`) as CSV; None for a table it does not have."""
    if table not in TABLES:
        return None
    found = find(leaderboard_tables(t, leaderboard_figures(query, today=today)), table)
    return to_csv(found) if found is not None else None

"""The dashboard's vacancy pages (issue 14): the list of vacancies with their status and funnel
figures, a page at a time, and one vacancy's funnel by channel, by day and per ambassador.

Read as the admin API reads them, never a Scan:

- the list: every vacancy by id (gsi1, :func:`kring.intake.vacancies.list_vacancies`, what
  ``GET /api/vacancies`` calls), or only the published ones, newest first (the open index, gsi3,
  and one BatchGetItem of their items); then each vacancy's day counters over the last
  :data:`LIST_DAYS` days (one Query each, :func:`kring.funnels.range_counters`);
- one vacancy: its item, its day counters over the last :data:`~kring.funnels.DEFAULT_DAYS` days
  (:func:`kring.funnels.vacancy_funnel`, what ``GET /api/vacancies/{id}/funnel`` calls) and a page
  of its vacancy x ambassador counters (:func:`kring.funnels.vacancy_ambassadors`, all time, what
  ``GET /api/vacancies/{id}/ambassadors`` calls) with the ambassadors' names (one BatchGetItem).

Page tokens are the admin API's (:mod:`kring.api.pagination`): opaque, bound to their listing;
one that is not is an :class:`~kring.errors.InvalidInputError`. An unknown vacancy is ``None``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from kring import funnels
from kring.api import pagination
from kring.dal import keys
from kring.dal.vacancies import VacancyRepository
from kring.dashboard import charts, frame
from kring.dashboard.tables import Cell, Column, Link, Table, find, to_csv
from kring.errors import FieldValidationError, NotFoundError
from kring.intake import vacancies
from kring.mail.i18n import Translator
from kring.models.common import FUNNEL_CHANNELS
from kring.models.vacancy import Vacancy
from kring.roster.names import names_of

PAGE_SIZE = 25  # vacancies a list page shows (each one Query of its counters)
AMBASSADORS_PAGE_SIZE = 50
LIST_DAYS = funnels.DEFAULT_DAYS
STATUSES: tuple[str, ...] = ("published",)  # the filters an index answers
FUNNEL_METRICS: tuple[str, ...] = ("shares", "share_intents", "clicks", "applications", "interviews", "hires")
CHANNEL_METRICS: tuple[str, ...] = (
    "share_intents",
    "clicks",
    "unique_visitors",
    "applications",
    "interviews",
    "hires",
)
AMBASSADOR_METRICS = CHANNEL_METRICS
VACANCY_TABLES: tuple[str, ...] = ("funnel", "channels", "days", "ambassadors")
LIST_SCOPE = "dashboard-vacancies"
OPEN_SCOPE = "dashboard-vacancies-published"


def _ambassadors_scope(vacancy_id: str) -> str:
    return f"dashboard-vacancy-ambassadors:{vacancy_id}"


# ------------------------------------------------------------------------------------ the list
@dataclass(frozen=True)
class VacancyRow:
    vacancy: Vacancy
    figures: funnels.Figures


@dataclass(frozen=True)
class VacancyList:
    status: str | None
    first_day: date
    last_day: date
    rows: tuple[VacancyRow, ...]
    token: str | None  # the token of this page (None: the first)
    next_token: str | None


def _checked_status(status: str | None) -> str | None:
    if status is not None and status not in STATUSES:
        raise FieldValidationError("the query is not valid", [{"field": "status", "message": "published"}])
    return status


def _page_of(status: str | None, next_token: str | None) -> tuple[list[Vacancy], str | None]:
    if status == "published":
        cursor = pagination.decode(next_token, OPEN_SCOPE, partition={keys.GSI3_PK: keys.OPEN_VACANCIES})
        repository = VacancyRepository()
        page = repository.open_page(PAGE_SIZE, cursor)
        stored = repository.get_many(v.id for v in page.items)
        found = [stored[v.id].vacancy for v in page.items if v.id in stored]
        return found, pagination.encode(OPEN_SCOPE, page.cursor)
    cursor = pagination.decode(next_token, LIST_SCOPE, partition={keys.GSI1_PK: keys.VACANCY_LIST})
    listed = vacancies.list_vacancies(PAGE_SIZE, cursor)
    return list(listed.items), pagination.encode(LIST_SCOPE, listed.cursor)


def vacancy_list(*, today: date, status: str | None, next_token: str | None) -> VacancyList:
    """A page of vacancies (``status``: None for all, by id; ``published``: the open ones, newest
    first) with each one's counters over the :data:`LIST_DAYS` days up to ``today``."""
    status = _checked_status(status)
    first = today - timedelta(days=LIST_DAYS - 1)
    found, after = _page_of(status, next_token)
    rows = tuple(
        VacancyRow(
            v, funnels.Figures.total(funnels.range_counters(keys.vacancy_stats_prefix(v.id), first, today))
        )
        for v in found
    )
    return VacancyList(
        status=status, first_day=first, last_day=today, rows=rows, token=next_token or None, next_token=after
    )


def _status(t: Translator, vacancy: Vacancy) -> str:
    return t(f"dashboard.vacancy.status_{vacancy.status}")


def _place(vacancy: Vacancy, name: str) -> Cell:
    value: str | None = getattr(vacancy, name)
    return value or None


def list_table(t: Translator, listed: VacancyList) -> Table:
    return Table(
        "vacancies",
        t("dashboard.vacancies.caption", first=t.date(listed.first_day), last=t.date(listed.last_day)),
        (
            Column(t("dashboard.vacancies.title_heading")),
            Column(t("dashboard.vacancies.status")),
            Column(t("dashboard.vacancies.department")),
            Column(t("dashboard.vacancies.location")),
            Column(t("dashboard.vacancies.published")),
            *(Column(t(f"dashboard.metric.{m}"), True) for m in FUNNEL_METRICS),
        ),
        tuple(
            (
                Link(row.vacancy.title, frame.vacancy_url(row.vacancy.id)),
                _status(t, row.vacancy),
                _place(row.vacancy, "department"),
                _place(row.vacancy, "location"),
                row.vacancy.published_at.date() if row.vacancy.published_at else None,
                *(getattr(row.figures, m) for m in FUNNEL_METRICS),
            )
            for row in listed.rows
        ),
    )


def render_vacancies(t: Translator, listed: VacancyList, *, chrome: frame.Chrome = frame.NO_CHROME) -> str:
    return frame.render(
        "vacancies",
        t,
        title=t("dashboard.vacancies.title"),
        chrome=chrome,
        listing=list_table(t, listed),
        csv_href=frame.vacancies_csv_url(listed.status, listed.token),
        status=listed.status,
        switch=[
            (None, t("dashboard.vacancies.all"), frame.vacancies_url()),
            *((s, t(f"dashboard.vacancies.only_{s}"), frame.vacancies_url(s)) for s in STATUSES),
        ],
        next_href=frame.vacancies_url(listed.status, listed.next_token) if listed.next_token else None,
        first_href=frame.vacancies_url(listed.status) if listed.token else None,
    )


def vacancies_page(
    t: Translator,
    *,
    today: date,
    status: str | None,
    next_token: str | None,
    chrome: frame.Chrome = frame.NO_CHROME,
) -> str:
    """A page of the vacancy list; its link to the next page carries the next token."""
    return render_vacancies(t, vacancy_list(today=today, status=status, next_token=next_token), chrome=chrome)


def vacancies_csv(t: Translator, *, today: date, status: str | None, next_token: str | None) -> str:
    """The same page of the list as CSV."""
    return to_csv(list_table(t, vacancy_list(today=today, status=status, next_token=next_token)))


# ------------------------------------------------------------------------------------ one vacancy
@dataclass(frozen=True)
class AmbassadorRow:
    ambassador_id: str
    name: str | None
    figures: funnels.Figures


@dataclass(frozen=True)
class VacancyFigures:
    vacancy: Vacancy
    stats: funnels.LinkStats
    days: tuple[date, ...]  # every day of the range, in order
    ambassadors: tuple[AmbassadorRow, ...]
    ambassadors_at: str | None  # the token of this page of ambassadors (None: the first)
    ambassadors_next: str | None


def vacancy_figures(
    vacancy_id: str, *, today: date, ambassadors_next: str | None = None
) -> VacancyFigures | None:
    """One vacancy's figures (None: no such vacancy): its counters over the
    :data:`~kring.funnels.DEFAULT_DAYS` days up to ``today``, and a page of its ambassadors (all time)."""
    try:
        vacancy = vacancies.get_vacancy(vacancy_id)
    except NotFoundError:
        return None
    first = today - timedelta(days=funnels.DEFAULT_DAYS - 1)
    stats = funnels.vacancy_funnel_of(vacancy, first, today)
    scope = _ambassadors_scope(vacancy.id)
    cursor = pagination.decode(
        ambassadors_next, scope, partition={keys.PK: keys.vacancy_stats_prefix(vacancy.id)}
    )
    page = funnels.vacancy_ambassadors_of(vacancy, AMBASSADORS_PAGE_SIZE, cursor)
    names = names_of(row.ambassador_id for row in page.items)
    return VacancyFigures(
        vacancy=vacancy,
        stats=stats,
        days=tuple(first + timedelta(days=n) for n in range((today - first).days + 1)),
        ambassadors=tuple(
            AmbassadorRow(r.ambassador_id, names.get(r.ambassador_id), r.totals) for r in page.items
        ),
        ambassadors_at=ambassadors_next or None,
        ambassadors_next=pagination.encode(scope, page.cursor),
    )


def _channel(t: Translator, channel: str) -> str:
    return t.name("channel", channel)


def vacancy_tables(t: Translator, figures: VacancyFigures) -> tuple[Table, ...]:
    stats = figures.stats
    range_words = {"first": t.date(stats.first_day), "last": t.date(stats.last_day)}
    metric_columns = tuple(Column(t(f"dashboard.metric.{m}"), True) for m in CHANNEL_METRICS)
    return (
        Table(
            "funnel",
            t("dashboard.vacancy.funnel_caption", **range_words),
            (Column(t("dashboard.vacancy.step")), Column(t("dashboard.vacancy.count"), True)),
            tuple((t(f"dashboard.metric.{m}"), getattr(stats.totals, m)) for m in FUNNEL_METRICS),
        ),
        Table(
            "channels",
            t("dashboard.vacancy.channels_caption", **range_words),
            (Column(t("dashboard.vacancy.channel")), *metric_columns),
            tuple(
                (_channel(t, c), *(getattr(stats.by_channel[c], m) for m in CHANNEL_METRICS))
                for c in FUNNEL_CHANNELS
            ),
        ),
        Table(
            "days",
            t("dashboard.vacancy.days_caption", **range_words),
            (
                Column(t("dashboard.vacancy.day")),
                *(Column(t(f"dashboard.metric.{m}"), True) for m in FUNNEL_METRICS),
            ),
            tuple((day, *(getattr(f, m) for m in FUNNEL_METRICS)) for day, f in stats.by_day),
        ),
        Table(
            "ambassadors",
            t("dashboard.vacancy.ambassadors_caption"),
            (Column(t("dashboard.vacancy.ambassador")), *metric_columns),
            tuple(
                (
                    row.name or t("dashboard.vacancy.no_name", id=row.ambassador_id),
                    *(getattr(row.figures, m) for m in CHANNEL_METRICS),
                )
                for row in figures.ambassadors
            ),
        ),
    )


def _charts(t: Translator, figures: VacancyFigures) -> dict[str, object]:
    stats = figures.stats
    per_day = dict(stats.by_day)
    zero = funnels.Figures.total({})
    return {
        "funnel": charts.bar_chart(
            "chart-funnel",
            t("dashboard.vacancy.funnel_chart"),
            [
                charts.Bar(
                    t(f"dashboard.metric.{m}"), getattr(stats.totals, m), t.number(getattr(stats.totals, m))
                )
                for m in FUNNEL_METRICS
            ],
        ),
        "channels": charts.bar_chart(
            "chart-channels",
            t("dashboard.vacancy.channels_chart"),
            [
                charts.Bar(_channel(t, c), stats.by_channel[c].clicks, t.number(stats.by_channel[c].clicks))
                for c in FUNNEL_CHANNELS
            ],
        ),
        "days": charts.line_chart(
            "chart-days",
            t("dashboard.vacancy.days_chart"),
            [t.date(day) for day in figures.days],
            [
                charts.Series(
                    t(f"dashboard.metric.{m}"),
                    tuple(getattr(per_day.get(day, zero), m) for day in figures.days),
                )
                for m in ("clicks", "applications")
            ],
            number=t.number,
        ),
    }


def render_vacancy(t: Translator, figures: VacancyFigures, *, chrome: frame.Chrome = frame.NO_CHROME) -> str:
    vacancy = figures.vacancy
    return frame.render(
        "vacancy",
        t,
        title=vacancy.title,
        chrome=chrome,
        vacancy=vacancy,
        status=_status(t, vacancy),
        tables=frame.table_context(vacancy_tables(t, figures)),
        charts=_charts(t, figures),
        csv_url=lambda name: frame.vacancy_csv_url(
            vacancy.id, name, figures.ambassadors_at if name == "ambassadors" else None
        ),
        back_href=frame.vacancies_url(),
        next_href=frame.vacancy_url(vacancy.id, figures.ambassadors_next)
        if figures.ambassadors_next
        else None,
    )


def vacancy_page(
    t: Translator,
    vacancy_id: str,
    *,
    today: date,
    ambassadors_next: str | None = None,
    chrome: frame.Chrome = frame.NO_CHROME,
) -> str | None:
    """One vacancy's page (None: no such vacancy); ``ambassadors_next`` pages its ambassadors."""
    figures = vacancy_figures(vacancy_id, today=today, ambassadors_next=ambassadors_next)
    return render_vacancy(t, figures, chrome=chrome) if figures is not None else None


def vacancy_csv(
    t: Translator,
    vacancy_id: str,
    table: str,
    *,
    today: date,
    ambassadors_next: str | None = None,
) -> str | None:
    """One of the vacancy page's tables (:data:`VACANCY_TABLES`) as CSV (the ambassadors: the same
    page of them); None for an unknown vacancy or table."""
    if table not in VACANCY_TABLES:
        return None
    figures = vacancy_figures(vacancy_id, today=today, ambassadors_next=ambassadors_next)
    if figures is None:
        return None
    found = find(vacancy_tables(t, figures), table)
    return to_csv(found) if found is not None else None

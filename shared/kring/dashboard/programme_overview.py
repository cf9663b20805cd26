"""The dashboard's programme page (issue 14): the five-phase funnel now (dormant, left, returned),
the conversions and time in phase of everyone who entered in the last year, and the trend of
links made → shares → clicks → applications → interviews → hires week by week — overall, or by
department or location.

Read as the admin API reads it, never a Scan: the funnel from :func:`kring.programme.funnel.funnel`
(the phase counters, the cohort index: one Query a month) — what ``GET /api/programme/phases``
calls; the trend from :func:`kring.funnels.program_funnel` (the programme's day counters: one
Query) — what ``GET /api/program/funnel`` calls; the trend's CSV reads only that Query. The
programme's day counters are kept for the whole programme only, so the trend is not split by
department or location; the funnel is.

:func:`programme_figures` reads, :func:`programme_tables` words the figures as tables,
:func:`programme_page` renders the page and :func:`programme_csv` writes one of its tables.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from kring import funnels
from kring.dashboard import charts, frame
from kring.dashboard.tables import Cell, Column, Days, Percent, Table, find, to_csv
from kring.errors import FieldValidationError
from kring.mail.i18n import Translator
from kring.models.common import PHASES
from kring.programme import funnel as programme_funnel

TREND_WEEKS = 12
COHORT_DAYS = 365  # the cohort: everyone who entered the funnel in the last year (today included)
TREND_METRICS: tuple[str, ...] = ("shares", "share_intents", "clicks", "applications", "interviews", "hires")
REACH_METRICS = TREND_METRICS[:3]
RESULT_METRICS = TREND_METRICS[3:]
STATUSES: tuple[str, ...] = ("dormant", "left", "returned")
TABLES: tuple[str, ...] = ("phases", "status", "phases_by", "conversions", "conversions_by", "trend")


@dataclass(frozen=True)
class Week:
    """One week (Monday to Sunday, UTC days) of the programme's counters."""

    monday: date
    figures: dict[str, int]


@dataclass(frozen=True)
class ProgrammeFigures:
    today: date
    by: str | None
    funnel: programme_funnel.Funnel
    cohort_first: date
    weeks: tuple[Week, ...]


def _checked_by(by: str | None) -> str | None:
    if by is not None and by not in programme_funnel.GROUPINGS:
        raise FieldValidationError(
            "the query is not valid", [{"field": "by", "message": "department or location"}]
        )
    return by


def trend_weeks(per_day: Sequence[tuple[date, funnels.Figures]], first_monday: date) -> tuple[Week, ...]:
    """The days' figures added up by week, :data:`TREND_WEEKS` weeks from ``first_monday``."""
    totals = [Counter[str]() for _ in range(TREND_WEEKS)]
    for day, figures in per_day:
        index = (day - first_monday).days // 7
        if 0 <= index < TREND_WEEKS:
            totals[index].update({metric: getattr(figures, metric) for metric in TREND_METRICS})
    return tuple(
        Week(first_monday + timedelta(weeks=n), {m: totals[n][m] for m in TREND_METRICS})
        for n in range(TREND_WEEKS)
    )


def programme_figures(*, today: date, by: str | None) -> ProgrammeFigures:
    """The programme's figures on ``today`` (a UTC day); ``by``: ``department``, ``location`` or
    None (a :class:`~kring.errors.FieldValidationError` otherwise)."""
    by = _checked_by(by)
    cohort_first = today - timedelta(days=COHORT_DAYS - 1)
    found = programme_funnel.funnel(first=cohort_first, last=today, by=by)
    return ProgrammeFigures(today=today, by=by, funnel=found, cohort_first=cohort_first, weeks=_trend(today))


def _trend(today: date) -> tuple[Week, ...]:
    """The :data:`TREND_WEEKS` weeks up to ``today``'s: one Query of the programme's day counters."""
    first_monday = today - timedelta(days=today.weekday()) - timedelta(weeks=TREND_WEEKS - 1)
    return trend_weeks(funnels.program_funnel(first_monday, today).by_day, first_monday)


# ------------------------------------------------------------------------------------ in words
def _group(t: Translator, name: str) -> str:
    return name or t("dashboard.programme.no_group")


def _phase(t: Translator, phase: str) -> str:
    return t(f"portal.phase.{phase}")


def _steps_rows(t: Translator, cohort: programme_funnel.Cohort) -> list[tuple[Cell, ...]]:
    return [
        (
            t("dashboard.programme.step", start=_phase(t, s.from_phase), end=_phase(t, s.to_phase)),
            s.reached_from,
            s.reached_to,
            Percent(s.conversion),
            Days(s.median_days),
        )
        for s in cohort.steps
    ]


def programme_tables(t: Translator, figures: ProgrammeFigures) -> tuple[Table, ...]:
    """Every table of the page, in its order (``phases_by`` and ``conversions_by`` only by a grouping)."""
    found = figures.funnel
    num = Column
    tables: list[Table] = [
        Table(
            "phases",
            t("dashboard.programme.phases_caption"),
            (Column(t("dashboard.programme.phase")), num(t("dashboard.programme.ambassadors"), True)),
            tuple((_phase(t, p), found.now.phases[p]) for p in PHASES),
        ),
        Table(
            "status",
            t("dashboard.programme.status_caption"),
            (Column(t("dashboard.programme.status")), num(t("dashboard.programme.ambassadors"), True)),
            tuple((t(f"dashboard.programme.{s}"), getattr(found.now, s)) for s in STATUSES),
        ),
    ]
    group_heading = Column(t(f"dashboard.programme.by_{figures.by}")) if figures.by else None
    if group_heading is not None and found.now_by is not None:
        tables.append(
            Table(
                "phases_by",
                t(f"dashboard.programme.phases_by_{figures.by}_caption"),
                (
                    group_heading,
                    *(num(_phase(t, p), True) for p in PHASES),
                    *(num(t(f"dashboard.programme.{s}"), True) for s in STATUSES),
                ),
                tuple(
                    (
                        _group(t, name),
                        *(now.phases[p] for p in PHASES),
                        *(getattr(now, s) for s in STATUSES),
                    )
                    for name, now in sorted(found.now_by.items())
                ),
            )
        )
    step_columns = (
        num(t("dashboard.programme.reached_from"), True),
        num(t("dashboard.programme.reached_to"), True),
        num(t("dashboard.programme.conversion"), True),
        num(t("dashboard.programme.median_days"), True),
    )
    if found.cohort is not None:
        tables.append(
            Table(
                "conversions",
                t(
                    "dashboard.programme.conversions_caption",
                    first=t.date(figures.cohort_first),
                    last=t.date(figures.today),
                ),
                (Column(t("dashboard.programme.step_heading")), *step_columns),
                tuple(_steps_rows(t, found.cohort)),
            )
        )
    if group_heading is not None and found.cohort_by is not None:
        tables.append(
            Table(
                "conversions_by",
                t(f"dashboard.programme.conversions_by_{figures.by}_caption"),
                (group_heading, Column(t("dashboard.programme.step_heading")), *step_columns),
                tuple(
                    (_group(t, name), *row)
                    for name, cohort in found.cohort_by.items()
                    for row in _steps_rows(t, cohort)
                ),
            )
        )
    tables.append(trend_table(t, figures.weeks))
    return tuple(tables)


def trend_table(t: Translator, weeks: Sequence[Week]) -> Table:
    return Table(
        "trend",
        t("dashboard.programme.trend_caption", weeks=t.number(TREND_WEEKS)),
        (
            Column(t("dashboard.programme.week")),
            *(Column(t(f"dashboard.metric.{m}"), True) for m in TREND_METRICS),
        ),
        tuple((w.monday, *(w.figures[m] for m in TREND_METRICS)) for w in weeks),
    )


def _charts(t: Translator, figures: ProgrammeFigures) -> dict[str, object]:
    found = figures.funnel
    labels = [t.date(w.monday) for w in figures.weeks]

    def lines(chart_id: str, title_id: str, metrics: Sequence[str]) -> object:
        return charts.line_chart(
            chart_id,
            t(title_id),
            labels,
            [
                charts.Series(t(f"dashboard.metric.{m}"), tuple(w.figures[m] for w in figures.weeks))
                for m in metrics
            ],
            number=t.number,
        )

    out: dict[str, object] = {
        "phases": charts.bar_chart(
            "chart-phases",
            t("dashboard.programme.phases_chart"),
            [charts.Bar(_phase(t, p), found.now.phases[p], t.number(found.now.phases[p])) for p in PHASES],
        ),
        "reach": lines("chart-reach", "dashboard.programme.reach_chart", REACH_METRICS),
        "results": lines("chart-results", "dashboard.programme.results_chart", RESULT_METRICS),
    }
    if found.cohort is not None:
        reached = found.cohort.reached
        out["cohort"] = charts.bar_chart(
            "chart-cohort",
            t("dashboard.programme.cohort_chart"),
            [charts.Bar(_phase(t, p), reached[p], t.number(reached[p])) for p in PHASES],
        )
    return out


def render_programme(
    t: Translator, figures: ProgrammeFigures, *, chrome: frame.Chrome = frame.NO_CHROME
) -> str:
    tables = programme_tables(t, figures)
    found = figures.funnel
    return frame.render(
        "programme",
        t,
        title=t("dashboard.programme.title"),
        chrome=chrome,
        tables=frame.table_context(tables),
        charts=_charts(t, figures),
        by=figures.by,
        entered=found.cohort.entered if found.cohort is not None else 0,
        switch=[
            (None, t("dashboard.programme.overall"), frame.programme_url()),
            *(
                (g, t(f"dashboard.programme.by_{g}"), frame.programme_url(g))
                for g in programme_funnel.GROUPINGS
            ),
        ],
        csv_url=lambda name: frame.programme_csv_url(name, figures.by),
    )


def programme_page(
    t: Translator, *, today: date, by: str | None, chrome: frame.Chrome = frame.NO_CHROME
) -> str:
    """The programme page on ``today`` (a UTC day), overall or ``by`` department or location."""
    return render_programme(t, programme_figures(today=today, by=by), chrome=chrome)


def programme_csv(t: Translator, table: str, *, today: date, by: str | None) -> str | None:
    """One of the page's tables (:data:`TABLES`) as CSV; None for a table the page does not have
    (``phases_by`` without ``by``, or a name it never has)."""
    if table not in TABLES:
        return None
    if table == "trend":  # the programme's day counters only (one Query), not the cohort's months
        _checked_by(by)
        return to_csv(trend_table(t, _trend(today)))
    found = find(programme_tables(t, programme_figures(today=today, by=by)), table)
    return to_csv(found) if found is not None else None

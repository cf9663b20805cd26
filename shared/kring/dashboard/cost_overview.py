"""The dashboard's cost per hire and quality page (issue 14): what a hire through ambassadors cost
(the rewards of the period's hires, paid and still owed, per hire credited to ambassadors) beside
what the talent team says other channels cost per hire (the settings the digest uses), and the
interview and hire rates of applications credited to ambassadors against the rest.

The figures are the talent-team digest's, for a period chosen here instead of the digest's 52
weeks: :func:`kring.mail.team_report.cost_and_quality` — the one function both call (the
programme's day counters: one Query; the reward ledger: gsi1, a page at a time; the settings item).

Periods are calendar months, quarters (the default) and years of UTC days, the one holding ``at``
(default today); a period still running ends today.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Literal, get_args
from urllib.parse import urlencode

from kring.dashboard import charts, frame
from kring.dashboard.tables import Cell, Column, Money, Percent, Table, find, to_csv
from kring.errors import FieldValidationError
from kring.mail.i18n import Translator
from kring.mail.team_report import CostAndQuality, Rates, cost_and_quality
from kring.points import leaderboards
from kring.points.ranking_periods import bounds, period_of

PATH = f"{frame.BASE}/cost"
CostPeriod = Literal["month", "quarter", "year"]
COST_PERIODS: tuple[CostPeriod, ...] = get_args(CostPeriod)
TABLES: tuple[str, ...] = ("cost", "rewards", "rates")


def cost_url(period: str | None = None, at: str | None = None, *, csv: str | None = None) -> str:
    given = {name: value for name, value in (("table", csv), ("period", period), ("at", at)) if value}
    path = f"{PATH}.csv" if csv else PATH
    return f"{path}?{urlencode(given)}" if given else path


def period_kind(raw: str | None) -> CostPeriod:
    text = (raw or "quarter").strip()
    for kind in COST_PERIODS:
        if text == kind:
            return kind
    raise FieldValidationError(
        "the query is not valid", [{"field": "period", "message": "must be month, quarter or year"}]
    )


def period_days(kind: CostPeriod, at: date, *, today: date) -> tuple[date, date]:
    """The first and last day of the period of ``kind`` holding ``at`` (a running one: to today)."""
    if kind == "year":
        first, last = date(at.year, 1, 1), date(at.year, 12, 31)
    else:
        first, last = bounds(period_of(kind, at))
    return first, min(last, today) if first <= today else last


@dataclass(frozen=True)
class CostFigures:
    kind: CostPeriod
    at: str | None
    case: CostAndQuality


def cost_figures(period: str | None, at: str | None, *, now: datetime) -> CostFigures:
    """The period's figures as of ``now`` (a reward's status — owed or paid — is the one it has
    now); a :class:`~kring.errors.FieldValidationError` for a bad ``period`` or ``at``."""
    kind = period_kind(period)
    today = now.date()
    day = leaderboards.day(at, today=today)  # the leaderboards' reading of a day: the same 400s
    first, last = period_days(kind, day, today=today)
    return CostFigures(kind, at, cost_and_quality(first, last, now=now))


# ------------------------------------------------------------------------------------ in words
def _rate_row(t: Translator, label_id: str, rates: Rates) -> tuple[Cell, ...]:
    return (
        t(label_id),
        rates.applications,
        rates.interviews,
        rates.hires,
        Percent(rates.interview_rate),
        Percent(rates.hire_rate),
    )


def cost_tables(t: Translator, figures: CostFigures) -> tuple[Table, ...]:
    case = figures.case
    num = Column
    cost_rows: list[tuple[Cell, ...]] = [
        (t("dashboard.cost.ambassadors"), Money(c.cost_per_hire, c.currency), c.currency)
        for c in case.ambassador_cost_per_hire
    ]
    cost_rows += [
        (c.label or c.channel, Money(c.cost_per_hire, c.currency), c.currency) for c in case.other_channels
    ]
    return (
        Table(
            "cost",
            t("dashboard.cost.cost_caption", first=t.date(case.first_day), last=t.date(case.last_day)),
            (
                Column(t("dashboard.cost.channel")),
                num(t("dashboard.cost.cost_per_hire"), True),
                Column(t("dashboard.cost.currency")),
            ),
            tuple(cost_rows),
        ),
        Table(
            "rewards",
            t("dashboard.cost.rewards_caption"),
            (
                Column(t("dashboard.cost.currency")),
                num(t("dashboard.cost.rewards_paid"), True),
                num(t("dashboard.cost.rewards_owed"), True),
                num(t("dashboard.cost.credited_hires"), True),
                num(t("dashboard.cost.cost_per_hire"), True),
                num(t("dashboard.cost.paid_per_hire"), True),
            ),
            tuple(
                (
                    c.currency,
                    Money(c.rewards_paid, c.currency),
                    Money(c.rewards_owed, c.currency),
                    c.credited_hires,
                    Money(c.cost_per_hire, c.currency),
                    Money(c.paid_per_hire, c.currency),
                )
                for c in case.ambassador_cost_per_hire
            ),
        ),
        Table(
            "rates",
            t("dashboard.cost.rates_caption", first=t.date(case.first_day), last=t.date(case.last_day)),
            (
                Column(t("dashboard.cost.applications_of")),
                num(t("dashboard.metric.applications"), True),
                num(t("dashboard.metric.interviews"), True),
                num(t("dashboard.metric.hires"), True),
                num(t("dashboard.cost.interview_rate"), True),
                num(t("dashboard.cost.hire_rate"), True),
            ),
            (
                _rate_row(t, "dashboard.cost.credited", case.credited),
                _rate_row(t, "dashboard.cost.rest", case.rest),
            ),
        ),
    )


def _whole(amount: Decimal) -> int:
    return int(amount.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _percent(t: Translator, rate: float | None) -> str:
    if rate is None:
        return t("dashboard.table.none")
    return t("dashboard.table.percent", value=t.number(Decimal(str(round(rate * 100, 1)))))


def _charts(t: Translator, figures: CostFigures) -> dict[str, object]:
    case = figures.case
    bars = [
        charts.Bar(
            t("dashboard.cost.ambassadors_in", currency=c.currency),
            _whole(c.cost_per_hire),
            t.money(c.cost_per_hire, c.currency),
        )
        for c in case.ambassador_cost_per_hire
        if c.cost_per_hire is not None
    ]
    bars += [
        charts.Bar(c.label or c.channel, _whole(c.cost_per_hire), t.money(c.cost_per_hire, c.currency))
        for c in case.other_channels
    ]
    rates = [
        (
            t("dashboard.cost.interview_rate_of", group=t("dashboard.cost.credited")),
            case.credited.interview_rate,
        ),
        (t("dashboard.cost.interview_rate_of", group=t("dashboard.cost.rest")), case.rest.interview_rate),
        (t("dashboard.cost.hire_rate_of", group=t("dashboard.cost.credited")), case.credited.hire_rate),
        (t("dashboard.cost.hire_rate_of", group=t("dashboard.cost.rest")), case.rest.hire_rate),
    ]
    return {
        "cost": charts.bar_chart("chart-cost", t("dashboard.cost.cost_chart"), bars),
        "rates": charts.bar_chart(
            "chart-rates",
            t("dashboard.cost.rates_chart"),
            # per mille for the bars' lengths; the labels say the percentages
            [charts.Bar(label, round((rate or 0) * 1000), _percent(t, rate)) for label, rate in rates],
        ),
    }


def render_cost(t: Translator, figures: CostFigures, *, chrome: frame.Chrome = frame.NO_CHROME) -> str:
    return frame.render(
        "cost",
        t,
        title=t("dashboard.cost.title"),
        chrome=chrome,
        tables=frame.table_context(cost_tables(t, figures)),
        charts=_charts(t, figures),
        periods=[(kind, t(f"dashboard.cost.period_{kind}")) for kind in COST_PERIODS],
        period=figures.kind,
        at=figures.at or "",
        first=figures.case.first_day,
        last=figures.case.last_day,
        has_others=bool(figures.case.other_channels),
        csv_url=lambda name: cost_url(figures.kind, figures.at, csv=name),
    )


def cost_page(
    t: Translator,
    *,
    period: str | None,
    at: str | None,
    now: datetime,
    chrome: frame.Chrome = frame.NO_CHROME,
) -> str:
    return render_cost(t, cost_figures(period, at, now=now), chrome=chrome)


def cost_csv(t: Translator, table: str, *, period: str | None, at: str | None, now: datetime) -> str | None:
    if table not in TABLES:
        return None
    found = find(cost_tables(t, cost_figures(period, at, now=now)), table)
    return to_csv(found) if found is not None else None

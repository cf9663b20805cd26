"""The dashboard's applications pages (issue 14): every application with its credit and stage, a
page at a time, newest first; and one application's explanation — why it was credited as it was —
in plain words.

Read as the admin API reads them, never a Scan:

- the list: one Query of the application list (gsi1 ``APPLICATIONS``, descending,
  :func:`kring.attribution.explanation.list_applications`), the credited ambassadors' names (one
  BatchGetItem) and the vacancies' titles (one BatchGetItem);
- one application: :func:`kring.attribution.explanation.explain`, what
  ``GET /api/applications/{provider}/{id}/attribution`` calls (a GetItem of the alias and the
  state), then the names of the ambassadors it names and the vacancy's title.

Kring stores no candidate's name or e-mail: an application is its ATS and its ATS id.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from kring.api import pagination
from kring.attribution import explanation
from kring.attribution.entities import Considered, Decision, Facts
from kring.attribution.explanation import Explanation, Listed
from kring.dal import keys
from kring.dal.vacancies import VacancyRepository
from kring.dashboard import frame
from kring.dashboard.tables import Cell, Column, Link, Table, find, to_csv
from kring.mail.i18n import BRANDS, Translator
from kring.roster.names import names_of

PAGE_SIZE = 25
LIST_SCOPE = "dashboard-applications"
APPLICATION_TABLES: tuple[str, ...] = ("touches", "counted")


# ------------------------------------------------------------------------------------ words
def _provider(provider: str) -> str:
    return BRANDS.get(provider, provider)


def _stage(t: Translator, facts: Facts) -> str:
    stage = facts.current_stage
    if stage is None:
        return t("dashboard.applications.stage.none")
    word = t.optional(f"dashboard.applications.stage.{stage.kind}") or stage.kind
    if stage.name and stage.name.lower() != stage.kind:
        return t("dashboard.applications.stage_named", stage=word, name=stage.name)
    return word


def _ambassador(t: Translator, ambassador_id: str | None, names: dict[str, str]) -> str:
    if ambassador_id is None:
        return t("dashboard.applications.nobody")
    name = names.get(ambassador_id)
    return t("dashboard.applications.named", name=name, id=ambassador_id) if name else ambassador_id


def _vacancy(t: Translator, vacancy_id: str | None, titles: dict[str, str]) -> str | None:
    if vacancy_id is None:
        return None
    title = titles.get(vacancy_id)
    return t("dashboard.applications.named", name=title, id=vacancy_id) if title else vacancy_id


def _channel(t: Translator, decision: Decision) -> str:
    return t.name("channel", decision.counted_channel)


def _titles(vacancy_ids: list[str | None]) -> dict[str, str]:
    wanted = [v for v in vacancy_ids if v]
    if not wanted:
        return {}
    return {v: s.vacancy.title for v, s in VacancyRepository().get_many(wanted).items()}


# ------------------------------------------------------------------------------------ the list
@dataclass(frozen=True)
class ApplicationList:
    rows: tuple[Listed, ...]
    names: dict[str, str]
    titles: dict[str, str]
    token: str | None  # this page's token (None: the first)
    next_token: str | None


def application_list(next_token: str | None) -> ApplicationList:
    """A page of applications, newest first; a token that is not this list's is an
    :class:`~kring.errors.InvalidInputError`."""
    cursor = pagination.decode(next_token, LIST_SCOPE, partition={keys.GSI1_PK: keys.APPLICATION_LIST})
    page = explanation.list_applications(PAGE_SIZE, cursor)
    rows = tuple(page.items)
    names = dict(names_of(r.decision.ambassador_id for r in rows if r.decision.ambassador_id))
    return ApplicationList(
        rows=rows,
        names=names,
        titles=_titles([r.decision.vacancy_id for r in rows]),
        token=next_token or None,
        next_token=pagination.encode(LIST_SCOPE, page.cursor),
    )


def list_table(t: Translator, listed: ApplicationList) -> Table:
    return Table(
        "applications",
        t("dashboard.applications.caption"),
        (
            Column(t("dashboard.applications.application")),
            Column(t("dashboard.applications.applied")),
            Column(t("dashboard.applications.vacancy")),
            Column(t("dashboard.applications.ambassador")),
            Column(t("dashboard.applications.channel")),
            Column(t("dashboard.applications.method")),
            Column(t("dashboard.applications.stage")),
        ),
        tuple(
            (
                Link(
                    f"{_provider(r.facts.provider)} {r.application_id}",  # a brand and an id: no words
                    frame.application_url(r.facts.provider, r.application_id),
                ),
                r.facts.applied_at,
                _vacancy(t, r.decision.vacancy_id, listed.titles),
                _ambassador(t, r.decision.ambassador_id, listed.names),
                _channel(t, r.decision),
                t.name("method", r.decision.method),
                _stage(t, r.facts),
            )
            for r in listed.rows
        ),
    )


def applications_page(
    t: Translator, *, next_token: str | None, chrome: frame.Chrome = frame.NO_CHROME
) -> str:
    listed = application_list(next_token)
    return frame.render(
        "applications",
        t,
        title=t("dashboard.applications.title"),
        chrome=chrome,
        listing=list_table(t, listed),
        csv_href=frame.applications_csv_url(listed.token),
        next_href=frame.applications_url(listed.next_token) if listed.next_token else None,
        first_href=frame.applications_url() if listed.token else None,
    )


def applications_csv(t: Translator, *, next_token: str | None) -> str:
    """The same page of the list as CSV."""
    return to_csv(list_table(t, application_list(next_token)))


# ------------------------------------------------------------------------------------ one application
@dataclass(frozen=True)
class Explained:
    explained: Explanation
    names: dict[str, str]
    titles: dict[str, str]


def explained(provider: str, application_id: str) -> Explained:
    """The explanation the API gives (InvalidInputError for a provider or id no ATS has,
    NotFoundError for an application Kring recorded nothing of), with names and titles."""
    found = explanation.explain(provider, application_id)
    decision = found.decision
    ambassador_ids = {c.ambassador_id for c in decision.considered if c.ambassador_id}
    if decision.ambassador_id:
        ambassador_ids.add(decision.ambassador_id)
    vacancy_ids = [decision.vacancy_id, *(c.vacancy_id for c in decision.considered)]
    return Explained(found, dict(names_of(ambassador_ids)), _titles(vacancy_ids))


def _when(moment: datetime | None) -> Cell:
    return moment


def summary(t: Translator, found: Explained) -> str:
    """One sentence: who was credited, by which rule, and the model and window it was judged by."""
    decision = found.explained.decision
    if decision.ambassador_id is None:
        return t("dashboard.application.summary_none", window=decision.window_days)
    return t(
        f"dashboard.application.summary_{decision.method}",
        ambassador=_ambassador(t, decision.ambassador_id, found.names),
        channel=_channel(t, decision),
        model=t(f"dashboard.application.model_{decision.model}"),
        window=decision.window_days,
    )


def why(t: Translator, entry: Considered) -> str:
    """A touch's outcome in plain words (the attribution's reason code, said)."""
    return t.optional(f"dashboard.application.reason.{entry.reason}") or entry.reason


def _source(t: Translator, entry: Considered) -> str:
    if entry.source is None:
        return t("dashboard.application.source_email")
    return entry.source


def application_tables(t: Translator, found: Explained) -> tuple[Table, ...]:
    decision = found.explained.decision
    return (
        Table(
            "touches",
            t("dashboard.application.touches_caption"),
            (
                Column(t("dashboard.application.rule")),
                Column(t("dashboard.application.outcome")),
                Column(t("dashboard.application.why")),
                Column(t("dashboard.applications.ambassador")),
                Column(t("dashboard.applications.channel")),
                Column(t("dashboard.application.clicked")),
                Column(t("dashboard.applications.vacancy")),
                Column(t("dashboard.application.source")),
            ),
            tuple(
                (
                    t(f"dashboard.application.rule_{c.rule}"),
                    t(f"dashboard.application.outcome_{c.outcome}"),
                    why(t, c),
                    _ambassador(t, c.ambassador_id, found.names) if c.ambassador_id else None,
                    t.name("channel", c.channel) if c.channel else None,
                    _when(c.clicked_at),
                    _vacancy(t, c.vacancy_id, found.titles),
                    _source(t, c),
                )
                for c in decision.considered
            ),
        ),
        Table(
            "counted",
            t("dashboard.application.counted_caption"),
            (
                Column(t("dashboard.application.scope")),
                Column(t("dashboard.application.day")),
                Column(t("dashboard.applications.vacancy")),
                Column(t("dashboard.applications.ambassador")),
                Column(t("dashboard.application.counters")),
            ),
            tuple(
                (
                    t(f"dashboard.application.scope_{f.scope}"),
                    f.day,
                    _vacancy(t, f.vacancy_id, found.titles),
                    _ambassador(t, f.ambassador_id, found.names) if f.ambassador_id else None,
                    ", ".join(f"{name} {n:+d}" for name, n in sorted(f.counters.items())),
                )
                for f in found.explained.counted
            ),
        ),
    )


def facts(t: Translator, found: Explained) -> list[tuple[str, str]]:
    """The application's facts as term and description, for the page's list."""
    e = found.explained
    f, d = e.facts, e.decision
    none = t("dashboard.table.none")
    out = [
        (t("dashboard.application.provider"), _provider(f.provider)),
        (t("dashboard.application.ids"), ", ".join(f.application_ids)),
        (t("dashboard.applications.applied"), t.datetime(f.applied_at)),
        (t("dashboard.applications.vacancy"), _vacancy(t, d.vacancy_id, found.titles) or none),
        (t("dashboard.applications.ambassador"), _ambassador(t, d.ambassador_id, found.names)),
        (t("dashboard.applications.channel"), _channel(t, d)),
        (t("dashboard.applications.method"), t.name("method", d.method)),
        (t("dashboard.applications.stage"), _stage(t, f)),
    ]
    if d.clicked_at is not None:
        out.append((t("dashboard.application.clicked"), t.datetime(d.clicked_at)))
    if f.hired_at is not None:
        out.append((t("dashboard.application.hired"), t.datetime(f.hired_at)))
    if f.unhired_at is not None and not f.hired:
        out.append((t("dashboard.application.unhired"), t.datetime(f.unhired_at)))
    if f.rejected_at is not None:
        out.append((t("dashboard.application.rejected"), t.datetime(f.rejected_at)))
    if not f.received:
        out.append((t("dashboard.application.received"), t("dashboard.application.not_received")))
    return out


def application_page(
    t: Translator, provider: str, application_id: str, *, chrome: frame.Chrome = frame.NO_CHROME
) -> str:
    found = explained(provider, application_id)
    decision = found.explained.decision
    lost = [c for c in decision.considered if c.outcome == "lost"]
    return frame.render(
        "application",
        t,
        title=t(
            "dashboard.application.title",
            provider=_provider(found.explained.facts.provider),
            id=found.explained.application_id,
        ),
        chrome=chrome,
        summary=summary(t, found),
        facts=facts(t, found),
        excluded=[
            t(
                "dashboard.application.excluded_line",
                rule=t(f"dashboard.application.rule_{c.rule}"),
                source=_source(t, c),
                why=why(t, c),
            )
            for c in lost
        ],
        tables=frame.table_context(application_tables(t, found)),
        csv_url=lambda name: frame.application_csv_url(provider, application_id, name),
        back_href=frame.applications_url(),
    )


def application_csv(t: Translator, provider: str, application_id: str, table: str) -> str | None:
    """One of the application page's tables as CSV (None: no such table)."""
    if table not in APPLICATION_TABLES:
        return None
    found = find(application_tables(t, explained(provider, application_id)), table)
    return to_csv(found) if found is not None else None

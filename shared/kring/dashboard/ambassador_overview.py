"""The dashboard's ambassador pages (issue 14): the roster with search and filters, a page at a
time; one ambassador's results, journey and links; the preview of a CSV import.

Read as the admin API reads them, never a Scan:

- the roster: every ambassador in id order (gsi1 ``AMBASSADORS``,
  :func:`kring.roster.ambassadors.list_ambassadors`, what ``GET /api/ambassadors`` calls), or —
  with ``eligible=yes`` — only those the fan-out may select (the sparse eligibility index, gsi2,
  and one BatchGetItem of their profiles). **No index answers** the search, phase, department,
  location, dormant or ``eligible=no``: those are filtered in the rows each Query read, at most
  :data:`MAX_READS` Queries of :data:`PAGE_SIZE` a page; a page may so show fewer rows than
  :data:`PAGE_SIZE` (or none) and still have a next page. The page says so.
- one ambassador: their profile, :func:`kring.funnels.ambassador_stats` (what
  ``GET /api/ambassadors/{id}/stats`` calls, the last :data:`~kring.funnels.DEFAULT_DAYS` days),
  :func:`kring.programme.journey.journey` (``GET /api/ambassadors/{id}/journey``) and their links
  (gsi2 ``AMB#<id>#SHARES``, one BatchGetItem of the vacancies).
- the import preview: :func:`kring.roster.imports.preview` (BatchGetItem of the file's ids,
  nothing written).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from kring import funnels
from kring.api import pagination
from kring.dal import keys
from kring.dal.ambassadors import AmbassadorRepository
from kring.dal.share_links import ShareLinkRepository
from kring.dal.vacancies import VacancyRepository
from kring.dashboard import frame
from kring.dashboard.tables import Cell, Column, Link, Table, find, to_csv
from kring.errors import FieldValidationError, NotFoundError
from kring.links.codes import link_url
from kring.mail.i18n import Translator
from kring.models.ambassador import Ambassador
from kring.models.common import FUNNEL_CHANNELS, PHASES, Page, Phase
from kring.models.vacancy import ShareLink, Vacancy
from kring.programme import journey as journeys
from kring.roster import ambassadors, imports
from kring.roster.columns import COLUMNS

PAGE_SIZE = 50  # ambassadors one Query of the roster reads
MAX_READS = 4  # Queries a filtered page may make before it stops and offers the next page
MAX_TEXT = 100
LIST_SCOPE = "dashboard-ambassadors"
ELIGIBLE_SCOPE = "dashboard-ambassadors-eligible"
RESULT_METRICS: tuple[str, ...] = (
    "shares",
    "share_intents",
    "clicks",
    "unique_visitors",
    "applications",
    "interviews",
    "hires",
)
CHANNEL_METRICS: tuple[str, ...] = ("share_intents", "clicks", "applications", "interviews", "hires")
AMBASSADOR_TABLES: tuple[str, ...] = ("results", "channels", "rewards", "journey", "links")
YES_NO = {"yes": True, "no": False}
# A pasted file the dashboard previews: its page (every row's change, the file again for "Import
# these") must stay well under the 6 MB a Lambda function may answer. Larger files: the API.
MAX_PASTED_CHARACTERS = 1_000_000
PREVIEW_ROWS = 1000  # rows a preview table shows (its caption counts them all)


# ------------------------------------------------------------------------------------ filters
@dataclass(frozen=True)
class Filters:
    q: str | None = None
    phase: Phase | None = None
    department: str | None = None
    location: str | None = None
    dormant: bool | None = None
    eligible: bool | None = None

    def params(self) -> dict[str, str | None]:
        """The filters as a query string's parameters (for links)."""

        def word(value: bool | None) -> str | None:
            return None if value is None else ("yes" if value else "no")

        return {
            "q": self.q,
            "phase": self.phase,
            "department": self.department,
            "location": self.location,
            "dormant": word(self.dormant),
            "eligible": word(self.eligible),
        }

    @property
    def in_pages(self) -> bool:
        """Some filter no index answers (filtered in the rows read)."""
        return bool(self.q or self.phase or self.department or self.location or self.dormant is not None) or (
            self.eligible is False
        )


def filters_of(query: Mapping[str, str]) -> Filters:
    """The list's filters from a query string; :class:`FieldValidationError` names each bad one."""
    errors: list[dict[str, str]] = []

    def text(name: str) -> str | None:
        value = (query.get(name) or "").strip()
        if len(value) > MAX_TEXT:
            errors.append({"field": name, "message": f"at most {MAX_TEXT} characters"})
            return None
        return value or None

    def yes_no(name: str) -> bool | None:
        value = (query.get(name) or "").strip()
        if not value:
            return None
        if value not in YES_NO:
            errors.append({"field": name, "message": "yes or no"})
            return None
        return YES_NO[value]

    phase_raw = (query.get("phase") or "").strip()
    phase: Phase | None = None
    if phase_raw:
        if phase_raw in PHASES:
            phase = next(p for p in PHASES if p == phase_raw)
        else:
            errors.append({"field": "phase", "message": f"one of {', '.join(PHASES)}"})
    found = Filters(
        q=text("q"),
        phase=phase,
        department=text("department"),
        location=text("location"),
        dormant=yes_no("dormant"),
        eligible=yes_no("eligible"),
    )
    if errors:
        raise FieldValidationError("the query is not valid", errors)
    return found


def _same(a: str | None, b: str) -> bool:
    return a is not None and a.casefold() == b.casefold()


def matches(ambassador: Ambassador, filters: Filters) -> bool:
    """Whether the ambassador is one the filters ask for (search: in the name, id or e-mail
    address, any case; department and location: the whole value, any case)."""
    if filters.q is not None:
        wanted = filters.q.casefold()
        if not any(wanted in v.casefold() for v in (ambassador.name, ambassador.id, str(ambassador.email))):
            return False
    if filters.phase is not None and ambassador.phase != filters.phase:
        return False
    if filters.department is not None and not _same(ambassador.department, filters.department):
        return False
    if filters.location is not None and not _same(ambassador.location, filters.location):
        return False
    if filters.dormant is not None and ambassador.dormant != filters.dormant:
        return False
    return filters.eligible is None or ambassador.eligible_to_share == filters.eligible


# ------------------------------------------------------------------------------------ the roster
@dataclass(frozen=True)
class AmbassadorList:
    filters: Filters
    rows: tuple[Ambassador, ...]
    read: int  # ambassadors the page's Queries read
    token: str | None  # the token of this page (None: the first)
    next_token: str | None


def _eligible_page(limit: int, cursor: Mapping[str, Any] | None) -> Page[Ambassador]:
    page = AmbassadorRepository().eligible_page(limit, cursor)
    stored = AmbassadorRepository().get_many([c.id for c in page.items])
    return Page(items=[stored[c.id].ambassador for c in page.items if c.id in stored], cursor=page.cursor)


def ambassador_list(filters: Filters, next_token: str | None) -> AmbassadorList:
    """A page of the roster with ``filters`` (see the module's docstring for what an index answers)."""
    read: Callable[[int, Mapping[str, Any] | None], Page[Ambassador]]
    if filters.eligible is True:
        scope, partition, read = ELIGIBLE_SCOPE, {keys.GSI2_PK: keys.ELIGIBLE_AMBASSADORS}, _eligible_page
    else:
        scope, partition = LIST_SCOPE, {keys.GSI1_PK: keys.AMBASSADOR_LIST}
        read = ambassadors.list_ambassadors
    cursor: Mapping[str, Any] | None = pagination.decode(next_token, scope, partition=partition)
    rows: list[Ambassador] = []
    seen = 0
    for _read in range(MAX_READS):
        page = read(PAGE_SIZE, cursor)
        seen += len(page.items)
        rows.extend(a for a in page.items if matches(a, filters))
        cursor = page.cursor
        if cursor is None or len(rows) >= PAGE_SIZE:
            break
    return AmbassadorList(
        filters=filters,
        rows=tuple(rows),
        read=seen,
        token=next_token or None,
        next_token=pagination.encode(scope, cursor),
    )


def _yes_no(t: Translator, value: bool) -> str:
    return t("dashboard.ambassadors.yes") if value else t("dashboard.ambassadors.no")


def _eligibility(t: Translator, ambassador: Ambassador) -> str:
    reasons = ambassador.ineligibility
    if not reasons:
        return t("dashboard.ambassadors.yes")
    return t(
        "dashboard.ambassadors.not_eligible",
        reasons=", ".join(t(f"dashboard.ambassadors.reason_{r}") for r in reasons),
    )


def _phase(t: Translator, phase: str | None) -> Cell:
    return t(f"portal.phase.{phase}") if phase else None


def list_table(t: Translator, listed: AmbassadorList) -> Table:
    return Table(
        "ambassadors",
        t("dashboard.ambassadors.caption"),
        (
            Column(t("dashboard.ambassadors.name")),
            Column(t("dashboard.ambassadors.id")),
            Column(t("dashboard.ambassadors.department")),
            Column(t("dashboard.ambassadors.location")),
            Column(t("dashboard.ambassadors.phase")),
            Column(t("dashboard.ambassadors.dormant")),
            Column(t("dashboard.ambassadors.eligible")),
        ),
        tuple(
            (
                Link(a.name, frame.ambassador_url(a.id)),
                a.id,
                a.department or None,
                a.location or None,
                _phase(t, a.phase),
                _yes_no(t, a.dormant),
                _eligibility(t, a),
            )
            for a in listed.rows
        ),
    )


def render_ambassadors(
    t: Translator, listed: AmbassadorList, *, chrome: frame.Chrome = frame.NO_CHROME, may_import: bool = False
) -> str:
    params = listed.filters.params()
    return frame.render(
        "ambassadors",
        t,
        title=t("dashboard.ambassadors.title"),
        chrome=chrome,
        listing=list_table(t, listed),
        csv_href=frame.ambassadors_csv_url(params, listed.token),
        filters=params,
        phases=[(p, t(f"portal.phase.{p}")) for p in PHASES],
        in_pages=listed.filters.in_pages,
        read=listed.read,
        shown=len(listed.rows),
        next_href=frame.ambassadors_url(params, listed.next_token) if listed.next_token else None,
        first_href=frame.ambassadors_url(params) if listed.token else None,
        import_href=frame.ambassadors_import_url() if may_import else None,
    )


def ambassadors_page(
    t: Translator,
    query: Mapping[str, str],
    *,
    chrome: frame.Chrome = frame.NO_CHROME,
    may_import: bool = False,
) -> str:
    listed = ambassador_list(filters_of(query), query.get("next"))
    return render_ambassadors(t, listed, chrome=chrome, may_import=may_import)


def ambassadors_csv(t: Translator, query: Mapping[str, str]) -> str:
    return to_csv(list_table(t, ambassador_list(filters_of(query), query.get("next"))))


# ------------------------------------------------------------------------------------ one ambassador
@dataclass(frozen=True)
class AmbassadorFigures:
    ambassador: Ambassador
    stats: funnels.LinkStats
    journey: journeys.Journey
    links: tuple[tuple[ShareLink, Vacancy | None], ...]  # newest first


def ambassador_figures(ambassador_id: str, *, today: date) -> AmbassadorFigures | None:
    """One ambassador's profile, results, journey and links (None: no such ambassador)."""
    try:
        ambassador = ambassadors.get_ambassador(ambassador_id)
    except NotFoundError:
        return None
    first = today - timedelta(days=funnels.DEFAULT_DAYS - 1)
    stats = funnels.ambassador_stats(ambassador.id, first, today)
    journey = journeys.journey(ambassador.id)
    links = ShareLinkRepository().of_ambassador(ambassador.id)
    stored = VacancyRepository().get_many(link.vacancy_id for link in links) if links else {}
    ordered = sorted(links, key=lambda link: link.created_at, reverse=True)
    return AmbassadorFigures(
        ambassador=ambassador,
        stats=stats,
        journey=journey,
        links=tuple(
            (link, stored[link.vacancy_id].vacancy if link.vacancy_id in stored else None) for link in ordered
        ),
    )


def _by(t: Translator, by: str | None) -> Cell:
    return by or t("dashboard.ambassador.by_programme")


def ambassador_tables(t: Translator, figures: AmbassadorFigures) -> tuple[Table, ...]:
    stats = figures.stats
    range_words = {"first": t.date(stats.first_day), "last": t.date(stats.last_day)}
    return (
        Table(
            "results",
            t("dashboard.ambassador.results_caption", **range_words),
            (Column(t("dashboard.ambassador.step")), Column(t("dashboard.ambassador.count"), True)),
            tuple((t(f"dashboard.metric.{m}"), getattr(stats.totals, m)) for m in RESULT_METRICS),
        ),
        Table(
            "channels",
            t("dashboard.ambassador.channels_caption", **range_words),
            (
                Column(t("dashboard.ambassador.channel")),
                *(Column(t(f"dashboard.metric.{m}"), True) for m in CHANNEL_METRICS),
            ),
            tuple(
                (t.name("channel", c), *(getattr(stats.by_channel[c], m) for m in CHANNEL_METRICS))
                for c in FUNNEL_CHANNELS
                if c in stats.by_channel
            ),
        ),
        Table(
            "rewards",
            t("dashboard.ambassador.rewards_caption"),
            (
                Column(t("dashboard.ambassador.currency")),
                *(
                    Column(t(f"dashboard.ambassador.reward_{s}"), True)
                    for s in ("pending", "eligible", "paid", "cancelled")
                ),
                Column(t("dashboard.ambassador.reward_entries"), True),
            ),
            tuple(
                (r.currency, str(r.pending), str(r.eligible), str(r.paid), str(r.cancelled), r.entries)
                for r in stats.rewards
            ),
        ),
        Table(
            "journey",
            t("dashboard.ambassador.journey_caption"),
            (
                Column(t("dashboard.ambassador.when")),
                Column(t("dashboard.ambassador.from_phase")),
                Column(t("dashboard.ambassador.to_phase")),
                Column(t("dashboard.ambassadors.dormant")),
                Column(t("dashboard.ambassador.in_programme")),
                Column(t("dashboard.ambassador.reason")),
                Column(t("dashboard.ambassador.by")),
            ),
            tuple(
                (
                    e.occurred_at.isoformat(timespec="seconds"),
                    _phase(t, e.from_phase),
                    _phase(t, e.to_phase),
                    _yes_no(t, e.dormant),
                    _yes_no(t, e.in_programme),
                    e.reason,
                    _by(t, e.by),
                )
                for e in reversed(figures.journey.history)
            ),
        ),
        Table(
            "links",
            t("dashboard.ambassador.links_caption"),
            (
                Column(t("dashboard.ambassador.vacancy")),
                Column(t("dashboard.ambassador.link")),
                Column(t("dashboard.ambassador.made")),
            ),
            tuple(
                (
                    Link(vacancy.title, frame.vacancy_url(vacancy.id))
                    if vacancy is not None
                    else t("dashboard.ambassador.no_vacancy", id=link.vacancy_id),
                    link_url(link.code),
                    link.created_at.date(),
                )
                for link, vacancy in figures.links
            ),
        ),
    )


def render_ambassador(
    t: Translator,
    figures: AmbassadorFigures,
    *,
    chrome: frame.Chrome = frame.NO_CHROME,
    may_move: bool = False,
    may_erase: bool = False,
    done: str | None = None,
) -> str:
    a = figures.ambassador
    facts = [
        (t("dashboard.ambassadors.id"), a.id),
        (t("dashboard.ambassador.email"), str(a.email)),
        (t("dashboard.ambassadors.department"), a.department or t("dashboard.table.none")),
        (t("dashboard.ambassadors.location"), a.location or t("dashboard.table.none")),
        (t("dashboard.ambassadors.phase"), t(f"portal.phase.{figures.journey.phase}")),
        (t("dashboard.ambassadors.dormant"), _yes_no(t, figures.journey.dormant)),
        (t("dashboard.ambassador.in_programme"), _yes_no(t, figures.journey.in_programme)),
        (t("dashboard.ambassador.opted_in"), _yes_no(t, a.opted_in)),
        (t("dashboard.ambassadors.eligible"), _eligibility(t, a)),
    ]
    return frame.render(
        "ambassador",
        t,
        title=a.name,
        chrome=chrome,
        facts=facts,
        tables=frame.table_context(ambassador_tables(t, figures)),
        csv_url=lambda name: frame.ambassador_csv_url(a.id, name),
        back_href=frame.ambassadors_url(),
        phases=[(p, t(f"portal.phase.{p}")) for p in PHASES],
        current_phase=figures.journey.phase,
        move_action=frame.ambassador_phase_url(a.id) if may_move else None,
        erase_href=frame.ambassador_erase_url(a.id) if may_erase else None,
        done=done if done in ("moved",) else None,
    )


def ambassador_page(
    t: Translator,
    ambassador_id: str,
    *,
    today: date,
    chrome: frame.Chrome = frame.NO_CHROME,
    may_move: bool = False,
    may_erase: bool = False,
    done: str | None = None,
) -> str | None:
    figures = ambassador_figures(ambassador_id, today=today)
    if figures is None:
        return None
    return render_ambassador(t, figures, chrome=chrome, may_move=may_move, may_erase=may_erase, done=done)


def ambassador_csv(t: Translator, ambassador_id: str, table: str, *, today: date) -> str | None:
    """One of the ambassador page's tables as CSV; None for an unknown ambassador or table."""
    if table not in AMBASSADOR_TABLES:
        return None
    figures = ambassador_figures(ambassador_id, today=today)
    if figures is None:
        return None
    found = find(ambassador_tables(t, figures), table)
    return to_csv(found) if found is not None else None


# ------------------------------------------------------------------------------------ import preview
def _value(t: Translator, value: object) -> str:
    if value is None or value == []:
        return t("dashboard.table.none")
    if isinstance(value, bool):
        return _yes_no(t, value)
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


def _changes(t: Translator, line: imports.PreviewLine) -> str:
    return "; ".join(
        t("dashboard.ambassador_import.change", field=c.field, old=_value(t, c.old), new=_value(t, c.new))
        for c in line.changes
    )


def _errors(line: imports.PreviewLine) -> str:
    return "; ".join(f"{e.get('field')}: {e.get('message')}" for e in line.errors)


def _line_eligibility(t: Translator, line: imports.PreviewLine) -> str:
    if not line.not_eligible:
        return t("dashboard.ambassadors.yes")
    reasons = ", ".join(t(f"dashboard.ambassadors.reason_{r}") for r in line.not_eligible)
    return t("dashboard.ambassadors.not_eligible", reasons=reasons)


def preview_tables(t: Translator, preview: imports.Preview) -> tuple[Table, ...]:
    line_col = Column(t("dashboard.ambassador_import.line"), True)
    id_col = Column(t("dashboard.ambassadors.id"))

    def of(status: str) -> list[imports.PreviewLine]:
        """The first :data:`PREVIEW_ROWS` lines with ``status`` (the caption counts them all)."""
        return [line for line in preview.lines if line.status == status][:PREVIEW_ROWS]

    return (
        Table(
            "new",
            t("dashboard.ambassador_import.new_caption", count=t.number(preview.count("created"))),
            (
                id_col,
                line_col,
                Column(t("dashboard.ambassador_import.values")),
                Column(t("dashboard.ambassadors.eligible")),
            ),
            tuple(
                (line.id, line.line, _changes(t, line), _line_eligibility(t, line)) for line in of("created")
            ),
        ),
        Table(
            "changed",
            t("dashboard.ambassador_import.changed_caption", count=t.number(preview.count("updated"))),
            (
                id_col,
                line_col,
                Column(t("dashboard.ambassador_import.changes")),
                Column(t("dashboard.ambassadors.eligible")),
            ),
            tuple(
                (line.id, line.line, _changes(t, line), _line_eligibility(t, line)) for line in of("updated")
            ),
        ),
        Table(
            "refused",
            t("dashboard.ambassador_import.refused_caption", count=t.number(preview.count("error"))),
            (line_col, id_col, Column(t("dashboard.ambassador_import.why"))),
            tuple((line.line, line.id, _errors(line)) for line in of("error")),
        ),
    )


def render_import(
    t: Translator,
    *,
    chrome: frame.Chrome = frame.NO_CHROME,
    csv_text: str = "",
    preview: imports.Preview | None = None,
    job: imports.ImportReport | None = None,
    error: str | None = None,
) -> str:
    """The import page: the form (a CSV pasted in), or a file's preview with the button that
    imports it, or — after the import started — its job as it stands."""
    return frame.render(
        "ambassador_import",
        t,
        title=t("dashboard.ambassador_import.title"),
        chrome=chrome,
        csv_text=csv_text,
        columns=[(name, t(f"dashboard.ambassador_import.column_{name}")) for name in COLUMNS],
        preview=preview,
        preview_tables=frame.table_context(preview_tables(t, preview)) if preview is not None else None,
        unchanged=preview.count("unchanged") if preview is not None else 0,
        job=_job_table(t, job) if job is not None else None,
        job_errors=_job_errors(t, job) if job is not None else None,
        job_status=t(f"dashboard.ambassador_import.status_{job.status}") if job is not None else None,
        job_warnings=job.warnings if job is not None else [],
        error=error,
        preview_action=frame.ambassadors_import_preview_url(),
        import_action=frame.ambassadors_import_url(),
        back_href=frame.ambassadors_url(),
    )


JOB_COUNTS: tuple[str, ...] = ("created", "updated", "unchanged", "failed", "eligible")


def _job_table(t: Translator, job: imports.ImportReport) -> Table:
    return Table(
        "job",
        t("dashboard.ambassador_import.job_caption"),
        (Column(t("dashboard.ambassador_import.outcome")), Column(t("dashboard.ambassador.count"), True)),
        (
            (t("dashboard.ambassador_import.lines"), job.job.lines),
            *((t(f"dashboard.ambassador_import.count_{name}"), job.job.count(name)) for name in JOB_COUNTS),
        ),
    )


def _job_errors(t: Translator, job: imports.ImportReport) -> Table:
    return Table(
        "job_refused",
        t("dashboard.ambassador_import.job_refused_caption"),
        (
            Column(t("dashboard.ambassador_import.line"), True),
            Column(t("dashboard.ambassadors.id")),
            Column(t("dashboard.ambassador_import.why")),
        ),
        tuple(
            (
                int(line["line"]),
                line.get("id"),
                "; ".join(f"{e.get('field')}: {e.get('message')}" for e in line.get("errors", [])),
            )
            for line in job.lines
        ),
    )

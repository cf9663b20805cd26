"""What every dashboard page shares: the layout it is rendered in and the addresses it links to.

Pages are rendered from ``mail/templates/dashboard`` with the mail's Jinja2 environment
(autoescaped, :func:`kring.mail.render.render_page`) and catalogues, in the talent-team user's
language. The addresses below are the ones the pages link to (the next page, a vacancy, a table's
CSV): the dashboard function's routes answer them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode

from kring import config
from kring.dashboard.tables import Table, shown_rows
from kring.mail.i18n import BRANDS, Translator
from kring.mail.render import render_page

BASE = "/dashboard"


@dataclass(frozen=True)
class NavItem:
    """A link of the layout's navigation (the dashboard function gives them)."""

    href: str
    label: str
    current: bool = False


@dataclass(frozen=True)
class Chrome:
    """What the layout shows around a signed-in page: the pages the user's role may open, who is
    signed in (``user``: a :class:`~kring.models.access.TeamUser`) and the session's CSRF token for
    the sign-out form (and every other form of the page). Empty: a page without them (a test's)."""

    nav: tuple[NavItem, ...] = ()
    user: Any = None
    csrf: str = ""


NO_CHROME = Chrome()


def _with_query(path: str, **params: str | None) -> str:
    given = {name: value for name, value in params.items() if value}
    return f"{path}?{urlencode(given)}" if given else path


def programme_url(by: str | None = None) -> str:
    return _with_query(f"{BASE}/programme", by=by)


def programme_csv_url(table: str, by: str | None = None) -> str:
    return _with_query(f"{BASE}/programme.csv", table=table, by=by)


def vacancies_url(status: str | None = None, next_token: str | None = None) -> str:
    return _with_query(f"{BASE}/vacancies", status=status, next=next_token)


def vacancies_csv_url(status: str | None = None, next_token: str | None = None) -> str:
    return _with_query(f"{BASE}/vacancies.csv", status=status, next=next_token)


def vacancy_url(vacancy_id: str, ambassadors_next: str | None = None) -> str:
    return _with_query(f"{BASE}/vacancies/{quote(vacancy_id, safe='')}", next=ambassadors_next)


def vacancy_csv_url(vacancy_id: str, table: str, ambassadors_next: str | None = None) -> str:
    return _with_query(
        f"{BASE}/vacancies/{quote(vacancy_id, safe='')}.csv", table=table, next=ambassadors_next
    )


def applications_url(next_token: str | None = None) -> str:
    return _with_query(f"{BASE}/applications", next=next_token)


def applications_csv_url(next_token: str | None = None) -> str:
    return _with_query(f"{BASE}/applications.csv", next=next_token)


def application_url(provider: str, application_id: str) -> str:
    return f"{BASE}/applications/{quote(provider, safe='')}/{quote(application_id, safe='')}"


def application_csv_url(provider: str, application_id: str, table: str) -> str:
    return _with_query(
        f"{BASE}/applications/{quote(provider, safe='')}/{quote(application_id, safe='')}.csv", table=table
    )


def rewards_url(status: str | None = None, next_token: str | None = None, **done: str | None) -> str:
    return _with_query(f"{BASE}/rewards", status=status, next=next_token, **done)


def rewards_csv_url(status: str | None = None, next_token: str | None = None) -> str:
    return _with_query(f"{BASE}/rewards.csv", status=status, next=next_token)


def rewards_totals_csv_url() -> str:
    return f"{BASE}/rewards/totals.csv"


def payroll_csv_url(status: str | None = None) -> str:
    return _with_query(f"{BASE}/rewards/payroll.csv", status=status)


def pay_url(ambassador_id: str, reward_id: str) -> str:
    return f"{BASE}/rewards/{quote(ambassador_id, safe='')}/{quote(reward_id, safe='')}/pay"


def pay_batch_url() -> str:
    return f"{BASE}/rewards/pay"


def ambassadors_url(filters: Mapping[str, str | None] | None = None, next_token: str | None = None) -> str:
    return _with_query(f"{BASE}/ambassadors", **(filters or {}), next=next_token)


def ambassadors_csv_url(
    filters: Mapping[str, str | None] | None = None, next_token: str | None = None
) -> str:
    return _with_query(f"{BASE}/ambassadors.csv", **(filters or {}), next=next_token)


def ambassador_url(ambassador_id: str, done: str | None = None) -> str:
    return _with_query(f"{BASE}/ambassadors/{quote(ambassador_id, safe='')}", done=done)


def ambassador_csv_url(ambassador_id: str, table: str) -> str:
    return _with_query(f"{BASE}/ambassadors/{quote(ambassador_id, safe='')}.csv", table=table)


def ambassador_phase_url(ambassador_id: str) -> str:
    return f"{BASE}/ambassadors/{quote(ambassador_id, safe='')}/phase"


def ambassador_erase_url(ambassador_id: str) -> str:
    return f"{BASE}/ambassadors/{quote(ambassador_id, safe='')}/erase"


def ambassador_erased_url(ambassador_id: str) -> str:
    return f"{BASE}/ambassadors/{quote(ambassador_id, safe='')}/erased"


def ambassadors_import_url(job_id: str | None = None) -> str:
    return _with_query(f"{BASE}/ambassadors/import", job=job_id)


def ambassadors_import_preview_url() -> str:
    return f"{BASE}/ambassadors/import/preview"


def render(template: str, t: Translator, *, title: str, chrome: Chrome = NO_CHROME, **context: Any) -> str:
    """``dashboard/<template>.html.j2`` in the layout, with ``title`` as its heading."""
    return render_page(
        template,
        t=t,
        folder="dashboard",
        context={
            "title": title,
            "programme": config.mail().programme_name,
            "nav": chrome.nav,
            "user": chrome.user,
            "csrf": chrome.csrf,
            "brands": BRANDS,
            "rows_of": lambda table: shown_rows(table, t),
            **context,
        },
    )


def table_context(tables: Sequence[Table]) -> dict[str, Table]:
    """The tables by name, for a template."""
    return {table.name: table for table in tables}


def connections_url(done: str | None = None, queue: str | None = None) -> str:
    return _with_query(f"{BASE}/connections", done=done, queue=queue)


def connections_csv_url(table: str) -> str:
    return _with_query(f"{BASE}/connections.csv", table=table)


def connections_redrive_url() -> str:
    return f"{BASE}/connections/redrive"

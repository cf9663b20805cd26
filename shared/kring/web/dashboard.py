"""The talent team's dashboard pages: each takes a :class:`~kring.web.html.Request` and answers a
:class:`~kring.web.html.Reply`.

Server-rendered from ``mail/templates/dashboard`` (one layout, :mod:`kring.dashboard.frame`) in the
user's language (before sign-in: the browser's). The session cookie is ``kring_dashboard``,
``Path=/dashboard``, separate from the portal's. Every ``POST`` of a signed-in page carries the
session's CSRF token and must come from Kring's own origin.

**A page and its role.** The sections of the dashboard are :data:`SECTIONS`, each with the least
role that may open it; the navigation lists the ones the user's role may open. A view asks
:func:`signed_in` for the user with the least role it needs: no session → the sign-in page; a
lesser role → a 403 page (a viewer is refused every change here as the API refuses it). Bad input
(a query or a form) → a 400 page that says what was wrong; nothing is changed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from kring import config, dead_letters
from kring.access import audit, mailed_links, team_sign_in, team_sso
from kring.dal.team_sessions import TeamSession
from kring.dashboard import (
    connections,
    cost_overview,
    frame,
    invitation_overview,
    leaderboard_overview,
    programme_overview,
    vacancy_overview,
)
from kring.errors import FieldValidationError, InvalidInputError, KringError, NotFoundError
from kring.mail.i18n import Translator
from kring.mail.render import render_page
from kring.models.access import Role, TeamUser, allows
from kring.portal import tokens
from kring.web import html
from kring.web.html import Reply, Request

COOKIE = "kring_dashboard"
HOME = "/dashboard"
SIGN_IN = "/dashboard/sign-in"
HEADERS = html.headers()


CSV_HEADERS = {
    **HEADERS,
    "Content-Type": "text/csv; charset=utf-8",
    "Content-Security-Policy": "default-src 'none'; sandbox",
}


@dataclass(frozen=True)
class Section:
    """A part of the dashboard: its page, its words (``dashboard.nav.<key>``) and the least role
    that may open it."""

    key: str
    href: str
    least: Role = "viewer"


SECTIONS: tuple[Section, ...] = (
    Section("programme", frame.programme_url()),
    Section("vacancies", frame.vacancies_url()),
    Section("ambassadors", frame.ambassadors_url()),
    Section("applications", frame.applications_url()),
    Section("rewards", frame.rewards_url()),
    Section("leaderboards", leaderboard_overview.PATH),
    Section("invitations", invitation_overview.PATH),
    Section("cost", cost_overview.PATH),
    Section("connections", frame.connections_url()),
    Section("settings", f"{frame.BASE}/settings"),
    Section("team", f"{frame.BASE}/team", "admin"),
    Section("audit", f"{frame.BASE}/audit", "admin"),
)

SITE = html.Site(COOKIE, HOME, HEADERS)
_cookie = SITE.session_cookie
_redirect = SITE.redirect


def _render(status: int, template: str, t: Translator, title: str, **context: Any) -> Reply:
    page = render_page(
        template,
        t=t,
        folder="dashboard",
        context={"title": title, "programme": config.mail().programme_name, "script": "", **context},
    )
    return Reply(status, page, HEADERS)


def _message(status: int, t: Translator, title_id: str, message: str, **context: Any) -> Reply:
    return _render(status, "message", t, t(title_id), message=message, **context)


def _guest(request: Request) -> Translator:
    return html.translator(html.browser_locale(request.accept_language))


# for the sign-in pages beside these (kring.web.dashboard_sso)
guest_translator = _guest
message_page = _message


@dataclass(frozen=True)
class _Who:
    session: TeamSession
    user: TeamUser
    cookie: str
    t: Translator

    def chrome(self, current: str | None = None) -> frame.Chrome:
        """The layout's navigation (the sections this user's role may open), who they are and the
        CSRF token of the page's forms."""
        nav = tuple(
            frame.NavItem(s.href, self.t(f"dashboard.nav.{s.key}"), s.key == current)
            for s in SECTIONS
            if allows(self.user.role, s.least)
        )
        return frame.Chrome(nav, self.user, self.session.csrf)

    def message(self, status: int, title_id: str, message: str) -> Reply:
        return _message(status, self.t, title_id, message, **_chrome_context(self.chrome()))


def _chrome_context(chrome: frame.Chrome) -> dict[str, Any]:
    return {"nav": chrome.nav, "user": chrome.user, "csrf": chrome.csrf}


def _who(request: Request) -> _Who | None:
    found = team_sign_in.session_of(request.cookie, now=request.now)
    if found is None or request.cookie is None:
        return None
    session, user = found
    return _Who(session, user, request.cookie, html.translator(user.locale))


def signed_in(request: Request, least: Role = "viewer") -> _Who | Reply:
    """The signed-in user if their role is at least ``least``; else the reply to give instead: the
    sign-in page (no session), or a 403 page (a lesser role)."""
    who = _who(request)
    if who is None:
        return _redirect(SIGN_IN)
    if not allows(who.user.role, least):
        role = who.t(f"dashboard.role.{least}")
        return who.message(403, "dashboard.refused.title", who.t("dashboard.refused.body", role=role))
    return who


def posted(request: Request, who: _Who) -> Reply | None:
    """None when a signed-in page's POST is one Kring's own page sent (its form read, from Kring's
    origin, with the session's CSRF token); else the 403 page to answer instead, having changed
    nothing."""
    form = request.form
    own = form is not None and html.own_origin(request.origin)
    if not own or form is None or not tokens.same(who.session.csrf, form.get("csrf")):
        return who.message(403, "portal.error.title", who.t("portal.error.form"))
    return None


def audited(who: _Who, request: Request, *, route: str, target: str | None, summary: str) -> None:
    """Write a change a page made to the audit trail (as the API's middleware does for its own):
    the user, their role, the page's route (``POST /dashboard/...``), what it changed and when.
    Call it after the change succeeded, never for a refused one."""
    audit.record(
        actor=f"user:{who.user.id}",
        actor_name=who.user.name,
        role=who.user.role,
        method=request.method,
        route=route,
        target=target,
        status=303,
        summary=summary,
        now=request.now,
    )


def page_of(request: Request, least: Role, view: Callable[[_Who], Reply]) -> Reply:
    """``view`` for the signed-in user with at least ``least``; bad input it meets (a query that is
    not valid, an unknown page token) → a 400 page, something that is not there → a 404 page."""
    who = signed_in(request, least)
    if isinstance(who, Reply):
        return who
    try:
        return view(who)
    except NotFoundError:
        return who.message(404, "portal.error.title", who.t("portal.error.not_found"))
    except InvalidInputError as error:
        body = who.t("dashboard.invalid.body", detail=_detail(error))
        return who.message(400, "dashboard.invalid.title", body)


def _detail(error: KringError) -> str:
    if isinstance(error, FieldValidationError):
        return "; ".join(f"{d.get('field')}: {d.get('message')}" for d in error.details) or str(error)
    return str(error)


def csv_reply(text: str | None, filename: str) -> Reply | None:
    """A table as a CSV download (None: no such table)."""
    if text is None:
        return None
    disposition = {"Content-Disposition": f'attachment; filename="{filename}"'}
    return Reply(200, text, {**CSV_HEADERS, **disposition})


# --- signing in ------------------------------------------------------------------------------------
def sign_in_page(request: Request) -> Reply:
    t = _guest(request)
    return _render(200, "sign_in", t, t("dashboard.sign_in.title"), error=None, sso=team_sso.enabled())


def request_sign_in(request: Request) -> Reply:
    t = _guest(request)
    form = request.form
    if form is None or not html.own_origin(request.origin):
        return _message(400, t, "portal.error.title", t("portal.error.form"))
    outcome = team_sign_in.request_link(form.get("email", ""), now=request.now)
    if outcome == "invalid":
        error = t("portal.sign_in.invalid")
        return _render(400, "sign_in", t, t("dashboard.sign_in.title"), error=error, sso=team_sso.enabled())
    if outcome == "limited":
        return _message(429, t, "portal.sign_in.limited_title", t("portal.sign_in.limited"))
    # the same answer whether the address is a user's or not
    sent = t("dashboard.sign_in.sent", minutes=mailed_links.LINK_MINUTES)
    return _message(200, t, "portal.sign_in.sent_title", sent)


def sign_in_link_page(request: Request, token: str) -> Reply:
    """The mailed link: a button, nothing used up (a scanner's GET changes nothing)."""
    t = _guest(request)
    if not team_sign_in.link_usable(token, now=request.now):
        return _message(404, t, "portal.sign_in.expired_title", t("portal.sign_in.expired"))
    return _render(200, "sign_in_link", t, t("portal.sign_in.link_title"), action=f"{SIGN_IN}/{token}")


def use_sign_in_link(request: Request, token: str) -> Reply:
    t = _guest(request)
    if not html.own_origin(request.origin):
        return _message(400, t, "portal.error.title", t("portal.error.form"))
    signed_in = team_sign_in.use_link(token, now=request.now)
    if signed_in is None:
        return _message(404, t, "portal.sign_in.expired_title", t("portal.sign_in.expired"))
    max_age = signed_in.session.expires_at - int(request.now.timestamp())
    return _redirect(HOME, (_cookie(signed_in.cookie_value, max_age),))


def sign_out(request: Request) -> Reply:
    who = _who(request)
    if who is None:
        return _redirect(SIGN_IN)
    refused = posted(request, who)
    if refused is not None:
        return refused
    team_sign_in.end_session(who.cookie, who.user, now=request.now)
    page = _message(200, who.t, "dashboard.signed_out.title", who.t("portal.signed_out.body"))
    return replace(page, cookies=(_cookie("", 0),))


# --- the signed-in pages ---------------------------------------------------------------------------
def home(request: Request) -> Reply:
    def view(who: _Who) -> Reply:
        chrome = who.chrome()
        return _render(200, "home", who.t, who.t("dashboard.home.title"), **_chrome_context(chrome))

    return page_of(request, "viewer", view)


def _not_there(who: _Who) -> Reply:
    return who.message(404, "portal.error.title", who.t("portal.error.not_found"))


def programme(request: Request) -> Reply:
    def view(who: _Who) -> Reply:
        by = request.query.get("by")
        body = programme_overview.programme_page(
            who.t, today=request.now.date(), by=by, chrome=who.chrome("programme")
        )
        return Reply(200, body, HEADERS)

    return page_of(request, "viewer", view)


def programme_csv(request: Request) -> Reply:
    def view(who: _Who) -> Reply:
        table, by = request.query.get("table", ""), request.query.get("by")
        text = programme_overview.programme_csv(who.t, table, today=request.now.date(), by=by)
        return csv_reply(text, f"programme-{table}.csv") or _not_there(who)

    return page_of(request, "viewer", view)


def vacancies(request: Request) -> Reply:
    def view(who: _Who) -> Reply:
        body = vacancy_overview.vacancies_page(
            who.t,
            today=request.now.date(),
            status=request.query.get("status"),
            next_token=request.query.get("next"),
            chrome=who.chrome("vacancies"),
        )
        return Reply(200, body, HEADERS)

    return page_of(request, "viewer", view)


def vacancies_csv(request: Request) -> Reply:
    def view(who: _Who) -> Reply:
        text = vacancy_overview.vacancies_csv(
            who.t,
            today=request.now.date(),
            status=request.query.get("status"),
            next_token=request.query.get("next"),
        )
        return csv_reply(text, "vacancies.csv") or _not_there(who)

    return page_of(request, "viewer", view)


def vacancy(request: Request, vacancy_id: str) -> Reply:
    def view(who: _Who) -> Reply:
        body = vacancy_overview.vacancy_page(
            who.t,
            vacancy_id,
            today=request.now.date(),
            ambassadors_next=request.query.get("next"),
            chrome=who.chrome("vacancies"),
        )
        return Reply(200, body, HEADERS) if body is not None else _not_there(who)

    return page_of(request, "viewer", view)


def vacancy_csv(request: Request, vacancy_id: str) -> Reply:
    def view(who: _Who) -> Reply:
        table = request.query.get("table", "")
        text = vacancy_overview.vacancy_csv(
            who.t, vacancy_id, table, today=request.now.date(), ambassadors_next=request.query.get("next")
        )
        return csv_reply(text, f"vacancy-{table}.csv") or _not_there(who)

    return page_of(request, "viewer", view)


def connections_page(request: Request) -> Reply:
    def view(who: _Who) -> Reply:
        body = connections.connections_page(
            who.t,
            chrome=who.chrome("connections"),
            may_redrive=allows(who.user.role, "recruiter"),
            done=request.query.get("done"),
            queue=request.query.get("queue"),
        )
        return Reply(200, body, HEADERS)

    return page_of(request, "viewer", view)


def connections_csv(request: Request) -> Reply:
    def view(who: _Who) -> Reply:
        table = request.query.get("table", "")
        return csv_reply(connections.connections_csv(who.t, table), f"connections-{table}.csv") or _not_there(
            who
        )

    return page_of(request, "viewer", view)


def redrive(request: Request) -> Reply:
    """A recruiter puts a DLQ's parked messages back on their queue (``make redrive``'s logic)."""

    def view(who: _Who) -> Reply:
        refused = posted(request, who)
        if refused is not None:
            return refused
        queue = (request.form or {}).get("queue", "")
        if not queue:
            raise FieldValidationError("no queue", [{"field": "queue", "message": "required"}])
        done = dead_letters.redrive(queue)  # an unknown queue: InvalidInputError → 400, nothing moved
        audited(who, request, route=ROUTE_REDRIVE, target=queue, summary=f"redrive: {done}")
        return _redirect(frame.connections_url(done="redriven", queue=queue))

    return page_of(request, "recruiter", view)


ROUTE_REDRIVE = "POST /dashboard/connections/redrive"


def not_found(request: Request) -> Reply:
    who = _who(request)
    t = who.t if who else _guest(request)
    extra: dict[str, Any] = _chrome_context(who.chrome()) if who else {}
    return _message(404, t, "portal.error.title", t("portal.error.not_found"), **extra)

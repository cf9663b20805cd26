"""The talent team's dashboard pages (so far: signing in and out, and the landing page): each takes
a :class:`~kring.web.html.Request` and answers a :class:`~kring.web.html.Reply`.

Server-rendered from ``mail/templates/dashboard`` (the portal's layout) in the user's language
(before sign-in: the browser's). The session cookie is ``kring_dashboard``, ``Path=/dashboard``,
separate from the portal's. Every ``POST`` of a signed-in page carries the session's CSRF token and
must come from Kring's own origin. The pages only show what a role may do; the API enforces it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from kring import config
from kring.access import mailed_links, team_sign_in
from kring.dal.team_sessions import TeamSession
from kring.mail.i18n import Translator
from kring.mail.render import render_page
from kring.models.access import TeamUser
from kring.portal import tokens
from kring.web import html
from kring.web.html import Reply, Request

COOKIE = "kring_dashboard"
HOME = "/dashboard"
SIGN_IN = "/dashboard/sign-in"
HEADERS = html.headers()


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


@dataclass(frozen=True)
class _Who:
    session: TeamSession
    user: TeamUser
    cookie: str
    t: Translator


def _who(request: Request) -> _Who | None:
    found = team_sign_in.session_of(request.cookie, now=request.now)
    if found is None or request.cookie is None:
        return None
    session, user = found
    return _Who(session, user, request.cookie, html.translator(user.locale))


# --- signing in ------------------------------------------------------------------------------------
def sign_in_page(request: Request) -> Reply:
    t = _guest(request)
    return _render(200, "sign_in", t, t("dashboard.sign_in.title"), error=None)


def request_sign_in(request: Request) -> Reply:
    t = _guest(request)
    form = request.form
    if form is None or not html.own_origin(request.origin):
        return _message(400, t, "portal.error.title", t("portal.error.form"))
    outcome = team_sign_in.request_link(form.get("email", ""), now=request.now)
    if outcome == "invalid":
        return _render(400, "sign_in", t, t("dashboard.sign_in.title"), error=t("portal.sign_in.invalid"))
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
    form = request.form
    if (
        form is None
        or not html.own_origin(request.origin)
        or not tokens.same(who.session.csrf, form.get("csrf"))
    ):
        return _message(
            403, who.t, "portal.error.title", who.t("portal.error.form"), user=who.user, csrf=who.session.csrf
        )
    team_sign_in.end_session(who.cookie, who.user, now=request.now)
    page = _message(200, who.t, "dashboard.signed_out.title", who.t("portal.signed_out.body"))
    return replace(page, cookies=(_cookie("", 0),))


# --- the signed-in pages ---------------------------------------------------------------------------
def home(request: Request) -> Reply:
    who = _who(request)
    if who is None:
        return _redirect(SIGN_IN)
    return _render(200, "home", who.t, who.t("dashboard.home.title"), user=who.user, csrf=who.session.csrf)


def not_found(request: Request) -> Reply:
    who = _who(request)
    t = who.t if who else _guest(request)
    extra: dict[str, Any] = {"user": who.user, "csrf": who.session.csrf} if who else {}
    return _message(404, t, "portal.error.title", t("portal.error.not_found"), **extra)

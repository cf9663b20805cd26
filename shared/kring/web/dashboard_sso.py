"""The dashboard's single sign-on pages (:mod:`kring.access.team_sso`): ``/dashboard/sso`` sends the
browser to the organisation's identity provider, ``/dashboard/sso/callback`` is where it comes
back. The state travels in a cookie of its own (``kring_dashboard_sso``: ``Path=/dashboard``,
``HttpOnly; Secure; SameSite=Lax`` — sent on the provider's top-level redirect back —, 10 minutes),
cleared by the callback whatever it answers. With single sign-on off both are 404 pages."""

from __future__ import annotations

from kring.access import team_sso
from kring.errors import TransientError
from kring.web import dashboard, html
from kring.web.html import Reply, Request

COOKIE = "kring_dashboard_sso"
START = "/dashboard/sso"

# why a callback signed nobody in → (status, title id, message id)
REFUSALS: dict[team_sso.Refused, tuple[int, str, str]] = {
    "invalid": (400, "dashboard.sso.failed_title", "dashboard.sso.failed"),
    "cancelled": (400, "dashboard.sso.failed_title", "dashboard.sso.cancelled"),
    "no_address": (403, "dashboard.sso.not_member_title", "dashboard.sso.no_address"),
    "not_member": (403, "dashboard.sso.not_member_title", "dashboard.sso.not_member"),
    "unavailable": (503, "dashboard.sso.unavailable_title", "dashboard.sso.unavailable"),
}


def _state_cookie(value: str, max_age: int) -> str:
    return html.session_cookie(COOKIE, dashboard.HOME, value, max_age)


def start(request: Request) -> Reply:
    """To the provider (``request.cookie``: this flow's cookie, unused here)."""
    if not team_sso.enabled():
        return dashboard.not_found(request)
    t = dashboard.guest_translator(request)
    try:
        started = team_sso.start(now=request.now)
    except TransientError:
        return dashboard.message_page(
            503, t, "dashboard.sso.unavailable_title", t("dashboard.sso.unavailable")
        )
    cookie = _state_cookie(started.state, team_sso.STATE_MINUTES * 60)
    return html.redirect(started.url, dashboard.HEADERS, (cookie,))


def callback(request: Request) -> Reply:
    """Back from the provider (``request.cookie``: the state cookie): signed in, or a page that
    says why not; no session either way but the one a team user gets."""
    if not team_sso.enabled():
        return dashboard.not_found(request)
    t = dashboard.guest_translator(request)
    cleared = _state_cookie("", 0)
    outcome = team_sso.finish(request.query, request.cookie, now=request.now)
    if isinstance(outcome, str):
        status, title, message = REFUSALS[outcome]
        page = dashboard.message_page(status, t, title, t(message))
        return Reply(page.status, page.body, page.headers, (cleared,))
    max_age = outcome.session.expires_at - int(request.now.timestamp())
    return dashboard.SITE.redirect(
        dashboard.HOME, (cleared, dashboard.SITE.session_cookie(outcome.cookie_value, max_age))
    )

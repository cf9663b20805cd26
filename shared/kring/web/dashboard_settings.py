"""The dashboard's Settings, Team and Audit pages (views; see :mod:`kring.web.dashboard`).

Settings: everyone reads; admins change (the API's settings routes need admin). Team and Audit:
admins only. Every change is a ``POST`` of the page's own form (:func:`~kring.web.dashboard.posted`),
validated by the API's models; a bad form is the page again with status 400, the field named in an
alert, nothing changed; a good one is saved through the API's logic, written to the audit trail and
answered with a redirect to the page saying what was done (Post/Redirect/Get). A new API token's
secret is the one page that is not redirected: it is shown once, not cached.
"""

from __future__ import annotations

from collections.abc import Callable

from kring.dashboard import settings_overview, team_overview
from kring.errors import ConflictError, FieldValidationError
from kring.models.access import allows
from kring.web.dashboard import HEADERS, SITE, _Who, audited, csv_reply, page_of, posted
from kring.web.html import Reply, Request

SETTINGS = settings_overview.URL
TEAM = team_overview.TEAM_URL
AUDIT = team_overview.AUDIT_URL
NO_STORE = {**HEADERS, "Cache-Control": "no-store"}


def _errors(error: FieldValidationError) -> dict[str, str]:
    found: dict[str, str] = {}
    for detail in error.details:
        found.setdefault(str(detail.get("field")), str(detail.get("message")))
    return found


# --- settings ------------------------------------------------------------------------------------
def settings(request: Request) -> Reply:
    def view(who: _Who) -> Reply:
        body = settings_overview.settings_page(
            who.t,
            chrome=who.chrome("settings"),
            can_change=allows(who.user.role, "admin"),
            done=request.query.get("done"),
        )
        return Reply(200, body, HEADERS)

    return page_of(request, "viewer", view)


def change_settings(request: Request, group: str) -> Reply:
    def view(who: _Who) -> Reply:
        refused = posted(request, who)
        if refused is not None:
            return refused
        if group not in settings_overview.GROUPS:
            return who.message(404, "portal.error.title", who.t("portal.error.not_found"))
        form = request.form or {}
        try:
            detail = settings_overview.apply(group, form, request.now)
        except FieldValidationError as error:
            body = settings_overview.settings_page(
                who.t,
                chrome=who.chrome("settings"),
                can_change=True,
                failed=group,
                errors=_errors(error),
                submitted=form,
            )
            return Reply(400, body, HEADERS)
        what = settings_overview.GROUPS[group].what
        audited(who, request, route=f"POST {SETTINGS}/{group}", target=group, summary=f"{what}: {detail}")
        return SITE.redirect(f"{SETTINGS}?done={group}#{settings_overview.SECTION_OF[group]}")

    return page_of(request, "admin", view)


# --- team ----------------------------------------------------------------------------------------
def _team_page(
    request: Request, who: _Who, status: int = 200, errors: list[dict[str, str]] | None = None
) -> Reply:
    body = team_overview.team_page(
        who.t,
        chrome=who.chrome("team"),
        users_token=request.query.get("users"),
        tokens_token=request.query.get("tokens"),
        done=request.query.get("done"),
        errors=errors,
    )
    return Reply(status, body, HEADERS)


def team(request: Request) -> Reply:
    return page_of(request, "admin", lambda who: _team_page(request, who))


def team_csv(request: Request) -> Reply:
    def view(who: _Who) -> Reply:
        table = request.query.get("table", "")
        text = team_overview.team_csv(
            who.t, table, users_token=request.query.get("users"), tokens_token=request.query.get("tokens")
        )
        reply = csv_reply(text, f"team-{table}.csv")
        return reply or who.message(404, "portal.error.title", who.t("portal.error.not_found"))

    return page_of(request, "admin", view)


def _team_change(
    request: Request, who: _Who, route: str, done: str, act: Callable[[], tuple[str, str]]
) -> Reply:
    """``act()`` → (target, summary) → audited → back to the team page saying ``done``; a bad form
    → the page, 400, the field named; a conflict (an address another user has, the bootstrap
    token) → the page, 409, what was wrong said."""
    refused = posted(request, who)
    if refused is not None:
        return refused
    try:
        target, summary = act()
    except FieldValidationError as error:
        return _team_page(request, who, 400, list(error.details))
    except ConflictError as error:
        return _team_page(request, who, 409, [{"field": "form", "message": str(error)}])
    audited(who, request, route=f"POST {route}", target=target, summary=summary)
    return SITE.redirect(f"{TEAM}?done={done}")


def add_user(request: Request) -> Reply:
    def view(who: _Who) -> Reply:
        form = request.form or {}

        def act() -> tuple[str, str]:
            user = team_overview.add_user(form, request.now)
            return user.id, f"user added: {user.name} ({user.role})"

        return _team_change(request, who, f"{TEAM}/users", "user-added", act)

    return page_of(request, "admin", view)


def change_user(request: Request, user_id: str) -> Reply:
    def view(who: _Who) -> Reply:
        form = request.form or {}

        def act() -> tuple[str, str]:
            user, what = team_overview.change_user(user_id, form, request.now)
            return user.id, f"user changed: {what}"

        return _team_change(request, who, f"{TEAM}/users/<user_id>", "user-changed", act)

    return page_of(request, "admin", view)


def remove_user(request: Request, user_id: str) -> Reply:
    def view(who: _Who) -> Reply:
        def act() -> tuple[str, str]:
            user = team_overview.remove_user(user_id)
            return user.id, f"user removed: {user.name} ({user.role})"

        return _team_change(request, who, f"{TEAM}/users/<user_id>/remove", "user-removed", act)

    return page_of(request, "admin", view)


def revoke_token(request: Request, token_id: str) -> Reply:
    def view(who: _Who) -> Reply:
        def act() -> tuple[str, str]:
            token = team_overview.revoke_token(token_id)
            return token.id, f"API token revoked: {token.name} ({token.role})"

        return _team_change(request, who, f"{TEAM}/tokens/<token_id>/revoke", "token-revoked", act)

    return page_of(request, "admin", view)


def create_token(request: Request) -> Reply:
    def view(who: _Who) -> Reply:
        refused = posted(request, who)
        if refused is not None:
            return refused
        try:
            token, secret = team_overview.create_token(request.form or {}, who.user, request.now)
        except FieldValidationError as error:
            return _team_page(request, who, 400, list(error.details))
        audited(
            who,
            request,
            route=f"POST {TEAM}/tokens",
            target=token.id,
            summary=f"API token created: {token.name} ({token.role})",
        )
        body = team_overview.token_created_page(who.t, chrome=who.chrome("team"), token=token, secret=secret)
        return Reply(200, body, NO_STORE)

    return page_of(request, "admin", view)


# --- audit ---------------------------------------------------------------------------------------
def audit(request: Request) -> Reply:
    def view(who: _Who) -> Reply:
        body = team_overview.audit_page(
            who.t, request.query, today=request.now.date(), chrome=who.chrome("audit")
        )
        return Reply(200, body, HEADERS)

    return page_of(request, "admin", view)


def audit_csv(request: Request) -> Reply:
    def view(who: _Who) -> Reply:
        text = team_overview.audit_csv(who.t, request.query, today=request.now.date())
        return csv_reply(text, "audit.csv") or who.message(
            404, "portal.error.title", who.t("portal.error.not_found")
        )

    return page_of(request, "admin", view)

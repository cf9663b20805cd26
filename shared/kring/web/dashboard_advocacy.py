"""The dashboard's leaderboards, invitations and onboarding, and cost per hire pages (see
:mod:`kring.web.dashboard` for sign-in, roles, CSRF and the audit trail of a change).

- ``/dashboard/leaderboards`` (viewer) and its CSV twin: :mod:`kring.dashboard.leaderboard_overview`;
- ``/dashboard/invitations`` (viewer) and its CSV twin; ``POST /dashboard/invitations/launch``
  (recruiter, as ``POST /api/programme/invitations``) launches a campaign;
  ``POST /dashboard/invitations/checklist`` (admin, as ``PUT /api/programme/settings``) saves the
  onboarding checklist: :mod:`kring.dashboard.invitation_overview`;
- ``/dashboard/cost`` (viewer) and its CSV twin: :mod:`kring.dashboard.cost_overview`.

A change: the form's CSRF token and origin checked, the form read (a bad one: a 400 page naming
the field, nothing changed), the API's logic called, the change audited, then a 303 back to the
page, which says what was done.
"""

from __future__ import annotations

from kring.dashboard import cost_overview, invitation_overview, leaderboard_overview
from kring.models.access import allows
from kring.web.dashboard import HEADERS, SITE, _Who, audited, csv_reply, page_of, posted
from kring.web.html import Reply, Request

LAUNCH_ROUTE = f"POST {invitation_overview.LAUNCH_PATH}"
CHECKLIST_ROUTE = f"POST {invitation_overview.CHECKLIST_PATH}"


def _not_there(who: _Who) -> Reply:
    return who.message(404, "portal.error.title", who.t("portal.error.not_found"))


def _leaderboard_query(request: Request) -> leaderboard_overview.Query:
    q = request.query
    return leaderboard_overview.Query(q.get("period"), q.get("at"), q.get("scope"), q.get("next"))


# --- leaderboards ----------------------------------------------------------------------------------
def leaderboards(request: Request) -> Reply:
    def view(who: _Who) -> Reply:
        body = leaderboard_overview.leaderboards_page(
            who.t, _leaderboard_query(request), today=request.now.date(), chrome=who.chrome("leaderboards")
        )
        return Reply(200, body, HEADERS)

    return page_of(request, "viewer", view)


def leaderboards_csv(request: Request) -> Reply:
    def view(who: _Who) -> Reply:
        table = request.query.get("table", "")
        text = leaderboard_overview.leaderboards_csv(
            who.t, table, _leaderboard_query(request), today=request.now.date()
        )
        return csv_reply(text, f"leaderboard-{table}.csv") or _not_there(who)

    return page_of(request, "viewer", view)


# --- invitations and onboarding --------------------------------------------------------------------
def invitations(request: Request) -> Reply:
    def view(who: _Who) -> Reply:
        body = invitation_overview.invitations_page(
            who.t,
            next_token=request.query.get("next"),
            may_launch=allows(who.user.role, "recruiter"),
            may_edit=allows(who.user.role, "admin"),
            done=request.query.get("done"),
            chrome=who.chrome("invitations"),
        )
        return Reply(200, body, HEADERS)

    return page_of(request, "viewer", view)


def invitations_csv(request: Request) -> Reply:
    def view(who: _Who) -> Reply:
        table = request.query.get("table", "")
        text = invitation_overview.invitations_csv(who.t, table, next_token=request.query.get("next"))
        return csv_reply(text, f"invitations-{table}.csv") or _not_there(who)

    return page_of(request, "viewer", view)


def launch_campaign(request: Request) -> Reply:
    """Launch an invitation campaign (recruiter, as the API's route needs)."""

    def view(who: _Who) -> Reply:
        refused = posted(request, who)
        if refused is not None:
            return refused
        campaign = invitation_overview.launch(request.form or {}, by=who.user.name, now=request.now)
        audited(
            who,
            request,
            route=LAUNCH_ROUTE,
            target=campaign.id,
            summary="invitation campaign launched",
        )
        return SITE.redirect(invitation_overview.invitations_url(done="launched"))

    return page_of(request, "recruiter", view)


def save_checklist(request: Request) -> Reply:
    """Save the onboarding checklist (admin: a programme settings change, as the API's route)."""

    def view(who: _Who) -> Reply:
        refused = posted(request, who)
        if refused is not None:
            return refused
        rules = invitation_overview.save_checklist(request.form or {}, now=request.now)
        audited(
            who,
            request,
            route=CHECKLIST_ROUTE,
            target="onboarding checklist",
            summary=f"programme settings changed: {len(rules.onboarding_checklist)} onboarding steps",
        )
        return SITE.redirect(invitation_overview.invitations_url(done="checklist"))

    return page_of(request, "admin", view)


# --- cost per hire and quality ---------------------------------------------------------------------
def cost(request: Request) -> Reply:
    def view(who: _Who) -> Reply:
        body = cost_overview.cost_page(
            who.t,
            period=request.query.get("period"),
            at=request.query.get("at"),
            now=request.now,
            chrome=who.chrome("cost"),
        )
        return Reply(200, body, HEADERS)

    return page_of(request, "viewer", view)


def cost_csv(request: Request) -> Reply:
    def view(who: _Who) -> Reply:
        table = request.query.get("table", "")
        text = cost_overview.cost_csv(
            who.t, table, period=request.query.get("period"), at=request.query.get("at"), now=request.now
        )
        return csv_reply(text, f"cost-{table}.csv") or _not_there(who)

    return page_of(request, "viewer", view)

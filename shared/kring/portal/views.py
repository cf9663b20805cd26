"""The portal's pages: each takes a :class:`Request` and answers a :class:`Reply`.

Server-rendered from ``mail/templates/portal`` with the mail's Jinja2 environment (autoescaped) and
its catalogues, in the ambassador's language (before sign-in: the browser's; on an invitation's
page: the invited person's). Every page but the sign-in pages, a colleague's invitation, the
programme page and a programme invitation needs a session; without one it sends the browser to
sign in.
Every ``POST`` of a signed-in page carries the session's CSRF token and, when the browser says
where it comes from (``Origin``), must come from Kring's own origin.

The session cookie is ``HttpOnly; Secure; SameSite=Lax; Path=/portal`` (:mod:`kring.web.html`, which
the talent team's dashboard shares). Pages may run one script: the copy button's, allowed by its hash.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any, get_args

from kring import config
from kring.dal.mail_preferences import DIGEST_FREQUENCIES, MailPreferences
from kring.dal.portal_store import PortalProfile, Session
from kring.errors import FieldValidationError, NotFoundError
from kring.mail.i18n import BRANDS, Translator, locale_of
from kring.mail.render import render_page
from kring.models.ambassador import Ambassador, LeaderboardDisplay
from kring.models.common import LOCALES, NETWORKS, Locale
from kring.points import leaderboards
from kring.points.ranking_periods import PERIOD_KINDS
from kring.portal import programme, programme_page, sign_in, standings, tokens
from kring.portal.programme import GOAL_STEP, Choices
from kring.programme import campaigns
from kring.web import html

COOKIE = "kring_portal"
HOME = "/portal"
LEADERBOARD_DISPLAYS: tuple[LeaderboardDisplay, ...] = get_args(LeaderboardDisplay)
SIGN_IN = "/portal/sign-in"

COPY_SCRIPT = (
    "document.querySelectorAll('button[data-copy]').forEach(function(b){b.hidden=false;"
    "b.addEventListener('click',function(){var i=document.getElementById(b.dataset.copy);"
    "i.select();var done=function(){b.textContent=b.dataset.done;};"
    "if(navigator.clipboard){navigator.clipboard.writeText(i.value).then(done,function(){"
    "document.execCommand('copy');done();});}else{document.execCommand('copy');done();}});});"
)
HEADERS = html.headers(COPY_SCRIPT)
form_fields = html.form_fields
Request = html.Request
Reply = html.Reply


SITE = html.Site(COOKIE, HOME, HEADERS)
cookie_value = SITE.cookie_value
_session_cookie = SITE.session_cookie
_redirect = SITE.redirect
_browser_locale = html.browser_locale
_t = html.translator
_own_origin = html.own_origin


def _render(
    status: int, template: str, t: Translator, title: str, *, nav: str | None, **context: Any
) -> Reply:
    page = render_page(
        template,
        t=t,
        folder="portal",
        context={
            "title": title,
            "programme": config.mail().programme_name,
            "nav": nav,
            "script": COPY_SCRIPT,
            "brands": BRANDS,
            **context,
        },
    )
    return Reply(status, page, HEADERS)


@dataclass(frozen=True)
class StepView:
    """One step of the talent team's onboarding checklist as the page shows it."""

    id: str
    label: str
    help: str | None
    button: str
    done: bool
    asks_goal: bool


def _steps(t: Translator, profile: PortalProfile) -> list[StepView]:
    """The checklist in the reader's language: the talent team's own words for each step, and the
    catalogue's help and button for the steps Kring knows (a generic button for the others)."""
    return [
        StepView(
            id=item.id,
            label=item.nl if t.locale == "nl" else item.en,
            help=t.optional(f"portal.step_help.{item.id}"),
            button=t.optional(f"portal.step_button.{item.id}") or t("portal.step_button.other"),
            done=item.id in profile.steps_done,
            asks_goal=item.id == GOAL_STEP,
        )
        for item in programme.checklist()
    ]


def _message(
    status: int, t: Translator, title_id: str, message_id: str, *, nav: str | None = None, **params: Any
) -> Reply:
    return _render(status, "message", t, t(title_id), nav=nav, message=t(message_id, **params), csrf="")


@dataclass(frozen=True)
class _Who:
    session: Session
    cookie: str
    locale: Locale
    t: Translator
    ambassador: Ambassador


def _who(request: Request) -> _Who | None:
    session = sign_in.session_of(request.cookie, now=request.now)
    if session is None or request.cookie is None:
        return None
    stored = programme.ambassador(session.ambassador_id)
    if stored is None:  # erased while signed in
        return None
    locale = locale_of(stored.locale)
    return _Who(session, request.cookie, locale, _t(locale), stored)


def _posted(request: Request) -> tuple[_Who | None, Reply | None]:
    """The signed-in ambassador of a POST whose CSRF token and origin are right, or the reply."""
    who = _who(request)
    if who is None:
        return None, _redirect(SIGN_IN)
    form = request.form
    if form is None or not _own_origin(request.origin) or not tokens.same(who.session.csrf, form.get("csrf")):
        return None, _message(403, who.t, "portal.error.title", "portal.error.form", nav="")
    return who, None


def _choices(form: Mapping[str, str], fallback: Locale) -> Choices:
    """The form's choices; :class:`FieldValidationError` for a leaderboard display that is not
    one of the choices (none sent: left as it is)."""
    raw_locale = form.get("locale", fallback)
    networks = tuple(n for n in NETWORKS if form.get(f"network_{n}") == "on")
    raw_display = form.get("leaderboard_display")
    display = next((d for d in LEADERBOARD_DISPLAYS if d == raw_display), None)
    if raw_display is not None and display is None:
        raise FieldValidationError(
            "the form is not valid",
            [{"field": "leaderboard_display", "message": "must be name or department"}],
        )
    return Choices(
        interests=programme.clean_interests(form.get("interests", "")),
        networks=networks,
        locale=locale_of(raw_locale),
        leaderboard_display=display,
    )


# --- signing in ------------------------------------------------------------------------------------
def sign_in_page(request: Request, *, invite: str | None = None) -> Reply:
    t = _t(_browser_locale(request.accept_language))
    return _render(200, "sign_in", t, t("portal.sign_in.title"), nav=None, invite=invite or "", error=None)


def request_sign_in(request: Request) -> Reply:
    t = _t(_browser_locale(request.accept_language))
    form = request.form
    if form is None or not _own_origin(request.origin):
        return _message(400, t, "portal.error.title", "portal.error.form")
    invite = form.get("invite") or None
    outcome = sign_in.request_link(form.get("email", ""), invite=invite, now=request.now)
    if outcome == "invalid":
        return _render(
            400,
            "sign_in",
            t,
            t("portal.sign_in.title"),
            nav=None,
            invite=invite or "",
            error=t("portal.sign_in.invalid"),
        )
    if outcome == "limited":
        return _message(429, t, "portal.sign_in.limited_title", "portal.sign_in.limited")
    # the same answer whether the address is an ambassador's or not
    return _message(200, t, "portal.sign_in.sent_title", "portal.sign_in.sent", minutes=sign_in.LINK_MINUTES)


def sign_in_link_page(request: Request, token: str) -> Reply:
    """The mailed link: a button, nothing used up (a scanner's GET changes nothing)."""
    t = _t(_browser_locale(request.accept_language))
    if not sign_in.link_usable(token, now=request.now):
        return _message(404, t, "portal.sign_in.expired_title", "portal.sign_in.expired")
    return _render(
        200, "sign_in_link", t, t("portal.sign_in.link_title"), nav=None, action=f"/portal/sign-in/{token}"
    )


def use_sign_in_link(request: Request, token: str) -> Reply:
    t = _t(_browser_locale(request.accept_language))
    if not _own_origin(request.origin):
        return _message(400, t, "portal.error.title", "portal.error.form")
    started = sign_in.use_link(token, now=request.now)
    if started is None:
        return _message(404, t, "portal.sign_in.expired_title", "portal.sign_in.expired")
    max_age = started.session.expires_at - int(request.now.timestamp())
    return _redirect(HOME, (_session_cookie(started.cookie_value, max_age),))


def sign_out(request: Request) -> Reply:
    who, refused = _posted(request)
    if who is None:
        return refused or _redirect(SIGN_IN)
    sign_in.end_session(who.cookie)
    page = _message(200, who.t, "portal.signed_out.title", "portal.signed_out.body")
    return replace(page, cookies=(_session_cookie("", 0),))


# --- the signed-in pages ---------------------------------------------------------------------------
def home(request: Request) -> Reply:
    who = _who(request)
    if who is None:
        return _redirect(SIGN_IN)
    ambassador_id = who.session.ambassador_id
    programme.page_opened(ambassador_id)
    shares = programme.shares_this_month(ambassador_id, today=request.now.date())
    return _home(who, who.t("portal.home.title"), shares_this_month=shares, invite=who.session.invite or "")


def _home(who: _Who, title: str, *, shares_this_month: int, invite: str) -> Reply:
    """My programme: the phase, volunteering or the checklist, the goal (also an invitation's page)."""
    profile = programme.portal_profile(who.session.ambassador_id)
    return _render(
        200,
        "home",
        who.t,
        title,
        nav="home",
        csrf=who.session.csrf,
        ambassador=who.ambassador,
        profile=profile,
        steps=_steps(who.t, profile),
        shares_this_month=shares_this_month,
        networks=NETWORKS,
        locales=LOCALES,
        invite=invite,
    )


def vacancies(request: Request) -> Reply:
    who = _who(request)
    if who is None:
        return _redirect(SIGN_IN)
    profile = programme.portal_profile(who.session.ambassador_id)
    found = programme.open_vacancies(who.session.ambassador_id, profile.networks)
    return _render(
        200,
        "vacancies",
        who.t,
        who.t("portal.vacancies.title"),
        nav="vacancies",
        csrf=who.session.csrf,
        vacancies=found,
    )


def results(request: Request) -> Reply:
    who = _who(request)
    if who is None:
        return _redirect(SIGN_IN)
    weeks = programme.weekly_results(who.session.ambassador_id, today=request.now.date())
    return _render(
        200,
        "results",
        who.t,
        who.t("portal.results.title"),
        nav="results",
        csrf=who.session.csrf,
        weeks=weeks,
    )


def leaderboard(request: Request, *, period: str | None = None, board: str | None = None) -> Reply:
    """This ISO week's, month's or quarter's leaderboard (overall, my department's or my
    location's), and my points of that period; a query that names no such board is a 400 page."""
    who = _who(request)
    if who is None:
        return _redirect(SIGN_IN)
    try:
        kind = leaderboards.period_kind(period)
        found = standings.standings(who.ambassador, kind, standings.board_of(board), today=request.now.date())
    except FieldValidationError:
        return _message(400, who.t, "portal.error.title", "portal.leaderboard.bad_query", nav="leaderboard")
    return _render(
        200,
        "leaderboard",
        who.t,
        who.t("portal.leaderboard.title"),
        nav="leaderboard",
        csrf=who.session.csrf,
        ambassador=who.ambassador,
        standings=found,
        board=found.leaderboard,
        kinds=PERIOD_KINDS,
    )


def invite(request: Request) -> Reply:
    who = _who(request)
    if who is None:
        return _redirect(SIGN_IN)
    ambassador_id = who.session.ambassador_id
    return _render(
        200,
        "invite",
        who.t,
        who.t("portal.invite.title"),
        nav="invite",
        csrf=who.session.csrf,
        url=programme.invite_url(ambassador_id),
        recruits=programme.recruits(ambassador_id),
    )


def join(request: Request, code: str) -> Reply:
    """An invitation from a colleague: sign in (the invite goes with the link) or, signed in
    already, volunteer with it."""
    known = tokens.is_invite_code(code) and programme.inviter_of(code) is not None
    who = _who(request)
    t = who.t if who else _t(_browser_locale(request.accept_language))
    if not known:
        return _message(404, t, "portal.join.unknown_title", "portal.join.unknown", nav="" if who else None)
    if who is None:
        return _render(
            200, "sign_in", t, t("portal.join.title"), nav=None, invite=code, error=None, joining=True
        )
    return _home(who, t("portal.join.title"), shares_this_month=0, invite=code)


def volunteer(request: Request) -> Reply:
    who, refused = _posted(request)
    if who is None:
        return refused or _redirect(SIGN_IN)
    form = request.form or {}
    if form.get("consent") != "yes":
        return _message(400, who.t, "portal.error.title", "portal.volunteer.needs_consent", nav="")
    try:
        programme.volunteer(
            who.session.ambassador_id,
            _choices(form, who.locale),
            invite=form.get("invite") or who.session.invite,
            now=request.now,
        )
    except (FieldValidationError, NotFoundError):
        return _message(400, who.t, "portal.error.title", "portal.error.form", nav="")
    return _redirect(HOME)


def complete_step(request: Request, step: str) -> Reply:
    who, refused = _posted(request)
    if who is None:
        return refused or _redirect(SIGN_IN)
    raw_goal = (request.form or {}).get("goal", "")
    goal = int(raw_goal) if raw_goal.isascii() and raw_goal.isdigit() and len(raw_goal) <= 3 else None
    if not programme.complete_step(who.session.ambassador_id, step, goal=goal, now=request.now):
        return _message(400, who.t, "portal.error.title", "portal.error.form", nav="")
    return _redirect(HOME)


def leave(request: Request) -> Reply:
    who, refused = _posted(request)
    if who is None:
        return refused or _redirect(SIGN_IN)
    programme.leave(who.session.ambassador_id, now=request.now)
    return _redirect(HOME)


def rejoin(request: Request) -> Reply:
    who, refused = _posted(request)
    if who is None:
        return refused or _redirect(SIGN_IN)
    programme.rejoin(who.session.ambassador_id, now=request.now)
    return _redirect(HOME)


def preferences(request: Request, *, saved: bool = False) -> Reply:
    who = _who(request)
    if who is None:
        return _redirect(SIGN_IN)
    ambassador_id = who.session.ambassador_id
    return _render(
        200,
        "preferences",
        who.t,
        who.t("portal.preferences.title"),
        nav="preferences",
        csrf=who.session.csrf,
        ambassador=who.ambassador,
        profile=programme.portal_profile(ambassador_id),
        preferences=programme.mail_preferences(ambassador_id),
        frequencies=DIGEST_FREQUENCIES,
        networks=NETWORKS,
        locales=LOCALES,
        saved=saved,
    )


def save_preferences(request: Request) -> Reply:
    who, refused = _posted(request)
    if who is None:
        return refused or _redirect(SIGN_IN)
    form = request.form or {}
    frequency = form.get("digest_frequency", "")
    if frequency not in DIGEST_FREQUENCIES:
        return _message(400, who.t, "portal.error.title", "portal.error.form", nav="")
    try:
        programme.save_preferences(
            who.session.ambassador_id,
            MailPreferences(
                digest_frequency=frequency,
                instant_vacancies=form.get("instant_vacancies") == "on",
                outcome_notices=form.get("outcome_notices") == "on",
            ),
            _choices(form, who.locale),
            now=request.now,
        )
    except (FieldValidationError, NotFoundError):
        return _message(400, who.t, "portal.error.title", "portal.error.form", nav="")
    return _redirect("/portal/preferences?saved=1")


def my_data(request: Request) -> Reply:
    who = _who(request)
    if who is None:
        return _redirect(SIGN_IN)
    data = programme.my_data(who.session.ambassador_id, now=request.now)
    body = json.dumps(data, indent=2, sort_keys=True, default=str, ensure_ascii=False)
    headers = {
        **HEADERS,
        "Content-Type": "application/json; charset=utf-8",
        "Content-Disposition": 'attachment; filename="kring-my-data.json"',
    }
    return Reply(200, body, headers)


# --- the programme page and invitations (Awareness and Interest) ---------------------------------
def _programme_context(request: Request) -> dict[str, Any]:
    page = programme_page.programme_page(request.now)
    return {"page": page, "results": page.results, "reward": page.reward}


def programme_page_view(request: Request) -> Reply:
    """The public programme page; signed in, it is also a programme-page visit (interest)."""
    who = _who(request)
    t = who.t if who else _t(_browser_locale(request.accept_language))
    if who is not None:
        programme.page_opened(who.session.ambassador_id)
    return _render(
        200,
        "programme",
        t,
        t("portal.programme.title", programme=config.mail().programme_name),
        nav="" if who else None,
        csrf=who.session.csrf if who else "",
        signed_in=who is not None,
        **_programme_context(request),
    )


def invitation(request: Request, token: str) -> Reply:
    """A programme invitation's link: the programme page in the invited person's language and the
    one button that mails them a sign-in link. A person's opening is their interest; a machine's
    (a mail scanner, a link preview) records nothing."""
    opened = campaigns.open_invitation(
        token,
        method=request.method,
        user_agent=request.user_agent,
        accept_language=request.accept_language,
        now=request.now,
    )
    if opened is None:
        t = _t(_browser_locale(request.accept_language))
        return _message(404, t, "portal.invitation.unknown_title", "portal.invitation.unknown")
    t = _t(locale_of(opened.ambassador.locale))
    who = _who(request)
    return _render(
        200,
        "invitation",
        t,
        t("portal.invitation.title", programme=config.mail().programme_name),
        nav=None,
        csrf="",
        action=f"/portal/invitation/{token}",
        signed_in=who is not None and who.session.ambassador_id == opened.ambassador.id,
        **_programme_context(request),
    )


def invitation_sign_in(request: Request, token: str) -> Reply:
    """The invitation page's button: a sign-in link mailed to the address on the roster."""
    found = campaigns.invited(token)
    if found is None:
        t = _t(_browser_locale(request.accept_language))
        return _message(404, t, "portal.invitation.unknown_title", "portal.invitation.unknown")
    _invitation, ambassador = found
    t = _t(locale_of(ambassador.locale))
    if request.form is None or not _own_origin(request.origin):
        return _message(400, t, "portal.error.title", "portal.error.form")
    outcome = sign_in.request_link_for(ambassador.id, now=request.now)
    if outcome == "limited":
        return _message(429, t, "portal.sign_in.limited_title", "portal.sign_in.limited")
    return _message(
        200, t, "portal.sign_in.sent_title", "portal.invitation.sent", minutes=sign_in.LINK_MINUTES
    )


def not_found(request: Request) -> Reply:
    who = _who(request)
    t = who.t if who else _t(_browser_locale(request.accept_language))
    return _message(404, t, "portal.error.title", "portal.error.not_found", nav="" if who else None)

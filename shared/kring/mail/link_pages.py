"""The pages behind the signed links of a mail: unsubscribe (RFC 8058) and preferences.

- ``GET /mail/unsubscribe/{token}`` shows what the link would turn off, with one button; it changes
  nothing (mail scanners fetch links).
- ``POST /mail/unsubscribe/{token}`` with ``List-Unsubscribe=One-Click`` (a mail provider's
  one-click request, or the page's button) turns that kind of mail off at once.
- ``GET /mail/preferences/{token}`` shows the ambassador's preferences in a form;
  ``POST`` (with the page's CSRF field) saves them.

Pages are in the ambassador's language; a link Kring did not make is a 404 page that changes
nothing; a bad form is a 400 page. Every page says ``noindex``, sends no referrer (the token is in
the URL) and is never cached.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import parse_qs

from kring import config
from kring.dal.ambassadors import AmbassadorRepository
from kring.dal.mail_preferences import DIGEST_FREQUENCIES, MailPreferenceRepository, MailPreferences
from kring.dal.team_recipients import TeamRecipientRepository
from kring.errors import InvalidInputError
from kring.mail import unsubscribe
from kring.mail.i18n import DEFAULT_LOCALE, Translator
from kring.mail.render import render_page
from kring.models.common import Locale

MAX_FORM_BYTES = 8 * 1024
PAGE_HEADERS = {
    "Content-Type": "text/html; charset=utf-8",
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Robots-Tag": "noindex",
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'"
    ),
}
_ONE_CLICK_MULTIPART = re.compile(rb'name="?List-Unsubscribe"?\r?\n(?:[^\r\n]+\r?\n)*\r?\nOne-Click\r?\n')


@dataclass(frozen=True)
class Page:
    status: int
    html: str


def _translator(locale: Locale) -> Translator:
    return Translator(locale, config.mail().mail_time_zone)


def _page(status: int, template: str, t: Translator, title: str, **context: object) -> Page:
    html = render_page(
        template, t=t, context={"title": title, "programme": config.mail().programme_name, **context}
    )
    return Page(status, html)


def _error(status: int, message_id: str, locale: Locale = DEFAULT_LOCALE) -> Page:
    t = _translator(locale)
    return _page(status, "error", t, t("page.error.title"), message=t(message_id))


def not_found() -> Page:
    """A path no link page has (a token the route cannot hold, a page that does not exist): the
    same page as a link that is not valid, never the API's JSON."""
    return _error(404, "page.error.invalid")


def _ambassador_link(token: str, *, preferences: bool) -> tuple[unsubscribe.LinkToken, Locale] | None:
    try:
        link = unsubscribe.read_token(token)
    except InvalidInputError:
        return None
    if (link.scope == "preferences") != preferences:
        return None
    if link.scope == "team":  # a talent-team address: gone once removed (or unsubscribed)
        member = TeamRecipientRepository().get(link.recipient)
        return (link, member.locale) if member is not None else None
    locale = AmbassadorRepository().locale_of(link.recipient)
    if locale is None:  # erased: the link names nobody any more
        return None
    return link, locale


def _preferences_url(link: unsubscribe.LinkToken) -> str | None:
    """An ambassador's preferences link; a team address has none (it is on the list or not)."""
    return None if link.scope == "team" else unsubscribe.preferences_url(link.recipient)


def form_fields(body: bytes, content_type: str | None) -> dict[str, str] | None:
    """An urlencoded (or, for the one-click request, multipart) form; ``None`` when unreadable."""
    if len(body) > MAX_FORM_BYTES:
        return None
    kind = (content_type or "").split(";")[0].strip().lower()
    if kind == "multipart/form-data":
        return {"List-Unsubscribe": "One-Click"} if _ONE_CLICK_MULTIPART.search(body) else {}
    try:
        parsed = parse_qs(
            body.decode("utf-8"), keep_blank_values=True, strict_parsing=False, max_num_fields=20
        )
    except (UnicodeDecodeError, ValueError):
        return None
    return {k: v[-1] for k, v in parsed.items()}


def unsubscribe_page(token: str) -> Page:
    found = _ambassador_link(token, preferences=False)
    if found is None:
        return _error(404, "page.error.invalid")
    link, locale = found
    t = _translator(locale)
    topic = t(f"topic.{link.scope}")
    return _page(
        200,
        "unsubscribe",
        t,
        t("page.title.unsubscribe", topic=topic),
        topic=topic,
        action=f"/mail/unsubscribe/{token}",
        csrf=unsubscribe.csrf_field(token),
        preferences_url=_preferences_url(link),
    )


def unsubscribe_now(token: str, form: Mapping[str, str] | None, *, now: datetime) -> Page:
    found = _ambassador_link(token, preferences=False)
    if found is None:
        return _error(404, "page.error.invalid")
    link, locale = found
    if form is None or form.get("List-Unsubscribe") != "One-Click":
        return _error(400, "page.error.form", locale)
    if link.scope == "team":
        TeamRecipientRepository().delete(link.recipient)  # the address leaves the team digest
    else:
        repo = MailPreferenceRepository()
        current = repo.get(link.recipient)
        change: dict[str, object] = {
            "digest": {"digest_frequency": "off"},
            "instant": {"instant_vacancies": False},
            "outcomes": {"outcome_notices": False},
            "invitations": {"invitations": False},
        }[link.scope]  # type: ignore[assignment]
        repo.put(link.recipient, current.model_copy(update=change), now=now)
    t = _translator(locale)
    topic = t(f"topic.{link.scope}")
    return _page(
        200,
        "unsubscribed",
        t,
        t("page.unsubscribe.done_title", topic=topic),
        topic=topic,
        preferences_url=_preferences_url(link),
    )


def preferences_page(token: str, *, saved: bool = False) -> Page:
    found = _ambassador_link(token, preferences=True)
    if found is None:
        return _error(404, "page.error.invalid")
    link, locale = found
    t = _translator(locale)
    return _page(
        200,
        "preferences",
        t,
        t("page.title.preferences"),
        preferences=MailPreferenceRepository().get(link.recipient),
        frequencies=DIGEST_FREQUENCIES,
        action=f"/mail/preferences/{token}",
        csrf=unsubscribe.csrf_field(token),
        saved=saved,
    )


def save_preferences(token: str, form: Mapping[str, str] | None, *, now: datetime) -> Page:
    found = _ambassador_link(token, preferences=True)
    if found is None:
        return _error(404, "page.error.invalid")
    link, locale = found
    if form is None or not unsubscribe.csrf_ok(token, form.get("csrf")):
        return _error(400, "page.error.form", locale)
    frequency = form.get("digest_frequency", "")
    if frequency not in DIGEST_FREQUENCIES:
        return _error(400, "page.error.form", locale)
    repo = MailPreferenceRepository()
    repo.put(
        link.recipient,
        MailPreferences(
            digest_frequency=frequency,
            instant_vacancies=form.get("instant_vacancies") == "on",
            outcome_notices=form.get("outcome_notices") == "on",
            invitations=repo.get(link.recipient).invitations,  # not on this form: kept
        ),
        now=now,
    )
    return preferences_page(token, saved=True)

"""What every server-rendered page set (the ambassador portal, the talent team's dashboard) shares:
the request a view reads and the reply it answers, urlencoded forms, session cookies, redirects,
the reader's language, the same-origin check and the security headers.

A session cookie is ``HttpOnly; Secure; SameSite=Lax`` and scoped to its page set's path. Pages are
never cached, send a referrer only to Kring itself and run no script but one allowed by its hash.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, cast
from urllib.parse import parse_qs, urlsplit

from aws_lambda_powertools.event_handler import Response

from kring import config
from kring.errors import InvalidInputError
from kring.mail.i18n import DEFAULT_LOCALE, Translator
from kring.models.common import LOCALES, Locale

if TYPE_CHECKING:
    from aws_lambda_powertools.shared.cookies import Cookie
    from aws_lambda_powertools.utilities.data_classes.common import BaseProxyEvent

MAX_FORM_BYTES = 8 * 1024


def headers(script: str | None = None) -> dict[str, str]:
    """The headers of every page; ``script``: the one inline script it may run."""
    digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode() if script else None
    allowed = f"'sha256-{digest}'" if digest else "'none'"
    return {
        "Content-Type": "text/html; charset=utf-8",
        "Cache-Control": "no-store",
        # same-origin, not no-referrer: with no-referrer a browser's form posts say ``Origin: null``,
        # and the origin check needs the real one; nothing leaves for another site either way
        "Referrer-Policy": "same-origin",
        "X-Robots-Tag": "noindex",
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": (
            f"default-src 'none'; style-src 'unsafe-inline'; script-src {allowed}; "
            "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
        ),
    }


@dataclass(frozen=True)
class Request:
    now: datetime
    cookie: str | None = None  # the session cookie's value
    form: Mapping[str, str] | None = None  # a POST's fields (None: unreadable)
    origin: str | None = None
    accept_language: str | None = None
    user_agent: str | None = None  # only ever classified (a person or a machine), never kept
    method: str = "GET"
    # the query string's parameters (a repeated name: its values comma-joined, as API Gateway gives them)
    query: Mapping[str, str] = field(default_factory=dict)
    # a multipart POST's files by field name (only where a page takes a file: ``request_of(files=True)``)
    files: Mapping[str, bytes] = field(default_factory=dict)


@dataclass(frozen=True)
class Reply:
    status: int
    body: str
    headers: Mapping[str, str] = field(default_factory=headers)
    cookies: tuple[str, ...] = ()


def form_fields(
    body: bytes, content_type: str | None, max_bytes: int = MAX_FORM_BYTES
) -> dict[str, str] | None:
    """An urlencoded form (the last value of a repeated field); ``None`` when unreadable or over
    ``max_bytes``."""
    if len(body) > max_bytes:
        return None
    if (content_type or "").split(";")[0].strip().lower() not in ("application/x-www-form-urlencoded", ""):
        return None
    try:
        parsed = parse_qs(body.decode("utf-8"), keep_blank_values=True, max_num_fields=40)
    except (UnicodeDecodeError, ValueError):
        return None
    return {k: v[-1] for k, v in parsed.items()}


def cookie_named(name: str, cookies: list[str] | None, header: str | None) -> str | None:
    """The cookie ``name`` among the request's cookies (``event.cookies``, or the header)."""
    pairs = list(cookies or []) + ((header or "").split(";") if not cookies else [])
    for pair in pairs:
        found, _, raw = pair.strip().partition("=")
        if found == name and raw:
            return raw
    return None


def session_cookie(name: str, path: str, value: str, max_age: int) -> str:
    return f"{name}={value}; Path={path}; Max-Age={max_age}; HttpOnly; Secure; SameSite=Lax"


def redirect(location: str, page_headers: Mapping[str, str], cookies: tuple[str, ...] = ()) -> Reply:
    return Reply(303, "", {**page_headers, "Location": location}, cookies)


@dataclass(frozen=True)
class Site:
    """One page set: its session cookie's name, its home (the cookie's path) and its headers."""

    cookie: str
    home: str
    headers: Mapping[str, str]

    def cookie_value(self, cookies: list[str] | None, header: str | None) -> str | None:
        """The session cookie among the request's cookies (``event.cookies``, or the header)."""
        return cookie_named(self.cookie, cookies, header)

    def session_cookie(self, value: str, max_age: int) -> str:
        return session_cookie(self.cookie, self.home, value, max_age)

    def redirect(self, location: str, cookies: tuple[str, ...] = ()) -> Reply:
        return redirect(location, self.headers, cookies)


def browser_locale(accept_language: str | None) -> Locale:
    for part in (accept_language or "").split(","):
        tag = part.split(";")[0].strip().lower()[:2]
        for locale in LOCALES:
            if tag == locale:
                return locale
    return DEFAULT_LOCALE


def translator(locale: Locale) -> Translator:
    return Translator(locale, config.mail().mail_time_zone)


def own_origin(origin: str | None) -> bool:
    """A POST's ``Origin`` is Kring's own (or absent: not a browser's cross-site request — browsers
    send Origin with every POST form)."""
    if origin is None:
        return True
    base = urlsplit(config.links().base)
    return origin == f"{base.scheme}://{base.netloc}"


# --- the HTTP API's side: an API Gateway v2 request in, a Powertools response out --------------------
def request_of(
    event: BaseProxyEvent,
    cookie: str,
    now: datetime,
    max_form_bytes: int = MAX_FORM_BYTES,
    *,
    files: bool = False,
) -> Request:
    """What a view reads of the request: the session cookie ``cookie``, a POST's form (of at most
    ``max_form_bytes``; with ``files``, a ``multipart/form-data`` form too, its files apart), the
    origin, the languages."""
    form: dict[str, str] | None = None
    uploaded: dict[str, bytes] = {}
    if event.http_method.upper() == "POST":
        raw = event.get("body") or ""
        content_type = event.headers.get("content-type")
        try:
            body = base64.b64decode(raw) if event.get("isBase64Encoded") else str(raw).encode("utf-8")
            if files and _is_multipart(content_type) and len(body) <= max_form_bytes:
                from kring.roster import csv_files  # only the pages that take a file need it

                form, uploaded = csv_files.multipart_form(body, content_type or "")
            else:
                form = form_fields(body, content_type, max_form_bytes)
        except (ValueError, InvalidInputError):  # base64 that is not one; a form that is not one
            form, uploaded = None, {}
    return Request(
        now=now,
        cookie=cookie_named(cookie, event.get("cookies"), event.headers.get("cookie")),
        form=form,
        origin=event.headers.get("origin"),
        accept_language=event.headers.get("accept-language"),
        user_agent=event.headers.get("user-agent"),
        method=event.http_method.upper(),
        query=dict(event.query_string_parameters or {}),
        files=uploaded,
    )


def _is_multipart(content_type: str | None) -> bool:
    return (content_type or "").split(";")[0].strip().lower() == "multipart/form-data"


def response_of(reply: Reply) -> Response[str]:
    return Response(
        status_code=reply.status,
        headers=dict(reply.headers),
        body=reply.body,
        cookies=cast("list[Cookie]", list(reply.cookies)) or None,  # Set-Cookie values as made by pages
    )

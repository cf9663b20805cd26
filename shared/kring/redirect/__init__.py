"""The redirect — ``GET`` and ``HEAD /r/{code}``, Kring's hot path.

:func:`redirect` takes a plain :class:`Request` and answers a plain :class:`Response`:

1. the code's format is checked first: a malformed code is a 404 page without any lookup;
2. the visitor is classified (:mod:`~kring.redirect.classify`), the channel found
   (:mod:`~kring.redirect.channel`);
3. the link and its vacancy are resolved through in-memory caches (:mod:`~kring.redirect.resolve`);
   an unknown code is a 404 page and nothing is counted;
4. a fresh click token is drawn; the answer is a ``302`` to the vacancy page — or, for a closed or
   draft vacancy, to the organisation's careers page — with utm parameters and the token
   (:mod:`~kring.redirect.target`); ``Cache-Control: no-store``, ``Referrer-Policy: no-referrer``,
   no cookie;
5. ``LinkClicked`` is emitted with the token as ``click_id`` and the visitor's daily keyed hash,
   never the IP address or user agent (:mod:`~kring.redirect.emit`); it never blocks the answer.

When the table cannot be read for a link that is not cached, or the visitor-hash key cannot be
had, the visitor is still sent on (careers page, resp. the vacancy without a token) and the click
is not counted; both are logged at ERROR.

Standard library and botocore only (isbot's patterns are vendored): no pydantic, no Powertools, no boto3 —
the redirect's cold start is a feature. Nothing here reads the environment at import.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from kring.links.click_tokens import new_click_token
from kring.links.visitors import network_hash, visitor_hash
from kring.redirect import settings as settings_module
from kring.redirect.budget import Budget
from kring.redirect.cache import LruCache
from kring.redirect.channel import channel as channel_of
from kring.redirect.channel import referer_host
from kring.redirect.classify import Classifier, Verdict
from kring.redirect.emit import ClickEmitter
from kring.redirect.not_found import NOT_FOUND_HTML
from kring.redirect.resolve import Link, Resolver, StoreUnavailable
from kring.redirect.settings import RedirectSettings
from kring.redirect.target import is_redirectable, with_attribution
from kring.redirect.visitor_key import VisitorKey

log = logging.getLogger("kring.redirect")

# kring.models.common.SHARE_CODE_LENGTH base62 characters (kring.links.codes.is_share_code; a test
# keeps the two the same).
_SHARE_CODE = re.compile(r"[0-9A-Za-z]{10}")

# Why no-referrer: the redirect's own URL never becomes the vacancy page's Referer (a redirect
# keeps the referrer of the page that linked), but this policy also governs that page's URL —
# a webmail folder, an intranet page, a LinkedIn post — which the ATS has no need to see: the
# channel travels in utm_source and the attribution in the click token.
REFERRER_POLICY = "no-referrer"
_ALWAYS = {"Cache-Control": "no-store", "Referrer-Policy": REFERRER_POLICY}


@dataclass(frozen=True, slots=True)
class Request:
    method: str  # GET or HEAD
    code: str
    channel_parameter: str | None = None  # the tracked link's ?ch=
    user_agent: str | None = None
    accept_language: str | None = None
    referer: str | None = None
    source_ip: str = ""
    received_at_ms: int | None = None  # API Gateway's requestContext.timeEpoch


@dataclass(frozen=True, slots=True)
class Response:
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: str = ""


def is_share_code(code: str) -> bool:
    return _SHARE_CODE.fullmatch(code) is not None


def _iso(moment: datetime) -> str:
    """As kring.events serialises ``occurred_at``: UTC, ISO 8601, ``Z``."""
    return moment.isoformat().replace("+00:00", "Z")


class Redirector:
    def __init__(
        self,
        settings: RedirectSettings,
        *,
        resolver: Resolver,
        classifier: Classifier,
        emitter: ClickEmitter,
        visitor_key: VisitorKey,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.settings = settings
        self.resolver = resolver
        self.classifier = classifier
        self.emitter = emitter
        self.visitor_key = visitor_key
        self._clock = clock

    @classmethod
    def from_settings(cls, settings: RedirectSettings) -> Redirector:
        resolver = Resolver(
            settings.table_name,
            link_cache=LruCache(settings.link_cache_size, settings.link_cache_seconds),
            vacancy_cache=LruCache(settings.vacancy_cache_size, settings.vacancy_cache_seconds),
            missing_codes=LruCache(settings.missing_code_cache_size, settings.link_cache_seconds),
        )
        return cls(
            settings,
            resolver=resolver,
            classifier=Classifier(settings.user_agent_cache_size),
            emitter=ClickEmitter(settings.event_bus_name, settings.click_spool_queue_url),
            visitor_key=VisitorKey(settings),
        )

    def handle(self, request: Request, budget: Budget) -> Response:
        head = request.method.upper() == "HEAD"
        if not is_share_code(request.code):
            return _not_found(head)
        host = referer_host(request.referer)
        channel = channel_of(request.channel_parameter, host)
        try:
            link = self.resolver.link(request.code, budget)
            if link is None:
                return _not_found(head)
            vacancy = self.resolver.vacancy(link.vacancy_id, budget)
        except StoreUnavailable as exc:
            log.error("click not counted, sent to the careers page: the table could not be read (%s)", exc)
            return self._found(self._careers(channel, None))
        # Classified only now: a scan of unknown codes costs no user-agent matching.
        verdict = self.classifier.classify(request.method, request.user_agent, request.accept_language)
        closed = not (vacancy.live and is_redirectable(vacancy.url))
        moment = datetime.fromtimestamp(
            (request.received_at_ms if request.received_at_ms else self._clock() * 1000) / 1000, UTC
        )
        salt = self.visitor_key.salt(moment.date(), budget)
        if salt is None:
            log.error(
                "click not counted: no visitor-hash key",
                extra={"code": link.code, "channel": channel, "visitor_kind": verdict.kind},
            )
            return self._found(self._destination(vacancy.url, vacancy.provider, closed, channel, None))
        token = new_click_token()
        location = self._destination(vacancy.url, vacancy.provider, closed, channel, token)
        detail = _detail(
            token=token,
            link=link,
            channel=channel,
            host=host,
            visitor=visitor_hash(salt, request.source_ip, request.user_agent or ""),
            network=network_hash(salt, request.source_ip),
            verdict=verdict,
            closed=closed,
            occurred_at=_iso(moment),
        )
        self.emitter.emit(detail, budget)
        return self._found(location)

    def _destination(
        self, url: str | None, provider: str | None, closed: bool, channel: str, token: str | None
    ) -> str:
        if closed or url is None:
            return self._careers(channel, token)
        return with_attribution(
            url,
            channel=channel,
            click_token=token,
            token_parameter=self.settings.click_token_parameter,
            provider=provider,
        )

    def _careers(self, channel: str, token: str | None) -> str:
        return with_attribution(
            self.settings.careers_page_url,
            channel=channel,
            click_token=token,
            token_parameter=self.settings.click_token_parameter,
        )

    @staticmethod
    def _found(location: str) -> Response:
        return Response(302, {"Location": location, **_ALWAYS})


def _detail(
    *,
    token: str,
    link: Link,
    channel: str,
    host: str | None,
    visitor: str,
    network: str,
    verdict: Verdict,
    closed: bool,
    occurred_at: str,
) -> dict[str, Any]:
    """The LinkClicked detail (kring.events.LinkClicked, version 1), built without pydantic."""
    return {
        "version": 1,
        "occurred_at": occurred_at,
        "correlation_id": token,
        "click_id": token,
        "code": link.code,
        "vacancy_id": link.vacancy_id,
        "ambassador_id": link.ambassador_id,
        "channel": channel,
        "referer_host": host,
        "visitor": visitor,
        "network": network,
        "visitor_kind": verdict.kind,
        "bot_reason": verdict.reason,
        "vacancy_closed": closed,
    }


def _not_found(head: bool) -> Response:
    headers = {
        "Content-Type": "text/html; charset=utf-8",
        "X-Content-Type-Options": "nosniff",
        **_ALWAYS,
    }
    return Response(404, headers, "" if head else NOT_FOUND_HTML)


@lru_cache(maxsize=1)
def redirector() -> Redirector:
    """The container's redirector, its caches and clients (built on the first request)."""
    return Redirector.from_settings(settings_module.settings())


def redirect(request: Request, remaining_ms: Callable[[], int] | None = None) -> Response:
    """Answer one ``GET``/``HEAD /r/{code}``; ``remaining_ms`` is Lambda's remaining time."""
    return redirector().handle(request, Budget(remaining_ms))


def clear_caches() -> None:
    """Forget the settings, caches and key (tests, after changing the environment)."""
    redirector.cache_clear()
    settings_module.clear_cache()

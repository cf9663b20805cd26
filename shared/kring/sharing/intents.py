"""The share intent: an ambassador pressed "share on <network>" (``GET /s/{code}/{network}``).

:func:`share` checks the request, marks the ambassador's own visitor hash for the day, emits
``ShareIntended`` and answers where to send the ambassador: the network's own share dialog,
carrying their tracked link with the channel in it (``/r/{code}?ch={network}``) and, where the
network takes text, a suggested message (:mod:`kring.sharing.texts`) in the ambassador's language —
their audience's —, or the vacancy's when their profile is gone (erased; the links are kept).

A machine following the button — an e-mail security scanner opening every link of a digest, a
link preview, a crawler (classified as the redirect classifies visitors) — is sent on to the same
dialog, but nothing is recorded: nobody shared anything.

Refusals change nothing (no marker, no event): a malformed or unknown code is
:class:`~kring.errors.NotFoundError`, an unknown network :class:`~kring.errors.InvalidInputError`,
and a vacancy that is not published (closed, or draft) :class:`VacancyNotOpenError` — the
ambassador pressed a button in an older digest; there is nothing to share, and sending them to a
share dialog would only spread a dead link.

Order of the writes: the own-visitor marker first (a failure there propagates: the request fails
before anyone can click the link), then the event. Publishing is best-effort: the ambassador gets
to the share dialog whatever the bus does — an HTTP GET from a phone has nobody to retry it, and
refusing the share would lose far more than the event. A failed publish (after the publisher's
own retries) is logged at ERROR with the whole event and counted (``ShareIntentNotPublished``,
alarmed), so it can be put back on the bus from the log; the recorder counts each ``intent_id``
once, so putting it back twice is harmless.

Pure logic: no boto3 (that is :mod:`kring.dal`), no HTTP shapes (that is the function).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from urllib.parse import quote, urlencode
from uuid import uuid4

from kring import config
from kring.clicks import counting
from kring.dal import ambassadors, own_visitors, share_links
from kring.dal.vacancies import VacancyRepository
from kring.errors import GoneError, InvalidInputError, NotFoundError
from kring.events import ShareIntended
from kring.integrations.eventbridge import EventPublisher, default_publisher
from kring.integrations.secrets import get_secret
from kring.links.codes import is_share_code, link_url
from kring.links.visitors import SECRET_NAME as VISITOR_KEY_SECRET
from kring.links.visitors import daily_salt, visitor_hash
from kring.models.common import NETWORKS, Locale, Network
from kring.observability import logger, metrics
from kring.redirect.classify import Classifier
from kring.sharing import texts


@dataclass(frozen=True)
class ShareRequest:
    """What the share button's request says. ``source_ip`` and ``user_agent`` only ever become a
    visitor hash: they are not stored, logged or published."""

    code: str
    network: str
    source_ip: str
    user_agent: str
    accept_language: str | None = None
    correlation_id: str | None = None


class VacancyNotOpenError(GoneError):
    """The link's vacancy is closed or still a draft; ``language`` is the page's (the ambassador's,
    else the vacancy's)."""

    def __init__(self, vacancy_id: str, language: Locale) -> None:
        super().__init__(f"vacancy {vacancy_id} is not open")
        self.vacancy_id = vacancy_id
        self.language = language


class VisitorKeyMissingError(RuntimeError):
    """An installation without the visitor-hash-key secret: an operator error, answered 500."""


def share(
    request: ShareRequest,
    *,
    publisher: EventPublisher | None = None,
    now: datetime | None = None,
    vacancies: VacancyRepository | None = None,
) -> str:
    """Record the intent and return the share dialog's URL (the ``Location`` of the 302)."""
    if not is_share_code(request.code):
        raise NotFoundError("no such share link")
    network = _network(request.network)
    link = share_links.ShareLinkRepository().get(request.code)
    if link is None:
        raise NotFoundError("no such share link")
    stored = (vacancies or VacancyRepository()).get(link.vacancy_id)
    # The ambassador's language (their audience's), else — no profile: erased — the vacancy's.
    language: Locale = ambassadors.AmbassadorRepository().locale_of(link.ambassador_id) or (
        stored.vacancy.language if stored else texts.DEFAULT_LOCALE
    )
    if stored is None or stored.vacancy.status != "published":
        metrics.add_metric(name="ShareIntentVacancyNotOpen", unit="Count", value=1)
        raise VacancyNotOpenError(link.vacancy_id, language)
    dialog = dialog_url(network, link_url(link.code, network), stored.vacancy.title, language)

    verdict = _classifier().classify("GET", request.user_agent, request.accept_language)
    if verdict.is_bot:
        # A mail gateway (Safe Links, Proofpoint, …) opening the buttons of a digest, a preview or a
        # crawler: it gets the same 302, but nobody shared anything — no marker, no event.
        logger.info("share button followed by a machine: not recorded", extra={"kind": verdict.kind})
        metrics.add_metric(name="ShareIntentByMachine", unit="Count", value=1)
        return dialog

    moment = (now or datetime.now(UTC)).astimezone(UTC)
    day = moment.date()
    visitor = visitor_hash(daily_salt(_visitor_key(), day), request.source_ip, request.user_agent)
    window_days = config.attribution().attribution_window_days
    own_visitors.OwnVisitorRepository().mark(
        link.ambassador_id,
        day,
        visitor,
        expires_at=counting.visitor_day_retained_until(day.isoformat(), window_days),
    )

    event = ShareIntended(
        intent_id=uuid4().hex,
        code=link.code,
        vacancy_id=link.vacancy_id,
        ambassador_id=link.ambassador_id,
        network=network,
        visitor=visitor,
        occurred_at=moment,
        **({"correlation_id": request.correlation_id} if request.correlation_id else {}),
    )
    _publish_best_effort(publisher or default_publisher(), event)
    return dialog


@lru_cache(maxsize=1)
def _classifier() -> Classifier:
    """The redirect's visitor classification (every signal, isbot's pattern for crawlers)."""
    return Classifier(cache_size=1024)


def _network(candidate: str) -> Network:
    wanted = candidate.lower()
    for network in NETWORKS:
        if network == wanted:
            return network
    raise InvalidInputError(f"unknown network; use one of: {', '.join(NETWORKS)}")


def _visitor_key() -> bytes:
    key = get_secret(VISITOR_KEY_SECRET)
    if not key:
        raise VisitorKeyMissingError(
            f"the secret {VISITOR_KEY_SECRET!r} is not set (SSM in AWS, KRING_VISITOR_HASH_KEY locally)"
        )
    return key.encode("utf-8")


def _publish_best_effort(publisher: EventPublisher, event: ShareIntended) -> None:
    try:
        publisher.publish([event])
    except Exception:  # deliberate, see the module docstring: the share dialog comes first
        logger.exception(
            "ShareIntended not published; put this detail back on the bus to recover it",
            extra={
                "source": event.SOURCE,
                "detail_type": event.detail_type(),
                "detail": event.model_dump(mode="json"),
            },
        )
        metrics.add_metric(name="ShareIntentNotPublished", unit="Count", value=1)
    else:
        metrics.add_metric(name="ShareIntended", unit="Count", value=1)


# ------------------------------------------------------------------------------ share dialogs
LINKEDIN = "https://www.linkedin.com/sharing/share-offsite/"
X = "https://x.com/intent/post"
FACEBOOK = "https://www.facebook.com/sharer/sharer.php"
WHATSAPP = "https://wa.me/"


def dialog_url(network: Network, link: str, title: str, language: Locale) -> str:
    """The network's own share dialog for ``link``. LinkedIn and Facebook take only the URL (they
    build the preview from the page); X, WhatsApp and e-mail also get the suggested text."""
    if network == "linkedin":
        return f"{LINKEDIN}?{_query(url=link)}"
    if network == "facebook":
        return f"{FACEBOOK}?{_query(u=link)}"
    if network == "x":
        return f"{X}?{_query(text=texts.post(language, title), url=link)}"
    if network == "whatsapp":
        return f"{WHATSAPP}?{_query(text=f'{texts.post(language, title)} {link}')}"
    subject, body = texts.email(language, title, link)
    crlf_body = body.replace("\n", "\r\n")
    return f"mailto:?{_query(subject=subject, body=crlf_body)}"


def _query(**parameters: str) -> str:
    """Every reserved character percent-encoded, spaces as ``%20`` (RFC 3986, and RFC 6068 for
    ``mailto:``, whose line breaks are ``%0D%0A``)."""
    return urlencode(parameters, quote_via=quote, safe="")

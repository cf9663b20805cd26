"""Which vacancy URLs Kring may hand an ambassador, and the form in which it stores them.

An ambassador must never be handed a link that leads somewhere the organisation did not publish.
So a vacancy URL from an ATS is read the way a browser reads it — the WHATWG URL rules, through
Ada (the ``ada-url`` package, the parser Node.js uses) — and taken only when that reading lands on

- the provider's job board *and the organisation's own account on it*
  (:class:`~kring.integrations.ats.base.JobBoard`: ``jobs.lever.co/<LeverSite>/…``,
  ``<RecruiteeSubdomain>.recruitee.com``, …), never another customer's page on the same shared
  host, and never another provider's job board; or
- one of the organisation's own careers hosts (``CAREERS_HOSTS``: exact, or ``*.example.com``
  for its subdomains), for a vacancy of any provider. An entry there on a provider's own domain
  (``jobs.lever.co``, ``*.teamtailor.com``) or as broad as ``*.com`` is ignored, and logged: it
  would let in every customer of that provider.

What is ambiguous is refused before it is parsed, even where a browser would make sense of it:
anything but ``https://`` followed by a host, a backslash (a browser reads it as ``/``), user info
(``…@host``), a percent sign in the host, spaces and control characters, URLs over
:data:`MAX_URL` characters. After parsing: a port other than 443, an IP address, a host ending in
a dot. A URL the parser refuses (``https://[evil.com/x``, a full-width slash) is refused too — the
check never raises, so a hostile URL can never turn a webhook into an error.

A URL that is taken is stored as the parser writes it (``href``): plain ASCII, the host in IDNA
(``xn--…``), everything else percent-encoded, dot segments resolved. The redirect writes that into
``Location`` as it is, so it needs no parser of its own on its hot path.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache

from ada_url import HostType, parse_url

from kring import config
from kring.integrations.ats.base import BoardPage, JobBoard
from kring.observability import logger

MAX_URL = 2000
_SCHEME = "https://"
# Spaces, C0 and C1 controls, DEL, and the backslash (which a browser reads as "/").
_UNSAFE = re.compile(r"[\x00-\x20\x7f-\x9f\\]")
_PARSED = ("href", "username", "password", "protocol", "port", "hostname", "pathname", "host_type")


@dataclass(frozen=True)
class UrlVerdict:
    """The stored form of an accepted URL (``url``), or why it was refused (``reason``); ``host``
    is the host a browser would go to, where it could be read (for logs)."""

    url: str | None
    reason: str | None = None
    host: str | None = None

    @property
    def accepted(self) -> bool:
        return self.url is not None


def check(provider: str, url: object) -> UrlVerdict:
    """Whether a vacancy of ``provider`` may send ambassadors' candidates to ``url`` (see the
    module docstring). Never raises for any ``url``."""
    from kring.integrations.ats import registry  # every provider module: where a URL is checked only

    boards = registry.job_boards()
    own = boards.get(provider)
    if own is None:
        return UrlVerdict(None, f"unknown provider {provider[:40]!r}")
    return check_against(url, own, tuple(boards.values()), config.vacancies().careers_hosts)


def check_against(
    url: object, own: JobBoard, boards: tuple[JobBoard, ...], careers_hosts: tuple[str, ...]
) -> UrlVerdict:
    """:func:`check` with the job boards and careers hosts given: the provider's own board, every
    provider's board (their domains are never careers hosts), and the configured careers hosts."""
    parsed = browser_view(url)
    if isinstance(parsed, UrlVerdict):
        return parsed
    href, host, path = parsed
    if host_allowed(host, usable_careers_hosts(careers_hosts, _domains(boards))):
        return UrlVerdict(href, host=host)
    if any(_on_page(host, path, page) for page in own.pages):
        return UrlVerdict(href, host=host)
    if _under(host, own.domains):
        if not own.pages:
            reason = f"{own.parameter} is not set: the shared job board's pages cannot be told apart"
        else:
            reason = f"not the organisation's account on the job board ({own.parameter})"
        return UrlVerdict(None, reason, host)
    if _under(host, _domains(boards)):
        return UrlVerdict(None, "another provider's job board", host)
    return UrlVerdict(None, "not a careers host of the organisation (CareersHosts)", host)


def stored_form(url: str | None) -> str | None:
    """``url`` as :func:`check` would store it (the parser's ``href``), whatever the hosts allowed;
    ``None`` for ``None`` or a URL it refuses outright. For comparing a feed's URL with a stored one."""
    if url is None:
        return None
    parsed = browser_view(url)
    return None if isinstance(parsed, UrlVerdict) else parsed[0]


def browser_view(url: object) -> tuple[str, str, str] | UrlVerdict:
    """``(href, host, path)`` as a browser reads ``url``, or a refusal (:class:`UrlVerdict`) for
    anything that is not plainly an https URL of a named host on the default port."""
    if not isinstance(url, str):
        return UrlVerdict(None, "not text")
    written = _ambiguous_as_written(url)
    if written is not None:
        return UrlVerdict(None, written)
    try:
        parts = parse_url(url, attributes=_PARSED)
    except ValueError:  # Ada refuses it (UnicodeEncodeError, a lone surrogate, is one too)
        return UrlVerdict(None, "not a URL a browser can open")
    host = str(parts["hostname"])
    parsed = _ambiguous_as_parsed(parts, host)
    if parsed is not None:
        return UrlVerdict(None, parsed, host)
    return str(parts["href"]), host, str(parts["pathname"])


def _ambiguous_as_written(url: str) -> str | None:
    """Why ``url`` is refused before it is parsed, or ``None``."""
    if len(url) > MAX_URL:
        return f"longer than {MAX_URL} characters"
    if _UNSAFE.search(url):
        return "a space, control character or backslash"
    if url[: len(_SCHEME)].lower() != _SCHEME:
        return "not https://<host>"
    return _ambiguous_authority(re.split(r"[/?#]", url[len(_SCHEME) :], maxsplit=1)[0])


def _ambiguous_authority(authority: str) -> str | None:
    """Why the authority as written (between ``https://`` and the path) is refused, or ``None``."""
    if not authority:
        return "no host after https://"
    if "@" in authority:
        return "user info before the host"
    if "%" in authority:
        return "a percent-encoded host"
    return None


def _ambiguous_as_parsed(parts: Mapping[str, object], host: str) -> str | None:
    """Why the parsed URL is refused, or ``None``."""
    if parts["protocol"] != "https:" or parts["username"] or parts["password"]:
        return "not https://<host>"
    if parts["port"]:
        return f"port {parts['port']}: only the default port is taken"
    if parts["host_type"] != HostType.DEFAULT or not host:
        return "an IP address, not a host name"
    if host.endswith("."):
        return "a host ending in a dot"
    href = str(parts["href"])
    if not (href.isascii() and href.isprintable()):  # Ada's href always is: Location needs it
        return "not plain ASCII once parsed"
    return None


def host_allowed(host: str, allowed: Iterable[str]) -> bool:
    """``host`` is one of ``allowed``, or a subdomain of an entry written ``*.example.com``."""
    for entry in allowed:
        if entry.startswith("*."):
            if host.endswith(entry[1:]) and len(host) > len(entry) - 1:
                return True
        elif host == entry:
            return True
    return False


@lru_cache(maxsize=16)
def usable_careers_hosts(entries: tuple[str, ...], provider_domains: tuple[str, ...]) -> tuple[str, ...]:
    """The careers hosts that are the organisation's own: an entry on a provider's domain (or a
    wildcard covering one) would let in that provider's every customer, and a wildcard of fewer
    than two labels (``*.com``) every site; both are dropped, and logged once per configuration."""
    usable: list[str] = []
    for entry in entries:
        name = entry.strip().lower()
        wildcard = name.startswith("*.")
        base = name[2:] if wildcard else name
        covers_provider = any(
            _under(base, (domain,)) or (wildcard and _under(domain, (base,))) for domain in provider_domains
        )
        too_broad = wildcard and base.count(".") < 1
        if covers_provider or too_broad or not base:
            logger.error(
                "careers host ignored: it is not the organisation's own",
                extra={
                    "entry": entry[:100],
                    "reason": "too broad" if too_broad or not base else "a provider's job board",
                },
            )
            continue
        usable.append(name)
    return tuple(usable)


def _on_page(host: str, path: str, page: BoardPage) -> bool:
    if host != page.host.lower():
        return False
    if page.account is None:
        return True
    segment = path.split("/")[1] if path.startswith("/") else ""
    return bool(page.account) and segment.lower() == page.account.lower()


def _under(host: str, domains: Iterable[str]) -> bool:
    return any(host == domain or host.endswith("." + domain) for domain in domains)


def _domains(boards: tuple[JobBoard, ...]) -> tuple[str, ...]:
    return tuple(domain for board in boards for domain in board.domains)

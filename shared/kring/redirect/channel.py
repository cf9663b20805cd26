"""The channel a click came through: the ``ch`` parameter of the tracked link when it names a
network (the share buttons add it), else the Referer's host, else ``direct``.

Only the Referer's host is ever kept (lower-case, without port): the path of a page someone came
from can hold personal data (a webmail folder, a search).
"""

from __future__ import annotations

from urllib.parse import urlsplit

# kring.models.common.NETWORKS, repeated here so the redirect does not import pydantic; a unit
# test keeps the two equal.
NETWORKS = frozenset({"linkedin", "x", "facebook", "whatsapp", "email"})
CHANNEL_PARAMETER = "ch"  # kring.links.codes.CHANNEL_PARAMETER, likewise checked by a test
DIRECT = "direct"
MAX_HOST = 253

# host (or the registrable domain it ends in) → channel
_HOSTS = {
    "linkedin.com": "linkedin",
    "lnkd.in": "linkedin",
    "t.co": "x",
    "x.com": "x",
    "twitter.com": "x",
    "facebook.com": "facebook",
    "fb.me": "facebook",
    "fb.com": "facebook",
    "messenger.com": "facebook",
    "whatsapp.com": "whatsapp",
    "whatsapp.net": "whatsapp",
    "wa.me": "whatsapp",
    "mail.google.com": "email",
    "outlook.live.com": "email",
    "outlook.office.com": "email",
    "outlook.office365.com": "email",
    "mail.yahoo.com": "email",
    "mail.proton.me": "email",
    "mail.aol.com": "email",
    "mail.zoho.com": "email",
    "mail.zoho.eu": "email",
    "webmail.kpnmail.nl": "email",
}
# Hosts of webmail that only have a recognisable first label (mail.example.nl, webmail.isp.com).
_MAIL_LABELS = ("mail.", "webmail.")


def referer_host(referer: str | None) -> str | None:
    if not referer:
        return None
    try:
        host = urlsplit(referer.strip()).hostname
    except ValueError:
        return None
    if not host:
        return None
    return host.lower().rstrip(".")[:MAX_HOST] or None


def channel_of_host(host: str | None) -> str | None:
    if not host:
        return None
    candidate = host
    while True:
        if candidate in _HOSTS:
            return _HOSTS[candidate]
        dot = candidate.find(".")
        if dot < 0:
            break
        candidate = candidate[dot + 1 :]
    if host.startswith(_MAIL_LABELS):
        return "email"
    return None


def channel(parameter: str | None, host: str | None) -> str:
    if parameter:
        named = parameter.strip().lower()
        if named in NETWORKS:
            return named
    return channel_of_host(host) or DIRECT

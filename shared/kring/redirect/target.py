"""Where a click is sent: the vacancy page (or the careers page), with attribution on the URL.

The page's own query is kept as the ATS wrote it (a bare flag, a Latin-1 escape, a ``;``: re-encoding
them could break its page); ours is added after it and overrides a parameter of the same name:

- ``utm_source`` = the channel, ``utm_medium`` = ``employee_advocacy``, ``utm_campaign`` = ``kring``
  — what every analytics tool and most ATSs read;
- the click token under the configured name (``kref`` by default), which the ATS carries into the
  application (source, referring URL, custom fields) for attribution to find;
- where the ATS has a native source parameter, that too: Lever keeps ``lever-source[]`` in the
  application's sources, so a Lever vacancy gets ``lever-source[]=kring-<token>``.

Never the ambassador's id, name or e-mail, and never the share code: the click token is random
and means something only to Kring.
"""

from __future__ import annotations

from urllib.parse import quote, unquote_plus, urlencode, urlsplit, urlunsplit

UTM_MEDIUM = "employee_advocacy"
UTM_CAMPAIGN = "kring"
LEVER_SOURCE_PARAMETER = "lever-source[]"
LEVER_SOURCE_PREFIX = "kring-"
# Kept as they are: every printable ASCII character but the space (so ``%XX`` escapes stay too).
_AS_IS = "".join(chr(code) for code in range(0x21, 0x7F))


def with_attribution(
    url: str,
    *,
    channel: str,
    click_token: str | None,
    token_parameter: str,
    provider: str | None = None,
) -> str:
    """``url`` with our parameters (see the module docstring). Without a token (a click that is
    not counted) only the utm parameters are added."""
    ours: list[tuple[str, str]] = [
        ("utm_source", channel),
        ("utm_medium", UTM_MEDIUM),
        ("utm_campaign", UTM_CAMPAIGN),
    ]
    if click_token is not None:
        ours.append((token_parameter, click_token))
        if provider == "lever":
            ours.append((LEVER_SOURCE_PARAMETER, LEVER_SOURCE_PREFIX + click_token))
    parts = urlsplit(url)
    replaced = {name for name, _ in ours}
    kept = [
        _ascii(pair)
        for pair in parts.query.split("&")
        if pair and unquote_plus(pair.partition("=")[0]) not in replaced
    ]
    query = "&".join([*kept, urlencode(ours)])
    return urlunsplit((parts.scheme, parts.netloc, _ascii(parts.path), query, _ascii(parts.fragment)))


def _ascii(text: str) -> str:
    """``text`` with a space or any non-ASCII character percent-encoded (UTF-8): the URL goes out
    in the ``Location`` header."""
    return quote(text, safe=_AS_IS)


def is_redirectable(url: str | None) -> bool:
    """Whether a stored vacancy URL may go into ``Location`` as it is: ``https://`` and a host, in
    printable ASCII without spaces, with no backslash, user info or port. Every URL stored through
    :mod:`kring.intake.vacancy_urls` is (that check, with the WHATWG parser, runs when the vacancy is
    written, off this hot path); anything else — a row written before it, or by hand — sends the
    click to the careers page instead of somewhere a browser would read differently."""
    if not url or not url.isascii() or not url.isprintable() or " " in url or "\\" in url:
        return False
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    netloc = parts.netloc
    return parts.scheme == "https" and bool(parts.hostname) and "@" not in netloc and ":" not in netloc

"""Mails and mail pages from Jinja2 templates (``mail/templates``), autoescaped.

Every mail has an HTML part and a plain-text part rendered from two templates of the same name
(``<kind>.html.j2`` and ``<kind>.txt.j2``, each extending its layout), in the reader's language
(:mod:`kring.mail.i18n`), with ``lang`` set. The HTML layout is tables and inline styles — what
Outlook and Gmail keep — one column that fills a phone's width and stops at 600 px: its ``<style>``
block is inlined into the elements by ``css-inline``. SES makes the MIME message of the two parts
(:mod:`kring.integrations.ses`), with the RFC 8058 headers.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from kring.mail.i18n import Translator
from kring.models.common import Locale

if TYPE_CHECKING:
    from jinja2 import Environment


@dataclass(frozen=True)
class RenderedMail:
    subject: str
    html: str
    text: str
    lang: Locale


@lru_cache(maxsize=1)
def environment() -> Environment:
    from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

    return Environment(
        loader=PackageLoader("kring.mail", "templates"),
        autoescape=select_autoescape(enabled_extensions=("html.j2",), default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


@lru_cache(maxsize=1)
def _inliner() -> Any:
    import css_inline

    return css_inline.CSSInliner(keep_style_tags=False, load_remote_stylesheets=False)


def render_mail(template: str, *, t: Translator, subject: str, context: Mapping[str, Any]) -> RenderedMail:
    """``template``'s HTML and text parts; ``context`` needs what the layout shows (``programme``,
    ``topic``, ``unsubscribe_url``, ``preferences_url``) beside the kind's own."""
    env = environment()
    values = {**context, "t": t, "lang": t.locale, "subject": subject}
    html = env.get_template(f"{template}.html.j2").render(values)
    text = env.get_template(f"{template}.txt.j2").render(values)
    return RenderedMail(subject=subject, html=_inliner().inline(html), text=_tidy(text), lang=t.locale)


def render_page(template: str, *, t: Translator, context: Mapping[str, Any], folder: str = "pages") -> str:
    """A server-rendered page (``<folder>/<template>.html.j2``: ``pages`` for the mail's link
    pages, ``portal`` for the ambassador portal), its styles left in a ``<style>``."""
    return (
        environment()
        .get_template(f"{folder}/{template}.html.j2")
        .render({**context, "t": t, "lang": t.locale})
    )


def _tidy(text: str) -> str:
    """At most one empty line in a row, no trailing spaces."""
    lines = [line.rstrip() for line in text.strip().splitlines()]
    out: list[str] = []
    for line in lines:
        if line or (out and out[-1]):
            out.append(line)
    return "\n".join(out) + "\n"

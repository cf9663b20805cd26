"""What Kring suggests an ambassador says when they share a vacancy, in the vacancy's language.

All ambassador-facing wording of the share button lives here (the suggested post, the e-mail, the
page for a vacancy that is no longer open), so it can move to the Jinja2 templates of the digests
later without touching the logic. Plain ``str.format``: these are one-liners.

English avoids an article before the title ("a" / "an" depends on how the title sounds, which a
rule on its first letter gets wrong for "User Researcher" or "SEO Specialist").
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

from kring.models.common import Locale

DEFAULT_LOCALE: Locale = "en"


@dataclass(frozen=True)
class Texts:
    post: str  # X and WhatsApp: one line; the link goes after it
    email_subject: str
    email_body: str  # {title} and {link}; \n line breaks
    closed_title: str
    closed_message: str


TEXTS: dict[Locale, Texts] = {
    "nl": Texts(
        post="We zoeken een {title}! Is dit iets voor jou of voor iemand die je kent?",
        email_subject="Vacature: {title}",
        email_body=(
            "Hoi,\n\n"
            "We zoeken een {title}. Is dit iets voor jou, of ken je iemand voor wie het op het lijf "
            "geschreven is?\n\n"
            "Hier lees je er alles over: {link}\n\n"
            "Groeten,\n"
        ),
        closed_title="Deze vacature is niet meer open",
        closed_message=(
            "Er valt hier niets meer te delen, want deze vacature staat niet meer open. Bedankt dat "
            "je wilde helpen! In je volgende overzicht zie je welke vacatures nu openstaan."
        ),
    ),
    "en": Texts(
        post="We're hiring: {title}! Is this for you or someone you know?",
        email_subject="Job opening: {title}",
        email_body=(
            "Hi,\n\n"
            "We're hiring: {title}. Could this be for you, or do you know someone it would suit?\n\n"
            "Here's everything about the job: {link}\n\n"
            "Best,\n"
        ),
        closed_title="This job is no longer open",
        closed_message=(
            "There's nothing to share here any more: this vacancy has closed. Thanks for wanting to "
            "help! Your next digest shows the jobs that are open now."
        ),
    ),
}

# "(m/v)", "(m/v/x)", "(f/m/d)", "(m/w/d)" and the like: fine on a job board, odd in a message.
_GENDER_MARKER = re.compile(r"\s*\((?:[a-z]\s*/\s*)+[a-z]\)\s*$", re.IGNORECASE)


def texts(locale: Locale) -> Texts:
    return TEXTS[locale]


def title_for_message(title: str) -> str:
    """The job title as it reads in a sentence: trimmed, without a trailing gender marker."""
    cleaned = _GENDER_MARKER.sub("", " ".join(title.split()))
    return cleaned or " ".join(title.split())


def post(locale: Locale, title: str) -> str:
    return texts(locale).post.format(title=title_for_message(title))


def email(locale: Locale, title: str, link: str) -> tuple[str, str]:
    """Subject and body of the suggested e-mail."""
    chosen = texts(locale)
    clean = title_for_message(title)
    return chosen.email_subject.format(title=clean), chosen.email_body.format(title=clean, link=link)


def closed_page(locale: Locale) -> str:
    """A small HTML page for the ambassador who pressed a share button of a closed vacancy."""
    chosen = texts(locale)
    return _PAGE.format(
        lang=locale, title=html.escape(chosen.closed_title), message=html.escape(chosen.closed_message)
    )


_PAGE = """<!doctype html>
<html lang="{lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>{title}</title>
<style>
body{{font-family:system-ui,sans-serif;max-width:32rem;margin:4rem auto;padding:0 1rem;line-height:1.5}}
</style>
</head>
<body>
<h1>{title}</h1>
<p>{message}</p>
</body>
</html>
"""

"""Every word of a mail or a mail page in the reader's language (``nl`` or ``en``), and dates,
numbers and money written their way (Babel's CLDR data: ``4 december 2026``, ``1.234``,
``€ 500,00`` in Dutch; ``4 December 2026``, ``1,234``, ``€500.00`` in English).

The words live in one catalogue per language: ``catalogues/<locale>.json`` and, for a part of Kring
with many words of its own (a dashboard page), ``catalogues/<part>/<locale>.json`` beside it — each a
flat map of message ids to text with ``{name}`` placeholders, read as one map (an id given twice is
an error). A test keeps the catalogues' ids and placeholders equal.
Templates call ``t("id", name=value)``, ``t.date(day)``, ``t.number(n)``, ``t.money(amount, "EUR")``.

A message whose words depend on a number ("1 new vacancy", "3 new vacancies") is an object of CLDR
plural forms instead of a text (``{"one": "…", "other": "…"}``, the forms the language uses), and
is called as ``t.plural("id", n, **params)``: the form is chosen by ``n``, which is given to the
text as ``{count}``, written the reader's way.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from importlib import resources
from importlib.resources.abc import Traversable
from zoneinfo import ZoneInfo

from babel import Locale as CldrLocale
from babel.dates import format_date, format_datetime
from babel.numbers import format_currency, format_decimal

from kring.models.common import LOCALES, Locale

DEFAULT_LOCALE: Locale = "en"
# The CLDR locale each language is written in: British English for "en" (4 December 2026, €1,250.50),
# Netherlands Dutch for "nl" (4 december 2026, € 1.250,50).
CLDR = {"en": "en_GB", "nl": "nl_NL"}


# Names that are brands, written the same in every language (the networks and the ATSs); every
# other name a mail gives an id is a catalogue word (``channel.email``, ``method.click_token``).
BRANDS = {
    "linkedin": "LinkedIn",
    "x": "X",
    "facebook": "Facebook",
    "whatsapp": "WhatsApp",
    "greenhouse": "Greenhouse",
    "lever": "Lever",
    "ashby": "Ashby",
    "recruitee": "Recruitee",
    "teamtailor": "Teamtailor",
    "workable": "Workable",
    "smartrecruiters": "SmartRecruiters",
}

Message = str | dict[str, str]  # a text, or a text per CLDR plural form


def _read(path: Traversable, locale: Locale) -> dict[str, Message]:
    data = json.loads(path.read_text("utf-8"))
    if not isinstance(data, dict):
        raise ValueError(f"catalogue {path.name} of {locale} is not a JSON object")
    return {
        str(k): {str(form): str(words) for form, words in v.items()} if isinstance(v, dict) else str(v)
        for k, v in data.items()
    }


@lru_cache(maxsize=len(LOCALES))
def catalogue(locale: Locale) -> dict[str, Message]:
    folder = resources.files("kring.mail").joinpath("catalogues")
    messages = _read(folder.joinpath(f"{locale}.json"), locale)
    for part in sorted((p for p in folder.iterdir() if p.is_dir()), key=lambda p: p.name):
        more = _read(part.joinpath(f"{locale}.json"), locale)
        twice = messages.keys() & more.keys()
        if twice:
            raise ValueError(f"catalogue {part.name}/{locale}.json gives {sorted(twice)} again")
        messages.update(more)
    return messages


@lru_cache(maxsize=4096)
def plural_form(locale: Locale, count: int) -> str:
    """The CLDR plural form of ``count`` in ``locale``: ``one`` or ``other`` in Dutch and English
    (kept: a digest asks a dozen times, for the same few counts as every other digest)."""
    return str(CldrLocale.parse(CLDR[locale]).plural_form(count))


def plural_forms(locale: Locale) -> frozenset[str]:
    """Every plural form ``locale`` writes (``other`` is always one of them)."""
    return frozenset(CldrLocale.parse(CLDR[locale]).plural_form.tags) | {"other"}


def locale_of(raw: object) -> Locale:
    """A supported locale, else the default (a profile written before locales were checked)."""
    for locale in LOCALES:
        if raw == locale:
            return locale
    return DEFAULT_LOCALE


@lru_cache(maxsize=4096)
def _whole_number(locale: Locale, number: int) -> str:
    """A whole number the locale's way (a digest writes a dozen: Babel's formatting, once each)."""
    return format_decimal(number, locale=CLDR[locale])


@lru_cache(maxsize=4096)
def _long_date(locale: Locale, day: date) -> str:
    """A day the locale's way (the digests of one run write the same few days: Babel's formatting,
    once each)."""
    return format_date(day, format="long", locale=CLDR[locale])


class Translator:
    """The words and formats of one locale; callable: ``t("id", **params)``."""

    def __init__(self, locale: Locale, time_zone: str = "Europe/Amsterdam") -> None:
        self.locale: Locale = locale
        self._cldr = CLDR[locale]
        self._messages = catalogue(locale)
        self.zone = ZoneInfo(time_zone)

    def __call__(self, message_id: str, **params: object) -> str:
        text = self._messages[message_id]  # a missing id is a bug: the catalogue test finds it
        if not isinstance(text, str):
            raise TypeError(f"{message_id} has plural forms: call t.plural({message_id!r}, count)")
        return text.format(**params) if params else text

    def optional(self, message_id: str) -> str | None:
        """The text of ``message_id`` when the catalogue has one (for ids made of the talent
        team's own names, such as an onboarding step's)."""
        text = self._messages.get(message_id)
        return text if isinstance(text, str) else None

    def plural(self, message_id: str, count: int, **params: object) -> str:
        """The form of ``message_id`` that ``count`` takes, with ``{count}`` written the reader's way."""
        forms = self._messages[message_id]
        if isinstance(forms, str):
            raise TypeError(f"{message_id} has no plural forms: call t({message_id!r})")
        text = forms.get(plural_form(self.locale, count), forms["other"])
        return text.format(**{**params, "count": self.number(count)})

    def name(self, kind: str, value: str) -> str:
        """How a mail names the id ``value`` of a ``kind`` (``channel``, ``method``, ``provider``):
        its brand, or the catalogue's word ``<kind>.<value>``."""
        return BRANDS.get(value) or self(f"{kind}.{value}")

    def date(self, day: date | datetime) -> str:
        if isinstance(day, datetime):
            day = day.astimezone(self.zone).date()
        return _long_date(self.locale, day)

    def datetime(self, moment: datetime) -> str:
        return format_datetime(moment, format="long", tzinfo=self.zone, locale=self._cldr)

    def number(self, number: int | Decimal | float) -> str:
        if isinstance(number, int):
            return _whole_number(self.locale, number)
        return format_decimal(number, locale=self._cldr)

    def money(self, amount: Decimal | int | str, currency: str) -> str:
        return format_currency(Decimal(str(amount)), currency, locale=self._cldr)

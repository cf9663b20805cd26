"""Every word of a mail or a mail page in the reader's language (``nl`` or ``en``), and dates,
numbers and money written their way (Babel's CLDR data: ``4 december 2026``, ``1.234``,
``€ 500,00`` in Dutch; ``4 December 2026``, ``1,234``, ``€500.00`` in English).

The words live in one catalogue per language (``catalogues/<locale>.json``: a flat map of message
ids to text with ``{name}`` placeholders); a test keeps the catalogues' ids and placeholders equal.
Templates call ``t("id", name=value)``, ``t.date(day)``, ``t.number(n)``, ``t.money(amount, "EUR")``.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from importlib import resources
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime
from babel.numbers import format_currency, format_decimal

from kring.models.common import LOCALES, Locale

DEFAULT_LOCALE: Locale = "en"
# The CLDR locale each language is written in: British English for "en" (4 December 2026, €1,250.50),
# Netherlands Dutch for "nl" (4 december 2026, € 1.250,50).
CLDR = {"en": "en_GB", "nl": "nl_NL"}


@lru_cache(maxsize=len(LOCALES))
def catalogue(locale: Locale) -> dict[str, str]:
    text = resources.files("kring.mail").joinpath("catalogues", f"{locale}.json").read_text("utf-8")
    data = json.loads(text)
    if not isinstance(data, dict):
        raise ValueError(f"catalogue {locale} is not a JSON object")
    return {str(k): str(v) for k, v in data.items()}


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


class Translator:
    """The words and formats of one locale; callable: ``t("id", **params)``."""

    def __init__(self, locale: Locale, time_zone: str = "Europe/Amsterdam") -> None:
        self.locale: Locale = locale
        self._cldr = CLDR[locale]
        self._messages = catalogue(locale)
        self.zone = ZoneInfo(time_zone)

    def __call__(self, message_id: str, **params: object) -> str:
        text = self._messages[message_id]  # a missing id is a bug: the catalogue test finds it
        return text.format(**params) if params else text

    def date(self, day: date | datetime) -> str:
        if isinstance(day, datetime):
            day = day.astimezone(self.zone).date()
        return format_date(day, format="long", locale=self._cldr)

    def datetime(self, moment: datetime) -> str:
        return format_datetime(moment, format="long", tzinfo=self.zone, locale=self._cldr)

    def number(self, number: int | Decimal | float) -> str:
        if isinstance(number, int):
            return _whole_number(self.locale, number)
        return format_decimal(number, locale=self._cldr)

    def money(self, amount: Decimal | int | str, currency: str) -> str:
        return format_currency(Decimal(str(amount)), currency, locale=self._cldr)

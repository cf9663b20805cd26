"""The one place for the nudges a digest ends with: which one fits an ambassador, and its words.

A nudge is a key and its parameters (:class:`Nudge`); the mail template renders it in the
ambassador's locale from :data:`NUDGES`, the table of texts — Dutch and English side by side, with
the parameters each one takes — so the programme work can refine the words without touching the
logic. A test keeps every text formattable with exactly the parameters its key is given.

Which nudge (:func:`choose_nudge`):

- a **dormant** ambassador (a status beside the phase) gets "we miss you", with the best open
  vacancy that matches them (:func:`best_vacancy`) — or without one when none is open;
- everyone else gets the nudge of their phase of the advocacy funnel: awareness (what the
  programme is), interest (sign up), consideration (the first share is one tap), decision (share
  this period's vacancies), evangelize (bring a colleague along).

**The best open vacancy** is decided from the counters, over the last :data:`BEST_WINDOW_DAYS`
days of each open vacancy's day items: the most applications (the programme's people are
applying there), then the most counted clicks (people are interested), then the newest
publication, then the id — so the choice is stable.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal, get_args

from pydantic import BaseModel, ConfigDict

from kring.mail.i18n import plural_form
from kring.models.common import Locale, Phase

NudgeKey = Literal[
    "awareness",
    "interest",
    "consideration",
    "decision",
    "evangelize",
    "we_miss_you",
    "we_miss_you_no_vacancy",
]
NUDGE_KEYS: tuple[NudgeKey, ...] = get_args(NudgeKey)
BEST_WINDOW_DAYS = 28

NudgeParam = str | int


class Nudge(BaseModel):
    """What the template renders: the text of ``key`` in the mail's locale, with ``params``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    key: NudgeKey
    params: dict[str, NudgeParam] = {}


Words = str | Mapping[str, str]  # one text, or a text per CLDR plural form of ``NudgeText.count``


@dataclass(frozen=True)
class NudgeText:
    """One nudge's words in both languages and the parameters they use (``{name}`` placeholders).

    A nudge whose words depend on a number names that parameter as ``count`` and gives a text per
    plural form (``{"one": …, "other": …}``), as the catalogues do."""

    params: frozenset[str]
    nl: Words
    en: Words
    count: str | None = None

    def in_locale(self, locale: Locale, params: Mapping[str, NudgeParam]) -> str:
        words = self.nl if locale == "nl" else self.en
        if isinstance(words, str):
            return words
        assert self.count is not None
        amount = params[self.count]
        form = plural_form(locale, amount) if isinstance(amount, int) else "other"
        return words.get(form, words["other"])


# The texts. Refine the words here; keep the placeholders those of ``params``.
NUDGES: Mapping[NudgeKey, NudgeText] = {
    "awareness": NudgeText(
        params=frozenset({"new_matching"}),
        count="new_matching",
        nl={
            "one": "Wist je dat jouw netwerk onze volgende collega kan kennen? Er staat {new_matching} "
            "nieuwe vacature open die bij jou past. Lees hoe ambassadeurs delen — het kost een minuut.",
            "other": "Wist je dat jouw netwerk onze volgende collega kan kennen? Er staan {new_matching} "
            "nieuwe vacatures open die bij jou passen. Lees hoe ambassadeurs delen — het kost een minuut.",
        },
        en={
            "one": "Did you know your network may know our next colleague? {new_matching} new vacancy "
            "that fits you is open. Read how ambassadors share — it takes a minute.",
            "other": "Did you know your network may know our next colleague? {new_matching} new vacancies "
            "that fit you are open. Read how ambassadors share — it takes a minute.",
        },
    ),
    "interest": NudgeText(
        params=frozenset({"new_matching"}),
        count="new_matching",
        nl={
            "one": "Je bent nieuwsgierig naar het ambassadeursprogramma: meld je aan, dan krijg je voor "
            "de nieuwe vacature die bij jou past je eigen deelknoppen.",
            "other": "Je bent nieuwsgierig naar het ambassadeursprogramma: meld je aan, dan krijg je voor "
            "de {new_matching} nieuwe vacatures die bij jou passen je eigen deelknoppen.",
        },
        en={
            "one": "You are curious about the ambassador programme: sign up and you get your own share "
            "buttons for the new vacancy that fits you.",
            "other": "You are curious about the ambassador programme: sign up and you get your own share "
            "buttons for the {new_matching} new vacancies that fit you.",
        },
    ),
    "consideration": NudgeText(
        params=frozenset({"new_matching"}),
        count="new_matching",
        nl={
            "one": "Je eerste deelactie is één tik: deel de nieuwe vacature waar jouw netwerk zit.",
            "other": "Je eerste deelactie is één tik: kies een van de {new_matching} nieuwe vacatures en "
            "deel hem waar jouw netwerk zit.",
        },
        en={
            "one": "Your first share is one tap: share the new vacancy where your network is.",
            "other": "Your first share is one tap: pick one of the {new_matching} new vacancies and share "
            "it where your network is.",
        },
    ),
    "decision": NudgeText(
        params=frozenset({"new_vacancies"}),
        count="new_vacancies",
        nl={
            "one": "Er staat {new_vacancies} nieuwe vacature voor je klaar. Eén deelactie per week houdt "
            "jouw link zichtbaar.",
            "other": "Er staan {new_vacancies} nieuwe vacatures voor je klaar. Eén deelactie per week "
            "houdt jouw link zichtbaar.",
        },
        en={
            "one": "{new_vacancies} new vacancy is waiting for you. One share a week keeps your link "
            "in sight.",
            "other": "{new_vacancies} new vacancies are waiting for you. One share a week keeps your link "
            "in sight.",
        },
    ),
    "evangelize": NudgeText(
        params=frozenset({"clicks", "hires"}),
        nl="Wat jouw gedeelde links brachten — bezoekers: {clicks}, aanwervingen: {hires}. Neem een "
        "collega mee in het programma: samen bereiken jullie meer.",
        en="What your shared links brought — visitors: {clicks}, hires: {hires}. Bring a colleague into "
        "the programme: together you reach further.",
    ),
    "we_miss_you": NudgeText(
        params=frozenset({"vacancy_title", "vacancy_url"}),
        nl="We missen je! Deze vacature loopt nu het best: {vacancy_title} — {vacancy_url}. Ken jij iemand?",
        en="We miss you! This vacancy is doing best right now: {vacancy_title} — {vacancy_url}. "
        "Do you know someone?",
    ),
    "we_miss_you_no_vacancy": NudgeText(
        params=frozenset(),
        nl="We missen je! Kijk eens welke vacatures er open staan — misschien ken jij iemand.",
        en="We miss you! Have a look at the open vacancies — you may know someone.",
    ),
}


def text(nudge: Nudge, locale: Locale, number: Callable[[int], str] = str) -> str:
    """The nudge's words in ``locale``, the plural form its count takes, numbers written by
    ``number`` (the mail's ``t.number``: ``1.234`` in Dutch)."""
    params = {k: number(v) if isinstance(v, int) else v for k, v in nudge.params.items()}
    return NUDGES[nudge.key].in_locale(locale, nudge.params).format(**params)


@dataclass(frozen=True)
class OpenVacancyFigures:
    """What :func:`best_vacancy` weighs of one open vacancy (counters over its last days)."""

    vacancy_id: str
    title: str
    url: str | None
    published_at: datetime | None
    applications: int
    clicks: int


def best_vacancy(candidates: Sequence[OpenVacancyFigures]) -> OpenVacancyFigures | None:
    """The best of ``candidates`` (see the module docstring), or None when there are none."""
    if not candidates:
        return None
    return min(
        candidates,
        key=lambda v: (
            -v.applications,
            -v.clicks,
            -(v.published_at.timestamp() if v.published_at else 0.0),
            v.vacancy_id,
        ),
    )


def choose_nudge(
    phase: Phase,
    *,
    dormant: bool,
    new_matching: int,
    new_vacancies: int,
    clicks: int,
    hires: int,
    best: OpenVacancyFigures | None = None,
) -> Nudge:
    """The nudge for an ambassador in ``phase`` (see the module docstring)."""
    if dormant:
        if best is None or best.url is None:
            return Nudge(key="we_miss_you_no_vacancy")
        return Nudge(key="we_miss_you", params={"vacancy_title": best.title, "vacancy_url": best.url})
    if phase == "evangelize":
        return Nudge(key="evangelize", params={"clicks": clicks, "hires": hires})
    if phase == "decision":
        return Nudge(key="decision", params={"new_vacancies": new_vacancies})
    return Nudge(key=phase, params={"new_matching": new_matching})

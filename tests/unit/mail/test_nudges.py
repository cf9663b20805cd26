"""The nudges: one per phase and for dormant ambassadors, each text formattable in both languages
with exactly the parameters its key is given, and the best open vacancy chosen from the counters."""

from __future__ import annotations

import string
from datetime import UTC, datetime

import pytest

from kring.mail.i18n import Translator, plural_forms
from kring.mail.nudges import NUDGE_KEYS, NUDGES, OpenVacancyFigures, best_vacancy, choose_nudge, text
from kring.models.common import LOCALES, PHASES, Locale, Phase


def _placeholders(words: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(words) if name}


def test_every_key_has_words_in_both_languages_using_exactly_its_parameters() -> None:
    assert set(NUDGES) == set(NUDGE_KEYS)
    for key, entry in NUDGES.items():
        for locale in LOCALES:
            words = entry.nl if locale == "nl" else entry.en
            if isinstance(words, str):
                assert entry.count is None, key
                assert words.strip(), (key, locale)
                assert _placeholders(words) == set(entry.params), (key, locale)
                continue
            # plural forms: every form the language writes; "one" may leave the number out
            assert entry.count in entry.params, key
            assert set(words) == plural_forms(locale), (key, locale)
            assert _placeholders(words["other"]) == set(entry.params), (key, locale)
            for form in words.values():
                assert form.strip(), (key, locale)
                assert _placeholders(form) <= set(entry.params), (key, locale)
        assert entry.nl != entry.en, key


@pytest.mark.parametrize(
    ("locale", "count", "written"),
    [
        ("en", 1, "1 new vacancy is waiting"),
        ("en", 2, "2 new vacancies are waiting"),
        ("en", 1234, "1,234 new vacancies are waiting"),
        ("nl", 1, "Er staat 1 nieuwe vacature"),
        ("nl", 0, "Er staan 0 nieuwe vacatures"),
        ("nl", 1234, "Er staan 1.234 nieuwe vacatures"),
    ],
)
def test_a_count_takes_its_plural_form_and_is_written_the_reader_s_way(
    locale: Locale, count: int, written: str
) -> None:
    nudge = choose_nudge(
        "decision", dormant=False, new_matching=count, new_vacancies=count, clicks=0, hires=0
    )
    assert written in text(nudge, locale, Translator(locale).number)


def _figures(vacancy_id: str, applications: int, clicks: int, day: int = 1) -> OpenVacancyFigures:
    return OpenVacancyFigures(
        vacancy_id=vacancy_id,
        title=f"Title {vacancy_id}",
        url=f"https://careers.kring.test/{vacancy_id}",
        published_at=datetime(2026, 11, day, tzinfo=UTC),
        applications=applications,
        clicks=clicks,
    )


@pytest.mark.parametrize("phase", PHASES)
@pytest.mark.parametrize("dormant", [False, True])
def test_the_chosen_nudge_renders_in_both_languages(phase: Phase, dormant: bool) -> None:
    nudge = choose_nudge(
        phase, dormant=dormant, new_matching=3, new_vacancies=2, clicks=5, hires=1, best=_figures("v1", 1, 1)
    )
    assert set(nudge.params) == set(NUDGES[nudge.key].params)
    assert nudge.key == ("we_miss_you" if dormant else phase)
    for locale in LOCALES:
        assert "{" not in text(nudge, locale)
    if dormant:
        assert "Title v1" in text(nudge, "nl")
        assert "https://careers.kring.test/v1" in text(nudge, "en")


def test_a_dormant_ambassador_without_an_open_vacancy_still_hears_from_us() -> None:
    nudge = choose_nudge("decision", dormant=True, new_matching=0, new_vacancies=0, clicks=0, hires=0)
    assert nudge.key == "we_miss_you_no_vacancy"
    assert text(nudge, "nl").startswith("We missen je")


def test_the_best_vacancy_has_the_most_applications_then_clicks_then_is_newest() -> None:
    assert best_vacancy([]) is None
    by_applications = [_figures("a", 1, 100), _figures("b", 3, 0), _figures("c", 2, 50)]
    assert best_vacancy(by_applications).vacancy_id == "b"  # type: ignore[union-attr]
    by_clicks = [_figures("a", 2, 10), _figures("b", 2, 30)]
    assert best_vacancy(by_clicks).vacancy_id == "b"  # type: ignore[union-attr]
    by_age = [_figures("old", 0, 0, day=1), _figures("new", 0, 0, day=20)]
    assert best_vacancy(by_age).vacancy_id == "new"  # type: ignore[union-attr]

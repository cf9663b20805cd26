"""Mail pieces without AWS: the catalogues, the signed links, the formats."""

from __future__ import annotations

import re
import string
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from kring.errors import InvalidInputError
from kring.mail import i18n, unsubscribe
from kring.mail.i18n import Translator
from kring.models.common import Locale
from tests.support.fixtures import MAIL_LINK_KEY


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def _all_placeholders(message: i18n.Message) -> set[str]:
    forms = [message] if isinstance(message, str) else list(message.values())
    return set().union(*(_placeholders(form) for form in forms))


def test_both_catalogues_have_the_same_messages_with_the_same_placeholders() -> None:
    en, nl = i18n.catalogue("en"), i18n.catalogue("nl")
    assert set(en) == set(nl)
    for message_id in en:
        assert _all_placeholders(en[message_id]) == _all_placeholders(nl[message_id]), message_id
        # a language is named in its own words on every page (an endonym): the same in both; and a
        # message of placeholders and punctuation alone ("{name} ({id})") has no words to translate
        bare = re.sub(r"\{\w+\}", "", str(en[message_id]))
        wordless = isinstance(en[message_id], str) and re.search(r"[^\W\d_]", bare) is None
        same_allowed = message_id.endswith(".title") or message_id.startswith("portal.language.") or wordless
        assert en[message_id] != nl[message_id] or same_allowed, message_id
        assert isinstance(en[message_id], str) == isinstance(nl[message_id], str), message_id


@pytest.mark.parametrize("locale", ["en", "nl"])
def test_a_message_with_plural_forms_has_every_form_the_language_writes(locale: Locale) -> None:
    for message_id, message in i18n.catalogue(locale).items():
        if not isinstance(message, str):
            assert set(message) == i18n.plural_forms(locale), message_id
            assert "count" in _placeholders(message["other"]), message_id


@pytest.mark.parametrize(
    ("locale", "one", "many"),
    [
        ("en", "1 new vacancy to share", "1,234 new vacancies to share"),
        ("nl", "1 nieuwe vacature om te delen", "1.234 nieuwe vacatures om te delen"),
    ],
)
def test_a_count_chooses_the_form_and_is_written_the_reader_s_way(
    locale: Locale, one: str, many: str
) -> None:
    t = Translator(locale)
    assert t.plural("ambassador_digest.subject_new", 1) == one
    assert t.plural("ambassador_digest.subject_new", 1234) == many
    with pytest.raises(TypeError):
        t("ambassador_digest.subject_new")  # a plural message needs its count
    with pytest.raises(TypeError):
        t.plural("ambassador_digest.subject", 2)


def test_brands_are_written_as_they_are_and_other_ids_in_the_reader_s_words() -> None:
    assert Translator("nl").name("provider", "smartrecruiters") == "SmartRecruiters"
    assert Translator("nl").name("channel", "linkedin") == "LinkedIn"
    assert Translator("nl").name("channel", "unattributed") == "geen ambassadeur"
    assert Translator("en").name("method", "click_token") == "through a tracked link"


@pytest.mark.parametrize(
    ("locale", "day", "number", "money"),
    [("nl", "4 december 2026", "12.345", "€\xa0500,00"), ("en", "4 December 2026", "12,345", "€500.00")],
)
def test_dates_numbers_and_money_are_written_the_reader_s_way(
    locale: str, day: str, number: str, money: str
) -> None:
    t = Translator(locale)  # type: ignore[arg-type]
    assert t.date(date(2026, 12, 4)) == day
    assert t.date(datetime(2026, 12, 3, 23, 30, tzinfo=UTC)) == day  # Amsterdam is an hour ahead
    assert t.number(12345) == number
    assert t.money(Decimal("500"), "EUR") == money


@pytest.fixture
def link_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SECRETS_SSM_PATH", raising=False)
    monkeypatch.setenv("KRING_MAIL_LINK_KEY", MAIL_LINK_KEY)


def test_a_link_token_is_opaque_and_only_kring_can_make_one(
    link_key: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    token = unsubscribe.make_token("E1001", "digest")
    assert "E1001" not in token
    assert unsubscribe.read_token(token) == unsubscribe.LinkToken("E1001", "digest")
    for forged in (token[:-1] + ("A" if token[-1] != "A" else "B"), token[:20], "", "x" * 600, token + "é"):
        with pytest.raises(InvalidInputError):
            unsubscribe.read_token(forged)
    monkeypatch.setenv("KRING_MAIL_LINK_KEY", "another key")
    from kring import config

    config.clear_caches()
    unsubscribe.clear_cache()
    with pytest.raises(InvalidInputError):
        unsubscribe.read_token(token)


def test_the_csrf_field_belongs_to_its_token(link_key: None) -> None:
    first, second = unsubscribe.make_token("E1", "preferences"), unsubscribe.make_token("E2", "preferences")
    assert unsubscribe.csrf_ok(first, unsubscribe.csrf_field(first))
    assert not unsubscribe.csrf_ok(first, unsubscribe.csrf_field(second))
    assert not unsubscribe.csrf_ok(first, None)


@pytest.mark.parametrize("recipient", ["E1001", 'é"\\<>&\u2028', ""])
def test_a_link_token_carries_the_payload_links_always_carried(link_key: None, recipient: str) -> None:
    import json

    token = unsubscribe.make_token(recipient, "preferences")
    payload = unsubscribe._fernet().decrypt(token + "=" * (-len(token) % 4))
    assert payload == json.dumps({"r": recipient, "s": "preferences", "v": 1}, separators=(",", ":")).encode()

"""Visitor hashes: stable within a day, unrelated across days and keys, never the raw input."""

from __future__ import annotations

from datetime import date

from kring.links.visitors import daily_salt, visitor_hash

KEY = b"k" * 32
IP, UA = "203.0.113.7", "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X)"


def test_the_same_visitor_on_the_same_day_hashes_the_same() -> None:
    salt = daily_salt(KEY, date(2026, 11, 29))
    assert visitor_hash(salt, IP, UA) == visitor_hash(daily_salt(KEY, date(2026, 11, 29)), IP, UA)
    assert len(visitor_hash(salt, IP, UA)) == 32


def test_another_day_another_key_another_ip_or_agent_give_another_hash() -> None:
    today = visitor_hash(daily_salt(KEY, date(2026, 11, 29)), IP, UA)
    assert visitor_hash(daily_salt(KEY, date(2026, 11, 30)), IP, UA) != today
    assert visitor_hash(daily_salt(b"x" * 32, date(2026, 11, 29)), IP, UA) != today
    assert visitor_hash(daily_salt(KEY, date(2026, 11, 29)), "203.0.113.8", UA) != today
    assert visitor_hash(daily_salt(KEY, date(2026, 11, 29)), IP, UA + " ") != today
    assert all(c in "0123456789abcdef" for c in today)  # a hex digest, nothing of the input

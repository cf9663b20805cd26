"""Visitor hashes: stable within a day, unrelated across days and keys, never the raw input."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kring.links.visitors import daily_salt, network_hash, network_prefix, visitor_hash

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


# ------------------------------------------------------------------------------------ networks
@pytest.mark.parametrize(
    ("ip", "prefix"),
    [
        ("203.0.113.7", "203.0.113"),
        ("203.0.113.250", "203.0.113"),
        ("010.000.001.002", "10.0.1"),
        ("::ffff:203.0.113.7", "203.0.113"),  # IPv4-mapped IPv6: its IPv4's /24
        ("2001:db8:1:2::5", "2001:db8:1"),
        ("2001:0DB8:0001:ffff:0:0:0:9", "2001:db8:1"),
        ("2001:db8::1", "2001:db8:0"),
        ("::1", "0:0:0"),
        ("fe80::1%eth0", "fe80:0:0"),
        ("", ""),
        ("not-an-ip", "not-an-ip"),  # hashed as it is
        ("1.2.3", "1.2.3"),
        ("2001:db8:::1", "2001:db8:::1"),
        ("2001:db8:zz::1", "2001:db8:zz::1"),
        ("1.2.3.\u00b9", "1.2.3.\u00b9"),  # not an ASCII digit: not a number
    ],
)
def test_the_network_prefix_is_the_ipv4_24_or_the_ipv6_48(ip: str, prefix: str) -> None:
    assert network_prefix(ip) == prefix


def test_one_network_hashes_the_same_whatever_the_address_in_it_and_the_agent() -> None:
    salt = daily_salt(KEY, date(2026, 11, 29))
    assert network_hash(salt, "203.0.113.7") == network_hash(salt, "203.0.113.99")
    assert network_hash(salt, "2001:db8:1:2::5") == network_hash(salt, "2001:db8:1:ffff::9")
    assert network_hash(salt, "203.0.113.7") != network_hash(salt, "203.0.114.7")
    assert network_hash(daily_salt(KEY, date(2026, 11, 30)), "203.0.113.7") != network_hash(
        salt, "203.0.113.7"
    )
    # never the visitor hash of anyone: the network is hashed under its own label
    assert network_hash(salt, "203.0.113.7") != visitor_hash(salt, "203.0.113", "")
    assert len(network_hash(salt, "203.0.113.7")) == 32


@given(st.ip_addresses())
def test_every_address_has_a_prefix_and_a_hash(address: object) -> None:
    text = str(address)
    prefix = network_prefix(text)
    assert prefix
    assert prefix.count(".") == 2 or prefix.count(":") == 2
    assert network_hash(daily_salt(KEY, date(2026, 11, 29)), text)

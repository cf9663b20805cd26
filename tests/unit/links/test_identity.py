"""Keyed hashes of addresses and ATS ids: the same HMAC, however often it is asked for."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterator

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kring import config
from kring.links import identity

KEY = "unit-identity-key"


@pytest.fixture(autouse=True)
def identity_key(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("KRING_IDENTITY_HASH_KEY", KEY)
    config.clear_caches()
    identity.clear_cache()
    yield
    config.clear_caches()
    identity.clear_cache()


def _expected(message: str) -> str:
    return hmac.new(KEY.encode(), message.encode(), hashlib.sha256).hexdigest()[:32]


@given(local=st.text(alphabet="abcdefghij.+-_0123456789", min_size=1, max_size=20))
def test_an_address_hash_is_the_hmac_of_the_cleaned_address_every_time(local: str) -> None:
    address = f"  {local.upper()}@Example.COM "
    expected = _expected(f"email:{local.lower()}@example.com")
    assert identity.email_hash(address) == expected
    assert identity.email_hash(address) == expected  # the kept keyed HMAC is copied, not updated


def test_a_candidate_key_is_the_hmac_of_provider_and_id() -> None:
    assert identity.candidate_key("greenhouse", "42") == _expected("candidate:greenhouse:42")
    assert identity.email_hash("no address") is None

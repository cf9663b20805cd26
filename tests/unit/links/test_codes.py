"""Share links without I/O: how a code is derived (and stays derived), and the URLs built on it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kring import config
from kring.links.codes import code_deriver, derive_code, is_share_code, link_url, share_url
from kring.models.common import NETWORKS

KEY = bytes(range(32))


@pytest.fixture
def public_base_url(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.setenv("PUBLIC_BASE_URL", "https://go.example.com/")
    config.clear_caches()
    yield "https://go.example.com"
    config.clear_caches()


def test_the_derivation_is_pinned_so_a_redelivery_after_an_upgrade_finds_the_same_code() -> None:
    # HMAC-SHA256(KEY, "E1") = aaa4f85e…276f456a; its integer's first ten base62 digits, lowest first.
    # A changed derivation would give every ambassador a second link on the next redelivery.
    assert derive_code(KEY, "E1") == "sEoDhGXHAj"
    assert derive_code(KEY, "E2") == "o2gaoLVgvU"


def test_codes_of_one_vacancy_are_distinct_and_use_the_whole_alphabet() -> None:
    codes = [derive_code(KEY, f"E{n:05d}") for n in range(5_000)]
    assert len(set(codes)) == len(codes)
    assert all(is_share_code(code) for code in codes)
    for position in range(10):
        assert len({code[position] for code in codes}) == 62  # 5,000 draws miss none of 62 symbols


def test_the_tracked_link_and_the_share_buttons_hang_off_the_public_base_url(public_base_url: str) -> None:
    assert link_url("sEoDhGXHAj") == f"{public_base_url}/r/sEoDhGXHAj"
    assert {network: share_url("sEoDhGXHAj", network) for network in NETWORKS} == {
        "linkedin": f"{public_base_url}/s/sEoDhGXHAj/linkedin",
        "x": f"{public_base_url}/s/sEoDhGXHAj/x",
        "facebook": f"{public_base_url}/s/sEoDhGXHAj/facebook",
        "whatsapp": f"{public_base_url}/s/sEoDhGXHAj/whatsapp",
        "email": f"{public_base_url}/s/sEoDhGXHAj/email",
    }


def test_a_link_shared_through_a_button_carries_its_channel(public_base_url: str) -> None:
    assert link_url("sEoDhGXHAj", "whatsapp") == f"{public_base_url}/r/sEoDhGXHAj?ch=whatsapp"


def test_a_deriver_kept_for_a_vacancy_gives_the_pinned_codes() -> None:
    derive = code_deriver(KEY)
    assert derive("E1") == "sEoDhGXHAj"
    assert derive("E2") == "o2gaoLVgvU"
    assert derive("E1") == "sEoDhGXHAj"  # the kept HMAC is copied, never updated itself


@given(key=st.binary(min_size=1, max_size=64), ambassadors=st.lists(st.text(min_size=1), max_size=5))
def test_a_kept_deriver_derives_what_derive_code_derives(key: bytes, ambassadors: list[str]) -> None:
    derive = code_deriver(key)
    assert [derive(a) for a in ambassadors] == [derive_code(key, a) for a in ambassadors]

"""The redirect's lean settings reader, and the constants it repeats to stay free of pydantic."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kring.links import codes as links
from kring.models.common import NETWORKS, SHARE_CODE_LENGTH
from kring.redirect import is_share_code
from kring.redirect import settings as redirect_settings
from kring.redirect.channel import CHANNEL_PARAMETER
from kring.redirect.channel import NETWORKS as REDIRECT_NETWORKS
from kring.redirect.emit import DETAIL_TYPE, SOURCE
from kring.redirect.settings import SettingsError, read

ENV = {
    "TABLE_NAME": "kring-test",
    "EVENT_BUS_NAME": "kring-test",
    "CLICK_SPOOL_QUEUE_URL": "https://sqs.eu-west-1.amazonaws.com/1/kring-test-click-spool",
    "CAREERS_PAGE_URL": "https://careers.example.com/jobs",
}


def test_defaults_and_the_environment() -> None:
    got = read({**ENV, "KRING_VISITOR_HASH_KEY": "s3cr3t-v1s1tor", "REDIRECT_VACANCY_CACHE_SECONDS": "15"})
    assert got.click_token_parameter == "kref"
    assert got.secrets_ssm_path is None
    assert got.visitor_hash_key_env == "s3cr3t-v1s1tor"
    assert got.vacancy_cache_seconds == 15.0
    assert "s3cr3t-v1s1tor" not in repr(got)


def test_in_aws_the_key_never_comes_from_the_environment() -> None:
    got = read({**ENV, "SECRETS_SSM_PATH": "/kring/prod/", "KRING_VISITOR_HASH_KEY": "k"})
    assert got.secrets_ssm_path == "/kring/prod/"
    assert got.visitor_hash_key_env is None


def test_every_problem_is_named_at_once() -> None:
    with pytest.raises(SettingsError) as raised:
        read(
            {
                "CAREERS_PAGE_URL": "http://careers.example.com",
                "CLICK_TOKEN_PARAMETER": "utm_source",
                "REDIRECT_LINK_CACHE_SIZE": "many",
                "REDIRECT_USER_AGENT_CACHE_SIZE": "0",
            }
        )
    message = str(raised.value)
    for expected in (
        "TABLE_NAME is not set",
        "EVENT_BUS_NAME is not set",
        "CLICK_SPOOL_QUEUE_URL is not set",
        "CAREERS_PAGE_URL must be an absolute https URL",
        "CLICK_TOKEN_PARAMETER must be",
        "REDIRECT_LINK_CACHE_SIZE must be a whole number",
        "REDIRECT_USER_AGENT_CACHE_SIZE must be at least 1",
    ):
        assert expected in message


def test_read_once_and_cached_until_cleared(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in ENV.items():
        monkeypatch.setenv(name, value)
    redirect_settings.clear_cache()
    first = redirect_settings.settings()
    monkeypatch.setenv("CLICK_TOKEN_PARAMETER", "ref")
    assert redirect_settings.settings() is first
    redirect_settings.clear_cache()
    assert redirect_settings.settings().click_token_parameter == "ref"
    redirect_settings.clear_cache()


def test_the_constants_the_redirect_repeats_match_the_models() -> None:
    from kring.events import LinkClicked

    assert frozenset(NETWORKS) == REDIRECT_NETWORKS
    assert CHANNEL_PARAMETER == links.CHANNEL_PARAMETER
    assert LinkClicked.SOURCE == SOURCE
    assert LinkClicked.detail_type() == DETAIL_TYPE
    assert SHARE_CODE_LENGTH == 10


@given(st.one_of(st.text(max_size=14), st.from_regex(r"[0-9A-Za-z]{8,12}", fullmatch=True)))
def test_the_code_format_check_is_the_links_own(candidate: str) -> None:
    assert is_share_code(candidate) == links.is_share_code(candidate)

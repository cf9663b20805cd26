"""Lever's API client against the local fake of Lever's API (a real HTTP server on 127.0.0.1):
the opportunity, its stages, referrals, users and archive reasons, retries and permanent errors,
and the public postings feed read from the configured site."""

from __future__ import annotations

import base64

import pytest

from infra.local.fake_ats import FakeAtsApi
from kring.errors import InvalidInputError, ProviderNotConfiguredError, TransientError
from kring.integrations.ats import lever
from kring.integrations.ats.base import (
    Hired,
)
from kring.integrations.ats.http import ApiNotFoundError, ApiRequestError, JsonApi
from tests.support import lever as lv
from tests.support.fixtures import ATS_API_KEY


def test_the_client_asks_lever_for_the_opportunity_with_basic_auth_and_expands(
    fake_ats_api: FakeAtsApi, secrets_env: None
) -> None:
    fake_ats_api.add("GET", f"/lever/opportunities/{lv.OPPORTUNITY_ID}", lv.opportunity())

    (change,) = lever.fetch(lv.fetch_needed("candidateHired"))

    assert isinstance(change, Hired)
    (seen,) = fake_ats_api.requests
    assert seen.path == f"/lever/opportunities/{lv.OPPORTUNITY_ID}"
    assert seen.query == {"expand": ["applications", "stage"]}
    expected = base64.b64encode(f"{ATS_API_KEY}:".encode()).decode()
    assert seen.headers["authorization"] == f"Basic {expected}"


def test_a_503_is_retried_then_the_answer_is_used(fake_ats_api: FakeAtsApi, secrets_env: None) -> None:
    path = f"/lever/opportunities/{lv.OPPORTUNITY_ID}"
    fake_ats_api.add("GET", path, {"message": "busy"}, status=503)
    fake_ats_api.add("GET", path, lv.opportunity())

    with pytest.raises(TransientError):
        lever.fetch(lv.fetch_needed("candidateHired"))
    (change,) = lever.fetch(lv.fetch_needed("candidateHired"))

    assert isinstance(change, Hired)


def test_a_deleted_opportunity_is_a_permanent_error(fake_ats_api: FakeAtsApi, secrets_env: None) -> None:
    with pytest.raises(ApiNotFoundError):
        lever.fetch(lv.fetch_needed("candidateHired"))


def test_without_an_api_key_the_fetch_waits_for_one(
    fake_ats_api: FakeAtsApi, secrets_env: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.support.fixtures import clear_kring_caches

    monkeypatch.delenv("KRING_ATS_API_KEY_LEVER")
    clear_kring_caches()

    with pytest.raises(TransientError, match="API key"):
        lever.fetch(lv.fetch_needed("candidateHired"))
    assert fake_ats_api.requests == []


def test_the_client_reads_stages_referrals_users_and_archive_reasons(
    fake_ats_api: FakeAtsApi, secrets_env: None
) -> None:
    fake_ats_api.add(
        "GET", f"/lever/stages/{lv.TO_STAGE_ID}", {"data": {"id": lv.TO_STAGE_ID, "text": "Offer"}}
    )
    fake_ats_api.add(
        "GET", f"/lever/opportunities/{lv.OPPORTUNITY_ID}/referrals", {"data": [{"referrer": "u1"}]}
    )
    fake_ats_api.add("GET", "/lever/users/u1", {"data": {"email": lv.REFERRER_EMAIL}})
    fake_ats_api.add("GET", "/lever/archive_reasons/r1", {"data": {"type": "non-hired"}})
    client = lever.LeverClient.from_config()

    assert client.stage(lv.TO_STAGE_ID)["text"] == "Offer"
    assert client.referrals(lv.OPPORTUNITY_ID) == [{"referrer": "u1"}]
    assert client.user("u1")["email"] == lv.REFERRER_EMAIL
    assert client.archive_reason("r1")["type"] == "non-hired"
    with pytest.raises(InvalidInputError):
        client.user("../opportunities")


def test_the_feed_is_read_from_the_configured_site(
    fake_ats_api: FakeAtsApi, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.support.fixtures import clear_kring_caches

    monkeypatch.setenv("LEVER_SITE", "acme")
    clear_kring_caches()
    fake_ats_api.add(
        "GET", "/lever-postings/acme", [lv.posting("5ac21346-8e0c-4494-8e7a-3eb92ff77902", "Backend")]
    )

    changes = lever.published_posts()

    assert len(changes) == 2
    (seen,) = fake_ats_api.requests
    assert (seen.path, seen.query) == ("/lever-postings/acme", {"mode": ["json"]})
    assert "authorization" not in seen.headers


def test_without_a_site_there_is_no_feed(fake_ats_api: FakeAtsApi, monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.support.fixtures import clear_kring_caches

    monkeypatch.setenv("LEVER_SITE", "")
    clear_kring_caches()
    with pytest.raises(ProviderNotConfiguredError):
        lever.published_posts()
    assert fake_ats_api.requests == []


def test_a_feed_that_is_not_a_list_is_refused(fake_ats_api: FakeAtsApi) -> None:
    fake_ats_api.add("GET", "/lever-postings/acme", {"error": "moved"})
    client = lever.LeverPostingsClient(JsonApi(f"{fake_ats_api.url}/lever-postings"), "acme")

    with pytest.raises(ApiRequestError):
        client.postings()

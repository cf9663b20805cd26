"""Single sign-on to the dashboard through the DashboardFunction under moto, against a tiny OpenID
Connect provider of the test's own (tests/support/oidc_provider.py): a team user signs in and gets
the mailed link's session; a stranger is refused and nobody is added; an ID token that does not
verify (nonce, audience, issuer, expiry, signature, unverified address), a state that is not the
browser's, and a replayed callback are refused with a 4xx page and no session; no query makes the
callback answer 5xx. With single sign-on off (the default), there is no button and no route."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from hypothesis import given
from hypothesis import strategies as st

from infra.local.template import Stack
from kring.integrations import oidc
from tests.support import mail, oidc_provider, team
from tests.support.fixtures import STACK_PARAMETERS, MotoStack, clear_kring_caches
from tests.support.hostile import fuzz_settings
from tests.support.oidc_provider import CLIENT_ID, CLIENT_SECRET, OidcProvider
from tests.support.pages import get_page

ADDRESS = "rita@company.example"


@pytest.fixture
def provider() -> Iterator[OidcProvider]:
    running = oidc_provider.start()
    yield running
    running.close()


@pytest.fixture
def world(moto_stack: MotoStack, provider: OidcProvider, monkeypatch: pytest.MonkeyPatch) -> MotoStack:
    """The stack with the template's single sign-on parameters given (the DashboardFunction's
    environment as template.yaml makes it), the client secret as the local stack gives it."""
    mail.verify_sending_domain()
    parameters = {**STACK_PARAMETERS, "OidcIssuer": provider.issuer, "OidcClientId": CLIENT_ID}
    environment = Stack(parameters).functions()["DashboardFunction"].environment
    for name in ("OIDC_ISSUER", "OIDC_CLIENT_ID", "OIDC_CLIENT_SECRET_NAME"):
        monkeypatch.setenv(name, environment[name])
    monkeypatch.setenv("KRING_OIDC_CLIENT_SECRET", CLIENT_SECRET)
    clear_kring_caches()
    return moto_stack


@dataclass
class Started:
    authorization: dict[str, str]  # the query of the provider's authorization URL
    cookie: str  # name=value of the state cookie
    set_cookie: str


def start(world: MotoStack, provider: OidcProvider) -> Started:
    begun = get_page(world, "/dashboard/sso")
    assert begun.status == 303, begun.body
    location = urlsplit(begun.headers["location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == f"{provider.issuer}/authorize"
    authorization = {k: v[-1] for k, v in parse_qs(location.query).items()}
    [set_cookie] = begun.cookies
    return Started(authorization, set_cookie.split(";")[0], set_cookie)


def callback(world: MotoStack, query: dict[str, str], cookie: str | None) -> Any:
    return world.http(
        "GET", "/dashboard/sso/callback", query=urlencode(query), headers={"cookie": cookie} if cookie else {}
    )


def session_cookies(result: Any) -> list[str]:
    return [c for c in result.cookies if c.startswith("kring_dashboard=")]


def users(world: MotoStack) -> list[str]:
    listed = world.http("GET", "/api/team/users", admin=True)
    assert listed.status == 200
    return sorted(u["id"] for u in listed.json()["items"])


def test_a_team_user_signs_in_with_the_company_account_and_gets_the_mailed_link_s_session(
    world: MotoStack, provider: OidcProvider
) -> None:
    user_id = team.add_user(world, ADDRESS, role="viewer")
    page = get_page(world, "/dashboard/sign-in")
    assert 'href="/dashboard/sso"' in page.body
    assert "Sign in with your company account" in page.body

    started = start(world, provider)
    sent = started.authorization
    assert (sent["response_type"], sent["client_id"], sent["scope"]) == (
        "code",
        CLIENT_ID,
        "openid email profile",
    )
    assert sent["redirect_uri"] == "https://go.kring.test/dashboard/sso/callback"
    assert sent["code_challenge_method"] == "S256"
    assert started.cookie == f"kring_dashboard_sso={sent['state']}"
    attributes = {p.strip() for p in started.set_cookie.split(";")}
    assert {"HttpOnly", "Secure", "SameSite=Lax", "Path=/dashboard", "Max-Age=600"} <= attributes

    code = provider.issue_code(sent, "Rita@Company.example")
    back = callback(world, {"code": code, "state": sent["state"]}, started.cookie)
    assert back.status == 303, back.body
    assert back.headers["location"] == "/dashboard"
    assert "kring_dashboard_sso=; Path=/dashboard; Max-Age=0" in back.cookies[0]
    [session] = session_cookies(back)
    assert {"HttpOnly", "Secure", "SameSite=Lax", "Path=/dashboard"} <= {
        p.strip() for p in session.split(";")
    }
    home = get_page(world, "/dashboard", session.split(";")[0])
    assert home.status == 200
    assert "Signed in as Rita Recruiter (viewer)" in home.body

    # the code was redeemed as a confidential client with PKCE (the secret never in the URL)
    [redeemed] = provider.token_requests
    assert redeemed["authorization"].startswith("Basic ")
    assert redeemed["form"]["code_verifier"]
    assert "client_secret" not in redeemed["form"]
    assert CLIENT_SECRET not in urlencode(sent)
    [entry] = world.http("GET", "/api/audit", admin=True).json()["items"][:1]
    assert (entry["actor"], entry["summary"], entry["target"]) == (
        f"user:{user_id}",
        "signed in to the dashboard (single sign-on)",
        user_id,
    )


def test_a_stranger_is_refused_with_a_page_and_nobody_is_added(
    world: MotoStack, provider: OidcProvider
) -> None:
    team.add_user(world, ADDRESS)
    before = users(world)
    started = start(world, provider)
    code = provider.issue_code(started.authorization, "stranger@company.example")
    back = callback(world, {"code": code, "state": started.authorization["state"]}, started.cookie)
    assert back.status == 403
    assert "Not a member of the talent team" in back.body
    assert "Ask an admin of the dashboard to add you" in back.body
    assert session_cookies(back) == []
    assert users(world) == before


def _bad_token(provider: OidcProvider, how: str, authorization: dict[str, str]) -> str:
    now = int(time.time())
    changes: dict[str, dict[str, Any]] = {
        "nonce": {"nonce": "not-this-sign-in-s-nonce"},
        "no nonce": {"nonce": None},
        "audience": {"aud": "another-client"},
        "issuer": {"iss": "https://evil.example"},
        "expired": {"exp": now - 3600, "iat": now - 7200},
        "signature": {"other_key": True},
        "unverified address": {"email_verified": False},
        "no address": {"email": None, "email_verified": None},
        "several audiences, not for Kring": {"aud": [CLIENT_ID, "another-client"], "azp": "another-client"},
    }
    return provider.issue_code(authorization, ADDRESS, **changes[how])


@pytest.mark.parametrize(
    ("how", "status", "says"),
    [
        ("nonce", 400, "Signing in did not work"),
        ("no nonce", 400, "Signing in did not work"),
        ("audience", 400, "Signing in did not work"),
        ("issuer", 400, "Signing in did not work"),
        ("expired", 400, "Signing in did not work"),
        ("signature", 400, "Signing in did not work"),
        ("several audiences, not for Kring", 400, "Signing in did not work"),
        ("unverified address", 403, "did not give a verified e-mail address"),
        ("no address", 403, "did not give a verified e-mail address"),
    ],
)
def test_an_id_token_that_does_not_verify_signs_nobody_in(
    world: MotoStack, provider: OidcProvider, how: str, status: int, says: str
) -> None:
    team.add_user(world, ADDRESS)
    started = start(world, provider)
    code = _bad_token(provider, how, started.authorization)
    back = callback(world, {"code": code, "state": started.authorization["state"]}, started.cookie)
    assert back.status == status, (how, back.status)
    assert says in back.body
    assert session_cookies(back) == []
    assert len(provider.token_requests) == 1  # the code was redeemed; what came back was refused


def test_a_state_that_is_not_the_browser_s_is_refused_before_the_code_is_redeemed(
    world: MotoStack, provider: OidcProvider
) -> None:
    team.add_user(world, ADDRESS)
    mine, theirs = start(world, provider), start(world, provider)
    code = provider.issue_code(theirs.authorization, ADDRESS)
    for query, cookie in [
        ({"code": code, "state": theirs.authorization["state"]}, mine.cookie),  # login CSRF
        ({"code": code, "state": theirs.authorization["state"]}, None),
        ({"code": code}, theirs.cookie),
        ({"code": code, "state": "x" * 43}, "kring_dashboard_sso=" + "x" * 43),  # never begun
    ]:
        back = callback(world, query, cookie)
        assert back.status == 400
        assert "Signing in did not work" in back.body
        assert session_cookies(back) == []
    assert provider.token_requests == []
    # the browser that began it still can
    back = callback(world, {"code": code, "state": theirs.authorization["state"]}, theirs.cookie)
    assert back.status == 303


def test_a_replayed_callback_is_refused(world: MotoStack, provider: OidcProvider) -> None:
    team.add_user(world, ADDRESS)
    started = start(world, provider)
    code = provider.issue_code(started.authorization, ADDRESS)
    query = {"code": code, "state": started.authorization["state"]}
    assert callback(world, query, started.cookie).status == 303
    again = callback(world, query, started.cookie)
    assert again.status == 400
    assert session_cookies(again) == []
    assert len(provider.token_requests) == 1  # refused before the code went to the provider again


def test_a_sign_in_the_provider_cancelled_is_a_page(world: MotoStack, provider: OidcProvider) -> None:
    started = start(world, provider)
    query = {"error": "access_denied", "state": started.authorization["state"]}
    back = callback(world, query, started.cookie)
    assert back.status == 400
    assert "did not sign you in" in back.body
    assert provider.token_requests == []


def test_the_pages_speak_dutch_to_a_dutch_browser(world: MotoStack, provider: OidcProvider) -> None:
    page = world.http("GET", "/dashboard/sign-in", headers={"accept-language": "nl-NL,nl;q=0.9"})
    assert "Inloggen met je bedrijfsaccount" in page.body
    started = start(world, provider)
    code = provider.issue_code(started.authorization, "stranger@company.example")
    back = world.http(
        "GET",
        "/dashboard/sso/callback",
        query=urlencode({"code": code, "state": started.authorization["state"]}),
        headers={"cookie": started.cookie, "accept-language": "nl"},
    )
    assert back.status == 403
    assert "Geen lid van het talentteam" in back.body


def test_an_unreachable_provider_is_a_page_that_points_to_the_mailed_link(
    world: MotoStack, provider: OidcProvider
) -> None:
    provider.close()
    oidc.clear_cache()
    begun = get_page(world, "/dashboard/sso")
    assert begun.status == 503
    assert "ask for a link by e-mail" in begun.body
    assert begun.cookies == []


def test_with_single_sign_on_off_there_is_no_button_and_no_route(moto_stack: MotoStack) -> None:
    page = get_page(moto_stack, "/dashboard/sign-in")
    assert page.status == 200
    assert "/dashboard/sso" not in page.body
    assert get_page(moto_stack, "/dashboard/sso").status == 404
    assert get_page(moto_stack, "/dashboard/sso/callback?code=x&state=y").status == 404


_TEXT = st.text(st.characters(codec="utf-8"), max_size=80)
_QUERY = st.dictionaries(
    st.sampled_from(["code", "state", "error", "error_description", "session_state", "iss", "x"]) | _TEXT,
    _TEXT,
    max_size=5,
)


@fuzz_settings(examples=15)
@given(query=_QUERY, with_state=st.booleans(), keep_state=st.booleans())
def test_no_query_makes_the_callback_answer_5xx(
    world: MotoStack, provider: OidcProvider, query: dict[str, str], with_state: bool, keep_state: bool
) -> None:
    cookie = None
    if with_state:
        started = start(world, provider)
        cookie = started.cookie
        if keep_state:
            query = {**query, "state": started.authorization["state"]}
    back = callback(world, query, cookie)
    assert back.status < 500, (query, back.status, back.body[:300])
    assert session_cookies(back) == []

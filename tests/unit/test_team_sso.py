"""Single sign-on's pure parts: which address an ID token vouches for (per provider), the discovery
document Kring accepts, the authorization URL and the issuer setting."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from pydantic import ValidationError

from kring import config
from kring.access.team_sso import verified_address
from kring.errors import TransientError
from kring.integrations import oidc

ENTRA = "https://login.microsoftonline.com/9188040d-6c67-4c5b-b112-36a304b66dad/v2.0"
GOOGLE = "https://accounts.google.com"
OKTA = "https://acme.okta.com/oauth2/default"


@pytest.mark.parametrize(
    ("issuer", "claims", "address"),
    [
        (GOOGLE, {"email": "a@acme.example", "email_verified": True}, "a@acme.example"),
        (OKTA, {"email": "a@acme.example", "email_verified": "true"}, "a@acme.example"),
        (GOOGLE, {"email": "a@acme.example", "email_verified": False}, None),
        (OKTA, {"email": "a@acme.example"}, None),  # says nothing about verification
        (GOOGLE, {"email_verified": True}, None),
        # Entra: the UPN, not an unverified email claim (even if Entra says email_verified nowhere)
        (
            ENTRA,
            {"email": "other@elsewhere.example", "preferred_username": "a@acme.example"},
            "a@acme.example",
        ),
        (
            ENTRA,
            {"email": "a@acme.example", "xms_edov": True, "preferred_username": "x@acme.example"},
            "a@acme.example",
        ),
        (ENTRA, {"email": "a@acme.example"}, None),
        (ENTRA, {"preferred_username": "not-an-address"}, None),
        # Entra with an email_verified claim of its own: that rule wins
        (
            ENTRA,
            {"email": "a@acme.example", "email_verified": False, "preferred_username": "a@acme.example"},
            None,
        ),
    ],
)
def test_the_address_an_id_token_vouches_for(
    issuer: str, claims: dict[str, Any], address: str | None
) -> None:
    assert verified_address(claims, issuer) == address


def _document(**changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "issuer": OKTA,
        "authorization_endpoint": f"{OKTA}/v1/authorize",
        "token_endpoint": f"{OKTA}/v1/token",
        "jwks_uri": f"{OKTA}/v1/keys",
        "id_token_signing_alg_values_supported": ["RS256", "HS256", "none"],
    }
    return {k: v for k, v in {**base, **changes}.items() if v is not None}


def test_a_discovery_document_gives_its_endpoints_and_only_asymmetric_algorithms() -> None:
    provider = oidc._provider_of(OKTA, _document())
    assert provider.token_endpoint == f"{OKTA}/v1/token"
    assert provider.algorithms == ("RS256",)
    assert provider.basic_auth  # the default method when none is listed
    post_only = oidc._provider_of(
        OKTA, _document(token_endpoint_auth_methods_supported=["client_secret_post"])
    )
    assert not post_only.basic_auth


@pytest.mark.parametrize(
    "changes",
    [
        {"issuer": "https://evil.example"},
        {"token_endpoint": "http://acme.okta.com/v1/token"},
        {"jwks_uri": None},
        {"id_token_signing_alg_values_supported": ["HS256", "none"]},
    ],
)
def test_a_discovery_document_kring_cannot_trust_is_refused(changes: dict[str, Any]) -> None:
    with pytest.raises(TransientError):
        oidc._provider_of(OKTA, _document(**changes))


def test_the_authorization_url_asks_for_a_code_with_pkce() -> None:
    provider = oidc._provider_of(OKTA, _document())
    url = provider.authorization_url(
        client_id="kring",
        redirect_uri="https://go.example/dashboard/sso/callback",
        state="s",
        nonce="n",
        verifier="v" * 64,
    )
    sent = {k: v[-1] for k, v in parse_qs(urlsplit(url).query).items()}
    assert sent["code_challenge"] == oidc.pkce_challenge("v" * 64)
    assert (sent["code_challenge_method"], sent["scope"], sent["nonce"]) == (
        "S256",
        "openid email profile",
        "n",
    )
    # RFC 7636 appendix B
    assert (
        oidc.pkce_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk")
        == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
    )


def test_single_sign_on_is_on_with_an_https_issuer_and_a_client_id(monkeypatch: pytest.MonkeyPatch) -> None:
    assert not config.OidcSettings().enabled
    monkeypatch.setenv("OIDC_ISSUER", GOOGLE)
    assert not config.OidcSettings().enabled
    monkeypatch.setenv("OIDC_CLIENT_ID", "kring")
    assert config.OidcSettings().enabled
    monkeypatch.setenv("OIDC_ISSUER", "http://idp.example")
    with pytest.raises(ValidationError):
        config.OidcSettings()


def test_the_template_gives_the_dashboard_its_parameters_and_reads_the_secret_only_when_on() -> None:
    from infra.local.template import Stack, load
    from tests.support.fixtures import STACK_PARAMETERS

    off = Stack(STACK_PARAMETERS).functions()["DashboardFunction"].environment
    assert (off["OIDC_ISSUER"], off["OIDC_CLIENT_SECRET_NAME"]) == ("", "oidc-client-secret")
    on = Stack({**STACK_PARAMETERS, "OidcIssuer": GOOGLE, "OidcClientId": "kring"})
    environment = on.functions()["DashboardFunction"].environment
    assert (environment["OIDC_ISSUER"], environment["OIDC_CLIENT_ID"]) == (GOOGLE, "kring")
    template = load()
    policies = template["Resources"]["DashboardFunction"]["Properties"]["Policies"]
    [conditional] = [p for p in policies if isinstance(p, dict) and "Fn::If" in p]
    condition, read, otherwise = conditional["Fn::If"]
    assert condition == "HasOidc"
    assert read["SSMParameterReadPolicy"]["ParameterName"] == {
        "Fn::Sub": "kring/${Stage}/${OidcClientSecretName}"
    }
    assert otherwise == {"Ref": "AWS::NoValue"}

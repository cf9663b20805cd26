"""An OpenID Connect identity provider (Microsoft Entra ID, Google, Okta …), as the dashboard's
single sign-on uses it: the authorization code flow with PKCE, for a confidential client.

- :func:`provider` — the issuer's discovery document (``<issuer>/.well-known/openid-configuration``),
  read once and kept warm in the Lambda for :data:`DISCOVERY_SECONDS`; its ``issuer`` must be the
  configured one, its endpoints https (or a loopback address, for tests and the local stack).
- :meth:`Provider.authorization_url` — where the browser goes to sign in.
- :meth:`Provider.redeem` — the code exchanged at the token endpoint (the client secret by HTTP Basic,
  or in the form when the provider takes only that), and the ID token verified by PyJWT: its
  signature against the provider's JWKS (:class:`jwt.PyJWKClient`, kept warm too, fetched again for
  a key id it does not know), ``iss``, ``aud`` (and ``azp`` when there are several audiences),
  ``exp``, ``iat`` and the ``nonce``. Only asymmetric algorithms are accepted, never ``none`` or HS*.

Errors: :class:`SignInRefused` (4xx: a bad code, a token that does not verify) and
:class:`~kring.errors.TransientError` (the provider could not be reached or answered 5xx).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Any

import jwt

from kring import config, safe_json
from kring.errors import InvalidInputError, TransientError

DISCOVERY_SECONDS = 24 * 3600
JWKS_SECONDS = 3600
MAX_RESPONSE_BYTES = 1024 * 1024
SCOPES = "openid email profile"
LEEWAY_SECONDS = 60
ASYMMETRIC = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA")
# Google's ID tokens may name their issuer without the scheme (Google's OpenID Connect docs).
ISSUER_ALIASES = {"https://accounts.google.com": ("accounts.google.com",)}
USER_AGENT = "Kring/1 (+https://github.com/kring)"


class SignInRefused(InvalidInputError):
    """The provider's answer does not sign anyone in: a code it refused, or an ID token that does not
    verify. The message says why (for the log; the page says less)."""


def _safe_url(url: object) -> bool:
    return isinstance(url, str) and url.startswith(
        ("https://", "http://127.0.0.1:", "http://localhost:", "http://127.0.0.1/", "http://localhost/")
    )


def _read(request: urllib.request.Request, timeout: float, what: str) -> Any:
    """JSON from the provider; :class:`SignInRefused` for a 4xx, TransientError for the rest."""
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - https only
            raw = response.read(MAX_RESPONSE_BYTES + 1)
    except urllib.error.HTTPError as exc:
        if 400 <= exc.code < 500 and exc.code != 429:
            raise SignInRefused(f"{what}: HTTP {exc.code}") from exc
        raise TransientError(f"{what}: HTTP {exc.code}") from exc
    except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
        raise TransientError(f"{what}: {exc}") from exc
    if len(raw) > MAX_RESPONSE_BYTES:
        raise TransientError(f"{what}: the answer is over {MAX_RESPONSE_BYTES} bytes")
    try:
        return safe_json.loads(raw, max_bytes=MAX_RESPONSE_BYTES)
    except safe_json.InvalidJsonError as exc:
        raise TransientError(f"{what}: the answer is not JSON") from exc


def pkce_challenge(verifier: str) -> str:
    """The S256 code challenge of a PKCE code verifier (RFC 7636)."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")


@dataclass(frozen=True)
class Provider:
    """One issuer's endpoints, as its discovery document gives them."""

    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str
    algorithms: tuple[str, ...]
    basic_auth: bool  # client_secret_basic (else client_secret_post)

    def authorization_url(
        self, *, client_id: str, redirect_uri: str, state: str, nonce: str, verifier: str
    ) -> str:
        query = urllib.parse.urlencode(
            {
                "response_type": "code",
                "client_id": client_id,
                "redirect_uri": redirect_uri,
                "scope": SCOPES,
                "state": state,
                "nonce": nonce,
                "code_challenge": pkce_challenge(verifier),
                "code_challenge_method": "S256",
            }
        )
        joiner = "&" if "?" in self.authorization_endpoint else "?"
        return f"{self.authorization_endpoint}{joiner}{query}"

    def redeem(
        self, *, code: str, client_id: str, client_secret: str, redirect_uri: str, verifier: str, nonce: str
    ) -> dict[str, Any]:
        """The verified claims of the ID token the code is exchanged for."""
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": redirect_uri,
            "code_verifier": verifier,
        }
        headers = {
            "Accept": "application/json",
            "Content-Type": "application/x-www-form-urlencoded",
            "User-Agent": USER_AGENT,
        }
        if self.basic_auth:  # RFC 6749 2.3.1: each part form-encoded first
            pair = f"{urllib.parse.quote(client_id, safe='')}:{urllib.parse.quote(client_secret, safe='')}"
            headers["Authorization"] = "Basic " + base64.b64encode(pair.encode()).decode("ascii")
        else:
            form.update({"client_id": client_id, "client_secret": client_secret})
        request = urllib.request.Request(  # noqa: S310 - the endpoint was checked to be https
            self.token_endpoint, data=urllib.parse.urlencode(form).encode(), headers=headers, method="POST"
        )
        answer = _read(request, config.oidc().oidc_timeout_seconds, "the token endpoint")
        id_token = answer.get("id_token") if isinstance(answer, dict) else None
        if not isinstance(id_token, str) or not id_token:
            raise SignInRefused("the token endpoint gave no ID token")
        return self.verify(id_token, client_id=client_id, nonce=nonce)

    def verify(self, id_token: str, *, client_id: str, nonce: str) -> dict[str, Any]:
        """The ID token's claims once its signature, issuer, audience, expiry and nonce check out."""
        try:
            key = _jwks(self.jwks_uri).get_signing_key_from_jwt(id_token)
        except jwt.PyJWKClientConnectionError as exc:
            raise TransientError(f"the provider's keys: {exc}") from exc
        except (jwt.PyJWKClientError, jwt.InvalidTokenError) as exc:
            raise SignInRefused(f"the ID token's key: {exc}") from exc
        try:
            claims: dict[str, Any] = jwt.decode(
                id_token,
                key,
                algorithms=list(self.algorithms),
                audience=client_id,
                issuer=(self.issuer, *ISSUER_ALIASES.get(self.issuer, ())),
                leeway=LEEWAY_SECONDS,
                options={"require": ["iss", "aud", "exp", "iat", "sub"]},
            )
        except jwt.InvalidTokenError as exc:
            raise SignInRefused(f"the ID token: {exc}") from exc
        audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
        if len(audiences) > 1 and claims.get("azp") != client_id:
            raise SignInRefused("the ID token has several audiences and is not authorized for Kring")
        given = claims.get("nonce")
        if not isinstance(given, str) or not hmac.compare_digest(given.encode(), nonce.encode()):
            raise SignInRefused("the ID token's nonce is not this sign-in's")
        return claims


_lock = threading.Lock()
_providers: dict[str, tuple[float, Provider]] = {}
_key_sets: dict[str, jwt.PyJWKClient] = {}


def clear_cache() -> None:
    with _lock:
        _providers.clear()
        _key_sets.clear()


def _jwks(uri: str) -> jwt.PyJWKClient:
    with _lock:
        client = _key_sets.get(uri)
        if client is None:
            client = jwt.PyJWKClient(
                uri,
                lifespan=JWKS_SECONDS,
                timeout=config.oidc().oidc_timeout_seconds,
                headers={"User-Agent": USER_AGENT},
            )
            _key_sets[uri] = client
        return client


def provider(issuer: str) -> Provider:
    """The issuer's endpoints (discovery, kept warm); TransientError when it cannot be read or does
    not describe this issuer."""
    now = time.monotonic()
    with _lock:
        kept = _providers.get(issuer)
    if kept is not None and now - kept[0] < DISCOVERY_SECONDS:
        return kept[1]
    url = issuer.rstrip("/") + "/.well-known/openid-configuration"
    request = urllib.request.Request(  # noqa: S310 - the issuer is https (config)
        url, headers={"Accept": "application/json", "User-Agent": USER_AGENT}
    )
    try:
        document = _read(request, config.oidc().oidc_timeout_seconds, "the discovery document")
    except SignInRefused as exc:
        raise TransientError(str(exc)) from exc
    found = _provider_of(issuer, document)
    with _lock:
        _providers[issuer] = (now, found)
    return found


def _provider_of(issuer: str, document: object) -> Provider:
    if not isinstance(document, dict):
        raise TransientError("the discovery document is not an object")
    named = document.get("issuer")
    if not isinstance(named, str) or named.rstrip("/") != issuer.rstrip("/"):
        raise TransientError(f"the discovery document is another issuer's: {json.dumps(named)}")
    endpoints = [document.get(k) for k in ("authorization_endpoint", "token_endpoint", "jwks_uri")]
    if not all(_safe_url(e) for e in endpoints):
        raise TransientError("the discovery document lacks an https endpoint")
    offered = document.get("id_token_signing_alg_values_supported") or ["RS256"]
    algorithms = tuple(a for a in ASYMMETRIC if isinstance(offered, list) and a in offered)
    if not algorithms:
        raise TransientError("the provider signs ID tokens with no algorithm Kring accepts")
    methods = document.get("token_endpoint_auth_methods_supported") or ["client_secret_basic"]
    basic = (
        not isinstance(methods, list)
        or "client_secret_basic" in methods
        or "client_secret_post" not in methods
    )
    return Provider(
        issuer=named,
        authorization_endpoint=str(endpoints[0]),
        token_endpoint=str(endpoints[1]),
        jwks_uri=str(endpoints[2]),
        algorithms=algorithms,
        basic_auth=basic,
    )

"""A tiny OpenID Connect provider for tests: one HTTP server thread on 127.0.0.1 serving the
discovery document, the JWKS and a token endpoint, signing ID tokens (RS256) with an RSA key made
here. Nothing calls a real identity provider.

A test plays the browser and the person: it reads the authorization URL Kring redirects to, and
:meth:`OidcProvider.issue_code` stands for the person signing in there (the code remembers the
request's nonce, PKCE challenge and redirect URI, and the claims the ID token will carry). The
token endpoint checks the client's secret (HTTP Basic), the code (once), the redirect URI and the
PKCE verifier as a real provider does; :attr:`OidcProvider.token_requests` keeps what it was sent.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

CLIENT_ID = "kring-dashboard-test"
CLIENT_SECRET = "oidc-client-secret-for-tests"
KID = "test-key-1"


def _rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@dataclass
class _Grant:
    client_id: str
    redirect_uri: str
    challenge: str
    claims: dict[str, Any]
    other_key: bool


@dataclass
class OidcProvider:
    server: ThreadingHTTPServer
    key: rsa.RSAPrivateKey = field(default_factory=_rsa_key)
    intruder_key: rsa.RSAPrivateKey = field(default_factory=_rsa_key)  # signs "bad signature" tokens
    grants: dict[str, _Grant] = field(default_factory=dict)
    token_requests: list[dict[str, Any]] = field(default_factory=list)

    @property
    def issuer(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}"

    def discovery(self) -> dict[str, Any]:
        return {
            "issuer": self.issuer,
            "authorization_endpoint": f"{self.issuer}/authorize",
            "token_endpoint": f"{self.issuer}/token",
            "jwks_uri": f"{self.issuer}/jwks",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
            "code_challenge_methods_supported": ["S256"],
        }

    def jwks(self) -> dict[str, Any]:
        jwk = RSAAlgorithm.to_jwk(self.key.public_key(), as_dict=True)
        return {"keys": [{**jwk, "kid": KID, "use": "sig", "alg": "RS256"}]}

    def issue_code(
        self, authorization: dict[str, str], address: str, /, *, other_key: bool = False, **claims: Any
    ) -> str:
        """The person signs in as ``address``: a code for the authorization request's parameters.
        ``claims`` replace the ID token's (``None`` removes one); ``other_key`` signs it with a key
        the JWKS does not hold (under the JWKS's key id)."""
        now = int(time.time())
        token_claims: dict[str, Any] = {
            "iss": self.issuer,
            "aud": authorization["client_id"],
            "sub": "sub-" + hashlib.sha256(address.encode()).hexdigest()[:16],
            "iat": now,
            "exp": now + 600,
            "nonce": authorization["nonce"],
            "email": address,
            "email_verified": True,
        }
        for name, value in claims.items():
            if value is None:
                token_claims.pop(name, None)
            else:
                token_claims[name] = value
        code = secrets.token_urlsafe(24)
        self.grants[code] = _Grant(
            client_id=authorization["client_id"],
            redirect_uri=authorization["redirect_uri"],
            challenge=authorization["code_challenge"],
            claims=token_claims,
            other_key=other_key,
        )
        return code

    def token(self, form: dict[str, str], authorization: str | None) -> tuple[int, dict[str, Any]]:
        self.token_requests.append({"form": form, "authorization": authorization})
        client_id, secret = form.get("client_id"), form.get("client_secret")
        if authorization and authorization.startswith("Basic "):
            pair = base64.b64decode(authorization[6:]).decode()
            client_id, _, secret = (unquote(p) for p in pair.partition(":"))
        grant = self.grants.pop(form.get("code", ""), None)  # a code works once
        if client_id != CLIENT_ID or secret != CLIENT_SECRET:
            return 401, {"error": "invalid_client"}
        if grant is None or grant.client_id != client_id or form.get("grant_type") != "authorization_code":
            return 400, {"error": "invalid_grant"}
        if form.get("redirect_uri") != grant.redirect_uri:
            return 400, {"error": "invalid_grant", "error_description": "redirect_uri"}
        verifier = form.get("code_verifier", "")
        digest = hashlib.sha256(verifier.encode()).digest()
        if base64.urlsafe_b64encode(digest).decode().rstrip("=") != grant.challenge:
            return 400, {"error": "invalid_grant", "error_description": "PKCE"}
        key = self.intruder_key if grant.other_key else self.key
        id_token = jwt.encode(grant.claims, key, algorithm="RS256", headers={"kid": KID})
        return 200, {
            "access_token": "at-" + secrets.token_urlsafe(8),
            "token_type": "Bearer",
            "id_token": id_token,
        }

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def start() -> OidcProvider:
    holder: list[OidcProvider] = []

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            return

        def _answer(self, status: int, body: dict[str, Any]) -> None:
            raw = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw)

        def do_GET(self) -> None:
            provider = holder[0]
            if self.path == "/.well-known/openid-configuration":
                self._answer(200, provider.discovery())
            elif self.path == "/jwks":
                self._answer(200, provider.jwks())
            else:
                self._answer(404, {"error": "not_found"})

        def do_POST(self) -> None:
            provider = holder[0]
            if self.path != "/token":
                self._answer(404, {"error": "not_found"})
                return
            length = int(self.headers.get("Content-Length") or 0)
            parsed = parse_qs(self.rfile.read(length).decode(), keep_blank_values=True)
            form = {k: v[-1] for k, v in parsed.items()}
            self._answer(*provider.token(form, self.headers.get("Authorization")))

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    provider = OidcProvider(server)
    holder.append(provider)
    threading.Thread(target=server.serve_forever, daemon=True, name="oidc-provider").start()
    return provider

"""The bootstrap admin token (the ``admin-token`` secret): an admin on every request, compared in
constant time, no default."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from kring import config
from kring.access.credentials import BOOTSTRAP_PRINCIPAL, authenticate, bearer_token
from kring.errors import UnauthorizedError
from tests.support.fixtures import ADMIN_TOKEN

NOW = datetime(2026, 12, 5, 12, tzinfo=UTC)


@pytest.mark.parametrize(
    ("header", "token"),
    [
        (f"Bearer {ADMIN_TOKEN}", ADMIN_TOKEN),
        (f"bearer {ADMIN_TOKEN}", ADMIN_TOKEN),
        (f"  BEARER   {ADMIN_TOKEN} ", ADMIN_TOKEN),
        (None, None),
        ("", None),
        ("Bearer", None),
        ("Bearer   ", None),
        (f"Basic {ADMIN_TOKEN}", None),
        (ADMIN_TOKEN, None),
    ],
)
def test_the_bearer_token_is_read_from_the_authorization_header(
    header: str | None, token: str | None
) -> None:
    assert bearer_token(header) == token


def test_the_configured_admin_token_is_the_bootstrap_admin(secrets_env: None) -> None:
    principal = authenticate(f"Bearer {ADMIN_TOKEN}", now=NOW)
    assert principal == BOOTSTRAP_PRINCIPAL
    assert (principal.actor, principal.role) == ("bootstrap", "admin")


@pytest.mark.parametrize(
    "header",
    [
        None,
        "",
        "Bearer wrong",
        f"Bearer {ADMIN_TOKEN}x",
        f"Bearer {ADMIN_TOKEN[:-1]}",
        f"Basic {ADMIN_TOKEN}",
    ],
)
def test_a_missing_or_wrong_token_is_refused(secrets_env: None, header: str | None) -> None:
    with pytest.raises(UnauthorizedError):
        authenticate(header, now=NOW)


def test_without_a_configured_token_everyone_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SECRETS_SSM_PATH", raising=False)
    monkeypatch.delenv("KRING_ADMIN_TOKEN", raising=False)
    config.clear_caches()
    for header in ("Bearer ", "Bearer None", "Bearer null", f"Bearer {ADMIN_TOKEN}"):
        with pytest.raises(UnauthorizedError):
            authenticate(header, now=NOW)

"""The admin API's credentials: ``Authorization: Bearer <admin token>`` on every request.

The token is the secret ``admin-token`` (SSM in AWS, ``KRING_ADMIN_TOKEN`` on the local stack),
compared in constant time. With no token configured the API refuses everyone: there is no
default token.
"""

from __future__ import annotations

import hmac
from typing import TYPE_CHECKING

from kring.errors import UnauthorizedError
from kring.integrations.secrets import get_secret
from kring.observability import logger

if TYPE_CHECKING:
    from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
    from aws_lambda_powertools.event_handler.middlewares import NextMiddleware

ADMIN_TOKEN_SECRET = "admin-token"  # noqa: S105 - the secret's name, not a secret
_SCHEME = "bearer"


def bearer_token(authorization: str | None) -> str | None:
    """The token of an ``Authorization: Bearer <token>`` header (scheme case-insensitive)."""
    if not authorization:
        return None
    scheme, _, token = authorization.strip().partition(" ")
    token = token.strip()
    if scheme.lower() != _SCHEME or not token:
        return None
    return token


def require_admin(authorization: str | None) -> None:
    """Raise :class:`UnauthorizedError` unless the header carries the configured admin token."""
    presented = bearer_token(authorization)
    expected = get_secret(ADMIN_TOKEN_SECRET)
    if expected is None:
        logger.warning("admin API refused a request: no admin token is configured")
    if (
        presented is None
        or expected is None
        or not hmac.compare_digest(presented.encode("utf-8"), expected.encode("utf-8"))
    ):
        raise UnauthorizedError("a valid admin bearer token is required")


def admin_only(app: APIGatewayHttpResolver, next_middleware: NextMiddleware) -> Response[str]:
    """Powertools middleware: before anything else, the request must carry the admin token."""
    require_admin(app.current_event.headers.get("authorization"))
    return next_middleware(app)

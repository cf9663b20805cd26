"""The admin API's HTTP adapter: one Powertools resolver, its routers, the access check in front of
every route (:mod:`kring.api.auth`: bearer token → role, the route's least role, the audit trail),
and the mapping from domain errors to JSON error responses — in one place.

Every error body is ``{"error": {"code": "...", "message": "...", "details": [...]}}``.
Anything not mapped here is a bug or an outage: it propagates, Lambda records the error and the
HTTP API answers 500.
"""

from __future__ import annotations

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.event_handler.exceptions import NotFoundError as RouteNotFoundError

from kring.api import (
    ambassadors,
    applications,
    invitations,
    leaderboards,
    programme,
    rewards,
    stats,
    suppressions,
    team,
    team_access,
    vacancies,
)
from kring.api.auth import role_check
from kring.api.responses import error_response
from kring.errors import (
    ConflictError,
    FieldValidationError,
    ForbiddenError,
    InvalidInputError,
    KringError,
    NotFoundError,
    PayloadTooLargeError,
    TransientError,
    UnauthorizedError,
)
from kring.observability import logger

__all__ = ["app"]

PREFIX = "/api"

app = APIGatewayHttpResolver()
app.use(middlewares=[role_check])
app.include_router(ambassadors.router, prefix=PREFIX)
app.include_router(vacancies.router, prefix=PREFIX)
app.include_router(stats.router, prefix=PREFIX)
app.include_router(rewards.router, prefix=PREFIX)
app.include_router(applications.router, prefix=PREFIX)
app.include_router(suppressions.router, prefix=PREFIX)
app.include_router(team.router, prefix=PREFIX)
app.include_router(programme.router, prefix=PREFIX)
app.include_router(invitations.router, prefix=PREFIX)
app.include_router(leaderboards.router, prefix=PREFIX)
app.include_router(team_access.router, prefix=PREFIX)


def _allowed_methods(path: str) -> list[str]:
    """The methods some route serves at ``path`` (for 405 versus 404)."""
    routes = app._static_routes + app._dynamic_routes
    return sorted({route.method for route in routes if route.rule.match(path)})


@app.not_found
def _route_not_found(_exc: RouteNotFoundError) -> Response[str]:
    event = app.current_event
    allowed = _allowed_methods(event.path)
    if allowed:
        return error_response(
            405,
            "method_not_allowed",
            f"{event.http_method} is not allowed here; use {', '.join(allowed)}",
            headers={"Allow": ", ".join(allowed)},
        )
    return error_response(404, "route_not_found", f"no route {event.http_method} {event.path}")


# Domain error → (status, code, extra headers). Looked up along the exception's MRO, so the most
# specific class wins (FieldValidationError is an InvalidInputError, answered 422 not 400).
ERROR_RESPONSES: dict[type[KringError], tuple[int, str, dict[str, str]]] = {
    UnauthorizedError: (401, "unauthorized", {"WWW-Authenticate": 'Bearer realm="kring"'}),
    ForbiddenError: (403, "forbidden", {}),
    NotFoundError: (404, "not_found", {}),
    FieldValidationError: (422, "validation_failed", {}),
    InvalidInputError: (400, "bad_request", {}),
    PayloadTooLargeError: (413, "payload_too_large", {}),
    ConflictError: (409, "conflict", {}),
    TransientError: (503, "unavailable", {"Retry-After": "2"}),
}


def error_for(exc: KringError) -> Response[str]:
    """The one mapping from a domain error to its JSON response."""
    for cls in type(exc).__mro__:
        if cls in ERROR_RESPONSES:
            status, code, headers = ERROR_RESPONSES[cls]
            break
    else:  # pragma: no cover - only the classes above are registered
        raise exc
    if isinstance(exc, TransientError):
        logger.warning("admin API request failed transiently", extra={"reason": str(exc)})
        return error_response(status, code, "try again shortly", headers=headers)
    details = exc.details if isinstance(exc, FieldValidationError) else ()
    return error_response(status, code, str(exc), details, headers=headers)


app.exception_handler(list(ERROR_RESPONSES))(error_for)

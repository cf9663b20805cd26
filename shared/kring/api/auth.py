"""The admin API's access check and audit, in front of every route (a Powertools middleware).

1. The bearer token becomes a principal (:mod:`kring.access.credentials`: the bootstrap
   ``admin-token`` secret or a named API token) — else 401.
2. The matched route's least role (:data:`kring.api.route_roles.ROUTE_RULES`) must be within the
   principal's — else 403. (A request that matches no route goes on to its 404 or 405.)
3. A change (any method but GET and HEAD) that answers below 400 is written to the audit trail in
   the same request: who (the principal), what (method, route, target id, the route's summary),
   when. A route may name its target and add to the summary in the resolver's context
   (``audit_target``, ``audit_note``); else the target is the path's ids, or the last segment of
   the answer's ``Location`` (what a POST created).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from kring.access import audit
from kring.access.credentials import Principal, authenticate, bearer_token
from kring.api.route_roles import ROUTE_RULES, UNDECLARED
from kring.errors import ForbiddenError
from kring.models.access import allows

if TYPE_CHECKING:
    from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
    from aws_lambda_powertools.event_handler.middlewares import NextMiddleware

__all__ = ["bearer_token", "current_principal", "role_check"]

READS = frozenset({"GET", "HEAD"})


def current_principal(context: dict[str, object]) -> Principal:
    principal = context.get("principal")
    assert isinstance(principal, Principal), "the role_check middleware runs first"
    return principal


def role_check(app: APIGatewayHttpResolver, next_middleware: NextMiddleware) -> Response[str]:
    """Powertools middleware: authenticate, authorise the route's role, audit a change."""
    now = datetime.now(UTC)
    principal = authenticate(app.current_event.headers.get("authorization"), now=now)
    route = app.context.get("_route")
    method = app.current_event.http_method.upper()
    if route is None:  # no such route: its 404 or 405, for an authenticated caller only
        return next_middleware(app)
    rule = ROUTE_RULES.get((route.method, route.path), UNDECLARED)
    if not allows(principal.role, rule.role):
        raise ForbiddenError(f"this needs the {rule.role} role; the credentials have {principal.role}")
    app.context.update(principal=principal)
    response = next_middleware(app)
    if method not in READS and response.status_code < 400:
        args = app.context.get("_route_args") or {}
        location = str(response.headers.get("Location") or "")
        target = (
            app.context.get("audit_target")
            or "/".join(str(v) for v in args.values())
            or location.rstrip("/").rpartition("/")[2]
            or None
        )
        note = app.context.get("audit_note")
        audit.record(
            actor=principal.actor,
            actor_name=principal.name,
            role=principal.role,
            method=method,
            route=route.path,
            target=str(target) if target else None,
            status=response.status_code,
            summary=f"{rule.what}: {note}" if note else rule.what,
            now=now,
        )
    return response

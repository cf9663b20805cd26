"""GET and HEAD /r/{code}: the tracked link's redirect (see :mod:`kring.redirect`).

Deliberately lean — stdlib logging, botocore, no Powertools, no pydantic — because every click is
a potential cold start: this module parses the HTTP API v2 event, calls one function and maps its
answer back.
"""

from __future__ import annotations

from typing import Any

# botocore's client machinery is loaded at the container's init, not on the first click (no
# client is created here: that needs the environment, and happens on the first request).
import botocore.session  # noqa: F401

from kring.redirect import Request, redirect
from kring.redirect.channel import CHANNEL_PARAMETER


def _first(value: str | None) -> str | None:
    """One value of a query parameter API Gateway joined with commas (``?ch=x&ch=y``)."""
    return value.split(",", 1)[0] if value else None


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    http = event.get("requestContext", {}).get("http", {})
    headers = event.get("headers") or {}
    request = Request(
        method=http.get("method") or "GET",
        code=(event.get("pathParameters") or {}).get("code", ""),
        channel_parameter=_first((event.get("queryStringParameters") or {}).get(CHANNEL_PARAMETER)),
        user_agent=headers.get("user-agent"),
        accept_language=headers.get("accept-language"),
        referer=headers.get("referer"),
        source_ip=http.get("sourceIp") or "",
        received_at_ms=event.get("requestContext", {}).get("timeEpoch"),
    )
    remaining = getattr(context, "get_remaining_time_in_millis", None)
    response = redirect(request, remaining)
    return {"statusCode": response.status, "headers": response.headers, "body": response.body}

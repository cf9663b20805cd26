"""POST /webhooks/{provider}: an ATS tells Kring what changed.

Thin: take the raw body bytes (signatures are over them), hand them to the vacancy logic, answer
the status the provider expects. Known permanent errors become JSON error bodies here, once;
everything else propagates, the function fails, and the provider retries the delivery.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response, content_types
from aws_lambda_powertools.logging import correlation_paths

from kring.errors import (
    InvalidInputError,
    KringError,
    PayloadTooLargeError,
    ProviderNotConfiguredError,
    UnauthorizedError,
)
from kring.idempotency import register_lambda_context
from kring.intake import webhooks
from kring.observability import logger, metrics

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

    from kring.integrations.eventbridge import EventPublisher
    from kring.integrations.sqs import FetchQueue

app = APIGatewayHttpResolver()


# Known permanent errors: answered once, here, with the status each means. Anything else raises.
_REFUSALS: dict[type[KringError], tuple[int, str]] = {
    ProviderNotConfiguredError: (404, "not_found"),
    PayloadTooLargeError: (413, "payload_too_large"),
    UnauthorizedError: (401, "unauthorized"),
    InvalidInputError: (400, "bad_request"),
}


@app.post("/webhooks/<provider>")
def receive(provider: str) -> Response[str]:
    event = app.current_event
    body = event.body or ""
    try:
        try:
            raw = base64.b64decode(body, validate=True) if event.is_base64_encoded else body.encode("utf-8")
        except binascii.Error as exc:
            raise InvalidInputError("the body is not valid base64") from exc
        reply = webhooks.receive_webhook(
            provider,
            event.headers,
            raw,
            publisher=app.context.get("publisher"),
            fetch_queue=app.context.get("fetch_queue"),
        )
    except tuple(_REFUSALS) as exc:
        status, code = next(v for k, v in _REFUSALS.items() if isinstance(exc, k))
        return _error(status, code, exc)
    return Response(
        status_code=reply.status,
        content_type=content_types.APPLICATION_JSON,
        body=json.dumps(reply.body),
        headers=reply.headers,
    )


def _error(status: int, code: str, exc: Exception | str) -> Response[str]:
    message = str(exc)
    logger.warning("webhook refused", extra={"status": status, "code": code, "reason": message})
    metrics.add_metric(name="WebhookRefused", unit="Count", value=1)
    return Response(
        status_code=status,
        content_type=content_types.APPLICATION_JSON,
        body=json.dumps({"error": {"code": code, "message": message}}),
    )


@app.not_found
def _no_route(exc: Exception) -> Response[str]:
    del exc
    return _error(404, "not_found", "no such webhook")


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP, clear_state=True)
@metrics.log_metrics
def handler(
    event: dict[str, Any],
    context: LambdaContext,
    publisher: EventPublisher | None = None,
    fetch_queue: FetchQueue | None = None,
) -> dict[str, Any]:
    register_lambda_context(context)
    app.context["publisher"] = publisher
    app.context["fetch_queue"] = fetch_queue
    return app.resolve(event, context)

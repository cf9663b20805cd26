"""GET /s/{code}/{network}: the ambassador's one-tap share button.

Thin: read the code, the network, the caller's address and user agent (they only become a visitor
hash), call :func:`kring.sharing.intents.share`, answer 302 to the network's share dialog. Refusals
are mapped here, once: 404 for a malformed or unknown code, 400 for an unknown network (JSON error
bodies), 410 for a vacancy that is no longer open (a short page in the ambassador's language, else
the vacancy's, for a browser, JSON otherwise). Every answer is ``no-store`` and ``no-referrer``,
and none sets a cookie.

The event goes out through a bus client with sub-second timeouts and two attempts, so that even a
bus that hangs leaves the ambassador on their way to the dialog well within the function's 5 s.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response, content_types
from aws_lambda_powertools.logging import correlation_paths

from kring import aws
from kring.errors import InvalidInputError, KringError, NotFoundError
from kring.integrations.eventbridge import EventBridgePublisher
from kring.observability import logger, metrics
from kring.sharing import intents, texts

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

    from kring.integrations.eventbridge import EventPublisher

app = APIGatewayHttpResolver()

HEADERS = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}


@app.get("/s/<code>/<network>")
def share(code: str, network: str) -> Response[str]:
    event = app.current_event
    location = intents.share(
        intents.ShareRequest(
            code=code,
            network=network,
            source_ip=event.request_context.http.source_ip,
            user_agent=event.headers.get("user-agent") or "",
            accept_language=event.headers.get("accept-language"),
            correlation_id=event.request_context.request_id,
        ),
        publisher=app.context.get("publisher"),
    )
    return Response(status_code=302, body="", headers={**HEADERS, "Location": location})


def _refused(exc: KringError) -> Response[str]:
    """The one mapping from a refusal to its answer."""
    if isinstance(exc, intents.VacancyNotOpenError):
        if "text/html" in (app.current_event.headers.get("accept") or ""):
            return Response(
                status_code=410,
                content_type="text/html; charset=utf-8",
                body=texts.closed_page(exc.language),
                headers=dict(HEADERS),
            )
        return _error(410, "vacancy_closed", texts.texts(exc.language).closed_message)
    if isinstance(exc, InvalidInputError):
        return _error(400, "bad_request", str(exc))
    return _error(404, "not_found", str(exc))


app.exception_handler([NotFoundError, InvalidInputError, intents.VacancyNotOpenError])(_refused)


@app.not_found
def _no_route(exc: Exception) -> Response[str]:
    del exc
    return _error(404, "not_found", "no such share link")


def _error(status: int, code: str, message: str) -> Response[str]:
    # Not kring.api.responses.error_response: importing kring.api loads the whole admin API.
    return Response(
        status_code=status,
        content_type=content_types.APPLICATION_JSON,
        body=json.dumps({"error": {"code": code, "message": message}}),
        headers=dict(HEADERS),
    )


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP, clear_state=True)
@metrics.log_metrics
def handler(
    event: dict[str, Any], context: LambdaContext, publisher: EventPublisher | None = None
) -> dict[str, Any]:
    # Short timeouts and two attempts: a slow bus must not keep the ambassador from the dialog.
    app.context["publisher"] = publisher or EventBridgePublisher(client=aws.hot_path_client("events"))
    return app.resolve(event, context)

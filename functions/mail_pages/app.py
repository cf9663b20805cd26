"""The pages of a mail's signed links (see :mod:`kring.mail.link_pages`): GET shows, POST changes.
No cookie, no session: the token in the path is the only credential."""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response

from kring.mail import link_pages
from kring.observability import logger, metrics

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

app = APIGatewayHttpResolver()


def _respond(page: link_pages.Page) -> Response[str]:
    return Response(status_code=page.status, headers=dict(link_pages.PAGE_HEADERS), body=page.html)


def _form() -> dict[str, str] | None:
    event = app.current_event
    raw = event.get("body") or ""
    try:
        body = base64.b64decode(raw) if event.get("isBase64Encoded") else str(raw).encode("utf-8")
    except ValueError:
        return None
    return link_pages.form_fields(body, event.headers.get("content-type"))


@app.get("/mail/unsubscribe/<token>")
def unsubscribe_page(token: str) -> Response[str]:
    return _respond(link_pages.unsubscribe_page(token))


@app.post("/mail/unsubscribe/<token>")
def unsubscribe_now(token: str) -> Response[str]:
    return _respond(link_pages.unsubscribe_now(token, _form(), now=datetime.now(UTC)))


@app.get("/mail/preferences/<token>")
def preferences_page(token: str) -> Response[str]:
    return _respond(link_pages.preferences_page(token))


@app.post("/mail/preferences/<token>")
def save_preferences(token: str) -> Response[str]:
    return _respond(link_pages.save_preferences(token, _form(), now=datetime.now(UTC)))


@app.not_found
def no_such_page(_exc: Exception) -> Response[str]:
    return _respond(link_pages.not_found())


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)

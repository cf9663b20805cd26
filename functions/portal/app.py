"""The ambassador portal (see :mod:`kring.portal.views`): server-rendered pages under ``/portal``,
signed in with a mailed link, a session cookie and CSRF tokens on every form."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response

from kring.observability import logger, metrics
from kring.portal import views
from kring.web import html

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

app = APIGatewayHttpResolver()


def _request() -> views.Request:
    return html.request_of(app.current_event, views.COOKIE, datetime.now(UTC))


def _respond(reply: views.Reply) -> Response[str]:
    return html.response_of(reply)


def _page(view: Callable[[views.Request], views.Reply]) -> Response[str]:
    return _respond(view(_request()))


@app.get("/portal")
@app.get("/portal/")
def home() -> Response[str]:
    return _page(views.home)


@app.get("/portal/sign-in")
def sign_in_page() -> Response[str]:
    return _page(views.sign_in_page)


@app.post("/portal/sign-in")
def request_sign_in() -> Response[str]:
    return _page(views.request_sign_in)


@app.get("/portal/sign-in/<token>")
def sign_in_link(token: str) -> Response[str]:
    return _respond(views.sign_in_link_page(_request(), token))


@app.post("/portal/sign-in/<token>")
def use_sign_in_link(token: str) -> Response[str]:
    return _respond(views.use_sign_in_link(_request(), token))


@app.post("/portal/sign-out")
def sign_out() -> Response[str]:
    return _page(views.sign_out)


@app.get("/portal/programme")
def programme_page() -> Response[str]:
    return _page(views.programme_page_view)


@app.get("/portal/invitation/<token>")
def invitation(token: str) -> Response[str]:
    return _respond(views.invitation(_request(), token))


@app.post("/portal/invitation/<token>")
def invitation_sign_in(token: str) -> Response[str]:
    return _respond(views.invitation_sign_in(_request(), token))


@app.get("/portal/vacancies")
def vacancies() -> Response[str]:
    return _page(views.vacancies)


@app.get("/portal/results")
def results() -> Response[str]:
    return _page(views.results)


@app.get("/portal/leaderboard")
def leaderboard() -> Response[str]:
    query = app.current_event.get_query_string_value
    return _respond(views.leaderboard(_request(), period=query("period"), board=query("board")))


@app.get("/portal/invite")
def invite() -> Response[str]:
    return _page(views.invite)


@app.get("/portal/join/<code>")
def join(code: str) -> Response[str]:
    return _respond(views.join(_request(), code))


@app.post("/portal/volunteer")
def volunteer() -> Response[str]:
    return _page(views.volunteer)


@app.post("/portal/steps/<step>")
def complete_step(step: str) -> Response[str]:
    return _respond(views.complete_step(_request(), step))


@app.post("/portal/leave")
def leave() -> Response[str]:
    return _page(views.leave)


@app.post("/portal/rejoin")
def rejoin() -> Response[str]:
    return _page(views.rejoin)


@app.get("/portal/preferences")
def preferences() -> Response[str]:
    saved = app.current_event.get_query_string_value("saved") == "1"
    return _respond(views.preferences(_request(), saved=saved))


@app.post("/portal/preferences")
def save_preferences() -> Response[str]:
    return _page(views.save_preferences)


@app.get("/portal/my-data")
def my_data() -> Response[str]:
    return _page(views.my_data)


@app.not_found
def no_such_page(_exc: Exception) -> Response[str]:
    return _page(views.not_found)


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)

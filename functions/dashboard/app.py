"""The talent team's dashboard (see :mod:`kring.web.dashboard`): server-rendered pages under
``/dashboard``, signed in with a mailed link and a session cookie of its own."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response

from kring.observability import logger, metrics
from kring.web import dashboard, dashboard_advocacy, html

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

app = APIGatewayHttpResolver()


def _request() -> html.Request:
    return html.request_of(app.current_event, dashboard.COOKIE, datetime.now(UTC))


def _page(view: Callable[[html.Request], html.Reply]) -> Response[str]:
    return html.response_of(view(_request()))


@app.get("/dashboard")
@app.get("/dashboard/")
def home() -> Response[str]:
    return _page(dashboard.home)


@app.get("/dashboard/sign-in")
def sign_in_page() -> Response[str]:
    return _page(dashboard.sign_in_page)


@app.post("/dashboard/sign-in")
def request_sign_in() -> Response[str]:
    return _page(dashboard.request_sign_in)


@app.get("/dashboard/sign-in/<token>")
def sign_in_link(token: str) -> Response[str]:
    return html.response_of(dashboard.sign_in_link_page(_request(), token))


@app.post("/dashboard/sign-in/<token>")
def use_sign_in_link(token: str) -> Response[str]:
    return html.response_of(dashboard.use_sign_in_link(_request(), token))


@app.post("/dashboard/sign-out")
def sign_out() -> Response[str]:
    return _page(dashboard.sign_out)


@app.get("/dashboard/programme")
def programme() -> Response[str]:
    return _page(dashboard.programme)


@app.get("/dashboard/programme.csv")
def programme_csv() -> Response[str]:
    return _page(dashboard.programme_csv)


@app.get("/dashboard/vacancies")
def vacancies() -> Response[str]:
    return _page(dashboard.vacancies)


@app.get("/dashboard/vacancies.csv")
def vacancies_csv() -> Response[str]:
    return _page(dashboard.vacancies_csv)


# before the vacancy's page: its pattern would take "<id>.csv" for an id
@app.get("/dashboard/vacancies/<vacancy_id>.csv")
def vacancy_csv(vacancy_id: str) -> Response[str]:
    return html.response_of(dashboard.vacancy_csv(_request(), vacancy_id))


@app.get("/dashboard/vacancies/<vacancy_id>")
def vacancy(vacancy_id: str) -> Response[str]:
    return html.response_of(dashboard.vacancy(_request(), vacancy_id))


@app.get("/dashboard/leaderboards")
def leaderboards() -> Response[str]:
    return _page(dashboard_advocacy.leaderboards)


@app.get("/dashboard/leaderboards.csv")
def leaderboards_csv() -> Response[str]:
    return _page(dashboard_advocacy.leaderboards_csv)


@app.get("/dashboard/invitations")
def invitations() -> Response[str]:
    return _page(dashboard_advocacy.invitations)


@app.get("/dashboard/invitations.csv")
def invitations_csv() -> Response[str]:
    return _page(dashboard_advocacy.invitations_csv)


@app.post("/dashboard/invitations/launch")
def launch_campaign() -> Response[str]:
    return _page(dashboard_advocacy.launch_campaign)


@app.post("/dashboard/invitations/checklist")
def save_checklist() -> Response[str]:
    return _page(dashboard_advocacy.save_checklist)


@app.get("/dashboard/cost")
def cost() -> Response[str]:
    return _page(dashboard_advocacy.cost)


@app.get("/dashboard/cost.csv")
def cost_csv() -> Response[str]:
    return _page(dashboard_advocacy.cost_csv)


@app.not_found
def no_such_page(_exc: Exception) -> Response[str]:
    return _page(dashboard.not_found)


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)

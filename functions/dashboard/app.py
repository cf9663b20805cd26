"""The talent team's dashboard (see :mod:`kring.web.dashboard`): server-rendered pages under
``/dashboard``, signed in with a mailed link and a session cookie of its own."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response

from kring.observability import logger, metrics
from kring.web import (
    dashboard,
    dashboard_advocacy,
    dashboard_ambassadors,
    dashboard_rewards,
    dashboard_settings,
    dashboard_sso,
    html,
)

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

app = APIGatewayHttpResolver()


def _request(cookie: str = dashboard.COOKIE) -> html.Request:
    return html.request_of(app.current_event, cookie, datetime.now(UTC))


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


# single sign-on: these two read the sign-in's own cookie (its state), not the session's
@app.get("/dashboard/sso")
def sso_start() -> Response[str]:
    return html.response_of(dashboard_sso.start(_request(dashboard_sso.COOKIE)))


@app.get("/dashboard/sso/callback")
def sso_callback() -> Response[str]:
    return html.response_of(dashboard_sso.callback(_request(dashboard_sso.COOKIE)))


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


@app.get("/dashboard/connections")
def connections() -> Response[str]:
    return _page(dashboard.connections_page)


@app.get("/dashboard/connections.csv")
def connections_csv() -> Response[str]:
    return _page(dashboard.connections_csv)


@app.post("/dashboard/connections/redrive")
def redrive() -> Response[str]:
    return _page(dashboard.redrive)


# before the vacancy's page: its pattern would take "<id>.csv" for an id
@app.get("/dashboard/vacancies/<vacancy_id>.csv")
def vacancy_csv(vacancy_id: str) -> Response[str]:
    return html.response_of(dashboard.vacancy_csv(_request(), vacancy_id))


@app.get("/dashboard/vacancies/<vacancy_id>")
def vacancy(vacancy_id: str) -> Response[str]:
    return html.response_of(dashboard.vacancy(_request(), vacancy_id))


@app.get("/dashboard/ambassadors")
def ambassadors() -> Response[str]:
    return _page(dashboard_ambassadors.roster)


@app.get("/dashboard/ambassadors.csv")
def ambassadors_csv() -> Response[str]:
    return _page(dashboard_ambassadors.roster_csv)


def _import_request() -> html.Request:
    """A request whose form may hold a file, chosen or pasted (larger than a page's form)."""
    return html.request_of(
        app.current_event,
        dashboard.COOKIE,
        datetime.now(UTC),
        max_form_bytes=dashboard_ambassadors.IMPORT_FORM_BYTES,
        files=True,
    )


# before one ambassador's pages: their pattern would take "import" for an id
@app.get("/dashboard/ambassadors/import")
def ambassador_import() -> Response[str]:
    return _page(dashboard_ambassadors.import_page)


@app.post("/dashboard/ambassadors/import/preview")
def ambassador_import_preview() -> Response[str]:
    return html.response_of(dashboard_ambassadors.import_preview(_import_request()))


@app.post("/dashboard/ambassadors/import")
def ambassador_import_run() -> Response[str]:
    return html.response_of(dashboard_ambassadors.run_import(_import_request()))


@app.get("/dashboard/ambassadors/<ambassador_id>.csv")
def ambassador_csv(ambassador_id: str) -> Response[str]:
    return html.response_of(dashboard_ambassadors.ambassador_csv(_request(), ambassador_id))


@app.get("/dashboard/ambassadors/<ambassador_id>")
def ambassador(ambassador_id: str) -> Response[str]:
    return html.response_of(dashboard_ambassadors.ambassador(_request(), ambassador_id))


@app.post("/dashboard/ambassadors/<ambassador_id>/phase")
def ambassador_phase(ambassador_id: str) -> Response[str]:
    return html.response_of(dashboard_ambassadors.move_phase(_request(), ambassador_id))


@app.get("/dashboard/ambassadors/<ambassador_id>/erase")
def ambassador_erase_page(ambassador_id: str) -> Response[str]:
    return html.response_of(dashboard_ambassadors.erase_page(_request(), ambassador_id))


@app.post("/dashboard/ambassadors/<ambassador_id>/erase")
def ambassador_erase(ambassador_id: str) -> Response[str]:
    return html.response_of(dashboard_ambassadors.erase(_request(), ambassador_id))


@app.get("/dashboard/ambassadors/<ambassador_id>/erased")
def ambassador_erased(ambassador_id: str) -> Response[str]:
    return html.response_of(dashboard_ambassadors.erased(_request(), ambassador_id))


@app.get("/dashboard/applications")
def applications() -> Response[str]:
    return _page(dashboard_rewards.applications)


@app.get("/dashboard/applications.csv")
def applications_csv() -> Response[str]:
    return _page(dashboard_rewards.applications_csv)


# before the application's page: its pattern would take "<id>.csv" for an id
@app.get("/dashboard/applications/<provider>/<application_id>.csv")
def application_csv(provider: str, application_id: str) -> Response[str]:
    return html.response_of(
        dashboard_rewards.application_csv(_request(), unquote(provider), unquote(application_id))
    )


@app.get("/dashboard/applications/<provider>/<application_id>")
def application(provider: str, application_id: str) -> Response[str]:
    return html.response_of(
        dashboard_rewards.application(_request(), unquote(provider), unquote(application_id))
    )


@app.get("/dashboard/rewards")
def rewards() -> Response[str]:
    return _page(dashboard_rewards.rewards)


@app.get("/dashboard/rewards.csv")
def rewards_csv() -> Response[str]:
    return _page(dashboard_rewards.rewards_csv)


@app.get("/dashboard/rewards/totals.csv")
def rewards_totals_csv() -> Response[str]:
    return _page(dashboard_rewards.rewards_totals_csv)


@app.get("/dashboard/rewards/payroll.csv")
def payroll_csv() -> Response[str]:
    return _page(dashboard_rewards.payroll_csv)


@app.post("/dashboard/rewards/pay")
def pay_batch() -> Response[str]:
    return _page(dashboard_rewards.pay_batch)


@app.post("/dashboard/rewards/<ambassador_id>/<reward_id>/pay")
def pay_one(ambassador_id: str, reward_id: str) -> Response[str]:
    return html.response_of(dashboard_rewards.pay_one(_request(), unquote(ambassador_id), unquote(reward_id)))


@app.get("/dashboard/settings")
def settings() -> Response[str]:
    return _page(dashboard_settings.settings)


@app.post("/dashboard/settings/<group>")
def change_settings(group: str) -> Response[str]:
    return html.response_of(dashboard_settings.change_settings(_request(), group))


@app.get("/dashboard/team")
def team() -> Response[str]:
    return _page(dashboard_settings.team)


@app.get("/dashboard/team.csv")
def team_csv() -> Response[str]:
    return _page(dashboard_settings.team_csv)


@app.post("/dashboard/team/users")
def add_user() -> Response[str]:
    return _page(dashboard_settings.add_user)


@app.post("/dashboard/team/users/<user_id>")
def change_user(user_id: str) -> Response[str]:
    return html.response_of(dashboard_settings.change_user(_request(), user_id))


@app.post("/dashboard/team/users/<user_id>/remove")
def remove_user(user_id: str) -> Response[str]:
    return html.response_of(dashboard_settings.remove_user(_request(), user_id))


@app.post("/dashboard/team/tokens")
def create_token() -> Response[str]:
    return _page(dashboard_settings.create_token)


@app.post("/dashboard/team/tokens/<token_id>/revoke")
def revoke_token(token_id: str) -> Response[str]:
    return html.response_of(dashboard_settings.revoke_token(_request(), token_id))


@app.get("/dashboard/audit")
def audit() -> Response[str]:
    return _page(dashboard_settings.audit)


@app.get("/dashboard/audit.csv")
def audit_csv() -> Response[str]:
    return _page(dashboard_settings.audit_csv)


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

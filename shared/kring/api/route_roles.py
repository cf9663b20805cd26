"""The least role each admin-API route needs, and what a change through it is called in the audit
trail — every route of :mod:`kring.api.app`, in one table (a test holds the table and the routes to
each other). Reads need ``viewer``; changes ``recruiter``; settings, users, tokens, imports,
erasure and paying rewards ``admin``. A route missing here is refused to all but admins."""

from __future__ import annotations

from dataclasses import dataclass

from kring.models.access import Role


@dataclass(frozen=True)
class RouteRule:
    role: Role
    what: str  # the audit trail's summary of a change through the route


def _read(what: str) -> RouteRule:
    return RouteRule("viewer", what)


ROUTE_RULES: dict[tuple[str, str], RouteRule] = {
    # ambassadors
    ("GET", "/api/ambassadors"): _read("list ambassadors"),
    ("POST", "/api/ambassadors"): RouteRule("recruiter", "ambassador saved"),
    ("POST", "/api/ambassadors/import"): RouteRule("admin", "ambassador import started"),
    ("GET", "/api/ambassadors/imports/<job_id>"): _read("import report"),
    ("GET", "/api/ambassadors/<ambassador_id>"): _read("ambassador"),
    ("PATCH", "/api/ambassadors/<ambassador_id>"): RouteRule("recruiter", "ambassador changed"),
    ("DELETE", "/api/ambassadors/<ambassador_id>"): RouteRule("admin", "ambassador erased"),
    ("GET", "/api/ambassadors/<ambassador_id>/stats"): _read("ambassador's figures"),
    ("GET", "/api/ambassadors/<ambassador_id>/journey"): _read("ambassador's journey"),
    ("POST", "/api/ambassadors/<ambassador_id>/phase"): RouteRule("recruiter", "ambassador's phase moved"),
    ("GET", "/api/ambassadors/<ambassador_id>/points"): _read("ambassador's points"),
    # vacancies and figures
    ("GET", "/api/vacancies"): _read("list vacancies"),
    ("GET", "/api/vacancies/<vacancy_id>"): _read("vacancy"),
    ("PATCH", "/api/vacancies/<vacancy_id>"): RouteRule("recruiter", "vacancy changed"),
    ("GET", "/api/vacancies/<vacancy_id>/shares"): _read("vacancy's share links"),
    ("GET", "/api/vacancies/<vacancy_id>/funnel"): _read("vacancy's funnel"),
    ("GET", "/api/vacancies/<vacancy_id>/ambassadors"): _read("vacancy's ambassadors"),
    ("GET", "/api/program/funnel"): _read("programme's funnel"),
    ("GET", "/api/applications/<provider>/<application_id>/attribution"): _read("attribution"),
    # rewards
    ("GET", "/api/rewards"): _read("reward ledger"),
    ("POST", "/api/rewards/<ambassador_id>/<reward_id>/pay"): RouteRule("admin", "reward paid"),
    # mail suppressions
    ("GET", "/api/suppressions"): _read("list suppressions"),
    ("GET", "/api/suppressions/<suppression_id>"): _read("suppression"),
    ("DELETE", "/api/suppressions/<suppression_id>"): RouteRule("recruiter", "suppression cleared"),
    # the talent team's settings and digest recipients
    ("GET", "/api/team/recipients"): _read("digest recipients"),
    ("POST", "/api/team/recipients"): RouteRule("admin", "digest recipient added"),
    ("GET", "/api/team/recipients/<rid>"): _read("digest recipient"),
    ("DELETE", "/api/team/recipients/<rid>"): RouteRule("admin", "digest recipient removed"),
    ("GET", "/api/team/settings"): _read("team settings"),
    ("PUT", "/api/team/settings"): RouteRule("admin", "team settings changed"),
    # the programme
    ("GET", "/api/programme/phases"): _read("programme's phases"),
    ("GET", "/api/programme/settings"): _read("programme settings"),
    ("PUT", "/api/programme/settings"): RouteRule("admin", "programme settings changed"),
    ("GET", "/api/programme/invitations"): _read("invitation campaigns"),
    ("POST", "/api/programme/invitations"): RouteRule("recruiter", "invitation campaign launched"),
    ("GET", "/api/leaderboards"): _read("leaderboard"),
    ("GET", "/api/leaderboards/suspicious"): _read("suspicious list"),
    # talent-team access: users, API tokens, the audit trail (all admin)
    ("GET", "/api/team/users"): RouteRule("admin", "list users"),
    ("POST", "/api/team/users"): RouteRule("admin", "user added"),
    ("GET", "/api/team/users/<user_id>"): RouteRule("admin", "user"),
    ("PATCH", "/api/team/users/<user_id>"): RouteRule("admin", "user changed"),
    ("DELETE", "/api/team/users/<user_id>"): RouteRule("admin", "user removed"),
    ("GET", "/api/team/tokens"): RouteRule("admin", "list API tokens"),
    ("POST", "/api/team/tokens"): RouteRule("admin", "API token created"),
    ("DELETE", "/api/team/tokens/<token_id>"): RouteRule("admin", "API token revoked"),
    ("GET", "/api/audit"): RouteRule("admin", "audit trail"),
}

UNDECLARED = RouteRule("admin", "undeclared route")

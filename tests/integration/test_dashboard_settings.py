"""The dashboard's Settings, Team and Audit pages through the real DashboardFunction under moto:
every settings group changed by an admin's form is what the admin API then reads, audited; a
recruiter or viewer is refused (403, nothing changed), a forged POST too; a bad form is a 400 page
naming the field in an alert, nothing changed; users added, changed and removed; a token's secret
shown once and working; the audit trail listing the changes, with its CSV twin; and no query or
form on these routes answers a 5xx."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support import team
from tests.support.dashboard import read_csv, read_page
from tests.support.fixtures import HttpResult, MotoStack
from tests.support.pages import get_page, post_form


@pytest.fixture
def world(moto_stack: MotoStack) -> MotoStack:
    return moto_stack


def _csrf(body: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', body)
    assert found, body[:300]
    return found.group(1)


def _signed_in(world: MotoStack, role: str, locale: str = "en") -> tuple[str, str]:
    cookie = team.signed_in_as(world, role, locale)
    return cookie, _csrf(get_page(world, "/dashboard", cookie).body)


def _api(world: MotoStack, path: str) -> Any:
    got = world.http("GET", path, admin=True)
    assert got.status == 200, got.body
    return got.json()


def _post(world: MotoStack, path: str, fields: dict[str, str], cookie: str, csrf: str) -> HttpResult:
    return post_form(world, path, {"csrf": csrf, **fields}, cookie)


def _everything(world: MotoStack) -> tuple[Any, ...]:
    return (
        _api(world, "/api/team/settings"),
        _api(world, "/api/programme/settings"),
        _api(world, "/api/team/recipients"),
    )


WEIGHTS = {
    "share_intent": "3",
    "click": "4",
    "application": "11",
    "interview": "21",
    "hire": "77",
    "colleague_recruited": "12",
}


def test_a_viewer_reads_the_settings_in_words_and_sees_no_form(world: MotoStack) -> None:
    cookie, _ = _signed_in(world, "viewer")
    got = get_page(world, "/dashboard/settings", cookie)
    assert got.status == 200, got.body
    assert "Last click, 30 days" in got.body
    assert "Share 1, Click 2, Application 10, Interview 20, Hire 50, Colleague recruited 10" in got.body
    assert "Every Monday at 08:30 (Europe/Amsterdam)" in got.body
    assert "<form" not in got.body.split("</header>", 1)[1]  # only the sign-out form, in the header
    page = read_page(got.body)
    assert ("/dashboard/settings", "Settings") in page.links
    assert ("/dashboard/team", "Team") not in page.links  # admin only
    team.add_user(world, "vera@company.example", role="viewer", locale="nl")
    dutch = team.sign_in(world, "vera@company.example")
    assert "Laatste klik, 30 dagen" in get_page(world, "/dashboard/settings", dutch).body


@pytest.mark.parametrize("role", ["viewer", "recruiter"])
def test_a_lesser_role_is_refused_every_settings_change_and_nothing_changes(
    world: MotoStack, role: str
) -> None:
    cookie, csrf = _signed_in(world, role)
    before = _everything(world)
    for group, fields in [
        ("weights", WEIGHTS),
        ("time-zone", {"time_zone": "Europe/London"}),
        ("channel", {"channel": "agency", "cost_per_hire": "8000", "currency": "EUR", "label": ""}),
        (
            "programme",
            {"dormancy_days": "10", "min_colleagues": "1", "min_applications": "1", "active_days": "5"},
        ),
        ("recipient", {"email": "talent@company.example", "locale": "en"}),
    ]:
        refused = _post(world, f"/dashboard/settings/{group}", fields, cookie, csrf)
        assert refused.status == 403, (group, refused.status)
        assert "This needs the admin role" in refused.body
    for path in (
        "/dashboard/team",
        "/dashboard/audit",
        "/dashboard/audit.csv",
        "/dashboard/team.csv?table=users",
    ):
        assert get_page(world, path, cookie).status == 403
    assert (
        _post(
            world,
            "/dashboard/team/users",
            {"email": "x@company.example", "name": "X", "role": "admin"},
            cookie,
            csrf,
        ).status
        == 403
    )
    assert _post(world, "/dashboard/team/tokens", {"name": "ci", "role": "admin"}, cookie, csrf).status == 403
    assert _everything(world) == before
    assert len(_api(world, "/api/team/users")["items"]) == 1


def test_an_admin_changes_each_settings_group_and_the_api_reads_it_audited(world: MotoStack) -> None:
    cookie, csrf = _signed_in(world, "admin")

    def change(group: str, fields: dict[str, str]) -> None:
        got = _post(world, f"/dashboard/settings/{group}", fields, cookie, csrf)
        assert got.status == 303, (group, got.status, got.body[:500])
        assert got.headers["location"].startswith(f"/dashboard/settings?done={group}")

    change("weights", WEIGHTS)
    assert _api(world, "/api/team/settings")["point_weights"] == {k: int(v) for k, v in WEIGHTS.items()}
    change("time-zone", {"time_zone": "Europe/London"})
    assert _api(world, "/api/team/settings")["time_zone"] == "Europe/London"
    change(
        "channel",
        {"channel": "agency", "label": "Recruitment agency", "cost_per_hire": "8000", "currency": "EUR"},
    )
    change("channel", {"channel": "job_boards", "label": "", "cost_per_hire": "1200.50", "currency": "EUR"})
    change("channel", {"channel": "agency", "label": "Agency", "cost_per_hire": "9000", "currency": "EUR"})
    channels = _api(world, "/api/team/settings")["other_channels"]
    assert [(c["channel"], c["label"], c["cost_per_hire"]) for c in channels] == [
        ("job_boards", None, "1200.50"),
        ("agency", "Agency", "9000"),
    ]
    change("channel-remove", {"channel": "job_boards"})
    assert [c["channel"] for c in _api(world, "/api/team/settings")["other_channels"]] == ["agency"]
    assert _api(world, "/api/team/settings")["point_weights"]["hire"] == 77  # the other groups kept
    change(
        "programme",
        {"dormancy_days": "60", "min_colleagues": "2", "min_applications": "0", "active_days": "14"},
    )
    rules = _api(world, "/api/programme/settings")
    assert (rules["dormancy_days"], rules["evangelist"]) == (
        60,
        {"min_colleagues": 2, "min_applications": 0, "active_days": 14},
    )
    assert len(rules["onboarding_checklist"]) == 3  # kept
    change("recipient", {"email": "Talent@Company.example", "locale": "nl"})
    [recipient] = _api(world, "/api/team/recipients")["items"]
    assert recipient["locale"] == "nl"
    change("recipient-remove", {"recipient": recipient["id"]})
    assert _api(world, "/api/team/recipients")["items"] == []

    page = get_page(world, "/dashboard/settings?done=weights", cookie).body
    assert "The points are saved." in page
    assert "Agency" in page
    assert "€9,000.00" in page
    assert "dormant after 60 days" in page
    assert "An evangelist has recruited at least 2 colleagues, and was active in the last 14 days." in page
    routes = [
        e["route"] for e in _api(world, "/api/audit")["items"] if e["route"].startswith("POST /dashboard/")
    ]
    assert routes[:3] == [
        "POST /dashboard/settings/recipient-remove",
        "POST /dashboard/settings/recipient",
        "POST /dashboard/settings/programme",
    ]
    assert routes.count("POST /dashboard/settings/channel") == 3
    [weights] = [e for e in _api(world, "/api/audit")["items"] if e["route"].endswith("/weights")]
    assert weights["actor_name"] == "Rita Recruiter"
    assert weights["role"] == "admin"
    assert weights["summary"].startswith("team settings changed: share_intent 3, click 4")


@pytest.mark.parametrize(
    ("group", "fields", "named"),
    [
        ("weights", {**WEIGHTS, "click": "-1"}, "Click: Input should be greater than or equal to 0"),
        ("weights", {**WEIGHTS, "hire": "lots"}, "Hire: Input should be a valid integer"),
        ("time-zone", {"time_zone": "Mars/Olympus"}, "Time zone: must be an IANA time zone"),
        (
            "channel",
            {"channel": "Agency!", "cost_per_hire": "8000", "currency": "EUR", "label": ""},
            "Channel key:",
        ),
        (
            "channel",
            {"channel": "agency", "cost_per_hire": "0", "currency": "EUR", "label": ""},
            "Cost per hire:",
        ),
        (
            "channel",
            {"channel": "agency", "cost_per_hire": "80", "currency": "euro", "label": ""},
            "Currency:",
        ),
        ("channel-remove", {"channel": "nothing"}, "Channel key: no such channel"),
        (
            "programme",
            {"dormancy_days": "45", "min_colleagues": "0", "min_applications": "0", "active_days": "30"},
            "Evangelist: colleagues recruited: min_colleagues or min_applications must be at least 1",
        ),
        (
            "programme",
            {"dormancy_days": "0", "min_colleagues": "1", "min_applications": "1", "active_days": "30"},
            "Dormant after (days):",
        ),
        ("recipient", {"email": "not an address", "locale": "en"}, "Email address:"),
        ("recipient", {"email": "a@company.example", "locale": "fr"}, "Language:"),
        ("recipient-remove", {"recipient": "0" * 20}, "no such address"),
    ],
)
def test_a_bad_form_is_a_400_page_naming_the_field_in_an_alert_and_nothing_changes(
    world: MotoStack, group: str, fields: dict[str, str], named: str
) -> None:
    cookie, csrf = _signed_in(world, "admin")
    before = _everything(world)
    got = _post(world, f"/dashboard/settings/{group}", fields, cookie, csrf)
    assert got.status == 400, got.body[:300]
    alert = got.body.split('role="alert"', 1)[1].split("</div>", 1)[0]
    assert named in alert
    assert "Nothing was changed" in got.body
    assert 'aria-invalid="true"' in got.body or group.endswith("-remove")
    assert _everything(world) == before


def test_a_forged_post_is_refused_and_an_unknown_group_is_not_there(world: MotoStack) -> None:
    cookie, csrf = _signed_in(world, "admin")
    before = _everything(world)
    assert post_form(world, "/dashboard/settings/weights", WEIGHTS, cookie).status == 403  # no token
    assert _post(world, "/dashboard/settings/weights", WEIGHTS, cookie, "x" * 43).status == 403
    other = post_form(
        world, "/dashboard/settings/weights", {"csrf": csrf, **WEIGHTS}, cookie, origin="https://evil.example"
    )
    assert other.status == 403
    assert (
        post_form(world, "/dashboard/settings/weights", {"csrf": csrf, **WEIGHTS}).status == 303
    )  # to sign in
    assert _post(world, "/dashboard/settings/nothing", {}, cookie, csrf).status == 404
    assert _everything(world) == before


def test_an_admin_adds_changes_and_removes_a_user(world: MotoStack) -> None:
    cookie, csrf = _signed_in(world, "admin")
    added = _post(
        world,
        "/dashboard/team/users",
        {"email": "vera@company.example", "name": "Vera Viewer", "role": "viewer", "locale": "nl"},
        cookie,
        csrf,
    )
    assert added.status == 303
    assert added.headers["location"] == "/dashboard/team?done=user-added"
    [vera] = [u for u in _api(world, "/api/team/users")["items"] if u["name"] == "Vera Viewer"]
    assert (vera["role"], vera["locale"]) == ("viewer", "nl")
    page = get_page(world, "/dashboard/team?done=user-added", cookie)
    assert page.status == 200
    assert "The user is added." in page.body
    assert read_page(page.body).row("users", "Vera Viewer")["Role"] == "viewer"

    twice = _post(
        world,
        "/dashboard/team/users",
        {"email": "VERA@company.example", "name": "Vera Two", "role": "viewer", "locale": "en"},
        cookie,
        csrf,
    )
    assert twice.status == 409
    assert 'role="alert"' in twice.body
    bad = _post(world, "/dashboard/team/users", {"email": "nope", "name": "", "role": "owner"}, cookie, csrf)
    assert bad.status == 400
    alert = bad.body.split('role="alert"', 1)[1]
    assert "Email address:" in alert
    assert "Name:" in alert
    assert "Role:" in alert

    changed = _post(
        world,
        f"/dashboard/team/users/{vera['id']}",
        {"name": "Vera Recruiter", "role": "recruiter", "locale": "en"},
        cookie,
        csrf,
    )
    assert changed.status == 303
    now = _api(world, f"/api/team/users/{vera['id']}")
    assert (now["name"], now["role"], now["locale"]) == ("Vera Recruiter", "recruiter", "en")
    assert (
        _post(
            world,
            f"/dashboard/team/users/{vera['id']}",
            {"name": "V", "role": "boss", "locale": "en"},
            cookie,
            csrf,
        ).status
        == 400
    )
    removed = _post(world, f"/dashboard/team/users/{vera['id']}/remove", {}, cookie, csrf)
    assert removed.status == 303
    assert world.http("GET", f"/api/team/users/{vera['id']}", admin=True).status == 404
    assert _post(world, f"/dashboard/team/users/{vera['id']}/remove", {}, cookie, csrf).status == 404
    summaries = [e["summary"] for e in _api(world, "/api/audit")["items"]]
    assert "user removed: Vera Recruiter (recruiter)" in summaries
    assert "user changed: locale, name, role" in summaries
    assert "user added: Vera Viewer (viewer)" in summaries


def test_a_token_is_shown_once_works_and_is_revoked(world: MotoStack) -> None:
    cookie, csrf = _signed_in(world, "admin")
    made = _post(world, "/dashboard/team/tokens", {"name": "payroll export", "role": "viewer"}, cookie, csrf)
    assert made.status == 200, made.body[:300]
    assert made.headers["cache-control"] == "no-store"
    [secret] = re.findall(r"kring_[0-9a-f]{16}_[A-Za-z0-9_-]{43}", made.body)
    assert "This is the only time it is shown" in made.body
    bearer = {"authorization": f"Bearer {secret}"}
    assert world.http("GET", "/api/team/settings", headers=bearer).status == 200
    assert world.http("PUT", "/api/team/settings", body={}, headers=bearer).status == 403  # a viewer's token

    listed = get_page(world, "/dashboard/team", cookie)
    assert secret not in listed.body
    assert secret.split("_", 2)[2] not in listed.body  # the secret part may hold "_" itself
    tokens = read_page(listed.body).tables["tokens"]
    assert [row[0] for row in tokens[1:]] == ["bootstrap (the admin-token secret)", "payroll export"]
    assert (
        read_page(listed.body).row("tokens", "bootstrap (the admin-token secret)")["Can be revoked"]
        == "No: rotate the admin-token secret"
    )
    exported = read_csv(get_page(world, "/dashboard/team.csv?table=tokens", cookie).body)
    assert exported[0] == tokens[0]
    assert [row[0] for row in exported] == [row[0] for row in tokens]

    assert _post(world, "/dashboard/team/tokens/bootstrap/revoke", {}, cookie, csrf).status == 409
    token_id = secret.split("_")[1]
    assert _post(world, f"/dashboard/team/tokens/{token_id}/revoke", {}, cookie, csrf).status == 303
    assert world.http("GET", "/api/team/settings", headers=bearer).status == 401
    assert _post(world, "/dashboard/team/tokens", {"name": "", "role": "viewer"}, cookie, csrf).status == 400
    [created] = [e for e in _api(world, "/api/audit")["items"] if e["route"] == "POST /dashboard/team/tokens"]
    assert created["summary"] == "API token created: payroll export (viewer)"
    assert created["target"] == token_id


def test_the_audit_page_lists_the_changes_newest_first_with_its_csv(world: MotoStack) -> None:
    cookie, csrf = _signed_in(world, "admin")
    assert (
        _post(world, "/dashboard/settings/time-zone", {"time_zone": "Europe/Paris"}, cookie, csrf).status
        == 303
    )
    assert _post(world, "/dashboard/settings/weights", WEIGHTS, cookie, csrf).status == 303
    got = get_page(world, "/dashboard/audit", cookie)
    assert got.status == 200, got.body[:300]
    rows = read_page(got.body).tables["audit"]
    api = _api(world, "/api/audit")["items"]
    assert [row[3] for row in rows[1:]] == [e["summary"] for e in api]
    assert rows[1][4] == "POST /dashboard/settings/weights"
    assert rows[2][4] == "POST /dashboard/settings/time-zone"
    assert read_csv(get_page(world, "/dashboard/audit.csv", cookie).body) == rows
    assert get_page(world, "/dashboard/audit?from=2026-13-01", cookie).status == 400
    assert get_page(world, "/dashboard/audit?from=2020-01-01&to=2026-01-01", cookie).status == 400
    assert get_page(world, "/dashboard/audit?next=bogus", cookie).status == 400
    assert get_page(world, "/dashboard/audit?from=2020-01-01&to=2020-01-02", cookie).status == 200


def test_the_audit_pages_page_through_a_long_trail(world: MotoStack) -> None:
    cookie, csrf = _signed_in(world, "admin")
    for n in range(3):
        assert (
            _post(
                world, "/dashboard/settings/time-zone", {"time_zone": f"Etc/GMT+{n + 1}"}, cookie, csrf
            ).status
            == 303
        )
    from kring.api import team_access

    team_access.AUDIT_LIMIT, limit = 2, team_access.AUDIT_LIMIT
    try:
        first = read_page(get_page(world, "/dashboard/audit", cookie).body)
        more = first.link("Older entries")
        second = read_page(get_page(world, more, cookie).body)
    finally:
        team_access.AUDIT_LIMIT = limit
    assert len(first.tables["audit"]) == 3
    seen = [r[3] for r in first.tables["audit"][1:] + second.tables["audit"][1:]]
    assert seen[:3] == [f"team settings changed: Etc/GMT+{n}" for n in (3, 2, 1)]


ROUTES = [
    ("GET", "/dashboard/settings"),
    ("GET", "/dashboard/team"),
    ("GET", "/dashboard/team.csv"),
    ("GET", "/dashboard/audit"),
    ("GET", "/dashboard/audit.csv"),
    *[
        ("POST", f"/dashboard/settings/{g}")
        for g in (
            "weights",
            "time-zone",
            "channel",
            "channel-remove",
            "programme",
            "recipient",
            "recipient-remove",
            "x",
        )
    ],
    ("POST", "/dashboard/team/users"),
    ("POST", "/dashboard/team/users/0123456789abcdef"),
    ("POST", "/dashboard/team/users/%2e%2e/remove"),
    ("POST", "/dashboard/team/tokens"),
    ("POST", "/dashboard/team/tokens/bootstrap/revoke"),
    ("POST", "/dashboard/team/tokens/zz/revoke"),
]
NAMES = st.sampled_from(
    [
        "from",
        "to",
        "next",
        "users",
        "tokens",
        "table",
        "done",
        "csrf",
        "time_zone",
        "click",
        "hire",
        "channel",
        "cost_per_hire",
        "currency",
        "label",
        "dormancy_days",
        "min_colleagues",
        "min_applications",
        "active_days",
        "email",
        "locale",
        "recipient",
        "name",
        "role",
    ]
)
VALUES = st.one_of(
    st.text(max_size=40),
    st.sampled_from(
        ["", "0", "-1", "1e9", "1001", "2026-12-05", "users", "tokens", "admin", "nl", "EUR", "NaN"]
    ),
)


def test_no_query_or_form_on_these_routes_answers_a_5xx(world: MotoStack) -> None:
    cookie, csrf = _signed_in(world, "admin")

    @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(
        route=st.sampled_from(ROUTES),
        fields=st.dictionaries(NAMES, VALUES, max_size=8),
        with_csrf=st.booleans(),
    )
    def property(route: tuple[str, str], fields: dict[str, str], with_csrf: bool) -> None:
        method, path = route
        if method == "GET":
            got = world.http("GET", path, headers={"cookie": cookie}, query=urlencode(fields))
        else:
            sent = {**fields, "csrf": csrf} if with_csrf else fields
            got = post_form(world, path, sent, cookie)
        assert got.status < 500, (route, fields, got.status, got.body[:500])

    property()

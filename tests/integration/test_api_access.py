"""Talent-team access through the real API handler under moto: every route's declared role (and
the template's routes all reaching a declared one), API tokens made, used, listed and revoked, the
bootstrap admin token, team users, and the audit trail of every change (admins only)."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from kring import aws, config
from kring.access import audit
from kring.api.app import app
from kring.api.route_roles import ROUTE_RULES
from kring.dal.api_tokens import LAST_USED_EVERY, ApiTokenRepository
from kring.dal.items import deserialize
from kring.models.access import ROLES, AuditEntry, Role, allows
from tests.support.fixtures import ADMIN_TOKEN, HttpResult, MotoStack

CHANGES = ("POST", "PUT", "PATCH", "DELETE")


def _app_routes() -> set[tuple[str, str]]:
    return {(r.method, r.path) for r in app._static_routes + app._dynamic_routes}


def _concrete(path: str) -> str:
    """A route's path with every parameter filled with a plausible id."""
    return re.sub(r"<[^>]+>|\{[^}]+\}", "abcdef0123456789", path)


def _items() -> list[dict[str, Any]]:
    got = aws.dynamodb().scan(TableName=config.tables().table_name)  # test inspection only
    return sorted((deserialize(i) for i in got["Items"]), key=lambda i: (i["pk"], i["sk"]))


def _call(
    stack: MotoStack, method: str, path: str, token: str, *, body: Any = None, query: str = ""
) -> HttpResult:
    return stack.http(
        method,
        path,
        body=body if body is not None else {},
        query=query,
        headers={"authorization": f"Bearer {token}"},
    )


def _token(stack: MotoStack, name: str, role: Role) -> str:
    made = stack.http("POST", "/api/team/tokens", body={"name": name, "role": role}, admin=True)
    assert made.status == 201, made.body
    secret: str = made.json()["secret"]
    return secret


def _audit(stack: MotoStack, query: str = "") -> list[dict[str, Any]]:
    got = stack.http("GET", "/api/audit", query=query, admin=True)
    assert got.status == 200, got.body
    items: list[dict[str, Any]] = got.json()["items"]
    return items


# --- roles -----------------------------------------------------------------------------------------
def test_every_route_of_the_api_declares_its_least_role() -> None:
    assert _app_routes() == set(ROUTE_RULES)
    for (method, path), rule in ROUTE_RULES.items():
        if method == "GET" and not path.startswith(("/api/team/users", "/api/team/tokens", "/api/audit")):
            assert rule.role == "viewer", (method, path)
        if method in CHANGES:
            assert rule.role in ("recruiter", "admin"), (method, path)
    admin_only = {key for key, rule in ROUTE_RULES.items() if rule.role == "admin" and key[0] in CHANGES}
    assert {
        ("POST", "/api/ambassadors/import"),
        ("DELETE", "/api/ambassadors/<ambassador_id>"),
        ("POST", "/api/rewards/<ambassador_id>/<reward_id>/pay"),
        ("PUT", "/api/team/settings"),
        ("PUT", "/api/programme/settings"),
        ("POST", "/api/team/users"),
        ("POST", "/api/team/tokens"),
        ("DELETE", "/api/team/tokens/<token_id>"),
    } <= admin_only


def test_every_api_route_of_the_template_reaches_a_declared_route(moto_stack: MotoStack) -> None:
    api_routes = [r for r in moto_stack.stack.routes() if r.function == "ApiFunction"]
    assert api_routes
    reached: set[tuple[str, str]] = set()
    for route in api_routes:
        path = _concrete(route.path)
        methods = {m for m, _ in ROUTE_RULES} if route.method == "ANY" else {route.method}
        for method in methods:
            for declared in ROUTE_RULES:
                rule = next(
                    r for r in app._static_routes + app._dynamic_routes if (r.method, r.path) == declared
                )
                if declared[0] == method and rule.rule.match(path):
                    reached.add(declared)
    assert reached == set(ROUTE_RULES)  # every declared route is served through the template


@pytest.mark.parametrize("role", ROLES)
def test_each_role_is_refused_with_a_json_403_exactly_the_routes_above_it(
    moto_stack: MotoStack, role: Role
) -> None:
    token = _token(moto_stack, f"{role} automation", role)
    _call(moto_stack, "GET", "/api/vacancies", token)  # its first use is recorded now, not below
    before = _items()
    for (method, path), rule in sorted(ROUTE_RULES.items()):
        if allows(role, rule.role):
            continue
        got = _call(moto_stack, method, _concrete(path), token, body={"name": "x", "role": "admin"})
        assert got.status == 403, (role, method, path, got.status, got.body)
        assert got.headers["content-type"].startswith("application/json")
        assert got.json()["error"]["code"] == "forbidden"
        assert rule.role in got.json()["error"]["message"]
    assert _items() == before  # a refusal changes nothing, and is no audit entry
    for (method, path), rule in sorted(ROUTE_RULES.items()):
        if method == "GET" and allows(role, rule.role):
            got = _call(moto_stack, method, _concrete(path), token)
            assert got.status not in (401, 403), (role, path, got.body)


def test_a_viewer_reads_and_a_recruiter_changes_data_but_neither_pays_or_erases(
    moto_stack: MotoStack,
) -> None:
    viewer = _token(moto_stack, "wallboard", "viewer")
    recruiter = _token(moto_stack, "ats sync", "recruiter")
    ambassador = {"id": "E1", "name": "Ann Example", "email": "ann@example.com", "opted_in": True}
    assert _call(moto_stack, "POST", "/api/ambassadors", viewer, body=ambassador).status == 403
    assert _call(moto_stack, "POST", "/api/ambassadors", recruiter, body=ambassador).status == 201
    assert _call(moto_stack, "GET", "/api/ambassadors/E1", viewer).status == 200
    assert _call(moto_stack, "DELETE", "/api/ambassadors/E1", recruiter).status == 403
    assert _call(moto_stack, "GET", "/api/ambassadors/E1", viewer).status == 200  # still there


def test_without_a_valid_token_it_is_a_401_not_a_403(moto_stack: MotoStack) -> None:
    for header in (
        {},
        {"authorization": "Bearer nope"},
        {"authorization": "Bearer kring_0123456789abcdef_" + "a" * 43},
    ):
        got = moto_stack.http("DELETE", "/api/team/tokens/0123456789abcdef", headers=header)
        assert got.status == 401
        assert got.json()["error"]["code"] == "unauthorized"
        assert got.headers["www-authenticate"] == 'Bearer realm="kring"'


# --- tokens ----------------------------------------------------------------------------------------
def test_a_token_is_made_used_listed_and_revoked_and_its_secret_is_shown_once(moto_stack: MotoStack) -> None:
    made = moto_stack.http(
        "POST", "/api/team/tokens", body={"name": " nightly export ", "role": "viewer"}, admin=True
    )
    assert made.status == 201
    body = made.json()
    secret, token_id = body["secret"], body["id"]
    assert re.fullmatch(r"kring_[0-9a-f]{16}_[A-Za-z0-9_-]{43}", secret)
    assert secret.startswith(f"kring_{token_id}_")
    assert (body["name"], body["role"], body["created_by"], body["revocable"]) == (
        "nightly export",
        "viewer",
        "bootstrap",
        True,
    )
    assert made.headers["location"] == f"/api/team/tokens/{token_id}"
    assert made.headers["cache-control"] == "no-store"
    assert secret not in json.dumps(_items(), default=str)  # only its keyed hash is stored

    assert _call(moto_stack, "GET", "/api/vacancies", secret).status == 200
    listed = moto_stack.http("GET", "/api/team/tokens", admin=True).json()["items"]
    assert [t["id"] for t in listed] == ["bootstrap", token_id]  # the bootstrap token first
    assert listed[0] == {
        "id": "bootstrap",
        "name": "bootstrap",
        "role": "admin",
        "created_at": None,
        "created_by": None,
        "last_used_at": None,
        "revocable": False,
    }
    assert listed[1]["last_used_at"] is not None
    assert "secret" not in listed[1]
    assert "secret_hash" not in listed[1]

    assert moto_stack.http("DELETE", f"/api/team/tokens/{token_id}", admin=True).status == 204
    assert _call(moto_stack, "GET", "/api/vacancies", secret).status == 401
    assert moto_stack.http("DELETE", f"/api/team/tokens/{token_id}", admin=True).status == 404
    assert [t["id"] for t in moto_stack.http("GET", "/api/team/tokens", admin=True).json()["items"]] == [
        "bootstrap"
    ]


def test_the_bootstrap_token_cannot_be_revoked_and_an_admin_token_can_make_tokens(
    moto_stack: MotoStack,
) -> None:
    refused = moto_stack.http("DELETE", "/api/team/tokens/bootstrap", admin=True)
    assert refused.status == 409
    assert "admin-token" in refused.json()["error"]["message"]
    assert moto_stack.http("GET", "/api/vacancies", admin=True).status == 200
    admin = _token(moto_stack, "terraform", "admin")
    made = _call(moto_stack, "POST", "/api/team/tokens", admin, body={"name": "child", "role": "recruiter"})
    assert made.status == 201
    assert made.json()["created_by"].startswith("token:")
    for bad in (
        {"name": "", "role": "viewer"},
        {"name": "x", "role": "owner"},
        {"name": "x"},
        {"name": "x", "role": "viewer", "secret": "mine"},
    ):
        got = _call(moto_stack, "POST", "/api/team/tokens", admin, body=bad)
        assert got.status == 422, bad


def test_last_used_is_written_at_most_once_per_window(moto_stack: MotoStack) -> None:
    secret = _token(moto_stack, "poller", "viewer")
    repo = ApiTokenRepository()
    [token] = repo.page(10, None).items
    now = datetime(2026, 12, 5, 12, tzinfo=UTC)
    assert repo.touch(token, now)
    token = repo.get(token.id) or token
    assert token.last_used_at == now
    assert not repo.touch(token, now + LAST_USED_EVERY - timedelta(seconds=1))  # no request at all
    assert repo.touch(token, now + LAST_USED_EVERY + timedelta(seconds=1))
    assert secret


# --- users -----------------------------------------------------------------------------------------
def test_users_are_added_listed_in_pages_changed_and_removed(moto_stack: MotoStack) -> None:
    ids = []
    for n, role in enumerate(("admin", "recruiter", "viewer")):
        added = moto_stack.http(
            "POST",
            "/api/team/users",
            body={"email": f"User{n}@Example.com", "name": f"User {n}", "role": role, "locale": "nl"},
            admin=True,
        )
        assert added.status == 201, added.body
        ids.append(added.json()["id"])
        assert added.headers["location"] == f"/api/team/users/{ids[-1]}"
    taken = moto_stack.http(
        "POST",
        "/api/team/users",
        body={"email": "user0@example.com", "name": "Again", "role": "viewer"},
        admin=True,
    )
    assert taken.status == 409

    seen: list[str] = []
    query = "limit=2"
    while True:
        page = moto_stack.http("GET", "/api/team/users", query=query, admin=True).json()
        seen += [u["id"] for u in page["items"]]
        if not page["next"]:
            break
        query = f"limit=2&next={page['next']}"
    assert sorted(seen) == sorted(ids)

    changed = moto_stack.http(
        "PATCH",
        f"/api/team/users/{ids[2]}",
        body={"role": "recruiter", "email": "moved@example.com"},
        admin=True,
    )
    assert changed.status == 200
    assert (changed.json()["role"], changed.json()["email"]) == ("recruiter", "moved@example.com")
    assert (
        moto_stack.http(
            "PATCH", f"/api/team/users/{ids[2]}", body={"email": "user1@example.com"}, admin=True
        ).status
        == 409
    )  # another user's address
    assert moto_stack.http("PATCH", f"/api/team/users/{ids[2]}", body={}, admin=True).status == 422
    assert (
        moto_stack.http("PATCH", f"/api/team/users/{ids[2]}", body={"role": "owner"}, admin=True).status
        == 422
    )
    # the old address is free again
    again = moto_stack.http(
        "POST",
        "/api/team/users",
        body={"email": "user2@example.com", "name": "New", "role": "viewer"},
        admin=True,
    )
    assert again.status == 201

    assert moto_stack.http("DELETE", f"/api/team/users/{ids[2]}", admin=True).status == 204
    assert moto_stack.http("GET", f"/api/team/users/{ids[2]}", admin=True).status == 404
    assert moto_stack.http("DELETE", f"/api/team/users/{ids[2]}", admin=True).status == 404
    assert moto_stack.http("GET", "/api/team/users/not-an-id", admin=True).status == 404
    assert not [i for i in _items() if i["pk"].startswith("TEAMEMAIL#") and i.get("user_id") == ids[2]]


# --- the audit trail -------------------------------------------------------------------------------
def test_every_change_is_one_audit_entry_readable_by_admins_only(moto_stack: MotoStack) -> None:
    recruiter = _token(moto_stack, "ats sync", "recruiter")
    ambassador = {"id": "E1", "name": "Ann Example", "email": "ann@example.com", "opted_in": True}
    assert _call(moto_stack, "POST", "/api/ambassadors", recruiter, body=ambassador).status == 201
    assert _call(moto_stack, "GET", "/api/ambassadors/E1", recruiter).status == 200  # a read: no entry
    assert (
        _call(moto_stack, "PATCH", "/api/ambassadors/E1", recruiter, body={"department": "Sales"}).status
        == 200
    )
    assert (
        _call(moto_stack, "PATCH", "/api/ambassadors/E1", recruiter, body={"nope": 1}).status == 422
    )  # no entry
    made = moto_stack.http(
        "POST", "/api/team/tokens", body={"name": "to revoke", "role": "viewer"}, admin=True
    )
    assert moto_stack.http("DELETE", f"/api/team/tokens/{made.json()['id']}", admin=True).status == 204

    entries = _audit(moto_stack)
    assert [(e["method"], e["route"], e["actor_name"]) for e in entries] == [
        ("DELETE", "/api/team/tokens/<token_id>", "bootstrap"),
        ("POST", "/api/team/tokens", "bootstrap"),
        ("PATCH", "/api/ambassadors/<ambassador_id>", "ats sync"),
        ("POST", "/api/ambassadors", "ats sync"),
        ("POST", "/api/team/tokens", "bootstrap"),  # the recruiter's token itself
    ]
    revoked, created = entries[0], entries[1]
    assert revoked["target"] == created["target"] == made.json()["id"]
    assert revoked["summary"] == "API token revoked: to revoke (viewer)"
    assert entries[2]["target"] == "E1"
    assert entries[2]["role"] == "recruiter"
    assert entries[2]["actor"].startswith("token:")
    assert entries[2]["status"] == 200
    assert entries[3]["target"] == "E1"  # a POST's target: the Location of what it made

    for role in ("viewer", "recruiter"):
        token = _token(moto_stack, f"{role} reader", role)
        got = _call(moto_stack, "GET", "/api/audit", token)
        assert got.status == 403
        assert got.json()["error"]["code"] == "forbidden"


def test_the_trail_pages_newest_first_across_days(moto_stack: MotoStack) -> None:
    start = datetime(2026, 11, 1, 9, tzinfo=UTC)
    written: list[AuditEntry] = []
    for n in range(7):  # days 1, 1, 3, 3, 5, 5, 7 (with empty days between)
        at = start + timedelta(days=2 * (n // 2), minutes=n)
        written.append(
            audit.record(
                actor="bootstrap",
                actor_name="bootstrap",
                role="admin",
                method="POST",
                route="/api/x",
                target=str(n),
                status=200,
                summary="test",
                now=at,
            )
        )
    newest_first = [e.id for e in sorted(written, key=lambda e: e.at, reverse=True)]
    seen: list[str] = []
    query = "from=2026-11-01&to=2026-11-30&limit=3"
    pages = 0
    while True:
        got = moto_stack.http("GET", "/api/audit", query=query, admin=True)
        assert got.status == 200, got.body
        body = got.json()
        assert len(body["items"]) <= 3
        seen += [e["id"] for e in body["items"]]
        pages += 1
        if not body["next"]:
            break
        query = f"from=2026-11-01&to=2026-11-30&limit=3&next={body['next']}"
    assert seen == newest_first
    assert pages == 3
    only = moto_stack.http("GET", "/api/audit", query="from=2026-11-03&to=2026-11-03", admin=True).json()[
        "items"
    ]
    assert sorted(e["target"] for e in only) == ["2", "3"]


@pytest.mark.parametrize(
    "query",
    [
        "from=2026-11-05&to=2026-11-01",
        "from=2024-01-01&to=2026-11-01",
        "from=yesterday",
        "to=2026-13-01",
        "limit=0",
        "next=not-a-token",
        "from=2026-11-01&to=2026-11-30&next=eyJzIjoiYXVkaXQ6MjAyNi0xMS0wMToyMDI2LTExLTMwIiwiZCI6IjIwMjctMDEtMDEiLCJiIjpudWxsfQ",
    ],
)
def test_a_bad_audit_query_is_a_json_4xx(moto_stack: MotoStack, query: str) -> None:
    got = moto_stack.http("GET", "/api/audit", query=query, admin=True)
    assert got.status in (400, 422), (query, got.body)
    assert "error" in got.json()


def test_the_existing_admin_token_still_acts_as_admin_and_is_audited_as_bootstrap(
    moto_stack: MotoStack,
) -> None:
    got = moto_stack.http(
        "POST",
        "/api/team/recipients",
        body={"email": "lead@example.com"},
        headers={"authorization": f"Bearer {ADMIN_TOKEN}"},
    )
    assert got.status == 201
    [entry] = _audit(moto_stack)
    assert (entry["actor"], entry["role"], entry["summary"]) == (
        "bootstrap",
        "admin",
        "digest recipient added",
    )

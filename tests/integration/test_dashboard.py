"""The talent team's dashboard handler under moto: a team user signs in by a mailed link (a
scanner's GET uses nothing, an unknown address gets the same answer), gets a session cookie of the
dashboard's own, sees who they are, signs out with CSRF; both are in the audit trail."""

from __future__ import annotations

import json
from typing import Any

import pytest

from kring import aws, config
from kring.access import mailed_links
from kring.dal.items import deserialize
from tests.support import mail, team
from tests.support.fixtures import MotoStack
from tests.support.pages import get_page as _get
from tests.support.pages import post_form as _post


@pytest.fixture
def world(moto_stack: MotoStack) -> MotoStack:
    mail.verify_sending_domain()
    return moto_stack


def _items() -> list[dict[str, Any]]:
    got = aws.dynamodb().scan(TableName=config.tables().table_name)  # test inspection only
    return [deserialize(i) for i in got["Items"]]


def _audit(world: MotoStack) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = world.http("GET", "/api/audit", admin=True).json()["items"]
    return items


def test_a_team_user_signs_in_once_by_the_mailed_link_and_a_scanner_s_get_uses_nothing(
    world: MotoStack,
) -> None:
    user_id = team.add_user(world, "rita@company.example", locale="nl")
    asked = _post(world, "/dashboard/sign-in", {"email": "RITA@company.example"})
    assert asked.status == 200
    [message] = mail.sent_messages()
    assert message["To"] == "rita@company.example"
    path = team.link_of_last_mail()
    token = path.rsplit("/", 1)[1]
    assert token not in json.dumps(_items(), default=str)  # only its keyed hash is stored

    for _ in range(3):  # a mail scanner fetching the link
        shown = _get(world, path)
        assert shown.status == 200
        assert f'action="/dashboard/sign-in/{token}"' in shown.body
    used = _post(world, path, {})
    assert used.status == 303
    assert used.headers["location"] == "/dashboard"
    [cookie] = used.cookies
    assert cookie.startswith("kring_dashboard=")
    assert {"HttpOnly", "Secure", "SameSite=Lax", "Path=/dashboard"} <= {p.strip() for p in cookie.split(";")}
    home = _get(world, "/dashboard", cookie.split(";")[0])
    assert home.status == 200
    assert 'lang="nl"' in home.body
    assert "Ingelogd als Rita Recruiter (werver)" in home.body
    assert "script-src 'none'" in home.headers["content-security-policy"]

    assert _post(world, path, {}).status == 404  # single use
    assert _get(world, path).status == 404
    [entry] = _audit(world)[:1]
    assert (entry["actor"], entry["summary"], entry["target"]) == (
        f"user:{user_id}",
        "signed in to the dashboard",
        user_id,
    )


def test_an_unknown_address_gets_the_same_answer_and_no_mail(world: MotoStack) -> None:
    team.add_user(world, "rita@company.example")
    known = _post(world, "/dashboard/sign-in", {"email": "rita@company.example"})
    unknown = _post(world, "/dashboard/sign-in", {"email": "nobody@company.example"})
    assert (known.status, known.body) == (unknown.status, unknown.body)
    assert len(mail.sent_messages()) == 1
    assert _post(world, "/dashboard/sign-in", {"email": "not an address"}).status == 400
    # an ambassador's address is not a team user's
    ambassador = mail.put_ambassador("E1")
    assert _post(world, "/dashboard/sign-in", {"email": ambassador}).status == 200
    assert len(mail.sent_messages()) == 1


def test_without_a_session_the_landing_page_sends_to_sign_in_and_the_portal_cookie_is_no_session(
    world: MotoStack,
) -> None:
    assert _get(world, "/dashboard").headers["location"] == "/dashboard/sign-in"
    page = _get(world, "/dashboard/sign-in")
    assert page.status == 200
    assert 'action="/dashboard/sign-in"' in page.body
    ambassador = mail.put_ambassador("E1")
    assert _post(world, "/portal/sign-in", {"email": ambassador}).status == 200
    text = mail.parts(mail.sent_messages()[-1]).text
    [url] = [word for word in text.split() if "/portal/sign-in/" in word]
    portal_token = mail.path_of(url).rsplit("/", 1)[1]
    assert _get(world, f"/dashboard/sign-in/{portal_token}").status == 404  # another realm's link
    used = _post(world, mail.path_of(url), {})
    portal_cookie = used.cookies[0].split(";")[0]
    _, value = portal_cookie.split("=", 1)
    assert _get(world, "/dashboard", f"kring_dashboard={value}").status == 303


def test_sign_out_needs_the_csrf_token_and_ends_the_session(world: MotoStack) -> None:
    user_id = team.add_user(world, "rita@company.example", role="viewer")
    cookie = team.sign_in(world, "rita@company.example")
    home = _get(world, "/dashboard", cookie)
    assert "Signed in as Rita Recruiter (viewer)" in home.body
    csrf = home.body.split('name="csrf" value="')[1].split('"')[0]
    assert _post(world, "/dashboard/sign-out", {"csrf": "wrong"}, cookie).status == 403
    assert (
        _post(world, "/dashboard/sign-out", {"csrf": csrf}, cookie, origin="https://evil.example").status
        == 403
    )
    assert _get(world, "/dashboard", cookie).status == 200
    out = _post(world, "/dashboard/sign-out", {"csrf": csrf}, cookie)
    assert out.status == 200
    assert out.cookies[0].startswith("kring_dashboard=;")
    assert _get(world, "/dashboard", cookie).status == 303
    assert [e["summary"] for e in _audit(world)[:2]] == [
        "signed out of the dashboard",
        "signed in to the dashboard",
    ]
    assert {e["actor"] for e in _audit(world)[:2]} == {f"user:{user_id}"}


def test_a_removed_user_s_session_stops_at_once(world: MotoStack) -> None:
    user_id = team.add_user(world, "rita@company.example")
    cookie = team.sign_in(world, "rita@company.example")
    assert _get(world, "/dashboard", cookie).status == 200
    assert world.http("DELETE", f"/api/team/users/{user_id}", admin=True).status == 204
    assert _get(world, "/dashboard", cookie).status == 303
    assert _post(world, "/dashboard/sign-in", {"email": "rita@company.example"}).status == 200
    assert len(mail.sent_messages()) == 1  # no new link for a removed user


def test_an_unknown_page_is_a_404_page(world: MotoStack) -> None:
    got = _get(world, "/dashboard/nothing-here")
    assert got.status == 404
    assert got.headers["content-type"].startswith("text/html")


def test_sign_in_links_are_rate_limited_apart_from_the_portal_s(world: MotoStack) -> None:
    team.add_user(world, "rita@company.example")
    for address in ("rita@company.example", "nobody@company.example"):
        answers = [_post(world, "/dashboard/sign-in", {"email": address}).status for _ in range(7)]
        assert answers == [200] * mailed_links.PER_ADDRESS_LIMIT + [429, 429]
    assert len(mail.sent_messages()) == mailed_links.PER_ADDRESS_LIMIT
    ambassador = mail.put_ambassador("E1")
    assert _post(world, "/portal/sign-in", {"email": ambassador}).status == 200  # the portal's own count

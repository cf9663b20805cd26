"""The talent team's dashboard in a real browser, against the local stack: a user made with the
bootstrap token signs in with the mailed link from the outbox (axe-core on each page), sees who
they are and their role, signs out; a viewer's token is refused a change by the API."""

from __future__ import annotations

import re

import pytest
import requests
from playwright.sync_api import expect

from tests.browser.conftest import Browser, check_accessibility
from tests.e2e.test_local_stack import Running

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("e2e")]


def test_a_team_user_signs_in_sees_their_role_and_signs_out(browser: Browser, stack: Running) -> None:
    address = "vera.viewer@talent.example.com"
    made = requests.post(
        f"{stack.url}/api/team/users",
        json={"email": address, "name": "Vera Viewer", "role": "viewer", "locale": "en"},
        headers=stack.admin(),
        timeout=60,
    )
    assert made.status_code == 201, made.text
    context = browser.new_context(locale="en-GB")
    page = context.new_page()
    page.goto("/dashboard")
    expect(page).to_have_url(re.compile(r"/dashboard/sign-in$"))
    check_accessibility(page)
    page.get_by_label("Work e-mail address").fill(address)
    page.get_by_role("button", name="E-mail me a sign-in link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your e-mail")
    check_accessibility(page)

    page.goto("/outbox")
    page.locator("tr", has_text=address).first.get_by_role("link").click()
    [link] = re.findall(r"http://\S+/dashboard/sign-in/\S+", page.locator("pre").inner_text())
    assert requests.get(link, timeout=60).status_code == 200  # a scanner's GET uses nothing up
    page.goto(link)
    check_accessibility(page)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/dashboard$"))
    expect(page.get_by_text("You are signed in as Vera Viewer (viewer).")).to_be_visible()
    check_accessibility(page)
    [cookie] = [c for c in context.cookies() if c["name"] == "kring_dashboard"]
    assert (cookie["httpOnly"], cookie["secure"], cookie["sameSite"], cookie["path"]) == (
        True,
        True,
        "Lax",
        "/dashboard",
    )

    # the same role through the API: a viewer's token reads, and is refused a change
    token = requests.post(
        f"{stack.url}/api/team/tokens",
        json={"name": "wallboard", "role": "viewer"},
        headers=stack.admin(),
        timeout=60,
    ).json()["secret"]
    viewer = {"Authorization": f"Bearer {token}"}
    assert requests.get(f"{stack.url}/api/vacancies", headers=viewer, timeout=60).status_code == 200
    refused = requests.patch(
        f"{stack.url}/api/vacancies/greenhouse-4100001", json={"language": "nl"}, headers=viewer, timeout=60
    )
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "forbidden"

    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("You are signed out")
    page.goto("/dashboard")
    expect(page).to_have_url(re.compile(r"/dashboard/sign-in$"))
    trail = requests.get(f"{stack.url}/api/audit", headers=stack.admin(), timeout=60).json()["items"]
    mine = [e["summary"] for e in trail if e["actor_name"] == "Vera Viewer"]
    assert mine == ["signed out of the dashboard", "signed in to the dashboard"]

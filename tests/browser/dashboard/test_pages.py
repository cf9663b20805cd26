"""The dashboard's pages on the demo organisation in a real browser: each section a role may open
renders with no console error and no serious axe-core violation, on a laptop and a tablet, in
English and Dutch; a section above the role is not offered and answers a 403 page."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from infra.local.demo import team_users
from tests.browser.conftest import Browser, check_accessibility
from tests.browser.dashboard.conftest import TeamPage, screenshot, sign_in
from tests.e2e.test_local_stack import Running

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("e2e")]


def test_the_programme_and_vacancy_pages_on_a_laptop_and_a_tablet(team_page: TeamPage) -> None:
    page = team_page("viewer")
    page.get_by_role("navigation").get_by_role("link", name="Programme").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Programme")
    check_accessibility(page)
    screenshot(page, "dashboard-programme")
    page.get_by_role("navigation").get_by_role("link", name="Vacancies").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Vacancies")
    check_accessibility(page)
    screenshot(page, "dashboard-vacancies")
    page.locator("#table-vacancies tbody a").first.click()
    check_accessibility(page)
    screenshot(page, "dashboard-vacancy")

    tablet = team_page("recruiter", "nl", viewport={"width": 820, "height": 1180})
    tablet.goto("/dashboard/programme?by=department")
    expect(tablet.get_by_role("heading", level=1)).to_have_text("Programma")
    check_accessibility(tablet)


def test_the_demo_s_admin_named_in_the_banner_signs_in_and_sees_every_section(
    browser: Browser, stack: Running
) -> None:
    [admin] = [u for u in team_users() if u["role"] == "admin"]
    assert f"sign in as {admin['email']} (admin)" in stack.log.read_text()
    page = browser.new_context(locale="en-GB", viewport={"width": 1280, "height": 900}).new_page()
    sign_in(page, admin["email"])
    expect(page.get_by_text(f"You are signed in as {admin['name']} (admin).")).to_be_visible()
    offered = page.get_by_role("navigation").get_by_role("link").all_inner_texts()
    assert offered[:2] == ["Programme", "Vacancies"]
    check_accessibility(page)
    screenshot(page, "dashboard-home")

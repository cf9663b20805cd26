"""The dashboard's ambassador pages on the demo organisation in a real browser: the roster filtered,
one ambassador's page, the CSV import's preview end to end (an Excel file chosen, previewed,
imported), and a viewer refused an erasure — with no console error and no serious axe-core
violation. The import uses ambassadors of its own (ids E99…), never the demo's."""

from __future__ import annotations

import re

import pytest
import requests
from playwright.sync_api import FilePayload, expect

from tests.browser.conftest import check_accessibility
from tests.browser.dashboard.conftest import TeamPage, screenshot
from tests.e2e.test_local_stack import Running

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("e2e")]


def test_the_roster_filtered_and_one_ambassador(team_page: TeamPage) -> None:
    page = team_page("recruiter")
    page.get_by_role("navigation").get_by_role("link", name="Ambassadors").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Ambassadors")
    expect(page.locator("#table-ambassadors tbody tr")).to_have_count(30)  # the demo's roster
    check_accessibility(page)
    screenshot(page, "dashboard-ambassadors")

    page.get_by_label("Department").fill("Sales")
    page.get_by_label("Phase").select_option("interest")
    page.get_by_role("button", name="Show").click()
    expect(page).to_have_url(re.compile(r"department=Sales"))
    rows = page.locator("#table-ambassadors tbody tr")
    expect(rows.first).to_contain_text("Daan Jansen")
    for text in rows.all_inner_texts():
        assert "Sales" in text
        assert "Interest" in text
    expect(page.get_by_role("status")).to_contain_text("applied to the roster as it is read")
    check_accessibility(page)

    page.get_by_role("link", name="Daan Jansen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Daan Jansen")
    for caption in ("Results from", "Every change of phase", "Their personal links"):
        expect(page.locator("caption", has_text=caption)).to_be_visible()
    expect(page.get_by_role("button", name="Move the phase")).to_be_visible()
    check_accessibility(page)
    screenshot(page, "dashboard-ambassador")


def test_the_import_preview_then_the_import(team_page: TeamPage, stack: Running) -> None:
    made = requests.post(
        f"{stack.url}/api/ambassadors",
        json={
            "id": "E9902",
            "name": "Wim Wouters",
            "email": "wim@demo.kring.example",
            "department": "Finance",
        },
        headers=stack.admin(),
        timeout=60,
    )
    assert made.status_code in (200, 201), made.text
    page = team_page("admin")
    page.goto("/dashboard/ambassadors")
    page.get_by_role("link", name="Import a CSV file").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Import ambassadors")
    check_accessibility(page)
    # the file as Excel saves "CSV" on Windows: semicolons, CRLF, Windows-1252
    excel = (
        "id;name;email;department\r\n"
        "E9901;Noor Nieuwenhuijs-Ölçer;noor@demo.kring.example;Legal\r\n"
        "E9902;Wim Wouters;wim@demo.kring.example;Marketing\r\n"
        "E9903;Zonder Adres;not-an-address;Legal\r\n"
    ).encode("cp1252")
    chosen: FilePayload = {"name": "ambassadors.csv", "mimeType": "text/csv", "buffer": excel}
    page.get_by_label("The CSV file").set_input_files(files=chosen)
    page.get_by_role("button", name="Preview").click()
    expect(page.locator("#table-new tbody tr")).to_have_count(1)
    expect(page.locator("#table-new")).to_contain_text("E9901")
    expect(page.locator("#table-new")).to_contain_text("Noor Nieuwenhuijs-Ölçer")
    expect(page.locator("#table-changed")).to_contain_text("department: Finance → Marketing")
    expect(page.locator("#table-refused")).to_contain_text("email")
    check_accessibility(page)
    screenshot(page, "dashboard-import-preview")
    # nothing was written by the preview
    before = requests.get(f"{stack.url}/api/ambassadors/E9902", headers=stack.admin(), timeout=60).json()
    assert before["department"] == "Finance"
    assert (
        requests.get(f"{stack.url}/api/ambassadors/E9901", headers=stack.admin(), timeout=60).status_code
        == 404
    )

    page.get_by_role("button", name="Import these").click()
    expect(page).to_have_url(re.compile(r"/dashboard/ambassadors/import\?job=[0-9a-f]{32}$"))
    expect(page.get_by_role("status")).to_contain_text("The import has started")
    check_accessibility(page)
    for _attempt in range(60):  # the import runs from its queue: follow it as a person would
        if "Status: completed" in page.get_by_role("status").inner_text():
            break
        page.wait_for_timeout(500)
        page.reload()
    expect(page.get_by_role("status")).to_contain_text("Status: completed")
    expect(page.locator("#table-job")).to_contain_text("Refused")
    after = requests.get(f"{stack.url}/api/ambassadors/E9902", headers=stack.admin(), timeout=60).json()
    assert after["department"] == "Marketing"
    added = requests.get(f"{stack.url}/api/ambassadors/E9901", headers=stack.admin(), timeout=60).json()
    assert added["name"] == "Noor Nieuwenhuijs-Ölçer"
    trail = requests.get(f"{stack.url}/api/audit", headers=stack.admin(), timeout=60).json()["items"]
    assert any(e["route"] == "POST /dashboard/ambassadors/import" for e in trail)


def test_a_viewer_is_refused_an_erasure(team_page: TeamPage, stack: Running) -> None:
    page = team_page("viewer")
    page.goto("/dashboard/ambassadors/E1001")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sanne de Vries")
    expect(page.get_by_role("link", name="Erase this ambassador…")).to_have_count(0)
    expect(page.get_by_role("button", name="Move the phase")).to_have_count(0)
    check_accessibility(page)
    # asked for by address (the page's own request, not a navigation: a 403 logs a console error)
    refused = page.request.get(f"{stack.url}/dashboard/ambassadors/E1001/erase")
    assert refused.status == 403
    assert "Not for your role" in refused.text()
    csrf = page.locator("input[name=csrf]").first.get_attribute("value") or ""
    posted = page.request.post(f"{stack.url}/dashboard/ambassadors/E1001/erase", form={"csrf": csrf})
    assert posted.status == 403
    assert "This needs the admin role" in posted.text()
    assert (
        requests.get(f"{stack.url}/api/ambassadors/E1001", headers=stack.admin(), timeout=60).status_code
        == 200
    )

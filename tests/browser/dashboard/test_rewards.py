"""The dashboard's Applications and Rewards pages on the demo organisation in a real browser:
reading why the demo's LinkedIn application was credited, paying an eligible reward end to end
(one this test makes: the demo's only reward is still in its holding period, and the package's
tests change only what they make themselves), and a viewer who is shown no pay button and whose
forged POST is refused — each page with no console error and no serious axe-core violation."""

from __future__ import annotations

import re
import secrets
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
import requests
from playwright.sync_api import expect

from kring.dal import keys
from kring.dal.items import deserialize, serialize, timestamp
from kring.mail.i18n import Translator
from tests.browser.conftest import check_accessibility
from tests.browser.dashboard.conftest import TeamPage, screenshot
from tests.e2e.test_local_stack import Running

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("e2e")]

AMBASSADOR = "E1002"  # Daan Jansen, Sales, in the demo's roster


def _table(stack: Running) -> tuple[Any, str]:
    client = boto3.client(
        "dynamodb",
        endpoint_url=f"http://127.0.0.1:{stack.dynamodb_port}",
        region_name="eu-west-1",
        aws_access_key_id="local",
        aws_secret_access_key="local",
    )
    # Kring's one table: the one with the three generic indexes (the stack has others beside it)
    [name] = [
        name
        for name in client.list_tables()["TableNames"]
        if {
            i["IndexName"]
            for i in client.describe_table(TableName=name)["Table"].get("GlobalSecondaryIndexes", [])
        }
        >= {keys.GSI1, keys.GSI2, keys.GSI3}
    ]
    return client, name


def _eligible_reward(stack: Running) -> str:
    """One ledger entry as the attribution writes it for a credited hire whose holding period is
    over (hired 120 days ago): its reward id."""
    client, table = _table(stack)
    reward_id = f"browser-{secrets.token_hex(4)}"
    hired_at = datetime.now(UTC) - timedelta(days=120)
    hired = timestamp(hired_at)
    item = {
        **keys.reward(AMBASSADOR, reward_id),
        **keys.reward_list_entry(hired, reward_id),
        "entity": "reward",
        "status": "pending",
        "amount": "500.00",
        "currency": "EUR",
        "hired_at": hired,
        "eligible_at": timestamp(hired_at + timedelta(days=90)),
        "paid_at": None,
        "reward_id": reward_id,
        "ambassador_id": AMBASSADOR,
        "provider": "greenhouse",
        "application_id": f"app-{reward_id}",
        "vacancy_id": None,
    }
    client.put_item(TableName=table, Item=serialize(item))
    return reward_id


def _status_of(stack: Running, reward_id: str) -> str:
    client, table = _table(stack)
    got = client.get_item(TableName=table, Key=serialize(keys.reward(AMBASSADOR, reward_id)))
    return str(deserialize(got["Item"])["status"])


def test_reading_why_a_demo_application_was_credited(team_page: TeamPage) -> None:
    page = team_page("viewer")
    page.get_by_role("navigation").get_by_role("link", name="Applications").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Applications")
    rows = page.locator("#table-applications tbody tr")
    expect(rows).to_have_count(3)  # the demo's three applications
    check_accessibility(page)
    screenshot(page, "dashboard-applications")

    rows.filter(has_text="LinkedIn").get_by_role("link").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Application Greenhouse")
    expect(page.locator("#summary")).to_contain_text("was credited for a click on their link (LinkedIn)")
    expect(page.locator("#summary")).to_contain_text("last valid click wins")
    touches = page.locator("#table-touches tbody tr")
    expect(touches.first).to_contain_text("Credited")
    expect(touches.first).to_contain_text("the last valid click before the application.")
    check_accessibility(page)
    screenshot(page, "dashboard-application")

    dutch = team_page("viewer", "nl")
    dutch.goto(page.url)
    expect(dutch.locator("#summary")).to_contain_text("krijgt de sollicitatie toegekend voor een klik")


def test_an_admin_pays_an_eligible_reward_end_to_end(team_page: TeamPage, stack: Running) -> None:
    reward_id = _eligible_reward(stack)
    page = team_page("admin")
    page.get_by_role("navigation").get_by_role("link", name="Rewards").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Rewards")
    page.get_by_role("list", name="Show rewards").get_by_role("link", name="Eligible").click()
    row = page.locator("#table-ledger tbody tr", has_text=reward_id)
    expect(row).to_contain_text("Daan Jansen (E1002)")
    expect(row).to_contain_text("Eligible")
    check_accessibility(page)
    screenshot(page, "dashboard-rewards")

    row.get_by_role("button", name=f"Pay reward {reward_id}").click()
    expect(page.locator("#done")).to_have_text(re.compile(r"1 reward paid\."))
    expect(page.locator("#table-ledger tbody tr", has_text=reward_id)).to_have_count(0)  # eligible only
    assert _status_of(stack, reward_id) == "paid"
    page.get_by_role("list", name="Show rewards").get_by_role("link", name="Paid").click()
    expect(page.locator("#table-ledger tbody tr", has_text=reward_id)).to_contain_text("Paid")

    # the payment is in the audit trail, by this user through the dashboard
    trail = requests.get(f"{stack.url}/api/audit?limit=100", headers=stack.admin(), timeout=30)
    assert trail.status_code == 200, trail.text
    paid = [e for e in trail.json()["items"] if e["target"] == f"{AMBASSADOR}/{reward_id}"]
    assert [(e["route"], e["summary"], e["role"]) for e in paid] == [
        ("POST /dashboard/rewards/<ambassador_id>/<reward_id>/pay", "reward paid", "admin")
    ]


def test_a_viewer_sees_no_pay_button_and_a_forged_payment_is_refused(
    team_page: TeamPage, stack: Running
) -> None:
    reward_id = _eligible_reward(stack)
    page = team_page("viewer")
    page.goto("/dashboard/rewards?status=eligible")
    expect(page.locator("#table-ledger tbody tr", has_text=reward_id)).to_contain_text("Eligible")
    expect(page.get_by_role("button", name=re.compile("^Pay"))).to_have_count(0)
    check_accessibility(page)
    # the viewer's own session, sending the form the page does not offer
    csrf = page.locator("header form input[name=csrf]").input_value()
    answer = page.request.post(
        f"/dashboard/rewards/{AMBASSADOR}/{reward_id}/pay",
        form={"csrf": csrf},
        headers={"origin": re.sub(r"/dashboard.*$", "", page.url)},
    )
    assert answer.status == 403
    en = Translator("en")
    assert en("dashboard.refused.body", role=en("dashboard.role.admin")) in answer.text()
    assert _status_of(stack, reward_id) == "pending"  # stored as pending; eligible is derived

"""The Connections page on the local stack in a real browser: it renders with no console error and
no serious axe-core violation, and a recruiter redrives a parked message end to end — a message put
into the ATS fetch DLQ through the local SQS endpoint is shown, the Redrive button moves it back
onto its queue, and the page then says so and shows the DLQ empty. A viewer is offered no button."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import boto3
import pytest
from playwright.sync_api import expect

from infra.local.running import NOTE
from tests.browser.conftest import check_accessibility
from tests.browser.dashboard.conftest import TeamPage, screenshot
from tests.e2e.test_local_stack import Running

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("e2e")]

DLQ = "kring-local-ats-fetch-dlq"
PARKED = {"origin": "lever:browser-delivery:0", "request": {"provider": "lever", "kind": "application"}}


def _sqs(stack: Running) -> tuple[SQSClient, str]:
    """A boto3 SQS client on the running stack's own AWS endpoint (its note in the data dir), and
    that endpoint."""
    data_dir = stack.log.parent / "data"  # the package's stack fixture starts it there
    aws_url = str(json.loads(Path(data_dir / NOTE).read_text())["aws_url"])
    client = boto3.client(
        "sqs",
        endpoint_url=aws_url,
        region_name="eu-west-1",
        aws_access_key_id="local",
        aws_secret_access_key="local",
    )
    return client, aws_url


def test_a_recruiter_redrives_a_parked_message_back_onto_its_queue(
    team_page: TeamPage, stack: Running
) -> None:
    sqs, aws_url = _sqs(stack)
    queue_url = f"{aws_url}/000000000000/{DLQ}"
    sqs.send_message(QueueUrl=queue_url, MessageBody=json.dumps(PARKED))

    viewer = team_page("viewer")
    viewer.goto("/dashboard/connections")
    expect(viewer.get_by_role("heading", level=1)).to_have_text("Connections")
    expect(viewer.get_by_role("button", name="Redrive AtsFetchDLQ (1)")).to_have_count(0)

    page = team_page("recruiter")
    page.get_by_role("navigation").get_by_role("link", name="Connections").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Connections")
    ats = page.locator("#table-ats")
    expect(ats.get_by_role("row", name="Greenhouse")).to_contain_text("Yes")  # its secret is set
    counts = page.locator("#table-queues").get_by_role("row", name="AtsFetchDLQ")
    expect(counts.locator("td").first).to_have_text("1")
    expect(page.locator("#table-parked")).to_contain_text("AtsFetch (lever)")
    check_accessibility(page)
    screenshot(page, "dashboard-connections")

    page.get_by_role("button", name="Redrive AtsFetchDLQ (1)").click()

    expect(page.get_by_role("status")).to_have_text(
        "The messages of AtsFetchDLQ are being put back on their queue."
    )
    expect(counts.locator("td").first).to_have_text("0")
    expect(page.get_by_role("button", name="Redrive AtsFetchDLQ (1)")).to_have_count(0)
    check_accessibility(page)
    depth = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["ApproximateNumberOfMessages"])[
        "Attributes"
    ]["ApproximateNumberOfMessages"]
    assert depth == "0"

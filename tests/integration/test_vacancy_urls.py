"""A vacancy URL that leads anywhere the organisation did not publish is never handed to an
ambassador: through the real webhook handler under moto, the posting is answered as Ashby expects
(200, never a 5xx), stored as a draft without a URL, not announced and so not fanned out; the same
posting on the organisation's own Ashby job board is published and fanned out (the control)."""

from __future__ import annotations

import json

import pytest

from kring.intake import vacancies
from tests.integration.test_share_fanout import _ambassador
from tests.support import ashby as ab
from tests.support import fanout as fo
from tests.support.bus import Bus
from tests.support.fixtures import MotoStack

POSTING_ID = "7458d4e9-da2e-47bd-98cb-adfda43d42b2"
VID = f"ashby-{POSTING_ID}"


@pytest.fixture
def bus(moto_stack: MotoStack) -> Bus:
    return Bus(moto_stack.stack.physical_name("KringBus"))


def publish_posting(moto_stack: MotoStack, url: str) -> int:
    """A signed ``jobPostingPublish`` whose public page is ``url``; the webhook's status."""
    body = ab.encode(ab.variant("jobPostingPublish", externalLink=url, applyLink=None))
    return moto_stack.http("POST", ab.PATH, body=body, headers=ab.headers(body)).status


def fan_out(moto_stack: MotoStack, bus: Bus) -> list[str]:
    """Deliver what reached the bus to the fan-out, as the template's rule and queue would; the
    ambassadors who got a link."""
    published = [e for e in bus.drain() if e["detail-type"] == "VacancyPublished"]
    shared = fo.Published()
    if published:
        result = moto_stack.invoke(
            "ShareFanoutFunction", fo.sqs_event(*(json.dumps(e) for e in published)), publisher=shared
        )
        assert result == {"batchItemFailures": []}
    return shared.shared()


@pytest.fixture
def ambassadors(moto_stack: MotoStack) -> None:
    del moto_stack
    fo.store_ambassadors(_ambassador("E1"), _ambassador("E2"))


def test_the_organisation_s_own_posting_is_published_and_fanned_out(
    moto_stack: MotoStack, bus: Bus, ambassadors: None
) -> None:
    url = f"https://jobs.ashbyhq.com/acme/{POSTING_ID}"

    assert publish_posting(moto_stack, url) == 200

    vacancy = vacancies.get_vacancy(VID)
    assert (vacancy.status, vacancy.url) == ("published", url)
    assert sorted(fan_out(moto_stack, bus)) == ["E1", "E2"]


@pytest.mark.parametrize(
    "url",
    [
        "https://evil.com\\@jobs.ashbyhq.com/acme/x",
        "https://jobs.ashbyhq.com/other-org/x",
        "https://jobs.lever.co/acme/x",
        "https://jobs.ashbyhq.com:8443/acme/x",
        "https://[evil.com/x",
        "https://jobs.ashbyhq.com\uff0facme/x",
        "https://user@jobs.ashbyhq.com/acme/x",
        "https://jobs.ashbyhq.com/acme/x\r\nLocation: https://evil.com",
    ],
)
def test_a_posting_that_leads_elsewhere_is_answered_stored_as_draft_and_never_fanned_out(
    moto_stack: MotoStack, bus: Bus, ambassadors: None, url: str
) -> None:
    assert publish_posting(moto_stack, url) == 200  # what Ashby expects: no retry, no disabled hook

    vacancy = vacancies.get_vacancy(VID)
    assert (vacancy.status, vacancy.url) == ("draft", None)
    assert fan_out(moto_stack, bus) == []


def test_a_hostile_url_edited_into_a_published_posting_closes_it(
    moto_stack: MotoStack, bus: Bus, ambassadors: None
) -> None:
    assert publish_posting(moto_stack, f"https://jobs.ashbyhq.com/acme/{POSTING_ID}") == 200
    fan_out(moto_stack, bus)
    body = ab.encode(
        ab.variant(
            "jobPostingPublish",
            externalLink="https://evil.com\\@jobs.ashbyhq.com/acme/x",
            updatedAt="2030-01-01T00:00:00.000Z",
            action_id="wa-edited",
        )
    )

    assert moto_stack.http("POST", ab.PATH, body=body, headers=ab.headers(body)).status == 200

    vacancy = vacancies.get_vacancy(VID)
    assert (vacancy.status, vacancy.url) == ("closed", None)
    assert [e["detail-type"] for e in bus.drain()] == ["VacancyClosed"]

"""Lever webhooks and API answers for tests: the samples in ``tests/fixtures/ats`` (copied from the
shared test vectors), deliveries signed like Lever signs them (``token + triggeredAt`` in the body),
and opportunity / postings answers shaped as Lever's API documents them."""

from __future__ import annotations

import json
import secrets
from datetime import UTC, datetime
from typing import Any

from kring.integrations.ats.base import FetchNeeded
from kring.links.click_tokens import new_click_token
from tests.support.ats_fixtures import SECRET as SECRET
from tests.support.ats_fixtures import ProviderSamples, hmac_hex

PATH = "/webhooks/lever"
SAMPLES = ("applicationCreated", "candidateHired", "candidateStageChange", "test_ping")
HEADERS = {"Content-Type": "application/json", "User-Agent": "Lever-Webhooks"}

OPPORTUNITY_ID = "3410c8b9-5c31-4bab-b7e9-9f710206d647"  # every sample's opportunityId
CONTACT_ID = "05c248f9-ccb1-435f-bab5-0ec608aec263"
APPLICATION_ID = "6ffe4153-60bb-4e30-bfbe-bd9b9775879c"
POSTING_ID = "6a1e4b79-75a3-454f-9417-ea79612b9585"
TO_STAGE_ID = "7c2690d8-6308-4ed9-ae2a-cbfe7db26593"  # lever_candidateStageChange.json
CURRENT_STAGE_ID = "00922a60-7c15-422b-b086-f62000824fd7"
REFERRER_ID = "c0761056-12e6-4005-a362-88138953c2d8"
CANDIDATE_EMAIL = "shane@exampleq3.com"
REFERRER_EMAIL = "josh@acme.example"
SAMPLE_FILES = ProviderSamples("lever")
raw = SAMPLE_FILES.raw
payload = SAMPLE_FILES.payload


def sign(token: str, triggered_at: int | str, secret: str = SECRET) -> str:
    return hmac_hex(f"{token}{triggered_at}".encode(), secret)


def ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def delivery(
    event: str,
    data: dict[str, Any],
    *,
    triggered_at: int | None = None,
    token: str | None = None,
    secret: str = SECRET,
) -> bytes:
    """A delivery as Lever sends it, signed with ``secret`` (now, a fresh token, unless given)."""
    token = token or secrets.token_hex(24)
    at = triggered_at if triggered_at is not None else ms(datetime.now(UTC))
    body = {
        "triggeredAt": at,
        "event": event,
        "data": data,
        "signature": sign(token, at, secret),
        "token": token,
    }
    return json.dumps(body, indent=2).encode()


def resigned(name: str, *, triggered_at: int | None = None, token: str | None = None) -> bytes:
    """Sample ``name`` as delivered now: its event and data, a current ``triggeredAt``, a valid
    signature (the samples' own are for the test secret, or Lever's doc placeholders)."""
    sample = payload(name)
    return delivery(
        sample["event"], sample["data"], triggered_at=triggered_at, token=token or sample["token"]
    )


def sample_time(name: str) -> datetime:
    return datetime.fromtimestamp(payload(name)["triggeredAt"] / 1000, tz=UTC)


# ------------------------------------------------------------------------------- API answers
def opportunity(
    *,
    sources: list[str] | None = None,
    origin: str = "applied",
    stage: dict[str, Any] | None = None,
    application_type: str = "posting",
    referrer: str | None = None,
    archived: dict[str, Any] | None = None,
    tags: list[str] | None = None,
    answers: list[Any] | None = None,
) -> dict[str, Any]:
    """``GET /opportunities/{id}?expand=applications&expand=stage`` as Lever documents it."""
    application: dict[str, Any] = {
        "id": APPLICATION_ID,
        "opportunityId": OPPORTUNITY_ID,
        "candidateId": OPPORTUNITY_ID,
        "createdAt": 1716201234000,
        "type": application_type,
        "posting": POSTING_ID,
        "user": referrer,
        "name": "Shane Smith",
        "email": CANDIDATE_EMAIL,
        "customQuestions": [
            {
                "type": "posting",
                "text": "Application questions",
                "fields": [
                    {"type": "text", "text": "How did you hear about us?", "value": value}
                    for value in (answers or [])
                ],
            }
        ],
    }
    return {
        "data": {
            "id": OPPORTUNITY_ID,
            "name": "Shane Smith",
            "contact": CONTACT_ID,
            "emails": [CANDIDATE_EMAIL],
            "createdAt": 1716201234000,
            "stage": stage or {"id": CURRENT_STAGE_ID, "text": "New applicant"},
            "archived": archived,
            "tags": tags or ["Amsterdam", "Engineering"],
            "sources": sources if sources is not None else ["Job site"],
            "origin": origin,
            "applications": [application],
            "urls": {
                "list": "https://hire.lever.co/candidates",
                "show": f"https://hire.lever.co/candidates/{OPPORTUNITY_ID}",
            },
        }
    }


def click_source(token: str | None = None) -> tuple[str, str]:
    """A click token and the Lever source the redirect's ``lever-source[]=kring-<token>`` makes."""
    token = token or new_click_token()
    return token, f"kring-{token}"


def posting(
    posting_id: str,
    title: str,
    *,
    department: str = "Engineering",
    team: str = "Platform",
    location: str = "Amsterdam",
    created_at: int = 1764403200000,
    description: str = "",
    site: str = "acme",
) -> dict[str, Any]:
    """One entry of the public postings feed (``/v0/postings/{site}?mode=json``)."""
    return {
        "id": posting_id,
        "text": title,
        "hostedUrl": f"https://jobs.lever.co/{site}/{posting_id}",
        "applyUrl": f"https://jobs.lever.co/{site}/{posting_id}/apply",
        "categories": {
            "commitment": "Full-time",
            "department": department,
            "team": team,
            "location": location,
        },
        "createdAt": created_at,
        "descriptionPlain": description,
    }


def fetch_needed(event: str, **ids: str) -> FetchNeeded:
    """The fetch a Lever delivery of ``event`` asks for: the samples' opportunity and contact."""
    return FetchNeeded(
        provider="lever",
        event=event,
        ids={"opportunityId": OPPORTUNITY_ID, "contactId": CONTACT_ID, **ids},
        occurred_at=datetime(2024, 5, 20, 10, 33, 54, tzinfo=UTC),
    )

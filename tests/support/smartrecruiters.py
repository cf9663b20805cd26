"""SmartRecruiters webhooks for tests: the samples in ``tests/fixtures/ats`` (copied byte for byte
from the shared test vectors), their documented headers, fresh deliveries signed now, and canned
answers for the fake SmartRecruiters API.

``application.created`` is the vendor's own test vector, signed with the vendor's key
(:data:`VENDOR_KEY`); the other samples are signed with ``test_secret_do_not_use``."""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime
from typing import Any

from kring.integrations.ats.base import FetchNeeded
from tests.support.ats_fixtures import SECRET as SECRET
from tests.support.ats_fixtures import ProviderSamples, hmac_hex

VENDOR_KEY = "HeBVky2bccvvkcXPimH8c"
PATH = "/webhooks/smartrecruiters"
SAMPLES = ["application.created", "application.status.updated", "job.created"]
CANDIDATE_ID = "9c1f3b6e-2d4a-4e8b-a0c7-5f1e2d3c4b5a"
JOB_ID = "3fa85f64-5717-4562-b3fc-2c963f66afa6"
SAMPLE_FILES = ProviderSamples("smartrecruiters")
raw = SAMPLE_FILES.raw
documented_headers = SAMPLE_FILES.documented_headers


def documented_key(name: str) -> str:
    """The key the sample was signed with (see the note in its ``.headers.txt``)."""
    return VENDOR_KEY if name == "application.created" else SECRET


def sample_time(name: str) -> int:
    return int(documented_headers(name)["smartrecruiters-timestamp"])


def sign(
    body: bytes, timestamp: int, *, event_id: str, event_name: str, version: str, link: str, key: str = SECRET
) -> str:
    message = f"{timestamp}.".encode() + body + f".{event_id}.{event_name}.{version}.{link}".encode()
    return hmac_hex(message, key)


def headers(
    body: bytes,
    event_name: str,
    *,
    event_id: str | None = None,
    link: str = "",
    timestamp: int | None = None,
    key: str = SECRET,
    version: str = "v201910",
) -> dict[str, str]:
    """What SmartRecruiters sends with ``body``: signed now (or at ``timestamp``), a fresh event id
    unless one is given."""
    at = int(time.time()) if timestamp is None else timestamp
    eid = event_id or str(uuid.uuid4())
    out = {
        "Content-Type": "application/json",
        "event-id": eid,
        "event-name": event_name,
        "event-version": version,
        "smartrecruiters-timestamp": str(at),
        "smartrecruiters-signature": "v1="
        + sign(body, at, event_id=eid, event_name=event_name, version=version, link=link, key=key),
    }
    if link:
        out["link"] = link
    return out


def application_body(candidate_id: str = CANDIDATE_ID, job_id: str = JOB_ID) -> bytes:
    return f'{{"job_id":"{job_id}","candidate_id":"{candidate_id}"}}'.encode()


# ------------------------------------------------------------------------------ API answers
def api_application(
    status: str = "NEW", *, source: object = "LinkedIn", referrer: object = None, **extra: Any
) -> dict[str, Any]:
    answer = {
        "status": status,
        "subStatus": None,
        "createdOn": "2024-05-20T08:41:07.000Z",
        "source": source,
        "sourceDetails": {"sourceTypeId": "SOCIAL_NETWORKS", "sourceId": "linkedin"},
        **extra,
    }
    if referrer is not None:
        answer["referrer"] = referrer
    return answer


def api_candidate(email: str = "candidate@example.com", tags: list[str] | None = None) -> dict[str, Any]:
    return {
        "id": CANDIDATE_ID,
        "firstName": "Juston",
        "lastName": "Becker",
        "email": email,
        "tags": tags or [],
        "web": {"linkedin": "https://www.linkedin.com/in/juston"},
    }


def api_job(status: str = "SOURCING", posting_status: str = "PUBLIC") -> dict[str, Any]:
    return {
        "id": JOB_ID,
        "title": "Data Engineer",
        "status": status,
        "postingStatus": posting_status,
        "department": {"id": "d1", "label": "Technology"},
        "location": {"city": "Amsterdam", "country": "Netherlands", "remote": False},
        "language": {"code": "en"},
    }


POSTING_URL = f"https://jobs.smartrecruiters.com/Acme/{JOB_ID}-data-engineer"


def api_publication(url: str = POSTING_URL) -> dict[str, Any]:
    return {"publishedOn": "2024-05-20T08:00:00.000Z", "postingUrl": url, "applyUrl": url + "?oga=true"}


def add_application_routes(fake: Any, status: str = "NEW", **application: Any) -> None:
    """Every call :func:`smartrecruiters.fetch` makes for the sample application, answered."""
    base = f"/smartrecruiters/candidates/{CANDIDATE_ID}"
    fake.add("GET", f"{base}/jobs/{JOB_ID}", api_application(status, **application))
    fake.add("GET", base, api_candidate())
    fake.add("GET", f"{base}/jobs/{JOB_ID}/screening-answers", {"content": []})


def add_job_routes(fake: Any, **job: Any) -> None:
    fake.add("GET", f"/smartrecruiters/jobs/{JOB_ID}", api_job(**job))
    fake.add("GET", f"/smartrecruiters/jobs/{JOB_ID}/publication", api_publication())


def fetch_needed(event: str = "application.created", **ids: str) -> FetchNeeded:
    """The fetch a SmartRecruiters delivery of ``event`` asks for: the samples' candidate and job."""
    return FetchNeeded(
        provider="smartrecruiters",
        event=event,
        ids=ids or {"candidate_id": CANDIDATE_ID, "job_id": JOB_ID},
        occurred_at=datetime(2024, 5, 20, 8, 41, 7, tzinfo=UTC),
    )

"""Teamtailor webhooks for tests: the samples in ``tests/fixtures/ats`` (copied byte for byte from the
shared test vectors, signed with ``test_secret_do_not_use`` at ``t=1716194467``), fresh deliveries
signed now, and canned API answers for the fake Teamtailor API."""

from __future__ import annotations

import base64
import json
import time
from datetime import UTC, datetime
from typing import Any

from kring.integrations.ats.base import FetchNeeded
from tests.support.ats_fixtures import SECRET as SECRET
from tests.support.ats_fixtures import ProviderSamples, hmac_hex

PATH = "/webhooks/teamtailor"
SAMPLE_TIME = 1716194467  # the t= every sample was signed at
COMPANY_SAMPLES = ["job.update", "job_application.create", "job_application.update_hired"]
PARTNER_SAMPLES = ["jobboard_job_ad_created", "partner_trigger_webhook"]
APPLICATION_ID = "48151623"
CANDIDATE_ID = "7001"
JOB_ID = "23"
STAGE_ID = "301"
USER_ID = "4468"
SAMPLE_FILES = ProviderSamples("teamtailor")
raw = SAMPLE_FILES.raw


def documented_headers(name: str) -> dict[str, str]:
    """The signature header(s) the sample's ``.headers.txt`` lists (lower-cased names)."""
    listed = SAMPLE_FILES.documented_headers(name)
    out = {k: v for k, v in listed.items() if k in ("tt-signature", "teamtailor-signature")}
    assert out, f"no signature header in teamtailor_{name}.headers.txt"
    return out


def signature(payload_bytes: bytes, t: int, secret: str = SECRET) -> str:
    """A v2 ``TT-Signature`` over the payload's bytes at time ``t``."""
    digest = hmac_hex(f"{t}.".encode() + payload_bytes, secret)
    return base64.b64encode(f"t={t},v2={digest}".encode()).decode()


def delivery(payload: dict[str, Any], *, t: int | None = None, secret: str = SECRET) -> tuple[bytes, str]:
    """A company webhook body as Teamtailor's Node sender makes it (compact JSON.stringify), and
    its ``TT-Signature``, signed at ``t`` (now by default)."""
    inner = json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()
    sig = signature(inner, int(time.time()) if t is None else t, secret)
    body = b'{"payload":' + inner + b',"signature":"' + sig.encode() + b'"}'
    return body, sig


def headers(sig: str) -> dict[str, str]:
    return {"Content-Type": "application/json", "TT-Signature": sig}


def signed_slice(body: bytes) -> bytes:
    """The bytes a company delivery's ``TT-Signature`` covers: its payload, as sent."""
    return body[len(b'{"payload":') : body.rindex(b',"signature":')]


def forged_partner_request(
    seen: bytes, seen_signature: str, payload: dict[str, Any]
) -> tuple[bytes, dict[str, str]]:
    """The forgery of the finding, made from one company delivery someone saw (a proxy log, a
    mis-sent copy) and no key: its ``t`` and v2 digest (``HMAC(key, "<t>." + payload)``) reused as
    a partner trigger's ``Teamtailor-Signature: t=<t>,v1=<digest>``, whose scheme signs
    ``"<t>." + partner-event.id`` — so the seen payload goes into ``partner-event.id``, and next to
    it any ``payload`` at all."""
    decoded = base64.b64decode(seen_signature).decode()
    fields = dict(part.split("=", 1) for part in decoded.split(","))
    body = json.dumps({"partner-event": {"id": signed_slice(seen).decode()}, "payload": payload}).encode()
    partner = f"t={fields['t']},v1={fields['v2']}"
    return body, {"Content-Type": "application/json", "Teamtailor-Signature": partner}


def payload(name: str) -> dict[str, Any]:
    """The sample's inner ``payload`` (what Teamtailor signs), not the whole body."""
    data: dict[str, Any] = SAMPLE_FILES.payload(name)["payload"]
    return data


def job_event(event: str = "job.update", **attributes: Any) -> dict[str, Any]:
    """The verbatim ``job.update`` payload with ``attributes`` changed (kebab-case names)."""
    data = payload("job.update")
    data["event_name"] = event
    data["data"]["attributes"].update(attributes)
    return data


def application_event(event: str = "job_application.create", **attributes: Any) -> dict[str, Any]:
    data = payload("job_application.create")
    data["event_name"] = event
    data["data"]["attributes"].update(attributes)
    return data


# ------------------------------------------------------------------------------ API answers
def api_application(
    *,
    stage_type: str = "Inbox",
    stage_name: str = "Inbox",
    rejected_at: str | None = None,
    referring_url: str | None = "https://www.linkedin.com/",
    email: str = "candidate@example.com",
    tags: list[str] | None = None,
) -> dict[str, Any]:
    """``GET /job-applications/{id}?include=candidate,job,stage`` as JSON:API documents it."""
    return {
        "data": {
            "id": APPLICATION_ID,
            "type": "job-applications",
            "attributes": {
                "created-at": "2024-05-20T10:41:07.512+02:00",
                "updated-at": "2024-06-18T15:02:44.120+02:00",
                "changed-stage-at": "2024-06-18T15:02:44.101+02:00",
                "rejected-at": rejected_at,
                "referring-url": referring_url,
                "referring-site": "LinkedIn",
                "sourced": False,
            },
            "relationships": {
                "candidate": {"data": {"type": "candidates", "id": CANDIDATE_ID}},
                "job": {"data": {"type": "jobs", "id": JOB_ID}},
                "stage": {"data": {"type": "stages", "id": STAGE_ID}},
            },
        },
        "included": [
            {
                "id": CANDIDATE_ID,
                "type": "candidates",
                "attributes": {
                    "email": email,
                    "first-name": "Juston",
                    "referring-url": None,
                    "referring-site": None,
                    "sourced": False,
                    "tags": tags or [],
                },
            },
            {"id": JOB_ID, "type": "jobs", "attributes": {"title": "Marketing Coordinator"}},
            {"id": STAGE_ID, "type": "stages", "attributes": {"name": stage_name, "stage-type": stage_type}},
        ],
    }


def api_answers(*texts: str) -> dict[str, Any]:
    return {
        "data": [
            {"id": str(900 + n), "type": "answers", "attributes": {"text": text, "choices": []}}
            for n, text in enumerate(texts)
        ]
    }


def api_referrals(email: str = "referrer@example.com", external_id: str | None = "E42") -> dict[str, Any]:
    return {
        "data": [
            {
                "id": "1",
                "type": "referrals",
                "attributes": {"email": "candidate@example.com", "name": "Juston Becker"},
                "relationships": {
                    "candidate": {"data": {"type": "candidates", "id": CANDIDATE_ID}},
                    "job": {"data": {"type": "jobs", "id": JOB_ID}},
                    "user": {"data": {"type": "users", "id": USER_ID}},
                },
            }
        ],
        "included": [
            {"id": USER_ID, "type": "users", "attributes": {"email": email, "external-id": external_id}}
        ],
    }


def api_job(
    *, status: str = "open", url: str | None = "https://career.teamtailor.com/jobs/2-it-designer-1"
) -> dict[str, Any]:
    attributes = payload("job.update")["data"]["attributes"]
    attributes.update({"status": status, "human-status": status, "careersite-job-url": url})
    return {"data": {"id": "2", "type": "jobs", "attributes": attributes}}


def add_application_routes(fake: Any, **application: Any) -> None:
    """Every call :func:`teamtailor.fetch` makes for the sample application, answered."""
    fake.add("GET", f"/teamtailor/job-applications/{APPLICATION_ID}", api_application(**application))
    fake.add("GET", f"/teamtailor/candidates/{CANDIDATE_ID}/answers", api_answers())
    fake.add("GET", "/teamtailor/referrals", {"data": []})


def fetch_needed(event: str = "job_application.create", **ids: str) -> FetchNeeded:
    """The fetch a Teamtailor delivery of ``event`` asks for: the samples' application and job."""
    return FetchNeeded(
        provider="teamtailor",
        event=event,
        ids={"application_id": APPLICATION_ID, "job_id": JOB_ID, **ids},
        occurred_at=datetime(2024, 5, 20, 8, 41, tzinfo=UTC),
    )

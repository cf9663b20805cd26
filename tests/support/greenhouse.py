"""Greenhouse web hooks for tests: the verbatim samples in ``tests/fixtures/ats`` (copied from the
shared test vectors, signed with ``test_secret_do_not_use``), variants of them, and signing."""

from __future__ import annotations

import copy
import uuid
from typing import Any

from tests.support.ats_fixtures import SECRET as SECRET
from tests.support.ats_fixtures import ProviderSamples, hmac_hex
from tests.support.ats_fixtures import encode as encode

PATH = "/webhooks/greenhouse"
SAMPLE_FILES = ProviderSamples("greenhouse")
raw = SAMPLE_FILES.raw
payload = SAMPLE_FILES.payload


def documented_signature(name: str) -> str:
    """The ``Signature`` header the sample's ``.headers.txt`` lists."""
    return SAMPLE_FILES.documented_header(name, "Signature")


def sign(body: bytes, secret: str = SECRET) -> str:
    return "sha256 " + hmac_hex(body, secret)


def headers(body: bytes, event_id: str | None = None, *, signature: str | None = None) -> dict[str, str]:
    """What Greenhouse sends with ``body``; a fresh ``Greenhouse-Event-ID`` unless given one."""
    out = {
        "Content-Type": "application/json",
        "User-Agent": "Greenhouse-Webhooks",
        "Signature": signature if signature is not None else sign(body),
    }
    if event_id != "":
        out["Greenhouse-Event-ID"] = event_id or str(uuid.uuid4())
    return out


def post(name: str = "job_post_updated", **changes: Any) -> bytes:
    """A job post sample with ``changes`` applied to its post (e.g. ``live=True``)."""
    data = copy.deepcopy(payload(name))
    target = data["payload"].get("job_post", data["payload"])
    target.update(changes)
    return encode(data)


def job(name: str = "job_created", **changes: Any) -> bytes:
    """A job sample with ``changes`` applied to its job (e.g. ``id=1842002``)."""
    data = copy.deepcopy(payload(name))
    data["payload"]["job"].update(changes)
    return encode(data)


def action(name: str, body: dict[str, Any]) -> bytes:
    return encode({"action": name, "payload": body})


# ------------------------------------------------------------------------------- candidate events
# Greenhouse sends the whole application with every candidate event (its web hook docs show
# ``{"action": ..., "payload": {"application": {...}}}`` for each); these are the verbatim
# application sample moved on to what each event would carry, following the documented examples.
APPLICATION_ID = 71980812  # greenhouse_new_candidate_application.json
CANDIDATE_ID = 60304594
JOB_ID_OF_APPLICATION = 274075
POST_ID_OF_APPLICATION = 263533
CANDIDATE_EVENTS = (
    "candidate_stage_change",
    "hire_candidate",
    "unhire_candidate",
    "reject_candidate",
    "unreject_candidate",
)


# A referral source: only then is ``credited_to`` the referrer (the sample's source is LinkedIn).
REFERRAL_SOURCE = {"id": 4000045, "public_name": "Employee Referral", "type": {"id": 2, "name": "Referral"}}


def application(**changes: Any) -> dict[str, Any]:
    """The sample's application (a deep copy) with ``changes`` applied to it."""
    app: dict[str, Any] = copy.deepcopy(payload("new_candidate_application")["payload"]["application"])
    app.update(changes)
    return app


def candidate_event(name: str, **changes: Any) -> dict[str, Any]:
    """``name`` as Greenhouse sends it for the sample's application, then ``changes`` applied to
    the application. Times: the stage change on 2017-11-02, the hire (offer accepted) on
    2017-11-20, the unhire on 2017-12-01, the rejection on 2017-11-06."""
    app = application()
    if name == "candidate_stage_change":
        app.update(
            last_activity_at="2017-11-02T10:15:00Z",
            current_stage={
                "id": 2944105,
                "name": "Face to Face",
                "interviews": [{"id": 4368010, "name": "Onsite", "status": "scheduled", "interviewers": []}],
            },
        )
    elif name == "hire_candidate":
        job = app["jobs"][0]
        app.update(
            status="hired",
            last_activity_at="2017-11-20T16:00:05Z",
            current_stage={"id": 2944107, "name": "Offer", "interviews": []},
            opening={"opening_id": "1234-56"},
            job={"id": job["id"], "name": job["name"], "departments": job["departments"]},
            offer={
                "id": 506409,
                "version": 1,
                "created_at": "2017-11-15T09:00:00Z",
                "sent_at": "2017-11-16",
                "resolved_at": "2017-11-20T16:00:00Z",
                "starts_at": "2018-01-08",
                "custom_fields": {},
            },
        )
    elif name == "unhire_candidate":
        app.update(status="active", last_activity_at="2017-12-01T08:30:00Z")
    elif name in ("reject_candidate", "unreject_candidate"):
        rejected = name == "reject_candidate"
        app.update(
            status="rejected" if rejected else "active",
            rejected_at="2017-11-06T11:00:00Z" if rejected else None,
            last_activity_at="2017-11-06T11:00:00Z",
            rejection_reason=(
                {"id": 14, "name": "Too Junior", "type": {"id": 3, "name": "Wrong skill set"}}
                if rejected
                else None
            ),
        )
    else:
        raise AssertionError(f"no candidate event {name!r}")
    app.update(changes)
    return {"action": name, "payload": {"application": app}}


def candidate_body(name: str, **changes: Any) -> bytes:
    return encode(candidate_event(name, **changes))

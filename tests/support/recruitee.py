"""Recruitee webhooks for tests: the samples in ``tests/fixtures/ats`` (copied from the shared test
vectors, signed with ``test_secret_do_not_use``), variants of them, and signing."""

from __future__ import annotations

import copy
from typing import Any

from tests.support import ats_fixtures
from tests.support.ats_fixtures import SECRET as SECRET
from tests.support.ats_fixtures import ProviderSamples, hmac_hex

PATH = "/webhooks/recruitee"
SAMPLES = ["candidate_moved", "candidate_moved_hired"]
SAMPLE_FILES = ProviderSamples("recruitee")
raw = SAMPLE_FILES.raw
payload = SAMPLE_FILES.payload
encode = ats_fixtures.encode


def documented_signature(name: str) -> str:
    """The ``X-Recruitee-Signature`` header the sample's ``.headers.txt`` lists."""
    return SAMPLE_FILES.documented_header(name, "X-Recruitee-Signature")


def sign(body: bytes, secret: str = SECRET) -> str:
    return hmac_hex(body, secret)


def headers(body: bytes, *, signature: str | None = None) -> dict[str, str]:
    """What Recruitee sends with ``body``; ``signature=""`` leaves the header out."""
    out = {"Content-Type": "application/json", "User-Agent": "Recruitee-Webhooks"}
    given = sign(body) if signature is None else signature
    if given:
        out["X-Recruitee-Signature"] = given
    return out


def event(name: str = "candidate_moved", **envelope: Any) -> dict[str, Any]:
    """A sample with ``envelope`` keys replaced (``event_type``, ``id`` …)."""
    data = copy.deepcopy(payload(name))
    data.update(envelope)
    return data


def candidate_created(**candidate: Any) -> dict[str, Any]:
    """A ``candidate_created`` built from the moved sample (no sample of it exists): the same
    candidate and offer, ``candidate`` keys added (``sources``, ``fields`` …)."""
    data = event("candidate_moved", event_type="candidate_created", event_subtype="careers_site", id=90210100)
    del data["payload"]["details"]
    data["payload"]["candidate"].update(candidate)
    return data


def offer_event(event_type: str, **offer: Any) -> dict[str, Any]:
    """A job (offer) event — its shape is not confirmed by Recruitee's docs."""
    return {
        "attempt_count": 1,
        "created_at": "2024-05-21T09:00:00.000000Z",
        "event_subtype": None,
        "event_type": event_type,
        "id": 90220001,
        "level": "company",
        "payload": {
            "company": {"id": 12345, "name": "Acme"},
            "offer": {
                "id": 998877,
                "kind": "job",
                "slug": "senior-backend-engineer",
                "title": "Senior Backend Engineer",
                "careers_url": "https://acme.recruitee.com/o/senior-backend-engineer",
                **offer,
            },
        },
    }

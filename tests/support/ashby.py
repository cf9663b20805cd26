"""Ashby webhooks for tests: the samples in ``tests/fixtures/ats`` (copied from the shared test
vectors, signed with ``test_secret_do_not_use``), variants of them, and signing."""

from __future__ import annotations

import copy
from typing import Any

from tests.support import ats_fixtures
from tests.support.ats_fixtures import SECRET as SECRET
from tests.support.ats_fixtures import ProviderSamples, hmac_hex

PATH = "/webhooks/ashby"
SAMPLES = ["applicationSubmit", "candidateHire", "candidateStageChange", "jobPostingPublish", "ping"]
SAMPLE_FILES = ProviderSamples("ashby")
raw = SAMPLE_FILES.raw
payload = SAMPLE_FILES.payload
encode = ats_fixtures.encode


def documented_signature(name: str) -> str:
    """The ``Ashby-Signature`` header the sample's ``.headers.txt`` lists."""
    return SAMPLE_FILES.documented_header(name, "Ashby-Signature")


def sign(body: bytes, secret: str = SECRET) -> str:
    return "sha256=" + hmac_hex(body, secret)


def headers(body: bytes, *, signature: str | None = None) -> dict[str, str]:
    """What Ashby sends with ``body``; ``signature=""`` leaves the header out."""
    out = {"Content-Type": "application/json"}
    given = sign(body) if signature is None else signature
    if given:
        out["Ashby-Signature"] = given
    return out


def variant(name: str, *, action_id: str | None = None, **changes: Any) -> dict[str, Any]:
    """A sample with ``changes`` applied to its application (or job posting)."""
    data = copy.deepcopy(payload(name))
    target = data["data"].get("application", data["data"].get("jobPosting"))
    target.update(changes)
    if action_id is not None:
        data["webhookActionId"] = action_id
    return data

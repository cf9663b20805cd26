"""Ashby webhooks for tests: the samples in ``tests/fixtures/ats`` (copied from the shared test
vectors, signed with ``test_secret_do_not_use``), variants of them, and signing."""

from __future__ import annotations

import copy
import hashlib
import hmac
import json
from pathlib import Path
from typing import Any

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "ats"
SECRET = "test_secret_do_not_use"
PATH = "/webhooks/ashby"
SAMPLES = ["applicationSubmit", "candidateHire", "candidateStageChange", "jobPostingPublish", "ping"]


def raw(name: str) -> bytes:
    """The exact bytes of ``ashby_<name>.json``."""
    return (FIXTURES / f"ashby_{name}.json").read_bytes()


def documented_signature(name: str) -> str:
    """The ``Ashby-Signature`` header the sample's ``.headers.txt`` lists."""
    for line in (FIXTURES / f"ashby_{name}.headers.txt").read_text().splitlines():
        if line.lower().startswith("ashby-signature:"):
            return line.split(":", 1)[1].strip()
    raise AssertionError(f"no Ashby-Signature in ashby_{name}.headers.txt")


def sign(body: bytes, secret: str = SECRET) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def headers(body: bytes, *, signature: str | None = None) -> dict[str, str]:
    """What Ashby sends with ``body``; ``signature=""`` leaves the header out."""
    out = {"Content-Type": "application/json"}
    given = sign(body) if signature is None else signature
    if given:
        out["Ashby-Signature"] = given
    return out


def payload(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(raw(name))
    return data


def encode(data: dict[str, Any]) -> bytes:
    return json.dumps(data, indent=2).encode()


def variant(name: str, *, action_id: str | None = None, **changes: Any) -> dict[str, Any]:
    """A sample with ``changes`` applied to its application (or job posting)."""
    data = copy.deepcopy(payload(name))
    target = data["data"].get("application", data["data"].get("jobPosting"))
    target.update(changes)
    if action_id is not None:
        data["webhookActionId"] = action_id
    return data

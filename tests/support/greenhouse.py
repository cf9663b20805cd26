"""Greenhouse web hooks for tests: the verbatim samples in ``tests/fixtures/ats`` (copied from the
shared test vectors, signed with ``test_secret_do_not_use``), variants of them, and signing."""

from __future__ import annotations

import copy
import hashlib
import hmac
import json
import uuid
from pathlib import Path
from typing import Any

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "ats"
SECRET = "test_secret_do_not_use"
PATH = "/webhooks/greenhouse"


def raw(name: str) -> bytes:
    """The exact bytes of ``greenhouse_<name>.json``."""
    return (FIXTURES / f"greenhouse_{name}.json").read_bytes()


def documented_signature(name: str) -> str:
    """The ``Signature`` header the sample's ``.headers.txt`` lists."""
    for line in (FIXTURES / f"greenhouse_{name}.headers.txt").read_text().splitlines():
        if line.lower().startswith("signature:"):
            return line.split(":", 1)[1].split("#", 1)[0].strip()
    raise AssertionError(f"no Signature in greenhouse_{name}.headers.txt")


def sign(body: bytes, secret: str = SECRET) -> str:
    return "sha256 " + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


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


def payload(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(raw(name))
    return data


def encode(data: dict[str, Any]) -> bytes:
    return json.dumps(data, indent=2).encode()


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

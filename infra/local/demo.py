"""The demo organisation: loaded once, through the same doors a talent team uses — the admin API
for the ambassadors, signed Greenhouse webhooks for the vacancy — so the real flow makes the links."""

from __future__ import annotations

import hashlib
import hmac
import json
import urllib.request
import uuid
from pathlib import Path
from typing import Any

DEMO_FILE = Path(__file__).with_name("demo_org.json")
MARKER = "demo-loaded"


def sign_greenhouse(body: bytes, secret: str) -> str:
    return "sha256 " + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def demo_vacancy_id() -> str:
    """The demo's vacancy, as Kring names a Greenhouse job post."""
    demo = json.loads(DEMO_FILE.read_text())
    post = next(d["payload"] for d in demo["greenhouse"] if d["action"] == "job_post_created")
    return f"greenhouse-{post['id']}"


def _post(url: str, body: bytes, headers: dict[str, str]) -> tuple[int, str]:
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310 - loopback
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def load(gateway_url: str, admin_token: str, greenhouse_secret: str, data_dir: Path) -> dict[str, Any]:
    """Load the demo unless it was loaded before (``data_dir/demo-loaded``); a summary."""
    marker = data_dir / MARKER
    if marker.exists():
        return {"loaded": False}
    demo = json.loads(DEMO_FILE.read_text())
    created = 0
    for person in demo["ambassadors"]:
        status, text = _post(
            f"{gateway_url}/api/ambassadors",
            json.dumps(person).encode(),
            {"content-type": "application/json", "authorization": f"Bearer {admin_token}"},
        )
        if status not in (200, 201):
            raise RuntimeError(f"demo ambassador {person['id']}: {status} {text}")
        created += 1
    for delivery in demo["greenhouse"]:
        body = json.dumps(delivery).encode()
        status, text = _post(
            f"{gateway_url}/webhooks/greenhouse",
            body,
            {
                "content-type": "application/json",
                "signature": sign_greenhouse(body, greenhouse_secret),
                "greenhouse-event-id": str(uuid.uuid4()),
            },
        )
        if status != 200:
            raise RuntimeError(f"demo webhook {delivery['action']}: {status} {text}")
    marker.write_text("1\n")
    return {"loaded": True, "ambassadors": created, "vacancy_id": demo_vacancy_id()}

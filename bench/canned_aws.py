"""Canned AWS answers inside the process: a botocore ``before-send`` hook that answers the
redirect's requests (GetItem, PutEvents, SendMessage, GetParameter) without a network.

Everything botocore does up to the wire (parameter validation, serialisation, endpoint
resolution, SigV4 signing) and after it (parsing, checks) still runs; only the socket is skipped.
Used by bench/redirect.py and by the redirect's import test.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Iterator
from typing import Any

VACANCY_ID = "greenhouse-4100001"
VACANCY_URL = "https://job-boards.greenhouse.io/acme/jobs/4100001?gh_jid=4100001"
VISITOR_KEY = "bench-visitor-key"  # not a secret: a canned SSM answer


class _Raw:
    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self._body


def _answer(target: str, request: dict[str, Any]) -> dict[str, Any]:
    operation = target.rsplit(".", 1)[-1]
    if operation == "GetItem":
        pk = request["Key"]["pk"]["S"]
        if pk.startswith("LINK#"):
            code = pk.removeprefix("LINK#")
            if code.startswith("missing"):
                return {}
            return {
                "Item": {
                    "vacancy_id": {"S": VACANCY_ID},
                    "ambassador_id": {"S": f"E{code[-4:]}"},
                }
            }
        return {
            "Item": {
                "url": {"S": VACANCY_URL},
                "status": {"S": "published"},
                "provider": {"S": "greenhouse"},
            }
        }
    if operation == "PutEvents":
        return {"FailedEntryCount": 0, "Entries": [{"EventId": "e"} for _ in request["Entries"]]}
    if operation == "SendMessage":
        md5 = hashlib.md5(request["MessageBody"].encode()).hexdigest()  # noqa: S324 - SQS's own check
        return {"MessageId": "m", "MD5OfMessageBody": md5}
    if operation == "GetParameter":
        return {"Parameter": {"Name": request["Name"], "Type": "SecureString", "Value": VISITOR_KEY}}
    raise AssertionError(f"no canned answer for {target}")


class CannedAws:
    """Install on a botocore session (or one client): answers every request, counts them."""

    def __init__(self) -> None:
        self.requests: Counter[str] = Counter()

    def __call__(self, request: Any, **_: Any) -> Any:
        from botocore.awsrequest import AWSResponse, HTTPHeaders

        target = request.headers.get("X-Amz-Target", b"")
        target = target.decode() if isinstance(target, bytes) else str(target)
        body = request.body
        payload = json.loads(body.decode() if isinstance(body, bytes) else body or "{}")
        self.requests[target.rsplit(".", 1)[-1]] += 1
        answer = json.dumps(_answer(target, payload)).encode()
        headers = HTTPHeaders.from_dict(
            {"content-type": "application/x-amz-json-1.0", "x-amzn-requestid": "canned"}
        )
        return AWSResponse(request.url, 200, headers, _Raw(answer))

    def install(self, events: Any) -> None:
        """``events``: a botocore session, or a client's ``meta.events``."""
        events.register("before-send", self)

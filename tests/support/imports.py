"""Driving an ambassador import through the real handlers under moto: the upload (API), the
queue (ImportQueue in moto) and the import function, as Lambda's event-source mapping would."""

from __future__ import annotations

from typing import Any

from tests.support.fixtures import HttpResult, MotoStack
from tests.support.link_activity import sqs_event

QUEUE = "ImportQueue"
FUNCTION = "AmbassadorImportFunction"


def upload(stack: MotoStack, body: str | bytes, content_type: str | None = "text/csv") -> HttpResult:
    headers = {"content-type": content_type} if content_type else {}
    return stack.http("POST", "/api/ambassadors/import", body=body, headers=headers, admin=True)


def queued(stack: MotoStack) -> list[str]:
    """The chunks now on the import queue (taken off it)."""
    return [m["Body"] for m in stack.receive_all(QUEUE)]


def apply(stack: MotoStack, bodies: list[str], batch_size: int = 5) -> list[dict[str, Any]]:
    """Invoke the import function on ``bodies`` in batches; each batch's response."""
    responses = []
    for start in range(0, len(bodies), batch_size):
        responses.append(stack.invoke(FUNCTION, sqs_event(bodies[start : start + batch_size])))
    return responses


def job(stack: MotoStack, job_id: str, query: str = "") -> dict[str, Any]:
    result = stack.http("GET", f"/api/ambassadors/imports/{job_id}", query=query, admin=True)
    assert result.status == 200, result.body
    report: dict[str, Any] = result.json()
    return report


def all_lines(stack: MotoStack, job_id: str, query: str = "") -> list[dict[str, Any]]:
    lines: list[dict[str, Any]] = []
    token: str | None = None
    for _ in range(1000):
        page = job(stack, job_id, "&".join(q for q in (query, f"next={token}" if token else "") if q))
        lines.extend(page["lines"])
        token = page["next"]
        if token is None:
            return lines
    raise AssertionError("the report did not end")


def run_import(stack: MotoStack, body: str | bytes, content_type: str | None = "text/csv") -> dict[str, Any]:
    """Upload, apply every chunk, and the finished job with every line of its report."""
    started = upload(stack, body, content_type)
    assert started.status == 202, started.body
    job_id = started.json()["job_id"]
    for response in apply(stack, queued(stack)):
        assert response == {"batchItemFailures": []}, response
    finished = job(stack, job_id)
    assert finished["status"] == "completed", finished
    finished["lines"] = all_lines(stack, job_id)
    return finished

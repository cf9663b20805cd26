"""The admin API's samples in events/http/ are real requests: each reaches its route in the real
handler (``sam local invoke -e events/http/api_….json`` does the same)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tests.support.fixtures import ADMIN_TOKEN, HttpResult, MotoStack

SAMPLES = Path(__file__).resolve().parents[2] / "events" / "http"


def _sample(name: str) -> dict[str, Any]:
    event: dict[str, Any] = json.loads((SAMPLES / f"{name}.json").read_text())
    event["headers"]["authorization"] = f"Bearer {ADMIN_TOKEN}"
    return event


def _invoke(stack: MotoStack, name: str) -> HttpResult:
    return HttpResult.of(stack.invoke("ApiFunction", _sample(name)))


def test_every_api_sample_routes_to_the_api_function() -> None:
    names = sorted(p.stem for p in SAMPLES.glob("api_*.json"))
    assert names
    for name in names:
        assert json.loads((SAMPLES / f"{name}.json").read_text())["rawPath"].startswith("/api/")


def _import_job(stack: MotoStack, job_id: str) -> dict[str, Any]:
    """The job sample, asking for ``job_id``, once its chunks are applied."""
    from tests.support.imports import apply, queued

    apply(stack, queued(stack))
    event = _sample("api_get_import_job")
    sample_id = event["pathParameters"]["job_id"]
    for holder, key in ((event, "rawPath"), (event["requestContext"]["http"], "path")):
        holder[key] = holder[key].replace(sample_id, job_id)
    event["pathParameters"]["job_id"] = job_id
    result = HttpResult.of(stack.invoke("ApiFunction", event))
    assert result.status == 200, result.body
    report: dict[str, Any] = result.json()
    return report


def test_the_ambassador_samples_create_read_list_patch_import_and_erase(moto_stack: MotoStack) -> None:
    assert _invoke(moto_stack, "api_create_ambassador").status == 201
    assert _invoke(moto_stack, "api_get_ambassador").json()["id"] == "E1042"
    assert [a["id"] for a in _invoke(moto_stack, "api_list_ambassadors").json()["items"]] == ["E1042"]
    patched = _invoke(moto_stack, "api_patch_ambassador").json()
    assert (patched["opted_in"], patched["share_cap_per_week"], patched["phase"]) == (False, None, "decision")
    started = _invoke(moto_stack, "api_import_ambassadors")
    assert started.status == 202
    report = _import_job(moto_stack, started.json()["job_id"])
    assert report["counts"] == {"created": 2, "updated": 1, "unchanged": 0, "failed": 0}
    assert report["lines"] == []  # the sample asks for the lines in error: there are none
    form = _invoke(moto_stack, "api_import_ambassadors_form")
    assert form.status == 202
    report = _import_job(moto_stack, form.json()["job_id"])
    assert (report["file"]["name"], report["file"]["encoding"], report["file"]["delimiter"]) == (
        "medewerkers.csv",
        "windows-1252",
        ";",
    )
    # E1042 as the CSV sample left her: unchanged; the others are new
    assert report["counts"] == {"created": 2, "updated": 0, "unchanged": 1, "failed": 0}
    assert _invoke(moto_stack, "api_delete_ambassador").status == 204
    assert _invoke(moto_stack, "api_get_ambassador").status == 404


def test_the_import_queue_sample_applies_once_and_reports_its_duplicate_line(moto_stack: MotoStack) -> None:
    from kring.dal import import_jobs
    from kring.queues import parse_import_chunk
    from tests.support.imports import apply

    batch = json.loads((SAMPLES.parent / "sqs" / "ambassador_import_batch.json").read_text())
    body = batch["Records"][0]["body"]
    chunk = parse_import_chunk(body)
    import_jobs.ImportJobRepository().put_job(
        import_jobs.ImportJob(
            job_id=chunk.job_id,
            created_at=datetime(2026, 3, 2, tzinfo=UTC),
            size_bytes=400,
            encoding="windows-1252",
            delimiter=";",
            columns=list(chunk.lines[0].cells or {}),
            lines=len(chunk.lines),
            chunks=1,
        )
    )
    assert apply(moto_stack, [body, body]) == [{"batchItemFailures": []}]
    report = _import_job(moto_stack, chunk.job_id)
    assert report["counts"] == {"created": 3, "updated": 0, "unchanged": 0, "failed": 1}
    assert report["lines"][0]["errors"][0]["message"] == "duplicate of line 4: each id once per file"


def test_the_vacancy_samples_reach_their_routes(moto_stack: MotoStack) -> None:
    assert _invoke(moto_stack, "api_list_vacancies").json() == {"items": [], "next": None}
    for name in ("api_get_vacancy", "api_list_vacancy_shares"):
        result = _invoke(moto_stack, name)
        assert result.status == 404
        assert result.json()["error"]["code"] == "not_found"  # the vacancy, not the route

"""Importing ambassadors through the real handlers under moto, routed and queued as template.yaml
wires them: the upload answers 202 with a job, ImportQueue carries its chunks, the import function
applies each once, and the job's report is read from the API."""

from __future__ import annotations

from typing import Any

import boto3
import pytest
import requests

from infra.local.template import REGION
from kring import config
from kring.dal import keys
from kring.dal.items import deserialize
from tests.support.fixtures import MotoStack
from tests.support.imports import all_lines, apply, job, queued, run_import, upload

ANN: dict[str, Any] = {
    "id": "E1",
    "name": "Ann de Vries",
    "email": "ann@example.com",
    "locale": "nl",
    "department": "Engineering",
    "location": "Utrecht",
    "interests": ["Engineering", "Data"],
    "phase": "decision",
    "opted_in": True,
    "share_cap_per_week": 3,
}
HEADER = "id,name,email,locale,department,location,interests,phase,opted_in,share_cap_per_week"


def _get(stack: MotoStack, ambassador_id: str) -> dict[str, Any]:
    result = stack.http("GET", f"/api/ambassadors/{ambassador_id}", admin=True)
    assert result.status == 200, result.body
    body: dict[str, Any] = result.json()
    return body


def _eligible(stack: MotoStack) -> list[str]:
    got = boto3.client("dynamodb", region_name=REGION).query(
        TableName=stack.table_name,
        IndexName=keys.GSI2,
        KeyConditionExpression="#pk = :pk",
        ExpressionAttributeNames={"#pk": keys.GSI2_PK},
        ExpressionAttributeValues={":pk": {"S": keys.ELIGIBLE_AMBASSADORS}},
    )
    return [str(deserialize(i)["pk"]) for i in got["Items"]]


def _error(result: Any, status: int, code: str) -> dict[str, Any]:
    assert result.status == status, result.body
    error: dict[str, Any] = result.json()["error"]
    assert error["code"] == code
    assert error["message"]
    return error


# --- the issue: a partial re-import wiped profiles ----------------------------------------------
def test_a_partial_re_import_keeps_what_the_file_does_not_carry(moto_stack: MotoStack) -> None:
    # Given an onboarded, opted-in ambassador with interests and a cap
    before = moto_stack.http("POST", "/api/ambassadors", body=ANN, admin=True).json()
    # When HR's routine export (id, name, email) is imported with her new name
    report = run_import(moto_stack, "id,name,email\nE1,Ann Jansen,ann@example.com\n")
    # Then only her name changed, and the report says so for her line
    after = _get(moto_stack, "E1")
    assert after["name"] == "Ann Jansen"
    kept = {k: v for k, v in ANN.items() if k != "name"}
    assert {k: after[k] for k in kept} == kept
    assert after["created_at"] == before["created_at"]
    assert report["counts"] == {"created": 0, "updated": 1, "unchanged": 0, "failed": 0}
    assert report["lines"] == [
        {
            "line": 2,
            "id": "E1",
            "status": "updated",
            "changed": ["name"],
            "eligible": True,
            "not_eligible": [],
            "errors": [],
        }
    ]
    assert _eligible(moto_stack) == ["AMB#E1"]


def test_re_importing_the_same_file_changes_nothing_and_says_so(moto_stack: MotoStack) -> None:
    moto_stack.http("POST", "/api/ambassadors", body=ANN, admin=True)
    before = _get(moto_stack, "E1")
    report = run_import(moto_stack, "id,name,email,phase\nE1,Ann de Vries,ann@example.com,Decision\n")
    assert report["counts"] == {"created": 0, "updated": 0, "unchanged": 1, "failed": 0}
    assert report["lines"][0]["status"] == "unchanged"
    assert _get(moto_stack, "E1")["updated_at"] == before["updated_at"]


def test_an_empty_cell_clears_only_what_may_be_empty(moto_stack: MotoStack) -> None:
    moto_stack.http("POST", "/api/ambassadors", body=ANN, admin=True)
    report = run_import(moto_stack, f"{HEADER},dormant\nE1,,,,,,,,,,\n")
    after = _get(moto_stack, "E1")
    assert (after["department"], after["location"], after["interests"], after["share_cap_per_week"]) == (
        None,
        None,
        [],
        None,
    )
    assert (after["name"], after["email"], after["locale"], after["phase"], after["opted_in"]) == (
        "Ann de Vries",
        "ann@example.com",
        "nl",
        "decision",
        True,
    )
    assert report["lines"][0]["changed"] == ["department", "location", "interests", "share_cap_per_week"]


# --- the report says what the import means ------------------------------------------------------
def test_the_report_counts_who_is_now_eligible_and_why_the_others_are_not(moto_stack: MotoStack) -> None:
    report = run_import(
        moto_stack,
        "id,name,email,phase,opted_in,dormant\n"
        "E1,Ann,ann@example.com,decision,ja,nee\n"
        "E2,Bob,bob@example.com,awareness,ja,nee\n"
        "E3,Cem,cem@example.com,evangelize,nee,ja\n"
        "E4,Dee,dee@example.com,interest,,\n"
        "E5,Eve,not-an-email,decision,ja,nee\n",
    )
    assert report["eligibility"] == {
        "eligible": 1,
        "not_eligible": 3,
        "reasons": {"not_opted_in": 2, "phase": 2, "dormant": 1, "left": 0},
    }
    assert report["warnings"] == ["1 of 5 lines were not imported: see the lines with status error"]
    by_id = {line["id"]: line for line in report["lines"]}
    assert (by_id["E1"]["eligible"], by_id["E1"]["not_eligible"]) == (True, [])
    assert by_id["E3"]["not_eligible"] == ["not_opted_in", "dormant"]
    assert by_id["E4"]["not_eligible"] == ["not_opted_in", "phase"]
    assert by_id["E5"]["status"] == "error"
    assert [e["field"] for e in by_id["E5"]["errors"]] == ["email"]


def test_an_import_that_leaves_nobody_eligible_warns(moto_stack: MotoStack) -> None:
    report = run_import(moto_stack, "id,name,email\nE1,Ann,ann@example.com\nE2,Bob,bob@example.com\n")
    assert report["eligibility"]["eligible"] == 0
    assert report["warnings"] == [
        "none of the 2 ambassadors in this file can be given share links: 2 not opted in, "
        "2 not in phase decision or evangelize, 0 dormant"
    ]


def test_a_new_ambassador_needs_a_name_and_an_e_mail_address(moto_stack: MotoStack) -> None:
    moto_stack.http("POST", "/api/ambassadors", body=ANN, admin=True)
    report = run_import(moto_stack, "id,opted_in\nE1,nee\nE2,ja\n")
    assert [(line["id"], line["status"]) for line in report["lines"]] == [("E1", "updated"), ("E2", "error")]
    assert report["lines"][1]["errors"] == [
        {"field": "name", "message": "a new ambassador needs a name"},
        {"field": "email", "message": "a new ambassador needs an e-mail address"},
    ]
    assert _get(moto_stack, "E1")["opted_in"] is False
    assert moto_stack.http("GET", "/api/ambassadors/E2", admin=True).status == 404


# --- Dutch Excel ---------------------------------------------------------------------------------
DUTCH_EXCEL = (
    "id;name;email;locale;department;interests;phase;opted_in;share_cap_per_week;;\r\n"
    "E1;Zoë Jansen;zoe@example.com;nl;Financiën;Finance, Data;decision;WAAR;2;;\r\n"
    "E2;Bram Smit;bram@example.com;nl;Verkoop;Sales|Utrecht;evangelize;ONWAAR;;;\r\n"
    "E3;Cees Bakker;cees@example.com;NL;Verkoop;Sales;Consideration;ja;;;\r\n"
)


@pytest.mark.parametrize("encoding", ["cp1252", "utf-8-sig"])
def test_a_dutch_excel_file_is_read_as_excel_wrote_it(moto_stack: MotoStack, encoding: str) -> None:
    report = run_import(moto_stack, DUTCH_EXCEL.encode(encoding), content_type="application/vnd.ms-excel")
    assert report["counts"] == {"created": 3, "updated": 0, "unchanged": 0, "failed": 0}
    assert report["file"]["delimiter"] == ";"
    assert report["file"]["encoding"] == ("windows-1252" if encoding == "cp1252" else "utf-8")
    zoe, bram, cees = (_get(moto_stack, i) for i in ("E1", "E2", "E3"))
    assert (zoe["name"], zoe["department"], zoe["interests"], zoe["opted_in"], zoe["share_cap_per_week"]) == (
        "Zoë Jansen",
        "Financiën",
        ["Finance", "Data"],
        True,
        2,
    )
    assert (bram["interests"], bram["opted_in"]) == (["Sales", "Utrecht"], False)
    assert (cees["locale"], cees["phase"], cees["opted_in"]) == ("nl", "consideration", True)
    assert _eligible(moto_stack) == ["AMB#E1"]


def test_a_multipart_form_upload_imports_like_a_raw_body(moto_stack: MotoStack) -> None:
    # What `curl -F file=@medewerkers.csv` and a browser form send
    prepared = requests.Request(
        "POST",
        "http://kring.test/api/ambassadors/import",
        files={"file": ("medewerkers.csv", DUTCH_EXCEL.encode("cp1252"), "text/csv")},
    ).prepare()
    assert isinstance(prepared.body, bytes)
    report = run_import(moto_stack, prepared.body, content_type=prepared.headers["Content-Type"])
    assert report["file"]["name"] == "medewerkers.csv"
    assert report["counts"]["created"] == 3
    assert _get(moto_stack, "E1")["name"] == "Zoë Jansen"


# --- the job -------------------------------------------------------------------------------------
def test_an_upload_answers_202_with_a_job_and_imports_nothing_before_it_runs(moto_stack: MotoStack) -> None:
    started = upload(moto_stack, "id,name,email\nE1,Ann,ann@example.com\n")
    assert started.status == 202, started.body
    body = started.json()
    assert started.headers["location"] == body["status_url"] == f"/api/ambassadors/imports/{body['job_id']}"
    assert (body["status"], body["lines"], body["chunks"]) == ("queued", 1, 1)
    waiting = job(moto_stack, body["job_id"])
    assert (waiting["status"], waiting["progress"]["percent"], waiting["lines"], waiting["next"]) == (
        "queued",
        0,
        [],
        waiting["next"],
    )
    assert waiting["next"] is not None  # come back for the lines
    assert moto_stack.http("GET", "/api/ambassadors/E1", admin=True).status == 404
    apply(moto_stack, queued(moto_stack))
    done = job(moto_stack, body["job_id"])
    assert (done["status"], done["progress"]["percent"], done["finished_at"] is not None) == (
        "completed",
        100,
        True,
    )


def test_a_large_file_is_applied_in_chunks_and_counted_exactly(moto_stack: MotoStack) -> None:
    rows = "".join(f"A{n:04d},Person {n},p{n}@example.com,en,,,,decision,1,\n" for n in range(230))
    first = run_import(moto_stack, f"{HEADER}\n{rows}")
    assert first["progress"] == {
        "lines": 230,
        "lines_done": 230,
        "chunks": 3,
        "chunks_done": 3,
        "percent": 100,
    }
    assert first["counts"] == {"created": 230, "updated": 0, "unchanged": 0, "failed": 0}
    assert [line["line"] for line in first["lines"]] == list(range(2, 232))
    again = run_import(moto_stack, f"{HEADER}\n{rows.replace('decision', 'evangelize')}")
    assert again["counts"] == {"created": 0, "updated": 230, "unchanged": 0, "failed": 0}
    assert {tuple(line["changed"]) for line in again["lines"]} == {("phase",)}
    assert len(_eligible(moto_stack)) == 230


def test_a_redelivered_chunk_imports_nothing_twice(moto_stack: MotoStack) -> None:
    # Given a file applied once
    rows = "".join(f"A{n:03d},Person {n},p{n}@example.com\n" for n in range(150))
    started = upload(moto_stack, f"id,name,email\n{rows}").json()
    chunks = queued(moto_stack)
    apply(moto_stack, chunks)
    once = job(moto_stack, started["job_id"])
    lines_once = all_lines(moto_stack, started["job_id"])
    profile = _get(moto_stack, "A001")
    # When SQS delivers every chunk again (and one of them a third time, in one batch)
    responses = apply(moto_stack, [*chunks, chunks[0]], batch_size=10)
    # Then nothing changes: not the counts, not the lines, not the profiles
    assert responses == [{"batchItemFailures": []}]
    twice = job(moto_stack, started["job_id"])
    assert (twice["counts"], twice["progress"], twice["eligibility"]) == (
        once["counts"],
        once["progress"],
        once["eligibility"],
    )
    assert once["counts"] == {"created": 150, "updated": 0, "unchanged": 0, "failed": 0}
    assert all_lines(moto_stack, started["job_id"]) == lines_once
    assert _get(moto_stack, "A001") == profile


def test_the_report_pages_in_file_order_and_filters_by_status(moto_stack: MotoStack) -> None:
    rows = "".join(
        f"A{n:03d},Person {n},{'bad' if n % 50 == 7 else f'p{n}'}@example{'' if n % 50 == 7 else '.com'}\n"
        for n in range(250)
    )
    report = run_import(moto_stack, f"id,name,email\n{rows}")
    job_id = report["job_id"]
    pages = []
    token = None
    while True:
        page = job(moto_stack, job_id, "limit=40" + (f"&next={token}" if token else ""))
        pages.append([line["line"] for line in page["lines"]])
        token = page["next"]
        if token is None:
            break
    assert [n for page in pages for n in page] == list(range(2, 252))
    assert all(len(page) == 40 for page in pages[:-1])
    errors = all_lines(moto_stack, job_id, "status=error")
    assert [line["id"] for line in errors] == ["A007", "A057", "A107", "A157", "A207"]
    assert report["counts"]["failed"] == 5


@pytest.mark.parametrize(
    ("query", "status", "code"),
    [
        ("status=maybe", 422, "validation_failed"),
        ("limit=0", 422, "validation_failed"),
        ("next=garbage", 400, "bad_request"),
    ],
)
def test_a_bad_report_query_is_a_4xx(moto_stack: MotoStack, query: str, status: int, code: str) -> None:
    job_id = run_import(moto_stack, "id,name,email\nE1,Ann,ann@example.com\n")["job_id"]
    _error(
        moto_stack.http("GET", f"/api/ambassadors/imports/{job_id}", query=query, admin=True), status, code
    )


def test_a_token_of_another_job_or_filter_is_refused(moto_stack: MotoStack) -> None:
    rows = "".join(f"A{n:03d},P,p{n}@example.com\n" for n in range(5))
    first = run_import(moto_stack, f"id,name,email\n{rows}")["job_id"]
    second = run_import(moto_stack, f"id,name,email\n{rows}")["job_id"]
    token = job(moto_stack, first, "limit=2")["next"]
    for other, query in ((second, f"limit=2&next={token}"), (first, f"status=error&next={token}")):
        result = moto_stack.http("GET", f"/api/ambassadors/imports/{other}", query=query, admin=True)
        _error(result, 400, "bad_request")


@pytest.mark.parametrize("job_id", ["0123456789abcdef0123456789abcdef", "not-a-job", "E1"])
def test_an_unknown_job_is_404(moto_stack: MotoStack, job_id: str) -> None:
    _error(moto_stack.http("GET", f"/api/ambassadors/imports/{job_id}", admin=True), 404, "not_found")


# --- refused uploads -----------------------------------------------------------------------------
def test_an_upload_over_the_size_limit_is_413_and_queues_nothing(
    moto_stack: MotoStack, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("IMPORT_MAX_BYTES", "100")
    config.clear_caches()
    rows = "".join(f"E{n},Person,p{n}@example.com\n" for n in range(10))
    _error(upload(moto_stack, f"id,name,email\n{rows}"), 413, "payload_too_large")
    assert queued(moto_stack) == []


@pytest.mark.parametrize(
    "body",
    [
        "",
        "E1,Ann,ann@example.com\n",  # no header
        "id,name,email\n",  # nothing after the header
        '{"id": "E1"}',  # not CSV
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",  # binary
        b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00",  # an .xlsx workbook
    ],
)
def test_a_file_without_header_or_not_csv_is_400_and_queues_nothing(
    moto_stack: MotoStack, body: str | bytes
) -> None:
    _error(upload(moto_stack, body, content_type="application/octet-stream"), 400, "bad_request")
    assert queued(moto_stack) == []


# --- failures ------------------------------------------------------------------------------------
def test_a_chunk_that_fails_is_retried_and_its_job_shows_why(moto_stack: MotoStack) -> None:
    from kring import aws

    started = upload(moto_stack, "id,name,email\nE1,Ann,ann@example.com\n").json()
    chunks = queued(moto_stack)

    def outage(**_: Any) -> None:
        raise RuntimeError("DynamoDB is having a bad day")

    from aws_lambda_powertools.utilities.batch.exceptions import BatchProcessingError

    aws.dynamodb().meta.events.register("before-call.dynamodb.TransactWriteItems", outage)
    try:
        with pytest.raises(BatchProcessingError):  # every message of the batch failed: Lambda retries it
            apply(moto_stack, chunks)
    finally:
        aws.dynamodb().meta.events.unregister("before-call.dynamodb.TransactWriteItems", outage)
    stuck = job(moto_stack, started["job_id"])
    assert stuck["status"] == "queued"
    assert "chunk 0 (lines 2-2) failed: DynamoDB is having a bad day" in stuck["last_error"]
    # The retry applies it, and the error is no longer shown
    apply(moto_stack, chunks)
    done = job(moto_stack, started["job_id"])
    assert (done["status"], done["counts"]["created"], done["last_error"]) == ("completed", 1, None)


def test_a_message_that_is_no_chunk_fails_alone(moto_stack: MotoStack) -> None:
    upload(moto_stack, "id,name,email\nE1,Ann,ann@example.com\n")
    chunks = queued(moto_stack)
    responses = apply(moto_stack, ['{"kind": "something else"}', *chunks])
    assert len(responses[0]["batchItemFailures"]) == 1
    assert _get(moto_stack, "E1")["name"] == "Ann"

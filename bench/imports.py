"""Ambassador imports of 50,000 rows against Amazon's DynamoDB Local: AWS requests and time per row.

Three imports of the same file, one after the other, each through the real code: the upload
(:func:`kring.roster.imports.start_import` — read, split, the job item, SendMessageBatch with
SQS answered inside the process by a botocore ``before-send`` hook: signing, serialising and
parsing run, the network does not) and then every chunk through the real
AmbassadorImportFunction handler in SQS batches of the template's BatchSize (5):

1. **create**: 50,000 new ambassadors;
2. **update**: the same file with every phase changed (every line rewrites its profile);
3. **unchanged**: the update file again (every line is read, nothing is written).

Requests are counted by a botocore hook on Kring's own clients. Baselines, in the same run on
fresh tables: a bare boto3 loop writing the same profile items with BatchWriteItem (25 a
request: what putting the rows in the table takes, with no read, condition, report or count),
and one replaying the very requests Kring's chunks sent (its BatchGetItems, pointer
BatchWriteItems and TransactWriteItems) with no parsing, validation or logic. The old
synchronous import took 112 s for 50,000 new rows (131 s as updates), in one API request.
One run each (``BENCH_IMPORT_ROWS`` to change the size): the figures are minutes, not noise.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from kring.models.common import Phase

RESULTS = Path(__file__).resolve().parent / "results"
ROWS = int(os.environ.get("BENCH_IMPORT_ROWS", "50000"))
BATCH_SIZE = 5  # template.yaml: AmbassadorImportFunction's SQS BatchSize
IDENTITY_KEY = "bench-identity-hash-key"  # not a secret: DynamoDB Local, made-up people
HEADER = "id;name;email;locale;department;interests;phase;opted_in;share_cap_per_week"


def csv_file(rows: int, phase: str) -> bytes:
    """A Dutch Excel export: ';', CRLF, Windows-1252, WAAR/ONWAAR, interests with '|'."""
    lines = [HEADER]
    for n in range(rows):
        lines.append(
            f"B{n:06d};Zoë {n};b{n}@example.nl;{'nl' if n % 3 else 'en'};Financiën;"
            f"Finance|Data;{phase};{'WAAR' if n % 4 else 'ONWAAR'};{n % 5 or ''}"
        )
    return ("\r\n".join(lines) + "\r\n").encode("cp1252")


# ------------------------------------------------------------------------------------ AWS plumbing
class _Raw:
    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self._body


def _canned_sqs(request: Any, **_: Any) -> Any:
    """SendMessageBatch answered in the process (every entry taken)."""
    from botocore.awsrequest import AWSResponse, HTTPHeaders

    body = json.loads(request.body)
    entries = [
        {
            "Id": e["Id"],
            "MessageId": str(uuid.uuid4()),
            "MD5OfMessageBody": hashlib.md5(e["MessageBody"].encode()).hexdigest(),  # noqa: S324 - SQS's own check
        }
        for e in body["Entries"]
    ]
    raw = json.dumps({"Successful": entries, "Failed": []}).encode()
    headers = HTTPHeaders.from_dict({"content-type": "application/x-amz-json-1.0"})
    return AWSResponse(request.url, 200, headers, _Raw(raw))


class _Captured:
    """Every SQS body sent, and a count of every AWS request Kring's clients made."""

    def __init__(self) -> None:
        self.bodies: list[str] = []
        self.requests: Counter[str] = Counter()
        self.params: list[tuple[str, dict[str, Any]]] = []

    def count(self, model: Any, params: dict[str, Any], **_: Any) -> None:
        self.requests[model.name] += 1
        if model.name == "SendMessageBatch":
            self.bodies.extend(e["MessageBody"] for e in params["Entries"])
        elif model.service_model.service_name == "dynamodb":
            self.params.append((model.name, params))  # Kring never reuses a request's parameters


@contextmanager
def _counting() -> Iterator[_Captured]:
    from kring import aws

    captured = _Captured()
    clients = (aws.dynamodb(), aws.sqs())
    for client in clients:
        client.meta.events.register("before-parameter-build", captured.count)
    aws.sqs().meta.events.register("before-send.sqs", _canned_sqs)
    try:
        yield captured
    finally:
        for client in clients:
            client.meta.events.unregister("before-parameter-build", captured.count)
        aws.sqs().meta.events.unregister("before-send.sqs", _canned_sqs)


def _environment(endpoint: str, table: str, idempotency_table: str) -> None:
    os.environ.update(
        {
            "AWS_ACCESS_KEY_ID": "bench",
            "AWS_SECRET_ACCESS_KEY": "bench",
            "AWS_DEFAULT_REGION": "eu-west-1",
            "AWS_ENDPOINT_URL_DYNAMODB": endpoint,
            "TABLE_NAME": table,
            "IDEMPOTENCY_TABLE_NAME": idempotency_table,
            "IMPORT_QUEUE_URL": "https://sqs.eu-west-1.amazonaws.com/000000000000/kring-bench-ambassador-import",
            "KRING_IDENTITY_HASH_KEY": IDENTITY_KEY,
            "POWERTOOLS_METRICS_DISABLED": "true",
            "POWERTOOLS_LOG_LEVEL": "WARNING",
            "POWERTOOLS_SERVICE_NAME": "kring",
            "POWERTOOLS_METRICS_NAMESPACE": "KringBench",
        }
    )
    os.environ.pop("SECRETS_SSM_PATH", None)


def _fresh_tables(endpoint: str) -> Any:
    import boto3

    from infra.local.template import Stack
    from kring import aws, config, idempotency
    from kring.links import identity

    stack = Stack({"PublicBaseUrl": "https://go.example.com", "Stage": f"b{uuid.uuid4().hex[:8]}"})
    table = stack.physical_name("KringTable")
    client = boto3.client(
        "dynamodb",
        endpoint_url=endpoint,
        region_name="eu-west-1",
        aws_access_key_id="bench",
        aws_secret_access_key="bench",  # noqa: S106 - DynamoDB Local takes any
    )
    for spec in stack.tables():
        client.create_table(**spec)
        if spec["TableName"] == table:  # the baselines' tables, shaped alike
            for prefix in ("replay-", "bare-"):
                client.create_table(**{**spec, "TableName": table.replace("kring-", prefix, 1)})
    _environment(endpoint, table, stack.physical_name("IdempotencyTable"))
    for clear in (config.clear_caches, aws.clear_caches, idempotency.clear_caches, identity.clear_cache):
        clear()
    return client


# ------------------------------------------------------------------------------------ measured
def _import(data: bytes) -> dict[str, Any]:
    """Upload and apply one file; requests and seconds of each part."""
    from infra.local.lambda_runtime import LambdaContext
    from infra.local.template import ROOT, FunctionSpec, load_handler
    from kring.dal import import_jobs
    from kring.integrations.sqs import SqsImportQueue
    from kring.observability import metrics
    from kring.roster import imports
    from tests.support.link_activity import sqs_event

    handler = load_handler(
        FunctionSpec(
            "AmbassadorImportFunction", ROOT / "functions" / "ambassador_import", "app.handler", 60, {}
        )
    )
    with _counting() as upload:
        started = time.perf_counter()
        job = imports.start_import(data, "text/csv", queue=SqsImportQueue())
        upload_seconds = time.perf_counter() - started
    replayable = list(upload.params)
    with _counting() as chunks:
        started = time.perf_counter()
        for start in range(0, len(upload.bodies), BATCH_SIZE):
            event = sqs_event(upload.bodies[start : start + BATCH_SIZE])
            context = LambdaContext(function_name="AmbassadorImportFunction", timeout_seconds=60)
            response = handler(event, context)
            metrics.clear_metrics()  # disabled, Powertools still prints a set at 100 values
            if response["batchItemFailures"]:
                raise RuntimeError(f"chunks failed: {response}")
        apply_seconds = time.perf_counter() - started
    finished = import_jobs.ImportJobRepository().get_job(job.job_id)
    if finished is None or imports.status_of(finished) != "completed":
        raise RuntimeError("the import did not complete")
    return {
        "job": finished,
        "upload": {"seconds": upload_seconds, "requests": dict(upload.requests)},
        "apply": {"seconds": apply_seconds, "requests": dict(chunks.requests)},
        "replayable": replayable + chunks.params,
    }


def _bare_batch_write(client: Any, table: str, rows: int, phase: Phase) -> float:
    """The same profile items, written 25 a BatchWriteItem by a bare client (no reads, no
    conditions, no report)."""
    from kring.dal import ambassadors
    from kring.models.ambassador import Ambassador

    now = datetime.now(UTC)
    items = [
        ambassadors.to_item(
            Ambassador(
                id=f"B{n:06d}",
                name=f"Zoë {n}",
                email=f"b{n}@example.nl",
                locale="nl" if n % 3 else "en",
                department="Financiën",
                interests=["Finance", "Data"],
                phase=phase,
                opted_in=bool(n % 4),
                share_cap_per_week=(n % 5) or None,
                created_at=now,
                updated_at=now,
            )
        )
        for n in range(rows)
    ]
    started = time.perf_counter()
    for start in range(0, len(items), 25):
        pending = [{"PutRequest": {"Item": i}} for i in items[start : start + 25]]
        while pending:
            got = client.batch_write_item(RequestItems={table: pending})
            pending = got.get("UnprocessedItems", {}).get(table, [])
    return time.perf_counter() - started


def _replay(client: Any, requests: list[tuple[str, dict[str, Any]]], table: str) -> float:
    """Kring's DynamoDB requests again, in order, with a bare client into the replay table."""
    from botocore import xform_name

    renamed = json.loads(
        json.dumps(requests).replace(f'"{table}"', f'"{table.replace("kring-", "replay-", 1)}"')
    )
    for _operation, params in renamed:
        params.pop("ClientRequestToken", None)  # botocore's own idempotency token: a new one each call
    calls = [(getattr(client, xform_name(operation)), params) for operation, params in renamed]
    started = time.perf_counter()
    for call, params in calls:
        call(**params)
    return time.perf_counter() - started


def main() -> None:
    from infra.local import dynamodb_local

    port = dynamodb_local.free_port()
    process = dynamodb_local.start(port)
    endpoint = f"http://127.0.0.1:{port}"
    results: list[dict[str, Any]] = []
    try:
        client = _fresh_tables(endpoint)
        table = os.environ["TABLE_NAME"]
        bare_table = table.replace("kring-", "bare-", 1)
        cases: tuple[tuple[str, Phase], ...] = (
            ("create", "decision"),
            ("update", "evangelize"),
            ("unchanged", "evangelize"),
        )
        for name, phase in cases:
            data = csv_file(ROWS, phase)
            measured = _import(data)
            replay_s = _replay(client, measured.pop("replayable"), table)
            bare_s = _bare_batch_write(client, bare_table, ROWS, phase) if name != "unchanged" else None
            result = _result(name, data, measured, replay_s, bare_s)
            results.append(result)
            print(_row(result), flush=True)
    finally:
        dynamodb_local.stop(process)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "imports.json").write_text(json.dumps(results, indent=2))
    print("\n" + table_markdown(results))


def _result(
    name: str, data: bytes, measured: dict[str, Any], replay_s: float, bare_s: float | None
) -> dict[str, Any]:
    job = measured["job"]
    upload, apply = measured["upload"], measured["apply"]
    aws_requests = sum(upload["requests"].values()) + sum(apply["requests"].values())
    return {
        "import": name,
        "rows": ROWS,
        "file_bytes": len(data),
        "chunks": job.chunks,
        "counts": {k: job.count(k) for k in ("created", "updated", "unchanged", "failed", "eligible")},
        "upload_seconds": round(upload["seconds"], 2),
        "upload_requests": upload["requests"],
        "apply_seconds": round(apply["seconds"], 2),
        "apply_requests": apply["requests"],
        "aws_requests_per_row": round(aws_requests / ROWS, 4),
        "ms_per_row": round(1000 * (upload["seconds"] + apply["seconds"]) / ROWS, 3),
        "replay_seconds": round(replay_s, 2),
        "bare_batch_write_seconds": round(bare_s, 2) if bare_s is not None else None,
    }


def _row(r: dict[str, Any]) -> str:
    return (
        f"{r['import']:<10} {r['rows']} rows: upload {r['upload_seconds']} s, "
        f"apply {r['apply_seconds']} s ({r['ms_per_row']} ms/row, {r['aws_requests_per_row']} requests/row); "
        f"replay {r['replay_seconds']} s, "
        f"bare BatchWriteItem {r['bare_batch_write_seconds']} s; {r['apply_requests']}"
    )


def table_markdown(results: list[dict[str, Any]]) -> str:
    lines = [
        "| import of 50,000 rows | upload → 202 | chunks applied | time per row | AWS requests per row "
        "| the same requests, bare boto3 | bare BatchWriteItem of the rows |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        requests = {**r["apply_requests"]}
        per_row = ", ".join(f"{op} {n / r['rows']:.4f}" for op, n in sorted(requests.items()))
        bare = f"{r['bare_batch_write_seconds']:.1f} s" if r["bare_batch_write_seconds"] is not None else "-"
        lines.append(
            f"| {r['import']} | {r['upload_seconds']:.1f} s | {r['apply_seconds']:.1f} s "
            f"| {r['ms_per_row']:.2f} ms "
            f"| {r['aws_requests_per_row']:.4f} ({per_row}) | {r['replay_seconds']:.1f} s | {bare} |"
        )
    return "\n".join(lines)

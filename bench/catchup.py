"""Links follow eligibility: one newly eligible ambassador caught up on 1,000 open vacancies, against
Amazon's DynamoDB Local.

Measures the real logic (:func:`kring.sharing.catchup.catch_up_page`, every page, as the SQS loop
drives it) and, in the same run, a bare boto3 replay of the same outcome: Query the open vacancies
(gsi3, the same projection), BatchGetItem their link keys, BatchGetItem the codes, BatchWriteItem
the links, PutEvents one ``SharesCreated`` per vacancy — nothing else (no idempotency record, no
eligibility read, no share counters, no ledger). EventBridge answers in the process (a botocore
``before-send`` hook: serialising and signing still run, the network does not), so PutEvents are
counted, not timed against a network. Variants: a new ambassador (a link for every vacancy), the
same ambassador announced again (every link exists: nothing to write), and one with a weekly
cap of 5. Reports requests by kind and wall time (median of three runs each) as a ratio.
"""

from __future__ import annotations

import json
import os
import statistics
import time
import uuid
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench.canned_aws import CannedAws

VACANCIES = 1_000
REPEATS = 3
RESULTS = Path(__file__).resolve().parent / "results"


class _Pages:
    def __init__(self) -> None:
        self.next: list[str] = []
        self.sent = 0

    def enqueue(self, body: str, dedup_key: str) -> None:
        del dedup_key
        self.sent += 1
        self.next.append(body)


def _environment(endpoint: str, table: str, idempotency_table: str) -> None:
    os.environ.update(
        {
            "AWS_ACCESS_KEY_ID": "bench",
            "AWS_SECRET_ACCESS_KEY": "bench",
            "AWS_DEFAULT_REGION": "eu-west-1",
            "AWS_ENDPOINT_URL_DYNAMODB": endpoint,
            "TABLE_NAME": table,
            "IDEMPOTENCY_TABLE_NAME": idempotency_table,
            "EVENT_BUS_NAME": "bench",
            "FANOUT_QUEUE_URL": "unused",
            "FANOUT_PAGE_SIZE": "500",
            "PUBLIC_BASE_URL": "https://go.example.com",
            "POWERTOOLS_METRICS_DISABLED": "true",
            "POWERTOOLS_LOG_LEVEL": "WARNING",
            "POWERTOOLS_SERVICE_NAME": "kring",
            "POWERTOOLS_METRICS_NAMESPACE": "KringBench",
        }
    )


def _events_client() -> tuple[Any, CannedAws]:
    import boto3

    client = boto3.client(
        "events",
        region_name="eu-west-1",
        aws_access_key_id="bench",
        aws_secret_access_key="bench",  # noqa: S106 - answered in the process
    )
    canned = CannedAws()
    canned.install(client.meta.events)
    return client, canned


def _load_vacancies(table: Any) -> list[str]:
    """1,000 published vacancies, each with the link key its fan-out left (shared: the fan-out is done)."""
    from kring.dal import keys
    from kring.dal import vacancies as vacancy_items
    from kring.dal.items import deserialize
    from kring.models.vacancy import Vacancy

    now = datetime.now(UTC)
    ids = [f"greenhouse-{n:06d}" for n in range(VACANCIES)]
    with table.batch_writer() as writer:
        for n, vacancy_id in enumerate(ids):
            published = now - timedelta(minutes=n)
            vacancy = Vacancy(
                id=vacancy_id,
                provider="greenhouse",
                external_id=str(n),
                title=f"Benchmark Engineer {n}",
                url=f"https://job-boards.greenhouse.io/bench/jobs/{n}",
                department=("Engineering", "Sales", "Data", "Support")[n % 4],
                location="Amsterdam",
                status="published",
                published_at=published,
                updated_at=published,
            )
            writer.put_item(Item=deserialize(vacancy_items.to_item(vacancy_items.StoredVacancy(vacancy))))
            writer.put_item(
                Item={
                    **keys.link_key(vacancy_id),
                    "entity": "link_key",
                    "secret": os.urandom(32),
                    "created_by": "bench-fanout",
                    "shared": True,
                }
            )
    return ids


def _store_ambassador(ambassador_id: str, cap: int | None) -> None:
    from kring import aws, config
    from kring.dal import ambassadors
    from kring.models.ambassador import Ambassador

    now = datetime.now(UTC)
    person = Ambassador(
        id=ambassador_id,
        name="Bench",
        email=f"{ambassador_id.lower()}@example.com",
        phase="decision",
        opted_in=True,
        share_cap_per_week=cap,
        created_at=now,
        updated_at=now,
    )
    aws.dynamodb().put_item(TableName=config.tables().table_name, Item=ambassadors.to_item(person))


def _catch_up(ambassador_id: str, publisher: Any, pages: _Pages) -> tuple[float, int]:
    from infra.local.lambda_runtime import LambdaContext
    from kring.idempotency import register_lambda_context
    from kring.observability import metrics
    from kring.queues import CatchupPage
    from kring.sharing.catchup import catch_up_page

    page: CatchupPage | None = CatchupPage(
        origin_event_id=str(uuid.uuid4()), page=0, ambassador_id=ambassador_id, correlation_id="bench"
    )
    created = 0
    started = time.perf_counter()
    while page is not None:
        register_lambda_context(LambdaContext(function_name="ShareFanoutFunction", timeout_seconds=900))  # type: ignore[arg-type]  # the local runtime's context
        summary = catch_up_page(
            record=page, publisher=publisher, queue=pages, page_size=500, now=datetime.now(UTC)
        )
        created += summary["created"]
        metrics.clear_metrics()
        page = CatchupPage.model_validate_json(pages.next.pop()) if pages.next else None
    return time.perf_counter() - started, created


def _baseline(
    client: Any, table: str, events: Any, ambassador_id: str, cap: int | None, *, count: bool = False
) -> tuple[float, int, Counter[str]]:
    """The same outcome with bare boto3: read, derive, check, (with a cap: read the week's ledger,
    keep the newest that fit, write the ledger back), write, announce; with ``count`` also the
    same exactly-once counting as Kring's (a TransactWriteItems per 98 vacancies: a marker, the
    programme's day item and each vacancy's)."""
    from kring.links.codes import derive_code

    calls: Counter[str] = Counter()
    started = time.perf_counter()
    vacancy_ids: list[str] = []
    request: dict[str, Any] = {
        "TableName": table,
        "IndexName": "gsi3",
        "KeyConditionExpression": "gsi3pk = :pk",
        "ExpressionAttributeValues": {":pk": {"S": "OPEN"}},
        "ProjectionExpression": "id, department, #l, tags",
        "ExpressionAttributeNames": {"#l": "location"},
        "ScanIndexForward": False,
    }
    while True:
        got = client.query(**request)
        calls["Query"] += 1
        vacancy_ids += [item["id"]["S"] for item in got["Items"]]
        if "LastEvaluatedKey" not in got:
            break
        request["ExclusiveStartKey"] = got["LastEvaluatedKey"]
    secrets: dict[str, bytes] = {}
    for start in range(0, len(vacancy_ids), 100):
        keys_ = [{"pk": {"S": f"VAC#{v}"}, "sk": {"S": "LINKKEY"}} for v in vacancy_ids[start : start + 100]]
        got = client.batch_get_item(RequestItems={table: {"Keys": keys_, "ConsistentRead": True}})
        calls["BatchGetItem"] += 1
        for item in got["Responses"][table]:
            secrets[item["pk"]["S"].removeprefix("VAC#")] = bytes(item["secret"]["B"])
    codes = {v: derive_code(secrets[v], ambassador_id) for v in vacancy_ids}
    existing: set[str] = set()
    for start in range(0, len(vacancy_ids), 100):
        keys_ = [
            {"pk": {"S": f"LINK#{codes[v]}"}, "sk": {"S": "LINK"}} for v in vacancy_ids[start : start + 100]
        ]
        got = client.batch_get_item(RequestItems={table: {"Keys": keys_, "ProjectionExpression": "pk"}})
        calls["BatchGetItem"] += 1
        existing |= {item["pk"]["S"].removeprefix("LINK#") for item in got["Responses"][table]}
    new = [v for v in vacancy_ids if codes[v] not in existing]
    ledger: list[dict[str, Any]] = []
    if cap is not None:
        key = {"pk": {"S": f"AMB#{ambassador_id}"}, "sk": {"S": "CAP#bench"}}
        given = client.get_item(TableName=table, Key=key, ConsistentRead=True).get("Item", {})
        calls["GetItem"] += 1
        this_week = set(given.get("vacancies", {}).get("SS", []))
        new = new[: max(cap - len(this_week), 0)]
        if new:
            ledger = [{"PutRequest": {"Item": {**key, "vacancies": {"SS": sorted(this_week | set(new))}}}}]
    now = datetime.now(UTC).isoformat()
    for start in range(0, len(new), 10):
        events.put_events(
            Entries=[
                {
                    "Source": "kring.fanout",
                    "DetailType": "SharesCreated",
                    "Detail": json.dumps({"vacancy_id": v, "ambassador_ids": [ambassador_id]}),
                    "EventBusName": "bench",
                }
                for v in new[start : start + 10]
            ]
        )
        calls["PutEvents"] += 1
    if count:
        calls["TransactWriteItems"] += _bare_counting(client, table, new, now[:10])
    for start in range(0, len(new), 25):
        requests = [
            {
                "PutRequest": {
                    "Item": {
                        "pk": {"S": f"LINK#{codes[v]}"},
                        "sk": {"S": "LINK"},
                        "gsi1pk": {"S": f"VAC#{v}#SHARES"},
                        "gsi1sk": {"S": f"AMB#{ambassador_id}"},
                        "gsi2pk": {"S": f"AMB#{ambassador_id}#SHARES"},
                        "gsi2sk": {"S": f"VAC#{v}"},
                        "entity": {"S": "share_link"},
                        "code": {"S": codes[v]},
                        "vacancy_id": {"S": v},
                        "ambassador_id": {"S": ambassador_id},
                        "created_at": {"S": now},
                    }
                }
            }
            for v in new[start : start + 25]
        ]
        if start + 25 >= len(new):
            requests += ledger
        got = client.batch_write_item(RequestItems={table: requests})
        calls["BatchWriteItem"] += 1
        while got.get("UnprocessedItems"):
            got = client.batch_write_item(RequestItems=got["UnprocessedItems"])
            calls["BatchWriteItem"] += 1
    return time.perf_counter() - started, len(new), calls


def _bare_counting(client: Any, table: str, new: list[str], day: str) -> int:
    """Kring's exactly-once counting, bare: a TransactWriteItems per 98 vacancies; the requests."""
    requests = 0
    for start in range(0, len(new), 98):
        chunk = new[start : start + 98]
        adds = [
            {
                "Update": {
                    "TableName": table,
                    "Key": {"pk": {"S": f"STATS#VAC#{v}"}, "sk": {"S": f"DAY#{day}#0"}},
                    "UpdateExpression": "ADD sh :n",
                    "ExpressionAttributeValues": {":n": {"N": "1"}},
                }
            }
            for v in chunk
        ]
        client.transact_write_items(
            TransactItems=[
                {
                    "Put": {
                        "TableName": table,
                        "Item": {"pk": {"S": f"SHCOUNT#{uuid.uuid4()}"}, "sk": {"S": "SHCOUNT"}},
                        "ConditionExpression": "attribute_not_exists(pk)",
                    }
                },
                {
                    "Update": {
                        "TableName": table,
                        "Key": {"pk": {"S": "STATS#PROG"}, "sk": {"S": f"DAY#{day}#0"}},
                        "UpdateExpression": "ADD sh :n",
                        "ExpressionAttributeValues": {":n": {"N": str(len(chunk))}},
                    }
                },
                *adds,
            ]
        )
        requests += 1
    return requests


def _counting(client: Any) -> tuple[Counter[str], Callable[[], None]]:
    calls: Counter[str] = Counter()

    def count(model: Any, **_: Any) -> None:
        calls[model.name] += 1

    client.meta.events.register("before-call.dynamodb", count)
    return calls, lambda: client.meta.events.unregister("before-call.dynamodb", count)


VARIANTS = (
    ("a new ambassador: a link for every vacancy", None, False),
    ("announced again: every link exists", None, True),
    ("a new ambassador with a weekly cap of 5", 5, False),
)


def _measure(label: str, cap: int | None, again: bool, bare: Any, table: str) -> dict[str, Any]:
    from kring import aws
    from kring.integrations.eventbridge import EventBridgePublisher

    kring_times: list[float] = []
    base_times: list[float] = []
    counted_times: list[float] = []
    requests: Counter[str] = Counter()
    base_requests: Counter[str] = Counter()
    created = base_created = 0
    for run in range(REPEATS):
        ambassador_id = f"K{uuid.uuid4().hex[:8]}"
        base_id = f"B{uuid.uuid4().hex[:8]}"
        _store_ambassador(ambassador_id, cap)
        events, canned = _events_client()
        publisher = EventBridgePublisher(client=events, bus_name="bench")
        if again:  # the first catch-up, untimed: the one measured finds every link
            _catch_up(ambassador_id, publisher, _Pages())
            _baseline(bare, table, events, base_id, cap)
            canned.requests.clear()
        pages = _Pages()
        calls, stop = _counting(aws.dynamodb())
        try:
            seconds, created = _catch_up(ambassador_id, publisher, pages)
        finally:
            stop()
        kring_times.append(seconds)
        requests = Counter({**calls, **canned.requests, "SendMessage": pages.sent})
        canned.requests.clear()
        base_seconds, base_created, base_calls = _baseline(bare, table, events, base_id, cap)
        base_times.append(base_seconds)
        base_requests = base_calls
        counted_id = f"C{uuid.uuid4().hex[:8]}"
        if again:
            _baseline(bare, table, events, counted_id, cap, count=True)
        counted_seconds, _, counted_calls = _baseline(bare, table, events, counted_id, cap, count=True)
        counted_times.append(counted_seconds)
        del run
    kring_s, base_s = statistics.median(kring_times), statistics.median(base_times)
    counted_s = statistics.median(counted_times)
    return {
        "open_vacancies": VACANCIES,
        "variant": label,
        "links_created": created,
        "baseline_links_created": base_created,
        "requests": dict(sorted(requests.items())),
        "requests_total": sum(requests.values()),
        "baseline_requests": dict(sorted(base_requests.items())),
        "baseline_requests_total": sum(base_requests.values()),
        "kring_seconds": round(kring_s, 3),
        "baseline_seconds": round(base_s, 3),
        "ratio": round(kring_s / base_s, 2),
        "baseline_counting_requests_total": sum(counted_calls.values()),
        "baseline_counting_seconds": round(counted_s, 3),
        "ratio_counting": round(kring_s / counted_s, 2),
    }


def main() -> None:
    import boto3

    from infra.local import dynamodb_local
    from infra.local.template import Stack
    from kring import aws, config, idempotency

    port = dynamodb_local.free_port()
    process = dynamodb_local.start(port)
    results: list[dict[str, Any]] = []
    try:
        endpoint = f"http://127.0.0.1:{port}"
        stage = f"b{uuid.uuid4().hex[:8]}"
        stack = Stack({"PublicBaseUrl": "https://go.example.com", "Stage": stage})
        bare = boto3.client(
            "dynamodb",
            endpoint_url=endpoint,
            region_name="eu-west-1",
            aws_access_key_id="bench",
            aws_secret_access_key="bench",  # noqa: S106 - DynamoDB Local takes any
        )
        for spec in stack.tables():
            bare.create_table(**spec)
        table_name = stack.physical_name("KringTable")
        _environment(endpoint, table_name, stack.physical_name("IdempotencyTable"))
        config.clear_caches()
        aws.clear_caches()
        idempotency.clear_caches()
        table = boto3.resource("dynamodb", endpoint_url=endpoint, region_name="eu-west-1").Table(table_name)
        _load_vacancies(table)
        # One untimed round first: DynamoDB Local's JVM is still warming up on its first requests.
        _measure("warm-up", None, False, bare, table_name)
        for label, cap, again in VARIANTS:
            result = _measure(label, cap, again, bare, table_name)
            results.append(result)
            print(_row(result), flush=True)
    finally:
        dynamodb_local.stop(process)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "catchup.json").write_text(json.dumps(results, indent=2))
    print("\n" + table_markdown(results))


def _row(r: dict[str, Any]) -> str:
    return (
        f"{r['variant']:<44} links {r['links_created']:>5}  requests {r['requests_total']:>4} "
        f"(bare {r['baseline_requests_total']:>4})  "
        f"{r['kring_seconds']:.2f}s vs {r['baseline_seconds']:.2f}s "
        f"x{r['ratio']}  (bare with counting {r['baseline_counting_seconds']:.2f}s x{r['ratio_counting']})"
        f"  {r['requests']}"
    )


def table_markdown(results: list[dict[str, Any]]) -> str:
    lines = [
        "| 1,000 open vacancies | links made | Kring requests | bare boto3 requests | Kring | bare boto3 "
        "| ratio | bare boto3 + the same counting | ratio |",
        "|---|---:|---|---|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        kinds = ", ".join(f"{n} {k}" for k, n in r["requests"].items())
        base = ", ".join(f"{n} {k}" for k, n in r["baseline_requests"].items())
        lines.append(
            f"| {r['variant']} | {r['links_created']} | {r['requests_total']} ({kinds}) | "
            f"{r['baseline_requests_total']} ({base}) | {r['kring_seconds']:.2f} s | "
            f"{r['baseline_seconds']:.2f} s | {r['ratio']}x | {r['baseline_counting_seconds']:.2f} s "
            f"({r['baseline_counting_requests_total']} requests) | {r['ratio_counting']}x |"
        )
    return "\n".join(lines)

"""Fan-out of one vacancy to N ambassadors against Amazon's DynamoDB Local.

Measures the real logic (:func:`kring.sharing.fanout.fan_out_page`, every page, as the SQS loop drives
it) and, in the same run, two baselines with a bare boto3 ``Table.batch_writer()``: the same link
items alone, and — like with like — the same items Kring writes: the links and, for ambassadors with
a weekly share cap, their week's ledger (one item each; without caps the two baselines are the
same writes). Reports DynamoDB requests per ambassador (counted by a botocore hook on Kring's own
client) and wall time as a ratio to each baseline (median of three runs each).
"""

from __future__ import annotations

import json
import os
import statistics
import time
import uuid
from collections import Counter
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

SIZES = (1_000, 10_000)
REPEATS = 3
CAP_VARIANTS = tuple(
    v == "capped" for v in os.environ.get("BENCH_FANOUT_VARIANTS", "plain,capped").split(",")
)
RESULTS = Path(__file__).resolve().parent / "results"


class _NoBus:
    def publish(self, events: Sequence[Any]) -> None:
        del events


class _Pages:
    def __init__(self) -> None:
        self.next: list[str] = []

    def enqueue(self, body: str, dedup_key: str) -> None:
        del dedup_key
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


def _load_ambassadors(table: Any, count: int, capped: bool) -> None:
    from kring.dal import ambassadors
    from kring.dal.items import deserialize
    from kring.models.ambassador import Ambassador

    now = datetime.now(UTC)
    with table.batch_writer() as writer:
        for n in range(count):
            person = Ambassador(
                id=f"B{n:06d}",
                name=f"Ambassador {n}",
                email=f"b{n}@example.com",
                phase="decision",
                opted_in=True,
                share_cap_per_week=5 if capped else None,
                created_at=now,
                updated_at=now,
            )
            writer.put_item(Item=deserialize(ambassadors.to_item(person)))


def _fan_out(vacancy_id: str, expected: int) -> float:
    from infra.local.lambda_runtime import LambdaContext
    from kring.events import VacancyPublished
    from kring.idempotency import register_lambda_context
    from kring.observability import metrics
    from kring.queues import FanoutPage, parse_fanout_message
    from kring.sharing.fanout import fan_out_page

    vacancy = VacancyPublished(
        vacancy_id=vacancy_id,
        provider="greenhouse",
        external_id=vacancy_id,
        title="Benchmark Engineer",
        url=f"https://job-boards.greenhouse.io/bench/jobs/{vacancy_id}",
        department="Engineering",
    )
    page: FanoutPage | None = FanoutPage(origin_event_id=str(uuid.uuid4()), page=0, vacancy=vacancy)
    pages = _Pages()
    created = 0
    started = time.perf_counter()
    while page is not None:
        # One Lambda invocation per page, as the SQS loop runs it.
        register_lambda_context(LambdaContext(function_name="ShareFanoutFunction", timeout_seconds=900))  # type: ignore[arg-type]  # the local runtime's context
        summary = fan_out_page(
            record=page, publisher=_NoBus(), queue=pages, page_size=500, now=datetime.now(UTC)
        )
        created += summary["created"]
        # Powertools prints a metric set at 100 values even when disabled; Lambda flushes per call.
        metrics.clear_metrics()
        following = parse_fanout_message(pages.next.pop()) if pages.next else None
        page = following if isinstance(following, FanoutPage) else None
    elapsed = time.perf_counter() - started
    if created != expected:
        raise RuntimeError(f"fan-out of {vacancy_id} created {created} links, expected {expected}")
    return elapsed


def _baseline(table: Any, count: int, vacancy_id: str, *, ledgers: bool = False) -> float:
    """The same link items — with ``ledgers`` also each ambassador's week ledger, as Kring writes
    for a capped ambassador — written with nothing but boto3's batch writer."""
    from kring.dal import share_caps, share_links
    from kring.dal.items import deserialize
    from kring.links.codes import derive_code
    from kring.models.vacancy import ShareLink

    key = os.urandom(32)
    now = datetime.now(UTC)
    week = share_caps.iso_week(now)
    items = [
        deserialize(
            share_links.to_item(
                ShareLink(
                    code=derive_code(key, f"B{n:06d}"),
                    vacancy_id=vacancy_id,
                    ambassador_id=f"B{n:06d}",
                    created_at=now,
                )
            )
        )
        for n in range(count)
    ]
    if ledgers:
        items += [
            deserialize(share_caps.put_request(f"B{n:06d}", week, {vacancy_id}, now)["PutRequest"]["Item"])
            for n in range(count)
        ]
    started = time.perf_counter()
    with table.batch_writer() as writer:
        for item in items:
            writer.put_item(Item=item)
    return time.perf_counter() - started


def _counting(client: Any) -> tuple[Counter[str], Callable[[], None]]:
    calls: Counter[str] = Counter()

    def count(model: Any, **_: Any) -> None:
        calls[model.name] += 1

    client.meta.events.register("before-call.dynamodb", count)
    return calls, lambda: client.meta.events.unregister("before-call.dynamodb", count)


def _measure(size: int, capped: bool, table: Any) -> dict[str, Any]:
    from kring import aws

    _load_ambassadors(table, size, capped)
    kring_times: list[float] = []
    base_times: list[float] = []
    like_times: list[float] = []
    requests: Counter[str] = Counter()
    if size <= 1_000:
        # One untimed round first: DynamoDB Local's JVM is still warming up on its first batches.
        _fan_out(f"warm-{size}-{capped}", size)
        _baseline(table, size, f"warm-base-{size}-{capped}", ledgers=capped)
    for run in range(REPEATS):
        calls, stop = _counting(aws.dynamodb())
        try:
            kring_times.append(_fan_out(f"bench-{size}-{capped}-{run}", size))
        finally:
            stop()
        requests = calls  # identical every run; the last one's are reported
        base_times.append(_baseline(table, size, f"base-{size}-{capped}-{run}"))
        if capped:  # without caps Kring writes the links alone: the first baseline is like for like
            like_times.append(_baseline(table, size, f"like-{size}-{capped}-{run}", ledgers=True))
    writes = requests["BatchWriteItem"]
    reads = requests["Query"] + requests["BatchGetItem"] + requests["GetItem"]
    other = sum(requests.values()) - writes - reads
    kring_s, base_s = statistics.median(kring_times), statistics.median(base_times)
    like_s = statistics.median(like_times) if like_times else base_s
    return {
        "ambassadors": size,
        "variant": "weekly cap on every ambassador" if capped else "no caps",
        "requests": dict(requests),
        "batch_writes_per_ambassador": writes / size,
        "reads_per_ambassador": reads / size,
        "other_requests": other,
        "kring_seconds": round(kring_s, 3),
        "baseline_seconds": round(base_s, 3),
        "ratio": round(kring_s / base_s, 2),
        "baseline_same_items_seconds": round(like_s, 3),
        "ratio_same_items": round(kring_s / like_s, 2),
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
        for capped in CAP_VARIANTS:
            for size in SIZES:
                stage = f"b{uuid.uuid4().hex[:8]}"
                stack = Stack({"PublicBaseUrl": "https://go.example.com", "Stage": stage})
                client = boto3.client(
                    "dynamodb",
                    endpoint_url=endpoint,
                    region_name="eu-west-1",
                    aws_access_key_id="bench",
                    aws_secret_access_key="bench",  # noqa: S106 - DynamoDB Local takes any
                )
                for spec in stack.tables():
                    client.create_table(**spec)
                _environment(
                    endpoint, stack.physical_name("KringTable"), stack.physical_name("IdempotencyTable")
                )
                config.clear_caches()
                aws.clear_caches()
                idempotency.clear_caches()
                table = boto3.resource("dynamodb", endpoint_url=endpoint, region_name="eu-west-1").Table(
                    stack.physical_name("KringTable")
                )
                result = _measure(size, capped, table)
                results.append(result)
                print(_row(result), flush=True)
    finally:
        dynamodb_local.stop(process)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "fanout.json").write_text(json.dumps(results, indent=2))
    print("\n" + table_markdown(results))


def _row(r: dict[str, Any]) -> str:
    return (
        f"{r['ambassadors']:>6} {r['variant']:<32} writes/amb {r['batch_writes_per_ambassador']:.4f}"
        f"  reads/amb {r['reads_per_ambassador']:.4f}  {r['kring_seconds']:.2f}s vs "
        f"{r['baseline_seconds']:.2f}s links x{r['ratio']}, "
        f"{r['baseline_same_items_seconds']:.2f}s same items x{r['ratio_same_items']}"
    )


def table_markdown(results: list[dict[str, Any]]) -> str:
    lines = [
        "| ambassadors | variant | BatchWriteItem / ambassador | reads / ambassador | Kring "
        "| bare batch_writer, links only | ratio | bare batch_writer, same items (links + week ledgers) "
        "| ratio |",
        "|---:|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        lines.append(
            f"| {r['ambassadors']:,} | {r['variant']} | {r['batch_writes_per_ambassador']:.4f} | "
            f"{r['reads_per_ambassador']:.4f} | {r['kring_seconds']:.2f} s | {r['baseline_seconds']:.2f} s | "
            f"{r['ratio']}x | {r['baseline_same_items_seconds']:.2f} s | {r['ratio_same_items']}x |"
        )
    return "\n".join(lines)

"""Click recording against Amazon's DynamoDB Local: requests per event and events per second.

A realistic stream — ambassadors' links of differing popularity, visitors who come back (often
within the hour), link-preview bots, crawlers, mail scanners and HEAD requests, ambassadors
clicking their own links, share intents, and SQS redeliveries (in the same batch and later) —
goes through the real ClickRecorderFunction handler in SQS batches of the template's BatchSize.

Reported, from a botocore hook on Kring's own client: DynamoDB write and read requests per
delivered event (goal: at most one write), and what points (:mod:`kring.points`) add to them:
no request of their own, but items in each transaction and keys in each batch read. And events
per second, as a ratio to two bare boto3 loops measured in the same run against fresh tables:
one sending the very TransactWriteItems Kring sent (no parsing, validation or logic), and one
sending every request Kring sent (its BatchGetItems too). Median of three runs each, after an
untimed warm-up round.
"""

from __future__ import annotations

import copy
import hashlib
import json
import os
import random
import statistics
import time
import uuid
from collections import Counter
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results"
REPEATS = 3
DISTINCT_EVENTS = int(os.environ.get("BENCH_CLICKS", "3000"))
WRITE_OPERATIONS = frozenset({"TransactWriteItems", "PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem"})
READ_OPERATIONS = frozenset({"BatchGetItem", "GetItem", "Query"})
DAY = datetime(2026, 11, 30, 7, 0, tzinfo=UTC)
ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


# ------------------------------------------------------------------------------------ the stream
def _token(rng: random.Random) -> str:
    from kring.links.click_tokens import check_character

    payload = "".join(rng.choice(ALPHABET) for _ in range(16))
    return payload + check_character(payload)


def _hex(rng: random.Random) -> str:
    return f"{rng.getrandbits(128):032x}"


def stream(
    seed: int = 7, distinct: int = DISTINCT_EVENTS
) -> tuple[list[dict[str, Any]], list[tuple[str, str, str]]]:
    """EventBridge envelopes (with redeliveries) in delivery order, and the own-visitor markers
    the share intents wrote (ambassador, day, visitor)."""
    rng = random.Random(seed)
    vacancies = [f"greenhouse-{100 + n}" for n in range(20)]
    ambassadors = [f"E{1000 + n}" for n in range(150)]
    links = [(rng.choice(vacancies), a) for a in ambassadors for _ in range(2)]
    weights = [1 / (rank + 1) for rank in range(len(links))]  # a few popular links, a long tail
    codes = {
        link: "".join(ALPHABET[b % 62] for b in hashlib.sha256("/".join(link).encode()).digest()[:10])
        for link in links
    }
    own = {a: _hex(rng) for a in ambassadors}
    visitors = [_hex(rng) for _ in range(distinct // 3)]
    # Visitors' networks (IPv4 /24, IPv6 /48): about three visitors share one (an office, a home).
    networks = [_hex(rng) for _ in range(max(1, len(visitors) // 3))]
    network_of = {v: rng.choice(networks) for v in [*visitors, *own.values()]}
    events: list[dict[str, Any]] = []
    markers: set[tuple[str, str, str]] = set()
    moment = DAY
    while len(events) < distinct:
        moment += timedelta(seconds=rng.expovariate(1 / 40))  # about a day and a half in all
        vacancy, ambassador = rng.choices(links, weights)[0]
        code = codes[(vacancy, ambassador)]
        channel = rng.choice(("linkedin", "linkedin", "x", "facebook", "whatsapp", "email", "direct"))
        roll = rng.random()
        if roll < 0.05:
            network = channel if channel != "direct" else "linkedin"
            markers.add((ambassador, moment.date().isoformat(), own[ambassador]))
            detail: dict[str, Any] = {
                "intent_id": _hex(rng),
                "code": code,
                "vacancy_id": vacancy,
                "ambassador_id": ambassador,
                "network": network,
                "visitor": own[ambassador],
            }
            events.append(_envelope("kring.share", "ShareIntended", moment, detail))
            continue
        kind = "human"
        if roll < 0.13:
            kind = "preview"
        elif roll < 0.16:
            kind = "crawler"
        elif roll < 0.19:
            kind = "scanner" if channel == "email" else "preview"
        elif roll < 0.20:
            kind = "head"
        visitor = rng.choice(visitors)
        if kind == "human" and roll > 0.97:
            visitor = own[ambassador]
        burst = 1 + (rng.random() < 0.25) * rng.randint(1, 3)  # the same visitor again within minutes
        for n in range(burst):
            at = moment + timedelta(minutes=7 * n)
            token = _token(rng)
            detail = {
                "click_id": token,
                "code": code,
                "vacancy_id": vacancy,
                "ambassador_id": ambassador,
                "channel": channel,
                "referer_host": None,
                "visitor": visitor,
                "network": network_of[visitor],
                "visitor_kind": kind,
                "bot_reason": None if kind == "human" else kind,
                "vacancy_closed": False,
            }
            events.append(_envelope("kring.redirect", "LinkClicked", at, detail))
    # About 5% are delivered again: right away (often in the same batch) or up to 500 events later.
    slots: list[tuple[float, dict[str, Any]]] = []
    for position, event in enumerate(events):
        slots.append((position, event))
        if rng.random() < 0.05:
            slots.append((position + rng.choice((0, 0, rng.randint(1, 500))) + 0.5, copy.deepcopy(event)))
    slots.sort(key=lambda slot: slot[0])
    return [event for _, event in slots], sorted(markers)


def _envelope(source: str, detail_type: str, at: datetime, detail: dict[str, Any]) -> dict[str, Any]:
    stamp = at.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": detail_type,
        "source": source,
        "account": "000000000000",
        "time": at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": "eu-west-1",
        "resources": [],
        "detail": {"version": 1, "occurred_at": stamp, "correlation_id": str(uuid.uuid4()), **detail},
    }


def _sqs_batches(envelopes: Sequence[dict[str, Any]], size: int) -> list[dict[str, Any]]:
    batches = []
    for start in range(0, len(envelopes), size):
        records = []
        for envelope in envelopes[start : start + size]:
            body = json.dumps(envelope)
            records.append(
                {
                    "messageId": str(uuid.uuid4()),
                    "receiptHandle": "rh",
                    "body": body,
                    "attributes": {"ApproximateReceiveCount": "1", "SentTimestamp": "1795940102000"},
                    "messageAttributes": {},
                    "md5OfBody": hashlib.md5(body.encode()).hexdigest(),  # noqa: S324 - what SQS sends
                    "eventSource": "aws:sqs",
                    "eventSourceARN": "arn:aws:sqs:eu-west-1:000000000000:bench-link-activity",
                    "awsRegion": "eu-west-1",
                }
            )
        batches.append({"Records": records})
    return batches


# ------------------------------------------------------------------------------------ the runs
class _Tables:
    """Fresh tables (as in template.yaml) in DynamoDB Local for every run."""

    def __init__(self, endpoint: str) -> None:
        import boto3

        self.client = boto3.client(
            "dynamodb",
            endpoint_url=endpoint,
            region_name="eu-west-1",
            aws_access_key_id="bench",
            aws_secret_access_key="bench",  # noqa: S106 - DynamoDB Local takes any
        )
        self.endpoint = endpoint

    def fresh(self) -> tuple[str, str]:
        from infra.local.template import Stack

        stack = Stack({"PublicBaseUrl": "https://go.example.com", "Stage": f"b{uuid.uuid4().hex[:8]}"})
        for spec in stack.tables():
            self.client.create_table(**spec)
        return stack.physical_name("KringTable"), stack.physical_name("IdempotencyTable")


def _point_kring_at(tables: _Tables, table: str, idempotency_table: str) -> None:
    from kring import aws, config, idempotency

    os.environ.update(
        {
            "AWS_ENDPOINT_URL_DYNAMODB": tables.endpoint,
            "TABLE_NAME": table,
            "IDEMPOTENCY_TABLE_NAME": idempotency_table,
        }
    )
    config.clear_caches()
    aws.clear_caches()
    idempotency.clear_caches()


def _put_markers(tables: _Tables, table: str, markers: Sequence[tuple[str, str, str]]) -> None:
    from kring.dal import keys
    from kring.dal.items import serialize

    for ambassador, day, visitor in markers:
        tables.client.put_item(
            TableName=table, Item=serialize({**keys.own_visitor(ambassador, day, visitor)})
        )


def _kring_run(
    tables: _Tables, batches: Sequence[dict[str, Any]], markers: Sequence[tuple[str, str, str]]
) -> tuple[float, Counter[str], list[tuple[str, dict[str, Any]]]]:
    """The real handler over every batch: seconds, requests by operation, and the requests sent."""
    from infra.local.lambda_runtime import LambdaContext
    from infra.local.template import Stack, load_handler
    from kring import aws
    from kring.observability import metrics

    table, idempotency_table = tables.fresh()
    _point_kring_at(tables, table, idempotency_table)
    _put_markers(tables, table, markers)
    spec = Stack({"PublicBaseUrl": "https://go.example.com"}).functions()["ClickRecorderFunction"]
    handler = load_handler(spec)
    client = aws.dynamodb()
    counted: Counter[str] = Counter()
    sent: list[tuple[str, dict[str, Any]]] = []

    def count(model: Any, **_: Any) -> None:
        counted[model.name] += 1

    def capture(params: dict[str, Any], model: Any, **_: Any) -> None:
        sent.append((model.name, copy.deepcopy(params)))

    client.meta.events.register("before-call.dynamodb", count)
    client.meta.events.register("before-parameter-build.dynamodb", capture)
    try:
        started = time.perf_counter()
        for batch in batches:
            context = LambdaContext(function_name="ClickRecorderFunction", timeout_seconds=30)
            result = handler(batch, context)
            if result != {"batchItemFailures": []}:
                raise RuntimeError(f"the recorder failed messages: {result}")
            metrics.clear_metrics()
        elapsed = time.perf_counter() - started
    finally:
        client.meta.events.unregister("before-call.dynamodb", count)
        client.meta.events.unregister("before-parameter-build.dynamodb", capture)
    return elapsed, counted, sent


def request_units(sent: Sequence[tuple[str, dict[str, Any]]]) -> tuple[int, int]:
    """DynamoDB's billing of the requests sent, for items of at most 1 KB (every item the recorder
    writes is smaller): 2 write units per item of a transaction, 1 read unit per key of a
    strongly consistent BatchGetItem. (DynamoDB Local's own ConsumedCapacity ignores the doubling
    of transactions, so it is not used.)"""
    write_units = sum(2 * len(p["TransactItems"]) for op, p in sent if op == "TransactWriteItems")
    read_units = sum(
        len(wanted["Keys"]) for op, p in sent if op == "BatchGetItem" for wanted in p["RequestItems"].values()
    )
    return write_units, read_units


POINT_PREFIXES = ("POINTS#", "NETDAY#", "SHAREDAY#")
POINT_READ_PREFIXES = (*POINT_PREFIXES, "AMB#", "SETTINGS")


def points_share(sent: Sequence[tuple[str, dict[str, Any]]]) -> dict[str, int]:
    """What points add to the requests sent: no request of their own (they ride in the batch's
    BatchGetItem and each event's TransactWriteItems), but keys read and items written — the
    point markers and the period items (``POINTS#``), the profiles and the weights read."""
    point_items = transaction_items = 0
    for operation, params in sent:
        if operation != "TransactWriteItems":
            continue
        for action in params["TransactItems"]:
            (body,) = action.values()
            key = body.get("Item") or body.get("Key") or {}
            transaction_items += 1
            point_items += str(key.get("pk", {}).get("S", "")).startswith(POINT_PREFIXES)
    keys_read = point_keys = 0
    for operation, params in sent:
        if operation != "BatchGetItem":
            continue
        for wanted in params["RequestItems"].values():
            for key in wanted["Keys"]:
                keys_read += 1
                point_keys += str(key["pk"]["S"]).startswith(POINT_READ_PREFIXES)
    return {
        "transaction_items": transaction_items,
        "point_transaction_items": point_items,
        "keys_read": keys_read,
        "point_keys_read": point_keys,
    }


def _attribute_bytes(value: dict[str, Any]) -> int:  # noqa: PLR0911 - one return per type
    """DynamoDB's size of one attribute value (strings and binaries by length, numbers about one
    byte per two digits plus one, sets as their members, maps and lists as their values + 3)."""
    (kind, inner), *_ = value.items()
    if kind in ("S", "B"):
        return len(inner.encode() if isinstance(inner, str) else inner)
    if kind == "N":
        return len(inner.lstrip("-").replace(".", "")) // 2 + 2
    if kind in ("SS", "BS"):
        return sum(len(m.encode() if isinstance(m, str) else m) for m in inner)
    if kind == "NS":
        return sum(len(m) // 2 + 2 for m in inner)
    if kind == "M":
        return 3 + sum(len(k.encode()) + _attribute_bytes(v) for k, v in inner.items())
    if kind == "L":
        return 3 + sum(_attribute_bytes(v) + 1 for v in inner)
    return 1  # BOOL, NULL


def largest_item_bytes(client: Any, table: str) -> int:
    """The largest item in ``table`` (a Scan: the benchmark's own look, never Kring's)."""
    largest = 0
    for page in client.get_paginator("scan").paginate(TableName=table):
        for item in page["Items"]:
            size = sum(len(name.encode()) + _attribute_bytes(value) for name, value in item.items())
            largest = max(largest, size)
    return largest


def _retarget(requests: Sequence[tuple[str, dict[str, Any]]], table: str) -> list[tuple[str, dict[str, Any]]]:
    """The same requests against another table."""
    out = []
    for operation, params in requests:
        text = json.dumps(params, default=str)
        old = (
            params["TransactItems"][0]["Put"]["TableName"]
            if operation == "TransactWriteItems"
            else next(iter(params["RequestItems"]))
        )
        out.append((operation, json.loads(text.replace(json.dumps(old), json.dumps(table)))))
    return out


def _bare_run(
    tables: _Tables, requests: Sequence[tuple[str, dict[str, Any]]], markers: Sequence[tuple[str, str, str]]
) -> float:
    """A bare boto3 loop sending ``requests`` (already built) to a fresh table."""
    table, _ = tables.fresh()
    _put_markers(tables, table, markers)
    ready = _retarget(requests, table)
    calls: dict[str, Callable[..., Any]] = {
        "TransactWriteItems": tables.client.transact_write_items,
        "BatchGetItem": tables.client.batch_get_item,
    }
    started = time.perf_counter()
    for operation, params in ready:
        calls[operation](**params)
    return time.perf_counter() - started


def _measure(tables: _Tables) -> dict[str, Any]:
    from infra.local.template import Stack

    [source] = [
        s
        for s in Stack({"PublicBaseUrl": "https://go.example.com"}).queue_event_sources()
        if s.function == "ClickRecorderFunction"
    ]
    delivered, markers = stream()
    batches = _sqs_batches(delivered, source.batch_size)
    distinct = len({json.dumps(e["detail"], sort_keys=True) for e in delivered})
    kinds = Counter(
        e["detail"].get("visitor_kind", "intent")
        for e in {json.dumps(e["detail"]): e for e in delivered}.values()
    )

    # warm-up (DynamoDB Local's JVM), untimed
    _, _, warm = _kring_run(tables, batches[:40], markers)
    _bare_run(tables, [r for r in warm if r[0] == "TransactWriteItems"], markers)

    kring_times, writes_times, requests_times = [], [], []
    requests: Counter[str] = Counter()
    for _ in range(REPEATS):
        elapsed, requests, sent = _kring_run(tables, batches, markers)
        kring_times.append(elapsed)
        writes_times.append(_bare_run(tables, [r for r in sent if r[0] == "TransactWriteItems"], markers))
        requests_times.append(_bare_run(tables, sent, markers))
    events = len(delivered)
    write_units, read_units = request_units(sent)
    share = points_share(sent)
    largest = largest_item_bytes(tables.client, os.environ["TABLE_NAME"])  # the last Kring run's
    writes = sum(n for op, n in requests.items() if op in WRITE_OPERATIONS)
    reads = sum(n for op, n in requests.items() if op in READ_OPERATIONS)
    kring_s = statistics.median(kring_times)
    writes_s = statistics.median(writes_times)
    requests_s = statistics.median(requests_times)
    return {
        "events_delivered": events,
        "distinct_events": distinct,
        "duplicates": events - distinct,
        "distinct_by_kind": dict(kinds),
        "batch_size": source.batch_size,
        "requests": dict(requests),
        "writes_per_event": round(writes / events, 3),
        "writes_per_distinct_event": round(writes / distinct, 3),
        "reads_per_event": round(reads / events, 3),
        "largest_item_bytes": largest,
        "write_request_units_per_event": round(write_units / events, 2),
        "read_request_units_per_event": round(read_units / events, 2),
        "points_extra_requests_per_event": 0,  # they ride in the batch read and the event's transaction
        "points_write_request_units_per_event": round(2 * share["point_transaction_items"] / events, 2),
        "points_read_request_units_per_event": round(share["point_keys_read"] / events, 2),
        "transaction_items_per_write": round(share["transaction_items"] / max(1, writes), 2),
        "point_items_per_write": round(share["point_transaction_items"] / max(1, writes), 2),
        "recorder_seconds_per_event": round(kring_s / events, 5),
        "kring_seconds": round(kring_s, 3),
        "kring_events_per_second": round(events / kring_s),
        "bare_writes_seconds": round(writes_s, 3),
        "bare_writes_events_per_second": round(events / writes_s),
        "ratio_to_bare_writes": round(kring_s / writes_s, 2),
        "bare_requests_seconds": round(requests_s, 3),
        "ratio_to_bare_requests": round(kring_s / requests_s, 2),
    }


def main() -> None:
    # Before anything imports Powertools: its Logger reads these once.
    os.environ.update(
        {
            "AWS_ACCESS_KEY_ID": "bench",
            "AWS_SECRET_ACCESS_KEY": "bench",
            "AWS_DEFAULT_REGION": "eu-west-1",
            "ATTRIBUTION_WINDOW_DAYS": "30",
            "POWERTOOLS_METRICS_DISABLED": "true",
            "POWERTOOLS_LOG_LEVEL": "WARNING",
            "POWERTOOLS_SERVICE_NAME": "kring",
            "POWERTOOLS_METRICS_NAMESPACE": "KringBench",
        }
    )
    from infra.local import dynamodb_local

    port = dynamodb_local.free_port()
    process = dynamodb_local.start(port)
    try:
        result = _measure(_Tables(f"http://127.0.0.1:{port}"))
    finally:
        dynamodb_local.stop(process)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "click_recording.json").write_text(json.dumps(result, indent=2))
    print(json.dumps(result["requests"]), flush=True)
    print("\n" + table_markdown(result))
    print("\n" + points_markdown(result))


def table_markdown(r: dict[str, Any]) -> str:
    delivered = f"{r['events_delivered']:,} ({r['distinct_events']:,} + {r['duplicates']:,})"
    kring = f"{r['kring_seconds']:.2f} s ({r['kring_events_per_second']:,}/s)"
    bare_writes = f"{r['bare_writes_seconds']:.2f} s ({r['bare_writes_events_per_second']:,}/s)"
    cells = [
        delivered,
        str(r["batch_size"]),
        f"{r['writes_per_event']:.3f}",
        f"{r['reads_per_event']:.3f}",
        kring,
        bare_writes,
        f"{r['ratio_to_bare_writes']}x",
        f"{r['bare_requests_seconds']:.2f} s",
        f"{r['ratio_to_bare_requests']}x",
    ]
    return "\n".join(
        [
            "| events delivered (distinct + redelivered) | batch | writes / event | reads / event "
            "| Kring handler | bare boto3, same writes | ratio | bare boto3, same requests | ratio |",
            "|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
            "| " + " | ".join(cells) + " |",
        ]
    )


def points_markdown(r: dict[str, Any]) -> str:
    return "\n".join(
        [
            "| per delivered event | all | of which points |",
            "|---|---:|---:|",
            f"| extra AWS requests | {r['writes_per_event'] + r['reads_per_event']:.3f} "
            f"| {r['points_extra_requests_per_event']} |",
            f"| items per transaction | {r['transaction_items_per_write']} | {r['point_items_per_write']} |",
            f"| write request units | {r['write_request_units_per_event']} "
            f"| {r['points_write_request_units_per_event']} |",
            f"| read request units | {r['read_request_units_per_event']} "
            f"| {r['points_read_request_units_per_event']} |",
        ]
    )


if __name__ == "__main__":
    main()

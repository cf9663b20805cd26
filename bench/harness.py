"""What the benchmarks that call a real handler against Amazon's DynamoDB Local share, written once:

- :func:`local_tables` — DynamoDB Local on a free port, the stack's tables created (one stack per
  stage asked for), a bare boto3 client, the environment Kring reads set and its caches cleared;
- :class:`Watch` — botocore hooks on Kring's client: each request with its parameters (for the
  replay), items and bytes read, and the time spent in the client's API calls;
- :func:`replay` — the very requests through the bare client;
- :func:`measure` — a handler call timed ``repeats`` times against the replay of the requests it
  sent, the replay going first every other run (so neither always goes second and both meet the
  same machine load), medians reported, Kring's time split into its requests and the rest;
- :func:`http_event` — an API Gateway event for a route of the template.
"""

from __future__ import annotations

import copy
import os
import statistics
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

PUBLIC_BASE_URL = "https://go.example.com"


class Watch:
    """botocore hooks on Kring's client: each request with its parameters (for the replay), items
    and bytes read, and the time spent in the client's API calls."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.items = 0
        self.scanned = 0
        self.bytes = 0
        self.request_seconds = 0.0
        self.own_seconds = 0.0  # the copies, taken out of Kring's time

    def before(self, params: dict[str, Any], model: Any, **_: Any) -> None:
        started = time.perf_counter()
        self.calls.append((model.name, copy.deepcopy(params)))
        self.own_seconds += time.perf_counter() - started

    def after(self, http_response: Any, parsed: Mapping[str, Any], model: Any, **_: Any) -> None:
        if model.name in ("Query", "Scan"):
            self.items += int(parsed.get("Count", 0))
            self.scanned += int(parsed.get("ScannedCount", 0))
        elif model.name == "GetItem" and "Item" in parsed:
            self.items += 1
            self.scanned += 1
        elif model.name == "BatchGetItem":
            found = sum(len(items) for items in parsed.get("Responses", {}).values())
            self.items += found
            self.scanned += found
        self.bytes += len(http_response.content or b"")

    @contextmanager
    def installed(self, client: Any) -> Iterator[Watch]:
        from botocore.client import BaseClient

        original = getattr(BaseClient, "_make_api_call")  # noqa: B009 - private to botocore, untyped
        watch = self

        def timed(this: Any, operation_name: str, api_params: dict[str, Any]) -> Any:
            if this is not client:
                return original(this, operation_name, api_params)
            started = time.perf_counter()
            try:
                return original(this, operation_name, api_params)
            finally:
                watch.request_seconds += time.perf_counter() - started

        client.meta.events.register("before-parameter-build.dynamodb", self.before)
        client.meta.events.register("after-call.dynamodb", self.after)
        setattr(BaseClient, "_make_api_call", timed)  # noqa: B010 - timed in place
        try:
            yield self
        finally:
            setattr(BaseClient, "_make_api_call", original)  # noqa: B010
            client.meta.events.unregister("before-parameter-build.dynamodb", self.before)
            client.meta.events.unregister("after-call.dynamodb", self.after)


def replay(
    client: Any, calls: list[tuple[str, dict[str, Any]]], *, capacity: bool = False
) -> tuple[float, float]:
    """The same requests through a bare client: (seconds, read capacity units if asked). Only
    reads can be replayed as they are; a caller replays a handler that writes at its own risk."""
    from botocore import xform_name

    prepared = [
        (
            getattr(client, xform_name(op)),
            {**params, **({"ReturnConsumedCapacity": "TOTAL"} if capacity else {})},
        )
        for op, params in calls
    ]
    units = 0.0
    started = time.perf_counter()
    for call, params in prepared:
        got = call(**params)
        if capacity:
            consumed = got.get("ConsumedCapacity", {})
            for one in consumed if isinstance(consumed, list) else [consumed]:
                units += float(one.get("CapacityUnits", 0))
    return time.perf_counter() - started, units


@dataclass(frozen=True)
class Measured:
    """One handler call measured: the figures (for the results file) and its last response."""

    figures: dict[str, Any]
    response: dict[str, Any]
    calls: list[tuple[str, dict[str, Any]]]


def measure(
    label: str,
    invoke: Callable[[], dict[str, Any]],
    bare: Any,
    *,
    repeats: int,
    replayed: Callable[[list[tuple[str, dict[str, Any]]]], list[tuple[str, dict[str, Any]]]] = list,
) -> Measured:
    """``invoke`` (a handler call on Kring's DynamoDB client, :func:`kring.aws.dynamodb`) timed
    ``repeats`` times against the bare replay of the requests it sent (``replayed`` picks which:
    all by default). A response that is not 200 stops the run."""
    from kring import aws
    from kring.observability import metrics

    kring_times: list[float] = []
    request_times: list[float] = []
    replay_times: list[float] = []
    watch = Watch()
    previous: list[tuple[str, dict[str, Any]]] = []
    response: dict[str, Any] = {}
    for run in range(repeats):
        watch = Watch()
        if run % 2 and previous:  # every other run the replay goes first: neither is always second
            replay_times.append(replay(bare, replayed(previous))[0])
        with watch.installed(aws.dynamodb()):
            started = time.perf_counter()
            response = invoke()
            elapsed = time.perf_counter() - started
        metrics.clear_metrics()
        if response["statusCode"] != 200:
            raise RuntimeError(f"{label}: {response['statusCode']} {str(response.get('body'))[:500]}")
        kring_times.append(elapsed - watch.own_seconds)
        request_times.append(watch.request_seconds)
        if not run % 2:
            replay_times.append(replay(bare, replayed(watch.calls))[0])
        previous = watch.calls
    _, units = replay(bare, replayed(watch.calls), capacity=True)
    kring_s, replay_s = statistics.median(kring_times), statistics.median(replay_times)
    requests = Counter(op for op, _ in watch.calls)
    body = str(response.get("body", ""))
    figures = {
        "call": label,
        "requests": dict(sorted(requests.items())),
        "requests_total": sum(requests.values()),
        "items_read": watch.items,
        "read_units": round(units, 1),
        "kb_read": round(watch.bytes / 1024, 1),
        "response_kb": round(len(body.encode()) / 1024, 1),
        "kring_ms": round(1000 * kring_s, 1),
        "kring_request_ms": round(1000 * statistics.median(request_times), 1),
        "replay_ms": round(1000 * replay_s, 1),
        "ratio": round(kring_s / replay_s, 2) if replay_s else None,
    }
    return Measured(figures, response, watch.calls)


def http_event(
    method: str, path: str, query: str = "", headers: dict[str, str] | None = None
) -> dict[str, Any]:
    """The API Gateway event of ``method path`` as the template routes it."""
    from infra.local.lambda_runtime import http_api_event
    from infra.local.template import Stack

    for route in Stack({"PublicBaseUrl": PUBLIC_BASE_URL, "Stage": "bench"}).routes():
        match = route.regex.match(path)
        if match and route.method in ("ANY", method):
            return http_api_event(
                method,
                path,
                route_key=route.route_key,
                path_parameters=match.groupdict() or None,
                query=query,
                headers=headers or {},
            )
    raise AssertionError(f"no route for {method} {path}")


def environment(endpoint: str, table: str, idempotency_table: str, **more: str) -> None:
    """The environment Kring reads, for DynamoDB Local at ``endpoint``; Kring's caches cleared."""
    from kring import aws, config, idempotency

    os.environ.update(
        {
            "AWS_ACCESS_KEY_ID": "bench",
            "AWS_SECRET_ACCESS_KEY": "bench",
            "AWS_DEFAULT_REGION": "eu-west-1",
            "AWS_ENDPOINT_URL_DYNAMODB": endpoint,
            "TABLE_NAME": table,
            "IDEMPOTENCY_TABLE_NAME": idempotency_table,
            "EVENT_BUS_NAME": "bench",
            "PUBLIC_BASE_URL": PUBLIC_BASE_URL,
            "POWERTOOLS_METRICS_DISABLED": "true",
            "POWERTOOLS_LOG_LEVEL": "WARNING",
            "POWERTOOLS_SERVICE_NAME": "kring",
            "POWERTOOLS_METRICS_NAMESPACE": "KringBench",
            **more,
        }
    )
    config.clear_caches()
    aws.clear_caches()
    idempotency.clear_caches()


@dataclass(frozen=True)
class LocalTables:
    endpoint: str
    bare: Any  # a boto3 DynamoDB client of its own
    tables: tuple[str, ...]  # each stack's KringTable, in the order the stacks were asked for
    idempotency_tables: tuple[str, ...]


@contextmanager
def local_tables(stacks: int = 1) -> Iterator[LocalTables]:
    """DynamoDB Local on a free port with ``stacks`` stacks' tables; stopped on leaving."""
    import boto3

    from infra.local import dynamodb_local
    from infra.local.template import Stack

    port = dynamodb_local.free_port()
    process = dynamodb_local.start(port)
    try:
        endpoint = f"http://127.0.0.1:{port}"
        stage = f"b{uuid.uuid4().hex[:8]}"
        made = [
            Stack({"PublicBaseUrl": PUBLIC_BASE_URL, "Stage": f"{stage}{n or ''}"}) for n in range(stacks)
        ]
        bare = boto3.client(
            "dynamodb",
            endpoint_url=endpoint,
            region_name="eu-west-1",
            aws_access_key_id="bench",
            aws_secret_access_key="bench",  # noqa: S106 - DynamoDB Local takes any
        )
        for stack in made:
            for spec in stack.tables():
                bare.create_table(**spec)
        yield LocalTables(
            endpoint,
            bare,
            tuple(s.physical_name("KringTable") for s in made),
            tuple(s.physical_name("IdempotencyTable") for s in made),
        )
    finally:
        dynamodb_local.stop(process)


def load_average() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]

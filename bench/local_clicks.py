"""The local stack's click throughput: `python -m infra.local` started as `make run` starts it (free
ports, a temporary data folder, no demo), one vacancy shared by 20 ambassadors, then 20 concurrent
clients following their tracked links (``GET /r/{code}``, kept-alive connections, a browser's user
agent, a different visitor each click) for a bounded time and count.

Measured in the same run, against the same stack:

- **baseline** — the gateway answering ``GET /healthz`` itself (no function), 20 clients: what the
  sockets, the HTTP server and the threads cost;
- **clicks, 1 client** — the same links followed one at a time: the redirect's own time per click
  (the local stack runs each function one invocation at a time, like reserved concurrency 1);
- **PutEvents** — the one call each click makes to the local AWS endpoint, from one boto3 client
  on a kept-alive connection (it took ~44 ms when the endpoint wrote its headers and body apart).

Then it waits (at most ``BENCH_LOCAL_CLICKS_RECORDING_SECONDS``) for the click recorder to count
every click (the funnel's raw clicks), and reports how many it counted, how fast, and how many
messages the dead-letter queues hold: clicks redirected are not yet clicks recorded.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import http.client
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import boto3
import requests

from infra.local.dlq import list_parked
from infra.local.dynamodb_local import free_port
from infra.local.settings import LocalSettings
from infra.local.stack import queue_store, template_stack

if TYPE_CHECKING:
    from mypy_boto3_events.type_defs import PutEventsRequestEntryTypeDef

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
CLIENTS = int(os.environ.get("BENCH_LOCAL_CLICKS_CLIENTS", "20"))
SECONDS = float(os.environ.get("BENCH_LOCAL_CLICKS_SECONDS", "15"))
MAX_REQUESTS = int(os.environ.get("BENCH_LOCAL_CLICKS_MAX", "4000"))
PUT_EVENTS = int(os.environ.get("BENCH_LOCAL_CLICKS_PUT_EVENTS", "300"))
STARTUP_SECONDS = 240
RECORDING_SECONDS = float(os.environ.get("BENCH_LOCAL_CLICKS_RECORDING_SECONDS", "120"))
TOKEN = "bench-admin-token"  # noqa: S105 - the throwaway stack's
SECRET = "bench-greenhouse-secret"  # noqa: S105
VACANCY = "greenhouse-8801"
BROWSER = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/18.1 Mobile/15E148 Safari/604.1"
)
JOB = {
    "action": "job_created",
    "payload": {
        "job": {
            "id": 88,
            "name": "Site Reliability Engineer",
            "status": "open",
            "departments": [{"id": 1, "name": "Engineering"}],
            "offices": [{"id": 2, "name": "Amsterdam", "location": {"name": "Amsterdam, Netherlands"}}],
        }
    },
}
POST = {
    "action": "job_post_created",
    "payload": {
        "id": 8801,
        "title": "Site Reliability Engineer",
        "location": "Amsterdam",
        "job_id": 88,
        "live": True,
        "external": True,
        "internal": False,
        "updated_at": "2026-12-01T09:00:00.000Z",
        "questions": [],
    },
}


@dataclass
class Phase:
    name: str
    clients: int
    requests: int
    seconds: float
    per_second: float
    median_ms: float
    p95_ms: float
    unexpected: int  # answers other than the expected status


@dataclass
class Stack:
    url: str
    aws_url: str
    process: subprocess.Popen[bytes]
    log: Path


def _start(data_dir: Path) -> Stack:
    port, aws_port = free_port(), free_port()
    env = {
        **{
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("AWS_", "KRING_", "TABLE_", "POWERTOOLS_"))
        },
        "KRING_PORT": str(port),
        "KRING_AWS_PORT": str(aws_port),
        "KRING_ATS_PORT": str(free_port()),
        "KRING_DYNAMODB_PORT": str(free_port()),
        "KRING_DATA_DIR": str(data_dir),
        "KRING_DEMO": "0",
        "KRING_ADMIN_TOKEN": TOKEN,
        "KRING_WEBHOOK_SECRET_GREENHOUSE": SECRET,
        "KRING_GREENHOUSE_BOARD": "acme",
    }
    log = data_dir.parent / "stack.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "infra.local"], cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT
        )
    stack = Stack(f"http://127.0.0.1:{port}", f"http://127.0.0.1:{aws_port}", process, log)
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("the local stack exited:\n" + log.read_text()[-3000:])
        with contextlib.suppress(requests.ConnectionError):
            if requests.get(f"{stack.url}/healthz", timeout=5).status_code == 200:
                return stack
        time.sleep(0.2)
    _stop(stack)
    raise RuntimeError("the local stack did not get ready:\n" + log.read_text()[-3000:])


def _stop(stack: Stack) -> None:
    stack.process.send_signal(signal.SIGTERM)
    try:
        stack.process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        stack.process.kill()
        stack.process.wait()


def _admin() -> dict[str, str]:
    return {"authorization": f"Bearer {TOKEN}"}


def _links(stack: Stack) -> list[str]:
    """20 eligible ambassadors, one signed Greenhouse vacancy: their tracked links' paths."""
    for n in range(CLIENTS):
        person = {
            "id": f"B{n:03d}",
            "name": f"Bench Ambassador {n}",
            "email": f"b{n}@example.com",
            "phase": "decision",
            "opted_in": True,
        }
        created = requests.post(f"{stack.url}/api/ambassadors", json=person, headers=_admin(), timeout=30)
        created.raise_for_status()
    for delivery in (JOB, POST):
        body = json.dumps(delivery).encode()
        signature = "sha256 " + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
        sent = requests.post(
            f"{stack.url}/webhooks/greenhouse",
            data=body,
            timeout=30,
            headers={
                "content-type": "application/json",
                "signature": signature,
                "greenhouse-event-id": str(uuid.uuid4()),
            },
        )
        sent.raise_for_status()
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        got = requests.get(
            f"{stack.url}/api/vacancies/{VACANCY}/shares?limit=100", headers=_admin(), timeout=30
        )
        items = got.json().get("items", []) if got.ok else []
        if len(items) >= CLIENTS:
            return ["/r/" + item["link"].rsplit("/r/", 1)[1] for item in items]
        time.sleep(0.25)
    raise RuntimeError(f"the fan-out made no {CLIENTS} links in time")


def _drive(
    stack: Stack, name: str, paths: list[str], *, clients: int, expected: int, seconds: float, limit: int
) -> Phase:
    """``clients`` threads, each on its own kept-alive connection, until ``seconds`` or ``limit``
    requests in all."""
    host, port = stack.url.removeprefix("http://").split(":")
    latencies: list[float] = []
    unexpected = [0]
    issued = [0]
    lock = threading.Lock()
    start = threading.Barrier(clients + 1)
    stop_at = [0.0]

    def client(n: int) -> None:
        connection = http.client.HTTPConnection(host, int(port), timeout=60)
        mine: list[float] = []
        bad = 0
        start.wait()
        visitor = 0
        while time.monotonic() < stop_at[0]:
            with lock:
                if issued[0] >= limit:
                    break
                issued[0] += 1
            visitor += 1
            path = paths[(n + visitor) % len(paths)]
            began = time.perf_counter()
            connection.request(
                "GET",
                f"{path}?ch=linkedin" if path.startswith("/r/") else path,
                headers={
                    "user-agent": BROWSER,
                    "accept-language": "nl-NL,nl;q=0.9",
                    "x-forwarded-for": f"10.{n}.{visitor // 250 % 250}.{visitor % 250 + 1}",
                },
            )
            response = connection.getresponse()
            response.read()
            mine.append((time.perf_counter() - began) * 1000)
            bad += response.status != expected
        connection.close()
        with lock:
            latencies.extend(mine)
            unexpected[0] += bad

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    stop_at[0] = time.monotonic() + seconds
    began = time.perf_counter()
    start.wait()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - began
    return _phase(name, clients, latencies, elapsed, unexpected[0])


def _phase(name: str, clients: int, latencies: list[float], elapsed: float, unexpected: int) -> Phase:
    ordered = sorted(latencies)
    return Phase(
        name=name,
        clients=clients,
        requests=len(ordered),
        seconds=round(elapsed, 2),
        per_second=round(len(ordered) / elapsed, 1),
        median_ms=round(statistics.median(ordered), 2),
        p95_ms=round(ordered[int(len(ordered) * 0.95) - 1], 2),
        unexpected=unexpected,
    )


def _put_events(stack: Stack) -> Phase:
    """PutEvents to the local AWS endpoint, one kept-alive boto3 client, one after another; an
    event no rule matches (the bus accepts it and delivers it nowhere)."""
    events = boto3.client(
        "events",
        endpoint_url=stack.aws_url,
        region_name="eu-west-1",
        aws_access_key_id="local",
        aws_secret_access_key="local",  # noqa: S106 - the local endpoint checks none
    )
    entry: PutEventsRequestEntryTypeDef = {
        "Source": "kring.bench",
        "DetailType": "BenchPinged",
        "Detail": "{}",
        "EventBusName": "kring-local",
    }
    events.put_events(Entries=[entry])  # the connection is open before timing
    latencies = []
    began = time.perf_counter()
    for _ in range(PUT_EVENTS):
        one = time.perf_counter()
        events.put_events(Entries=[entry])
        latencies.append((time.perf_counter() - one) * 1000)
    return _phase("PutEvents to the local AWS endpoint (boto3)", 1, latencies, time.perf_counter() - began, 0)


def _raw_clicks(stack: Stack) -> int:
    got = requests.get(f"{stack.url}/api/vacancies/{VACANCY}/funnel", headers=_admin(), timeout=30)
    return int(got.json()["totals"]["raw_clicks"])


def _recorded(stack: Stack, wanted: int) -> tuple[int, float]:
    """The funnel's raw clicks once they reach ``wanted`` (or the bound passes), and how long the
    recorder needed after the last click."""
    began = time.monotonic()
    raw = 0
    while time.monotonic() - began < RECORDING_SECONDS:
        raw = _raw_clicks(stack)
        if raw >= wanted:
            break
        time.sleep(0.5)
    return raw, round(time.monotonic() - began, 1)


def _parked(data_dir: Path) -> int:
    """Messages in the stack's dead-letter queues."""
    settings = LocalSettings(data_dir=data_dir)
    stack = template_stack(settings)
    store = queue_store(settings, stack)
    try:
        return sum(p.count for p in list_parked(stack, store, limit=0))
    finally:
        store.close()


def table_markdown(results: dict[str, Any]) -> str:
    lines = [
        "| measured | clients | requests | per second | median ms | p95 ms |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for phase in results["phases"]:
        lines.append(
            f"| {phase['name']} | {phase['clients']} | {phase['requests']:,} | {phase['per_second']:,} |"
            f" {phase['median_ms']} | {phase['p95_ms']} |"
        )
    clicks = results["clicks_per_second"]
    ratio, alone = clicks / results["baseline_per_second"], clicks / results["one_client_per_second"]
    lines += [
        "",
        f"clicks/s at {CLIENTS} clients: {clicks:,} = {ratio:.2f} x the gateway's own"
        f" /healthz rate, {alone:.2f} x one client's;"
        f" the recorder had counted {results['recorded_at_last_click']:,} of {results['clicks']:,} at the"
        f" last click and {results['recorded']:,} {results['recording_lag_seconds']} s later"
        f" ({results['recording_per_second_after']} a second); {results['parked_in_dlqs']} message(s) in"
        " the dead-letter queues",
    ]
    return "\n".join(lines)


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="kring-bench-") as home:
        data_dir = Path(home) / "data"
        stack = _start(data_dir)
        try:
            paths = _links(stack)
            baseline = _drive(
                stack,
                "GET /healthz: the gateway alone (baseline)",
                ["/healthz"],
                clients=CLIENTS,
                expected=200,
                seconds=SECONDS,
                limit=MAX_REQUESTS,
            )
            one = _drive(
                stack,
                "GET /r/{code}: one client",
                paths,
                clients=1,
                expected=302,
                seconds=SECONDS / 3,
                limit=MAX_REQUESTS,
            )
            clicks = _drive(
                stack,
                f"GET /r/{{code}}: {CLIENTS} clients",
                paths,
                clients=CLIENTS,
                expected=302,
                seconds=SECONDS,
                limit=MAX_REQUESTS,
            )
            clicked_until = time.monotonic()
            at_last_click = _raw_clicks(stack)
            put_events = _put_events(stack)
            recorded, lag = _recorded(stack, one.requests + clicks.requests)
            recording_per_second = round(
                (recorded - at_last_click) / max(time.monotonic() - clicked_until, 0.001), 1
            )
            parked = _parked(data_dir)
        finally:
            _stop(stack)
    phases = [baseline, clicks, one, put_events]
    results: dict[str, Any] = {
        "phases": [asdict(p) for p in phases],
        "baseline_per_second": baseline.per_second,
        "clicks_per_second": clicks.per_second,
        "one_client_per_second": one.per_second,
        "clicks": one.requests + clicks.requests,
        "recorded": recorded,
        "recording_lag_seconds": lag,
        "recorded_at_last_click": at_last_click,
        "recording_per_second_after": recording_per_second,
        "parked_in_dlqs": parked,
        "unexpected_answers": sum(p.unexpected for p in phases),
        "cpus": os.cpu_count(),
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "local_clicks.json").write_text(json.dumps(results, indent=2))
    print("\n" + table_markdown(results))


if __name__ == "__main__":
    main()

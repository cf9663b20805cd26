"""The redirect (GET /r/{code}): cold start, warm CPU per click, AWS requests per click.

1. **Cold start** — whole fresh processes, alternated in one run, median of :data:`COLD_RUNS`:
   ``import app`` of functions/redirect (shared/ on sys.path, as the layer puts it) against a bare
   handler that imports boto3 and creates one DynamoDB client; then import + the container's first
   click (clients created, the visitor key read, link and vacancy read, the event put, the first
   classification) against the bare handler + one GetItem. AWS answers are canned in-process
   (:mod:`bench.canned_aws`, a botocore ``before-send`` hook: signing, serialising and parsing
   still run, the network does not), so the figures are CPU and imports, not latency.
2. **Warm CPU** — ``time.process_time`` over many clicks on cached links with a realistic mix of
   user agents (people on phones and desktops, in-app browsers, link previews, crawlers), median
   of batches; with botocore's full request path for the one PutEvents, and with the events
   client replaced by a no-op to show Kring's own share. Separately, user agents never seen
   before (before the LRU has them): a browser's, 512 characters of junk (the longest matched:
   isbot's pattern in full) and 1 KB of junk (over the 512 limit: a bot without matching) — the
   cost of a flood of made-up user agents.
3. **Requests per click** — counted by the canned hook: cached link, new link of a cached
   vacancy, link and vacancy both new, and the container's first click.
"""

from __future__ import annotations

import json
import os
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
FUNCTION = ROOT / "functions" / "redirect"
COLD_RUNS = int(os.environ.get("BENCH_REDIRECT_COLD_RUNS", "21"))
WARM_CLICKS = int(os.environ.get("BENCH_REDIRECT_WARM_CLICKS", "20000"))
BATCH = 1000
NEW_AGENTS = 2000
JUNK = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 ./;:()-_+,"

ENVIRONMENT = {
    "AWS_ACCESS_KEY_ID": "bench",
    "AWS_SECRET_ACCESS_KEY": "bench",
    "AWS_DEFAULT_REGION": "eu-west-1",
    "TABLE_NAME": "kring-bench",
    "EVENT_BUS_NAME": "kring-bench",
    "CLICK_SPOOL_QUEUE_URL": "https://sqs.eu-west-1.amazonaws.com/123456789012/kring-bench-click-spool",
    "CAREERS_PAGE_URL": "https://careers.example.com/",
    "SECRETS_SSM_PATH": "/kring/bench/",  # as in AWS: the visitor key is one SSM read
}

_PATHS = f"import sys; sys.path[:0] = [{str(FUNCTION)!r}, {str(ROOT / 'shared')!r}, {str(ROOT)!r}]\n"
_EVENT = (
    "EVENT = {'requestContext': {'http': {'method': 'GET', 'sourceIp': '203.0.113.9'},"
    " 'timeEpoch': 1795770761000}, 'pathParameters': {'code': 'AbCdE12345'},"
    " 'queryStringParameters': {'ch': 'linkedin'},"
    " 'headers': {'user-agent': 'Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15"
    " (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1', 'accept-language': 'nl-NL,nl;q=0.9'}}\n"
)
COLD = {
    "redirect_import": _PATHS + "import app\n",
    "baseline_import": "import boto3\nboto3.client('dynamodb')\n",
    "redirect_first_click": _PATHS
    + "import app\n"
    + "from bench.canned_aws import CannedAws\nfrom kring import aws\n"
    + "CannedAws().install(aws.hot_path_session())\n"
    + _EVENT
    + "assert app.handler(EVENT, None)['statusCode'] == 302\n",
    "baseline_first_get_item": _PATHS
    + "import boto3\nclient = boto3.client('dynamodb')\n"
    + "from bench.canned_aws import CannedAws\nCannedAws().install(client.meta.events)\n"
    + "client.get_item(TableName='kring-bench', Key={'pk': {'S': 'LINK#AbCdE12345'}, 'sk': {'S': 'LINK'}})\n",
}

# A click mix as a tracked link sees it: mostly phones (in-app browsers too), some desktops, and
# the machines: link previews on every share, crawlers, scanners.
AGENTS = [
    (
        20,
        "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
        "Version/18.1 Mobile/15E148 Safari/604.1",
    ),
    (
        15,
        "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 "
        "Mobile Safari/537.36",
    ),
    (
        10,
        "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
        "Mobile/15E148 [LinkedInApp]/9.31.1650",
    ),
    (
        6,
        "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
        "Mobile/22B83 [FBAN/FBIOS;FBAV/489.0.0.38.108;FBBV/661717040;FBDV/iPhone15,2;FBMD/iPhone;FBSN/iOS;"
        "FBSV/18.1;FBSS/3;FBCR/;FBID/phone;FBLC/nl_NL;FBOP/80]",
    ),
    (
        5,
        "Mozilla/5.0 (Linux; Android 14; SAMSUNG SM-S928B) AppleWebKit/537.36 (KHTML, like Gecko) "
        "SamsungBrowser/27.0 Chrome/125.0.0.0 Mobile Safari/537.36",
    ),
    (
        12,
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/131.0.0.0 Safari/537.36",
    ),
    (
        5,
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0",
    ),
    (
        4,
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
        "Version/18.1 Safari/605.1.15",
    ),
    (3, "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0"),
    (5, "LinkedInBot/1.0 (compatible; Mozilla/5.0; Apache-HttpClient +http://www.linkedin.com)"),
    (3, "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)"),
    (2, "Twitterbot/1.0"),
    (2, "WhatsApp/2.23.20.0 A"),
    (2, "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)"),
    (1, "Mozilla/5.0 (Windows NT 6.1; WOW64) SkypeUriPreview Preview/0.5 skype-url-preview@microsoft.com"),
    (2, "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"),
    (1, "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)"),
    (1, "Mozilla/5.0 (compatible; AhrefsBot/7.0; +http://ahrefs.com/robot/)"),
    (1, "Mozilla/5.0 (compatible; Barracuda Sentinel (EE))"),
]
REFERERS = [None, None, "https://www.linkedin.com/", "https://t.co/AbCdE", "https://l.facebook.com/", None]
CHANNELS = ["linkedin", "linkedin", "x", "facebook", "whatsapp", "email", None, None]


# ----------------------------------------------------------------------------- 1. cold start
def _process_seconds(script: str) -> float:
    started = time.perf_counter()
    subprocess.run(  # noqa: S603 - our own scripts, run by this interpreter
        [sys.executable, "-c", script], check=True, cwd="/", env={**os.environ, **ENVIRONMENT}
    )
    return time.perf_counter() - started


def cold_start() -> dict[str, Any]:
    for script in COLD.values():  # once each first: the page cache, not the benchmark, pays for reads
        _process_seconds(script)
    times: dict[str, list[float]] = {name: [] for name in COLD}
    for _ in range(COLD_RUNS):
        for name, script in COLD.items():  # alternated, so drift hits both sides alike
            times[name].append(_process_seconds(script))
    medians = {name: statistics.median(values) for name, values in times.items()}
    return {
        "runs": COLD_RUNS,
        "median_ms": {name: round(value * 1000, 1) for name, value in medians.items()},
        "import_ratio": round(medians["redirect_import"] / medians["baseline_import"], 2),
        "first_click_ratio": round(medians["redirect_first_click"] / medians["baseline_first_get_item"], 2),
    }


# ----------------------------------------------------------------------------- 2./3. in-process
def _load() -> tuple[Any, Any]:
    os.environ.update(ENVIRONMENT)
    for path in (str(FUNCTION), str(ROOT / "shared")):
        if path not in sys.path:
            sys.path.insert(0, path)
    from bench.canned_aws import CannedAws
    from infra.local.template import FunctionSpec, load_handler
    from kring import aws, redirect

    aws.clear_caches()
    redirect.clear_caches()
    canned = CannedAws()
    canned.install(aws.hot_path_session())
    spec = FunctionSpec("RedirectFunction", FUNCTION, "app.handler", 5, {})
    return load_handler(spec), canned


def _event(code: str, agent: str, referer: str | None, channel: str | None) -> dict[str, Any]:
    headers = {"user-agent": agent, "accept-language": "nl-NL,nl;q=0.9,en;q=0.8"}
    if referer:
        headers["referer"] = referer
    event: dict[str, Any] = {
        "requestContext": {"http": {"method": "GET", "sourceIp": "203.0.113.9"}, "timeEpoch": 1795770761000},
        "pathParameters": {"code": code},
        "headers": headers,
    }
    if channel:
        event["queryStringParameters"] = {"ch": channel}
    return event


def _code(n: int) -> str:
    return f"Bench{n:05d}"


class _NoBus:
    def put_events(self, **_: Any) -> dict[str, Any]:
        return {"FailedEntryCount": 0, "Entries": [{"EventId": "e"}]}


def _cpu_per_click(handler: Any, events: list[dict[str, Any]]) -> float:
    """Median over batches of process CPU per click, in milliseconds."""
    per_click = []
    for start in range(0, len(events), BATCH):
        batch = events[start : start + BATCH]
        began = time.process_time()
        for event in batch:
            handler(event, None)
        per_click.append((time.process_time() - began) / len(batch) * 1000)
    return statistics.median(per_click)


def _bare_put_events_cpu(count: int) -> float:
    """The baseline: the same client putting one LinkClicked-sized entry, nothing else."""
    from kring import aws

    client = aws.hot_path_client("events")
    detail = json.dumps({"click_id": "7Qm2xKp9LrT4vZ8aT", "padding": "x" * 420})
    entry = {"Source": "kring.redirect", "DetailType": "LinkClicked", "Detail": detail, "EventBusName": "b"}
    per_call = []
    for _ in range(0, count, BATCH):
        began = time.process_time()
        for _ in range(BATCH):
            client.put_events(Entries=[entry])
        per_call.append((time.process_time() - began) / BATCH * 1000)
    return statistics.median(per_call)


def warm_and_requests() -> dict[str, Any]:
    from kring import redirect

    handler, canned = _load()
    rng = random.Random(7)
    weights = [w for w, _ in AGENTS]
    agents = [a for _, a in AGENTS]
    codes = [_code(n) for n in range(500)]

    def click(code: str) -> dict[str, Any]:
        return _event(code, rng.choices(agents, weights)[0], rng.choice(REFERERS), rng.choice(CHANNELS))

    def requests_of(event: dict[str, Any]) -> dict[str, int]:
        before = dict(canned.requests)
        assert handler(event, None)["statusCode"] == 302
        return {k: v - before.get(k, 0) for k, v in canned.requests.items() if v - before.get(k, 0)}

    requests = {
        "first click of the container": requests_of(click(codes[0])),
        "cached link": requests_of(click(codes[0])),
        "new link of a cached vacancy": requests_of(click(codes[1])),
    }
    redirect.redirector().resolver._vacancies.clear()  # a vacancy not seen yet
    requests["new link, new vacancy"] = requests_of(click(codes[2]))

    for code in codes:  # every link and user agent cached, as on a warm container
        handler(click(code), None)
    for agent in agents:
        handler(_event(codes[0], agent, None, None), None)
    events = [click(rng.choice(codes)) for _ in range(WARM_CLICKS)]
    full = _cpu_per_click(handler, events)
    baseline = _bare_put_events_cpu(len(events))
    emitter = redirect.redirector().emitter
    emitter._events = _NoBus  # Kring's own share, without botocore's request path
    own = _cpu_per_click(handler, events)

    fresh = [
        f"Mozilla/5.0 (Linux; Android 14; SM-S9{n:04d}B) AppleWebKit/537.36 (KHTML, like Gecko) "
        f"Chrome/131.0.{6778 + n}.{n % 200} Mobile Safari/537.36"
        for n in range(NEW_AGENTS)
    ]
    return {
        "clicks": WARM_CLICKS,
        "cpu_ms_per_click": round(full, 3),
        "baseline_put_events_cpu_ms": round(baseline, 3),
        "warm_ratio": round(full / baseline, 2),
        "cpu_ms_per_click_without_botocore_put_events": round(own, 3),
        "new_browser_agent_classification_ms": _classification_ms(fresh),
        "new_junk_512_classification_ms": _classification_ms(_junk(rng, 512)),
        "new_junk_1k_classification_ms": _classification_ms(_junk(rng, 1024)),
        "requests_per_click": requests,
    }


def _junk(rng: random.Random, length: int) -> list[str]:
    """Made-up user agents: random letters, digits, spaces and punctuation, none alike."""
    return ["".join(rng.choices(JUNK, k=length)) for _ in range(NEW_AGENTS)]


def _classification_ms(agents: list[str]) -> float:
    """Median CPU of classifying each of ``agents`` the first time (none is in the LRU)."""
    from kring.redirect.classify import Classifier

    classifier = Classifier(len(agents) + 1)
    costs = []
    for agent in agents:
        began = time.process_time()
        classifier.classify("GET", agent, "en")
        costs.append((time.process_time() - began) * 1000)
    return round(statistics.median(costs), 4)


# ----------------------------------------------------------------------------- report
def main() -> None:
    cold = cold_start()
    warm = warm_and_requests()
    results = {"cold_start": cold, "warm": warm}
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "redirect.json").write_text(json.dumps(results, indent=2))
    print("\n" + table_markdown(results))


def _requests(counts: dict[str, int]) -> str:
    total = sum(counts.values())
    return f"{total} ({', '.join(f'{n} {op}' for op, n in counts.items())})" if total else "0"


def table_markdown(results: dict[str, Any]) -> str:
    cold, warm = results["cold_start"], results["warm"]
    ms = cold["median_ms"]
    lines = [
        "| measure | Kring redirect | baseline | ratio / goal |",
        "|---|---:|---:|---|",
        f"| cold: fresh process, `import app` (median of {cold['runs']}) | {ms['redirect_import']:.0f} ms "
        f"| {ms['baseline_import']:.0f} ms (boto3 + 1 DynamoDB client) "
        f"| {cold['import_ratio']}x (goal ≤ 1.1x) |",
        f"| cold: import + the container's first click | {ms['redirect_first_click']:.0f} ms "
        f"| {ms['baseline_first_get_item']:.0f} ms (+ 1 GetItem) | {cold['first_click_ratio']}x |",
        f"| warm: CPU per click, cached link, click mix ({warm['clicks']:,} clicks) "
        f"| {warm['cpu_ms_per_click']:.3f} ms | {warm['baseline_put_events_cpu_ms']:.3f} ms (its PutEvents "
        f"alone) | {warm['warm_ratio']}x (goal ≤ 0.3 ms) |",
        f"| warm: the same without botocore's PutEvents request path | "
        f"{warm['cpu_ms_per_click_without_botocore_put_events']:.3f} ms | | Kring's own share |",
        f"| classifying a browser user agent never seen before | "
        f"{warm['new_browser_agent_classification_ms']:.3f} ms | | once per agent (LRU) |",
        f"| classifying 512 characters of junk never seen before (matched in full) | "
        f"{warm['new_junk_512_classification_ms']:.3f} ms | | goal well under 1 ms |",
        f"| classifying 1 KB of junk never seen before (over 512: a bot, not matched) | "
        f"{warm['new_junk_1k_classification_ms']:.4f} ms | | goal well under 1 ms |",
    ]
    for case, counts in warm["requests_per_click"].items():
        lines.append(f"| synchronous AWS requests: {case} | {_requests(counts)} | | |")
    return "\n".join(lines)

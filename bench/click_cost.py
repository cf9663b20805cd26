"""What a million clicks cost in AWS, end to end, from the request counts the other benchmarks
measured (``bench/results/redirect.json``, ``click_recording.json`` and ``attribution.json``; run
them first — ``make bench`` runs them in order).

A click is: the HTTP API request → the redirect Lambda (its GetItems, one PutEvents) → EventBridge
→ SQS (LinkActivityQueue) → the click recorder Lambda in batches (one BatchGetItem per batch, one
TransactWriteItems per new event). The same event also matches CandidateEventsRule: EventBridge
→ SQS (CandidateEventsQueue, delayed 20 s) → the attribution Lambda in batches of 50, which reads
the click record and its click-wait item (the late-click handshake) for every click. EventBridge
bills the event once, whatever number of rules it matches. Two cases bound it: every click on a
link the redirect has cached (the common case: a shared link is clicked many times), and every
click on a link it has not (one GetItem for the link and one for the vacancy, eventually
consistent, 0.5 RRU each).

Measured: every request count, the DynamoDB capacity units the recorder's and the attribution's
requests cost (from the requests sent, see those benchmarks), the seconds per event of each
consumer. Assumed, and said so in the table: the redirect's billed duration (its measured CPU
plus one in-region PutEvents round trip), full SQS batches, the click record written before
attribution reads it (what the queue's delay is for; see ``attribution_first_extra`` for when it
is not), and list prices (:data:`PRICES`, us-east-1, on-demand). The attribution's writes when a
late click completes an application that waited for it belong to that application and are left
out, as are CloudWatch Logs and data transfer.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results"

# USD, AWS list prices for us-east-1 (on-demand, first pricing tier). Update when AWS changes them.
PRICES = {
    "http_api_request": 1.00 / 1e6,
    "lambda_request": 0.20 / 1e6,
    "lambda_arm_gb_second": 0.0000133334,
    "eventbridge_event": 1.00 / 1e6,
    "sqs_request": 0.40 / 1e6,
    "dynamodb_wru": 0.625 / 1e6,
    "dynamodb_rru": 0.125 / 1e6,
}
REDIRECT_MEMORY_GB = 1.0  # template.yaml: RedirectFunction MemorySize 1024
RECORDER_MEMORY_GB = 0.5  # template.yaml: Globals MemorySize 512
ATTRIBUTION_MEMORY_GB = 0.5  # template.yaml: Globals MemorySize 512
PUT_EVENTS_ROUND_TRIP_MS = 10.0  # assumed: an in-region PutEvents, TLS connection kept alive
EVENTUALLY_CONSISTENT_GET_RRU = 0.5


def _load(name: str) -> dict[str, Any]:
    path = RESULTS / f"{name}.json"
    if not path.exists():
        raise SystemExit(f"{path} is missing: run `python -m bench {name}` first")
    loaded: dict[str, Any] = json.loads(path.read_text())
    return loaded


def cost_per_million(
    redirect: dict[str, Any], recording: dict[str, Any], attribution: dict[str, Any], *, cached: bool
) -> dict[str, float]:
    """USD per million clicks, by line item."""
    requests = redirect["warm"]["requests_per_click"]["cached link" if cached else "new link, new vacancy"]
    batch = recording["batch_size"]
    redirect_ms = redirect["warm"]["cpu_ms_per_click"] + PUT_EVENTS_ROUND_TRIP_MS
    per_click = {
        "HTTP API request": PRICES["http_api_request"],
        "redirect Lambda (request + duration)": PRICES["lambda_request"]
        + max(1.0, redirect_ms) / 1000 * REDIRECT_MEMORY_GB * PRICES["lambda_arm_gb_second"],
        "redirect DynamoDB reads": requests.get("GetItem", 0)
        * EVENTUALLY_CONSISTENT_GET_RRU
        * PRICES["dynamodb_rru"],
        "EventBridge PutEvents": requests.get("PutEvents", 0) * PRICES["eventbridge_event"],
        # EventBridge → SQS is one SendMessage; Lambda's poller receives and deletes per batch.
        "SQS (send, receive, delete)": (1 + 2 / batch) * PRICES["sqs_request"],
        "recorder Lambda (request + duration)": PRICES["lambda_request"] / batch
        + recording["recorder_seconds_per_event"] * RECORDER_MEMORY_GB * PRICES["lambda_arm_gb_second"],
        "recorder DynamoDB writes": recording["write_request_units_per_event"] * PRICES["dynamodb_wru"],
        "recorder DynamoDB reads": recording["read_request_units_per_event"] * PRICES["dynamodb_rru"],
        **attribution_per_click(attribution),
    }
    return {item: round(usd * 1e6, 3) for item, usd in per_click.items()}


def attribution_per_click(attribution: dict[str, Any]) -> dict[str, float]:
    """USD per click (not per million) of the attribution's receipt of ``LinkClicked``: the event
    delivered to CandidateEventsQueue, Lambda's receive and delete per batch, its share of an
    invocation and its duration, and its reads (the click record and the click-wait item)."""
    clicks = attribution["clicks_recorded_first"]
    batch = clicks["batch_size"]
    return {
        "attribution SQS (send, receive, delete)": (1 + 2 / batch) * PRICES["sqs_request"],
        "attribution Lambda (request + duration)": PRICES["lambda_request"] / batch
        + clicks["seconds_per_event"] * ATTRIBUTION_MEMORY_GB * PRICES["lambda_arm_gb_second"],
        "attribution DynamoDB reads": clicks["read_request_units_per_event"] * PRICES["dynamodb_rru"],
    }


def attribution_first_extra(attribution: dict[str, Any]) -> float:
    """USD per million clicks on top of the table when attribution reads every click before the
    recorder has written it: the click-wait item it marks (an UpdateItem), its longer duration,
    minus the reads it no longer does."""
    late, normal = attribution["clicks_attribution_first"], attribution["clicks_recorded_first"]
    extra: float = (
        (late["write_request_units_per_event"] - normal["write_request_units_per_event"])
        * PRICES["dynamodb_wru"]
        + (late["read_request_units_per_event"] - normal["read_request_units_per_event"])
        * PRICES["dynamodb_rru"]
        + (late["seconds_per_event"] - normal["seconds_per_event"])
        * ATTRIBUTION_MEMORY_GB
        * PRICES["lambda_arm_gb_second"]
    )
    return round(extra * 1e6, 3)


def main() -> None:
    redirect, recording = _load("redirect"), _load("click_recording")
    attribution = _load("attribution")
    cached_link = cost_per_million(redirect, recording, attribution, cached=True)
    uncached_link = cost_per_million(redirect, recording, attribution, cached=False)
    result: dict[str, Any] = {
        "prices_usd": PRICES,
        "assumed": {
            "put_events_round_trip_ms": PUT_EVENTS_ROUND_TRIP_MS,
            "full_sqs_batches_of": recording["batch_size"],
            "full_attribution_batches_of": attribution["clicks_recorded_first"]["batch_size"],
            "click_recorded_before_attribution_reads_it": True,
        },
        "cached_link": cached_link,
        "uncached_link": uncached_link,
        "attribution_first_extra": attribution_first_extra(attribution),
        "total_cached_link": round(sum(cached_link.values()), 2),
        "total_uncached_link": round(sum(uncached_link.values()), 2),
        "attribution_share_cached_link": round(
            sum(usd for item, usd in cached_link.items() if item.startswith("attribution")), 2
        ),
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "click_cost.json").write_text(json.dumps(result, indent=2))
    print("\n" + table_markdown(result))


def table_markdown(result: dict[str, Any]) -> str:
    lines = [
        "| per million clicks (USD) | cached link | uncached link and vacancy |",
        "|---|---:|---:|",
    ]
    for item, cached in result["cached_link"].items():
        lines.append(f"| {item} | {cached:.2f} | {result['uncached_link'][item]:.2f} |")
    lines.append(
        f"| **total** | **{result['total_cached_link']:.2f}** | **{result['total_uncached_link']:.2f}** |"
    )
    lines.append(
        f"\nWhen attribution reads a click before the recorder has written it: "
        f"+{result['attribution_first_extra']:.2f} per million such clicks."
    )
    return "\n".join(lines)


if __name__ == "__main__":
    main()

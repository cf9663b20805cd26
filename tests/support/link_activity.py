"""Building LinkClicked / ShareIntended events, their EventBridge envelopes and SQS batches, and
reading the link statistics back out of the table (for tests only: a Scan is fine here)."""

from __future__ import annotations

import hashlib
import json
import uuid
from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from kring import aws, config
from kring.clicks.counting import counter_names
from kring.dal import keys
from kring.dal.items import deserialize, serialize
from kring.dal.stats import from_item as from_stats_item
from kring.events import KringEvent, LinkClicked, ShareIntended
from kring.links.click_tokens import ALPHABET, RANDOM_LENGTH, check_character
from tests.support.fixtures import REGION


def click_token(n: int) -> str:
    """A valid click token, the same for the same ``n``."""
    digits = []
    for _ in range(RANDOM_LENGTH):
        n, digit = divmod(n, len(ALPHABET))
        digits.append(ALPHABET[digit])
    payload = "".join(reversed(digits))
    return payload + check_character(payload)


def share_code(vacancy_id: str, ambassador_id: str) -> str:
    digest = hashlib.sha256(f"{vacancy_id}/{ambassador_id}".encode()).digest()
    return "".join(ALPHABET[b % len(ALPHABET)] for b in digest[:10])


def visitor(n: int) -> str:
    return hashlib.md5(f"visitor-{n}".encode()).hexdigest()  # noqa: S324 - a fake visitor hash


def click(
    n: int,
    *,
    at: datetime,
    vacancy_id: str = "greenhouse-1",
    ambassador_id: str = "E1",
    channel: str = "linkedin",
    visitor_hash: str | None = None,
    kind: str = "human",
    reason: str | None = None,
    network: str | None = None,
) -> LinkClicked:
    """A click; a bot's reason is its kind unless given (``NO_ACCEPT_LANGUAGE`` for a scanner
    posing as a browser)."""
    token = click_token(n)
    return LinkClicked.model_validate(
        {
            "occurred_at": at,
            "correlation_id": token,
            "click_id": token,
            "code": share_code(vacancy_id, ambassador_id),
            "vacancy_id": vacancy_id,
            "ambassador_id": ambassador_id,
            "channel": channel,
            "referer_host": None,
            "visitor": visitor_hash or visitor(0),
            **({"network": network} if network else {}),
            "visitor_kind": kind,
            "bot_reason": None if kind == "human" else reason or kind,
        }
    )


def intent(
    n: int,
    *,
    at: datetime,
    vacancy_id: str = "greenhouse-1",
    ambassador_id: str = "E1",
    network: str = "linkedin",
    visitor_hash: str | None = None,
) -> ShareIntended:
    intent_id = hashlib.md5(f"intent-{n}".encode()).hexdigest()  # noqa: S324 - a fake id
    return ShareIntended.model_validate(
        {
            "occurred_at": at,
            "correlation_id": intent_id,
            "intent_id": intent_id,
            "code": share_code(vacancy_id, ambassador_id),
            "vacancy_id": vacancy_id,
            "ambassador_id": ambassador_id,
            "network": network,
            "visitor": visitor_hash or visitor(99),
        }
    )


def envelope(event: KringEvent) -> str:
    """The EventBridge envelope LinkActivityRule puts on the queue."""
    return json.dumps(
        {
            "version": "0",
            "id": str(uuid.uuid4()),
            "detail-type": event.detail_type(),
            "source": event.SOURCE,
            "account": "000000000000",
            "time": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "region": REGION,
            "resources": [],
            "detail": json.loads(event.model_dump_json()),
        }
    )


def sqs_event(bodies: Sequence[str]) -> dict[str, Any]:
    return {
        "Records": [
            {
                "messageId": str(uuid.uuid4()),
                "receiptHandle": f"rh-{n}",
                "body": body,
                "attributes": {
                    "ApproximateReceiveCount": "1",
                    "SentTimestamp": "1795940102000",
                    "SenderId": "AIDA",
                    "ApproximateFirstReceiveTimestamp": "1795940102000",
                },
                "messageAttributes": {},
                "md5OfBody": hashlib.md5(body.encode()).hexdigest(),  # noqa: S324
                "eventSource": "aws:sqs",
                "eventSourceARN": f"arn:aws:sqs:{REGION}:000000000000:link-activity",
                "awsRegion": REGION,
            }
            for n, body in enumerate(bodies)
        ]
    }


def put_own_visitor(ambassador_id: str, day: str, visitor_hash: str) -> None:
    """What the share intent writes before it answers (the recorder only checks it exists)."""
    aws.dynamodb().put_item(
        TableName=config.tables().table_name,
        Item=serialize({**keys.own_visitor(ambassador_id, day, visitor_hash), "entity": "own_visitor"}),
    )


def _all_items() -> list[dict[str, Any]]:
    client = aws.dynamodb()
    request: dict[str, Any] = {"TableName": config.tables().table_name}
    out: list[dict[str, Any]] = []
    while True:
        got = client.scan(**request)
        out.extend(deserialize(i) for i in got.get("Items", []))
        if "LastEvaluatedKey" not in got:
            return out
        request["ExclusiveStartKey"] = got["LastEvaluatedKey"]


def stats_snapshot() -> dict[tuple[str, str], Counter[str]]:
    """Every stats item's counters, shards summed: (pk, sk without the shard) → counters."""
    names = counter_names()
    out: dict[tuple[str, str], Counter[str]] = {}
    for stored in _all_items():
        if not str(stored["pk"]).startswith("STATS#"):
            continue
        item = from_stats_item(stored)
        assert set(item) <= {*names, "pk", "sk", "entity"}, f"not a counter: {set(item) - set(names)}"
        scope = str(item["sk"]).rsplit("#", 1)[0]
        counters = out.setdefault((item["pk"], scope), Counter())
        counters.update({name: int(item[name]) for name in names if item.get(name)})
    return {k: +v for k, v in out.items() if +v}


def click_records() -> dict[str, dict[str, Any]]:
    return {str(i["pk"]).removeprefix("CLICK#"): i for i in _all_items() if str(i["pk"]).startswith("CLICK#")}


def points_snapshot() -> dict[tuple[str, str], dict[str, Any]]:
    """Every points item (both of each ambassador and period) as stored, by (pk, sk)."""
    return {
        (str(i["pk"]), str(i["sk"])): i for i in _all_items() if str(i["pk"]).startswith(keys.POINTS_PREFIX)
    }


def clear_table() -> None:
    client = aws.dynamodb()
    table = config.tables().table_name
    for item in _all_items():
        client.delete_item(TableName=table, Key=serialize({"pk": item["pk"], "sk": item["sk"]}))


def counting(client: Any) -> tuple[Counter[str], Any]:
    """Count the requests a client makes, by operation; returns the counter and an unregister."""
    calls: Counter[str] = Counter()

    def count(model: Any, **_: Any) -> None:
        calls[model.name] += 1

    client.meta.events.register("before-call.dynamodb", count)
    return calls, lambda: client.meta.events.unregister("before-call.dynamodb", count)

"""Hostile input for tests: webhook deliveries signed as each provider signs them whatever their
bytes, a watch on everything a request could change (every table's items, the queues functions
send to, every event on the bus), and hypothesis strategies for bodies, headers, ids and query
strings meant to break parsers (deep nesting, huge numbers, odd unicode, ``NaN``, duplicate keys,
wrong types, the providers' samples with parts replaced).

Two hypothesis profiles, registered on import: ``hostile-default`` keeps ``make test`` quick (a
handful of examples per property, set by :func:`fuzz_settings`); ``hostile-fuzz`` (``make fuzz``,
which sets ``HYPOTHESIS_PROFILE=fuzz``) runs the same properties with 1,000 examples each.
"""

from __future__ import annotations

import json
import math
import os
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import boto3
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from kring.dal import keys
from tests.support import ashby, greenhouse, lever, recruitee, smartrecruiters, teamtailor, workable
from tests.support.ats_fixtures import ProviderSamples, hmac_hex
from tests.support.fixtures import REGION, MotoStack

# ------------------------------------------------------------------------------------ profiles
_FUZZ_SETTINGS: dict[str, Any] = {
    "deadline": None,  # moto's first calls are slow, and timing is no property here
    "suppress_health_check": [HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
}
settings.register_profile("hostile-default", max_examples=12, **_FUZZ_SETTINGS)
settings.register_profile("hostile-fuzz", max_examples=1000, **_FUZZ_SETTINGS)
PROFILE = "hostile-fuzz" if os.environ.get("HYPOTHESIS_PROFILE") == "fuzz" else "hostile-default"


def fuzz_settings(examples: int | None = None) -> Callable[[Any], Any]:
    """The profile's settings for one property: ``examples`` is its number in ``make test`` (the
    fuzz profile keeps its own)."""
    profile = settings.get_profile(PROFILE)
    if examples is None or PROFILE == "hostile-fuzz":
        return settings(profile)
    return settings(profile, max_examples=examples)


# ------------------------------------------------------------------------------------ state
@dataclass(frozen=True)
class State:
    items: dict[str, list[str]]
    messages: dict[str, int]
    events: int


class StackWatch:
    """Everything a request to the stack could change: the items of every table, the messages on
    every queue a function sends to (a function can send only to a queue whose URL the template
    gives it; the other queues are fed by bus rules, which the capture below sees first), and every
    ``kring.*`` event put on the bus (captured by a rule of its own)."""

    def __init__(self, stack: MotoStack) -> None:
        self._ddb = boto3.client("dynamodb", region_name=REGION)
        self._sqs = boto3.client("sqs", region_name=REGION)
        self._keys = {
            t["TableName"]: tuple(k["AttributeName"] for k in t["KeySchema"]) for t in stack.stack.tables()
        }
        self._tables = list(self._keys)
        given = {str(v) for spec in stack.stack.functions().values() for v in spec.environment.values()}
        self._queues = {logical: url for logical, url in stack.queue_urls.items() if url in given}
        assert self._queues, "no function is given a queue URL: the watch would see no queue"
        self._capture = self._sqs.create_queue(QueueName="capture-every-kring-event")["QueueUrl"]
        arn = self._sqs.get_queue_attributes(QueueUrl=self._capture, AttributeNames=["QueueArn"])[
            "Attributes"
        ]["QueueArn"]
        bus = stack.stack.physical_name("KringBus")
        events = boto3.client("events", region_name=REGION)
        events.put_rule(
            Name="capture-every-kring-event",
            EventBusName=bus,
            EventPattern=json.dumps({"source": [{"prefix": "kring."}]}),
        )
        events.put_targets(
            Rule="capture-every-kring-event", EventBusName=bus, Targets=[{"Id": "q", "Arn": arn}]
        )

    def _count(self, url: str) -> int:
        attributes = self._sqs.get_queue_attributes(
            QueueUrl=url,
            AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
        )["Attributes"]
        return int(attributes["ApproximateNumberOfMessages"]) + int(
            attributes["ApproximateNumberOfMessagesNotVisible"]
        )

    def state(self) -> State:
        """What the stack holds, but for the ATS status items: a refused delivery is noted there as
        the ATS's last error (tests/integration/test_dashboard_connections.py checks that)."""
        items = {}
        status = keys.ats_last_delivery("")["pk"]
        for table in self._tables:
            found: list[str] = []
            for page in self._ddb.get_paginator("scan").paginate(TableName=table):
                found.extend(
                    json.dumps(item, sort_keys=True)
                    for item in page["Items"]
                    if item.get(keys.PK, {}).get("S") != status
                )
            items[table] = sorted(found)
        messages = {logical: self._count(url) for logical, url in self._queues.items()}
        return State(items=items, messages=messages, events=self._count(self._capture))

    def settle(self, before: State, *, refused: bool) -> None:
        """After one request: a refused one must have changed nothing; an accepted one's item writes
        are undone (queued messages and events are only counted), so each example starts from the
        same tables and a long fuzz run does not scan ever larger ones."""
        if refused:
            assert self.state() == before
            return
        for table, key_names in self._keys.items():
            wanted = {self._key(item, key_names): item for item in map(json.loads, before.items[table])}
            for page in self._ddb.get_paginator("scan").paginate(TableName=table):
                for item in page["Items"]:
                    key = self._key(item, key_names)
                    if key not in wanted:
                        self._ddb.delete_item(TableName=table, Key=json.loads(key))
                    elif wanted[key] != item:
                        self._ddb.put_item(TableName=table, Item=wanted[key])
            for key, item in wanted.items():
                if not self._ddb.get_item(TableName=table, Key=json.loads(key)).get("Item"):
                    self._ddb.put_item(TableName=table, Item=item)

    @staticmethod
    def _key(item: dict[str, Any], names: tuple[str, ...]) -> str:
        return json.dumps({name: item[name] for name in names}, sort_keys=True)


# ------------------------------------------------------------------------------------ signing
PROVIDERS = ("greenhouse", "lever", "ashby", "recruitee", "teamtailor", "workable", "smartrecruiters")
# Each way a provider signs: Teamtailor signs company webhooks (TT-Signature, over the inner payload)
# and partner-programme requests (Teamtailor-Signature, over the raw body) differently.
SCHEMES = (*PROVIDERS, "teamtailor-partner")


def provider_of(scheme: str) -> str:
    return scheme.partition("-")[0]


SAMPLES: dict[str, tuple[str, ...]] = {
    "greenhouse": (
        "job_created",
        "job_post_created",
        "job_post_updated",
        "new_candidate_application",
    ),
    "lever": lever.SAMPLES,
    "ashby": tuple(ashby.SAMPLES),
    "recruitee": tuple(recruitee.SAMPLES),
    "teamtailor": tuple(teamtailor.COMPANY_SAMPLES),
    "teamtailor-partner": tuple(teamtailor.PARTNER_SAMPLES),
    "workable": tuple(workable.SAMPLES),
    "smartrecruiters": tuple(smartrecruiters.SAMPLES),
}
SIGNATURE_HEADERS: dict[str, tuple[str, ...]] = {
    "greenhouse": ("Signature", "Greenhouse-Event-ID"),
    "lever": (),
    "ashby": ("Ashby-Signature",),
    "recruitee": ("X-Recruitee-Signature",),
    "teamtailor": ("TT-Signature", "Teamtailor-Signature"),
    "teamtailor-partner": ("Teamtailor-Signature", "TT-Signature"),
    "workable": ("X-Workable-Signature",),
    "smartrecruiters": (
        "smartrecruiters-signature",
        "smartrecruiters-timestamp",
        "event-id",
        "event-name",
        "event-version",
        "link",
        "X-Hook-Secret",
    ),
}


def sample_payload(scheme: str, name: str) -> Any:
    """A sample's JSON as :func:`signed` takes it: for Teamtailor's company webhooks its inner
    ``payload`` (what is signed), for Lever its event and data (the rest of a Lever body is the
    signature), for the others the whole body."""
    whole = ProviderSamples(provider_of(scheme)).payload(name)
    if scheme == "teamtailor":
        return whole["payload"]
    if scheme == "lever":
        return {"event": whole["event"], "data": whole["data"]}
    return whole


_HEADER_SIGNED: dict[str, Callable[[bytes], dict[str, str]]] = {
    "greenhouse": greenhouse.headers,
    "ashby": ashby.headers,
    "recruitee": recruitee.headers,
    "workable": workable.headers,
}


def signed(
    scheme: str, data: bytes, *, event_name: str = "application.created"
) -> tuple[bytes, dict[str, str]]:
    """A delivery of ``data`` signed as ``scheme`` (a provider, or ``teamtailor-partner``) signs.
    Header-signed providers sign the body, which is ``data`` itself (SmartRecruiters with
    ``event_name`` in its headers). Lever's signature travels in the body: ``data`` (a JSON
    object's text) gets ``token``, ``triggeredAt`` and ``signature`` added. Teamtailor signs its
    inner ``payload``, which is ``data`` as it is; its partner programme the raw body."""
    if scheme in _HEADER_SIGNED:
        return data, _HEADER_SIGNED[scheme](data)
    if scheme == "smartrecruiters":
        return data, smartrecruiters.headers(data, event_name)
    if scheme == "teamtailor-partner":
        now = int(time.time())
        digest = hmac_hex(f"{now}.".encode() + data)
        return data, {"Content-Type": "application/json", "Teamtailor-Signature": f"t={now},v1={digest}"}
    if scheme == "teamtailor":
        sig = teamtailor.signature(data, int(time.time()))
        return b'{"payload":' + data + b',"signature":"' + sig.encode() + b'"}', teamtailor.headers(sig)
    if scheme != "lever":
        raise AssertionError(f"no signing for {scheme}")
    token = secrets.token_hex(24)
    at = lever.ms(datetime.now(UTC))
    fields = json.dumps({"token": token, "triggeredAt": at, "signature": lever.sign(token, at)})
    stripped = data.strip()
    inner = stripped[1:-1].strip() if stripped.startswith(b"{") and stripped.endswith(b"}") else b""
    body = fields[:-1].encode() + ((b"," + inner) if inner else b"") + b"}"
    return body, dict(lever.HEADERS)


# ------------------------------------------------------------------------------------ strategies
ODD_TEXT = st.one_of(
    st.text(max_size=30),
    st.sampled_from(
        [
            "",
            " ",
            "\u0000",
            "\u202e\u2066evil",  # bidi overrides
            "e\u0301",  # a combining accent
            "\ufeff",  # a byte-order mark
            "\U0001f600" * 3,
            "x" * 3000,
            "https://\u0430pple.com/",  # a Cyrillic a
            "https://[::1",  # a URL Python's urlsplit refuses
            "AbCdE12345",
            "E1001 ",
            "2024-05-20T08:41:07Z",
            "9999-12-31T23:59:59+14:00",
            "-999999999-01-01",
            "1e999",
        ]
    ),
)
HUGE_NUMBERS = st.sampled_from(
    [2**63, -(2**63) - 1, 10**40, -(10**40), 10**4000, 1e308, -1e308, 5e-324, 0.1, -0.0, 2**53 + 1]
)
SCALARS: st.SearchStrategy[Any] = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    HUGE_NUMBERS,
    st.floats(allow_nan=True, allow_infinity=True),
    ODD_TEXT,
)
JSON_VALUES: st.SearchStrategy[Any] = st.recursive(
    SCALARS,
    lambda children: st.one_of(
        st.lists(children, max_size=4), st.dictionaries(ODD_TEXT, children, max_size=4)
    ),
    max_leaves=12,
)


def deep(depth: int, leaf: str = "1") -> str:
    """``depth`` levels of nesting, alternating arrays and objects, around ``leaf``."""
    opening = "".join('{"a":' if i % 2 else "[" for i in range(depth))
    closing = "".join("}" if i % 2 else "]" for i in reversed(range(depth)))
    return opening + leaf + closing


def _dumps(value: Any) -> str:
    """JSON text the way a careless sender writes it: ``NaN``/``Infinity`` literals allowed."""
    return json.dumps(value, allow_nan=True, ensure_ascii=False)


# Whole JSON texts no well-behaved sender would produce.
HOSTILE_TEXTS: st.SearchStrategy[str] = st.one_of(
    st.integers(min_value=1, max_value=3000).map(deep),
    st.sampled_from(
        [
            "NaN",
            "[Infinity, -Infinity]",
            "[1e999]",
            '{"a": -1e999}',
            "1" * 5000,
            '{"a": 1, "a": 2}',
            '{"a": 1, "a": {"b": [1, 2]}}',
            '["\\ud800"]',
            '{"\\udfff": 1}',
            '"\\u0000"',
            "[1, 2,]",
            "{'a': 1}",
            "",
            "   ",
            "null",
            "true",
            "[]",
            "{}",
            '"text"',
        ]
    ),
    JSON_VALUES.map(_dumps),
)
# Bytes that are not even text.
HOSTILE_BYTES: st.SearchStrategy[bytes] = st.one_of(
    st.binary(max_size=200),
    st.sampled_from([b"\xff\xfe{}", b"\xef\xbb\xbf{}", b'{"a": "\xc3"}', b'"\xed\xa0\x80"', b"\x00" * 10]),
)


@st.composite
def mutated(draw: st.DrawFn, base: Any, replacement: st.SearchStrategy[Any] = JSON_VALUES) -> Any:
    """``base`` (a JSON value) with a few of its parts — keys, values, whole branches — replaced by
    generated ones: the payload still looks like the provider's, and reaches its deeper readers."""
    value = json.loads(json.dumps(base))
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        value = _replace_somewhere(draw, value, replacement)
    return value


def _replace_somewhere(draw: st.DrawFn, value: Any, replacement: st.SearchStrategy[Any]) -> Any:
    if not isinstance(value, dict | list) or not value or draw(st.integers(0, 5)) == 0:
        return draw(replacement)
    if isinstance(value, list):
        index = draw(st.integers(0, len(value) - 1))
        value[index] = _replace_somewhere(draw, value[index], replacement)
        return value
    key = draw(st.sampled_from(sorted(value)))
    if draw(st.integers(0, 9)) == 0:
        value.pop(key)
        return value
    value[key] = _replace_somewhere(draw, value[key], replacement)
    return value


def deep_value(depth: int) -> Any:
    """A nested value built without recursion (for :func:`mutated`)."""
    out: Any = 1
    for i in range(depth):
        out = {"a": out} if i % 2 else [out]
    return out


PAYLOAD_REPLACEMENTS: st.SearchStrategy[Any] = st.one_of(
    JSON_VALUES,
    st.integers(min_value=60, max_value=1200).map(deep_value),
    st.sampled_from([math.nan, math.inf, -math.inf, 10**4000, "x" * 5000]),
)


def payload_text(value: Any) -> bytes:
    """A generated payload as a sender writes it; deep values with the stdlib's recursion
    avoided (the JSON is built from the outside in)."""
    return _dumps_iterative(value).encode("utf-8", "surrogatepass")


def _dumps_iterative(value: Any) -> str:
    parts: list[str] = []
    stack: list[Any] = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, _Raw):
            parts.append(item.text)
        elif isinstance(item, dict):
            stack.append(_Raw("}"))
            entries = list(item.items())
            for index, (key, child) in enumerate(reversed(entries)):
                stack.append(child)
                stack.append(_Raw(_dumps(str(key)) + ":"))
                if index < len(entries) - 1:
                    stack.append(_Raw(","))
            stack.append(_Raw("{"))
        elif isinstance(item, list):
            stack.append(_Raw("]"))
            for index, child in enumerate(reversed(item)):
                stack.append(child)
                if index < len(item) - 1:
                    stack.append(_Raw(","))
            stack.append(_Raw("["))
        else:
            parts.append(_dumps(item))
    return "".join(parts)


@dataclass(frozen=True)
class _Raw:
    text: str

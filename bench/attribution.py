"""Attribution against Amazon's DynamoDB Local: requests per candidate event and per click.

The world first, outside anything measured: 20 vacancies (one post per ATS job), 150
ambassadors (profiles and e-mail pointers, through the ambassadors logic), a share link for
every link of the click stream, and that click stream — the one ``bench/click_recording.py``
builds — recorded through the real ClickRecorderFunction handler. That table is copied into
fresh tables for every run.

Measured, through the real AttributionFunction handler in SQS batches of the template's
BatchSize, each with a botocore hook counting the requests Kring's own clients send:

1. **candidate events**: applications from visitors of the recorded clicks (their click
   tokens, sometimes two), referrals by employee id or referrer e-mail, share codes, bot clicks'
   tokens, no evidence at all, and a few tokens whose click is not recorded yet (the recorder
   lagging: the late-click handshake); most with the candidate's e-mail hash, some without a post
   id (a Query of the job's posts); then stage changes, rejections, hires (some as a move into a
   ``hired`` stage), a few unhires; about a quarter of the hired applications arrive after their
   hire (an ATS backfill), and ~5% of messages are delivered twice (in the same batch or up to
   500 messages later).
2. **LinkClicked, click recorded first** (the normal case: CandidateEventsQueue delays every
   message 20 s for this): the same click stream, every kind, after the late clicks are recorded
   (untimed) — those reconsider the applications that waited for them.
3. **LinkClicked, attribution first**: clicks whose record is not written yet (the recorder
   backed up past the delay): the click's side of the handshake marks a click-wait item.

Baselines, in the same run against fresh copies of the same table: a bare boto3 loop sending the
very write requests Kring sent (its TransactWriteItems, and the UpdateItems that record an
announcement — the state's version conditions need both), and one sending every request (its
reads, and its PutEvents). PutEvents is answered inside the process on both sides
(:mod:`bench.canned_aws`: botocore signs, serialises and parses, no network). Median of three
runs each, after an untimed warm-up round.

Capacity, by DynamoDB's on-demand rules, from the requests Kring sent (as click_recording does,
but sized: attribution's state items are often over 1 KB): every DynamoDB request is replayed
once more, untimed, on another fresh copy, reading the items each write touches before and after
it. A write costs 1 unit per KB (rounded up per item) of the larger of the two, twice that for
each item of a transaction (a ConditionCheck too, as an item of the transaction); a strongly
consistent read 1 unit per 4 KB per key, a key not found included, an eventually consistent one
half that. (DynamoDB Local's own ``ConsumedCapacity`` does not follow these rules for
transactions — a six-item transaction reports 6 units — so it is not used.)
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
import warnings
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from bench import click_recording as cr

RESULTS = Path(__file__).resolve().parent / "results"
REPEATS = 3
APPLICATIONS = int(os.environ.get("BENCH_APPLICATIONS", "1000"))
CLICKS = int(os.environ.get("BENCH_ATTRIBUTION_CLICKS", "2000"))
UNRECORDED_CLICKS = int(os.environ.get("BENCH_UNRECORDED_CLICKS", "500"))
PROVIDER = "greenhouse"
REWARD_AMOUNT = "500"
IDENTITY_KEY = "bench-identity-hash-key"  # not a secret: DynamoDB Local, made-up people

CANDIDATES = "candidate_events"
CLICKS_RECORDED = "clicks_recorded_first"
CLICKS_UNRECORDED = "clicks_attribution_first"
PHASES = (CANDIDATES, CLICKS_RECORDED, CLICKS_UNRECORDED)
LATE_SETUP = "late_clicks_recorded"  # between phases 1 and 2: untimed, replayed untimed
WRITE_OPERATIONS = frozenset({"TransactWriteItems", "PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem"})
READ_OPERATIONS = frozenset({"BatchGetItem", "GetItem", "Query"})


# ------------------------------------------------------------------------------------ the world
@dataclass
class World:
    vacancies: list[str]
    ambassadors: list[str]
    links: dict[str, tuple[str, str]]  # share code → (vacancy, ambassador)
    recorded: list[dict[str, Any]]  # the click stream's envelopes recorded before anything
    late: list[dict[str, Any]]  # recorded only after the candidate events
    link_clicks: list[dict[str, Any]]  # every LinkClicked of the stream, as delivered
    unrecorded: list[dict[str, Any]]  # LinkClicked never recorded
    markers: list[tuple[str, str, str]]


def _email(ambassador: str) -> str:
    return f"{ambassador.lower()}@example.com"


def world(seed: int = 11) -> tuple[World, list[dict[str, Any]]]:
    """The world and the candidate events' envelopes in delivery order."""
    delivered, markers = cr.stream(seed=seed, distinct=CLICKS)
    clicks = [e for e in delivered if e["detail-type"] == "LinkClicked"]
    distinct = list({e["detail"]["click_id"]: e["detail"] for e in clicks}.values())
    links = {d["code"]: (d["vacancy_id"], d["ambassador_id"]) for d in distinct}
    rng = random.Random(seed)
    events, late_tokens = candidate_events(rng, distinct, links)
    unrecorded_stream, _ = cr.stream(seed=seed + 1, distinct=UNRECORDED_CLICKS)
    built = World(
        vacancies=sorted({d["vacancy_id"] for d in distinct}),
        ambassadors=[f"E{1000 + n}" for n in range(150)],
        links=links,
        recorded=[e for e in delivered if e["detail"].get("click_id") not in late_tokens],
        late=[e for e in delivered if e["detail"].get("click_id") in late_tokens],
        link_clicks=clicks,
        unrecorded=[e for e in unrecorded_stream if e["detail-type"] == "LinkClicked"],
        markers=markers,
    )
    return built, events


def _candidate_hash(n: int) -> str:
    return hashlib.md5(f"bench-candidate-{n}".encode()).hexdigest()  # noqa: S324 - a fake keyed hash


def candidate_events(  # noqa: PLR0912, PLR0915 - one story per application, told in order
    rng: random.Random, clicks: Sequence[dict[str, Any]], links: dict[str, tuple[str, str]]
) -> tuple[list[dict[str, Any]], set[str]]:
    """Envelopes of the candidate events (with redeliveries, in delivery order), and the click
    tokens whose clicks must be recorded only afterwards."""
    from kring.events import (
        ApplicationEvidence,
        ApplicationReceived,
        ApplicationRejected,
        CandidateHired,
        CandidateStageChanged,
        CandidateUnhired,
    )
    from kring.links import identity

    humans = [c for c in clicks if c["visitor_kind"] == "human"]
    bots = [c for c in clicks if c["visitor_kind"] != "human"]
    by_visitor: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for click in humans:
        by_visitor[click["visitor"]].append(click)
    ambassadors = sorted({a for _, a in links.values()})
    vacancies = sorted({v for v, _ in links.values()})
    codes = sorted(links)
    late: set[str] = set()
    timed: list[tuple[datetime, Any]] = []
    start = min(datetime.fromisoformat(c["occurred_at"].replace("Z", "+00:00")) for c in clicks)

    def when(click: dict[str, Any]) -> datetime:
        return datetime.fromisoformat(click["occurred_at"].replace("Z", "+00:00"))

    for n in range(APPLICATIONS):
        roll = rng.random()
        tokens: list[str] = []
        referrer_ids: list[str] = []
        referrer_hashes: list[str] = []
        share_codes: list[str] = []
        vacancy = rng.choice(vacancies)
        applied = start + timedelta(hours=rng.uniform(1, 72))
        if roll < 0.54:  # a candidate who clicked an ambassador's link (a late click for 2%)
            click = rng.choice(humans)
            if roll < 0.02:
                late.add(click["click_id"])
            tokens.append(click["click_id"])
            vacancy = click["vacancy_id"]
            applied = when(click) + timedelta(hours=min(rng.expovariate(1 / 8), 24 * 20))
            earlier = [c for c in by_visitor[click["visitor"]] if c is not click and when(c) <= applied]
            if earlier and rng.random() < 0.3:  # came back through another link before applying
                tokens.append(rng.choice(earlier)["click_id"])
        elif roll < 0.56:  # a token from a click classified as a bot (an in-app preview, say)
            click = rng.choice(bots)
            tokens.append(click["click_id"])
            vacancy = click["vacancy_id"]
            applied = when(click) + timedelta(hours=rng.uniform(0.1, 12))
        elif roll < 0.64:  # referred by employee id, sometimes with the referrer's own link clicked
            referrer_ids.append(rng.choice(ambassadors))
            if rng.random() < 0.4:
                click = rng.choice(humans)
                tokens.append(click["click_id"])
                vacancy = click["vacancy_id"]
                applied = when(click) + timedelta(hours=rng.uniform(0.1, 48))
        elif roll < 0.68:  # referred by the referrer's e-mail address
            referrer_hashes.append(str(identity.email_hash(_email(rng.choice(ambassadors)))))
        elif roll < 0.73:  # a share code in the referring URL, no token
            code = rng.choice(codes)
            share_codes.append(code)
            vacancy = links[code][0]
        # else: no evidence at all (career site, job board)
        candidate_hash: str | None = None
        if rng.random() < 0.85:
            candidate_hash = str(identity.email_hash(f"candidate{n}@example.org"))
            if referrer_ids and rng.random() < 0.05:  # the ambassador referring themselves
                candidate_hash = str(identity.email_hash(_email(referrer_ids[0])))
        post = vacancy.removeprefix(f"{PROVIDER}-")
        common = {
            "provider": PROVIDER,
            "application_id": str(700_000 + n),
            "candidate_key": _candidate_hash(n),
            "job_id": f"J{post}",
            "post_id": post if rng.random() < 0.9 else None,
        }

        def ident(kind: str, n: int = n) -> dict[str, Any]:
            return {
                "event_id": f"{PROVIDER}:{700_000 + n}:{kind}",
                "correlation_id": f"{PROVIDER}:{n}:{kind}",
            }

        story: list[tuple[datetime, Any]] = []
        received = ApplicationReceived(
            **common,
            **ident("received"),
            occurred_at=applied,
            stage="applied",
            stage_name="Application Review",
            evidence=ApplicationEvidence(
                referrer_employee_ids=tuple(referrer_ids),
                referrer_email_hashes=tuple(referrer_hashes),
                click_tokens=tuple(tokens),
                share_codes=tuple(share_codes),
                candidate_email_hash=candidate_hash,
            ),
        )
        at = applied
        stage = "applied"
        for kind, name, chance in (
            ("screening", "Phone Screen", 0.5),
            ("interview", "Face to Face", 0.5),
            ("offer", "Offer", 0.4),
        ):
            if rng.random() >= chance:
                break
            at += timedelta(days=rng.uniform(1, 8))
            stage = kind
            story.append(
                (
                    at,
                    CandidateStageChanged(
                        **common, **ident(kind), occurred_at=at, stage=kind, stage_name=name
                    ),
                )
            )
        hired_at: datetime | None = None
        if stage == "offer" and rng.random() < 0.6:
            hired_at = at + timedelta(days=rng.uniform(2, 14))
            if rng.random() < 0.3:  # a move into a stage of kind hired is a hire too
                hire: Any = CandidateStageChanged(
                    **common, **ident("hired"), occurred_at=hired_at, stage="hired", stage_name="Hired"
                )
            else:
                hire = CandidateHired(**common, **ident("hired"), occurred_at=hired_at)
            story.append((hired_at, hire))
            if rng.random() < 0.1:
                gone = hired_at + timedelta(days=rng.uniform(1, 30))
                story.append((gone, CandidateUnhired(**common, **ident("unhired"), occurred_at=gone)))
        elif rng.random() < 0.45:
            rejected = at + timedelta(days=rng.uniform(1, 10))
            story.append((rejected, ApplicationRejected(**common, **ident("rejected"), occurred_at=rejected)))
        # delivered within two minutes of happening; a quarter of the hired applications only
        # after their hire (the ATS's backfill of a candidate added late)
        delivered_at = applied
        if hired_at is not None and rng.random() < 0.25:
            delivered_at = hired_at + timedelta(minutes=rng.uniform(1, 30))
        timed.append((delivered_at + timedelta(seconds=rng.uniform(0, 120)), received))
        timed.extend((moment + timedelta(seconds=rng.uniform(0, 120)), event) for moment, event in story)
    timed.sort(key=lambda pair: pair[0])
    envelopes = [_envelope(event) for _, event in timed]
    # About 5% are delivered again: right away (often in the same batch) or up to 500 later.
    slots: list[tuple[float, dict[str, Any]]] = []
    for position, envelope in enumerate(envelopes):
        slots.append((position, envelope))
        if rng.random() < 0.05:
            slots.append((position + rng.choice((0, 0, rng.randint(1, 500))) + 0.5, copy.deepcopy(envelope)))
    slots.sort(key=lambda slot: slot[0])
    return [envelope for _, envelope in slots], late


def _envelope(event: Any) -> dict[str, Any]:
    """The EventBridge envelope CandidateEventsRule puts on the queue."""
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": event.detail_type(),
        "source": event.SOURCE,
        "account": "000000000000",
        "time": event.occurred_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": "eu-west-1",
        "resources": [],
        "detail": json.loads(event.model_dump_json()),
    }


# ------------------------------------------------------------------------------------ tables
def _environment() -> None:
    """Before anything imports Powertools: its Logger reads these once."""
    os.environ.pop("SECRETS_SSM_PATH", None)
    os.environ.update(
        {
            "AWS_ACCESS_KEY_ID": "bench",
            "AWS_SECRET_ACCESS_KEY": "bench",
            "AWS_DEFAULT_REGION": "eu-west-1",
            "ATTRIBUTION_WINDOW_DAYS": "30",
            "ATTRIBUTION_MODEL": "last_click",
            "REWARD_AMOUNT": REWARD_AMOUNT,
            "REWARD_CURRENCY": "EUR",
            "REWARD_HOLDING_DAYS": "90",
            "EVENT_BUS_NAME": "kring-bench",
            "PUBLIC_BASE_URL": "https://go.example.com",
            "KRING_IDENTITY_HASH_KEY": IDENTITY_KEY,
            "POWERTOOLS_METRICS_DISABLED": "true",
            "POWERTOOLS_LOG_LEVEL": "WARNING",
            "POWERTOOLS_SERVICE_NAME": "kring",
            "POWERTOOLS_METRICS_NAMESPACE": "KringBench",
        }
    )


def _point_kring_at(tables: cr._Tables, table: str, idempotency_table: str) -> None:
    from kring.links import identity

    cr._point_kring_at(tables, table, idempotency_table)
    identity.clear_cache()


def _restore(tables: cr._Tables, items: Sequence[dict[str, Any]]) -> tuple[str, str]:
    """Fresh tables holding ``items`` (the world as it was before anything measured)."""
    table, idempotency_table = tables.fresh()
    for start in range(0, len(items), 25):
        pending: Any = [{"PutRequest": {"Item": item}} for item in items[start : start + 25]]
        while pending:
            got = tables.client.batch_write_item(RequestItems={table: pending})
            pending = (got.get("UnprocessedItems") or {}).get(table)
    return table, idempotency_table


def _handler(name: str) -> Callable[..., Any]:
    from infra.local.template import Stack, load_handler

    return load_handler(Stack({"PublicBaseUrl": "https://go.example.com"}).functions()[name])


def _batch_size(function: str) -> int:
    from infra.local.template import Stack

    [source] = [
        s
        for s in Stack({"PublicBaseUrl": "https://go.example.com"}).queue_event_sources()
        if s.function == function
    ]
    return source.batch_size


def _deliver(handler: Callable[..., Any], function: str, batches: Iterable[dict[str, Any]]) -> None:
    from infra.local.lambda_runtime import LambdaContext
    from kring.observability import metrics

    for batch in batches:
        result = handler(batch, LambdaContext(function_name=function, timeout_seconds=60))
        if result != {"batchItemFailures": []}:
            raise RuntimeError(f"{function} failed messages: {result}")
        metrics.clear_metrics()


def seed_items(tables: cr._Tables, built: World) -> list[dict[str, Any]]:
    """The world, written through Kring where Kring writes it, then read back (a Scan)."""
    from kring.dal import keys
    from kring.dal.items import serialize
    from kring.models.ambassador import AmbassadorInput
    from kring.observability import metrics
    from kring.roster.ambassadors import save_ambassador

    table, idempotency_table = tables.fresh()
    _point_kring_at(tables, table, idempotency_table)
    for ambassador in built.ambassadors:
        save_ambassador(
            AmbassadorInput(id=ambassador, name=f"Ambassador {ambassador}", email=_email(ambassador))
        )
        metrics.clear_metrics()  # Powertools prints a full set (100 values) even when disabled
    plain: list[dict[str, Any]] = []
    for vacancy in built.vacancies:
        post = vacancy.removeprefix(f"{PROVIDER}-")
        plain.append(
            {
                **keys.vacancy(vacancy),
                **keys.vacancy_by_job_entry(PROVIDER, f"J{post}", vacancy),
                "entity": "vacancy",
                "id": vacancy,
                "provider": PROVIDER,
                "external_id": post,
                "status": "published",
                "url": f"https://job-boards.greenhouse.io/acme/jobs/{post}",
            }
        )
    for code, (vacancy, ambassador) in sorted(built.links.items()):
        plain.append(
            {
                **keys.share_link(code),
                **keys.share_link_by_vacancy_entry(vacancy, ambassador),
                **keys.share_link_by_ambassador_entry(ambassador, vacancy),
                "entity": "share_link",
                "code": code,
                "vacancy_id": vacancy,
                "ambassador_id": ambassador,
                "created_at": "2026-11-29T06:00:00+00:00",
            }
        )
    for item in plain:
        tables.client.put_item(TableName=table, Item=serialize(item))
    cr._put_markers(tables, table, built.markers)
    recorder = _handler("ClickRecorderFunction")
    _deliver(
        recorder,
        "ClickRecorderFunction",
        cr._sqs_batches(built.recorded, _batch_size("ClickRecorderFunction")),
    )
    items: list[dict[str, Any]] = []
    for page in tables.client.get_paginator("scan").paginate(TableName=table):
        items.extend(page["Items"])
    return items


# ------------------------------------------------------------------------------------ the runs
@dataclass
class Request:
    phase: str
    service: str
    operation: str
    params: dict[str, Any]
    failed: bool = False


@dataclass
class KringRun:
    seconds: dict[str, float]
    requests: dict[str, Counter[str]]
    sent: list[Request] = field(default_factory=list)
    capture_seconds: dict[str, float] = field(default_factory=dict)


class _Capture:
    """botocore hooks on Kring's DynamoDB and EventBridge clients: counts by phase, and every
    request sent (parameters as Kring built them, and whether it failed)."""

    def __init__(self) -> None:
        self.phase = "setup"
        self.requests: dict[str, Counter[str]] = defaultdict(Counter)
        self.sent: list[Request] = []
        self.own_seconds: dict[str, float] = defaultdict(float)  # the copies, inside Kring's time

    def count(self, model: Any, **_: Any) -> None:
        self.requests[self.phase][model.name] += 1

    def capture(self, params: dict[str, Any], model: Any, **_: Any) -> None:
        started = time.perf_counter()
        self.sent.append(
            Request(self.phase, model.service_model.service_name, model.name, copy.deepcopy(params))
        )
        self.own_seconds[self.phase] += time.perf_counter() - started

    def after(self, parsed: dict[str, Any], **_: Any) -> None:
        if "Error" in parsed:
            self.sent[-1].failed = True

    def install(self, client: Any, service: str) -> Callable[[], None]:
        hooks = (
            (f"before-call.{service}", self.count),
            (f"before-parameter-build.{service}", self.capture),
            (f"after-call.{service}", self.after),
        )
        for name, hook in hooks:
            client.meta.events.register(name, hook)

        def uninstall() -> None:
            for name, hook in hooks:
                client.meta.events.unregister(name, hook)

        return uninstall


def _kring_run(
    tables: cr._Tables,
    items: Sequence[dict[str, Any]],
    batches: dict[str, list[dict[str, Any]]],
    late: list[dict[str, Any]],
) -> KringRun:
    """The real handler over every phase's batches, on fresh copies of the world."""
    from bench.canned_aws import CannedAws
    from kring import aws

    table, idempotency_table = _restore(tables, items)
    _point_kring_at(tables, table, idempotency_table)
    attribution = _handler("AttributionFunction")
    recorder = _handler("ClickRecorderFunction")
    dynamodb, events = aws.dynamodb(), aws.events()
    CannedAws().install(events.meta.events)
    capture = _Capture()
    uninstall = [capture.install(dynamodb, "dynamodb"), capture.install(events, "events")]
    seconds: dict[str, float] = {}
    try:
        for phase in PHASES:
            if phase == CLICKS_RECORDED and late:
                capture.phase = LATE_SETUP
                _deliver(
                    recorder,
                    "ClickRecorderFunction",
                    cr._sqs_batches(late, _batch_size("ClickRecorderFunction")),
                )
            capture.phase = phase
            started = time.perf_counter()
            _deliver(attribution, "AttributionFunction", batches[phase])
            seconds[phase] = time.perf_counter() - started
    finally:
        for undo in uninstall:
            undo()
    return KringRun(
        seconds,
        {p: capture.requests[p] for p in PHASES},
        capture.sent,
        {p: capture.own_seconds[p] for p in PHASES},
    )


def _bare_clients(tables: cr._Tables) -> dict[str, Any]:
    import boto3

    from bench.canned_aws import CannedAws

    events = boto3.client(
        "events",
        region_name="eu-west-1",
        aws_access_key_id="bench",
        aws_secret_access_key="bench",  # noqa: S106 - answered in-process
    )
    CannedAws().install(events.meta.events)
    return {"dynamodb": tables.client, "events": events}


def _retarget(requests: Sequence[Request], old: str, new: str) -> list[Request]:
    """The same requests against another table (the stage in its name is unique)."""
    before, after = json.dumps(old), json.dumps(new)
    return [
        Request(
            r.phase,
            r.service,
            r.operation,
            json.loads(json.dumps(r.params, default=str).replace(before, after)),
            r.failed,
        )
        for r in requests
    ]


def _send(clients: dict[str, Any], request: Request, **extra: Any) -> dict[str, Any]:
    from botocore import xform_name
    from botocore.exceptions import ClientError

    call = getattr(clients[request.service], xform_name(request.operation))
    try:
        response: dict[str, Any] = call(**request.params, **extra)
    except ClientError:
        if request.failed:  # Kring's failed too (a conflict it then re-planned)
            return {}
        raise
    if request.failed:
        raise RuntimeError(f"the replay diverged: Kring's {request.operation} failed, the replay's did not")
    return response


def _bare_run(
    tables: cr._Tables,
    items: Sequence[dict[str, Any]],
    sent: Sequence[Request],
    old_table: str,
    keep: Callable[[Request], bool],
) -> dict[str, float]:
    """A bare boto3 loop sending the requests ``keep`` selects (already built) to fresh copies of
    the world; seconds per phase. The late clicks' recording is replayed between phases, untimed."""
    table, _ = _restore(tables, items)
    ready = _retarget([r for r in sent if r.phase == LATE_SETUP or keep(r)], old_table, table)
    clients = _bare_clients(tables)
    seconds = {}
    for phase in (CANDIDATES, LATE_SETUP, CLICKS_RECORDED, CLICKS_UNRECORDED):
        mine = [r for r in ready if r.phase == phase]
        started = time.perf_counter()
        for request in mine:
            _send(clients, request)
        seconds[phase] = time.perf_counter() - started
    return {phase: seconds[phase] for phase in PHASES}


def _is_write(request: Request) -> bool:
    return request.operation in WRITE_OPERATIONS


def _is_any(_: Request) -> bool:
    return True


def _key_of(key: dict[str, Any]) -> tuple[str, str]:
    return key["pk"]["S"], key["sk"]["S"]


def _sizes(client: Any, table: str, wanted: Sequence[dict[str, Any]]) -> dict[tuple[str, str], int]:
    """The size of each item (0: none) under ``wanted`` keys: the benchmark's own consistent read."""
    sizes = dict.fromkeys((_key_of(k) for k in wanted), 0)
    distinct = list({_key_of(k): k for k in wanted}.values())
    for start in range(0, len(distinct), 100):
        request: Any = {table: {"Keys": distinct[start : start + 100], "ConsistentRead": True}}
        while request:
            got = client.batch_get_item(RequestItems=request)
            for item in got["Responses"].get(table, []):
                sizes[_key_of(item)] = _item_bytes(item)
            request = got.get("UnprocessedKeys")
    return sizes


def _units(size: int, unit: int) -> int:
    return max(1, -(-size // unit))


def _capacity(
    tables: cr._Tables, items: Sequence[dict[str, Any]], sent: Sequence[Request], old_table: str
) -> dict[str, dict[str, float]]:
    """Write and read request units per phase, by DynamoDB's rules (see the module docstring):
    every DynamoDB request again, untimed, on a fresh copy, with the sizes of the items each
    write touches read before and after it."""
    table, _ = _restore(tables, items)
    clients = _bare_clients(tables)
    client = tables.client
    units: dict[str, dict[str, float]] = {p: defaultdict(float) for p in (*PHASES, LATE_SETUP)}
    for request in _retarget([r for r in sent if r.service == "dynamodb"], old_table, table):
        mine = units[request.phase]
        params = request.params
        operation = request.operation
        if operation in ("TransactWriteItems", "UpdateItem", "PutItem", "DeleteItem"):
            actions = (
                [next(iter(a.items())) for a in params["TransactItems"]]
                if operation == "TransactWriteItems"
                else [(operation.removesuffix("Item"), params)]
            )
            touched = [
                {"pk": where["pk"], "sk": where["sk"]}
                for where in (body.get("Item") or body["Key"] for _, body in actions)
            ]
            before = _sizes(client, table, touched)
            _send(clients, request)
            after = _sizes(client, table, touched)
            factor = 2 if operation == "TransactWriteItems" else 1
            for (verb, _), key in zip(actions, touched, strict=True):
                size = max(before[_key_of(key)], after[_key_of(key)])
                wru = factor * _units(size, 1024)
                mine["wru"] += wru
                if verb == "ConditionCheck":
                    mine["wru_other_transaction_items"] += wru
                    mine["wru_of_which_click_record_checks"] += wru
                elif operation != "TransactWriteItems":
                    mine[f"wru_{operation}"] += wru
                elif key["pk"]["S"].startswith("APPL#"):
                    mine["wru_state_puts"] += wru
                else:
                    mine["wru_other_transaction_items"] += wru
            continue
        got = _send(clients, request)
        if operation == "BatchGetItem":
            for name, wanted in params["RequestItems"].items():
                per_key = 1 if wanted.get("ConsistentRead") else 0.5
                found = got.get("Responses", {}).get(name, [])
                missing = len(wanted["Keys"]) - len(found)
                mine["rru"] += per_key * (missing + sum(_units(_item_bytes(i), 4096) for i in found))
                mine["rru_keys_not_found"] += per_key * missing
        elif operation == "GetItem":
            per_key = 1 if params.get("ConsistentRead") else 0.5
            mine["rru"] += per_key * _units(_item_bytes(got.get("Item") or {}), 4096)
        elif operation == "Query":
            per_read = 1 if params.get("ConsistentRead") else 0.5
            mine["rru"] += per_read * _units(sum(_item_bytes(i) for i in got.get("Items", [])), 4096)
    return units


# ------------------------------------------------------------------------------------ the report
def _state_items(sent: Sequence[Request]) -> dict[str, dict[str, Any]]:
    """The last Put of every application state in Kring's transactions (low-level items)."""
    out: dict[str, dict[str, Any]] = {}
    for request in sent:
        if request.operation != "TransactWriteItems":
            continue
        for action in request.params["TransactItems"]:
            item = action.get("Put", {}).get("Item")
            if item and item["pk"]["S"].startswith("APPL#"):
                out[item["pk"]["S"]] = item
    return out


def _transaction_items(sent: Sequence[Request], phase: str, events: int) -> dict[str, float]:
    """What Kring's transactions hold, per delivered event: the state's Put, the application-id
    aliases, the late-click registrations (a ConditionCheck and a click-wait Update), the reward
    entries, the counter items."""
    kinds: Counter[str] = Counter()
    for request in sent:
        if request.phase != phase or request.operation != "TransactWriteItems":
            continue
        for action in request.params["TransactItems"]:
            (verb, body), *_ = action.items()
            key = body.get("Item") or body["Key"]
            pk, sk = key["pk"]["S"], key["sk"]["S"]
            if verb == "ConditionCheck":
                kinds["click_record_check"] += 1
            elif pk.startswith("APPL#"):
                kinds["state_put"] += 1
            elif pk.startswith("APPID#"):
                kinds["alias"] += 1
            elif pk.startswith("CLICKWAIT#"):
                kinds["click_wait"] += 1
            elif sk.startswith("REWARD#"):
                kinds["reward"] += 1
            elif pk.startswith("STATS#"):
                kinds["counter_item"] += 1
            else:
                kinds[f"other:{pk.split('#')[0]}"] += 1
    return {kind: round(n / events, 4) for kind, n in sorted(kinds.items())}


def _item_bytes(item: dict[str, Any]) -> int:
    return sum(len(name.encode()) + cr._attribute_bytes(value) for name, value in item.items())


def _outcomes(sent: Sequence[Request]) -> dict[str, Any]:
    from kring.dal import attribution_states
    from kring.dal.items import deserialize

    states = _state_items(sent)
    methods: Counter[str] = Counter()
    for item in states.values():
        state = attribution_states.from_item(deserialize(item))
        methods[state.decision.method if state.decision else "undecided"] += 1
    put_sizes = sorted(
        _item_bytes(action["Put"]["Item"])
        for r in sent
        if r.operation == "TransactWriteItems" and r.phase == CANDIDATES
        for action in r.params["TransactItems"]
        if "Put" in action
    )
    actions = [
        len(r.params["TransactItems"])
        for r in sent
        if r.operation == "TransactWriteItems" and r.phase == CANDIDATES
    ]
    conditions = sum(
        "ConditionCheck" in a
        for r in sent
        if r.operation == "TransactWriteItems"
        for a in r.params["TransactItems"]
    )
    return {
        "application_states": len(states),
        "decisions": dict(methods.most_common()),
        "state_item_bytes_median": statistics.median(put_sizes) if put_sizes else 0,
        "state_item_bytes_max": put_sizes[-1] if put_sizes else 0,
        "state_items_over_1kb": round(sum(s > 1024 for s in put_sizes) / max(1, len(put_sizes)), 3),
        "transaction_actions_mean": round(statistics.mean(actions), 2) if actions else 0,
        "transaction_actions_max": max(actions) if actions else 0,
        "condition_checks": conditions,
        "failed_requests": sum(r.failed for r in sent),
    }


def _phase_result(
    phase: str,
    *,
    delivered: Sequence[dict[str, Any]],
    batch_size: int,
    runs: Sequence[KringRun],
    writes_times: Sequence[dict[str, float]],
    requests_times: Sequence[dict[str, float]],
    units: dict[str, float],
) -> dict[str, Any]:
    events = len(delivered)
    distinct = len({json.dumps(e["detail"], sort_keys=True) for e in delivered})
    requests = runs[-1].requests[phase]
    kring_s = statistics.median(r.seconds[phase] for r in runs)
    writes_s = statistics.median(t[phase] for t in writes_times)
    requests_s = statistics.median(t[phase] for t in requests_times)
    by_type = Counter(
        e["detail-type"] for e in {json.dumps(e["detail"], sort_keys=True): e for e in delivered}.values()
    )
    return {
        "events_delivered": events,
        "distinct_events": distinct,
        "duplicates": events - distinct,
        "distinct_by_type": dict(by_type.most_common()),
        "batch_size": batch_size,
        "batches": -(-events // batch_size),
        "requests": dict(sorted(requests.items())),
        "requests_per_event": {op: round(n / events, 4) for op, n in sorted(requests.items())},
        "writes_per_event": round(sum(n for op, n in requests.items() if op in WRITE_OPERATIONS) / events, 4),
        "reads_per_event": round(sum(n for op, n in requests.items() if op in READ_OPERATIONS) / events, 4),
        "write_request_units_per_event": round(units["wru"] / events, 3),
        "read_request_units_per_event": round(units["rru"] / events, 3),
        "request_units_per_event_by_source": {
            name: round(n / events, 3) for name, n in sorted(units.items()) if name not in ("wru", "rru")
        },
        "transaction_items_per_event": _transaction_items(runs[-1].sent, phase, events),
        "kring_seconds_runs": [round(r.seconds[phase], 3) for r in runs],
        "kring_seconds": round(kring_s, 3),
        "of_which_the_benchmarks_request_copies": round(
            statistics.median(r.capture_seconds[phase] for r in runs), 3
        ),
        "seconds_per_event": round(kring_s / events, 5),
        "kring_events_per_second": round(events / kring_s),
        "bare_writes_seconds": round(writes_s, 3),
        "ratio_to_bare_writes": round(kring_s / writes_s, 2) if writes_s > 0.05 else None,
        "bare_requests_seconds": round(requests_s, 3),
        "bare_requests_events_per_second": round(events / requests_s),
        "ratio_to_bare_requests": round(kring_s / requests_s, 2),
    }


def _measure(tables: cr._Tables) -> dict[str, Any]:
    built, events = world()
    size = _batch_size("AttributionFunction")
    delivered = {CANDIDATES: events, CLICKS_RECORDED: built.link_clicks, CLICKS_UNRECORDED: built.unrecorded}
    batches = {phase: cr._sqs_batches(delivered[phase], size) for phase in PHASES}
    items = seed_items(tables, built)
    old_table = os.environ["TABLE_NAME"]  # every run's requests name its own table; replays retarget

    # warm-up (DynamoDB Local's JVM, the handlers' imports), untimed
    warm_batches = {phase: b[:8] for phase, b in batches.items()}
    warm = _kring_run(tables, items, warm_batches, built.late)
    _bare_run(tables, items, warm.sent, os.environ["TABLE_NAME"], _is_any)

    runs: list[KringRun] = []
    writes_times, requests_times = [], []
    for _ in range(REPEATS):
        run = _kring_run(tables, items, batches, built.late)
        old_table = os.environ["TABLE_NAME"]
        runs.append(run)
        writes_times.append(_bare_run(tables, items, run.sent, old_table, _is_write))
        requests_times.append(_bare_run(tables, items, run.sent, old_table, _is_any))
    units = _capacity(tables, items, runs[-1].sent, old_table)
    largest = cr.largest_item_bytes(tables.client, os.environ["TABLE_NAME"])  # the last Kring run's
    result: dict[str, Any] = {
        "world": {
            "vacancies": len(built.vacancies),
            "ambassadors": len(built.ambassadors),
            "share_links": len(built.links),
            "items_before": len(items),
            "clicks_recorded_before": sum(e["detail-type"] == "LinkClicked" for e in built.recorded),
            "clicks_recorded_late": len({e["detail"]["click_id"] for e in built.late}),
            "reward_amount": REWARD_AMOUNT,
        },
        "outcomes": _outcomes(runs[-1].sent),
        "largest_item_bytes": largest,
        "late_setup_requests": dict(
            sorted(Counter(r.operation for r in runs[-1].sent if r.phase == LATE_SETUP).items())
        ),
    }
    for phase in PHASES:
        result[phase] = _phase_result(
            phase,
            delivered=delivered[phase],
            batch_size=size,
            runs=runs,
            writes_times=writes_times,
            requests_times=requests_times,
            units=units[phase],
        )
    return result


def main() -> None:
    _environment()
    # the handler's log_metrics warns on every batch that records no metric (duplicates only)
    warnings.filterwarnings("ignore", message="No application metrics to publish")
    from infra.local import dynamodb_local

    port = dynamodb_local.free_port()
    process = dynamodb_local.start(port)
    try:
        result = _measure(cr._Tables(f"http://127.0.0.1:{port}"))
    finally:
        dynamodb_local.stop(process)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "attribution.json").write_text(json.dumps(result, indent=2))
    print(json.dumps({p: result[p]["requests"] for p in PHASES}), flush=True)
    print("\n" + table_markdown(result))


def _by_source(columns: Sequence[dict[str, Any]], source: str) -> str:
    return " | ".join(f"{c['request_units_per_event_by_source'].get(source, 0):.2f}" for c in columns)


def table_markdown(r: dict[str, Any]) -> str:
    a = r[CANDIDATES]
    delivered = f"{a['events_delivered']:,} ({a['distinct_events']:,} + {a['duplicates']:,})"
    writes_ratio = f"{a['ratio_to_bare_writes']}x" if a["ratio_to_bare_writes"] is not None else "-"
    head = [
        "| candidate events delivered (distinct + redelivered) | batch | TransactWriteItems / event "
        "| reads / event | Kring handler | bare boto3, same writes | ratio "
        "| bare boto3, same requests | ratio |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        f"| {delivered} | {a['batch_size']} | {a['requests_per_event'].get('TransactWriteItems', 0):.3f} "
        f"| {a['reads_per_event']:.3f} | {a['kring_seconds']:.2f} s ({a['kring_events_per_second']:,}/s) "
        f"| {a['bare_writes_seconds']:.2f} s | {writes_ratio} | {a['bare_requests_seconds']:.2f} s "
        f"| {a['ratio_to_bare_requests']}x |",
    ]
    columns = [r[p] for p in PHASES]
    shown = ("BatchGetItem", "GetItem", "Query", "TransactWriteItems", "UpdateItem", "PutEvents")
    operations = [*shown, *sorted({op for c in columns for op in c["requests"]} - set(shown))]
    lines = [
        "| per delivered event | candidate events | LinkClicked, click recorded first "
        "| LinkClicked, attribution first |",
        "|---|---:|---:|---:|",
        "| events delivered | " + " | ".join(f"{c['events_delivered']:,}" for c in columns) + " |",
    ]
    for op in operations:
        lines.append(
            f"| {op} | " + " | ".join(f"{c['requests_per_event'].get(op, 0):.4f}" for c in columns) + " |"
        )
    lines += [
        "| write request units | "
        + " | ".join(f"{c['write_request_units_per_event']:.2f}" for c in columns)
        + " |",
        "| write units: the state's Put | " + _by_source(columns, "wru_state_puts") + " |",
        "| write units: the transactions' other items | "
        + _by_source(columns, "wru_other_transaction_items")
        + " |",
        "| write units: UpdateItem (announced; click seen) | " + _by_source(columns, "wru_UpdateItem") + " |",
        "| read request units | "
        + " | ".join(f"{c['read_request_units_per_event']:.2f}" for c in columns)
        + " |",
        "| read units: keys not found | " + _by_source(columns, "rru_keys_not_found") + " |",
        "| handler time per event | "
        + " | ".join(f"{c['seconds_per_event'] * 1000:.2f} ms" for c in columns)
        + " |",
        "| events per second | " + " | ".join(f"{c['kring_events_per_second']:,}" for c in columns) + " |",
        "| ratio to bare boto3, same requests | "
        + " | ".join(f"{c['ratio_to_bare_requests']}x" for c in columns)
        + " |",
    ]
    return "\n".join(head) + "\n\n" + "\n".join(lines)


if __name__ == "__main__":
    main()

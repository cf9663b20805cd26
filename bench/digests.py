"""Ambassador digests: a weekly run for N ambassadors (10,000 by default) planned, rendered and sent,
against Amazon's DynamoDB Local, with SQS and SES answered in process (:mod:`bench.canned_aws`).

The real handlers run as Lambda runs them: MailPlannerFunction pages the week's recipients onto
MailQueue (SendMessageBatch, answered in process; the bodies are kept), then MailSenderFunction
takes them ten to an SQS batch — the batch's reads, the once-only claims, the digests' own reads,
rendering, SES ``SendEmail`` (answered in process) and the batch's record. The organisation: 40
open vacancies in four departments (6 opened in the reported week, 4 the week before), 5 closed;
ambassadors with one department as interest (every seventh: none, so every vacancy), one in ten
dormant ("we miss you", with the best open vacancy), 5 % on a daily and 2 % on no digest (the
weekly run skips them), 0.5 % of addresses suppressed; 60 % were sent last week's digest, 20 %
the one before (they get two weeks' vacancies), 20 % never one; 30 % have clicks and share
intents in the two weeks. Links exist as the fan-out made them (not for dormant ambassadors).

Reported: every AWS request by operation (counted by a botocore hook on Kring's clients) per
digest, the time of the whole run against a bare boto3 replay of the same requests (recorded with
their parameters, replayed in order on a second table loaded with the same items, SES and SQS
answered the same way; each Lambda invocation's requests right after it, so both meet the same
machine load) in the same run, and rendering time per mail (Jinja2, css-inline; SES v2 makes the
MIME message of the simple content Kring sends), which is inside Kring's time and not in the
replay's. Kring's time is split into its own requests (time in
its clients' API calls), rendering, and the rest (its code); the recorder's copies are taken out.
One warm-up round of 300 ambassadors first, untimed. ``BENCH_DIGESTS_AMBASSADORS`` sets N.
"""

from __future__ import annotations

import copy
import gc
import hashlib
import json
import os
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

AMBASSADORS = int(os.environ.get("BENCH_DIGESTS_AMBASSADORS", "10000"))
WARM_UP = 300  # ambassadors of an untimed first round: the JVM, the templates, the imports
SQS_BATCH = 10  # MailSenderFunction's event-source batch size (template.yaml)
RESULTS = Path(__file__).resolve().parent / "results"

RUN_AT = "2026-12-07T07:30:00Z"  # Monday 08:30 in Amsterdam: reports 2026-W49
WEEK = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)  # the reported week's Monday
DEPARTMENTS = ("Engineering", "Sales", "Finance", "Operations")
PHASES = ("awareness", "interest", "consideration", "decision", "evangelize")
READS = ("GetItem", "BatchGetItem", "Query")
WRITES = ("PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems")


# --- in-process SQS and SES --------------------------------------------------------------------
def _canned(request: Any, **_: Any) -> Any:
    """botocore ``before-send``: SQS SendMessageBatch and SES v2 SendEmail answered in process."""
    from botocore.awsrequest import AWSResponse, HTTPHeaders

    body = request.body
    text = body.decode() if isinstance(body, bytes) else str(body or "")
    if "outbound-emails" in str(request.url):
        answer: dict[str, Any] = {"MessageId": f"bench-{uuid.uuid4().hex}"}
        content_type = "application/json"
    else:
        entries = json.loads(text)["Entries"]
        answer = {
            "Successful": [
                {
                    "Id": e["Id"],
                    "MessageId": "m",
                    "MD5OfMessageBody": hashlib.md5(e["MessageBody"].encode()).hexdigest(),  # noqa: S324 - SQS's own check
                }
                for e in entries
            ],
            "Failed": [],
        }
        content_type = "application/x-amz-json-1.0"
    headers = HTTPHeaders.from_dict({"content-type": content_type, "x-amzn-requestid": "canned"})
    return AWSResponse(request.url, 200, headers, _Raw(json.dumps(answer).encode()))


class _Raw:
    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self._body


# --- the organisation ----------------------------------------------------------------------------
def _environment(endpoint: str, table: str, idempotency_table: str) -> None:
    os.environ.update(
        {
            "AWS_ACCESS_KEY_ID": "bench",
            "AWS_SECRET_ACCESS_KEY": "bench",
            "AWS_DEFAULT_REGION": "eu-west-1",
            "AWS_ENDPOINT_URL_DYNAMODB": endpoint,
            "AWS_ENDPOINT_URL_SQS": "http://sqs.bench.invalid",
            "AWS_ENDPOINT_URL_SESV2": "http://ses.bench.invalid",
            "TABLE_NAME": table,
            "IDEMPOTENCY_TABLE_NAME": idempotency_table,
            "EVENT_BUS_NAME": "bench",
            "PUBLIC_BASE_URL": "https://go.example.com",
            "MAIL_FROM_ADDRESS": "kring@example.com",
            "MAIL_QUEUE_URL": "https://sqs.eu-west-1.amazonaws.com/000000000000/bench-mail",
            "SES_CONFIGURATION_SET": "bench",
            "MAIL_TIME_ZONE": "Europe/Amsterdam",
            "KRING_IDENTITY_HASH_KEY": "bench-identity-hash-key",
            "KRING_MAIL_LINK_KEY": "bench-mail-link-key",
            "KRING_VISITOR_HASH_KEY": "bench-visitor-hash-key",
            "POWERTOOLS_METRICS_DISABLED": "true",
            "POWERTOOLS_LOG_LEVEL": "WARNING",
            "POWERTOOLS_SERVICE_NAME": "kring",
            "POWERTOOLS_METRICS_NAMESPACE": "KringBench",
        }
    )


def _ambassador_id(n: int) -> str:
    return f"D{n:06d}"


def _items(count: int) -> list[dict[str, Any]]:  # noqa: PLR0912 - one organisation, item kind by item kind
    """Every item of the organisation (DynamoDB JSON), the same for both tables."""
    from kring.dal import ambassadors, keys, mail_preferences, share_links, suppressions, vacancies
    from kring.dal.items import serialize
    from kring.dal.mail_sends import LastSent
    from kring.links.codes import derive_code
    from kring.links.identity import email_hash
    from kring.mail.periods import parse_key, zone
    from kring.models.ambassador import Ambassador
    from kring.models.vacancy import ShareLink, Vacancy

    tz = zone("Europe/Amsterdam")
    items: list[dict[str, Any]] = []
    opened: list[tuple[Vacancy, bytes]] = []  # opened in the two weeks: the fan-out made their links
    for n in range(45):
        if n < 6:
            published = WEEK + timedelta(days=n % 5, hours=n)  # the reported week
        elif n < 10:
            published = WEEK - timedelta(days=7 - n % 5)  # the week before
        else:
            published = WEEK - timedelta(days=14 + 2 * n)
        vacancy = Vacancy.model_validate(
            {
                "id": f"greenhouse-{9000 + n}",
                "provider": "greenhouse",
                "external_id": str(9000 + n),
                "title": f"{DEPARTMENTS[n % 4]} role {n}",
                "url": f"https://job-boards.greenhouse.io/acme/jobs/{9000 + n}",
                "department": DEPARTMENTS[n % 4],
                "location": "Utrecht",
                "status": "closed" if n >= 40 else "published",
                "published_at": published,
                "updated_at": published,
            }
        )
        items.append(vacancies.to_item(vacancies.StoredVacancy(vacancy=vacancy, post_live=n < 40)))
        secret = hashlib.sha256(vacancy.id.encode()).digest()
        items.append(serialize({**keys.link_key(vacancy.id), "entity": "link_key", "secret": secret}))
        if n < 10:
            opened.append((vacancy, secret))
    created = WEEK - timedelta(days=200)
    for n in range(count):
        ambassador_id = _ambassador_id(n)
        ambassador = Ambassador(
            id=ambassador_id,
            name=f"Ambassador {n}",
            email=f"{ambassador_id.lower()}@example.com",
            locale="nl" if n % 2 else "en",
            interests=[] if n % 7 == 0 else [DEPARTMENTS[n % 4]],
            phase=PHASES[n % 5],
            opted_in=True,
            dormant=n % 10 == 9,
            created_at=created,
            updated_at=created,
        )
        items.append(ambassadors.to_item(ambassador))
        if n % 100 < 5 or n % 100 in (50, 51):
            frequency = "daily" if n % 100 < 5 else "off"
            items.append(
                mail_preferences.to_item(
                    ambassador_id, mail_preferences.MailPreferences(digest_frequency=frequency)
                )
            )
        if n % 200 == 17:
            address = email_hash(ambassador.email)
            assert address is not None
            suppressed = suppressions.Suppression(address, "bounce", "bench", created, ambassador_id)
            items.append(suppressions.to_item(suppressed))
        if n % 10 < 8:  # 60 %: last week's digest; 20 %: the week before's; 20 %: none yet
            period_key = "weekly:2026-W48" if n % 10 < 6 else "weekly:2026-W47"
            ends = parse_key(period_key).ends_at(tz)
            last = LastSent("ambassador_digest", ambassador_id, period_key, ends, created)
            items.append(last.put_request()["PutRequest"]["Item"])
        if not ambassador.dormant:
            for vacancy, secret in opened:
                if not ambassador.interests or vacancy.department in ambassador.interests:
                    link = ShareLink(
                        code=derive_code(secret, ambassador_id),
                        vacancy_id=vacancy.id,
                        ambassador_id=ambassador_id,
                        created_at=vacancy.published_at or created,
                    )
                    items.append(share_links.to_item(link))
        if n % 10 in (1, 4, 8):  # 30 %: activity in the two weeks
            for day, shard, clicks in ((date(2026, 12, 2), 0, 3 + n % 4), (date(2026, 11, 25), 1, 1 + n % 3)):
                items.append(
                    serialize(
                        {
                            **keys.ambassador_day_stats(ambassador_id, day.isoformat(), shard),
                            "clicks": clicks,
                            "share_intents": 1 + n % 2,
                        }
                    )
                )
    return items


def _load(table: Any, items: list[dict[str, Any]]) -> None:
    from kring.dal.items import deserialize

    with table.batch_writer() as writer:
        for item in items:
            writer.put_item(Item=deserialize(item))


# --- Kring's run, recorded -------------------------------------------------------------------------
class Recorder:
    """botocore ``before-parameter-build`` on Kring's clients: every request, in order, with its
    parameters as the caller gave them (for the replay)."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str, dict[str, Any]]] = []  # not replayed yet
        self.counts: Counter[str] = Counter()
        self.seconds = 0.0  # its own time (the copies), taken out of Kring's

    def __call__(self, params: dict[str, Any], model: Any, **_: Any) -> None:
        started = time.perf_counter()
        self.calls.append((model.service_model.service_name, model.name, copy.deepcopy(params)))
        self.counts[model.name] += 1
        self.seconds += time.perf_counter() - started

    def take(self) -> list[tuple[str, str, dict[str, Any]]]:
        """The calls not replayed yet (forgotten here: a run's mails are not all kept in memory)."""
        taken, self.calls = self.calls, []
        return taken


class _RequestClock:
    """The time Kring's clients spend in their API calls (botocore and the wire, the recorder's
    copies taken out): what the replay does, as Kring's process does it."""

    def __init__(self, clients: list[Any]) -> None:
        self.ids = {id(c) for c in clients}
        self.seconds = 0.0

    @contextmanager
    def installed(self) -> Iterator[None]:
        from botocore.client import BaseClient

        original = getattr(BaseClient, "_make_api_call")  # noqa: B009 - private to botocore, untyped
        clock = self

        def timed(client: Any, operation_name: str, api_params: dict[str, Any]) -> Any:
            if id(client) not in clock.ids:
                return original(client, operation_name, api_params)
            started = time.perf_counter()
            try:
                return original(client, operation_name, api_params)
            finally:
                clock.seconds += time.perf_counter() - started

        setattr(BaseClient, "_make_api_call", timed)  # noqa: B010 - timed in place
        try:
            yield
        finally:
            setattr(BaseClient, "_make_api_call", original)  # noqa: B010


@contextmanager
def _recording(clients: list[Any]) -> Iterator[Recorder]:
    recorder = Recorder()
    for client in clients:
        client.meta.events.register("before-parameter-build", recorder)
    try:
        yield recorder
    finally:
        for client in clients:
            client.meta.events.unregister("before-parameter-build", recorder)


class _RenderClock:
    """Time spent in rendering (Jinja2 + css-inline), inside the sender."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self.mails = 0

    def wrap(self, fn: Callable[..., Any], *, counts: bool) -> Callable[..., Any]:
        def timed(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                self.seconds += time.perf_counter() - started
                self.mails += counts

        return timed


def _sqs_event(bodies: list[str]) -> dict[str, Any]:
    return {
        "Records": [
            {
                "messageId": str(uuid.uuid4()),
                "receiptHandle": f"rh-{n}",
                "body": body,
                "attributes": {"ApproximateReceiveCount": "1", "SentTimestamp": "1796629800000"},
                "messageAttributes": {},
                "md5OfBody": hashlib.md5(body.encode()).hexdigest(),  # noqa: S324 - SQS's own check
                "eventSource": "aws:sqs",
                "eventSourceARN": "arn:aws:sqs:eu-west-1:000000000000:bench-mail",
                "awsRegion": "eu-west-1",
            }
            for n, body in enumerate(bodies)
        ]
    }


class Replay:
    """The same requests, in order, through bare boto3 clients on the replay's table: each Lambda
    invocation's requests right after it (so both see the same machine load)."""

    def __init__(self, table: str, replay_table: str, endpoint: str) -> None:
        import boto3

        session = boto3.Session(
            aws_access_key_id="bench",
            aws_secret_access_key="bench",  # noqa: S106 - DynamoDB Local takes any
            region_name="eu-west-1",
        )
        self.clients = {
            "dynamodb": session.client("dynamodb", endpoint_url=endpoint),
            "sqs": session.client("sqs", endpoint_url="http://sqs.bench.invalid"),
            "sesv2": session.client("sesv2", endpoint_url="http://ses.bench.invalid"),
        }
        for name in ("sqs", "sesv2"):
            self.clients[name].meta.events.register("before-send", _canned)
        self.table, self.replay_table = table, replay_table
        self.seconds = 0.0

    def __call__(self, recorded: list[tuple[str, str, dict[str, Any]]]) -> None:
        from botocore import xform_name
        from botocore.exceptions import ClientError

        calls = []
        for service, op, given in recorded:
            params = copy.deepcopy(given)
            if params.get("TableName") == self.table:
                params["TableName"] = self.replay_table
            if "RequestItems" in params:
                params["RequestItems"] = {self.replay_table: params["RequestItems"][self.table]}
            calls.append((getattr(self.clients[service], xform_name(op)), params))
        started = time.perf_counter()
        for call, params in calls:
            with suppress(ClientError):  # a conditional write that fails replays as it failed for Kring
                call(**params)
        self.seconds += time.perf_counter() - started


def _kring_run(replay: Replay) -> tuple[float, float, Recorder, Counter[str]]:
    """The planner, then the sender batch by batch, each replayed after it; (Kring's seconds, the
    recorded requests, outcomes)."""
    from functions.mail_planner import app as planner_app
    from functions.mail_sender import app as sender_app
    from infra.local.lambda_runtime import LambdaContext
    from kring import aws
    from kring.integrations.ses import SesTransport
    from kring.observability import metrics

    clients = [aws.dynamodb(), aws.sqs(), aws.sesv2()]
    for client in clients[1:]:
        client.meta.events.register("before-send", _canned)
    outcomes: Counter[str] = Counter()
    elapsed = 0.0
    requests = _RequestClock(clients)
    with _recording(clients) as recorder, requests.installed():
        started = time.perf_counter()
        context: Any = LambdaContext(function_name="MailPlannerFunction", timeout_seconds=900)
        planner_app.handler(
            {"kind": "ambassador_digest", "frequency": "weekly", "scheduled_at": RUN_AT}, context
        )
        metrics.clear_metrics()
        elapsed += time.perf_counter() - started
        planned = recorder.take()
        replay(planned)
        bodies = [
            entry["MessageBody"]
            for service, op, params in planned
            if op == "SendMessageBatch"
            for entry in params["Entries"]
        ]
        transport = SesTransport(sleep=lambda _: None)
        for start in range(0, len(bodies), SQS_BATCH):
            event = _sqs_event(bodies[start : start + SQS_BATCH])
            context = LambdaContext(function_name="MailSenderFunction", timeout_seconds=60)
            started = time.perf_counter()
            result = sender_app.handler(event, context, transport=transport)
            metrics.clear_metrics()
            elapsed += time.perf_counter() - started
            if result["batchItemFailures"]:
                raise RuntimeError(f"the sender failed messages: {result}")
            replay(recorder.take())
    outcomes["jobs"] = len(bodies)
    outcomes["sent"] = recorder.counts["SendEmail"]
    return elapsed - recorder.seconds, requests.seconds - recorder.seconds, recorder, outcomes


def _round(count: int, endpoint: str, client: Any) -> dict[str, Any]:
    import boto3

    from infra.local.template import Stack
    from kring import aws, config, idempotency
    from kring.links import identity
    from kring.mail import digest_content, sending, unsubscribe

    stage = f"d{uuid.uuid4().hex[:8]}"
    stack = Stack({"PublicBaseUrl": "https://go.example.com", "Stage": stage})
    replay_stack = Stack({"PublicBaseUrl": "https://go.example.com", "Stage": f"{stage}r"})
    for spec in [*stack.tables(), *replay_stack.tables()]:
        client.create_table(**spec)
    table, replay_table = stack.physical_name("KringTable"), replay_stack.physical_name("KringTable")
    _environment(endpoint, table, stack.physical_name("IdempotencyTable"))
    config.clear_caches()
    aws.clear_caches()
    idempotency.clear_caches()
    identity.clear_cache()
    unsubscribe.clear_cache()
    digest_content.clear_cache()
    resource = boto3.resource("dynamodb", endpoint_url=endpoint, region_name="eu-west-1")
    items = _items(count)
    _load(resource.Table(table), items)
    _load(resource.Table(replay_table), items)
    del items
    gc.collect()

    render = _RenderClock()
    render_mail = vars(sending)["render_mail"]
    setattr(sending, "render_mail", render.wrap(render_mail, counts=True))  # noqa: B010 - timed in place
    replay = Replay(table, replay_table, endpoint)
    try:
        kring_s, requests_s, recorder, outcomes = _kring_run(replay)
    finally:
        setattr(sending, "render_mail", render_mail)  # noqa: B010
    replay_s = replay.seconds
    requests = recorder.counts
    digests = outcomes["jobs"]
    reads = sum(requests[op] for op in READS)
    writes = sum(requests[op] for op in WRITES)
    return {
        "ambassadors": count,
        "jobs": digests,
        "mails_sent": outcomes["sent"],
        "requests": dict(sorted(requests.items())),
        "per_digest": {op: round(n / digests, 4) for op, n in sorted(requests.items())},
        "reads_per_digest": round(reads / digests, 3),
        "writes_per_digest": round(writes / digests, 3),
        "kring_seconds": round(kring_s, 2),
        "replay_seconds": round(replay_s, 2),
        "ratio": round(kring_s / replay_s, 2),
        "kring_request_seconds": round(requests_s, 2),
        "kring_code_seconds": round(kring_s - requests_s - render.seconds, 2),
        "render_seconds": round(render.seconds, 2),
        "render_ms_per_mail": round(1000 * render.seconds / max(render.mails, 1), 2),
        "ratio_without_rendering": round((kring_s - render.seconds) / replay_s, 2),
    }


def main() -> None:
    import boto3

    from infra.local import dynamodb_local
    from kring.observability import logger

    logger.setLevel("WARNING")  # as POWERTOOLS_LOG_LEVEL sets it in Lambda: no line per mail
    port = dynamodb_local.free_port()
    process = dynamodb_local.start(port)
    try:
        endpoint = f"http://127.0.0.1:{port}"
        client = boto3.client(
            "dynamodb",
            endpoint_url=endpoint,
            region_name="eu-west-1",
            aws_access_key_id="bench",
            aws_secret_access_key="bench",  # noqa: S106 - DynamoDB Local takes any
        )
        _round(WARM_UP, endpoint, client)  # untimed: warms the JVM, the templates and the imports
        result = _round(AMBASSADORS, endpoint, client)
    finally:
        dynamodb_local.stop(process)
    print(json.dumps(result, indent=2))
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "digests.json").write_text(json.dumps(result, indent=2))
    print("\n" + table_markdown(result))


def table_markdown(r: dict[str, Any]) -> str:
    per = r["per_digest"]
    ops = ", ".join(f"{op} {n:.3f}" for op, n in per.items())
    return "\n".join(
        [
            "| ambassadors | jobs | mails | reads / digest | writes / digest | requests / digest "
            "| Kring (its requests / rendering / the rest) | bare boto3 replay | ratio "
            "| ratio without rendering | rendering / mail |",
            "|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|",
            f"| {r['ambassadors']:,} | {r['jobs']:,} | {r['mails_sent']:,} | {r['reads_per_digest']} "
            f"| {r['writes_per_digest']} | {ops} | {r['kring_seconds']:.1f} s "
            f"({r['kring_request_seconds']:.1f} / {r['render_seconds']:.1f} "
            f"/ {r['kring_code_seconds']:.1f} s) "
            f"| {r['replay_seconds']:.1f} s | {r['ratio']}x | {r['ratio_without_rendering']}x "
            f"| {r['render_ms_per_mail']} ms |",
        ]
    )


if __name__ == "__main__":
    main()

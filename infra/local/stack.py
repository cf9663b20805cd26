"""The local stack, wired from template.yaml: DynamoDB Local with the template's tables, the
functions with the environment the template gives them, the bus, the queues and their pollers,
the schedules, the gateway and the local AWS endpoint."""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import ThreadingHTTPServer
from typing import Any

import boto3

from infra.local import demo_ats, dynamodb_local
from infra.local.bus import LocalBus
from infra.local.fake_ats import FakeAtsApi
from infra.local.functions import Functions, isolate_log_keys, merged_environment
from infra.local.http import AwsServer, GatewayServer, Health
from infra.local.outbox import Outbox
from infra.local.pollers import QueuePoller
from infra.local.queues import QueueStore
from infra.local.scheduler import LocalScheduler, next_fire
from infra.local.settings import PROVIDERS, LocalSettings, kept_secrets, real_ats
from infra.local.template import REGION, Stack

log = logging.getLogger("local")

FAKE_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "local",
    "AWS_SECRET_ACCESS_KEY": "local",
    "AWS_SESSION_TOKEN": "local",
    "AWS_DEFAULT_REGION": REGION,
    "AWS_REGION": REGION,
}


QUEUES_FILE = "queues.sqlite3"
OUTBOX_DIR = "outbox"


def template_stack(settings: LocalSettings) -> Stack:
    real = real_ats(settings)
    parameters = {
        "Stage": "local",
        "PublicBaseUrl": settings.links_base_url,
        "GreenhouseBoardToken": settings.greenhouse_board,
        "CareersPageUrl": settings.careers_page_url,
        "RewardAmount": settings.reward_amount,
        # A real Lever or Workable account's, or the demo's on the local fake.
        "LeverSite": (settings.lever_site or "") if "lever" in real else demo_ats.LEVER_SITE,
        "WorkableSubdomain": (settings.workable_subdomain or "")
        if "workable" in real
        else demo_ats.WORKABLE_SUBDOMAIN,
        "AshbyJobBoard": settings.ashby_job_board,
        "RecruiteeSubdomain": settings.recruitee_subdomain,
        "TeamtailorSubdomain": settings.teamtailor_subdomain,
        "SmartRecruitersCompany": settings.smartrecruiters_company,
        "MailFromAddress": settings.mail_from_address,
        "InstantNoticeDelaySeconds": str(settings.instant_delay_seconds),
    }
    if settings.lever_api_host:
        parameters["LeverApiHost"] = settings.lever_api_host
    if settings.careers_hosts:
        parameters["CareersHosts"] = settings.careers_hosts
    if settings.oidc_issuer and settings.oidc_client_id:  # single sign-on: off unless both are given
        parameters["OidcIssuer"] = settings.oidc_issuer
        parameters["OidcClientId"] = settings.oidc_client_id
    return Stack(parameters, queue_url=lambda name: f"{settings.aws_url}/000000000000/{name}")


def function_environment(
    stack: Stack, settings: LocalSettings, secrets: dict[str, str], dynamodb_port: int
) -> dict[str, str]:
    """What the functions see: the template's environment, secrets from the environment
    instead of SSM, and boto3 pointed at DynamoDB Local and the local AWS endpoint (boto3's own
    ``AWS_ENDPOINT_URL_<service id>`` variables: Kring's code has no local branch)."""
    env = merged_environment(stack.functions())
    env.pop("SECRETS_SSM_PATH", None)
    env.update(FAKE_CREDENTIALS)
    env["AWS_ENDPOINT_URL_DYNAMODB"] = f"http://127.0.0.1:{dynamodb_port}"
    env["AWS_ENDPOINT_URL_EVENTBRIDGE"] = settings.aws_url
    env["AWS_ENDPOINT_URL_SQS"] = settings.aws_url
    env["AWS_ENDPOINT_URL_SESV2"] = settings.aws_url  # SendEmail lands in the outbox
    env["POWERTOOLS_METRICS_DISABLED"] = "true"  # EMF lines would drown the request log
    env["POWERTOOLS_TRACE_DISABLED"] = "true"
    for name, secret in secrets.items():
        env["KRING_" + name.upper().replace("-", "_")] = secret
    # The ATS APIs Kring calls back are the local fake (infra/local/fake_ats.py), with the demo's
    # job feeds, unless a real account was given: that ATS's API is then what the template gives
    # in AWS (its hosts, the LeverSite, LeverApiHost and WorkableSubdomain from the settings).
    real = real_ats(settings)
    for provider in PROVIDERS:
        if provider not in real:
            env[f"{provider.upper()}_API_URL"] = f"{settings.ats_api_url}/{provider}"
    if "lever" not in real:
        env["LEVER_POSTINGS_URL"] = f"{settings.ats_api_url}/lever-postings"
    return env


def schedule_kind_matches(payload: object, kind: str) -> bool:
    """Whether a schedule's input names the mail kind ``kind`` (or one starting with ``kind_``)."""
    data = json.loads(payload) if isinstance(payload, str) else payload
    named = str(data.get("kind", "")) if isinstance(data, dict) else ""
    return named == kind or named.startswith(kind + "_")


def ats_api_lines(settings: LocalSettings) -> list[str]:
    """Which ATS APIs the stack calls, for the banner."""
    real = real_ats(settings)
    lines = [f"{provider}: {what}" for provider, what in sorted(real.items())]
    fake = [p for p in PROVIDERS if p not in real]
    if fake:
        lines.append(
            f"{'the others' if real else 'every ATS'}: the local fake on {settings.ats_api_url}"
            + ("" if real else " (the demo's Lever postings and Workable jobs; nothing leaves the machine)")
        )
    return lines


def queue_store(settings: LocalSettings, stack: Stack) -> QueueStore:
    return QueueStore(settings.data_dir / QUEUES_FILE, stack.queues())


@dataclass
class LocalStack:
    settings: LocalSettings
    stack: Stack = field(init=False)
    secrets: dict[str, str] = field(init=False, default_factory=dict)
    ats_api: FakeAtsApi | None = field(init=False, default=None)
    scheduler: LocalScheduler | None = field(init=False, default=None)
    dynamodb: dynamodb_local.Supervisor | None = field(init=False, default=None)
    loading: str = field(init=False, default="starting")  # what the stack does before it is ready
    _stoppers: list[Any] = field(init=False, default_factory=list)
    _ready: threading.Event = field(init=False, default_factory=threading.Event)

    def __post_init__(self) -> None:
        self.stack = template_stack(self.settings)

    @property
    def dynamodb_port(self) -> int:
        return self.settings.dynamodb_port or self.settings.port + 2

    def start(self) -> None:
        """Start everything; on any failure, stop what did start (Java included) and raise."""
        try:
            self._start()
        except BaseException:
            self.stop()
            raise

    def _start(self) -> None:
        settings = self.settings
        started = time.monotonic()
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        self.secrets = kept_secrets(settings)

        # Java takes seconds to boot: launch it first and load the functions meanwhile.
        dynamodb = dynamodb_local.Supervisor(
            self.dynamodb_port,
            settings.data_dir / "dynamodb",
            log=settings.data_dir / "dynamodb.log",
            jvm_options=dynamodb_local.QUICK_START_JVM_OPTIONS,
            on_restart=self._create_tables,
        )
        dynamodb.launch()
        self._stoppers.append(dynamodb.stop)
        self.dynamodb = dynamodb
        ats_port = settings.ats_port or settings.port + 3
        self.ats_api = demo_ats.seed(FakeAtsApi(settings.host, ats_port).start())
        self._stoppers.append(self.ats_api.stop)
        self._environment()
        functions = Functions(self.stack.functions())
        for logical_id in functions.specs:
            functions.handler(logical_id)  # an import error shows now, not on the first request
        from kring.observability import logger as kring_logger  # importable once a handler loaded

        functions.before_invoke = isolate_log_keys(kring_logger)
        try:
            dynamodb.wait_ready()
        except dynamodb_local.DynamoDBLocalUnavailable as exc:
            raise dynamodb_local.DynamoDBLocalUnavailable(
                f"{exc} (its output: {settings.data_dir / 'dynamodb.log'})"
            ) from exc
        self._create_tables()
        dynamodb.watch()  # restarted if it dies
        log.info("DynamoDB Local ready on 127.0.0.1:%d", self.dynamodb_port)

        queues = queue_store(settings, self.stack)
        self._stoppers.append(queues.close)
        bus = LocalBus(self.stack.rules(), queues, functions.invoke)
        outbox = Outbox(settings.data_dir / OUTBOX_DIR)
        aws = AwsServer(
            (settings.host, settings.aws_port or settings.port + 1),
            lambda: bus,
            queues,
            outbox=outbox,
            fire_schedules=self.fire_mail_schedules,
        )
        self._serve(aws)
        bus.start()
        self._stoppers.append(bus.stop)  # stopped after the pollers and the scheduler, which put events
        for source in self.stack.queue_event_sources():
            poller = QueuePoller(
                source, self.stack.queues()[source.queue_logical_id].name, queues, functions.invoke
            )
            poller.start()
            self._stoppers.append(poller.stop)
        scheduler = LocalScheduler(
            self.stack.schedules(),
            functions.invoke,
            park=lambda queue, body, attributes: queues.send(queue, body, attributes=attributes),
        )
        scheduler.start()
        self._stoppers.append(scheduler.stop)
        self.scheduler = scheduler
        gateway = GatewayServer(
            (settings.host, settings.port), self.stack.routes(), functions.invoke, self.health, outbox=outbox
        )
        self._serve(gateway)  # stopped first: no new requests while the rest winds down
        log.info("serving in %.1fs", time.monotonic() - started)

    def health(self) -> Health:
        """What ``GET /healthz`` answers: ready only once :meth:`mark_ready` was called (the demo
        loaded), and unhealthy whenever DynamoDB Local is not serving."""
        if self.dynamodb is not None and (problem := self.dynamodb.problem()):
            return Health("unhealthy", problem)
        if not self._ready.is_set():
            return Health("loading", self.loading)
        return Health("ready", "")

    def mark_ready(self) -> None:
        self._ready.set()

    def _serve(self, server: ThreadingHTTPServer) -> None:
        thread = threading.Thread(target=server.serve_forever, name=type(server).__name__, daemon=True)
        thread.start()

        def stop() -> None:
            server.shutdown()
            server.server_close()

        self._stoppers.append(stop)

    def _environment(self) -> None:
        os.environ.update(function_environment(self.stack, self.settings, self.secrets, self.dynamodb_port))

    def _create_tables(self) -> None:
        client = boto3.client("dynamodb", region_name=REGION)  # endpoint from AWS_ENDPOINT_URL_DYNAMODB
        existing = set(client.list_tables()["TableNames"])
        ttls = self.stack.table_ttls()
        for table in self.stack.tables():
            name = table["TableName"]
            if name in existing:
                continue
            client.create_table(**table)
            if name in ttls:
                client.update_time_to_live(
                    TableName=name, TimeToLiveSpecification={"Enabled": True, "AttributeName": ttls[name]}
                )
            log.info("created table %s", name)

    def fire_schedules_of(self, function_logical_id: str) -> int:
        """Fire every schedule of one function now, as its next run would (the demo polls the job
        feeds at once instead of waiting for the first run); how many succeeded."""
        if self.scheduler is None:
            raise RuntimeError("the stack is not started")
        now = datetime.now(UTC)
        return sum(
            self.scheduler.fire(schedule, now)
            for schedule in self.scheduler.schedules
            if schedule.function == function_logical_id
        )

    def fire_mail_schedules(self, function_logical_id: str, kind: str | None) -> list[str]:
        """``make digest`` (and the demo's first start): run the function's schedules' *next* runs
        now — every one, or those whose input's ``kind`` is ``kind`` or starts with ``kind_``
        (``ambassador`` → ``ambassador_digest``); the names of the schedules that ran and succeeded.

        Their next run, not one now: a weekly digest run now would report on last week, and a
        local stack's activity is this week's. The next run reports on the period going on (this
        week, today, this month) as it stands; when that run's time comes, the once-only claim
        sends nothing a second time."""
        if self.scheduler is None:
            raise RuntimeError("the stack is not started")
        now = datetime.now(UTC)
        fired = []
        for schedule in self.scheduler.schedules:
            if schedule.function != function_logical_id:
                continue
            if kind is not None and not schedule_kind_matches(schedule.payload, kind):
                continue
            at = next_fire(schedule.expression, schedule.timezone, now) or now
            if self.scheduler.fire(schedule, at):
                fired.append(schedule.name)
        return fired

    def stop(self) -> None:
        for stop in reversed(self._stoppers):
            try:
                stop()
            except Exception:
                log.exception("while stopping")
        self._stoppers.clear()

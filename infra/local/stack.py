"""The local stack, wired from template.yaml: DynamoDB Local with the template's tables, the
functions with the environment the template gives them, the bus, the queues and their pollers,
the schedules, the gateway and the local AWS endpoint."""

from __future__ import annotations

import logging
import os
import threading
from dataclasses import dataclass, field
from typing import Any

import boto3

from infra.local import dynamodb_local
from infra.local.bus import LocalBus
from infra.local.functions import Functions, merged_environment
from infra.local.http import AwsServer, GatewayServer
from infra.local.pollers import QueuePoller
from infra.local.queues import QueueStore
from infra.local.scheduler import LocalScheduler
from infra.local.settings import LocalSettings, kept_secrets
from infra.local.template import REGION, Stack

log = logging.getLogger("local")

FAKE_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "local",
    "AWS_SECRET_ACCESS_KEY": "local",
    "AWS_SESSION_TOKEN": "local",
    "AWS_DEFAULT_REGION": REGION,
    "AWS_REGION": REGION,
}


def template_stack(settings: LocalSettings) -> Stack:
    parameters = {
        "Stage": "local",
        "PublicBaseUrl": settings.links_base_url,
        "GreenhouseBoardToken": settings.greenhouse_board,
    }
    if settings.allowed_vacancy_hosts:
        parameters["AllowedVacancyHosts"] = settings.allowed_vacancy_hosts
    return Stack(parameters, queue_url=lambda name: f"{settings.aws_url}/000000000000/{name}")


def queue_store(settings: LocalSettings, stack: Stack) -> QueueStore:
    return QueueStore(settings.data_dir / "queues.sqlite3", stack.queues())


@dataclass
class LocalStack:
    settings: LocalSettings
    stack: Stack = field(init=False)
    secrets: dict[str, str] = field(init=False, default_factory=dict)
    _stoppers: list[Any] = field(init=False, default_factory=list)
    _ready: threading.Event = field(init=False, default_factory=threading.Event)

    def __post_init__(self) -> None:
        self.stack = template_stack(self.settings)

    @property
    def dynamodb_port(self) -> int:
        return self.settings.dynamodb_port or self.settings.port + 2

    def start(self) -> None:
        settings = self.settings
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        self.secrets = kept_secrets(settings)

        process = dynamodb_local.start(
            self.dynamodb_port, settings.data_dir / "dynamodb", log=settings.data_dir / "dynamodb.log"
        )
        self._stoppers.append(lambda: dynamodb_local.stop(process))
        self._environment()
        self._create_tables()

        functions = Functions(self.stack.functions())
        queues = queue_store(settings, self.stack)
        self._stoppers.append(queues.close)
        bus = LocalBus(self.stack.rules(), queues, functions.invoke)
        pollers = [
            QueuePoller(source, self.stack.queues()[source.queue_logical_id].name, queues, functions.invoke)
            for source in self.stack.queue_event_sources()
        ]
        scheduler = LocalScheduler(self.stack.schedules(), functions.invoke)
        aws = AwsServer((settings.host, settings.aws_port or settings.port + 1), lambda: bus, queues)
        gateway = GatewayServer(
            (settings.host, settings.port), self.stack.routes(), functions.invoke, self._ready.is_set
        )
        for server in (aws, gateway):
            threading.Thread(target=server.serve_forever, name=type(server).__name__, daemon=True).start()
            self._stoppers.append(server.shutdown)
        bus.start()
        self._stoppers.append(bus.stop)
        for poller in pollers:
            poller.start()
            self._stoppers.append(poller.stop)
        scheduler.start()
        self._stoppers.append(scheduler.stop)
        self._ready.set()

    def _environment(self) -> None:
        """What the functions see: the template's environment, secrets from the environment
        instead of SSM, and boto3 pointed at DynamoDB Local and the local AWS endpoint."""
        env = merged_environment(self.stack.functions())
        env.pop("SECRETS_SSM_PATH", None)
        env.update(FAKE_CREDENTIALS)
        env["AWS_ENDPOINT_URL_DYNAMODB"] = f"http://127.0.0.1:{self.dynamodb_port}"
        env["AWS_ENDPOINT_URL_EVENTBRIDGE"] = self.settings.aws_url
        env["AWS_ENDPOINT_URL_SQS"] = self.settings.aws_url
        env["POWERTOOLS_METRICS_DISABLED"] = "true"  # EMF lines would drown the request log
        env["POWERTOOLS_TRACE_DISABLED"] = "true"
        for name, secret in self.secrets.items():
            env["KRING_" + name.upper().replace("-", "_")] = secret
        os.environ.update(env)

    def _create_tables(self) -> None:
        client = boto3.client("dynamodb", region_name=REGION)  # endpoint from AWS_ENDPOINT_URL_DYNAMODB
        existing = set(client.list_tables()["TableNames"])
        for table in self.stack.tables():
            if table["TableName"] not in existing:
                client.create_table(**table)
                log.info("created table %s", table["TableName"])

    def stop(self) -> None:
        for stop in reversed(self._stoppers):
            try:
                stop()
            except Exception:
                log.exception("while stopping")
        self._stoppers.clear()

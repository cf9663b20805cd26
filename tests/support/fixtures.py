"""Fixtures every test tier uses: the stack under moto, handlers by logical id, secrets."""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import boto3
import pytest
from moto import mock_aws

from infra.local.fake_ats import FakeAtsApi
from infra.local.lambda_runtime import LambdaContext, http_api_event
from infra.local.template import REGION as REGION
from infra.local.template import Stack, load_handler

if TYPE_CHECKING:
    from mypy_boto3_sqs.literals import QueueAttributeNameType
    from mypy_boto3_sqs.type_defs import MessageTypeDef

PUBLIC_BASE_URL = "https://go.kring.test"
ADMIN_TOKEN = "admin-token-for-tests"
GREENHOUSE_SECRET = "test_secret_do_not_use"
# The secret every sample in ../shared/fixtures/ats/ was signed with (see its README), per provider.
WEBHOOK_SECRETS = {
    "greenhouse": GREENHOUSE_SECRET,
    "lever": "test_secret_do_not_use",
    "ashby": "test_secret_do_not_use",
    "recruitee": "test_secret_do_not_use",
    "teamtailor": "test_secret_do_not_use",
    "workable": "test_secret_do_not_use",
    "smartrecruiters": "test_secret_do_not_use",
}
IDENTITY_HASH_KEY = "identity-hash-key-for-tests"
ATS_API_KEY = "ats-api-key-for-tests"
VISITOR_HASH_KEY = "visitor-hash-key-for-tests"
MAIL_LINK_KEY = "mail-link-key-for-tests"
PORTAL_KEY = "test-portal-key"
MAIL_FROM_ADDRESS = "kring@mail.kring.test"
STACK_PARAMETERS = {
    "Stage": "test",
    "PublicBaseUrl": PUBLIC_BASE_URL,
    # The organisation's accounts on the job boards, as the samples' URLs name them.
    "GreenhouseBoardToken": "acme",
    "AshbyJobBoard": "acme",
    "RecruiteeSubdomain": "acme",
    "TeamtailorSubdomain": "career",
    "SmartRecruitersCompany": "Acme",
    "CareersPageUrl": "https://careers.kring.test/jobs",
    "MailFromAddress": MAIL_FROM_ADDRESS,
    "MailReplyTo": "talent@kring.test",
    "ProgrammeName": "Acme Ambassadors",
}


def clear_kring_caches() -> None:
    from kring import aws, config, idempotency, redirect
    from kring.dal import ats_deliveries
    from kring.integrations import oidc
    from kring.links import identity
    from kring.mail import digest_content, unsubscribe
    from kring.portal import programme_page
    from kring.portal import tokens as portal_tokens

    ats_deliveries.forget_writes()
    digest_content.clear_cache()
    oidc.clear_cache()
    portal_tokens.clear_cache()
    programme_page.clear_cache()
    config.clear_caches()
    identity.clear_cache()
    unsubscribe.clear_cache()
    aws.clear_caches()
    idempotency.clear_caches()
    redirect.clear_caches()


def _stopped_clock() -> float:
    """Lambda's context with the function's whole timeout left all along: these tests check what a
    handler does, and a loaded test machine must not turn a slow first call into "no time left"
    (the redirect's time budget has unit tests of its own)."""
    return 0.0


@dataclass
class MotoStack:
    """template.yaml's tables, queues and bus, created in moto, with each function's environment."""

    stack: Stack
    queue_urls: dict[str, str]
    # The clock of every invocation's Lambda context: stopped, unless a test sets another.
    clock: Callable[[], float] = _stopped_clock

    @property
    def table_name(self) -> str:
        return self.stack.physical_name("KringTable")

    def queue_url(self, logical_id: str) -> str:
        return self.queue_urls[logical_id]

    def receive_all(self, logical_id: str) -> list[MessageTypeDef]:
        """Every message now on a queue (drained)."""
        sqs = boto3.client("sqs", region_name=REGION)
        out: list[MessageTypeDef] = []
        while True:
            got = sqs.receive_message(QueueUrl=self.queue_url(logical_id), MaxNumberOfMessages=10)
            messages = got.get("Messages", [])
            if not messages:
                return out
            for message in messages:
                out.append(message)
                sqs.delete_message(
                    QueueUrl=self.queue_url(logical_id), ReceiptHandle=message["ReceiptHandle"]
                )

    def invoke(self, logical_id: str, event: dict[str, Any], **ports: Any) -> Any:
        spec = self.stack.functions()[logical_id]
        handler = load_handler(spec)
        context = LambdaContext(function_name=spec.logical_id, timeout_seconds=spec.timeout, clock=self.clock)
        return handler(event, context, **ports)

    def http(
        self,
        method: str,
        path: str,
        *,
        body: bytes | str | dict[str, Any] | list[Any] | None = None,
        headers: dict[str, str] | None = None,
        query: str = "",
        admin: bool = False,
    ) -> HttpResult:
        """Route ``method path`` as the HTTP API would and invoke the function behind it."""
        raw = body if isinstance(body, bytes) else (body.encode() if isinstance(body, str) else b"")
        sent_headers = dict(headers or {})
        if isinstance(body, dict | list):
            raw = json.dumps(body).encode()
            sent_headers.setdefault("content-type", "application/json")
        if admin:
            sent_headers["authorization"] = f"Bearer {ADMIN_TOKEN}"
        for route in self.stack.routes():
            match = route.regex.match(path)
            if match and route.method in ("ANY", method.upper()):
                event = http_api_event(
                    method,
                    path,
                    route_key=route.route_key,
                    path_parameters=match.groupdict() or None,
                    query=query,
                    headers=sent_headers,
                    body=raw,
                )
                response = self.invoke(route.function, event)
                return HttpResult.of(response)
        raise AssertionError(f"no route for {method} {path} in template.yaml")


@dataclass
class HttpResult:
    status: int
    headers: dict[str, str]
    body: str
    cookies: list[str] = field(default_factory=list)  # Set-Cookie values

    @classmethod
    def of(cls, response: dict[str, Any]) -> HttpResult:
        return cls(
            response["statusCode"],
            {k.lower(): v for k, v in (response.get("headers") or {}).items()},
            response.get("body") or "",
            list(response.get("cookies") or []),
        )

    def json(self) -> Any:
        return json.loads(self.body)


@pytest.fixture(autouse=True)
def _fresh_caches() -> Iterator[None]:
    clear_kring_caches()
    yield
    clear_kring_caches()


@pytest.fixture
def log_lines() -> Iterator[Callable[[], list[dict[str, Any]]]]:
    """The Powertools lines Kring's logger writes (its handler's stream, swapped for a buffer)."""
    from kring.observability import logger

    buffer = io.StringIO()
    handler = logger.registered_handler
    assert hasattr(handler, "setStream")
    previous = handler.setStream(buffer)
    yield lambda: [json.loads(line) for line in buffer.getvalue().splitlines() if line.startswith("{")]
    handler.setStream(previous)


@pytest.fixture
def secrets_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Secrets from the environment, as on the local stack."""
    monkeypatch.delenv("SECRETS_SSM_PATH", raising=False)
    monkeypatch.setenv("KRING_ADMIN_TOKEN", ADMIN_TOKEN)
    for provider, secret in WEBHOOK_SECRETS.items():
        monkeypatch.setenv(f"KRING_WEBHOOK_SECRET_{provider.upper()}", secret)
        monkeypatch.setenv(f"KRING_ATS_API_KEY_{provider.upper()}", ATS_API_KEY)
    monkeypatch.setenv("KRING_VISITOR_HASH_KEY", VISITOR_HASH_KEY)
    monkeypatch.setenv("KRING_IDENTITY_HASH_KEY", IDENTITY_HASH_KEY)
    monkeypatch.setenv("KRING_MAIL_LINK_KEY", MAIL_LINK_KEY)
    monkeypatch.setenv("KRING_PORTAL_KEY", PORTAL_KEY)


def create_stack(stack: Stack, region: str = REGION) -> dict[str, str]:
    """Create template.yaml's tables, queues and bus in whatever endpoint boto3 points at."""
    ddb = boto3.client("dynamodb", region_name=region)
    for table in stack.tables():
        ddb.create_table(**table)
    for table_name, attribute in stack.table_ttls().items():
        ddb.update_time_to_live(
            TableName=table_name, TimeToLiveSpecification={"Enabled": True, "AttributeName": attribute}
        )
    sqs = boto3.client("sqs", region_name=region)
    urls: dict[str, str] = {}
    for logical_id, queue in stack.queues().items():
        attributes: dict[QueueAttributeNameType, str] = {"VisibilityTimeout": str(queue.visibility_timeout)}
        if queue.fifo:
            attributes.update({"FifoQueue": "true", "ContentBasedDeduplication": "true"})
        urls[logical_id] = sqs.create_queue(QueueName=queue.name, Attributes=attributes)["QueueUrl"]
    events = boto3.client("events", region_name=region)
    events.create_event_bus(Name=stack.physical_name("KringBus"))
    return urls


@pytest.fixture
def moto_stack(monkeypatch: pytest.MonkeyPatch, secrets_env: None) -> Iterator[MotoStack]:
    """The whole stack under moto; every function's environment from template.yaml is set."""
    with mock_aws():
        probe = Stack(STACK_PARAMETERS, region=REGION)
        urls = create_stack(probe)
        by_name = {probe.queues()[logical].name: url for logical, url in urls.items()}
        stack = Stack(STACK_PARAMETERS, region=REGION, queue_url=lambda name: by_name[name])
        for spec in stack.functions().values():
            for name, value in spec.environment.items():
                if name != "SECRETS_SSM_PATH":
                    monkeypatch.setenv(name, value)
        clear_kring_caches()
        yield MotoStack(stack=stack, queue_urls=urls)


@pytest.fixture
def http(moto_stack: MotoStack) -> Callable[..., HttpResult]:
    return moto_stack.http


@pytest.fixture
def fake_ats_api(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeAtsApi]:
    """A local fake of every ATS API (one HTTP server on 127.0.0.1); each provider's API base URL
    points at ``<fake>/<provider>``, so routes are added as ``/lever/v1/opportunities/…``."""
    with FakeAtsApi() as fake:
        for provider in WEBHOOK_SECRETS:
            monkeypatch.setenv(f"{provider.upper()}_API_URL", f"{fake.url}/{provider}")
        monkeypatch.setenv("LEVER_POSTINGS_URL", f"{fake.url}/lever-postings")
        clear_kring_caches()
        yield fake
    clear_kring_caches()


@dataclass
class DynamoDBLocal:
    endpoint: str

    def client(self) -> Any:
        return boto3.client("dynamodb", region_name=REGION, endpoint_url=self.endpoint)


@pytest.fixture(scope="session")
def dynamodb_local_server() -> Iterator[DynamoDBLocal]:
    """One in-memory DynamoDB Local per test worker."""
    from infra.local import dynamodb_local

    port = dynamodb_local.free_port()
    process = dynamodb_local.start(port)
    try:
        yield DynamoDBLocal(endpoint=f"http://127.0.0.1:{port}")
    finally:
        dynamodb_local.stop(process)


@pytest.fixture
def dynamodb_local(
    dynamodb_local_server: DynamoDBLocal, monkeypatch: pytest.MonkeyPatch
) -> Iterator[DynamoDBLocal]:
    """Fresh tables shaped as in template.yaml in DynamoDB Local; Kring's client points there."""
    import uuid

    stage = "t" + uuid.uuid4().hex[:10]
    stack = Stack({**STACK_PARAMETERS, "Stage": stage}, region=REGION)
    client = dynamodb_local_server.client()
    for table in stack.tables():
        client.create_table(**table)
    monkeypatch.setenv("AWS_ENDPOINT_URL_DYNAMODB", dynamodb_local_server.endpoint)
    monkeypatch.setenv("TABLE_NAME", stack.physical_name("KringTable"))
    monkeypatch.setenv("IDEMPOTENCY_TABLE_NAME", stack.physical_name("IdempotencyTable"))
    clear_kring_caches()
    try:
        yield dynamodb_local_server
    finally:
        for table in stack.tables():
            client.delete_table(TableName=table["TableName"])

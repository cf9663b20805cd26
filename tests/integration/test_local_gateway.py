"""The local gateway: template.yaml's HttpApi routes picked as API Gateway picks them, requests
turned into HTTP API v2 events with the raw body kept, and Lambda's responses turned back into
HTTP. The functions are stand-ins that record what they were given."""

from __future__ import annotations

import base64
import http.client
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import requests

from infra.local.http import GatewayServer, Health
from infra.local.template import Route, Stack

STACK = Stack({"PublicBaseUrl": "https://go.example.com", "Stage": "t"})


@dataclass
class Recorder:
    """Every invocation, answered with ``response`` (or by raising it)."""

    response: Any = field(default_factory=lambda: {"statusCode": 200, "body": "{}"})
    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    health: Health = field(default_factory=lambda: Health("ready"))

    def __call__(self, function: str, event: dict[str, Any]) -> Any:
        self.calls.append((function, event))
        if isinstance(self.response, Exception):
            raise self.response
        return self.response

    def reset(self) -> None:
        self.response = {"statusCode": 200, "body": "{}"}
        self.calls.clear()
        self.health = Health("ready")

    @property
    def event(self) -> dict[str, Any]:
        return self.calls[-1][1]


@dataclass
class Gateway:
    url: str
    port: int
    functions: Recorder


@pytest.fixture(scope="module")
def server() -> Iterator[tuple[GatewayServer, Recorder]]:
    functions = Recorder()
    routes = [*STACK.routes(), Route("GET", "/files/{path+}", "FilesFunction")]
    server = GatewayServer(("127.0.0.1", 0), routes, functions, lambda: functions.health)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    yield server, functions
    server.shutdown()
    server.server_close()


@pytest.fixture
def gateway(server: tuple[GatewayServer, Recorder]) -> Gateway:
    gateway, functions = server
    functions.reset()
    port = gateway.server_address[1]
    return Gateway(f"http://127.0.0.1:{port}", port, functions)


def test_a_path_parameter_is_passed_with_the_route_key(gateway: Gateway) -> None:
    requests.get(f"{gateway.url}/api/vacancies/greenhouse-7/shares?limit=5&limit=6", timeout=5)
    function, event = gateway.functions.calls[-1]
    assert function == "ApiFunction"
    assert event["routeKey"] == "GET /api/vacancies/{id}/shares"
    assert event["pathParameters"] == {"id": "greenhouse-7"}
    assert event["rawQueryString"] == "limit=5&limit=6"
    assert event["queryStringParameters"] == {"limit": "5,6"}  # as API Gateway joins them


def test_a_literal_route_wins_over_a_parameter_and_any_takes_other_methods(gateway: Gateway) -> None:
    requests.post(f"{gateway.url}/api/ambassadors/import", data="id,name\n", timeout=5)
    assert gateway.functions.event["routeKey"] == "POST /api/ambassadors/import"
    assert "pathParameters" not in gateway.functions.event

    requests.delete(f"{gateway.url}/api/ambassadors/E1001", timeout=5)
    assert gateway.functions.event["routeKey"] == "ANY /api/ambassadors/{id}"
    assert gateway.functions.event["requestContext"]["http"]["method"] == "DELETE"
    assert gateway.functions.event["pathParameters"] == {"id": "E1001"}


def test_a_greedy_parameter_takes_the_rest_of_the_path(gateway: Gateway) -> None:
    requests.get(f"{gateway.url}/files/a/b/c.txt", timeout=5)
    assert gateway.functions.calls[-1][0] == "FilesFunction"
    assert gateway.functions.event["pathParameters"] == {"path": "a/b/c.txt"}


@pytest.mark.parametrize(
    ("method", "path"), [("GET", "/nowhere"), ("PUT", "/api/vacancies"), ("GET", "/webhooks/greenhouse")]
)
def test_no_route_is_api_gateways_404(gateway: Gateway, method: str, path: str) -> None:
    answered = requests.request(method, gateway.url + path, timeout=5)
    assert answered.status_code == 404
    assert answered.json() == {"message": "Not Found"}
    assert gateway.functions.calls == []


def test_the_raw_body_reaches_the_function_byte_for_byte(gateway: Gateway) -> None:
    text = b'{"action":  "ping",\n "payload": {"n": 1.50}}'  # spacing and "1.50" a re-encoding would lose
    requests.post(
        f"{gateway.url}/webhooks/greenhouse",
        data=text,
        headers={"content-type": "application/json", "signature": "sha256 abc"},
        timeout=5,
    )
    event = gateway.functions.event
    assert event["isBase64Encoded"] is False
    assert event["body"].encode() == text
    assert event["headers"]["signature"] == "sha256 abc"

    binary = bytes(range(256))
    requests.post(
        f"{gateway.url}/webhooks/greenhouse",
        data=binary,
        headers={"content-type": "application/octet-stream"},
        timeout=5,
    )
    assert gateway.functions.event["isBase64Encoded"] is True
    assert base64.b64decode(gateway.functions.event["body"]) == binary


def test_a_chunked_body_is_read_whole(gateway: Gateway) -> None:
    requests.post(
        f"{gateway.url}/webhooks/greenhouse",
        data=iter([b'{"a":', b" 1}"]),  # a generator is sent with Transfer-Encoding: chunked
        headers={"content-type": "application/json"},
        timeout=5,
    )
    assert gateway.functions.event["body"] == '{"a": 1}'


def test_repeated_headers_are_joined_and_cookies_listed(gateway: Gateway) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", gateway.port, timeout=5)
    connection.putrequest("GET", "/api/vacancies")
    connection.putheader("X-Forwarded-For", "10.0.0.1")
    connection.putheader("X-Forwarded-For", "10.0.0.2")
    connection.putheader("Cookie", "a=1; b=2")
    connection.endheaders()
    connection.getresponse().read()
    connection.close()
    event = gateway.functions.event
    assert event["headers"]["x-forwarded-for"] == "10.0.0.1,10.0.0.2"
    assert event["cookies"] == ["a=1", "b=2"]
    assert "cookie" not in event["headers"]


def test_the_functions_response_becomes_the_http_response(gateway: Gateway) -> None:
    gateway.functions.response = {
        "statusCode": 302,
        "headers": {"Location": "https://example.com/jobs/1", "Content-Type": "image/png"},
        "multiValueHeaders": {"Vary": ["Accept", "Cookie"]},
        "cookies": ["k=v; Path=/; HttpOnly", "other=1"],
        "body": base64.b64encode(b"\x89PNG").decode(),
        "isBase64Encoded": True,
    }
    answered = requests.get(f"{gateway.url}/api/vacancies", allow_redirects=False, timeout=5)
    assert answered.status_code == 302
    assert answered.headers["location"] == "https://example.com/jobs/1"
    assert answered.headers["vary"] == "Accept, Cookie"
    assert answered.raw.headers.getlist("set-cookie") == ["k=v; Path=/; HttpOnly", "other=1"]
    assert answered.content == b"\x89PNG"


def test_a_bare_return_value_is_sent_as_json_with_200(gateway: Gateway) -> None:
    gateway.functions.response = {"items": [1, 2]}
    answered = requests.get(f"{gateway.url}/api/vacancies", timeout=5)
    assert answered.status_code == 200
    assert answered.json() == {"items": [1, 2]}


def test_a_function_that_raises_is_a_500(gateway: Gateway) -> None:
    gateway.functions.response = RuntimeError("boom")
    answered = requests.get(f"{gateway.url}/api/vacancies", timeout=5)
    assert answered.status_code == 500
    assert answered.json() == {"message": "Internal Server Error"}


def test_healthz_is_ready_only_when_the_stack_is_and_says_why_not(gateway: Gateway) -> None:
    gateway.functions.health = Health("loading", "loading the demo organisation")
    answered = requests.get(f"{gateway.url}/healthz", timeout=5)
    assert answered.status_code == 503
    assert answered.json() == {"ok": False, "status": "loading", "detail": "loading the demo organisation"}
    gateway.functions.health = Health("unhealthy", "DynamoDB Local exited with code -9; restarting it")
    answered = requests.get(f"{gateway.url}/healthz", timeout=5)
    assert answered.status_code == 503
    assert answered.json()["status"] == "unhealthy"
    gateway.functions.health = Health("ready")
    answered = requests.get(f"{gateway.url}/healthz", timeout=5)
    assert answered.status_code == 200
    assert answered.json() == {"ok": True, "status": "ready"}

"""The admin API against Amazon's engine, where moto is lenient: DynamoDB refuses a partition key
over 2 KB or a sort key over 1 KB in a GetItem or Query, and a pagination cursor (ExclusiveStartKey)
that is not a whole key of the table and index. A client can send any of these (an id in the path, a
``next`` token); each must be the client's 4xx, never a ValidationException turned into a 500."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

import pytest

from infra.local.lambda_runtime import LambdaContext, http_api_event
from infra.local.template import REGION, Stack, load_handler
from tests.support.fixtures import ADMIN_TOKEN, STACK_PARAMETERS, DynamoDBLocal

pytestmark = pytest.mark.dynamodb_local

ANN = {"id": "E1001", "name": "Ann de Vries", "email": "ann@example.com", "phase": "decision"}
LONG = "V" * 2100  # over the 2 KB of a partition key
MIDDLE = "V" * 1100  # under it, but over the 1 KB of a sort key (ids sit in gsi1sk)

Api = Callable[..., tuple[int, Any]]


@pytest.fixture
def api(dynamodb_local: DynamoDBLocal, secrets_env: None, monkeypatch: pytest.MonkeyPatch) -> Api:
    spec = Stack(STACK_PARAMETERS, region=REGION).functions()["ApiFunction"]
    for name, value in spec.environment.items():
        if name not in ("TABLE_NAME", "IDEMPOTENCY_TABLE_NAME", "SECRETS_SSM_PATH"):
            monkeypatch.setenv(name, value)
    handler = load_handler(spec)

    def call(method: str, path: str, *, query: str = "", body: Any = None) -> tuple[int, Any]:
        event = http_api_event(
            method,
            path,
            route_key="ANY /api/{proxy+}",
            query=query,
            headers={"authorization": f"Bearer {ADMIN_TOKEN}", "content-type": "application/json"},
            body=json.dumps(body).encode() if body is not None else b"",
        )
        response = handler(event, LambdaContext(function_name="ApiFunction", timeout_seconds=10))
        return response["statusCode"], json.loads(response["body"]) if response.get("body") else None

    return call


@pytest.mark.parametrize("long_id", [LONG, MIDDLE], ids=["over-2kb", "over-1kb"])
@pytest.mark.parametrize(
    ("method", "template"),
    [
        ("GET", "/api/vacancies/{id}"),
        ("GET", "/api/vacancies/{id}/shares"),
        ("GET", "/api/vacancies/{id}/funnel"),
        ("GET", "/api/ambassadors/{id}"),
        ("GET", "/api/ambassadors/{id}/stats"),
        ("DELETE", "/api/ambassadors/{id}"),
        ("POST", "/api/rewards/{id}/r1/pay"),
        ("POST", "/api/rewards/E1001/{id}/pay"),
        ("GET", "/api/applications/greenhouse/{id}/attribution"),
    ],
)
def test_an_id_over_a_key_limit_is_a_4xx(api: Api, method: str, template: str, long_id: str) -> None:
    assert api("POST", "/api/ambassadors", body=ANN)[0] == 201

    status, body = api(method, template.format(id=long_id))

    assert status in (400, 404), body
    assert body["error"]["code"] in ("not_found", "bad_request")
    assert api("GET", "/api/ambassadors/E1001")[0] == 200


def test_a_reward_id_of_few_characters_but_many_bytes_is_a_404(api: Api) -> None:
    """256 characters, 1 KB of UTF-8: the sort key REWARD#<id> is over DynamoDB's limit."""
    status, body = api("POST", f"/api/rewards/E1001/{quote('😀' * 256)}/pay")

    assert status == 404, body


def test_an_ambassador_filter_over_a_key_limit_is_a_422(api: Api) -> None:
    status, body = api("GET", "/api/rewards", query=f"ambassador_id={LONG}")

    assert status == 422, body


def _token(scope: str, cursor: dict[str, str]) -> str:
    payload = json.dumps({"v": 1, "s": scope, "k": cursor}).encode()
    return base64.urlsafe_b64encode(payload).rstrip(b"=").decode()


@pytest.mark.parametrize(
    ("path", "scope", "cursor"),
    [
        ("/api/ambassadors", "ambassadors", {"gsi1pk": "AMBASSADORS"}),
        ("/api/ambassadors", "ambassadors", {"gsi1pk": "AMBASSADORS", "gsi1sk": "AMB#E1"}),
        (
            "/api/ambassadors",
            "ambassadors",
            {"gsi1pk": "AMBASSADORS", "gsi1sk": "AMB#E1", "pk": "AMB#E1", "sk": "é" * 1000},
        ),
        ("/api/vacancies", "vacancies", {"gsi1pk": "VACANCIES", "gsi1sk": "VAC#x", "pk": "VAC#x"}),
        (
            "/api/rewards",
            "rewards",
            {"gsi1pk": "REWARDS", "gsi1sk": "x", "pk": "AMB#E1", "sk": "REWARD#1", "gsi2pk": "x"},
        ),
        ("/api/rewards", "rewards-of-ambassador", {"pk": "AMB#E1001"}),
    ],
    ids=["index-key-only", "no-table-key", "sort-key-over-1kb", "no-sort-key", "foreign-attribute", "no-sk"],
)
def test_a_next_token_whose_cursor_dynamodb_would_refuse_is_a_400(
    api: Api, path: str, scope: str, cursor: dict[str, str]
) -> None:
    query = f"next={_token(scope, cursor)}"
    if scope == "rewards-of-ambassador":
        query += "&ambassador_id=E1001"

    status, body = api("GET", path, query=query)

    assert status == 400, body
    assert body["error"]["code"] == "bad_request"

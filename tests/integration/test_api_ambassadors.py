"""The admin API's ambassador routes, through the real handler under moto, routed as template.yaml
routes them."""

from __future__ import annotations

from typing import Any

import boto3
import pytest

from infra.local.lambda_runtime import http_api_event
from infra.local.template import REGION
from kring import config
from kring.dal import keys
from kring.dal.items import deserialize, serialize
from kring.roster.ambassadors import erasure_subject
from tests.support.fixtures import MotoStack

ANN: dict[str, Any] = {
    "id": "E1",
    "name": "Ann de Vries",
    "email": "ann@example.com",
    "locale": "nl",
    "department": "Engineering",
    "location": "Utrecht",
    "interests": ["Engineering", "Data"],
    "phase": "decision",
    "opted_in": True,
    "share_cap_per_week": 3,
}


def _ddb() -> Any:
    return boto3.client("dynamodb", region_name=REGION)


def _index(stack: MotoStack, index: str, partition: str) -> list[str]:
    """The ``pk`` of every item in one partition of a GSI, in index order."""
    pk_name = keys.GSI1_PK if index == keys.GSI1 else keys.GSI2_PK
    got = _ddb().query(
        TableName=stack.table_name,
        IndexName=index,
        KeyConditionExpression="#pk = :pk",
        ExpressionAttributeNames={"#pk": pk_name},
        ExpressionAttributeValues={":pk": {"S": partition}},
    )
    return [str(deserialize(i)["pk"]) for i in got["Items"]]


def _eligible(stack: MotoStack) -> list[str]:
    return _index(stack, keys.GSI2, keys.ELIGIBLE_AMBASSADORS)


def _error(result: Any, status: int, code: str) -> dict[str, Any]:
    assert result.status == status, result.body
    assert result.headers["content-type"].startswith("application/json")
    error: dict[str, Any] = result.json()["error"]
    assert error["code"] == code
    assert isinstance(error["message"], str)
    assert error["message"]
    assert isinstance(error["details"], list)
    return error


# --- authorisation ---------------------------------------------------------------------------------
ROUTES = [
    ("GET", "/api/ambassadors"),
    ("POST", "/api/ambassadors"),
    ("GET", "/api/ambassadors/E1"),
    ("DELETE", "/api/ambassadors/E1"),
    ("POST", "/api/ambassadors/import"),
    ("GET", "/api/ambassadors/imports/0123456789abcdef0123456789abcdef"),
    ("PATCH", "/api/ambassadors/E1"),
    ("PUT", "/api/ambassadors/E1"),
]


@pytest.mark.parametrize(("method", "path"), ROUTES)
@pytest.mark.parametrize("authorization", [None, "Bearer wrong-token", "Basic YWRtaW46YWRtaW4="])
def test_every_route_refuses_a_missing_or_wrong_token(
    moto_stack: MotoStack, method: str, path: str, authorization: str | None
) -> None:
    headers = {"authorization": authorization} if authorization else {}
    result = moto_stack.http(method, path, body="{not json", headers=headers)
    _error(result, 401, "unauthorized")
    assert result.headers["www-authenticate"].startswith("Bearer")
    assert moto_stack.http("GET", "/api/ambassadors/E1", admin=True).status == 404  # nothing was written


def test_without_a_configured_admin_token_everyone_is_refused(
    moto_stack: MotoStack, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("KRING_ADMIN_TOKEN")
    config.clear_caches()
    _error(moto_stack.http("GET", "/api/ambassadors", admin=True), 401, "unauthorized")
    _error(
        moto_stack.http("GET", "/api/ambassadors", headers={"authorization": "Bearer "}), 401, "unauthorized"
    )


# --- create, read, update --------------------------------------------------------------------------
def test_create_then_update_answers_201_then_200_and_keeps_created_at(moto_stack: MotoStack) -> None:
    # Given a new ambassador posted
    created = moto_stack.http("POST", "/api/ambassadors", body=ANN, admin=True)
    # Then it is created
    assert created.status == 201, created.body
    assert created.headers["location"] == "/api/ambassadors/E1"
    body = created.json()
    assert {k: body[k] for k in ANN} == ANN
    assert body["eligible_to_share"] is True
    assert body["dormant"] is False
    assert body["created_at"] == body["updated_at"]
    # When the same id is posted again with changes
    updated = moto_stack.http("POST", "/api/ambassadors", body={**ANN, "name": "Ann Jansen"}, admin=True)
    # Then it is replaced, keeping when it was created
    assert updated.status == 200, updated.body
    assert updated.json()["name"] == "Ann Jansen"
    assert updated.json()["created_at"] == body["created_at"]
    assert updated.json()["updated_at"] >= body["updated_at"]
    fetched = moto_stack.http("GET", "/api/ambassadors/E1", admin=True)
    assert fetched.status == 200
    assert fetched.json() == updated.json()


def test_the_response_carries_no_storage_fields(moto_stack: MotoStack) -> None:
    moto_stack.http("POST", "/api/ambassadors", body=ANN, admin=True)
    body = moto_stack.http("GET", "/api/ambassadors/E1", admin=True).json()
    assert not {"pk", "sk", "gsi1pk", "gsi1sk", "gsi2pk", "gsi2sk", "entity"} & set(body)


def test_eligibility_follows_opt_in_phase_and_dormancy(moto_stack: MotoStack) -> None:
    # Given an opted-in ambassador in phase decision and one in awareness
    moto_stack.http("POST", "/api/ambassadors", body=ANN, admin=True)
    moto_stack.http("POST", "/api/ambassadors", body={**ANN, "id": "E2", "phase": "awareness"}, admin=True)
    moto_stack.http("POST", "/api/ambassadors", body={**ANN, "id": "E3", "phase": "evangelize"}, admin=True)
    # Then only the sharing phases are in the fan-out's eligibility index
    assert _eligible(moto_stack) == ["AMB#E1", "AMB#E3"]
    # When one goes dormant and another opts out
    moto_stack.http("POST", "/api/ambassadors", body={**ANN, "dormant": True}, admin=True)
    moto_stack.http("POST", "/api/ambassadors", body={**ANN, "id": "E3", "opted_in": False}, admin=True)
    # Then neither is eligible any more, while all three are still listed
    assert _eligible(moto_stack) == []
    assert len(_index(moto_stack, keys.GSI1, keys.AMBASSADOR_LIST)) == 3


def test_invalid_input_is_422_with_every_field_error_and_writes_nothing(moto_stack: MotoStack) -> None:
    bad = {
        **ANN,
        "email": "not-an-email",
        "locale": "de",
        "phase": "asleep",
        "share_cap_per_week": -1,
        "x": 1,
    }
    result = moto_stack.http("POST", "/api/ambassadors", body=bad, admin=True)
    error = _error(result, 422, "validation_failed")
    assert {d["field"] for d in error["details"]} == {"email", "locale", "phase", "share_cap_per_week", "x"}
    assert all(set(d) == {"field", "message"} for d in error["details"])
    assert moto_stack.http("GET", "/api/ambassadors/E1", admin=True).status == 404


@pytest.mark.parametrize("body", [[ANN], "just text", 17])
def test_json_that_is_not_an_object_is_422(moto_stack: MotoStack, body: Any) -> None:
    import json

    result = moto_stack.http(
        "POST",
        "/api/ambassadors",
        body=json.dumps(body),
        headers={"content-type": "application/json"},
        admin=True,
    )
    _error(result, 422, "validation_failed")


@pytest.mark.parametrize("body", ["{not json", "", b"\xff\xfe"])
def test_a_body_that_is_not_json_is_400(moto_stack: MotoStack, body: str | bytes) -> None:
    result = moto_stack.http(
        "POST", "/api/ambassadors", body=body, headers={"content-type": "application/json"}, admin=True
    )
    _error(result, 400, "bad_request")


@pytest.mark.parametrize(
    "path", ["/api/ambassadors/E404", "/api/ambassadors/bad%23id", "/api/ambassadors/%20"]
)
def test_an_unknown_ambassador_is_404(moto_stack: MotoStack, path: str) -> None:
    _error(moto_stack.http("GET", path, admin=True), 404, "not_found")


def test_an_id_with_percent_encoded_characters_is_found(moto_stack: MotoStack) -> None:
    moto_stack.http("POST", "/api/ambassadors", body={**ANN, "id": "ann@acme"}, admin=True)
    result = moto_stack.http("GET", "/api/ambassadors/ann%40acme", admin=True)
    assert result.status == 200
    assert result.json()["id"] == "ann@acme"


# --- partial update (JSON merge patch) -----------------------------------------------------------
def _patch(
    stack: MotoStack, ambassador_id: str, body: Any, content_type: str = "application/merge-patch+json"
) -> Any:
    import json

    raw = body if isinstance(body, str) else json.dumps(body)
    return stack.http(
        "PATCH",
        f"/api/ambassadors/{ambassador_id}",
        body=raw,
        headers={"content-type": content_type},
        admin=True,
    )


def test_a_patch_changes_what_it_names_and_keeps_the_rest(moto_stack: MotoStack) -> None:
    # Given an onboarded ambassador
    first = moto_stack.http("POST", "/api/ambassadors", body=ANN, admin=True).json()
    # When a patch renames her and clears her cap
    result = _patch(moto_stack, "E1", {"name": "Ann Jansen", "share_cap_per_week": None})
    # Then only those change; she stays eligible; when she was created is kept
    assert result.status == 200, result.body
    body = result.json()
    assert (body["name"], body["share_cap_per_week"]) == ("Ann Jansen", None)
    unchanged = {k: v for k, v in ANN.items() if k not in ("name", "share_cap_per_week")}
    assert {k: body[k] for k in unchanged} == unchanged
    assert body["created_at"] == first["created_at"]
    assert body["updated_at"] > first["updated_at"]
    assert moto_stack.http("GET", "/api/ambassadors/E1", admin=True).json() == body
    assert _eligible(moto_stack) == ["AMB#E1"]


def test_a_patch_moves_the_ambassador_in_and_out_of_the_eligibility_index(moto_stack: MotoStack) -> None:
    moto_stack.http("POST", "/api/ambassadors", body={**ANN, "opted_in": False}, admin=True)
    assert _eligible(moto_stack) == []
    assert (
        _patch(moto_stack, "E1", {"opted_in": True}, "application/json").json()["eligible_to_share"] is True
    )
    assert _eligible(moto_stack) == ["AMB#E1"]
    assert _patch(moto_stack, "E1", {"dormant": True}).json()["eligible_to_share"] is False
    assert _eligible(moto_stack) == []


def test_a_patch_that_changes_nothing_writes_nothing(moto_stack: MotoStack) -> None:
    first = moto_stack.http("POST", "/api/ambassadors", body=ANN, admin=True).json()
    again = _patch(moto_stack, "E1", {"name": ANN["name"], "interests": [" Engineering", "Data", "data"]})
    assert again.status == 200
    assert again.json()["updated_at"] == first["updated_at"]


@pytest.mark.parametrize(
    ("patch", "fields"),
    [
        ({"phase": None}, {"phase"}),
        ({"name": None, "email": None, "opted_in": None}, {"name", "email", "opted_in"}),
        ({"phase": "asleep", "email": "nope", "colour": "blue"}, {"phase", "email", "colour"}),
        ({"id": "E2"}, {"id"}),
        ({"created_at": "2020-01-01T00:00:00Z"}, {"created_at"}),
        ([{"op": "replace", "path": "/name", "value": "X"}], {"body"}),
    ],
)
def test_a_patch_that_is_not_valid_is_422_and_changes_nothing(
    moto_stack: MotoStack, patch: Any, fields: set[str]
) -> None:
    before = moto_stack.http("POST", "/api/ambassadors", body=ANN, admin=True).json()
    error = _error(_patch(moto_stack, "E1", patch), 422, "validation_failed")
    assert {d["field"] for d in error["details"]} == fields
    assert moto_stack.http("GET", "/api/ambassadors/E1", admin=True).json() == before


def test_a_patch_of_an_unknown_ambassador_is_404_and_of_no_json_400(moto_stack: MotoStack) -> None:
    _error(_patch(moto_stack, "E404", {"name": "X"}), 404, "not_found")
    moto_stack.http("POST", "/api/ambassadors", body=ANN, admin=True)
    _error(_patch(moto_stack, "E1", "{not json"), 400, "bad_request")


# --- routes and methods ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("PUT", "/api/ambassadors/E1", "DELETE, GET, PATCH"),
        ("DELETE", "/api/ambassadors", "GET, POST"),
        ("PUT", "/api/ambassadors", "GET, POST"),
    ],
)
def test_a_method_a_route_does_not_serve_is_405_with_allow(
    moto_stack: MotoStack, method: str, path: str, allowed: str
) -> None:
    result = moto_stack.http(method, path, admin=True)
    _error(result, 405, "method_not_allowed")
    assert result.headers["allow"] == allowed


def test_a_path_no_route_serves_is_404_json(moto_stack: MotoStack) -> None:
    from tests.support.fixtures import ADMIN_TOKEN, HttpResult

    event = http_api_event(
        "GET", "/api/nothing-here", route_key="$default", headers={"authorization": f"Bearer {ADMIN_TOKEN}"}
    )
    _error(HttpResult.of(moto_stack.invoke("ApiFunction", event)), 404, "route_not_found")


# --- listing -----------------------------------------------------------------------------------
def _create(stack: MotoStack, count: int) -> list[str]:
    ids = [f"E{n:03d}" for n in range(count)]
    for ambassador_id in reversed(ids):
        assert (
            stack.http("POST", "/api/ambassadors", body={**ANN, "id": ambassador_id}, admin=True).status
            == 201
        )
    return ids


def test_the_list_pages_through_every_ambassador_in_id_order(moto_stack: MotoStack) -> None:
    # Given seven ambassadors
    ids = _create(moto_stack, 7)
    # When they are listed three at a time, following the next token
    seen: list[str] = []
    pages = 0
    query = "limit=3"
    while True:
        result = moto_stack.http("GET", "/api/ambassadors", query=query, admin=True)
        assert result.status == 200, result.body
        page = result.json()
        assert len(page["items"]) <= 3
        seen.extend(item["id"] for item in page["items"])
        pages += 1
        if page["next"] is None:
            break
        query = f"limit=3&next={page['next']}"
    # Then each appears once, in order
    assert seen == ids
    assert pages in (3, 4)  # DynamoDB may end with an empty page when the last one was exactly full


def test_the_limit_defaults_to_the_page_size_and_is_capped_by_it(
    moto_stack: MotoStack, monkeypatch: pytest.MonkeyPatch
) -> None:
    _create(moto_stack, 5)
    monkeypatch.setenv("API_PAGE_SIZE", "4")
    config.clear_caches()
    for query in ("", "limit=1000"):
        page = moto_stack.http("GET", "/api/ambassadors", query=query, admin=True).json()
        assert len(page["items"]) == 4
        assert page["next"] is not None


@pytest.mark.parametrize("token", ["garbage", "eyJ2IjoxfQ", "A" * 3000])
def test_a_garbage_next_token_is_400(moto_stack: MotoStack, token: str) -> None:
    _error(moto_stack.http("GET", "/api/ambassadors", query=f"next={token}", admin=True), 400, "bad_request")


def test_a_tampered_next_token_is_400_not_500(moto_stack: MotoStack) -> None:
    import base64
    import json

    _create(moto_stack, 3)
    token = moto_stack.http("GET", "/api/ambassadors", query="limit=1", admin=True).json()["next"]
    payload = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    for change in ({"sk": "CAP#2026-W01"}, {"pk": "VAC#x"}, {"gsi1sk": "AMB#E999"}, {"gsi1pk": "VACANCIES"}):
        forged = {**payload, "k": {**payload["k"], **change}}
        forged_token = base64.urlsafe_b64encode(json.dumps(forged).encode()).rstrip(b"=").decode()
        result = moto_stack.http("GET", "/api/ambassadors", query=f"next={forged_token}", admin=True)
        _error(result, 400, "bad_request")


@pytest.mark.parametrize("limit", ["0", "-1", "many"])
def test_a_bad_limit_is_422_on_the_limit_field(moto_stack: MotoStack, limit: str) -> None:
    error = _error(
        moto_stack.http("GET", "/api/ambassadors", query=f"limit={limit}", admin=True),
        422,
        "validation_failed",
    )
    assert error["details"][0]["field"] == "limit"


# --- erasure -------------------------------------------------------------------------------------
def test_erasure_removes_profile_and_ledgers_keeps_share_links_and_records_it(moto_stack: MotoStack) -> None:
    # Given an eligible ambassador with a weekly cap ledger and a share link
    moto_stack.http("POST", "/api/ambassadors", body=ANN, admin=True)
    moto_stack.http("POST", "/api/ambassadors", body={**ANN, "id": "E2"}, admin=True)
    ddb = _ddb()
    ledger = {**keys.share_cap_ledger("E1", "2026-W10"), "vacancies": ["greenhouse-1"]}
    link = {**keys.share_link("AbCdEfGh12"), "code": "AbCdEfGh12", "ambassador_id": "E1"}
    for item in (ledger, link):
        ddb.put_item(TableName=moto_stack.table_name, Item=serialize(item))
    # When she is erased
    result = moto_stack.http("DELETE", "/api/ambassadors/E1", admin=True)
    # Then her profile, personal data and ledgers are gone, and she is no longer eligible
    assert result.status == 204
    assert result.body == ""
    _error(moto_stack.http("GET", "/api/ambassadors/E1", admin=True), 404, "not_found")
    collection = ddb.query(
        TableName=moto_stack.table_name,
        KeyConditionExpression="pk = :pk",
        ExpressionAttributeValues={":pk": {"S": "AMB#E1"}},
    )
    assert collection["Items"] == []
    assert _eligible(moto_stack) == ["AMB#E2"]
    listed = moto_stack.http("GET", "/api/ambassadors", admin=True).json()["items"]
    assert [a["id"] for a in listed] == ["E2"]
    # And her share link stays (it references only the employee id)
    assert "Item" in ddb.get_item(
        TableName=moto_stack.table_name, Key=serialize(keys.share_link("AbCdEfGh12"))
    )
    # And an erasure record keyed by a hash holds the time and nothing personal
    record = ddb.get_item(
        TableName=moto_stack.table_name, Key=serialize(keys.erasure_record(erasure_subject("E1")))
    )
    stored = deserialize(record["Item"])
    assert set(stored) == {"pk", "sk", "entity", "erased_at"}
    assert "E1" not in stored["pk"]


def test_erasure_is_idempotent_and_unknown_ids_are_404(moto_stack: MotoStack) -> None:
    moto_stack.http("POST", "/api/ambassadors", body=ANN, admin=True)
    assert moto_stack.http("DELETE", "/api/ambassadors/E1", admin=True).status == 204
    # A repeated erasure of a known-erased id succeeds again (nothing left to delete)
    assert moto_stack.http("DELETE", "/api/ambassadors/E1", admin=True).status == 204
    # An id Kring never knew is not found
    _error(moto_stack.http("DELETE", "/api/ambassadors/E999", admin=True), 404, "not_found")


def test_an_erased_ambassador_can_be_added_again_as_new(moto_stack: MotoStack) -> None:
    moto_stack.http("POST", "/api/ambassadors", body=ANN, admin=True)
    moto_stack.http("DELETE", "/api/ambassadors/E1", admin=True)
    again = moto_stack.http("POST", "/api/ambassadors", body=ANN, admin=True)
    assert again.status == 201


def test_erasure_keeps_the_reward_ledger_and_stays_idempotent(moto_stack: MotoStack) -> None:
    """What was owed or paid for a referred hire is the organisation's financial record: erasure
    removes the person, not the books."""
    from datetime import UTC, datetime

    from tests.support.attribution_data import put_reward

    moto_stack.http("POST", "/api/ambassadors", body=ANN, admin=True)
    put_reward("E1", "r1", hired_at=datetime(2026, 6, 1, tzinfo=UTC), status="paid")

    assert moto_stack.http("DELETE", "/api/ambassadors/E1", admin=True).status == 204

    collection = _ddb().query(
        TableName=moto_stack.table_name,
        KeyConditionExpression="pk = :pk",
        ExpressionAttributeValues={":pk": {"S": "AMB#E1"}},
    )
    assert [deserialize(i)["sk"] for i in collection["Items"]] == ["REWARD#r1"]
    _error(moto_stack.http("GET", "/api/ambassadors/E1", admin=True), 404, "not_found")
    rewards = moto_stack.http("GET", "/api/rewards", query="ambassador_id=E1", admin=True).json()
    assert [(r["reward_id"], r["status"]) for r in rewards["items"]] == [("r1", "paid")]
    # erased again: recognised as already erased, the ledger still there
    assert moto_stack.http("DELETE", "/api/ambassadors/E1", admin=True).status == 204
    assert _ddb().get_item(TableName=moto_stack.table_name, Key=serialize(keys.reward("E1", "r1")))["Item"]

"""POST /webhooks/greenhouse: the real handler, routed as template.yaml routes it, under moto —
tables, idempotency table and bus as in the template, idempotency on, secrets from the
environment (and once from SSM). Events are captured from the bus itself: a rule on the stack's
bus delivers every ``kring.ats`` event to a queue the test reads."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import boto3
import pytest

from kring import config, events
from kring.dal import keys
from kring.dal.vacancies import VacancyRepository
from kring.errors import NotFoundError
from kring.intake import vacancies
from tests.support import greenhouse as gh
from tests.support.bus import Bus
from tests.support.fixtures import REGION, MotoStack, clear_kring_caches

POST_ID = "1813002"  # greenhouse_job_post_updated.json
JOB_ID = "1842002"
VID = f"greenhouse-{POST_ID}"


@pytest.fixture
def bus(moto_stack: MotoStack) -> Bus:
    return Bus(moto_stack.stack.physical_name("KringBus"))


@pytest.fixture
def send(moto_stack: MotoStack) -> Any:
    def _send(body: bytes, event_id: str | None = None, **kw: Any) -> Any:
        return moto_stack.http("POST", gh.PATH, body=body, headers=gh.headers(body, event_id, **kw))

    return _send


def published(envelopes: list[dict[str, Any]]) -> list[events.VacancyPublished]:
    model = events.Envelope[events.VacancyPublished]
    return [model.model_validate(e).detail for e in envelopes if e["detail-type"] == "VacancyPublished"]


def closed(envelopes: list[dict[str, Any]]) -> list[events.VacancyClosed]:
    model = events.Envelope[events.VacancyClosed]
    return [model.model_validate(e).detail for e in envelopes if e["detail-type"] == "VacancyClosed"]


def table_items(moto_stack: MotoStack, table: str | None = None) -> int:
    """How many items a table holds (a test-only look at the whole table), but for the ATS status
    items, where a refused delivery is noted as the ATS's last error (the Connections page's;
    tests/integration/test_dashboard_connections.py)."""
    ddb = boto3.client("dynamodb", region_name=REGION)
    if table is not None:
        return int(ddb.scan(TableName=table, Select="COUNT")["Count"])
    status = keys.ats_last_delivery("")["pk"]
    return int(
        ddb.scan(
            TableName=moto_stack.table_name,
            Select="COUNT",
            FilterExpression="pk <> :status",
            ExpressionAttributeValues={":status": {"S": status}},
        )["Count"]
    )


# ------------------------------------------------------------------------------------------ samples
@pytest.mark.parametrize(
    "name", ["job_created", "job_post_created", "job_post_updated", "new_candidate_application"]
)
def test_every_greenhouse_sample_is_accepted_with_its_documented_signature(
    moto_stack: MotoStack, bus: Bus, name: str
) -> None:
    body = gh.raw(name)

    result = moto_stack.http(
        "POST",
        gh.PATH,
        body=body,
        headers=gh.headers(body, f"evt-{name}", signature=gh.documented_signature(name)),
    )

    assert result.status == 200
    assert result.json() == {"received": True}
    # no sample has a live post; the application is the only event (test_ats_candidate_webhooks.py)
    expected = ["ApplicationReceived"] if name == "new_candidate_application" else []
    assert [e["detail-type"] for e in bus.drain()] == expected


def test_a_sample_post_that_is_not_live_is_stored_as_draft(send: Any, bus: Bus) -> None:
    assert send(gh.raw("job_post_updated")).status == 200

    vacancy = vacancies.get_vacancy(VID)
    assert vacancy.status == "draft"
    assert vacancy.title == "A Cool Job"
    assert vacancy.url == f"https://job-boards.greenhouse.io/acme/jobs/{POST_ID}"
    assert bus.drain() == []


# ------------------------------------------------------------------------------------------ refusals
def test_a_tampered_body_is_refused_and_nothing_happens(moto_stack: MotoStack, bus: Bus) -> None:
    body = gh.post(live=True)
    tampered = body.replace(b"A Cool Job", b"A Cool Jab")

    result = moto_stack.http("POST", gh.PATH, body=tampered, headers=gh.headers(body, "evt-1"))

    assert result.status == 401
    assert result.json()["error"]["code"] == "unauthorized"
    assert table_items(moto_stack) == 0
    assert table_items(moto_stack, moto_stack.stack.physical_name("IdempotencyTable")) == 0
    assert bus.drain() == []


@pytest.mark.parametrize("signature", ["", "sha256 " + "0" * 64, "sha256 deadbeef"])
def test_a_missing_or_wrong_signature_is_refused(moto_stack: MotoStack, send: Any, signature: str) -> None:
    result = send(gh.post(live=True), signature=signature)

    assert result.status == 401
    assert set(result.json()["error"]) == {"code", "message"}
    assert table_items(moto_stack) == 0


def test_malformed_json_with_a_valid_signature_is_a_400(moto_stack: MotoStack, send: Any) -> None:
    result = send(b'{"action": "job_post_updated", "payload": {')

    assert result.status == 400
    assert result.json()["error"]["code"] == "bad_request"
    assert table_items(moto_stack) == 0


def test_a_body_over_one_mebibyte_is_a_413(moto_stack: MotoStack, send: Any) -> None:
    padding = "x" * (1024 * 1024)
    body = gh.encode({"action": "job_post_updated", "payload": {"padding": padding}})

    result = send(body)

    assert result.status == 413
    assert result.json()["error"]["code"] == "payload_too_large"


def test_an_unknown_provider_is_a_404(moto_stack: MotoStack) -> None:
    body = gh.raw("job_post_updated")

    result = moto_stack.http("POST", "/webhooks/teamcity", body=body, headers=gh.headers(body))

    assert result.status == 404
    assert result.json()["error"]["code"] == "not_found"


def test_a_provider_without_a_secret_is_a_404(
    moto_stack: MotoStack, send: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("KRING_WEBHOOK_SECRET_GREENHOUSE")
    clear_kring_caches()

    result = send(gh.post(live=True))

    assert result.status == 404
    assert table_items(moto_stack) == 0


def test_the_ping_is_answered_200(send: Any, bus: Bus) -> None:
    result = send(gh.action("ping", {"web_hook_id": 42}))

    assert result.status == 200
    assert bus.drain() == []


def test_an_unsigned_ping_is_refused(send: Any) -> None:
    assert send(gh.action("ping", {"web_hook_id": 42}), signature="").status == 401


# ------------------------------------------------------------------------------------------ vacancies
def test_a_live_post_is_stored_and_vacancy_published_is_put_on_the_bus(send: Any, bus: Bus) -> None:
    result = send(gh.post(live=True), "evt-live")

    assert result.status == 200
    vacancy = vacancies.get_vacancy(VID)
    assert vacancy.status == "published"
    assert vacancy.published_at is not None
    envelopes = bus.drain()
    assert [(e["source"], e["detail-type"]) for e in envelopes] == [("kring.ats", "VacancyPublished")]
    (event,) = published(envelopes)
    assert event.vacancy_id == VID
    assert event.url == f"https://job-boards.greenhouse.io/acme/jobs/{POST_ID}"
    assert (event.title, event.external_id, event.external_job_id) == ("A Cool Job", POST_ID, JOB_ID)
    assert event.correlation_id == "greenhouse:evt-live"


def test_a_replayed_delivery_has_no_second_effect(moto_stack: MotoStack, send: Any, bus: Bus) -> None:
    body = gh.post(live=True)
    assert send(body, "evt-same").status == 200
    assert len(bus.drain()) == 1
    before = VacancyRepository().get(VID)

    again = send(body, "evt-same")

    assert again.status == 200
    assert bus.drain() == []
    assert VacancyRepository().get(VID) == before


def test_a_delivery_id_seen_before_is_not_applied_again_whatever_it_carries(
    moto_stack: MotoStack, send: Any, bus: Bus
) -> None:
    """Greenhouse retries with the same Greenhouse-Event-ID: the idempotency record answers."""
    send(gh.post(live=True, updated_at="2017-10-13T09:00:00Z"), "evt-retried")
    bus.drain()

    again = send(gh.post(live=False, updated_at="2017-10-13T10:00:00Z"), "evt-retried")

    assert again.status == 200
    assert vacancies.get_vacancy(VID).status == "published"
    assert bus.drain() == []
    assert table_items(moto_stack, moto_stack.stack.physical_name("IdempotencyTable")) == 1


def test_the_same_content_without_an_event_id_is_a_replay_too(send: Any, bus: Bus) -> None:
    body = gh.post(live=True)

    assert send(body, "").status == 200
    assert send(body, "").status == 200

    assert len(published(bus.drain())) == 1


def test_the_same_content_under_a_new_event_id_changes_nothing(send: Any, bus: Bus) -> None:
    body = gh.post(live=True)
    send(body, "evt-a")
    before = VacancyRepository().get(VID)

    send(body, "evt-b")

    assert VacancyRepository().get(VID) == before
    assert len(published(bus.drain())) == 1


def test_a_job_event_after_the_post_fills_the_department_and_publishes_again(send: Any, bus: Bus) -> None:
    send(gh.post(live=True))
    first = published(bus.drain())
    assert first[0].department is None

    result = send(gh.job(id=int(JOB_ID)))

    assert result.status == 200
    vacancy = vacancies.get_vacancy(VID)
    assert (vacancy.department, vacancy.location) == ("Technology", "New York, NY")
    assert "New York City" in vacancy.tags
    (again,) = published(bus.drain())
    assert (again.vacancy_id, again.department, again.location) == (VID, "Technology", "New York, NY")


def test_an_older_delivery_after_a_newer_one_changes_nothing(send: Any, bus: Bus) -> None:
    send(gh.post(live=True, title="Newer", updated_at="2017-10-13T09:00:00.000Z"))
    bus.drain()
    before = VacancyRepository().get(VID)

    result = send(gh.post(live=False, title="Older", updated_at="2017-10-12T18:29:08.399Z"))

    assert result.status == 200
    assert VacancyRepository().get(VID) == before
    assert vacancies.get_vacancy(VID).title == "Newer"
    assert bus.drain() == []


def test_a_post_taken_offline_closes_the_vacancy(send: Any, bus: Bus) -> None:
    send(gh.post(live=True, updated_at="2017-10-13T09:00:00Z"))
    send(gh.post(live=False, updated_at="2017-10-13T10:00:00Z"))

    assert vacancies.get_vacancy(VID).status == "closed"
    envelopes = bus.drain()
    assert [e["detail-type"] for e in envelopes] == ["VacancyPublished", "VacancyClosed"]
    assert closed(envelopes)[0].reason == "unpublished"


def test_a_deleted_post_closes_the_vacancy(send: Any, bus: Bus) -> None:
    send(gh.post(live=True))
    bus.drain()
    deleted = gh.action(
        "job_post_deleted",
        {"job_post": {**gh.payload("job_post_updated")["payload"], "live": False}},
    )

    assert send(deleted).status == 200

    assert vacancies.get_vacancy(VID).status == "closed"
    (event,) = closed(bus.drain())
    assert (event.vacancy_id, event.reason) == (VID, "deleted")


def test_without_a_board_token_a_greenhouse_vacancy_is_stored_but_not_published(
    send: Any, bus: Bus, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GREENHOUSE_BOARD_TOKEN", "")
    monkeypatch.setenv("CAREERS_HOSTS", "careers.example.com")
    config.clear_caches()

    assert send(gh.post(live=True)).status == 200

    vacancy = vacancies.get_vacancy(VID)
    assert (vacancy.status, vacancy.url) == ("draft", None)
    assert bus.drain() == []


def test_a_body_that_api_gateway_base64_encoded_still_verifies(moto_stack: MotoStack, bus: Bus) -> None:
    body = gh.post(live=True)
    headers = {**gh.headers(body), "Content-Type": "application/octet-stream"}

    result = moto_stack.http("POST", gh.PATH, body=body, headers=headers)

    assert result.status == 200
    assert len(published(bus.drain())) == 1


def test_the_secret_is_read_from_ssm_in_aws(send: Any, bus: Bus, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("KRING_WEBHOOK_SECRET_GREENHOUSE")
    monkeypatch.setenv("SECRETS_SSM_PATH", "/kring/test/")
    boto3.client("ssm", region_name=REGION).put_parameter(
        Name="/kring/test/webhook-secret-greenhouse", Value=gh.SECRET, Type="SecureString"
    )
    clear_kring_caches()

    assert send(gh.post(live=True)).status == 200
    assert len(published(bus.drain())) == 1


def test_the_vacancy_list_pages_over_stored_vacancies(send: Any) -> None:
    for post_id in (1, 2, 3):
        send(gh.post(id=post_id, live=True))

    first = vacancies.list_vacancies(2, None)
    second = vacancies.list_vacancies(2, first.cursor)

    assert [v.id for v in first.items + second.items] == ["greenhouse-1", "greenhouse-2", "greenhouse-3"]
    with pytest.raises(NotFoundError):
        vacancies.get_vacancy("greenhouse-4")


# ------------------------------------------------------------------------------- samples in events/
SAMPLES = sorted((Path(__file__).resolve().parents[2] / "events" / "http").glob("greenhouse_*.json"))


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.name)
def test_the_request_samples_in_events_are_signed_and_accepted(moto_stack: MotoStack, path: Path) -> None:
    result = moto_stack.invoke("AtsWebhookFunction", json.loads(path.read_text()))

    assert result["statusCode"] == 200, result


def test_the_published_post_sample_then_the_job_sample_make_a_complete_vacancy(
    moto_stack: MotoStack, bus: Bus
) -> None:
    http = Path(__file__).resolve().parents[2] / "events" / "http"
    for name in ("greenhouse_job_post_published.json", "greenhouse_job_created.json"):
        moto_stack.invoke("AtsWebhookFunction", json.loads((http / name).read_text()))

    vacancy = vacancies.get_vacancy("greenhouse-2154")
    assert (vacancy.status, vacancy.department, vacancy.location) == (
        "published",
        "Technology",
        "New York, NY",
    )
    assert [e.department for e in published(bus.drain())] == [None, "Technology"]

"""VacancyPublished → FanoutQueue → ShareFanoutFunction: the real handler under moto, with the
tables, the FIFO queue and the idempotency table as in template.yaml."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from aws_lambda_powertools.utilities.batch.exceptions import BatchProcessingError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kring import aws, config
from kring.dal import keys, share_links
from kring.dal.items import deserialize, serialize
from kring.dal.vacancies import StoredVacancy, VacancyRepository
from kring.models.ambassador import Ambassador
from kring.models.vacancy import Vacancy
from tests.support import fanout as fo
from tests.support.fanout import Published
from tests.support.fixtures import REGION, MotoStack, clear_kring_caches

NOW = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)


def _ambassador(ambassador_id: str, **overrides: Any) -> Ambassador:
    return fo.ambassador(ambassador_id, at=NOW, **overrides)


def _envelope(vacancy_id: str = "greenhouse-1", department: str | None = "Engineering", **detail: Any) -> str:
    return fo.published_envelope(
        time="2026-11-27T09:00:00Z",
        occurred_at="2026-11-27T09:00:00Z",
        correlation_id="test",
        vacancy_id=vacancy_id,
        external_id=vacancy_id.rsplit("-", maxsplit=1)[-1],
        title="Backend Engineer",
        url="https://job-boards.greenhouse.io/acme/jobs/1",
        department=department,
        location="Amsterdam",
        **detail,
    )


def _links_of(vacancy_id: str) -> dict[str, str]:
    got = aws.dynamodb().query(
        TableName=config.tables().table_name,
        IndexName=keys.GSI1,
        KeyConditionExpression="gsi1pk = :pk",
        ExpressionAttributeValues=serialize({":pk": keys.shares_of_vacancy(vacancy_id)}),
    )
    return {deserialize(i)["ambassador_id"]: deserialize(i)["code"] for i in got["Items"]}


def _drain(stack: MotoStack, publisher: Published) -> int:
    """Deliver every continuation message on the fan-out queue until it is empty; pages handled."""
    handled = 0
    while messages := stack.receive_all("FanoutQueue"):
        result = stack.invoke(
            "ShareFanoutFunction", fo.sqs_event(*(m["Body"] for m in messages)), publisher=publisher
        )
        assert result == {"batchItemFailures": []}
        handled += len(messages)
    return handled


def test_eligible_matching_ambassadors_get_one_link_each(moto_stack: MotoStack) -> None:
    fo.store_ambassadors(
        _ambassador("E1"),
        _ambassador("E2", interests=["engineering"]),
        _ambassador("E3", interests=["Sales"]),
        _ambassador("E4", phase="awareness"),
        _ambassador("E5", opted_in=False),
        _ambassador("E6", dormant=True, phase="evangelize"),
        _ambassador("E7", phase="evangelize", interests=["amsterdam"]),
    )
    published = Published()
    result = moto_stack.invoke("ShareFanoutFunction", fo.sqs_event(_envelope()), publisher=published)

    assert result == {"batchItemFailures": []}
    links = _links_of("greenhouse-1")
    assert set(links) == {"E1", "E2", "E7"}
    assert sorted(published.shared()) == ["E1", "E2", "E7"]
    for ambassador_id, code in links.items():
        stored = share_links.ShareLinkRepository().get(code)
        assert stored is not None
        assert (stored.ambassador_id, stored.vacancy_id) == (ambassador_id, "greenhouse-1")


def test_the_same_event_twice_changes_nothing(moto_stack: MotoStack) -> None:
    fo.store_ambassadors(_ambassador("E1"), _ambassador("E2"))
    published = Published()
    body = _envelope()
    moto_stack.invoke("ShareFanoutFunction", fo.sqs_event(body), publisher=published)
    first = _links_of("greenhouse-1")
    moto_stack.invoke("ShareFanoutFunction", fo.sqs_event(body), publisher=published)

    assert _links_of("greenhouse-1") == first
    assert sorted(published.shared()) == ["E1", "E2"]


def test_a_republished_vacancy_adds_only_newly_matching_ambassadors(moto_stack: MotoStack) -> None:
    fo.store_ambassadors(_ambassador("E1"), _ambassador("E2", interests=["Data"]))
    published = Published()
    moto_stack.invoke("ShareFanoutFunction", fo.sqs_event(_envelope(department=None)), publisher=published)
    assert set(_links_of("greenhouse-1")) == {"E1"}

    moto_stack.invoke("ShareFanoutFunction", fo.sqs_event(_envelope(department="Data")), publisher=published)
    assert set(_links_of("greenhouse-1")) == {"E1", "E2"}
    assert sorted(published.shared()) == ["E1", "E2"]


def test_the_weekly_cap_is_kept_and_counts_a_vacancy_once(moto_stack: MotoStack) -> None:
    fo.store_ambassadors(_ambassador("E1", share_cap_per_week=2), _ambassador("E2"))
    published = Published()
    for n in (1, 2, 3):
        body = _envelope(vacancy_id=f"greenhouse-{n}")
        moto_stack.invoke("ShareFanoutFunction", fo.sqs_event(body, body), publisher=published)

    assert [v for v in ("greenhouse-1", "greenhouse-2", "greenhouse-3") if "E1" in _links_of(v)] == [
        "greenhouse-1",
        "greenhouse-2",
    ]
    assert all("E2" in _links_of(f"greenhouse-{n}") for n in (1, 2, 3))


def test_a_closed_vacancy_gets_no_links(moto_stack: MotoStack) -> None:
    fo.store_ambassadors(_ambassador("E1"))
    VacancyRepository().put(
        StoredVacancy(
            vacancy=Vacancy(
                id="greenhouse-1",
                provider="greenhouse",
                external_id="1",
                title="Backend Engineer",
                url="https://job-boards.greenhouse.io/acme/jobs/1",
                status="closed",
                updated_at=NOW,
            ),
            closed_reason="unpublished",
        ),
        expected_revision=None,
    )
    published = Published()
    moto_stack.invoke("ShareFanoutFunction", fo.sqs_event(_envelope()), publisher=published)

    assert _links_of("greenhouse-1") == {}
    assert published.events == []


def test_more_ambassadors_than_a_page_are_chunked_through_the_fifo_queue(
    moto_stack: MotoStack, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FANOUT_PAGE_SIZE", "3")
    clear_kring_caches()
    people = [_ambassador(f"E{n:02d}") for n in range(10)]
    fo.store_ambassadors(*people)
    published = Published()

    moto_stack.invoke("ShareFanoutFunction", fo.sqs_event(_envelope()), publisher=published)
    assert len(_links_of("greenhouse-1")) == 3
    assert _drain(moto_stack, published) == 3  # pages 2, 3 and 4 (of 3, 3, 3 and 1)

    assert set(_links_of("greenhouse-1")) == {p.id for p in people}
    assert sorted(published.shared()) == sorted(p.id for p in people)


def test_a_poison_message_fails_alone_and_order_is_kept(moto_stack: MotoStack) -> None:
    fo.store_ambassadors(_ambassador("E1"))
    good, later = _envelope(), _envelope(vacancy_id="greenhouse-2")
    event = fo.sqs_event(good, '{"not": "a fan-out message"}', later)
    result = moto_stack.invoke("ShareFanoutFunction", event, publisher=Published())

    failed = [f["itemIdentifier"] for f in result["batchItemFailures"]]
    ids = [r["messageId"] for r in event["Records"]]
    assert failed == ids[1:]  # FIFO: the poison one and everything after it comes back, in order
    assert set(_links_of("greenhouse-1")) == {"E1"}
    assert _links_of("greenhouse-2") == {}


def test_shares_created_reaches_the_real_bus(moto_stack: MotoStack) -> None:
    fo.store_ambassadors(_ambassador("E1"))
    sqs = boto3.client("sqs", region_name=REGION)
    url = sqs.create_queue(QueueName="capture-fanout")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    bus = boto3.client("events", region_name=REGION)
    bus_name = config.bus().event_bus_name
    bus.put_rule(Name="capture", EventBusName=bus_name, EventPattern=json.dumps({"source": ["kring.fanout"]}))
    bus.put_targets(Rule="capture", EventBusName=bus_name, Targets=[{"Id": "q", "Arn": arn}])

    moto_stack.invoke("ShareFanoutFunction", fo.sqs_event(_envelope()))

    messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
    envelope = json.loads(messages[0]["Body"])
    assert envelope["detail-type"] == "SharesCreated"
    assert envelope["detail"]["ambassador_ids"] == ["E1"]


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_duplication_and_order_of_deliveries_ends_as_one_clean_delivery(
    moto_stack: MotoStack, monkeypatch: pytest.MonkeyPatch, data: st.DataObject
) -> None:
    """Redelivered pages, re-published events and interleavings: one link per eligible ambassador,
    each announced once."""
    monkeypatch.setenv("FANOUT_PAGE_SIZE", "2")
    clear_kring_caches()
    vacancy_id = f"greenhouse-{uuid.uuid4().hex[:8]}"
    people = [_ambassador(f"P{n}") for n in range(5)]
    fo.store_ambassadors(*people)  # the same five every example: earlier examples' vacancies differ
    published = Published()
    deliveries = [_envelope(vacancy_id=vacancy_id) for _ in range(data.draw(st.integers(1, 3)))]
    pending = [body for body in deliveries for _ in range(data.draw(st.integers(1, 2)))]
    while pending:
        pending = data.draw(st.permutations(pending))
        take = data.draw(st.integers(1, len(pending)))
        batch, pending = pending[:take], pending[take:]
        result = moto_stack.invoke("ShareFanoutFunction", fo.sqs_event(*batch), publisher=published)
        assert result == {"batchItemFailures": []}
        follow = [m["Body"] for m in moto_stack.receive_all("FanoutQueue")]
        pending += follow + (follow if data.draw(st.booleans()) else [])

    assert set(_links_of(vacancy_id)) == {p.id for p in people}
    assert sorted(published.shared()) == sorted(p.id for p in people)


def test_a_failed_write_is_retried_and_no_announcement_is_lost(moto_stack: MotoStack) -> None:
    fo.store_ambassadors(_ambassador("E1"), _ambassador("E2"))
    client = aws.dynamodb()
    failures: list[str] = []

    def fail_once(**_: Any) -> None:
        if not failures:
            failures.append("BatchWriteItem")
            raise RuntimeError("throttled beyond the SDK's retries")

    client.meta.events.register("before-call.dynamodb.BatchWriteItem", fail_once)
    published = Published()
    body = _envelope()
    try:
        with pytest.raises(BatchProcessingError):  # every record failed: the invocation fails, SQS retries
            moto_stack.invoke("ShareFanoutFunction", fo.sqs_event(body), publisher=published)
    finally:
        client.meta.events.unregister("before-call.dynamodb.BatchWriteItem", fail_once)
    assert _links_of("greenhouse-1") == {}

    retried = moto_stack.invoke("ShareFanoutFunction", fo.sqs_event(body), publisher=published)
    assert retried == {"batchItemFailures": []}
    assert set(_links_of("greenhouse-1")) == {"E1", "E2"}
    assert set(published.shared()) == {"E1", "E2"}  # announced at least once each


def test_only_a_fan_out_that_may_meet_links_of_another_looks_for_them(
    moto_stack: MotoStack, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first fan-out of a vacancy writes without the existing-link read; once a second one has
    begun, both look (and nobody is linked or announced twice)."""
    monkeypatch.setenv("FANOUT_PAGE_SIZE", "2")
    clear_kring_caches()
    fo.store_ambassadors(*(_ambassador(f"E{n}") for n in range(4)))
    client = aws.dynamodb()
    reads: list[str] = []

    def count(**_: Any) -> None:
        reads.append("BatchGetItem")

    client.meta.events.register("before-call.dynamodb.BatchGetItem", count)
    published = Published()
    try:
        first, second = _envelope(), _envelope()
        moto_stack.invoke("ShareFanoutFunction", fo.sqs_event(first), publisher=published)  # E0, E1
        assert reads == []
        moto_stack.invoke("ShareFanoutFunction", fo.sqs_event(second), publisher=published)  # E0, E1 again
        assert reads == ["BatchGetItem"]
        # the queue now holds page 2 of the first fan-out, then page 2 of the second
        assert _drain(moto_stack, published) == 2
    finally:
        client.meta.events.unregister("before-call.dynamodb.BatchGetItem", count)

    assert reads == ["BatchGetItem"] * 3
    assert set(_links_of("greenhouse-1")) == {"E0", "E1", "E2", "E3"}
    assert sorted(published.shared()) == ["E0", "E1", "E2", "E3"]

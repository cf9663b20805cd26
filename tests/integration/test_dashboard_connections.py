"""The Connections page through the real DashboardFunction under moto: each ATS (connected or not,
its webhook URL, where its secret goes, its last delivery and last error as the webhook intake
notes them), the parked messages of the dead-letter queues, and the Redrive button: a recruiter
puts them back on their queue (audited), a viewer is refused and nothing moves, a bad form is a
400 page. Any query or form on these routes answers below 500.

moto has no SQS message-move task: :func:`_move_tasks` answers ``StartMessageMoveTask`` on the
function's SQS client as SQS does it (every message of the DLQ into the queue whose redrive policy
in template.yaml names the DLQ). A rule's DLQ is redriven through moto's own SQS (receive, send to
the target's queue, delete).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any
from urllib.parse import urlencode

import boto3
import pytest

from kring import aws
from kring.access import audit
from kring.dal import ats_deliveries
from kring.dashboard import connections
from kring.integrations import secrets
from tests.support import team
from tests.support.dashboard import read_csv, read_page
from tests.support.fixtures import PUBLIC_BASE_URL, REGION, MotoStack, clear_kring_caches
from tests.support.link_activity import counting
from tests.support.pages import get_page, post_form

NOW = datetime.now(UTC)
PAGE = "/dashboard/connections"
REDRIVE = "/dashboard/connections/redrive"


@pytest.fixture
def world(moto_stack: MotoStack) -> Iterator[MotoStack]:
    moved = _move_tasks(moto_stack)
    yield moto_stack
    aws.sqs().meta.events.unregister("before-call.sqs.StartMessageMoveTask", moved)


def _move_tasks(world: MotoStack) -> Any:
    by_arn = {
        boto3.client("sqs", region_name=REGION).get_queue_attributes(
            QueueUrl=url, AttributeNames=["QueueArn"]
        )["Attributes"]["QueueArn"]: logical
        for logical, url in world.queue_urls.items()
    }

    def move(params: dict[str, Any], **_: Any) -> tuple[Any, dict[str, Any]]:
        params = json.loads(params["body"])  # the request as sent (SQS's JSON protocol)
        sqs = boto3.client("sqs", region_name=REGION)
        source = by_arn[params["SourceArn"]]
        assert "DestinationArn" not in params
        dlq_name = world.stack.queues()[source].name
        targets = [
            logical
            for logical, q in world.stack.queues().items()
            if (q.dead_letter_arn or "").endswith(":" + dlq_name)
        ]
        assert targets, f"{dlq_name} is no queue's DLQ: SQS refuses the task"
        while got := sqs.receive_message(QueueUrl=world.queue_url(source), MaxNumberOfMessages=10).get(
            "Messages", []
        ):
            for message in got:
                for target in targets:
                    sqs.send_message(QueueUrl=world.queue_url(target), MessageBody=message["Body"])
                sqs.delete_message(QueueUrl=world.queue_url(source), ReceiptHandle=message["ReceiptHandle"])
        return SimpleNamespace(status_code=200), {"TaskHandle": "task-1"}

    aws.sqs().meta.events.register("before-call.sqs.StartMessageMoveTask", move)  # type: ignore[arg-type]
    return move


def _park(world: MotoStack, logical_id: str, body: str, **attributes: str) -> None:
    boto3.client("sqs", region_name=REGION).send_message(
        QueueUrl=world.queue_url(logical_id),
        MessageBody=body,
        MessageAttributes={k: {"DataType": "String", "StringValue": v} for k, v in attributes.items()},
    )


def _depth(world: MotoStack, logical_id: str) -> int:
    got = boto3.client("sqs", region_name=REGION).get_queue_attributes(
        QueueUrl=world.queue_url(logical_id), AttributeNames=["ApproximateNumberOfMessages"]
    )
    return int(got["Attributes"]["ApproximateNumberOfMessages"])


def _csrf(body: str) -> str:
    return body.split('name="csrf" value="')[1].split('"', maxsplit=1)[0]


FETCH = json.dumps(
    {"origin": "lever:delivery-1:0", "request": {"provider": "lever", "kind": "application", "ids": ["x"]}}
)
EVENT = json.dumps(
    {"id": "e-1", "detail-type": "ApplicationReceived", "source": "kring.ats", "detail": {"a": 1}}
)


def test_each_ats_shows_whether_it_is_connected_its_webhook_and_where_its_secret_goes(
    world: MotoStack, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("KRING_WEBHOOK_SECRET_ASHBY")
    ats_deliveries.record_delivery("greenhouse", NOW - timedelta(hours=1))
    ats_deliveries.record_error("recruitee", NOW - timedelta(minutes=5), "401 unauthorized")
    _park(world, "AtsFetchDLQ", FETCH)
    cookie = team.signed_in_as(world, "viewer")

    got = get_page(world, PAGE, cookie)

    assert got.status == 200, got.body
    page = read_page(got.body)
    assert ("/dashboard/connections", "Connections") in page.links
    rows = {row[0]: row for row in page.tables["ats"][1:]}
    assert list(rows) == [
        "Greenhouse", "Lever", "Ashby", "Recruitee", "Teamtailor", "Workable", "SmartRecruiters"
    ]  # fmt: skip
    assert rows["Greenhouse"][1] == "Yes"
    assert rows["Ashby"][1] == "No"
    setup = {row[0]: row for row in page.tables["setup"][1:]}
    assert list(setup) == list(rows)
    assert setup["Greenhouse"][1] == f"{PUBLIC_BASE_URL}/webhooks/greenhouse"
    assert setup["Greenhouse"][2] == (
        "AWS: /kring/<stage>/webhook-secret-greenhouse; locally: KRING_WEBHOOK_SECRET_GREENHOUSE"
    )
    assert setup["Lever"][3].startswith("Natively")
    assert "test_secret_do_not_use" not in got.body  # never a secret's value
    assert rows["Greenhouse"][2] != "n/a"
    assert rows["Greenhouse"][3] == "n/a"  # no error
    assert rows["Recruitee"][3].endswith(": 401 unauthorized")
    assert rows["Lever"][3].endswith(": an API call failed and was parked")
    exported = get_page(world, f"{PAGE}.csv?table=ats", cookie)
    assert exported.status == 200
    none = "n/a"  # an empty cell on the page, nothing in the CSV
    assert read_csv(exported.body) == [["" if c == none else c for c in row] for row in page.tables["ats"]]


def test_a_refused_webhook_is_the_ats_s_last_error_and_a_verified_one_its_last_delivery(
    world: MotoStack,
) -> None:
    refused = world.http("POST", "/webhooks/greenhouse", body=b"{}", headers={"signature": "sha256 bad"})
    assert refused.status == 401
    world.http("POST", "/webhooks/no-such-ats", body=b"{}")  # unknown: not noted
    statuses = ats_deliveries.statuses()
    assert set(statuses) == {"greenhouse"}
    assert statuses["greenhouse"].last_error == "401 unauthorized"
    assert statuses["greenhouse"].last_delivery_at is None
    # a second refusal within the minute costs no write
    calls, stop = counting(aws.dynamodb())
    try:
        world.http("POST", "/webhooks/greenhouse", body=b"{}", headers={"signature": "sha256 bad"})
    finally:
        stop()
    assert "UpdateItem" not in calls
    assert ats_deliveries.last_deliveries() == {}  # the digest's "silent ATS" ignores error-only items


def test_a_recruiter_redrives_a_parked_message_back_to_its_queue_and_it_is_audited(world: MotoStack) -> None:
    _park(world, "AtsFetchDLQ", FETCH)
    _park(world, "CandidateEventsRuleDLQ", EVENT, ERROR_CODE="SQSError", ERROR_MESSAGE="throttled")
    cookie = team.signed_in_as(world, "recruiter", locale="nl")
    shown = get_page(world, PAGE, cookie)
    assert shown.status == 200, shown.body
    page = read_page(shown.body)
    counts = {row[0]: row[1] for row in page.tables["queues"][1:]}
    assert counts["AtsFetchDLQ"] == "1"
    assert counts["CandidateEventsRuleDLQ"] == "1"
    assert counts["MailDLQ"] == "0"
    parked = {row[0]: row for row in page.tables["parked"][1:]}
    assert parked["AtsFetchDLQ"][1] == "AtsFetch (lever)"
    assert parked["CandidateEventsRuleDLQ"][1] == "ApplicationReceived"
    assert parked["CandidateEventsRuleDLQ"][4] == "SQSError: throttled"
    assert "AtsFetchDLQ terugzetten (1)" in shown.body

    done = post_form(world, REDRIVE, {"csrf": _csrf(shown.body), "queue": "AtsFetchDLQ"}, cookie)

    assert done.status == 303, done.body
    assert done.headers["location"] == f"{PAGE}?done=redriven&queue=AtsFetchDLQ"
    assert _depth(world, "AtsFetchDLQ") == 0
    [back] = world.receive_all("AtsFetchQueue")
    assert back["Body"] == FETCH
    assert _depth(world, "CandidateEventsRuleDLQ") == 1  # only the one asked for
    entries, _ = audit.read(NOW.date(), NOW.date() + timedelta(days=1), 10, None)
    [entry] = [e for e in entries if e.route == "POST /dashboard/connections/redrive"]
    assert entry.target == "AtsFetchDLQ"
    assert entry.role == "recruiter"
    after = get_page(world, f"{PAGE}?done=redriven&queue=AtsFetchDLQ", cookie)
    assert "De berichten van AtsFetchDLQ worden teruggezet in hun wachtrij." in after.body

    # a rule's DLQ goes back into the rule target's queue
    shown = get_page(world, PAGE, cookie)
    rule = post_form(world, REDRIVE, {"csrf": _csrf(shown.body), "queue": "CandidateEventsRuleDLQ"}, cookie)
    assert rule.status == 303
    [event] = world.receive_all("CandidateEventsQueue")
    assert json.loads(event["Body"])["detail-type"] == "ApplicationReceived"


def test_a_viewer_sees_no_redrive_button_and_is_refused_and_nothing_moves(world: MotoStack) -> None:
    _park(world, "AtsFetchDLQ", FETCH)
    cookie = team.signed_in_as(world, "viewer")
    shown = get_page(world, PAGE, cookie)
    assert "Redrive AtsFetchDLQ" not in shown.body
    refused = post_form(world, REDRIVE, {"csrf": _csrf(shown.body), "queue": "AtsFetchDLQ"}, cookie)
    assert refused.status == 403
    assert _depth(world, "AtsFetchDLQ") == 1
    entries, _ = audit.read(NOW.date(), NOW.date() + timedelta(days=1), 10, None)
    assert not [e for e in entries if e.route == "POST /dashboard/connections/redrive"]


@pytest.mark.parametrize(
    "form",
    [
        {},
        {"queue": ""},
        {"queue": "NoSuchDLQ"},
        {"queue": "JobPollerDLQ"},  # a schedule's: make redrive only
        {"queue": "VacancyPublishedRuleDLQ"},  # a FIFO rule target's: make redrive only
    ],
)
def test_a_bad_form_is_a_400_page_that_names_the_field_and_moves_nothing(
    world: MotoStack, form: dict[str, str]
) -> None:
    _park(world, "JobPollerDLQ", "{}")
    cookie = team.signed_in_as(world, "recruiter")
    csrf = _csrf(get_page(world, PAGE, cookie).body)
    bad = post_form(world, REDRIVE, {"csrf": csrf, **form}, cookie)
    assert bad.status == 400, bad.body
    assert "queue" in bad.body
    assert _depth(world, "JobPollerDLQ") == 1
    assert post_form(world, REDRIVE, {"csrf": "forged", "queue": "AtsFetchDLQ"}, cookie).status == 403


def test_an_unknown_table_is_404_and_the_page_never_scans(world: MotoStack) -> None:
    cookie = team.signed_in_as(world, "viewer")
    assert get_page(world, f"{PAGE}.csv?table=nothing", cookie).status == 404
    for name in connections.TABLES:
        assert get_page(world, f"{PAGE}.csv?table={name}", cookie).status == 200
    calls, stop = counting(aws.dynamodb())
    try:
        assert get_page(world, PAGE, cookie).status == 200
    finally:
        stop()
    assert "Scan" not in calls
    assert calls["Query"] == 1 + 0  # the ATS statuses (the session read is a GetItem)


def test_any_query_or_form_on_the_connections_routes_answers_below_500(world: MotoStack) -> None:
    from hypothesis import given
    from hypothesis import strategies as st

    from tests.support import hostile

    _park(world, "JobPollerDLQ", "{}")
    cookie = team.signed_in_as(world, "recruiter")
    csrf = _csrf(get_page(world, PAGE, cookie).body)
    text = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=40)
    fields = st.dictionaries(st.sampled_from(["csrf", "queue", "table", "done", "x"]), text | st.just(csrf))

    @hostile.fuzz_settings(examples=40)
    @given(query=fields, form=fields, path=st.sampled_from([PAGE, f"{PAGE}.csv"]))
    def any_input(query: dict[str, str], form: dict[str, str], path: str) -> None:
        got = world.http("GET", path, headers={"cookie": cookie}, query=urlencode(query))
        assert got.status < 500, (path, query, got.status)
        posted = post_form(world, REDRIVE, form, cookie)
        assert posted.status < 500, (form, posted.status)
        assert _depth(world, "JobPollerDLQ") == 1

    any_input()


def test_in_aws_an_ats_is_connected_when_its_ssm_parameter_exists(
    world: MotoStack, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SECRETS_SSM_PATH", "/kring/prod/")
    boto3.client("ssm", region_name=REGION).put_parameter(
        Name="/kring/prod/webhook-secret-lever", Value="the-secret-value", Type="SecureString"
    )
    clear_kring_caches()

    assert secrets.is_configured("webhook-secret-lever")
    assert not secrets.is_configured("webhook-secret-greenhouse")  # the environment does not count in AWS
    assert connections.ssm_parameter("lever") == "/kring/prod/webhook-secret-lever"

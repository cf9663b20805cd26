"""GET and HEAD /r/{code}: the real handler under moto, with the table, the bus and the spool queue
as in template.yaml. What went on the bus is read from a capturing rule → queue."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

import boto3
import pytest

from kring import aws
from kring.dal import share_links
from kring.dal import vacancies as vacancy_items
from kring.events import LinkClicked
from kring.links.click_tokens import is_click_token
from kring.models.vacancy import ShareLink, Vacancy
from tests.support.fixtures import REGION, MotoStack

if TYPE_CHECKING:
    from mypy_boto3_sqs.type_defs import MessageTypeDef

CAREERS = "https://careers.kring.test/jobs"
CHROME = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36"
)
BROWSER = {"user-agent": CHROME, "accept-language": "nl-NL,nl;q=0.9,en;q=0.8"}
NOW = datetime(2026, 11, 29, 8, 0, tzinfo=UTC)
CODE = "AbCdE12345"
EVENTS = Path(__file__).resolve().parents[2] / "events"


def _vacancy(vacancy_id: str = "greenhouse-1", **overrides: Any) -> Vacancy:
    data: dict[str, Any] = {
        "id": vacancy_id,
        "provider": "greenhouse",
        "external_id": vacancy_id.rsplit("-", 1)[-1],
        "title": "Backend Engineer",
        "url": f"https://job-boards.greenhouse.io/acme/jobs/{vacancy_id.rsplit('-', 1)[-1]}?gh_jid=1",
        "status": "published",
        "updated_at": NOW,
    }
    data.update(overrides)
    return Vacancy.model_validate(data)


def _store(stack: MotoStack, vacancy: Vacancy, code: str = CODE, ambassador_id: str = "E1001") -> None:
    ddb = boto3.client("dynamodb", region_name=REGION)
    ddb.put_item(
        TableName=stack.table_name,
        Item=vacancy_items.to_item(vacancy_items.StoredVacancy(vacancy=vacancy)),
    )
    link = ShareLink(code=code, vacancy_id=vacancy.id, ambassador_id=ambassador_id, created_at=NOW)
    ddb.put_item(TableName=stack.table_name, Item=share_links.to_item(link))


@pytest.fixture
def bus(moto_stack: MotoStack) -> Callable[[], list[dict[str, Any]]]:
    """Every event the redirect puts on the bus, read back as EventBridge envelopes."""
    sqs = boto3.client("sqs", region_name=REGION)
    url = sqs.create_queue(QueueName=f"capture-{uuid.uuid4().hex[:8]}")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    events = boto3.client("events", region_name=REGION)
    bus_name = moto_stack.stack.physical_name("KringBus")
    events.put_rule(
        Name="capture-clicks", EventBusName=bus_name, EventPattern=json.dumps({"source": ["kring.redirect"]})
    )
    events.put_targets(Rule="capture-clicks", EventBusName=bus_name, Targets=[{"Id": "q", "Arn": arn}])

    def read() -> list[dict[str, Any]]:
        out = []
        while messages := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []):
            for message in messages:
                out.append(json.loads(message["Body"]))
                sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
        return out

    return read


@pytest.fixture
def dynamodb_calls(moto_stack: MotoStack) -> Iterator[list[str]]:
    """The DynamoDB operations the redirect's own client sends."""
    del moto_stack
    calls: list[str] = []

    def count(model: Any, **_: Any) -> None:
        calls.append(model.name)

    client = aws.hot_path_client("dynamodb")
    client.meta.events.register("before-call.dynamodb", count)
    yield calls
    client.meta.events.unregister("before-call.dynamodb", count)


def _query(location: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(location).query, keep_blank_values=True)


def test_a_click_is_a_302_to_the_vacancy_with_utm_and_a_click_token(
    moto_stack: MotoStack, bus: Callable[[], list[dict[str, Any]]]
) -> None:
    _store(moto_stack, _vacancy())

    got = moto_stack.http(
        "GET",
        f"/r/{CODE}",
        query="ch=linkedin",
        headers={**BROWSER, "referer": "https://www.LinkedIn.com/feed/"},
    )

    assert got.status == 302
    assert got.headers["cache-control"] == "no-store"
    assert got.headers["referrer-policy"] == "no-referrer"
    assert "set-cookie" not in got.headers
    location = got.headers["location"]
    assert location.startswith("https://job-boards.greenhouse.io/acme/jobs/1?")
    query = _query(location)
    assert query["gh_jid"] == ["1"]  # the page's own query is kept
    assert query["utm_source"] == ["linkedin"]
    assert query["utm_medium"] == ["employee_advocacy"]
    assert query["utm_campaign"] == ["kring"]
    token = query["kref"][0]
    assert is_click_token(token)
    assert "E1001" not in location
    assert CODE not in location
    (event,) = bus()
    assert event["detail-type"] == "LinkClicked"
    assert event["source"] == "kring.redirect"
    detail = event["detail"]
    assert detail["click_id"] == token
    assert detail["code"] == CODE
    assert detail["vacancy_id"] == "greenhouse-1"
    assert detail["ambassador_id"] == "E1001"
    assert detail["channel"] == "linkedin"
    assert detail["referer_host"] == "www.linkedin.com"
    assert detail["visitor_kind"] == "human"
    assert detail["bot_reason"] is None
    assert detail["vacancy_closed"] is False


def test_the_sample_request_in_events_is_redirected(
    moto_stack: MotoStack, bus: Callable[[], list[dict[str, Any]]]
) -> None:
    """events/http/redirect_linkedin.json (``sam local invoke -e``) through the real handler."""
    sample = json.loads((EVENTS / "http" / "redirect_linkedin.json").read_text())
    _store(moto_stack, _vacancy(), code=sample["pathParameters"]["code"])

    got = moto_stack.invoke("RedirectFunction", sample)

    assert got["statusCode"] == 302
    (event,) = bus()
    assert event["detail"]["channel"] == "linkedin"
    assert event["detail"]["referer_host"] == "www.linkedin.com"
    assert event["detail"]["occurred_at"] == "2026-11-29T08:15:02.481000Z"  # API Gateway's timeEpoch


def test_the_emitted_detail_is_a_link_clicked_the_recorder_can_parse(
    moto_stack: MotoStack, bus: Callable[[], list[dict[str, Any]]]
) -> None:
    """Contract: the redirect builds the detail without pydantic; the consumer parses it with it."""
    _store(moto_stack, _vacancy())
    moto_stack.http("GET", f"/r/{CODE}", headers={**BROWSER, "referer": "https://t.co/x1"})

    (event,) = bus()
    assert (event["source"], event["detail-type"]) == (LinkClicked.SOURCE, LinkClicked.detail_type())
    click = LinkClicked.model_validate(event["detail"])
    assert click.channel == "x"
    assert click.correlation_id == click.click_id


def test_the_visitor_is_a_daily_keyed_hash_and_nothing_of_the_ip_or_agent_is_sent(
    moto_stack: MotoStack, bus: Callable[[], list[dict[str, Any]]]
) -> None:
    from kring.links.visitors import daily_salt, visitor_hash
    from tests.support.fixtures import VISITOR_HASH_KEY

    _store(moto_stack, _vacancy())
    moto_stack.http("GET", f"/r/{CODE}", headers=BROWSER)

    (event,) = bus()
    detail = event["detail"]
    day = datetime.fromisoformat(detail["occurred_at"]).date()
    salt = daily_salt(VISITOR_HASH_KEY.encode(), day)
    assert detail["visitor"] == visitor_hash(salt, "127.0.0.1", CHROME)  # http_api_event's sourceIp
    text = json.dumps(event)
    assert "127.0.0.1" not in text
    assert "Chrome" not in text


def test_head_gets_the_302_and_is_emitted_as_a_head_click(
    moto_stack: MotoStack, bus: Callable[[], list[dict[str, Any]]]
) -> None:
    _store(moto_stack, _vacancy())

    got = moto_stack.http("HEAD", f"/r/{CODE}", headers=BROWSER)

    assert got.status == 302
    assert got.body == ""
    assert is_click_token(_query(got.headers["location"])["kref"][0])
    (event,) = bus()
    assert event["detail"]["visitor_kind"] == "head"
    assert event["detail"]["bot_reason"] == "HEAD"


def test_a_link_preview_bot_gets_the_same_302_and_is_a_bot_click(
    moto_stack: MotoStack, bus: Callable[[], list[dict[str, Any]]]
) -> None:
    _store(moto_stack, _vacancy())
    linkedin = "LinkedInBot/1.0 (compatible; Mozilla/5.0; Apache-HttpClient +http://www.linkedin.com)"

    got = moto_stack.http("GET", f"/r/{CODE}", query="ch=linkedin", headers={"user-agent": linkedin})

    assert got.status == 302
    assert got.headers["location"].startswith("https://job-boards.greenhouse.io/acme/jobs/1?")
    (event,) = bus()
    assert (event["detail"]["visitor_kind"], event["detail"]["bot_reason"]) == ("preview", "LinkedInBot")


@pytest.mark.parametrize("code", ["short", "AbCdE1234!", "AbCdE123456", "AbCdE-2345", "ÄbCdE12345"])
def test_a_malformed_code_is_a_404_page_without_any_database_read(
    moto_stack: MotoStack,
    bus: Callable[[], list[dict[str, Any]]],
    dynamodb_calls: list[str],
    code: str,
) -> None:
    got = moto_stack.http("GET", f"/r/{code}", headers=BROWSER)

    assert got.status == 404
    assert got.headers["content-type"].startswith("text/html")
    assert got.headers["cache-control"] == "no-store"
    assert "This link does not exist" in got.body
    assert dynamodb_calls == []
    assert bus() == []


def test_an_unknown_code_is_a_404_page_and_nothing_is_counted(
    moto_stack: MotoStack, bus: Callable[[], list[dict[str, Any]]], dynamodb_calls: list[str]
) -> None:
    got = moto_stack.http("GET", "/r/Zz9Zz9Zz9Z", headers=BROWSER)
    again = moto_stack.http("HEAD", "/r/Zz9Zz9Zz9Z", headers=BROWSER)

    assert (got.status, again.status) == (404, 404)
    assert "set-cookie" not in got.headers
    assert again.body == ""
    assert dynamodb_calls == ["GetItem"]  # the miss is remembered for a while too
    assert bus() == []


@pytest.mark.parametrize("status", ["closed", "draft"])
def test_a_closed_or_draft_vacancy_sends_to_the_careers_page_and_still_counts(
    moto_stack: MotoStack, bus: Callable[[], list[dict[str, Any]]], status: str
) -> None:
    _store(moto_stack, _vacancy(status=status))

    got = moto_stack.http("GET", f"/r/{CODE}", query="ch=whatsapp", headers=BROWSER)

    assert got.status == 302
    location = got.headers["location"]
    assert location.startswith(CAREERS + "?")
    query = _query(location)
    assert query["utm_source"] == ["whatsapp"]
    (event,) = bus()
    assert event["detail"]["vacancy_closed"] is True
    assert event["detail"]["click_id"] == query["kref"][0]


@pytest.mark.parametrize(
    "url",
    [
        "https://evil.com\\@jobs.ashbyhq.com/acme/x",  # a browser goes to evil.com
        "https://b\u00fccher.example/stellen",  # raw non-ASCII: no Location header can carry it
        "https://user@job-boards.greenhouse.io/acme/jobs/1",
        "https://job-boards.greenhouse.io:8443/acme/jobs/1",
    ],
)
def test_a_vacancy_stored_before_urls_were_checked_never_sends_anyone_off_the_organisation_s_pages(
    moto_stack: MotoStack, bus: Callable[[], list[dict[str, Any]]], url: str
) -> None:
    _store(moto_stack, _vacancy(url=url))

    got = moto_stack.http("GET", f"/r/{CODE}", query="ch=linkedin", headers=BROWSER)

    assert got.status == 302
    location = got.headers["location"]
    assert location.startswith(CAREERS + "?")
    assert location.isascii()
    assert bus()[0]["detail"]["vacancy_closed"] is True


def test_a_lever_vacancy_also_gets_levers_own_source_parameter(
    moto_stack: MotoStack, bus: Callable[[], list[dict[str, Any]]]
) -> None:
    _store(
        moto_stack,
        _vacancy("lever-7f3a", provider="lever", url="https://jobs.lever.co/acme/7f3a?lever-origin=applied"),
    )

    got = moto_stack.http("GET", f"/r/{CODE}", headers=BROWSER)

    query = _query(got.headers["location"])
    token = query["kref"][0]
    assert query["lever-source[]"] == [f"kring-{token}"]
    assert query["lever-origin"] == ["applied"]
    assert bus()[0]["detail"]["click_id"] == token


def test_links_and_vacancies_are_cached_so_a_repeat_click_reads_nothing(
    moto_stack: MotoStack, bus: Callable[[], list[dict[str, Any]]], dynamodb_calls: list[str]
) -> None:
    _store(moto_stack, _vacancy(), code=CODE, ambassador_id="E1")
    _store(moto_stack, _vacancy(), code="BbCdE12345", ambassador_id="E2")

    moto_stack.http("GET", f"/r/{CODE}", headers=BROWSER)
    assert dynamodb_calls == ["GetItem", "GetItem"]  # the link, then its vacancy
    moto_stack.http("GET", f"/r/{CODE}", headers=BROWSER)
    assert dynamodb_calls == ["GetItem", "GetItem"]  # both cached
    moto_stack.http("GET", "/r/BbCdE12345", headers=BROWSER)
    assert dynamodb_calls == ["GetItem", "GetItem", "GetItem"]  # a new link; the vacancy is shared

    assert [e["detail"]["ambassador_id"] for e in bus()] == ["E1", "E1", "E2"]


def test_clicks_get_distinct_tokens(moto_stack: MotoStack, bus: Callable[[], list[dict[str, Any]]]) -> None:
    _store(moto_stack, _vacancy())
    tokens = {
        _query(moto_stack.http("GET", f"/r/{CODE}", headers=BROWSER).headers["location"])["kref"][0]
        for _ in range(5)
    }
    assert len(tokens) == 5
    assert {e["detail"]["click_id"] for e in bus()} == tokens


def _fail(client: Any, operation: str) -> Callable[[], None]:
    from botocore.exceptions import EndpointConnectionError

    def refuse(**_: Any) -> None:
        raise EndpointConnectionError(endpoint_url="https://unreachable.test")

    event = f"before-call.{client.meta.service_model.service_name}.{operation}"
    client.meta.events.register(event, refuse)
    return lambda: client.meta.events.unregister(event, refuse)


def _sqs_event(messages: list[MessageTypeDef]) -> dict[str, Any]:
    return {
        "Records": [
            {
                "messageId": m["MessageId"],
                "receiptHandle": m["ReceiptHandle"],
                "body": m["Body"],
                "attributes": {
                    "ApproximateReceiveCount": "1",
                    "SentTimestamp": "1795770761000",
                    "SenderId": "AIDA",
                    "ApproximateFirstReceiveTimestamp": "1795770761000",
                },
                "messageAttributes": {},
                "md5OfBody": m["MD5OfBody"],
                "eventSource": "aws:sqs",
                "eventSourceARN": f"arn:aws:sqs:{REGION}:000000000000:kring-test-click-spool",
                "awsRegion": REGION,
            }
            for m in messages
        ]
    }


def test_when_putevents_fails_the_click_is_spooled_and_the_drain_puts_it_on_the_bus(
    moto_stack: MotoStack, bus: Callable[[], list[dict[str, Any]]], caplog: pytest.LogCaptureFixture
) -> None:
    _store(moto_stack, _vacancy())
    restore = _fail(aws.hot_path_client("events"), "PutEvents")
    try:
        got = moto_stack.http("GET", f"/r/{CODE}", query="ch=email", headers=BROWSER)
    finally:
        restore()

    assert got.status == 302
    token = _query(got.headers["location"])["kref"][0]
    assert bus() == []
    assert any(r.getMessage() == "click spooled" for r in caplog.records)
    spooled = moto_stack.receive_all("ClickSpoolQueue")
    assert len(spooled) == 1
    held = json.loads(spooled[0]["Body"])
    assert held["detail"]["click_id"] == token

    result = moto_stack.invoke("ClickSpoolDrainFunction", _sqs_event(spooled))

    assert result == {"batchItemFailures": []}
    (event,) = bus()
    assert event["detail-type"] == "LinkClicked"
    assert event["source"] == "kring.redirect"
    click = LinkClicked.model_validate(event["detail"])
    assert click.click_id == token
    assert click.occurred_at == datetime.fromisoformat(held["detail"]["occurred_at"])
    assert click.channel == "email"


def test_an_entry_putevents_failed_is_spooled_too(
    moto_stack: MotoStack, bus: Callable[[], list[dict[str, Any]]], caplog: pytest.LogCaptureFixture
) -> None:
    """PutEvents answers 200 with FailedEntryCount 1 (as EventBridge does when throttled)."""
    _store(moto_stack, _vacancy())

    def fail_the_entry(parsed: dict[str, Any], **_: Any) -> None:
        parsed["FailedEntryCount"] = 1
        parsed["Entries"] = [{"ErrorCode": "ThrottlingException", "ErrorMessage": "Rate exceeded"}]

    client = aws.hot_path_client("events")
    client.meta.events.register("after-call.events.PutEvents", fail_the_entry)
    try:
        got = moto_stack.http("GET", f"/r/{CODE}", headers=BROWSER)
    finally:
        client.meta.events.unregister("after-call.events.PutEvents", fail_the_entry)

    assert got.status == 302
    (spooled,) = moto_stack.receive_all("ClickSpoolQueue")
    assert json.loads(spooled["Body"])["detail"]["click_id"] == _query(got.headers["location"])["kref"][0]
    (record,) = [r for r in caplog.records if r.getMessage() == "click spooled"]
    assert "ThrottlingException" in vars(record)["reason"]  # the log's extra key


def test_when_the_bus_and_the_spool_both_fail_the_click_is_logged_whole_and_the_302_still_goes(
    moto_stack: MotoStack, bus: Callable[[], list[dict[str, Any]]], caplog: pytest.LogCaptureFixture
) -> None:
    _store(moto_stack, _vacancy())
    restore_events = _fail(aws.hot_path_client("events"), "PutEvents")
    restore_sqs = _fail(aws.hot_path_client("sqs"), "SendMessage")
    try:
        got = moto_stack.http("GET", f"/r/{CODE}", headers=BROWSER)
    finally:
        restore_events()
        restore_sqs()

    assert got.status == 302
    token = _query(got.headers["location"])["kref"][0]
    assert moto_stack.receive_all("ClickSpoolQueue") == []
    (record,) = [r for r in caplog.records if r.levelname == "ERROR"]
    message = record.getMessage()
    assert message.startswith("click not emitted nor spooled: ")
    detail = json.loads(message.split(": ", 1)[1])
    assert LinkClicked.model_validate(detail).click_id == token


def test_when_the_table_cannot_be_read_the_visitor_goes_to_the_careers_page_uncounted(
    moto_stack: MotoStack, bus: Callable[[], list[dict[str, Any]]], caplog: pytest.LogCaptureFixture
) -> None:
    _store(moto_stack, _vacancy())
    restore = _fail(aws.hot_path_client("dynamodb"), "GetItem")
    try:
        got = moto_stack.http("GET", f"/r/{CODE}", query="ch=x", headers=BROWSER)
    finally:
        restore()

    assert got.status == 302
    location = got.headers["location"]
    assert location.startswith(CAREERS + "?")
    assert _query(location)["utm_source"] == ["x"]
    assert "kref" not in _query(location)  # no click behind it: no token
    assert bus() == []
    assert any(r.levelname == "ERROR" and "table could not be read" in r.getMessage() for r in caplog.records)


def test_without_the_visitor_key_the_visitor_is_sent_on_but_the_click_is_not_counted(
    moto_stack: MotoStack,
    monkeypatch: pytest.MonkeyPatch,
    bus: Callable[[], list[dict[str, Any]]],
    caplog: pytest.LogCaptureFixture,
) -> None:
    from tests.support.fixtures import clear_kring_caches

    _store(moto_stack, _vacancy())
    monkeypatch.delenv("KRING_VISITOR_HASH_KEY")
    clear_kring_caches()

    got = moto_stack.http("GET", f"/r/{CODE}", headers=BROWSER)

    assert got.status == 302
    query = _query(got.headers["location"])
    assert got.headers["location"].startswith("https://job-boards.greenhouse.io/acme/jobs/1?")
    assert query["utm_source"] == ["direct"]
    assert "kref" not in query
    assert bus() == []
    assert any(r.levelname == "ERROR" and "visitor-hash key" in r.getMessage() for r in caplog.records)


def test_in_aws_the_visitor_key_is_read_from_ssm_once_per_container(
    moto_stack: MotoStack, monkeypatch: pytest.MonkeyPatch, bus: Callable[[], list[dict[str, Any]]]
) -> None:
    from kring.links.visitors import daily_salt, visitor_hash
    from tests.support.fixtures import clear_kring_caches

    _store(moto_stack, _vacancy())
    boto3.client("ssm", region_name=REGION).put_parameter(
        Name="/kring/test/visitor-hash-key", Value="the-key-in-ssm", Type="SecureString"
    )
    monkeypatch.setenv("SECRETS_SSM_PATH", "/kring/test/")
    monkeypatch.setenv("KRING_VISITOR_HASH_KEY", "must-not-be-used-in-aws")
    clear_kring_caches()
    reads: list[str] = []
    aws.hot_path_client("ssm").meta.events.register(
        "before-call.ssm.GetParameter", lambda **_: reads.append("GetParameter")
    )

    for _ in range(3):
        moto_stack.http("GET", f"/r/{CODE}", headers=BROWSER)

    events = bus()
    assert len(events) == 3
    assert reads == ["GetParameter"]
    day = datetime.fromisoformat(events[0]["detail"]["occurred_at"]).date()
    assert events[0]["detail"]["visitor"] == visitor_hash(
        daily_salt(b"the-key-in-ssm", day), "127.0.0.1", CHROME
    )


def test_a_poison_spool_message_fails_alone(moto_stack: MotoStack) -> None:
    from kring.events import KringEvent

    class Published:
        def __init__(self) -> None:
            self.events: list[KringEvent] = []

        def publish(self, events: Any) -> None:
            self.events.extend(events)

    sample = json.loads((EVENTS / "sqs" / "click_spool.json").read_text())["Records"][0]
    good: MessageTypeDef = {
        "MessageId": "good",
        "ReceiptHandle": "rh-1",
        "MD5OfBody": "x",
        "Body": sample["body"],
    }
    bad: MessageTypeDef = {
        "MessageId": "bad",
        "ReceiptHandle": "rh-2",
        "MD5OfBody": "x",
        "Body": '{"source": "kring.redirect"}',
    }
    published = Published()

    result = moto_stack.invoke("ClickSpoolDrainFunction", _sqs_event([good, bad]), publisher=published)

    assert result == {"batchItemFailures": [{"itemIdentifier": "bad"}]}
    assert [e.click_id for e in published.events if isinstance(e, LinkClicked)] == ["7Qm2xKp9LrT4vZ8aT"]

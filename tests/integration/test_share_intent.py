"""GET /s/{code}/{network}: the real handler, routed as template.yaml routes it, under moto — the
table and bus as in the template, the visitor key from the environment. Events are taken from a
fake publisher port, and once from the stack's own bus through a capture rule and queue."""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import boto3
import pytest

from infra.local.lambda_runtime import http_api_event
from kring.dal import keys, share_links
from kring.dal.items import deserialize
from kring.dal.vacancies import StoredVacancy, VacancyRepository
from kring.events import Envelope, KringEvent, ShareIntended
from kring.links.visitors import daily_salt, visitor_hash
from kring.models.common import NETWORKS
from kring.models.vacancy import ShareLink, Vacancy
from tests.support.fixtures import PUBLIC_BASE_URL, REGION, VISITOR_HASH_KEY, HttpResult, MotoStack

CODE_NL, CODE_EN, CODE_CLOSED, CODE_DRAFT = "sEoDhGXHAj", "Ab3dEf6hIj", "Cl0sedLink", "Dr4ftLink0"
UNKNOWN_CODE = "Zz9Yy8Xx7W"  # well-formed, no link
AMBASSADOR = "E1001"
IP = "203.0.113.42"
UA = "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148"
DIALOG = {  # network → (scheme://host/path, the parameter carrying the link)
    "linkedin": ("https://www.linkedin.com/sharing/share-offsite/", "url"),
    "x": ("https://x.com/intent/post", "url"),
    "facebook": ("https://www.facebook.com/sharer/sharer.php", "u"),
    "whatsapp": ("https://wa.me/", "text"),
    "email": ("mailto:", "body"),
}
TEXT_PARAMETER = {"x": "text", "whatsapp": "text", "email": "body"}
SAMPLE = Path(__file__).resolve().parents[2] / "events" / "http" / "share_intent_linkedin.json"


class Published:
    """The publisher port, as a fake: every event the function published."""

    def __init__(self) -> None:
        self.events: list[KringEvent] = []

    def publish(self, events: Sequence[KringEvent]) -> None:
        self.events.extend(events)


class SeesTheMarker(Published):
    """Checks, as the event goes out, that the own-visitor marker is already in the table: the
    recorder must never see the ambassador's click before it can tell it is theirs."""

    def __init__(self, stack: MotoStack) -> None:
        super().__init__()
        self.stack = stack
        self.markers_then: list[int] = []

    def publish(self, events: Sequence[KringEvent]) -> None:
        self.markers_then.append(len(_markers(self.stack)))
        super().publish(events)


class BusDown:
    def publish(self, events: Sequence[KringEvent]) -> None:
        raise ConnectionError("EventBridge unreachable")


def _vacancy(vacancy_id: str, title: str, language: str, status: str = "published") -> None:
    now = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)
    VacancyRepository().put(
        StoredVacancy(
            vacancy=Vacancy.model_validate(
                {
                    "id": vacancy_id,
                    "provider": "greenhouse",
                    "external_id": vacancy_id.rsplit("-", 1)[-1],
                    "title": title,
                    "url": f"https://job-boards.greenhouse.io/acme/jobs/{vacancy_id.rsplit('-', 1)[-1]}",
                    "language": language,
                    "status": status,
                    "updated_at": now,
                }
            ),
        ),
        expected_revision=None,
    )


@pytest.fixture
def links(moto_stack: MotoStack) -> None:
    _vacancy("greenhouse-263533", "Verpleegkundige (m/v/x)", "nl")
    _vacancy("greenhouse-263534", "Site Reliability Engineer", "en")
    _vacancy("greenhouse-263535", "Teamleider Logistiek", "nl", status="closed")
    _vacancy("greenhouse-263536", "Draft Role", "en", status="draft")
    created = datetime(2026, 11, 28, 9, 5, tzinfo=UTC)
    share_links.ShareLinkRepository().put_links(
        [
            ShareLink(code=code, vacancy_id=vacancy_id, ambassador_id=AMBASSADOR, created_at=created)
            for code, vacancy_id in [
                (CODE_NL, "greenhouse-263533"),
                (CODE_EN, "greenhouse-263534"),
                (CODE_CLOSED, "greenhouse-263535"),
                (CODE_DRAFT, "greenhouse-263536"),
            ]
        ]
    )


def _press(
    stack: MotoStack,
    code: str,
    network: str,
    publisher: Any = None,
    *,
    ip: str = IP,
    user_agent: str = UA,
    accept: str = "text/html,application/xhtml+xml,*/*;q=0.8",
    accept_language: str | None = "nl-NL,nl;q=0.9,en;q=0.8",
) -> HttpResult:
    path = f"/s/{code}/{network}"
    event = http_api_event(
        "GET",
        path,
        route_key="GET /s/{code}/{network}",
        path_parameters={"code": code, "network": network},
        headers={
            "user-agent": user_agent,
            "accept": accept,
            **({"accept-language": accept_language} if accept_language else {}),
        },
        source_ip=ip,
    )
    return HttpResult.of(stack.invoke("ShareIntentFunction", event, publisher=publisher or Published()))


def _items(stack: MotoStack) -> list[dict[str, Any]]:
    """Everything in the table (a test-only look at the whole table)."""
    ddb = boto3.client("dynamodb", region_name=REGION)
    return [deserialize(i) for i in ddb.scan(TableName=stack.table_name)["Items"]]


def _markers(stack: MotoStack) -> list[dict[str, Any]]:
    return [item for item in _items(stack) if item["pk"].startswith("OWNVIS#")]


def _query(url: str) -> dict[str, str]:
    if url.startswith("mailto:"):
        pairs = [p.split("=", 1) for p in url.removeprefix("mailto:?").split("&")]
        return {name: unquote(value) for name, value in pairs}
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query, strict_parsing=True).items()}


def _assert_private(result: HttpResult) -> None:
    assert result.headers["cache-control"] == "no-store"
    assert result.headers["referrer-policy"] == "no-referrer"
    assert "set-cookie" not in result.headers


# ------------------------------------------------------------------------------ the share dialogs
@pytest.mark.parametrize("network", NETWORKS)
@pytest.mark.parametrize(
    ("code", "title", "words"),
    [
        (CODE_NL, "Verpleegkundige", "We zoeken een Verpleegkundige"),
        (CODE_EN, "Site Reliability Engineer", "We're hiring: Site Reliability Engineer"),
    ],
)
def test_each_network_gets_its_own_dialog_with_the_tracked_link_and_the_vacancy_language(
    moto_stack: MotoStack, links: None, network: str, code: str, *, title: str, words: str
) -> None:
    result = _press(moto_stack, code, network)

    assert result.status == 302
    _assert_private(result)
    location = result.headers["location"]
    base, parameter = DIALOG[network]
    parts = urlsplit(location)
    assert f"{parts.scheme}:{'//' + parts.netloc if parts.netloc else ''}{parts.path}" == base
    tracked = f"{PUBLIC_BASE_URL}/r/{code}?ch={network}"
    carried = _query(location)
    if network in TEXT_PARAMETER:
        text = carried[TEXT_PARAMETER[network]]
        assert words in text
        assert "(m/v/x)" not in text
        if network == "email":
            assert title in carried["subject"]
        if network == "x":
            assert carried["url"] == tracked
        else:
            assert tracked in text
    else:
        assert carried == {parameter: tracked}  # LinkedIn and Facebook take only the URL


def test_the_network_in_the_path_is_not_case_sensitive(moto_stack: MotoStack, links: None) -> None:
    result = _press(moto_stack, CODE_EN, "LinkedIn")

    assert result.status == 302
    assert _query(result.headers["location"])["url"].endswith("?ch=linkedin")


# ------------------------------------------------------------------------------ what is recorded
def test_share_intended_is_published_and_the_own_visitor_marker_written_with_the_redirects_hash(
    moto_stack: MotoStack, links: None
) -> None:
    published = SeesTheMarker(moto_stack)

    result = _press(moto_stack, CODE_NL, "whatsapp", published)

    assert result.status == 302
    assert published.markers_then == [1]
    [event] = published.events
    assert isinstance(event, ShareIntended)
    assert (event.code, event.vacancy_id, event.ambassador_id, event.network) == (
        CODE_NL,
        "greenhouse-263533",
        AMBASSADOR,
        "whatsapp",
    )
    day = event.occurred_at.astimezone(UTC).date()
    expected = visitor_hash(daily_salt(VISITOR_HASH_KEY.encode(), day), IP, UA)
    assert event.visitor == expected
    assert len(event.intent_id) == 32
    [marker] = _markers(moto_stack)
    assert {keys.PK: marker["pk"], keys.SK: marker["sk"]} == keys.own_visitor(
        AMBASSADOR, day.isoformat(), expected
    )
    # kept as long as the recorder keeps that day's visitor state (window 30 days + 7): a click
    # redriven weeks later is still told apart as the ambassador's own
    end_of_day = datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp() + 86400
    assert marker[keys.TTL_ATTRIBUTE] == end_of_day + (30 + 7) * 86400


def test_two_presses_the_same_day_are_two_intents_and_one_marker(moto_stack: MotoStack, links: None) -> None:
    published = Published()

    _press(moto_stack, CODE_NL, "linkedin", published)
    _press(moto_stack, CODE_EN, "x", published)

    first, second = published.events
    assert isinstance(first, ShareIntended)
    assert isinstance(second, ShareIntended)
    assert first.intent_id != second.intent_id
    assert first.visitor == second.visitor
    assert len(_markers(moto_stack)) == 1


def test_another_device_is_another_visitor(moto_stack: MotoStack, links: None) -> None:
    published = Published()

    _press(moto_stack, CODE_NL, "linkedin", published)
    firefox = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0"
    _press(moto_stack, CODE_NL, "linkedin", published, ip="198.51.100.7", user_agent=firefox)

    assert len({e.visitor for e in published.events if isinstance(e, ShareIntended)}) == 2
    assert len(_markers(moto_stack)) == 2


def test_the_event_reaches_the_stacks_bus_as_its_consumers_parse_it(
    moto_stack: MotoStack, links: None
) -> None:
    sqs = boto3.client("sqs", region_name=REGION)
    queue = sqs.create_queue(QueueName="capture-kring-share")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    eventbridge = boto3.client("events", region_name=REGION)
    bus = moto_stack.stack.physical_name("KringBus")
    eventbridge.put_rule(
        Name="capture", EventBusName=bus, EventPattern=json.dumps({"source": ["kring.share"]})
    )
    eventbridge.put_targets(Rule="capture", EventBusName=bus, Targets=[{"Id": "q", "Arn": arn}])

    result = moto_stack.http(
        "GET", f"/s/{CODE_EN}/facebook", headers={"user-agent": UA, "accept-language": "en-GB,en;q=0.9"}
    )

    assert result.status == 302
    [message] = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10)["Messages"]
    envelope = json.loads(message["Body"])
    envelope.setdefault("account", "123456789012")  # moto leaves it out; EventBridge does not
    detail = Envelope[ShareIntended].model_validate(envelope).detail
    assert (detail.code, detail.network, detail.ambassador_id) == (CODE_EN, "facebook", AMBASSADOR)
    assert detail.visitor == visitor_hash(
        daily_salt(VISITOR_HASH_KEY.encode(), detail.occurred_at.date()), "127.0.0.1", UA
    )


def test_a_bus_that_fails_still_sends_the_ambassador_on_and_logs_the_intent(
    moto_stack: MotoStack, links: None, caplog: pytest.LogCaptureFixture
) -> None:
    result = _press(moto_stack, CODE_EN, "linkedin", BusDown())

    assert result.status == 302
    assert result.headers["location"].startswith(DIALOG["linkedin"][0])
    assert len(_markers(moto_stack)) == 1
    [record] = [r for r in caplog.records if r.levelname == "ERROR"]
    assert record.__dict__["detail_type"] == "ShareIntended"
    recovered = ShareIntended.model_validate(record.__dict__["detail"])  # can go back on the bus as is
    assert (recovered.code, recovered.network, recovered.ambassador_id) == (CODE_EN, "linkedin", AMBASSADOR)


def test_no_raw_address_or_user_agent_is_stored_or_logged(
    moto_stack: MotoStack, links: None, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="kring")

    _press(moto_stack, CODE_EN, "x", BusDown())

    stored = json.dumps(_items(moto_stack), default=str)
    logged = json.dumps([r.__dict__ for r in caplog.records], default=str)
    assert caplog.records
    for raw in (IP, UA):
        assert raw not in stored
        assert raw not in logged


# ------------------------------------------------------------------------------ refusals
def _nothing_recorded(stack: MotoStack, before: list[dict[str, Any]], published: Published) -> None:
    assert _items(stack) == before
    assert published.events == []


@pytest.mark.parametrize("code", [UNKNOWN_CODE, "short", "sEoDhGXHAj1", "sEoDhGX-Aj", "sEoDhGX%20j"])
def test_an_unknown_or_malformed_code_is_a_404_and_records_nothing(
    moto_stack: MotoStack, links: None, code: str
) -> None:
    before, published = _items(moto_stack), Published()

    result = _press(moto_stack, code, "linkedin", published)

    assert result.status == 404
    _assert_private(result)
    assert result.json()["error"]["code"] == "not_found"
    assert set(result.json()["error"]) == {"code", "message"}
    _nothing_recorded(moto_stack, before, published)


@pytest.mark.parametrize("network", ["myspace", "linked%20in", "direct", "LinkedIn.com"])
def test_an_unknown_network_is_a_400_and_records_nothing(
    moto_stack: MotoStack, links: None, network: str
) -> None:
    before, published = _items(moto_stack), Published()

    result = _press(moto_stack, CODE_NL, network, published)

    assert result.status == 400
    _assert_private(result)
    assert result.json()["error"]["code"] == "bad_request"
    assert "linkedin" in result.json()["error"]["message"]  # says what is allowed
    _nothing_recorded(moto_stack, before, published)


@pytest.mark.parametrize(("code", "language"), [(CODE_CLOSED, "nl"), (CODE_DRAFT, "en")])
def test_a_vacancy_that_is_not_open_is_410_gone_in_its_language_and_records_nothing(
    moto_stack: MotoStack, links: None, code: str, language: str
) -> None:
    before, published = _items(moto_stack), Published()

    page = _press(moto_stack, code, "linkedin", published)
    api = _press(moto_stack, code, "linkedin", published, accept="application/json")

    assert page.status == api.status == 410
    _assert_private(page)
    _assert_private(api)
    assert page.headers["content-type"].startswith("text/html")
    assert f'lang="{language}"' in page.body
    assert ("niet meer open" in page.body) == (language == "nl")
    assert api.json()["error"]["code"] == "vacancy_closed"
    _nothing_recorded(moto_stack, before, published)


def test_without_the_visitor_key_the_request_fails_and_records_nothing(
    moto_stack: MotoStack, links: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.support.fixtures import clear_kring_caches

    monkeypatch.delenv("KRING_VISITOR_HASH_KEY")
    clear_kring_caches()
    before, published = _items(moto_stack), Published()

    with pytest.raises(RuntimeError, match="visitor-hash-key"):
        _press(moto_stack, CODE_NL, "linkedin", published)

    _nothing_recorded(moto_stack, before, published)


# ------------------------------------------------------------------------------ the sample
def test_the_http_sample_is_a_share_button_press(moto_stack: MotoStack, links: None) -> None:
    event = json.loads(SAMPLE.read_text())
    published = Published()

    result = HttpResult.of(moto_stack.invoke("ShareIntentFunction", event, publisher=published))

    assert result.status == 302
    assert _query(result.headers["location"]) == {"url": f"{PUBLIC_BASE_URL}/r/{CODE_NL}?ch=linkedin"}
    [intent] = published.events
    assert isinstance(intent, ShareIntended)
    assert intent.correlation_id == event["requestContext"]["requestId"]
    ip, user_agent = event["requestContext"]["http"]["sourceIp"], event["headers"]["user-agent"]
    key = daily_salt(VISITOR_HASH_KEY.encode(), intent.occurred_at.date())
    assert intent.visitor == visitor_hash(key, ip, user_agent)


@pytest.mark.parametrize(
    ("user_agent", "accept_language"),
    [
        ("Mozilla/5.0 (compatible; Barracuda Sentinel (EE))", "en"),  # a mail gateway naming itself
        (UA, None),  # a scanner posing as a browser, without Accept-Language
        ("LinkedInBot/1.0 (compatible; Mozilla/5.0; Apache-HttpClient +http://www.linkedin.com)", "en"),
        ("Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)", "en"),
    ],
)
def test_a_machine_following_the_button_gets_the_dialog_but_nothing_is_recorded(
    moto_stack: MotoStack, links: None, user_agent: str, accept_language: str | None
) -> None:
    published = Published()

    result = _press(
        moto_stack, CODE_NL, "linkedin", published, user_agent=user_agent, accept_language=accept_language
    )

    assert result.status == 302
    assert result.headers["location"].startswith("https://www.linkedin.com/sharing/share-offsite/?url=")
    assert published.events == []
    assert _markers(moto_stack) == []


# ------------------------------------------------------------------------------ whose language
def _ambassador(ambassador_id: str, locale: str) -> None:
    from kring import aws, config
    from kring.dal import ambassadors as ambassador_items
    from kring.models.ambassador import Ambassador

    now = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)
    profile = Ambassador.model_validate(
        {
            "id": ambassador_id,
            "name": f"Ambassador {ambassador_id}",
            "email": f"{ambassador_id.lower()}@example.com",
            "locale": locale,
            "phase": "decision",
            "opted_in": True,
            "created_at": now,
            "updated_at": now,
        }
    )
    aws.dynamodb().put_item(TableName=config.tables().table_name, Item=ambassador_items.to_item(profile))


@pytest.mark.parametrize(
    ("locale", "code", "words"),
    [
        ("en", CODE_NL, "We're hiring: Verpleegkundige"),  # a Dutch vacancy, shared to an English audience
        ("nl", CODE_EN, "We zoeken een Site Reliability Engineer"),
    ],
)
@pytest.mark.parametrize("network", ["x", "whatsapp", "email"])
def test_the_suggested_text_is_in_the_ambassador_s_language(
    moto_stack: MotoStack, links: None, network: str, locale: str, *, code: str, words: str
) -> None:
    _ambassador(AMBASSADOR, locale)

    result = _press(moto_stack, code, network)

    assert result.status == 302
    assert words in _query(result.headers["location"])[TEXT_PARAMETER[network]]


def test_an_erased_ambassador_s_text_falls_back_to_the_vacancy_s_language(
    moto_stack: MotoStack, links: None
) -> None:
    # no profile for AMBASSADOR (erased, links kept): the vacancy's language
    result = _press(moto_stack, CODE_NL, "x")
    assert "We zoeken een Verpleegkundige" in _query(result.headers["location"])["text"]


def test_the_closed_page_is_in_the_ambassador_s_language(moto_stack: MotoStack, links: None) -> None:
    _ambassador(AMBASSADOR, "en")

    page = _press(moto_stack, CODE_CLOSED, "linkedin")  # a Dutch vacancy, closed

    assert page.status == 410
    assert 'lang="en"' in page.body
    assert "no longer open" in page.body

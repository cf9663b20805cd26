"""Points and leaderboards through the real handlers under moto: redirect → click recorder →
points, share button → click recorder → points, attribution → points, and the admin API that reads
them (leaderboards, an ambassador's points, the suspicious list, the weights)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from infra.local.lambda_runtime import http_api_event
from kring import config
from kring.dal import keys
from kring.dal import vacancies as vacancy_items
from kring.dal.ambassadors import AmbassadorRepository
from kring.dal.share_links import ShareLinkRepository
from kring.events import KringEvent
from kring.models.ambassador import Ambassador, AmbassadorInput
from kring.models.vacancy import ShareLink, Vacancy
from kring.points import ranking_periods as periods
from tests.support import attribution as at
from tests.support import link_activity as la
from tests.support.fixtures import REGION, HttpResult, MotoStack

NOW = datetime(2026, 11, 29, 8, 15, tzinfo=UTC)  # a Sunday: ISO week 2026-W48
WEEK, MONTH, QUARTER = "2026-W48", "2026-11", "2026-Q4"
CHROME = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/{v}.0.0.0"
    " Safari/537.36"
)
SAFARI = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_{v} like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko)"
    " Version/18.{v} Mobile/15E148 Safari/604.1"
)
VACANCY = "greenhouse-1"


def _ambassador(
    ambassador_id: str,
    name: str,
    *,
    department: str | None = "Sales",
    location: str | None = "Amsterdam",
    display: str = "department",
) -> None:
    data = AmbassadorInput.model_validate(
        {
            "id": ambassador_id,
            "name": name,
            "email": f"{ambassador_id.lower()}@example.com",
            "department": department,
            "location": location,
            "phase": "decision",
            "opted_in": True,
            "leaderboard_display": display,
        }
    )
    AmbassadorRepository().save(Ambassador.from_input(data, now=NOW))


def _vacancy_and_link(ambassador_id: str) -> str:
    vacancy = Vacancy.model_validate(
        {
            "id": VACANCY,
            "provider": "greenhouse",
            "external_id": "1",
            "title": "Backend Engineer",
            "url": "https://job-boards.greenhouse.io/acme/jobs/1",
            "status": "published",
            "updated_at": NOW,
        }
    )
    boto3.client("dynamodb", region_name=REGION).put_item(
        TableName=config.tables().table_name,
        Item=vacancy_items.to_item(vacancy_items.StoredVacancy(vacancy=vacancy)),
    )
    code = la.share_code(VACANCY, ambassador_id)
    ShareLinkRepository().put_links(
        [ShareLink(code=code, vacancy_id=VACANCY, ambassador_id=ambassador_id, created_at=NOW)]
    )
    return code


@pytest.fixture
def bus(moto_stack: MotoStack) -> Callable[[], list[str]]:
    """Every click or share intent put on the bus, as the envelope the recorder's queue gets
    (moto's leaves out a few fields EventBridge always sends)."""
    sqs = boto3.client("sqs", region_name=REGION)
    url = sqs.create_queue(QueueName=f"capture-{uuid.uuid4().hex[:8]}")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    events = boto3.client("events", region_name=REGION)
    bus_name = moto_stack.stack.physical_name("KringBus")
    pattern = {"source": ["kring.redirect", "kring.share"]}
    events.put_rule(Name="capture", EventBusName=bus_name, EventPattern=json.dumps(pattern))
    events.put_targets(Rule="capture", EventBusName=bus_name, Targets=[{"Id": "q", "Arn": arn}])

    def read() -> list[str]:
        out = []
        while messages := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []):
            for message in messages:
                envelope = json.loads(message["Body"])
                for name, default in (("version", "0"), ("account", "000000000000"), ("region", REGION)):
                    envelope.setdefault(name, default)
                envelope.setdefault("id", str(uuid.uuid4()))
                envelope.setdefault("resources", [])
                out.append(json.dumps(envelope))
                sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
        return out

    return read


def _click(stack: MotoStack, code: str, ip: str, user_agent: str) -> None:
    event = http_api_event(
        "GET",
        f"/r/{code}",
        route_key="GET /r/{code}",
        path_parameters={"code": code},
        headers={"user-agent": user_agent, "accept-language": "nl-NL,nl;q=0.9"},
        source_ip=ip,
    )
    assert stack.invoke("RedirectFunction", event)["statusCode"] == 302


def _press(stack: MotoStack, code: str, network: str, ip: str = "192.0.2.10") -> None:
    event = http_api_event(
        "GET",
        f"/s/{code}/{network}",
        route_key="GET /s/{code}/{network}",
        path_parameters={"code": code, "network": network},
        headers={
            "user-agent": SAFARI.format(v=1),
            "accept": "text/html,application/xhtml+xml,*/*;q=0.8",
            "accept-language": "nl-NL",
        },
        source_ip=ip,
    )
    assert stack.invoke("ShareIntentFunction", event)["statusCode"] == 302


def _record(stack: MotoStack, bodies: list[str]) -> None:
    for start in range(0, len(bodies), 10):
        result = stack.invoke("ClickRecorderFunction", la.sqs_event(bodies[start : start + 10]))
        assert result == {"batchItemFailures": []}


def _points(stack: MotoStack, ambassador_id: str, at_day: str) -> dict[str, Any]:
    got = stack.http("GET", f"/api/ambassadors/{ambassador_id}/points", query=f"at={at_day}", admin=True)
    assert got.status == 200, got.body
    body: dict[str, Any] = got.json()
    return body


def _key(ambassador_id: str, period: str) -> tuple[str, str]:
    key = keys.ambassador_points(ambassador_id, period)
    return key["pk"], key["sk"]


def _week(body: dict[str, Any]) -> dict[str, dict[str, Any]]:
    [week] = [p for p in body["periods"] if p["kind"] == "week"]
    return {s["source"]: s for s in week["sources"]}


# ------------------------------------------------------------------------------------ anti-gaming
def test_rotating_user_agents_from_one_network_earns_one_click_point_per_link_and_day(
    moto_stack: MotoStack, bus: Callable[[], list[str]]
) -> None:
    _ambassador("E1", "Eva")
    code = _vacancy_and_link("E1")
    for n in range(12):  # one person, one /24, a new browser identity every time
        _click(moto_stack, code, f"203.0.113.{n + 1}", (CHROME if n % 2 else SAFARI).format(v=100 + n))
    _click(moto_stack, code, "198.51.100.7", CHROME.format(v=131))  # someone else
    _click(moto_stack, code, "2001:db8:1:2::5", CHROME.format(v=131))  # an IPv6 network
    _click(moto_stack, code, "2001:db8:1:ffff::9", SAFARI.format(v=2))  # the same /48
    bodies = bus()
    assert len(bodies) == 15
    details = [json.loads(b)["detail"] for b in bodies]
    assert len({d["visitor"] for d in details}) == 15  # today's visitors: fifteen
    assert len({d["network"] for d in details}) == 3
    assert all("203.0.113" not in b and "2001:db8" not in b for b in bodies)  # no raw address

    _record(moto_stack, bodies)

    today = details[0]["occurred_at"][:10]
    sources = _week(_points(moto_stack, "E1", today))
    assert (sources["clicks"]["raw"], sources["clicks"]["counted"], sources["clicks"]["points"]) == (15, 3, 6)


def test_twenty_presses_of_one_share_button_are_one_point_and_another_network_is_another(
    moto_stack: MotoStack, bus: Callable[[], list[str]]
) -> None:
    _ambassador("E1", "Eva")
    code = _vacancy_and_link("E1")
    for _ in range(20):
        _press(moto_stack, code, "linkedin")
    _press(moto_stack, code, "whatsapp")
    bodies = bus()
    _record(moto_stack, bodies)
    _record(moto_stack, bodies)  # redelivered: nothing more

    today = json.loads(bodies[0])["detail"]["occurred_at"][:10]
    body = _points(moto_stack, "E1", today)
    sources = _week(body)
    assert (sources["share_intents"]["raw"], sources["share_intents"]["counted"]) == (21, 2)
    assert [p["points"] for p in body["periods"]] == [2, 2, 2]
    assert all(p["looks_gamed"] for p in body["periods"])  # 21 raw > 3 x 2 counted

    period = periods.period_of("week", datetime.fromisoformat(today).date())
    got = moto_stack.http("GET", "/api/leaderboards/suspicious", query=f"period=week&at={today}", admin=True)
    assert got.status == 200
    suspects = got.json()
    assert suspects["period"] == period
    assert suspects["items"] == [
        {"ambassador_id": "E1", "raw_share_intents": 21, "share_intents": 2, "raw_clicks": 0, "clicks": 0}
    ]
    assert "3x" in suspects["rule"]


def test_the_ambassador_s_own_clicks_and_bots_earn_no_point(moto_stack: MotoStack) -> None:
    own = la.visitor(1)
    la.put_own_visitor("E1", "2026-11-29", own)
    _ambassador("E1", "Eva")
    events: list[KringEvent] = [
        la.click(1, at=NOW, visitor_hash=own, network=la.visitor(50)),
        la.click(2, at=NOW, kind="preview", network=la.visitor(51)),
        la.click(3, at=NOW, kind="scanner", network=la.visitor(52)),
        la.click(4, at=NOW, visitor_hash=la.visitor(2), network=la.visitor(50)),  # a colleague's, same net
    ]
    _record(moto_stack, [la.envelope(e) for e in events])
    sources = _week(_points(moto_stack, "E1", "2026-11-29"))
    # the own click is raw only and does not use up the network's point for the day
    assert (sources["clicks"]["raw"], sources["clicks"]["counted"]) == (2, 1)


def test_a_click_emitted_before_networks_existed_falls_back_to_its_visitor(moto_stack: MotoStack) -> None:
    _ambassador("E1", "Eva")
    events = [la.click(n, at=NOW + timedelta(minutes=n), visitor_hash=la.visitor(n % 2)) for n in range(4)]
    assert all(e.network is None for e in events)
    _record(moto_stack, [la.envelope(e) for e in events])
    sources = _week(_points(moto_stack, "E1", "2026-11-29"))
    assert (sources["clicks"]["raw"], sources["clicks"]["counted"]) == (4, 2)


def test_a_point_is_earned_once_per_day_and_again_the_next_day(moto_stack: MotoStack) -> None:
    _ambassador("E1", "Eva")
    net = la.visitor(7)
    events = [
        la.click(1, at=NOW, visitor_hash=la.visitor(1), network=net),
        la.click(2, at=NOW + timedelta(hours=3), visitor_hash=la.visitor(2), network=net),
        la.click(3, at=NOW + timedelta(days=1), visitor_hash=la.visitor(3), network=net),  # Monday: W49
        la.intent(1, at=NOW),
        la.intent(2, at=NOW + timedelta(days=1)),
    ]
    _record(moto_stack, [la.envelope(e) for e in events])
    items = la.points_snapshot()
    week_48 = items[_key("E1", WEEK)]
    week_49 = items[_key("E1", "2026-W49")]
    month = items[_key("E1", MONTH)]
    assert (week_48["pt_cl"], week_48["pt_rcl"], week_48["pt_si"]) == (1, 2, 1)
    assert (week_49["pt_cl"], week_49["pt_si"]) == (1, 1)
    assert (month["pt_cl"], month["pt_si"], month["pt_score"]) == (2, 2, 6)
    assert items[_key("E1", "2026-Q4")]["pt_score"] == 6


# ------------------------------------------------------------------------------------ exactness
EVENT_AMBASSADORS = ("E1", "E2", "E3")
click_specs = st.lists(
    st.tuples(
        st.sampled_from(EVENT_AMBASSADORS),
        st.integers(0, 2),  # network
        st.integers(0, 4),  # visitor
        st.sampled_from(["human", "human", "human", "preview"]),
        st.integers(0, 60 * 30),  # minutes after the start: two days
    ),
    min_size=1,
    max_size=14,
)
intent_specs = st.lists(
    st.tuples(
        st.sampled_from(EVENT_AMBASSADORS), st.sampled_from(["linkedin", "x"]), st.integers(0, 60 * 30)
    ),
    max_size=8,
)
START = datetime(2026, 11, 29, 10, 0, tzinfo=UTC)


def _ranking(stack: MotoStack, query: str) -> list[tuple[str, int]]:
    got = stack.http("GET", "/api/leaderboards", query=query, admin=True)
    assert got.status == 200, got.body
    return [(e["ambassador_id"], e["points"]) for e in got.json()["items"]]


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(clicks=click_specs, intents=intent_specs, data=st.data())
def test_any_order_and_duplication_gives_the_points_and_ranking_of_one_clean_delivery(
    moto_stack: MotoStack,
    clicks: list[tuple[str, int, int, str, int]],
    intents: list[tuple[str, str, int]],
    data: st.DataObject,
) -> None:
    events: list[KringEvent] = [
        la.click(
            n,
            at=START + timedelta(minutes=minutes),
            ambassador_id=ambassador,
            visitor_hash=la.visitor(v),
            network=la.visitor(100 + net),
            kind=kind,
        )
        for n, (ambassador, net, v, kind, minutes) in enumerate(clicks)
    ]
    events += [
        la.intent(n, at=START + timedelta(minutes=minutes), ambassador_id=ambassador, network=network)
        for n, (ambassador, network, minutes) in enumerate(intents)
    ]

    def deliver(batches: list[list[KringEvent]]) -> tuple[Any, ...]:
        la.clear_table()
        _ambassador("E1", "Eva", department="Sales")
        _ambassador("E2", "Jan", department="Sales", location="Utrecht")
        _ambassador("E3", "Ali", department="Support", location="Utrecht")
        for batch in batches:
            _record(moto_stack, [la.envelope(e) for e in batch])
        snapshot = {k: {a: v for a, v in item.items()} for k, item in la.points_snapshot().items()}
        rankings = tuple(
            _ranking(moto_stack, f"period={kind}&at=2026-11-30&scope={scope}")
            for kind in ("week", "month")
            for scope in ("overall", "department:sales", "location:utrecht")
        )
        return snapshot, rankings

    ordered = sorted(events, key=lambda e: e.occurred_at)
    clean = deliver([ordered[i : i + 10] for i in range(0, len(ordered), 10)])

    duplicates = data.draw(st.lists(st.sampled_from(events), max_size=len(events)), label="duplicates")
    shuffled = data.draw(st.permutations([*events, *duplicates]), label="order")
    size = data.draw(st.integers(1, 10), label="batch size")
    assert deliver([shuffled[i : i + size] for i in range(0, len(shuffled), size)]) == clean


# ------------------------------------------------------------------------------------ leaderboards
def _seed_board(stack: MotoStack) -> None:
    """E1 (Sales, Amsterdam, by name) 2 clicks + 1 intent = 5; E2 (Sales, Utrecht) 1 click + 1
    intent = 3 on Sunday; E3 (Support, Utrecht) the same 3 on Saturday; E4 (no department, by
    name) 3 on Sunday."""
    _ambassador("E1", "Eva de Vries", display="name")
    _ambassador("E2", "Jan Jansen", location="Utrecht")
    _ambassador("E3", "Ali Bakker", department="Support", location="Utrecht")
    _ambassador("E4", "Noor", department=None, location=None, display="name")
    saturday = NOW - timedelta(days=1)
    events: list[KringEvent] = [
        la.click(1, at=NOW, ambassador_id="E1", visitor_hash=la.visitor(1), network=la.visitor(1)),
        la.click(2, at=NOW, ambassador_id="E1", visitor_hash=la.visitor(2), network=la.visitor(2)),
        la.intent(1, at=NOW, ambassador_id="E1"),
        la.click(3, at=NOW, ambassador_id="E2", network=la.visitor(3)),
        la.intent(2, at=NOW, ambassador_id="E2"),
        la.click(4, at=saturday, ambassador_id="E3", network=la.visitor(4)),
        la.intent(3, at=saturday, ambassador_id="E3"),
        la.click(5, at=NOW, ambassador_id="E4", network=la.visitor(5)),
        la.intent(4, at=NOW, ambassador_id="E4"),
    ]
    _record(stack, [la.envelope(e) for e in events])


def test_the_leaderboard_ranks_by_points_then_who_got_there_first_then_id(moto_stack: MotoStack) -> None:
    _seed_board(moto_stack)
    got = moto_stack.http("GET", "/api/leaderboards", query="period=week&at=2026-11-29", admin=True)
    assert got.status == 200
    body = got.json()
    assert (body["period"], body["kind"], body["scope"]) == (WEEK, "week", "overall")
    assert (body["first_day"], body["last_day"]) == ("2026-11-23", "2026-11-29")
    assert [(e["position"], e["ambassador_id"], e["points"]) for e in body["items"]] == [
        (1, "E1", 5),
        (2, "E3", 3),  # three points on Saturday: before those who reached three on Sunday
        (3, "E2", 3),
        (4, "E4", 3),
    ]
    by_id = {e["ambassador_id"]: e for e in body["items"]}
    assert (by_id["E1"]["shown_as"], by_id["E1"]["name"]) == ("name", "Eva de Vries")
    assert (by_id["E2"]["shown_as"], by_id["E2"]["name"], by_id["E2"]["department"]) == (
        "department",
        None,
        "Sales",
    )
    assert "Jan" not in got.body  # nobody is named without choosing it
    assert "Ali" not in got.body
    limited = moto_stack.http("GET", "/api/leaderboards", query="at=2026-11-29&limit=2", admin=True).json()
    assert [e["ambassador_id"] for e in limited["items"]] == ["E1", "E3"]


def test_department_and_location_leaderboards_and_the_month_and_quarter(moto_stack: MotoStack) -> None:
    _seed_board(moto_stack)
    assert _ranking(moto_stack, "at=2026-11-29&scope=department:SALES") == [("E1", 5), ("E2", 3)]
    assert _ranking(moto_stack, "at=2026-11-29&scope=location:Utrecht") == [("E3", 3), ("E2", 3)]
    assert _ranking(moto_stack, "at=2026-11-29&scope=department:Nobody") == []
    assert _ranking(moto_stack, "period=month&at=2026-11-01") == [("E1", 5), ("E3", 3), ("E2", 3), ("E4", 3)]
    assert _ranking(moto_stack, "period=quarter&at=2026-10-01")[0] == ("E1", 5)
    assert _ranking(moto_stack, "period=week&at=2026-11-30") == []  # the next week starts empty


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("period=year", "period"),
        ("at=29-11-2026", "at"),
        ("at=2026-02-30", "at"),
        ("scope=team:x", "scope"),
        ("scope=department:", "scope"),
        ("limit=0", "limit"),
        ("limit=many", "limit"),
    ],
)
def test_bad_leaderboard_queries_are_a_422_naming_the_field(
    moto_stack: MotoStack, query: str, field: str
) -> None:
    got = moto_stack.http("GET", "/api/leaderboards", query=query, admin=True)
    assert got.status == 422
    assert [d["field"] for d in got.json()["error"]["details"]] == [field]


def test_the_points_of_an_unknown_ambassador_are_a_404_and_the_routes_need_the_token(
    moto_stack: MotoStack,
) -> None:
    assert moto_stack.http("GET", "/api/ambassadors/E404/points", admin=True).status == 404
    for path in ("/api/leaderboards", "/api/leaderboards/suspicious", "/api/ambassadors/E1/points"):
        assert moto_stack.http("GET", path).status == 401


QUERY_NAMES = st.sampled_from(["period", "at", "scope", "limit", "next", "x"])
QUERY_VALUES = st.one_of(
    st.text(max_size=30),
    st.sampled_from(
        [
            "week",
            "month",
            "quarter",
            "2026-11-29",
            "9999-12-31",
            "0001-01-01",
            "department:Sales",
            "location:Utrecht",
            "department:" + "x" * 300,
            "\uff11\uff12",  # fullwidth digits
            "2026-1\uff11-29",
            "\u00b9",
            "-1",
            "100000",
        ]
    ),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    path=st.sampled_from(["/api/leaderboards", "/api/leaderboards/suspicious", "/api/ambassadors/E1/points"]),
    query=st.dictionaries(QUERY_NAMES, QUERY_VALUES, max_size=5),
)
def test_leaderboard_query_parameters_never_get_a_5xx(
    moto_stack: MotoStack, path: str, query: dict[str, str]
) -> None:
    from urllib.parse import urlencode

    got: HttpResult = moto_stack.http("GET", path, query=urlencode(query), admin=True)
    assert got.status < 500, got.body
    assert got.headers["content-type"].startswith("application/json")
    if got.status >= 400:
        assert isinstance(got.json()["error"]["message"], str)


@pytest.mark.parametrize(
    ("at", "status"), [("9999-12-31", 422), ("1999-12-31", 422), ("2000-01-01", 200), ("9998-12-31", 200)]
)
@pytest.mark.parametrize("path", ["/api/leaderboards", "/api/ambassadors/E1/points"])
def test_a_day_whose_periods_would_leave_the_calendar_is_refused(
    moto_stack: MotoStack, path: str, at: str, status: int
) -> None:
    _ambassador("E1", "Eva", display="name")
    got = moto_stack.http("GET", path, query=f"at={at}", admin=True)
    assert got.status == status, got.body
    if status == 422:
        assert got.json()["error"]["details"][0]["field"] == "at"


# ------------------------------------------------------------------------------------ weights
def test_the_talent_team_sets_the_weights_and_the_points_follow(moto_stack: MotoStack) -> None:
    _seed_board(moto_stack)
    got = moto_stack.http("GET", "/api/team/settings", admin=True).json()
    assert got["point_weights"] == {
        "share_intent": 1,
        "click": 2,
        "application": 10,
        "interview": 20,
        "hire": 50,
        "colleague_recruited": 10,
    }
    weights = {"share_intent": 5, "click": 1}
    put = moto_stack.http("PUT", "/api/team/settings", body={"point_weights": weights}, admin=True)
    assert put.status == 200, put.body
    assert put.json()["point_weights"]["share_intent"] == 5
    assert put.json()["point_weights"]["hire"] == 50  # left out: the default

    sources = _week(_points(moto_stack, "E1", "2026-11-29"))
    assert (sources["share_intents"]["points"], sources["clicks"]["points"]) == (5, 2)

    bad = moto_stack.http("PUT", "/api/team/settings", body={"point_weights": {"click": -1}}, admin=True)
    assert bad.status == 422


# ------------------------------------------------------------------------------------ attribution
@pytest.fixture
def world(moto_stack: MotoStack) -> at.Bus:
    at.put_ambassador("E1", "eva@example.com")
    at.put_ambassador("E2", "jan@example.com")
    at.put_vacancy()
    return at.Bus(moto_stack.stack.physical_name("KringBus"))


def test_credited_applications_interviews_and_hires_earn_points_from_the_exact_counters(
    moto_stack: MotoStack, world: at.Bus
) -> None:
    applied = at.when(29, 9)
    click = la.click(1, at=applied - timedelta(days=3), vacancy_id=at.VACANCY, ambassador_id="E1")
    at.record_clicks(moto_stack, [click])
    application = at.received(at=applied, proof=at.evidence(tokens=[click.click_id]))
    interview = at.stage("interview", at=applied + timedelta(days=2))
    hire = at.hired(at=at.when(40, 14))
    at.deliver_ok(moto_stack, [application, interview, hire])
    at.deliver_ok(moto_stack, [application, interview, hire])  # redelivered: nothing more

    items = la.points_snapshot()
    november = items[_key("E1", MONTH)]
    december = items[_key("E1", "2026-12")]
    assert (november["pt_ap"], november["pt_iv"], november.get("pt_hi")) == (1, 1, None)
    assert december["pt_hi"] == 1
    quarter = items[_key("E1", QUARTER)]
    assert (quarter["pt_ap"], quarter["pt_iv"], quarter["pt_hi"], quarter["pt_cl"]) == (1, 1, 1, 1)
    assert quarter["pt_score"] == 10 + 20 + 50 + 2

    at.deliver_ok(moto_stack, [at.unhired(at=at.when(45))])  # the hire is taken back, and its points
    items = la.points_snapshot()
    assert items[_key("E1", "2026-12")].get("pt_hi") is None
    assert items[_key("E1", QUARTER)]["pt_score"] == 32


# ------------------------------------------------------------------------------------ re-ranking
def test_changed_weights_are_announced_and_the_job_ranks_the_recent_periods_by_them(
    moto_stack: MotoStack,
) -> None:
    sqs = boto3.client("sqs", region_name=REGION)
    url = sqs.create_queue(QueueName="capture-api")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    events = boto3.client("events", region_name=REGION)
    bus_name = moto_stack.stack.physical_name("KringBus")
    events.put_rule(
        Name="capture-api", EventBusName=bus_name, EventPattern=json.dumps({"source": ["kring.api"]})
    )
    events.put_targets(Rule="capture-api", EventBusName=bus_name, Targets=[{"Id": "q", "Arn": arn}])
    now = datetime.now(UTC)  # the job re-ranks the periods up to today
    _ambassador("E1", "Eva", display="name")
    _ambassador("E2", "Jan", display="name")
    recorded: list[KringEvent] = [
        la.click(1, at=now, ambassador_id="E1", network=la.visitor(1)),  # 2 points
        la.intent(1, at=now, ambassador_id="E2", network="linkedin"),  # 1 + 1 point
        la.intent(2, at=now, ambassador_id="E2", network="x"),
    ]
    _record(moto_stack, [la.envelope(e) for e in recorded])
    today = now.date().isoformat()
    assert _ranking(moto_stack, f"at={today}") == [("E1", 2), ("E2", 2)]  # a tie: by id

    weights = {"share_intent": 10, "click": 1}
    assert (
        moto_stack.http("PUT", "/api/team/settings", body={"point_weights": weights}, admin=True).status
        == 200
    )
    [message] = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
    announced = json.loads(message["Body"])
    assert announced["detail-type"] == "PointWeightsChanged"
    assert announced["detail"]["point_weights"]["share_intent"] == 10
    assert _ranking(moto_stack, f"at={today}") == [("E1", 2), ("E2", 2)]  # not re-ranked yet

    envelope = {**announced, "account": "000000000000", "region": REGION, "resources": [], "version": "0"}
    done = moto_stack.invoke("PointsRerankFunction", envelope)
    assert done["rescored"] == 2 * 3  # two ambassadors, their week, month and quarter
    for kind in ("week", "month", "quarter"):
        assert _ranking(moto_stack, f"period={kind}&at={today}") == [("E2", 20), ("E1", 1)]
    again = moto_stack.invoke("PointsRerankFunction", envelope)  # a retried run: nothing left to do
    assert again["rescored"] == 0

    # and what the recorder writes from now on is scored with the new weights too
    _record(moto_stack, [la.envelope(la.click(2, at=now, ambassador_id="E1", network=la.visitor(2)))])
    assert _ranking(moto_stack, f"at={today}") == [("E2", 20), ("E1", 2)]


def test_a_recent_period_is_re_ranked_and_an_old_one_keeps_its_points() -> None:
    from datetime import date

    from kring.points import rerank

    recent = rerank.recent_periods(date(2026, 12, 5))
    assert recent[0] == "2026-W35"  # 100 days: from 2026-08-28
    assert {"2026-W49", "2026-12", "2026-Q4", "2026-08", "2026-Q3"} <= set(recent)
    assert "2026-07" not in recent


# ------------------------------------------------------------------------------------ colleagues
def test_a_colleague_recruited_is_credited_once_ever_and_earns_its_weight(moto_stack: MotoStack) -> None:
    from kring.points.colleagues import credit_colleague

    _ambassador("E1", "Eva", display="name")
    assert credit_colleague("E1", "E77", NOW)
    assert not credit_colleague("E1", "E77", NOW)  # redelivered
    assert not credit_colleague("E2", "E77", NOW + timedelta(days=3))  # nobody recruits them twice
    assert credit_colleague("E1", "E78", NOW)
    sources = _week(_points(moto_stack, "E1", "2026-11-29"))
    assert (sources["colleagues_recruited"]["counted"], sources["colleagues_recruited"]["points"]) == (2, 20)
    assert _ranking(moto_stack, "at=2026-11-29") == [("E1", 20)]

"""LinkClicked / ShareIntended → LinkActivityQueue → ClickRecorderFunction: the real handler under
moto, with the table as in template.yaml. Counters are exact whatever the duplication and order."""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from infra.local.bus import LocalBus
from infra.local.queues import QueueStore
from infra.local.template import Stack
from kring import aws
from kring.events import KringEvent, LinkClicked, ShareIntended
from kring.models.common import NO_ACCEPT_LANGUAGE
from tests.support import link_activity as la
from tests.support.fixtures import MotoStack

NOW = datetime(2026, 11, 29, 8, 15, tzinfo=UTC)
DAY = "2026-11-29"
SAMPLE = Path(__file__).resolve().parents[2] / "events" / "sqs" / "link_activity_batch.json"
VAC, AMB, PROG = "STATS#VAC#greenhouse-1", "STATS#AMB#E1", "STATS#PROG"


def _deliver(stack: MotoStack, events: Sequence[KringEvent | str]) -> dict[str, Any]:
    bodies = [e if isinstance(e, str) else la.envelope(e) for e in events]
    result: dict[str, Any] = stack.invoke("ClickRecorderFunction", la.sqs_event(bodies))
    return result


# ------------------------------------------------------------------------------------ wiring
def test_the_rule_routes_clicks_and_intents_and_nothing_else_to_the_link_activity_queue(
    tmp_path: Path,
) -> None:
    stack = Stack({"PublicBaseUrl": "https://go.example.com", "Stage": "t"})
    queue = stack.queues()["LinkActivityQueue"].name
    store = QueueStore(tmp_path / "q.sqlite3", stack.queues())
    bus = LocalBus(stack.rules(), store, lambda *_: None)
    bus_name = stack.physical_name("KringBus")
    entries = [
        {"Source": source, "DetailType": detail_type, "Detail": "{}", "EventBusName": bus_name}
        for source, detail_type in (
            ("kring.redirect", "LinkClicked"),
            ("kring.share", "ShareIntended"),
            ("kring.redirect", "ShareIntended"),
            ("kring.ats", "VacancyPublished"),
        )
    ]
    bus.start()
    try:
        bus.put_events(entries)
        deadline = datetime.now(UTC) + timedelta(seconds=5)
        while not bus.idle():
            assert datetime.now(UTC) < deadline
    finally:
        bus.stop()
    delivered = sorted(json.loads(m.body)["detail-type"] for m in store.messages(queue))
    store.close()
    assert delivered == ["LinkClicked", "ShareIntended"]
    [source] = [s for s in stack.queue_event_sources() if s.function == "ClickRecorderFunction"]
    assert source.queue_logical_id == "LinkActivityQueue"
    assert source.report_batch_item_failures


def test_the_sample_batch_is_recorded(moto_stack: MotoStack) -> None:
    event = json.loads(SAMPLE.read_text())
    assert moto_stack.invoke("ClickRecorderFunction", event) == {"batchItemFailures": []}
    snapshot = la.stats_snapshot()
    vacancy_day = snapshot[("STATS#VAC#greenhouse-263533", "DAY#2026-11-29")]
    assert vacancy_day["share_intents"] == 1
    assert vacancy_day["clicks"] == vacancy_day["raw_clicks"] == vacancy_day["unique_visitors"] == 1
    assert vacancy_day["bot_clicks"] == vacancy_day["bot_clicks_preview"] == 1


# ------------------------------------------------------------------------------------ behaviour
def test_a_click_is_recorded_with_its_click_record_and_counted_everywhere(moto_stack: MotoStack) -> None:
    one = la.click(1, at=NOW, channel="x")
    assert _deliver(moto_stack, [one]) == {"batchItemFailures": []}

    record = la.click_records()[one.click_id]
    assert record["code"] == one.code
    assert (record["vacancy_id"], record["ambassador_id"], record["channel"]) == ("greenhouse-1", "E1", "x")
    assert record["clicked_at"] == "2026-11-29T08:15:00+00:00"
    assert record["expires_at"] == int((NOW + timedelta(days=30 + 7)).timestamp())
    assert record["own_click"] is False

    counted = {"clicks": 1, "clicks_x": 1, "raw_clicks": 1, "raw_clicks_x": 1}
    snapshot = la.stats_snapshot()
    assert snapshot[(VAC, f"DAY#{DAY}")] == Counter({**counted, "unique_visitors": 1, "unique_visitors_x": 1})
    assert snapshot[(AMB, f"DAY#{DAY}")] == snapshot[(VAC, f"DAY#{DAY}")]
    assert snapshot[(VAC, "AMB#E1")] == Counter(
        {**counted, "unique_visitor_days": 1, "unique_visitor_days_x": 1}
    )
    assert snapshot[(PROG, f"DAY#{DAY}")] == Counter(counted)  # the programme: no unique visitors


def test_the_programme_counts_intents_and_clicks_of_every_vacancy_in_the_same_transaction(
    moto_stack: MotoStack,
) -> None:
    own = la.visitor(5)
    la.put_own_visitor("E1", DAY, own)
    events: list[KringEvent] = [
        la.intent(1, at=NOW, network="whatsapp"),
        la.intent(2, at=NOW, vacancy_id="greenhouse-2", ambassador_id="E2"),
        la.click(1, at=NOW, visitor_hash=la.visitor(1)),
        la.click(2, at=NOW + timedelta(minutes=5), visitor_hash=la.visitor(1)),  # same hour: raw only
        la.click(3, at=NOW, vacancy_id="greenhouse-2", ambassador_id="E2", channel="x"),
        la.click(4, at=NOW, kind="preview"),  # bots and own clicks are not in the programme's funnel
        la.click(5, at=NOW, visitor_hash=own),
        la.click(6, at=NOW + timedelta(days=1), channel="direct"),  # the next day
    ]
    calls, stop = la.counting(aws.dynamodb())
    try:
        assert _deliver(moto_stack, [*events, events[2]]) == {"batchItemFailures": []}
    finally:
        stop()
    assert calls == Counter({"BatchGetItem": 1, "TransactWriteItems": len(events)})  # still one a event
    snapshot = la.stats_snapshot()
    assert snapshot[(PROG, f"DAY#{DAY}")] == Counter(
        {
            "share_intents": 2,
            "share_intents_whatsapp": 1,
            "share_intents_linkedin": 1,
            "clicks": 2,
            "clicks_linkedin": 1,
            "clicks_x": 1,
            "raw_clicks": 3,
            "raw_clicks_linkedin": 2,
            "raw_clicks_x": 1,
        }
    )
    assert snapshot[(PROG, "DAY#2026-11-30")] == Counter(
        {"clicks": 1, "clicks_direct": 1, "raw_clicks": 1, "raw_clicks_direct": 1}
    )


def test_a_redelivered_click_or_intent_changes_nothing_and_writes_nothing(moto_stack: MotoStack) -> None:
    events: list[KringEvent] = [la.click(1, at=NOW), la.intent(1, at=NOW)]
    _deliver(moto_stack, events)
    before = la.stats_snapshot()
    calls, stop = la.counting(aws.dynamodb())
    try:
        assert _deliver(moto_stack, [*events, *events]) == {"batchItemFailures": []}
    finally:
        stop()
    assert la.stats_snapshot() == before
    assert calls == Counter({"BatchGetItem": 1})  # one read for the batch, no write at all


def test_one_write_per_click_and_one_read_per_batch(moto_stack: MotoStack) -> None:
    events = [la.click(n, at=NOW + timedelta(minutes=n), visitor_hash=la.visitor(n % 3)) for n in range(10)]
    calls, stop = la.counting(aws.dynamodb())
    try:
        assert _deliver(moto_stack, events) == {"batchItemFailures": []}
    finally:
        stop()
    assert calls == Counter({"BatchGetItem": 1, "TransactWriteItems": 10})


def test_repeat_clicks_in_one_clock_hour_count_once_and_visitors_once_a_day(moto_stack: MotoStack) -> None:
    v = la.visitor(7)
    at = datetime(2026, 11, 29, 9, 5, tzinfo=UTC)
    _deliver(
        moto_stack,
        [
            la.click(1, at=at, visitor_hash=v),
            la.click(2, at=at + timedelta(minutes=50), visitor_hash=v),  # 09:55 — same hour
            la.click(3, at=at + timedelta(minutes=56), visitor_hash=v),  # 10:01 — next hour
            la.click(4, at=at + timedelta(minutes=10), visitor_hash=v, channel="whatsapp"),
        ],
    )
    day = la.stats_snapshot()[(VAC, "DAY#2026-11-29")]
    assert day["raw_clicks"] == 4
    assert day["clicks"] == 2  # 09h and 10h
    assert (day["clicks_linkedin"], day["clicks_whatsapp"]) == (2, 1)  # each channel on its own
    assert day["unique_visitors"] == 1
    assert (day["unique_visitors_linkedin"], day["unique_visitors_whatsapp"]) == (1, 1)


def test_bots_count_by_reason_and_own_clicks_only_as_own(moto_stack: MotoStack) -> None:
    own = la.visitor(1)
    la.put_own_visitor("E1", DAY, own)
    _deliver(
        moto_stack,
        [
            la.click(1, at=NOW, kind="preview", visitor_hash=own),
            la.click(2, at=NOW, kind="head"),
            la.click(3, at=NOW, kind="scanner", channel="email"),
            la.click(4, at=NOW, visitor_hash=own),
            la.click(5, at=NOW, visitor_hash=own, channel="direct"),
            # the same visitor on another ambassador's link is a candidate's click there
            la.click(6, at=NOW, visitor_hash=own, ambassador_id="E2"),
        ],
    )
    snapshot = la.stats_snapshot()
    e1 = snapshot[(AMB, f"DAY#{DAY}")]
    assert e1 == Counter(
        {
            "bot_clicks": 3,
            "bot_clicks_preview": 1,
            "bot_clicks_head": 1,
            "bot_clicks_scanner": 1,
            "bot_clicks_linkedin": 2,
            "bot_clicks_email": 1,
            "own_clicks": 2,
            "own_clicks_linkedin": 1,
            "own_clicks_direct": 1,
        }
    )
    assert la.click_records()[la.click_token(4)]["own_click"] is True
    assert snapshot[("STATS#AMB#E2", f"DAY#{DAY}")]["clicks"] == 1
    assert snapshot[(VAC, f"DAY#{DAY}")]["unique_visitors"] == 1


def test_a_malformed_message_fails_alone(moto_stack: MotoStack) -> None:
    good = la.envelope(la.click(1, at=NOW))
    bad_detail = json.loads(good)
    bad_detail["detail"]["click_id"] = "not-a-token"
    event = la.sqs_event(["not json", json.dumps(bad_detail), good])
    result = moto_stack.invoke("ClickRecorderFunction", event)
    failed = {f["itemIdentifier"] for f in result["batchItemFailures"]}
    assert failed == {r["messageId"] for r in event["Records"][:2]}
    assert la.stats_snapshot()[(VAC, f"DAY#{DAY}")]["raw_clicks"] == 1


def test_a_dedupe_tag_added_concurrently_is_re_read_and_the_click_planned_again(
    moto_stack: MotoStack,
) -> None:
    """Another recorder counts the same visitor between this one's read and its write."""
    first, second = la.click(1, at=NOW), la.click(2, at=NOW + timedelta(minutes=1))
    client = aws.dynamodb()
    injected: list[str] = []

    def other_recorder_first(params: dict[str, Any], **_: Any) -> None:
        if not injected:
            injected.append("done")
            client.meta.events.unregister("before-call.dynamodb.TransactWriteItems", other_recorder_first)
            _deliver(moto_stack, [first])

    client.meta.events.register("before-call.dynamodb.TransactWriteItems", other_recorder_first)
    calls, stop = la.counting(client)
    try:
        assert _deliver(moto_stack, [second]) == {"batchItemFailures": []}
    finally:
        stop()
    assert injected
    day = la.stats_snapshot()[(VAC, f"DAY#{DAY}")]
    assert (day["raw_clicks"], day["clicks"], day["unique_visitors"]) == (2, 1, 1)
    # the second recorder: read, a cancelled write, read again, write (+ the first one's 2)
    assert calls == Counter({"BatchGetItem": 3, "TransactWriteItems": 3})


# ------------------------------------------------------------------------------------ exactness
VACANCIES = ("greenhouse-1", "greenhouse-2")
AMBASSADORS = ("E1", "E2")
CHANNELS = ("linkedin", "x", "direct")
# (kind, reason): a bot's reason is its kind, but for the scanner posing as a browser
KINDS = (
    *[("human", None)] * 4,
    ("preview", None),
    ("head", None),
    ("crawler", None),
    ("scanner", None),
    ("scanner", NO_ACCEPT_LANGUAGE),
)
START = datetime(2026, 11, 29, 22, 40, tzinfo=UTC)  # three hours: across hours and midnight

clicks_strategy = st.lists(
    st.tuples(
        st.sampled_from(VACANCIES),
        st.sampled_from(AMBASSADORS),
        st.sampled_from(CHANNELS),
        st.integers(0, 3),  # visitor
        st.sampled_from(KINDS),
        st.integers(0, 180),  # minutes after START
    ),
    min_size=1,
    max_size=14,
)
intents_strategy = st.lists(
    st.tuples(
        st.sampled_from(VACANCIES),
        st.sampled_from(AMBASSADORS),
        st.sampled_from(("linkedin", "x", "email")),
        st.integers(0, 180),
    ),
    max_size=4,
)
own_strategy = st.sets(
    st.tuples(st.sampled_from(AMBASSADORS), st.sampled_from(("2026-11-29", "2026-11-30")), st.integers(0, 3)),
    max_size=2,
)


def model(
    clicks: Sequence[LinkClicked], intents: Sequence[ShareIntended], own: set[tuple[str, str, str]]
) -> dict[tuple[str, str], Counter[str]]:
    """The counters, computed the obvious way from the distinct events."""
    out: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    # (scope, counter) → distinct keys
    distinct: dict[tuple[tuple[str, str], str], set[Any]] = defaultdict(set)

    def day_of(moment: datetime) -> str:
        return moment.astimezone(UTC).date().isoformat()

    def scopes(e: LinkClicked | ShareIntended) -> list[tuple[tuple[str, str], str]]:
        day = day_of(e.occurred_at)
        return [
            ((f"STATS#VAC#{e.vacancy_id}", f"DAY#{day}"), "unique_visitors"),
            ((f"STATS#AMB#{e.ambassador_id}", f"DAY#{day}"), "unique_visitors"),
            ((f"STATS#VAC#{e.vacancy_id}", f"AMB#{e.ambassador_id}"), "unique_visitor_days"),
        ]

    def programme(e: LinkClicked | ShareIntended) -> tuple[str, str]:
        """Every vacancy's day together: share intents, clicks and raw clicks only."""
        return ("STATS#PROG", f"DAY#{day_of(e.occurred_at)}")

    for i in intents:
        for scope in [s for s, _ in scopes(i)] + [programme(i)]:
            out[scope]["share_intents"] += 1
            out[scope][f"share_intents_{i.network}"] += 1
    for c in clicks:
        day, hour, ch = day_of(c.occurred_at), c.occurred_at.astimezone(UTC).hour, c.channel
        for scope, unique_name in scopes(c):
            if c.visitor_kind != "human":
                out[scope].update(["bot_clicks", f"bot_clicks_{c.visitor_kind}", f"bot_clicks_{ch}"])
                if c.bot_reason == NO_ACCEPT_LANGUAGE:
                    out[scope].update(["no_accept_language", f"no_accept_language_{ch}"])
            elif (c.ambassador_id, day, c.visitor) in own:
                out[scope].update(["own_clicks", f"own_clicks_{ch}"])
            else:
                out[scope].update(["raw_clicks", f"raw_clicks_{ch}"])
                distinct[(scope, "clicks")].add((c.code, c.visitor, day, hour))
                distinct[(scope, f"clicks_{ch}")].add((c.code, c.visitor, day, hour))
                distinct[(scope, unique_name)].add((c.visitor, day))
                distinct[(scope, f"{unique_name}_{ch}")].add((c.visitor, day))
        if c.visitor_kind == "human" and (c.ambassador_id, day, c.visitor) not in own:
            out[programme(c)].update(["raw_clicks", f"raw_clicks_{ch}"])
            distinct[(programme(c), "clicks")].add((c.code, c.visitor, day, hour))
            distinct[(programme(c), f"clicks_{ch}")].add((c.code, c.visitor, day, hour))
    for (scope, name), members in distinct.items():
        out[scope][name] = len(members)
    return {k: +v for k, v in out.items() if +v}


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(clicks=clicks_strategy, intents=intents_strategy, own=own_strategy, data=st.data())
def test_any_duplication_and_order_ends_in_the_counters_of_one_clean_delivery(
    moto_stack: MotoStack,
    clicks: list[tuple[str, str, str, int, tuple[str, str | None], int]],
    intents: list[tuple[str, str, str, int]],
    own: set[tuple[str, str, int]],
    data: st.DataObject,
) -> None:
    click_events = [
        la.click(
            n,
            at=START + timedelta(minutes=minutes),
            vacancy_id=vacancy,
            ambassador_id=ambassador,
            channel=channel,
            visitor_hash=la.visitor(v),
            kind=kind,
            reason=reason,
        )
        for n, (vacancy, ambassador, channel, v, (kind, reason), minutes) in enumerate(clicks)
    ]
    intent_events = [
        la.intent(
            n,
            at=START + timedelta(minutes=minutes),
            vacancy_id=vacancy,
            ambassador_id=ambassador,
            network=net,
        )
        for n, (vacancy, ambassador, net, minutes) in enumerate(intents)
    ]
    own_markers = {(ambassador, day, la.visitor(v)) for ambassador, day, v in own}
    events: list[KringEvent] = [*click_events, *intent_events]

    def deliver(batches: list[list[KringEvent]]) -> dict[tuple[str, str], Counter[str]]:
        la.clear_table()
        for marker in own_markers:
            la.put_own_visitor(*marker)
        for batch in batches:
            assert _deliver(moto_stack, batch) == {"batchItemFailures": []}
        return la.stats_snapshot()

    # one clean delivery, in time order, ten a batch
    ordered = sorted(events, key=lambda e: e.occurred_at)
    clean = deliver([ordered[i : i + 10] for i in range(0, len(ordered), 10)])
    assert clean == model(click_events, intent_events, own_markers)

    # any order, any duplicates (in one batch or across batches), any batch sizes
    duplicates = data.draw(st.lists(st.sampled_from(events), max_size=len(events)), label="duplicates")
    shuffled = data.draw(st.permutations([*events, *duplicates]), label="order")
    sizes = data.draw(
        st.lists(st.integers(1, 10), min_size=len(shuffled), max_size=len(shuffled)), label="sizes"
    )
    batches: list[list[KringEvent]] = []
    rest = list(shuffled)
    for size in sizes:
        if not rest:
            break
        batches.append(rest[:size])
        rest = rest[size:]
    assert deliver(batches) == clean
    assert set(la.click_records()) == {c.click_id for c in click_events}

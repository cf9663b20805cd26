"""Candidate events → CandidateEventsQueue → AttributionFunction: the real handler under moto, with
the table, queues and bus as in template.yaml. Application states, the decision, exact counters,
the reward ledger and ApplicationAttributed — and a redelivery that changes nothing."""

from __future__ import annotations

import json
import os
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest

from infra.local.bus import LocalBus
from infra.local.queues import QueueStore
from infra.local.template import Stack
from kring import aws, config
from kring.attribution.rules import reward_id
from kring.dal import keys
from kring.dal.items import serialize
from kring.events import LinkClicked
from tests.support import attribution as at
from tests.support import link_activity as la
from tests.support.fixtures import MotoStack

SAMPLE = Path(__file__).resolve().parents[2] / "events" / "sqs" / "candidate_events_batch.json"
APPLIED = at.when(29, 9)
DAY = "2026-11-29"
PROG = ("STATS#PROG", f"DAY#{DAY}")
VAC_DAY = (f"STATS#VAC#{at.VACANCY}", f"DAY#{DAY}")
AMB_DAY = ("STATS#AMB#E1", f"DAY#{DAY}")
VAC_AMB = (f"STATS#VAC#{at.VACANCY}", "AMB#E1")


@pytest.fixture
def world(moto_stack: MotoStack, monkeypatch: pytest.MonkeyPatch) -> at.Bus:
    """Two ambassadors, the vacancy of post P1 (job J1), a reward plan of 500 EUR after 90 days,
    and a capture of what the attribution puts on the bus."""
    monkeypatch.setenv("REWARD_AMOUNT", "500")
    config.clear_caches()
    at.put_ambassador("E1", "eva@example.com")
    at.put_ambassador("E2", "jan@example.com")
    at.put_vacancy()
    return at.Bus(moto_stack.stack.physical_name("KringBus"))


def _click(
    n: int, *, ago: timedelta, ambassador_id: str = "E1", channel: str = "linkedin", kind: str = "human"
) -> LinkClicked:
    """Click ``n`` on E1's (or another ambassador's) link to the vacancy, ``ago`` before APPLIED."""
    return la.click(
        n, at=APPLIED - ago, vacancy_id=at.VACANCY, ambassador_id=ambassador_id, channel=channel, kind=kind
    )


# ------------------------------------------------------------------------------------ wiring
def test_the_rule_routes_candidate_events_and_people_s_clicks_and_nothing_else(tmp_path: Path) -> None:
    stack = Stack({"PublicBaseUrl": "https://go.example.com", "Stage": "t"})
    queue = stack.queues()["CandidateEventsQueue"].name
    store = QueueStore(tmp_path / "q.sqlite3", stack.queues())
    bus = LocalBus(stack.rules(), store, lambda *_: None)
    bus_name = stack.physical_name("KringBus")
    sent = [
        ("kring.ats", "ApplicationReceived"),
        ("kring.ats", "CandidateStageChanged"),
        ("kring.ats", "CandidateHired"),
        ("kring.ats", "CandidateUnhired"),
        ("kring.ats", "ApplicationRejected"),
        ("kring.redirect", "LinkClicked"),
        ("kring.redirect", "LinkClicked", "preview"),  # a bot's click can never earn credit
        ("kring.redirect", "LinkClicked", "head"),
        ("kring.ats", "VacancyPublished"),
        ("kring.share", "ShareIntended"),
        ("kring.attribution", "ApplicationAttributed"),
        ("kring.redirect", "ApplicationReceived"),
    ]
    bus.start()
    try:
        bus.put_events(
            [
                {
                    "Source": source,
                    "DetailType": detail_type,
                    "Detail": json.dumps({"visitor_kind": kind[0] if kind else "human"}),
                    "EventBusName": bus_name,
                }
                for source, detail_type, *kind in sent
            ]
        )
        deadline = time.monotonic() + 5
        while not bus.idle():
            assert time.monotonic() < deadline
    finally:
        bus.stop()
    delivered = sorted(json.loads(m.body)["detail-type"] for m in store.messages(queue))
    store.close()
    assert delivered == sorted(
        [
            "ApplicationReceived",
            "CandidateStageChanged",
            "CandidateHired",
            "CandidateUnhired",
            "ApplicationRejected",
            "LinkClicked",
        ]
    )
    [source] = [s for s in stack.queue_event_sources() if s.function == "AttributionFunction"]
    assert source.queue_logical_id == "CandidateEventsQueue"
    assert source.report_batch_item_failures


def test_the_sample_batch_is_attributed(moto_stack: MotoStack, world: at.Bus) -> None:
    """The candidate events of one Greenhouse application and the click its token came from
    (recorded first by the click recorder, from its own sample)."""
    clicks = json.loads((SAMPLE.parent / "link_activity_batch.json").read_text())
    assert moto_stack.invoke("ClickRecorderFunction", clicks) == {"batchItemFailures": []}
    event = json.loads(SAMPLE.read_text())
    assert moto_stack.invoke("AttributionFunction", event) == {"batchItemFailures": []}
    state = at.only_state()
    assert state.facts.received
    assert state.decision is not None
    assert (state.decision.method, state.decision.ambassador_id, state.decision.channel) == (
        "click_token",
        "E1001",
        "linkedin",
    )
    assert (state.facts.stage.kind if state.facts.stage else None) == "interview"
    assert not state.facts.hired  # hired on 20 December, unhired on the 21st
    assert [e["status"] for e in at.ledger().values()] == ["cancelled"]
    [announced] = world.attributed()
    assert announced["application_id"] == "71980812"


# ------------------------------------------------------------------------------------ behaviour
def test_an_application_with_a_click_token_is_credited_counted_and_announced(
    moto_stack: MotoStack, world: at.Bus
) -> None:
    click = _click(1, ago=timedelta(days=3), channel="x")
    at.record_clicks(moto_stack, [click])
    application = at.received(at=APPLIED, proof=at.evidence(tokens=[click.click_id]))

    at.deliver_ok(moto_stack, [application])

    state = at.only_state()
    assert state.decision is not None
    assert (state.decision.method, state.decision.ambassador_id, state.decision.channel) == (
        "click_token",
        "E1",
        "x",
    )
    assert state.decision.vacancy_id == at.VACANCY
    credited = Counter({"applications": 1, "applications_click_token": 1, "applications_x": 1})
    assert at.counters() == {PROG: credited, VAC_DAY: credited, AMB_DAY: credited, VAC_AMB: credited}
    [announced] = world.attributed()
    assert announced["method"] == "click_token"
    assert (announced["ambassador_id"], announced["channel"], announced["click_token"]) == (
        "E1",
        "x",
        click.click_id,
    )
    assert announced["application_id"] == "A1"
    assert announced["vacancy_id"] == at.VACANCY
    assert announced["clicked_at"].startswith("2026-11-26T09:00:00")
    assert at.aliases() == {"A1": {next(iter(at.states()))}}


def test_a_hire_counts_on_its_day_and_books_a_pending_reward_and_an_unhire_cancels_it(
    moto_stack: MotoStack, world: at.Bus
) -> None:
    click = _click(1, ago=timedelta(days=3))
    at.record_clicks(moto_stack, [click])
    application = at.received(at=APPLIED, proof=at.evidence(tokens=[click.click_id]))
    interview = at.stage("interview", at=APPLIED + timedelta(days=2))
    hire = at.hired(at=at.when(40, 14))
    at.deliver_ok(moto_stack, [application, interview, hire])

    hired_day = ("STATS#AMB#E1", "DAY#2026-12-10")
    assert at.counters()[hired_day] == Counter({"hires": 1, "hires_linkedin": 1})
    assert at.counters()[AMB_DAY]["interviews"] == at.counters()[AMB_DAY]["interviews_linkedin"] == 1
    assert at.counters()[VAC_AMB] == Counter(
        {
            "applications": 1,
            "applications_click_token": 1,
            "applications_linkedin": 1,
            "interviews": 1,
            "interviews_linkedin": 1,
            "hires": 1,
            "hires_linkedin": 1,
        }
    )
    [(owner, entry)] = at.ledger().items()
    pk = next(iter(at.states()))
    assert owner == ("E1", reward_id(keys.application(at.PROVIDER, at.JOB, at.candidate(1))))
    assert pk == keys.application(at.PROVIDER, at.JOB, at.candidate(1))["pk"]
    assert entry["status"] == "pending"
    assert (entry["amount"], entry["currency"]) == ("500", "EUR")
    assert entry["hired_at"] == "2026-12-10T14:00:00.000000Z"
    assert entry["eligible_at"] == "2027-03-10T14:00:00.000000Z"  # 90 days of holding
    assert (entry["provider"], entry["application_id"], entry["vacancy_id"]) == (
        "greenhouse",
        "A1",
        at.VACANCY,
    )
    assert entry["gsi1pk"] == keys.REWARD_LIST

    at.deliver_ok(moto_stack, [at.unhired(at=at.when(45))])
    assert at.counters().get(hired_day) is None  # the hire is taken back
    [entry] = at.ledger().values()
    assert entry["status"] == "cancelled"
    assert not at.only_state().facts.hired

    # a re-hire (later than the unhire) gives it back, on the new day
    at.deliver_ok(moto_stack, [at.hired(at=at.when(50), n=1)])
    assert at.counters()[("STATS#AMB#E1", "DAY#2026-12-20")] == Counter({"hires": 1, "hires_linkedin": 1})
    [entry] = at.ledger().values()
    assert (entry["status"], entry["hired_at"]) == ("pending", "2026-12-20T09:00:00.000000Z")


def test_the_same_events_again_change_nothing_and_write_nothing(moto_stack: MotoStack, world: at.Bus) -> None:
    click = _click(1, ago=timedelta(hours=5))
    at.record_clicks(moto_stack, [click])
    events = [
        at.received(at=APPLIED, proof=at.evidence(tokens=[click.click_id])),
        at.stage("interview", at=APPLIED + timedelta(days=1)),
        at.hired(at=APPLIED + timedelta(days=9)),
    ]
    at.deliver_ok(moto_stack, events)
    world.drain()
    before = (at.counters(), at.ledger(), at.states())
    calls, stop = la.counting(aws.dynamodb())
    try:
        at.deliver_ok(moto_stack, [*events, *reversed(events)])
    finally:
        stop()
    assert (at.counters(), at.ledger(), at.states()) == before
    assert calls == Counter({"BatchGetItem": 1})  # the states, read once; no lookup, no write
    assert world.attributed() == []


def test_a_hire_before_its_application_is_credited_when_the_application_arrives(
    moto_stack: MotoStack, world: at.Bus
) -> None:
    click = _click(1, ago=timedelta(days=1), channel="whatsapp")
    at.record_clicks(moto_stack, [click])
    hire = at.hired(at=APPLIED + timedelta(days=20))
    at.deliver_ok(moto_stack, [hire])

    # the hire created the application: counted, unattributed, on the hire's day for now
    first = at.only_state()
    assert not first.facts.received
    assert first.decision is not None
    assert first.decision.method == "unattributed"
    assert at.counters()[("STATS#PROG", "DAY#2026-12-19")] == Counter(
        {
            "applications": 1,
            "applications_unattributed": 1,
            "interviews": 1,
            "interviews_unattributed": 1,
            "hires": 1,
            "hires_unattributed": 1,
        }
    )
    assert at.ledger() == {}

    at.deliver_ok(moto_stack, [at.received(at=APPLIED, proof=at.evidence(tokens=[click.click_id]))])

    state = at.only_state()
    assert state.decision is not None
    assert (state.decision.method, state.decision.ambassador_id) == ("click_token", "E1")
    counted = at.counters()
    assert counted[PROG] == Counter(
        {
            "applications": 1,
            "applications_click_token": 1,
            "applications_whatsapp": 1,
            "interviews": 1,
            "interviews_whatsapp": 1,
        }
    )
    assert counted[("STATS#PROG", "DAY#2026-12-19")] == Counter({"hires": 1, "hires_whatsapp": 1})
    assert [e["status"] for e in at.ledger().values()] == ["pending"]
    assert [a["method"] for a in world.attributed()] == ["unattributed", "click_token"]


def test_the_same_candidate_applying_twice_to_one_job_is_one_application(
    moto_stack: MotoStack, world: at.Bus
) -> None:
    at.deliver_ok(
        moto_stack,
        [
            at.received(at=APPLIED + timedelta(days=2), app="A2"),
            at.received(at=APPLIED, app="A1"),
            at.received(at=APPLIED, app="A3", who=2),  # another candidate
        ],
    )
    # two candidates, on the day of each one's first application (A2's day counted, then moved)
    assert at.counters()[PROG] == Counter({"applications": 2, "applications_unattributed": 2})
    assert ("STATS#PROG", "DAY#2026-12-01") not in at.counters()
    one = keys.application(at.PROVIDER, at.JOB, at.candidate(1))["pk"]
    assert at.states()[one].facts.application_ids == ("A1", "A2")
    assert at.aliases()["A1"] == at.aliases()["A2"] == {one}


def test_a_referral_beats_a_click_and_counts_in_the_referral_channel(
    moto_stack: MotoStack, world: at.Bus
) -> None:
    mine, theirs = (
        _click(1, ago=timedelta(days=2), channel="x"),
        _click(2, ago=timedelta(days=1), ambassador_id="E2"),
    )
    at.record_clicks(moto_stack, [mine, theirs])
    application = at.received(at=APPLIED, proof=at.evidence(tokens=[mine.click_id, theirs.click_id]))
    referral = at.stage(
        "screening",
        at=APPLIED + timedelta(hours=1),
        proof=at.evidence(referrer_email_hashes=[_hash("EVA@example.com ")]),
    )
    at.deliver_ok(moto_stack, [application, referral])
    state = at.only_state()
    assert state.decision is not None
    assert (state.decision.method, state.decision.ambassador_id, state.decision.channel) == (
        "referral",
        "E1",
        "referral",
    )
    assert state.decision.click_token == mine.click_id  # the referrer's own click, on record
    reasons = {c.source: c.reason for c in state.decision.considered}
    assert reasons[theirs.click_id] == reasons[mine.click_id] == "lost_to_earlier_rule"
    assert at.counters()[AMB_DAY] == Counter({"applications": 1, "applications_referral": 1})
    assert world.attributed()[-1]["channel"] == "referral"
    # the counters moved from the click's credit (E2, last click) to the referral (E1)
    assert ("STATS#AMB#E2", f"DAY#{DAY}") not in at.counters()


def test_every_application_counts_in_one_channel_and_the_channels_add_up_to_the_total(
    moto_stack: MotoStack, world: at.Bus
) -> None:
    click = _click(1, ago=timedelta(days=2), channel="x")
    at.record_clicks(moto_stack, [click])
    at.deliver_ok(
        moto_stack,
        [
            at.received(at=APPLIED, proof=at.evidence(tokens=[click.click_id])),  # through E1's link on X
            at.received(at=APPLIED, who=2, app="A2", proof=at.evidence(referrer_ids=["E2"])),  # referred
            at.received(at=APPLIED, who=3, app="A3"),  # nobody brought this one
            at.stage("interview", at=APPLIED + timedelta(days=1), who=2, app="A2"),
            at.hired(at=APPLIED + timedelta(days=2), who=3, app="A3"),
        ],
    )

    got = moto_stack.http("GET", "/api/program/funnel", query="from=2026-11-01&to=2026-12-31", admin=True)

    body = got.json()
    totals, channels = body["totals"], body["by_channel"]
    assert (totals["applications"], totals["interviews"], totals["hires"]) == (3, 2, 1)
    for metric in ("applications", "interviews", "hires"):
        assert sum(figures[metric] for figures in channels.values()) == totals[metric], metric
    figures = {
        c: (f["applications"], f["interviews"], f["hires"]) for c, f in channels.items() if any(f.values())
    }
    assert figures == {"x": (1, 0, 0), "referral": (1, 1, 0), "unattributed": (1, 1, 1)}
    assert channels["direct"]["applications"] == 0  # a referral is not a direct application


def test_self_referral_never_credits(moto_stack: MotoStack, world: at.Bus) -> None:
    click = _click(1, ago=timedelta(days=2))
    at.record_clicks(moto_stack, [click])
    code = at.put_share_link(at.VACANCY, "E1")
    eva = _hash("eva@example.com")
    proof = at.evidence(tokens=[click.click_id], referrer_ids=["E1"], codes=[code], candidate_email_hash=eva)
    at.deliver_ok(moto_stack, [at.received(at=APPLIED, proof=proof)])
    state = at.only_state()
    assert state.decision is not None
    assert state.decision.method == "unattributed"
    assert {c.reason for c in state.decision.considered} == {"self_referral"}
    assert AMB_DAY not in at.counters()


def test_a_share_code_credits_when_nothing_else_does(moto_stack: MotoStack, world: at.Bus) -> None:
    code = at.put_share_link(at.OTHER_VACANCY, "E2")
    at.deliver_ok(moto_stack, [at.received(at=APPLIED, proof=at.evidence(codes=[code]))])
    state = at.only_state()
    assert state.decision is not None
    assert (state.decision.method, state.decision.ambassador_id, state.decision.channel) == (
        "share_code",
        "E2",
        "direct",
    )
    assert state.decision.vacancy_id == at.OTHER_VACANCY
    assert at.counters()[(f"STATS#VAC#{at.OTHER_VACANCY}", "AMB#E2")] == Counter(
        {"applications": 1, "applications_share_code": 1, "applications_direct": 1}
    )


def test_a_paid_reward_stays_paid_and_is_marked_reversed_by_an_unhire(
    moto_stack: MotoStack, world: at.Bus
) -> None:
    at.deliver_ok(
        moto_stack,
        [at.received(at=APPLIED, proof=at.evidence(referrer_ids=["E2"])), at.hired(at=at.when(31))],
    )
    [(ambassador, entry_id)] = at.ledger()
    aws.dynamodb().update_item(
        TableName=config.tables().table_name,
        Key=serialize(keys.reward(ambassador, entry_id)),
        UpdateExpression="SET #s = :paid, paid_at = :t",
        ExpressionAttributeNames={"#s": "status"},
        ExpressionAttributeValues=serialize({":paid": "paid", ":t": "2027-03-01T00:00:00+00:00"}),
    )
    at.deliver_ok(moto_stack, [at.unhired(at=at.when(33))])
    entry = at.ledger()[(ambassador, entry_id)]
    assert (entry["status"], entry["reversed_after_payment"], entry["paid_at"]) == (
        "paid",
        True,
        "2027-03-01T00:00:00+00:00",
    )
    at.deliver_ok(moto_stack, [at.hired(at=at.when(35), n=1)])
    entry = at.ledger()[(ambassador, entry_id)]
    assert entry["status"] == "paid"
    assert "reversed_after_payment" not in entry


def test_no_reward_plan_books_no_reward(
    moto_stack: MotoStack, world: at.Bus, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REWARD_AMOUNT", "0")
    config.clear_caches()
    at.deliver_ok(
        moto_stack,
        [at.received(at=APPLIED, proof=at.evidence(referrer_ids=["E2"])), at.hired(at=at.when(31))],
    )
    assert at.ledger() == {}
    assert at.counters()[("STATS#AMB#E2", "DAY#2026-12-01")]["hires"] == 1


def test_a_malformed_message_fails_alone(moto_stack: MotoStack, world: at.Bus) -> None:
    good = la.envelope(at.received(at=APPLIED))
    wrong = json.loads(good)
    wrong["detail"]["candidate_key"] = "not a hash"
    failed = at.deliver(
        moto_stack, ["not json", json.dumps(wrong), good, la.envelope(la.intent(1, at=APPLIED))]
    )
    assert failed == [0, 1, 3]
    assert at.counters()[PROG]["applications"] == 1


# ------------------------------------------------------------------------------------ late clicks
def test_a_click_recorded_after_its_application_credits_it_when_the_click_arrives(
    moto_stack: MotoStack, world: at.Bus
) -> None:
    click = _click(1, ago=timedelta(hours=2))
    at.deliver_ok(moto_stack, [at.received(at=APPLIED, proof=at.evidence(tokens=[click.click_id]))])
    state = at.only_state()
    assert state.decision is not None
    assert state.decision.method == "unattributed"
    assert state.waiting == (click.click_id,)

    at.record_clicks(moto_stack, [click])  # the click recorder catches up …
    at.deliver_ok(moto_stack, [click])  # … and attribution sees the same LinkClicked

    state = at.only_state()
    assert state.decision is not None
    assert (state.decision.method, state.decision.ambassador_id) == ("click_token", "E1")
    assert at.counters()[PROG] == Counter(
        {"applications": 1, "applications_click_token": 1, "applications_linkedin": 1}
    )
    assert [a["method"] for a in world.attributed()] == ["unattributed", "click_token"]
    # the click again: nothing changes
    before = at.states()
    at.deliver_ok(moto_stack, [click])
    assert at.states() == before


def test_a_click_seen_before_it_is_recorded_makes_a_waiting_application_retry_until_it_is(
    moto_stack: MotoStack, world: at.Bus
) -> None:
    click = _click(1, ago=timedelta(hours=2))
    application = at.received(at=APPLIED, proof=at.evidence(tokens=[click.click_id]))
    at.deliver_ok(moto_stack, [application])
    # attribution gets the LinkClicked before the recorder wrote the click: retried, not lost
    assert at.deliver(moto_stack, [click]) == [0]
    at.record_clicks(moto_stack, [click])
    at.deliver_ok(moto_stack, [click])
    state = at.only_state()
    assert state.decision is not None
    assert state.decision.method == "click_token"


def test_an_application_after_a_click_seen_but_not_recorded_waits_for_the_record(
    moto_stack: MotoStack, world: at.Bus
) -> None:
    click = _click(1, ago=timedelta(hours=2))
    at.deliver_ok(moto_stack, [click])  # nothing waits yet: the click is marked as seen
    application = at.received(at=APPLIED, proof=at.evidence(tokens=[click.click_id]))
    assert at.deliver(moto_stack, [application]) == [0]  # it would miss the click: retried
    assert at.states() == {}
    at.record_clicks(moto_stack, [click])
    at.deliver_ok(moto_stack, [application])
    state = at.only_state()
    assert state.decision is not None
    assert state.decision.method == "click_token"


def _hash(address: str) -> str:
    from kring.links import identity

    found = identity.email_hash(address)
    assert found is not None
    return found


# ------------------------------------------------------------------------------------ recount
def _as_counted_before_issue_11(key: keys.Key) -> None:
    """Rewrite a state, and the counters it added, as the code before wrote them: a referral in
    ``direct`` (no click of the referrer's), an unattributed application's interviews and hires in
    no channel at all."""
    from dataclasses import replace

    from kring.attribution.rules import difference
    from kring.dal import attribution_states
    from kring.dal.transact import Outcome

    states = attribution_states.AttributionStateRepository()
    stored = states.get_state(key)
    assert stored is not None
    assert stored.decision is not None
    before: dict[tuple[str, str], dict[str, int]] = {}
    for item, counters in stored.counted.items():
        old = dict(counters)
        for metric in ("interviews", "hires"):
            moved = old.pop(f"{metric}_{stored.decision.counted_channel}", 0)
            if moved and stored.decision.method == "referral":
                old[f"{metric}_direct"] = moved
        if stored.decision.method == "referral" and "applications" in old:
            old["applications_direct"] = 1
        before[item] = old
    decision = replace(stored.decision, channel="direct") if stored.decision.method == "referral" else None
    state = replace(stored, decision=decision or stored.decision, counted=before, version=stored.version + 1)
    commit = attribution_states.Commit(
        key=key, state=state, expected_version=stored.version, increments=difference(before, stored.counted)
    )
    assert states.commit(commit) is Outcome.APPLIED


def test_the_recount_moves_counters_written_before_into_the_channels_of_today(
    moto_stack: MotoStack, world: at.Bus, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from infra import recount

    click = _click(1, ago=timedelta(days=2), channel="x")
    at.record_clicks(moto_stack, [click])
    at.deliver_ok(
        moto_stack,
        [
            at.received(at=APPLIED, proof=at.evidence(tokens=[click.click_id])),
            at.received(at=APPLIED, who=2, app="A2", proof=at.evidence(referrer_ids=["E2"])),
            at.received(at=APPLIED, who=3, app="A3"),
            at.stage("interview", at=APPLIED + timedelta(days=1), who=2, app="A2"),
            at.hired(at=APPLIED + timedelta(days=2), who=3, app="A3"),
        ],
    )
    today = at.counters()
    for pk in at.states():
        _as_counted_before_issue_11(keys.application(at.PROVIDER, at.JOB, pk.rsplit("#", 1)[-1]))
    assert at.counters() != today
    assert at.counters()[PROG]["applications_direct"] == 1  # the referral, as it was counted
    for name in ("TABLE_NAME", "IDEMPOTENCY_TABLE_NAME"):  # the command sets them: restored after
        monkeypatch.setenv(name, os.environ[name])

    assert recount.main(["--table", moto_stack.table_name]) == 0

    printed = capsys.readouterr().out.strip().splitlines()[-1]  # after the metrics of the set-up
    assert printed == (
        f"{moto_stack.table_name}: 3 application state(s), 2 recounted, 0 put on the application list"
    )
    assert at.counters() == today
    explained = moto_stack.http("GET", "/api/applications/greenhouse/A2/attribution", admin=True).json()
    assert (explained["method"], explained["channel"]) == ("referral", "referral")
    recounted = la._all_items()
    assert recount.main(["--table", moto_stack.table_name]) == 0  # a second run writes nothing
    assert (
        capsys.readouterr()
        .out.strip()
        .endswith("3 application state(s), 0 recounted, 0 put on the application list")
    )
    assert la._all_items() == recounted


def test_the_recount_puts_states_decided_before_the_application_list_on_it(
    moto_stack: MotoStack, world: at.Bus, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """States decided before issue 14 have no list entry (gsi1 ``APPLICATIONS``): the dashboard's
    Applications page and ``GET /api/applications`` miss them until the recount lists them —
    without touching a counter — and a second run writes nothing."""
    from infra import recount

    at.deliver_ok(
        moto_stack,
        [at.received(at=APPLIED, who=n, app=f"A{n}", proof=at.evidence(referrer_ids=["E2"])) for n in (1, 2)],
    )
    counters = at.counters()
    client = aws.dynamodb()
    for pk in at.states():  # as the code before issue 14 wrote them
        client.update_item(
            TableName=moto_stack.table_name,
            Key=serialize(keys.application(at.PROVIDER, at.JOB, pk.rsplit("#", 1)[-1])),
            UpdateExpression="REMOVE #pk1, #sk1",
            ExpressionAttributeNames={"#pk1": keys.GSI1_PK, "#sk1": keys.GSI1_SK},
        )
    assert _listed(moto_stack) == []
    for name in ("TABLE_NAME", "IDEMPOTENCY_TABLE_NAME"):  # the command sets them: restored after
        monkeypatch.setenv(name, os.environ[name])

    assert recount.main(["--table", moto_stack.table_name]) == 0

    printed = capsys.readouterr().out.strip().splitlines()[-1]
    assert printed.endswith("2 application state(s), 0 recounted, 2 put on the application list")
    assert sorted(_listed(moto_stack)) == ["A1", "A2"]
    assert at.counters() == counters
    again = la._all_items()
    assert recount.main(["--table", moto_stack.table_name]) == 0
    assert capsys.readouterr().out.strip().endswith("0 recounted, 0 put on the application list")
    assert la._all_items() == again


def _listed(_stack: MotoStack) -> list[str]:
    """The application list's ids, as the dashboard's Applications page reads it."""
    from kring.dal.attribution_states import AttributionStateRepository

    return [state.facts.application_id for state in AttributionStateRepository().list_page(100).items]


def test_the_recount_of_a_local_stack_that_is_not_running_says_so(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from infra import recount
    from infra.local.dynamodb_local import free_port

    monkeypatch.setenv("KRING_DYNAMODB_PORT", str(free_port()))

    assert recount.main([]) == 1

    assert "no local stack's DynamoDB Local" in capsys.readouterr().err

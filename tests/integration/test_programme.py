"""The programme's state machine through the real handlers under moto (issue 13): ProgrammeFunction
(facts from the bus), ProgrammeSweepFunction (time passing) and the admin API. Redelivered and
reordered facts end as one clean delivery, with one history item per transition."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from infra.local.bus import LocalBus
from infra.local.queues import QueueStore
from infra.local.template import Stack
from kring.events import KringEvent
from kring.programme.recorder import ProgrammeRecorder
from tests.support import link_activity as la
from tests.support import programme as pg
from tests.support.bus import Bus
from tests.support.digests import put_ambassador
from tests.support.fixtures import MotoStack

NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
PORTAL_FACTS = (
    "InvitationOpened",
    "ProgrammePageOpened",
    "AmbassadorVolunteered",
    "OnboardingStepCompleted",
    "AmbassadorLeftProgramme",
    "AmbassadorRejoinedProgramme",
    "ColleagueRecruited",
)


def _recorder(now: datetime = NOW) -> ProgrammeRecorder:
    return ProgrammeRecorder(clock=lambda: now)


def _deliver(stack: MotoStack, events: Sequence[KringEvent | str], now: datetime = NOW) -> dict[str, Any]:
    bodies = [e if isinstance(e, str) else la.envelope(e) for e in events]
    result: dict[str, Any] = stack.invoke("ProgrammeFunction", la.sqs_event(bodies), recorder=_recorder(now))
    return result


def _bus(stack: MotoStack) -> Bus:
    return Bus(stack.stack.physical_name("KringBus"), source="kring.programme")


# ------------------------------------------------------------------------------------ wiring
def test_the_rule_routes_the_programmes_facts_and_not_a_candidates_click(tmp_path: Path) -> None:
    stack = Stack({"PublicBaseUrl": "https://go.example.com", "Stage": "t"})
    queue = stack.queues()["ProgrammeFactsQueue"].name
    store = QueueStore(tmp_path / "q.sqlite3", stack.queues())
    bus = LocalBus(stack.rules(), store, lambda *_: None)
    bus_name = stack.physical_name("KringBus")
    entries = [
        {"Source": source, "DetailType": detail_type, "Detail": "{}", "EventBusName": bus_name}
        for source, detail_type in (
            ("kring.share", "ShareIntended"),
            ("kring.attribution", "ApplicationAttributed"),
            ("kring.roster", "AmbassadorChanged"),
            *(("kring.portal", kind) for kind in PORTAL_FACTS),
            ("kring.programme", "AmbassadorInvited"),
            ("kring.portal", "SomethingElse"),
            ("kring.redirect", "LinkClicked"),
            ("kring.programme", "AmbassadorPhaseChanged"),
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
    assert delivered == sorted(
        ["AmbassadorChanged", "AmbassadorInvited", "ApplicationAttributed", "ShareIntended", *PORTAL_FACTS]
    )
    [source] = [s for s in stack.queue_event_sources() if s.function == "ProgrammeFunction"]
    assert source.queue_logical_id == "ProgrammeFactsQueue"
    assert source.report_batch_item_failures


def test_the_sample_batch_is_recorded(moto_stack: MotoStack) -> None:
    put_ambassador("E1001", NOW - timedelta(days=30), phase="decision")
    event = json.loads(
        (Path(__file__).resolve().parents[2] / "events/sqs/programme_facts_batch.json").read_text()
    )
    assert moto_stack.invoke("ProgrammeFunction", event, recorder=_recorder()) == {"batchItemFailures": []}
    assert sorted(pg.facts_item("E1001")["facts"]["credited_applications"]) == ["greenhouse:71980812"]


# ------------------------------------------------------------------------------------ behaviour
def test_a_credited_application_makes_an_onboarded_ambassador_an_evangelist(moto_stack: MotoStack) -> None:
    put_ambassador("E1", NOW - timedelta(days=10), phase="decision", department="Sales")
    bus = _bus(moto_stack)
    assert _deliver(moto_stack, [pg.intent("E1", NOW - timedelta(hours=2))]) == {"batchItemFailures": []}
    assert pg.history("E1") == []  # on the roster in the phase the talent team gave: no transition
    assert pg.counters()["NOW#ALL"] == {"phase_decision": 1}
    assert bus.drain() == []

    assert _deliver(moto_stack, [pg.credited("E1", "71980812", NOW - timedelta(hours=1))]) == {
        "batchItemFailures": []
    }
    [moved] = pg.history("E1")
    assert (moved["from_phase"], moved["to_phase"], moved["reason"]) == (
        "decision",
        "evangelize",
        "an application was credited",
    )
    assert pg.profile("E1")["phase"] == "evangelize"
    assert pg.profile("E1")["gsi2pk"] == "ELIGIBLE"
    assert pg.counters() == {
        "NOW#ALL": {"phase_evangelize": 1},
        "NOW#DEPT#Sales": {"phase_evangelize": 1},
    }
    [event] = bus.drain()
    assert event["detail-type"] == "AmbassadorPhaseChanged"
    assert event["detail"]["from_phase"] == "decision"
    assert event["detail"]["to_phase"] == "evangelize"
    assert event["detail"]["occurred_at"] == "2026-11-30T08:00:00Z"
    assert "unpublished" not in pg.facts_item("E1")


def test_the_portals_facts_walk_an_ambassador_through_the_funnel(moto_stack: MotoStack) -> None:
    # opted in as volunteering in the portal leaves them (the portal writes that to the profile)
    put_ambassador("E1", NOW - timedelta(days=10), department="Sales", phase="awareness")
    put_ambassador("E2", NOW - timedelta(days=10), department="Sales", phase="awareness", opted_in=False)
    bus = _bus(moto_stack)

    def walk(*events: KringEvent) -> str:
        assert _deliver(moto_stack, list(events)) == {"batchItemFailures": []}
        return str(pg.profile("E1")["phase"])

    at = NOW - timedelta(hours=5)
    assert walk(pg.invited("E1", at - timedelta(hours=1))) == "awareness"
    assert walk(pg.invitation_opened("E1", at), pg.page_opened("E1", at + timedelta(minutes=1))) == "interest"
    assert walk(pg.volunteered("E1", at + timedelta(hours=1))) == "consideration"
    # the checklist's steps in any order; onboarded when the last one is done
    assert (
        walk(pg.step("E1", "goal", at + timedelta(hours=2)), pg.step("E1", "guidelines", at))
        == "consideration"
    )
    assert walk(pg.step("E1", "practice-share", at + timedelta(hours=3))) == "decision"
    assert pg.profile("E1")["gsi2pk"] == "ELIGIBLE"  # links from now on
    recruited = pg.recruited("E1", "E2", at + timedelta(hours=4))
    assert walk(recruited, recruited) == "evangelize"
    assert walk(recruited) == "evangelize"  # redelivered: nothing more
    assert walk(pg.left("E1", at + timedelta(hours=4, minutes=30))) == "evangelize"
    assert pg.facts_item("E1")["in_programme"] is False
    assert walk(pg.rejoined("E1", at + timedelta(hours=4, minutes=40))) == "evangelize"
    assert pg.facts_item("E1")["in_programme"] is True

    reasons = [(h["from_phase"], h["to_phase"], h["reason"]) for h in pg.history("E1")]
    assert reasons == [
        ("awareness", "interest", "opened the programme"),
        ("interest", "consideration", "volunteered"),
        ("consideration", "decision", "onboarding complete"),
        ("decision", "evangelize", "recruited a colleague"),
        ("evangelize", "evangelize", "left the programme"),
        ("evangelize", "evangelize", "rejoined the programme"),
    ]
    assert [e["detail"]["to_phase"] for e in bus.drain()] == [
        "interest",
        "consideration",
        "decision",
        *["evangelize"] * 3,
    ]
    # the colleague earns the inviter their points once, however often the fact comes
    got = moto_stack.http("GET", "/api/ambassadors/E1/points", query="at=2026-11-30", admin=True).json()
    [period] = [p for p in got["periods"] if p["kind"] == "week"]
    week = {s["source"]: s for s in period["sources"]}
    assert (week["colleagues_recruited"]["counted"], week["colleagues_recruited"]["points"]) == (1, 10)


def test_a_step_the_checklist_does_not_have_counts_for_nothing(moto_stack: MotoStack) -> None:
    put_ambassador("E1", NOW - timedelta(days=10), phase="awareness", opted_in=False)
    steps = [pg.step("E1", s, NOW - timedelta(hours=1)) for s in ("guidelines", "goal", "something-else")]
    assert _deliver(moto_stack, [pg.volunteered("E1", NOW - timedelta(hours=2)), *steps]) == {
        "batchItemFailures": []
    }
    assert pg.profile("E1")["phase"] == "consideration"
    assert sorted(pg.facts_item("E1")["facts"]["steps_done"]) == ["goal", "guidelines", "something-else"]


def test_an_application_credited_to_nobody_and_an_unknown_ambassador_record_nothing(
    moto_stack: MotoStack,
) -> None:
    result = _deliver(moto_stack, [pg.credited(None, "1", NOW), pg.intent("E404", NOW)])
    assert result == {"batchItemFailures": []}
    assert pg.items("AMB#") == []
    assert pg.counters() == {}


def test_a_message_that_is_no_programme_event_fails_alone(moto_stack: MotoStack) -> None:
    put_ambassador("E1", NOW - timedelta(days=1), phase="decision")
    result = _deliver(moto_stack, ["not json", pg.intent("E1", NOW)])
    assert len(result["batchItemFailures"]) == 1
    assert pg.facts_item("E1")["version"] == 1


_events = st.lists(
    st.one_of(
        st.builds(lambda h: pg.intent("E1", NOW - timedelta(hours=h)), st.integers(1, 300)),
        st.builds(
            lambda n, h: pg.credited("E1", f"app-{n}", NOW - timedelta(hours=h)),
            st.integers(1, 3),
            st.integers(1, 300),
        ),
    ),
    min_size=1,
    max_size=8,
)


@given(events=_events, data=st.data())
@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
    phases=[Phase.explicit, Phase.reuse, Phase.generate],  # each example runs the stack twice: no shrinking
)
def test_redelivered_and_reordered_facts_end_as_one_clean_delivery(
    moto_stack: MotoStack, events: list[KringEvent], data: st.DataObject
) -> None:
    def run(batches: list[list[KringEvent]]) -> tuple[Any, ...]:
        la.clear_table()
        put_ambassador("E1", NOW - timedelta(days=20), phase="decision")
        for batch in (b for b in batches if b):
            assert _deliver(moto_stack, batch) == {"batchItemFailures": []}
        facts = pg.facts_item("E1")
        history = pg.history("E1")
        return facts["facts"], facts["phase"], pg.counters(), len(history), pg.profile("E1")["phase"]

    clean = run([sorted(events, key=lambda e: e.occurred_at)])
    messy_events = data.draw(
        st.permutations(events + data.draw(st.lists(st.sampled_from(events), max_size=6)))
    )
    cut = data.draw(st.integers(0, len(messy_events)))
    messy = run([messy_events[:cut], messy_events[cut:]] if cut else [messy_events])
    assert messy == clean
    credited = any(getattr(e, "application_id", None) for e in events)
    assert clean[3] == (1 if credited else 0)  # one history item: decision → evangelize


_hours_ago = st.integers(1, 300).map(lambda h: NOW - timedelta(hours=h))
_every_fact = st.lists(
    st.one_of(
        st.builds(lambda at: pg.intent("E1", at), _hours_ago),
        st.builds(lambda n, at: pg.credited("E1", f"app-{n}", at), st.integers(1, 2), _hours_ago),
        st.builds(lambda at: pg.page_opened("E1", at), _hours_ago),
        st.builds(lambda at: pg.invited("E1", at), _hours_ago),
        st.builds(lambda at: pg.invitation_opened("E1", at), _hours_ago),
        st.builds(lambda at: pg.volunteered("E1", at), _hours_ago),
        st.builds(
            lambda name, at: pg.step("E1", name, at),
            st.sampled_from(["guidelines", "goal", "practice-share"]),
            _hours_ago,
        ),
        st.builds(lambda n, at: pg.recruited("E1", f"C{n}", at), st.integers(1, 2), _hours_ago),
        st.builds(lambda at: pg.left("E1", at), _hours_ago),
        st.builds(lambda at: pg.rejoined("E1", at), _hours_ago),
    ),
    min_size=1,
    max_size=12,
)


@given(events=_every_fact, data=st.data())
@settings(
    max_examples=10,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
    phases=[Phase.explicit, Phase.reuse, Phase.generate],  # each example runs the stack twice: no shrinking
)
def test_every_programme_event_redelivered_and_reordered_ends_as_one_clean_delivery(
    moto_stack: MotoStack, events: list[KringEvent], data: st.DataObject
) -> None:
    def run(batches: list[list[KringEvent]]) -> tuple[Any, ...]:
        la.clear_table()
        put_ambassador("E1", NOW - timedelta(days=20), phase="awareness")
        for batch in (b for b in batches if b):
            assert _deliver(moto_stack, batch) == {"batchItemFailures": []}
        facts = pg.facts_item("E1")
        profile = pg.profile("E1")
        return facts["facts"], facts["phase"], facts["in_programme"], pg.counters(), profile["phase"]

    clean = run([sorted(events, key=lambda e: e.occurred_at)])
    messy_events = data.draw(
        st.permutations(events + data.draw(st.lists(st.sampled_from(events), max_size=6)))
    )
    cut = data.draw(st.integers(0, len(messy_events)))
    assert run([messy_events[:cut], messy_events[cut:]] if cut else [messy_events]) == clean


def test_the_sweep_makes_the_inactive_dormant_once_and_activity_brings_them_back(
    moto_stack: MotoStack,
) -> None:
    put_ambassador("E1", NOW - timedelta(days=100), phase="decision")
    put_ambassador("E2", NOW - timedelta(days=100), phase="decision")
    _deliver(moto_stack, [pg.intent("E1", NOW - timedelta(days=50))], now=NOW - timedelta(days=50))
    _deliver(moto_stack, [pg.intent("E2", NOW - timedelta(days=10))], now=NOW - timedelta(days=10))
    bus = _bus(moto_stack)

    result = moto_stack.invoke("ProgrammeSweepFunction", {"scheduled_at": "x"}, recorder=_recorder())
    assert result == {"reviewed": 1}  # E1 only: E2's review is not due
    [moved] = pg.history("E1")
    assert (moved["to_phase"], moved["dormant_before"], moved["dormant"]) == ("decision", False, True)
    assert moved["occurred_at"] == "2026-11-25T09:00:00.000000Z"  # 45 days after the last share
    assert pg.profile("E1")["dormant"] is True
    assert "gsi2pk" not in pg.profile("E1")  # out of the fan-out's index
    assert pg.counters()["NOW#ALL"] == {"phase_decision": 2, "dormant": 1}
    assert [e["detail"]["dormant"] for e in bus.drain()] == [True]
    # a second run finds nobody due
    assert moto_stack.invoke("ProgrammeSweepFunction", {}, recorder=_recorder()) == {"reviewed": 0}

    _deliver(moto_stack, [pg.intent("E1", NOW)])
    assert pg.profile("E1")["dormant"] is False
    assert pg.profile("E1")["gsi2pk"] == "ELIGIBLE"
    assert pg.history("E1")[-1]["reason"] == "active again"
    assert pg.counters()["NOW#ALL"] == {"phase_decision": 2, "returned": 1}


def test_the_roster_puts_an_ambassador_on_the_funnel(moto_stack: MotoStack) -> None:
    put_ambassador("E1", NOW - timedelta(days=1), phase="awareness", opted_in=False)
    assert _deliver(moto_stack, [pg.roster_changed("E1")]) == {"batchItemFailures": []}
    assert pg.facts_item("E1")["phase"] == "awareness"
    assert pg.counters()["NOW#ALL"] == {"phase_awareness": 1}


# ------------------------------------------------------------------------------------ the API
def test_a_move_by_hand_leave_and_return_through_the_api(moto_stack: MotoStack) -> None:
    put_ambassador("E1", NOW - timedelta(days=1), phase="awareness")
    bad = moto_stack.http("POST", "/api/ambassadors/E1/phase", body={"phase": "decision"}, admin=True)
    assert bad.status == 422
    assert bad.json()["error"]["details"][0]["field"] == "reason"
    both = {"phase": "decision", "action": "leave", "reason": "x"}
    assert moto_stack.http("POST", "/api/ambassadors/E1/phase", body=both, admin=True).status == 422
    unknown = moto_stack.http(
        "POST", "/api/ambassadors/E9/phase", body={"phase": "decision", "reason": "x"}, admin=True
    )
    assert unknown.status == 404
    assert pg.items("AMB#E1") == [pg.profile("E1")]  # nothing written by the refused moves

    moved = moto_stack.http(
        "POST",
        "/api/ambassadors/E1/phase",
        body={"phase": "decision", "reason": "onboarded in the workshop"},
        admin=True,
    )
    assert moved.status == 200, moved.body
    assert moved.json()["state"] == {"phase": "decision", "dormant": False, "in_programme": True}
    assert moved.json()["history"][-1]["reason"] == "onboarded in the workshop"
    assert moved.json()["history"][-1]["by"] == "talent team"
    assert moto_stack.http("GET", "/api/ambassadors/E1", admin=True).json()["eligible_to_share"] is True

    left = moto_stack.http(
        "POST", "/api/ambassadors/E1/phase", body={"action": "leave", "reason": "asked to"}, admin=True
    )
    assert left.json()["state"] == {"phase": "decision", "dormant": False, "in_programme": False}
    got = moto_stack.http("GET", "/api/ambassadors/E1", admin=True).json()
    assert (got["eligible_to_share"], got["in_programme"]) == (False, False)
    # a replace by the talent team does not undo the leave
    assert (
        moto_stack.http("POST", "/api/ambassadors", body={**_ann(), "name": "Ann J"}, admin=True).status
        == 200
    )
    assert moto_stack.http("GET", "/api/ambassadors/E1", admin=True).json()["in_programme"] is False

    back = moto_stack.http(
        "POST", "/api/ambassadors/E1/phase", body={"action": "return", "reason": "back"}, admin=True
    )
    assert back.json()["state"]["in_programme"] is True
    journey = moto_stack.http("GET", "/api/ambassadors/E1/journey", admin=True).json()
    assert [(h["from_phase"], h["to_phase"], h["in_programme"]) for h in journey["history"]] == [
        ("awareness", "decision", True),
        ("decision", "decision", False),
        ("decision", "decision", True),
    ]
    assert moto_stack.http("GET", "/api/ambassadors/E9/journey", admin=True).status == 404


def _ann() -> dict[str, Any]:
    return {"id": "E1", "name": "Ann", "email": "e1@example.com", "phase": "decision", "opted_in": True}


def test_the_funnel_now_by_department_and_a_cohorts_conversion(moto_stack: MotoStack) -> None:
    for n, (department, phase) in enumerate(
        [("Sales", "decision"), ("Sales", "awareness"), ("IT", "awareness"), ("IT", "awareness")]
    ):
        put_ambassador(f"E{n}", NOW - timedelta(days=10), phase=phase, department=department)
        _deliver(moto_stack, [pg.roster_changed(f"E{n}")])
    moto_stack.http(
        "POST", "/api/ambassadors/E2/phase", body={"phase": "interest", "reason": "x"}, admin=True
    )

    got = moto_stack.http("GET", "/api/programme/phases", query="by=department", admin=True)
    assert got.status == 200, got.body
    body = got.json()
    assert body["now"]["phases"] == {
        "awareness": 2,
        "interest": 1,
        "consideration": 0,
        "decision": 1,
        "evangelize": 0,
    }
    assert body["now_by"]["IT"]["phases"]["interest"] == 1
    assert body["now_by"]["Sales"]["phases"]["decision"] == 1

    day = (NOW - timedelta(days=10)).date().isoformat()
    cohort = moto_stack.http("GET", "/api/programme/phases", query=f"from={day}&to={day}", admin=True).json()
    assert cohort["cohort"]["entered"] == 4
    assert cohort["cohort"]["reached"]["awareness"] == 4
    assert cohort["cohort"]["reached"]["decision"] == 1
    [first] = [s for s in cohort["cohort"]["steps"] if s["from_phase"] == "awareness"]
    assert first["conversion"] == 0.5  # E0 (decision) and E2 (interest) of four

    last_days = moto_stack.http(
        "GET", "/api/programme/phases", query="from=9999-12-01&to=9999-12-31", admin=True
    )
    assert last_days.status == 200, last_days.body  # the end of the calendar is a range like any other
    assert last_days.json()["cohort"]["entered"] == 0
    for query, field in (
        ("from=2026-11-31&to=2026-12-01", "from"),
        ("from=2026-11-01", "to"),
        ("by=team", "by"),
    ):
        refused = moto_stack.http("GET", "/api/programme/phases", query=query, admin=True)
        assert refused.status == 422, query
        assert refused.json()["error"]["details"][0]["field"] == field


def test_programme_settings_default_replace_and_refuse(moto_stack: MotoStack) -> None:
    got = moto_stack.http("GET", "/api/programme/settings", admin=True).json()
    assert got["dormancy_days"] == 45
    assert got["evangelist"] == {"min_colleagues": 1, "min_applications": 1, "active_days": 30}
    assert [i["id"] for i in got["onboarding_checklist"]] == ["guidelines", "goal", "practice-share"]
    put = moto_stack.http("PUT", "/api/programme/settings", body={"dormancy_days": 30}, admin=True)
    assert put.status == 200, put.body
    assert moto_stack.http("GET", "/api/programme/settings", admin=True).json()["dormancy_days"] == 30
    # the team's settings keep the programme's, and the programme's keep the team's
    team = moto_stack.http("PUT", "/api/team/settings", body={"time_zone": "Europe/London"}, admin=True)
    assert team.status == 200
    assert moto_stack.http("GET", "/api/programme/settings", admin=True).json()["dormancy_days"] == 30
    for bad in ({"dormancy_days": 0}, {"evangelist": {"min_colleagues": 0, "min_applications": 0}}, {"x": 1}):
        assert moto_stack.http("PUT", "/api/programme/settings", body=bad, admin=True).status == 422
    assert moto_stack.http("GET", "/api/programme/settings", admin=True).json()["dormancy_days"] == 30


def test_the_talent_teams_phase_field_is_a_move_by_hand_the_programme_keeps(moto_stack: MotoStack) -> None:
    created = moto_stack.http("POST", "/api/ambassadors", body=_ann(), admin=True)
    assert created.status == 201
    assert created.json()["phase"] == "decision"
    assert pg.facts_item("E1")["phase"] == "decision"  # on the roster, in the phase given
    assert pg.counters()["NOW#ALL"] == {"phase_decision": 1}
    patched = moto_stack.http(
        "PATCH",
        "/api/ambassadors/E1",
        body={"phase": "interest"},
        headers={"content-type": "application/merge-patch+json"},
        admin=True,
    )
    assert patched.status == 200, patched.body
    assert patched.json()["eligible_to_share"] is False
    journey = moto_stack.http("GET", "/api/ambassadors/E1/journey", admin=True).json()
    assert [(h["from_phase"], h["to_phase"], h["reason"], h["by"]) for h in journey["history"]] == [
        ("decision", "interest", "set by the talent team", "talent team")
    ]
    assert pg.counters()["NOW#ALL"] == {"phase_interest": 1}
    # a share after that is activity: the phase the talent team set stays
    _deliver(moto_stack, [pg.intent("E1", datetime.now(UTC))], now=datetime.now(UTC))
    assert pg.profile("E1")["phase"] == "interest"

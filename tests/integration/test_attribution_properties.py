"""Any interleaving, duplication and lateness of clicks and candidate events — through the real
click recorder and the real AttributionFunction under moto — ends in exactly the application
states, counters, reward ledger and aliases that one clean, ordered delivery gives.

A click is two deliveries that race in production: the click recorder writes its record, and
attribution receives the same ``LinkClicked``. Either may come before, between or after the
candidate events that name its token. A message the handler fails (waiting for a click record,
say) is delivered again later, as SQS would.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from kring import config
from kring.events import CandidateEvent, KringEvent, LinkClicked
from kring.links import identity
from tests.support import attribution as at
from tests.support import link_activity as la
from tests.support.fixtures import MotoStack

T0 = datetime(2026, 11, 29, 9, 0, tzinfo=UTC)
AMBASSADORS = {"E1": "eva@example.com", "E2": "jan@example.com"}
UNKNOWN_TOKEN = la.click_token(10_000)  # a valid token no click was ever recorded for


@dataclass(frozen=True)
class Delivery:
    """One message: a click to the click recorder ("record") or any event to attribution."""

    to: str  # "record" | "attribute"
    event: KringEvent


clicks_strategy = st.lists(
    st.tuples(
        st.sampled_from(("E1", "E2")),
        st.sampled_from(("linkedin", "x", "direct")),
        st.sampled_from(("human", "human", "human", "preview")),
        st.integers(-24 * 35, 6),  # hours from T0: a few outside the window, a few after
    ),
    min_size=1,
    max_size=4,
)

candidate_strategy = st.fixed_dictionaries(
    {
        "applications": st.one_of(  # hours from T0; now and then none (later events only)
            st.lists(st.integers(0, 72), min_size=1, max_size=2), st.just([])
        ),
        "tokens": st.sets(st.integers(0, 4), min_size=1, max_size=3),  # indexes of clicks (4: unknown)
        "referral": st.sampled_from((None, None, None, "E2", "E9")),  # E9 is nobody
        "referral_later": st.booleans(),  # named by a stage change's evidence instead
        "self": st.sampled_from((False, False, True)),  # the candidate is E1 (by e-mail)
        "code": st.sampled_from((False, False, True)),
        "stages": st.lists(
            st.tuples(st.sampled_from(("screening", "interview", "offer", "other")), st.integers(1, 200)),
            max_size=2,
        ),
        "hire": st.one_of(st.none(), st.integers(100, 400)),
        "unhire": st.one_of(st.none(), st.integers(1, 50)),  # hours after the hire
        "rehire": st.one_of(st.none(), st.integers(1, 50)),  # hours after the unhire
        "reject": st.one_of(st.none(), st.integers(1, 300)),
    }
)


def _clicks(specs: Sequence[tuple[str, str, str, int]]) -> list[LinkClicked]:
    return [
        la.click(
            n,
            at=T0 + timedelta(hours=hours),
            vacancy_id=at.VACANCY,
            ambassador_id=ambassador,
            channel=channel,
            kind=kind,
            visitor_hash=la.visitor(n),
        )
        for n, (ambassador, channel, kind, hours) in enumerate(specs)
    ]


def _candidate_events(
    who: int, spec: dict[str, Any], clicks: Sequence[LinkClicked], code: str
) -> list[CandidateEvent]:
    tokens = sorted(clicks[i].click_id if i < len(clicks) else UNKNOWN_TOKEN for i in spec["tokens"])
    referral = [spec["referral"]] if spec["referral"] else []
    application_proof = at.evidence(
        tokens=tokens,
        referrer_ids=[] if spec["referral_later"] else referral,
        codes=[code] if spec["code"] else [],
        candidate_email_hash=identity.email_hash(AMBASSADORS["E1"]) if spec["self"] else None,
    )
    out: list[CandidateEvent] = [
        at.received(at=T0 + timedelta(hours=h), app=f"A{who}{n}", who=who, proof=application_proof)
        for n, h in enumerate(spec["applications"])
    ]
    app = f"A{who}0"
    for n, (kind, h) in enumerate(spec["stages"]):
        proof = at.evidence(referrer_ids=referral) if spec["referral_later"] and n == 0 else None
        out.append(at.stage(kind, at=T0 + timedelta(hours=h), app=app, who=who, n=n, proof=proof))
    if spec["hire"] is not None:
        hired_at = T0 + timedelta(hours=spec["hire"])
        out.append(at.hired(at=hired_at, app=app, who=who))
        if spec["unhire"] is not None:
            unhired_at = hired_at + timedelta(hours=spec["unhire"])
            out.append(at.unhired(at=unhired_at, app=app, who=who))
            if spec["rehire"] is not None:
                out.append(at.hired(at=unhired_at + timedelta(hours=spec["rehire"]), app=app, who=who, n=1))
    if spec["reject"] is not None:
        out.append(at.rejected(at=T0 + timedelta(hours=spec["reject"]), app=app, who=who))
    return out


def _setup() -> str:
    la.clear_table()
    for ambassador_id, email in AMBASSADORS.items():
        at.put_ambassador(ambassador_id, email)
    at.put_vacancy()
    return at.put_share_link(at.VACANCY, "E2")


def _run(stack: MotoStack, batches: Sequence[Sequence[Delivery]]) -> None:
    """Deliver the batches in order; every message attribution fails is delivered again at the
    end (as SQS would after its visibility timeout), until none fails."""
    retry: list[KringEvent] = []
    for batch in batches:
        records = [d.event for d in batch if d.to == "record"]
        attributed = [d.event for d in batch if d.to == "attribute"]
        if records:
            at.record_clicks(stack, [e for e in records if isinstance(e, LinkClicked)])
        if attributed:
            retry.extend(attributed[i] for i in at.deliver(stack, attributed))
    for _ in range(8):
        if not retry:
            return
        retry = [retry[i] for i in at.deliver(stack, retry)]
    raise AssertionError(f"{len(retry)} messages kept failing")


def _outcome() -> dict[str, Any]:
    """What must not depend on the order: every state (but its version, and the tokens it
    registered as awaited — bookkeeping of the order itself), the counters, the live ledger
    (cancelled entries record history that depends on what was seen when), the aliases."""
    states = {
        pk: (
            s.facts,
            s.decision,
            dict(s.clicks),
            s.counted,
            {a: r for a, r in s.rewards.items() if r.status != "cancelled"},
            s.announced,
        )
        for pk, s in at.states().items()
    }
    ledger = {
        key: {k: v for k, v in entry.items() if k not in ("gsi1sk",)}
        for key, entry in at.ledger().items()
        if entry["status"] != "cancelled"
    }
    return {"states": states, "counters": at.counters(), "ledger": ledger, "aliases": at.aliases()}


@pytest.fixture
def rewarding(moto_stack: MotoStack, monkeypatch: pytest.MonkeyPatch) -> MotoStack:
    monkeypatch.setenv("REWARD_AMOUNT", "250.50")
    config.clear_caches()
    return moto_stack


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    click_specs=clicks_strategy,
    candidates=st.lists(candidate_strategy, min_size=1, max_size=2),
    data=st.data(),
)
def test_any_interleaving_duplication_and_lateness_ends_in_the_state_of_one_clean_delivery(
    rewarding: MotoStack,
    click_specs: list[tuple[str, str, str, int]],
    candidates: list[dict[str, Any]],
    data: st.DataObject,
) -> None:
    stack = rewarding
    code = _setup()
    clicks = _clicks(click_specs)
    events = [e for who, spec in enumerate(candidates, 1) for e in _candidate_events(who, spec, clicks, code)]
    if not events:
        return

    # one clean delivery: clicks recorded (and seen), then the candidate events in time order
    ordered = sorted(events, key=lambda e: (e.occurred_at, e.event_id))
    clean_batches: list[list[Delivery]] = [
        [Delivery("record", c) for c in clicks],
        [Delivery("attribute", c) for c in clicks],
    ]
    clean_batches += [
        [Delivery("attribute", e) for e in ordered[i : i + 10]] for i in range(0, len(ordered), 10)
    ]
    _run(stack, clean_batches)
    clean = _outcome()
    _check_against_the_rules(clean)
    for _facts, decision, *_ in clean["states"].values():
        event(f"decided by {decision.method}")  # --hypothesis-show-statistics

    # any order, any duplicates, any batch sizes; clicks recorded and seen at any point
    _setup()
    deliveries = [
        *(Delivery("record", c) for c in clicks),
        *(Delivery("attribute", c) for c in clicks),
        *(Delivery("attribute", e) for e in events),
    ]
    duplicates = data.draw(
        st.lists(st.sampled_from(deliveries), max_size=len(deliveries)), label="duplicates"
    )
    shuffled = data.draw(st.permutations([*deliveries, *duplicates]), label="order")
    sizes = data.draw(
        st.lists(st.integers(1, 6), min_size=len(shuffled), max_size=len(shuffled)), label="sizes"
    )
    batches: list[list[Delivery]] = []
    rest = list(shuffled)
    for size in sizes:
        if not rest:
            break
        batches.append(rest[:size])
        rest = rest[size:]
    _run(stack, batches)
    waits = at.items("CLICKWAIT#")
    event(f"an application waited for a late click: {any(w.get('states') for w in waits)}")
    event(f"a click was seen before its record: {any(w.get('clicked') for w in waits)}")
    assert _outcome() == clean


def _check_against_the_rules(outcome: dict[str, Any]) -> None:
    """The clean delivery itself, against what the counters must say of its states: one
    application per state, a hire per hired state, each on the programme's items."""
    states = outcome["states"]
    totals: Counter[str] = Counter()
    for (pk, _scope), counters in outcome["counters"].items():
        if pk == "STATS#PROG":
            totals.update(counters)
    assert totals["applications"] == len(states)
    assert totals["hires"] == sum(1 for facts, *_ in states.values() if facts.hired)
    assert totals["interviews"] == sum(1 for facts, *_ in states.values() if facts.reached_interview)
    credited_hires = {
        (decision.ambassador_id, facts.application_id)
        for facts, decision, *_ in states.values()
        if facts.hired and decision.ambassador_id is not None
    }
    assert {(a, e["application_id"]) for (a, _), e in outcome["ledger"].items()} == credited_hires
    for facts, decision, *_ in states.values():
        if decision.ambassador_id == "E1" and facts.evidence.candidate_email_hashes:
            raise AssertionError("a self-referral was credited")

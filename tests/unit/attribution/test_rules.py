"""The attribution's pure rules (kring.attribution.rules): the merge of facts, the decision, the
counters and the reward ledger an application state deserves. No I/O."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from functools import reduce
from typing import Literal, get_args

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kring.attribution import rules as attribution
from kring.attribution.entities import Reward
from kring.attribution.rules import (
    CREDITED_REASONS,
    LOST_REASONS,
    ClickFact,
    Decision,
    Facts,
    LinkFact,
    Lookups,
    RewardPlan,
    contribution,
    decide,
    difference,
    facts_of,
    plan_rewards,
)
from kring.dal import keys
from kring.events import CandidateEvent
from kring.models.common import AttributionModel
from tests.support import attribution as at
from tests.support import link_activity as la

T = datetime(2026, 11, 29, 9, 0, tzinfo=UTC)
WINDOW = 30
EVA = at.fake_hash("eva@example.com")  # E1's keyed e-mail hash
JAN = at.fake_hash("jan@example.com")  # E2's
CANDIDATE = at.fake_hash("candidate@example.com")
TOKENS = [la.click_token(n) for n in range(6)]
PLAN = RewardPlan(amount=Decimal("500"), currency="EUR", holding_days=90)


def _merge(events: Sequence[CandidateEvent]) -> Facts:
    return reduce(Facts.merge, (facts_of(e) for e in events))


def _click(
    n: int,
    *,
    ago: timedelta,
    ambassador_id: str = "E1",
    channel: str = "linkedin",
    kind: str = "human",
    own: bool = False,
    vacancy_id: str = at.VACANCY,
) -> ClickFact:
    return ClickFact(TOKENS[n], ambassador_id, vacancy_id, channel, T - ago, kind, own)


def _lookups(*clicks: ClickFact, **kwargs: object) -> Lookups:
    defaults: dict[str, object] = {
        "clicks": {c.token: c for c in clicks},
        "ambassadors": {"E1": EVA, "E2": JAN},
        "email_pointers": {EVA: "E1", JAN: "E2"},
        "post_vacancies": {at.POST: at.VACANCY},
    }
    defaults.update(kwargs)
    return Lookups(**defaults)  # type: ignore[arg-type]  # each field's value comes from the caller's kwargs


def _applied(**proof: object) -> Facts:
    return facts_of(at.received(at=T, proof=at.evidence(**proof)))  # type: ignore[arg-type]  # kwargs as evidence() takes them


def _decide(facts: Facts, lookups: Lookups, model: AttributionModel = "last_click") -> Decision:
    return decide(facts, lookups, window_days=WINDOW, model=model)


def _reasons(decision: Decision) -> dict[str | None, str]:
    """Each candidate's reason, checked against the documented ones (what the explain API shows)."""
    for entry in decision.considered:
        known = CREDITED_REASONS.values() if entry.outcome == "credited" else LOST_REASONS
        assert entry.reason in known, entry
    return {c.source: c.reason for c in decision.considered}


# ------------------------------------------------------------------------------------ the merge
EventKind = Literal["received", "screening", "interview", "offer", "other", "hired", "unhired", "rejected"]
EVENT_KINDS: tuple[EventKind, ...] = get_args(EventKind)
events_strategy = st.lists(
    st.tuples(
        st.sampled_from(EVENT_KINDS),
        st.integers(0, 500),  # hours after T
        st.sampled_from(("A1", "A2")),
        st.sets(st.sampled_from(TOKENS[:3]), max_size=2),
        st.sampled_from((None, "P1", "P2")),
    ),
    min_size=1,
    max_size=8,
)


def _events(specs: Sequence[tuple[EventKind, int, str, set[str], str | None]]) -> list[CandidateEvent]:
    out: list[CandidateEvent] = []
    for n, (kind, hours, app, tokens, post) in enumerate(specs):
        when = T + timedelta(hours=hours)
        proof = at.evidence(tokens=sorted(tokens))
        if kind == "received":
            out.append(at.received(at=when, app=app, post=post, n=n, proof=proof))
        elif kind == "hired":
            out.append(at.hired(at=when, app=app, post=post, n=n))
        elif kind == "unhired":
            out.append(at.unhired(at=when, app=app, post=post, n=n))
        elif kind == "rejected":
            out.append(at.rejected(at=when, app=app, post=post, n=n))
        else:
            out.append(at.stage(kind, at=when, app=app, post=post, n=n, proof=proof))
    return out


@given(specs=events_strategy, data=st.data())
def test_the_merge_is_commutative_associative_and_idempotent(
    specs: list[tuple[EventKind, int, str, set[str], str | None]], data: st.DataObject
) -> None:
    facts = [facts_of(e) for e in _events(specs)]
    shuffled = data.draw(st.permutations(facts))
    duplicated = [*facts, *data.draw(st.lists(st.sampled_from(facts), max_size=4))]
    ordered = reduce(Facts.merge, facts)
    assert reduce(Facts.merge, shuffled) == ordered  # any order
    assert reduce(Facts.merge, duplicated) == ordered  # any duplicates
    assert ordered.merge(ordered) == ordered  # idempotent
    split = data.draw(st.integers(0, len(facts)))
    if 0 < split < len(facts):  # any grouping (batches)
        assert reduce(Facts.merge, facts[:split]).merge(reduce(Facts.merge, facts[split:])) == ordered


def test_facts_of_different_applications_are_never_merged() -> None:
    with pytest.raises(ValueError, match="cannot merge"):
        facts_of(at.received(at=T)).merge(facts_of(at.received(at=T, who=2)))


def test_the_application_time_is_the_first_application_else_the_first_event() -> None:
    hire = at.hired(at=T + timedelta(days=20))
    stage_change = at.stage("screening", at=T + timedelta(days=5))
    assert _merge([hire, stage_change]).applied_at == T + timedelta(days=5)
    assert not _merge([hire, stage_change]).received
    late_data = at.received(at=T + timedelta(days=6))
    assert _merge([hire, stage_change, late_data]).applied_at == T + timedelta(days=6)
    assert _merge([late_data, at.received(at=T, app="A2")]).applied_at == T


def test_stages_only_move_forward_and_other_never_counts() -> None:
    facts = _merge(
        [
            at.stage("offer", at=T + timedelta(days=3)),
            at.stage("screening", at=T + timedelta(days=9)),  # later, but not further
            at.stage("other", at=T + timedelta(days=10)),
        ]
    )
    assert facts.stage is not None
    assert facts.stage.kind == "offer"
    assert facts.reached_interview
    assert _merge([at.stage("other", at=T)]).stage is None
    assert not _merge([at.stage("screening", at=T)]).reached_interview


@pytest.mark.parametrize(
    ("times", "hired"),
    [
        ({"hired": 1}, True),
        ({"hired": 1, "unhired": 2}, False),
        ({"hired": 3, "unhired": 2}, True),  # a re-hire after the unhire
        ({"unhired": 2}, False),
        ({"hired_stage": 1}, True),  # a move into a stage of kind hired is a hire
        ({"hired_stage": 1, "unhired": 2}, False),
    ],
)
def test_hired_means_the_last_hire_came_after_the_last_unhire_in_any_order(
    times: dict[str, int], hired: bool
) -> None:
    events: list[CandidateEvent] = []
    for kind, day in times.items():
        moment = T + timedelta(days=day)
        if kind == "hired":
            events.append(at.hired(at=moment))
        elif kind == "unhired":
            events.append(at.unhired(at=moment))
        else:
            events.append(at.stage("hired", at=moment))
    assert _merge(events).hired is hired
    assert _merge(list(reversed(events))).hired is hired


def test_evidence_is_merged_in_a_canonical_order() -> None:
    one = at.received(at=T, proof=at.evidence(tokens=[TOKENS[2], TOKENS[0]], referrer_ids=["E2"]))
    two = at.stage("screening", at=T, proof=at.evidence(tokens=[TOKENS[1], TOKENS[0]], referrer_ids=["E1"]))
    evidence = _merge([one, two]).evidence
    assert evidence.click_tokens == tuple(sorted(TOKENS[:3]))
    assert evidence.referrer_employee_ids == ("E1", "E2")


# ------------------------------------------------------------------------------------ the decision
def test_a_valid_click_credits_its_ambassador_channel_and_vacancy() -> None:
    click = _click(0, ago=timedelta(days=2), channel="x", vacancy_id="greenhouse-9")
    decision = _decide(_applied(tokens=[click.token]), _lookups(click))
    assert (decision.method, decision.ambassador_id, decision.channel) == ("click_token", "E1", "x")
    assert (decision.click_token, decision.clicked_at, decision.vacancy_id) == (
        click.token,
        click.clicked_at,
        "greenhouse-9",
    )
    assert _reasons(decision) == {click.token: "last_valid_click"}


@pytest.mark.parametrize(
    ("ago", "reason"),
    [
        (timedelta(days=WINDOW), "last_valid_click"),  # exactly the window: inside
        (timedelta(days=WINDOW, microseconds=1), "outside_window"),
        (timedelta(0), "last_valid_click"),  # the same instant as the application
        (-attribution.CLOCK_SKEW, "last_valid_click"),  # an ATS clock (or second) behind Kring's
        (-attribution.CLOCK_SKEW - timedelta(microseconds=1), "click_after_application"),
    ],
)
def test_the_window_edges(ago: timedelta, reason: str) -> None:
    click = _click(0, ago=ago)
    decision = _decide(_applied(tokens=[click.token]), _lookups(click))
    assert _reasons(decision) == {click.token: reason}
    assert decision.method == ("click_token" if reason == "last_valid_click" else "unattributed")


def test_bot_own_and_unknown_clicks_never_credit() -> None:
    bot = _click(0, ago=timedelta(hours=1), kind="preview")
    own = _click(1, ago=timedelta(hours=2), own=True)
    proof = _applied(tokens=[bot.token, own.token, TOKENS[5]])
    decision = _decide(proof, _lookups(bot, own))
    assert decision.method == "unattributed"
    assert _reasons(decision) == {
        bot.token: "bot_click",
        own.token: "own_click",
        TOKENS[5]: "no_click_record",
    }


def test_the_last_valid_click_wins_by_default_and_the_first_with_first_click() -> None:
    early = _click(0, ago=timedelta(days=5), ambassador_id="E1", channel="x")
    late = _click(1, ago=timedelta(days=1), ambassador_id="E2", channel="email")
    too_late = _click(2, ago=-timedelta(hours=1), ambassador_id="E1")
    facts = _applied(tokens=[early.token, late.token, too_late.token])
    lookups = _lookups(early, late, too_late)

    last = _decide(facts, lookups)
    assert (last.ambassador_id, last.channel) == ("E2", "email")
    assert _reasons(last) == {
        early.token: "lost_to_later_click",
        late.token: "last_valid_click",
        too_late.token: "click_after_application",
    }
    first = _decide(facts, lookups, "first_click")
    assert (first.ambassador_id, first.channel, first.model) == ("E1", "x", "first_click")
    assert _reasons(first)[late.token] == "lost_to_earlier_click"


def test_a_referral_beats_a_click_and_its_channel_is_referral() -> None:
    theirs = _click(0, ago=timedelta(days=1), ambassador_id="E1", channel="x")
    mine = _click(1, ago=timedelta(days=3), ambassador_id="E2", channel="whatsapp")
    decision = _decide(
        _applied(tokens=[theirs.token, mine.token], referrer_ids=["E2"]), _lookups(theirs, mine)
    )
    assert (decision.method, decision.ambassador_id, decision.channel) == ("referral", "E2", "referral")
    assert decision.click_token == mine.token  # the referrer's own click, when there is one
    assert decision.vacancy_id == at.VACANCY  # the application's own post
    assert _reasons(decision) == {
        "E2": "first_matching_referrer",
        theirs.token: "lost_to_earlier_rule",
        mine.token: "lost_to_earlier_rule",
    }
    # without a click of their own too
    alone = _decide(_applied(tokens=[theirs.token], referrer_ids=["E2"]), _lookups(theirs))
    assert (alone.channel, alone.click_token) == ("referral", None)


def test_a_referral_by_e_mail_needs_a_pointer_the_profile_confirms() -> None:
    facts = _applied(referrer_email_hashes=[JAN])
    assert _decide(facts, _lookups()).ambassador_id == "E2"
    # a stale pointer: E2's address changed, the pointer still names them
    stale = _decide(facts, _lookups(ambassadors={"E1": EVA, "E2": at.fake_hash("new@example.com")}))
    assert (stale.method, _reasons(stale)) == ("unattributed", {None: "unknown_ambassador"})
    unknown = _decide(_applied(referrer_ids=["E9"]), _lookups())
    assert _reasons(unknown) == {"E9": "unknown_ambassador"}


def test_two_referrers_credit_the_first_and_one_named_twice_once() -> None:
    decision = _decide(_applied(referrer_ids=["E2", "E1"], referrer_email_hashes=[EVA]), _lookups())
    assert decision.ambassador_id == "E1"  # employee ids sorted: E1 first
    reasons = [(c.source, c.ambassador_id, c.reason) for c in decision.considered]
    assert reasons == [  # E1 by e-mail too: credited once, not also listed as lost
        ("E1", "E1", "first_matching_referrer"),
        ("E2", "E2", "lost_to_other_referrer"),
    ]


def test_self_referral_never_credits_and_the_next_candidate_is_tried() -> None:
    by_eva = _click(0, ago=timedelta(hours=1), ambassador_id="E1")
    by_jan = _click(1, ago=timedelta(days=2), ambassador_id="E2", channel="x")
    facts = _applied(tokens=[by_eva.token, by_jan.token], referrer_ids=["E1"], candidate_email_hash=EVA)
    decision = _decide(facts, _lookups(by_eva, by_jan))
    assert (decision.method, decision.ambassador_id, decision.channel) == ("click_token", "E2", "x")
    assert _reasons(decision) == {
        "E1": "self_referral",
        by_eva.token: "self_referral",
        by_jan.token: "last_valid_click",
    }


def test_a_share_code_credits_when_no_referral_or_click_does() -> None:
    link = LinkFact("AbCdEfGh12", "E2", "greenhouse-7")
    bot = _click(0, ago=timedelta(hours=1), kind="crawler")
    facts = _applied(tokens=[bot.token], codes=["AbCdEfGh12", "ZzZzZzZz99"])
    decision = _decide(facts, _lookups(bot, links={"AbCdEfGh12": link}))
    assert (decision.method, decision.ambassador_id, decision.channel, decision.vacancy_id) == (
        "share_code",
        "E2",
        "direct",
        "greenhouse-7",
    )
    assert _reasons(decision)["ZzZzZzZz99"] == "unknown_share_code"
    # a valid click comes first
    click = _click(1, ago=timedelta(hours=1))
    first = _decide(
        _applied(tokens=[click.token], codes=["AbCdEfGh12"]), _lookups(click, links={"AbCdEfGh12": link})
    )
    assert (first.method, _reasons(first)["AbCdEfGh12"]) == ("click_token", "lost_to_earlier_rule")


def test_an_unattributed_application_s_vacancy_is_its_post_s_else_its_job_s() -> None:
    assert _decide(_applied(), _lookups()).vacancy_id == at.VACANCY
    no_post = Lookups(job_vacancies={at.JOB: ("greenhouse-8", "greenhouse-3")})
    assert _decide(_applied(), no_post).vacancy_id == "greenhouse-3"
    assert _decide(_applied(), Lookups()).vacancy_id is None


# ------------------------------------------------------------------------------------ counters
STATE = keys.application(at.PROVIDER, at.JOB, at.candidate(1))


def test_an_unattributed_application_counts_on_the_programme_and_its_vacancy_only() -> None:
    counted = contribution(_applied(), _decide(_applied(), _lookups()), shard=2)
    assert counted == {
        ("STATS#PROG", "DAY#2026-11-29#2"): {"applications": 1, "applications_unattributed": 1},
        (f"STATS#VAC#{at.VACANCY}", "DAY#2026-11-29#2"): {"applications": 1, "applications_unattributed": 1},
    }


def test_an_unattributed_hire_counts_in_a_channel_of_its_own() -> None:
    """Channels add up to the total: ``applications_unattributed`` is the method's counter and
    the channel's at once (one counter, counted once); interviews and hires get one by channel."""
    facts = _applied().merge(facts_of(at.hired(at=T + timedelta(days=40))))
    counted = contribution(facts, _decide(facts, _lookups()), shard=1)
    assert counted[("STATS#PROG", "DAY#2026-11-29#1")] == {
        "applications": 1,
        "applications_unattributed": 1,
        "interviews": 1,
        "interviews_unattributed": 1,
    }
    assert counted[("STATS#PROG", "DAY#2027-01-08#1")] == {"hires": 1, "hires_unattributed": 1}


def test_a_referred_hire_counts_in_the_referral_channel_once() -> None:
    click = _click(0, ago=timedelta(hours=3), ambassador_id="E2", channel="x")  # the referrer's own
    facts = _applied(tokens=[click.token], referrer_ids=["E2"]).merge(
        facts_of(at.hired(at=T + timedelta(days=40)))
    )
    counted = contribution(facts, _decide(facts, _lookups(click)), shard=0)
    assert counted[("STATS#AMB#E2", "DAY#2026-11-29#0")] == {
        "applications": 1,
        "applications_referral": 1,  # by method and by channel: one counter
        "interviews": 1,
        "interviews_referral": 1,
    }
    assert counted[("STATS#AMB#E2", "DAY#2027-01-08#0")] == {"hires": 1, "hires_referral": 1}


def test_a_referral_decided_before_its_channel_was_referral_counts_as_one_now() -> None:
    """A decision stored by the code before (a referral's channel was its click's, or direct) is
    counted by what it is: a referral."""
    facts = _applied(referrer_ids=["E2"])
    stored = replace(_decide(facts, _lookups()), channel="direct")
    counted = contribution(facts, stored, shard=0)
    assert counted[("STATS#PROG", "DAY#2026-11-29#0")] == {"applications": 1, "applications_referral": 1}


def test_a_credited_hire_counts_everywhere_and_the_hire_on_its_own_day() -> None:
    click = _click(0, ago=timedelta(hours=3), channel="x")
    facts = _applied(tokens=[click.token]).merge(facts_of(at.hired(at=T + timedelta(days=40))))
    counted = contribution(facts, _decide(facts, _lookups(click)), shard=0)
    applied = {
        "applications": 1,
        "applications_click_token": 1,
        "applications_x": 1,
        "interviews": 1,  # hired without an interview stage: it happened
        "interviews_x": 1,
    }
    hired = {"hires": 1, "hires_x": 1}
    assert counted == {
        ("STATS#PROG", "DAY#2026-11-29#0"): applied,
        (f"STATS#VAC#{at.VACANCY}", "DAY#2026-11-29#0"): applied,
        ("STATS#AMB#E1", "DAY#2026-11-29#0"): applied,
        (f"STATS#VAC#{at.VACANCY}", "AMB#E1#0"): {**applied, **hired},
        ("STATS#PROG", "DAY#2027-01-08#0"): hired,
        (f"STATS#VAC#{at.VACANCY}", "DAY#2027-01-08#0"): hired,
        ("STATS#AMB#E1", "DAY#2027-01-08#0"): hired,
    }


def test_the_difference_is_what_turns_the_old_counters_into_the_new() -> None:
    old = {("P", "1"): {"applications": 1, "applications_unattributed": 1}, ("V", "1"): {"applications": 1}}
    new = {("P", "1"): {"applications": 1, "applications_click_token": 1}, ("A", "1"): {"applications": 1}}
    assert difference(new, old) == {
        ("A", "1"): {"applications": 1},
        ("P", "1"): {"applications_click_token": 1, "applications_unattributed": -1},
        ("V", "1"): {"applications": -1},
    }
    assert difference(new, new) == {}


# ------------------------------------------------------------------------------------ rewards
def _hired_facts(*, unhired: bool = False) -> Facts:
    facts = _applied(referrer_ids=["E2"]).merge(facts_of(at.hired(at=T + timedelta(days=10))))
    return facts.merge(facts_of(at.unhired(at=T + timedelta(days=11)))) if unhired else facts


def test_a_credited_hire_deserves_a_pending_reward_eligible_after_the_holding_period() -> None:
    facts = _hired_facts()
    [(ambassador, reward)] = plan_rewards(facts, _decide(facts, _lookups()), PLAN, {}).items()
    assert ambassador == "E2"
    assert (reward.status, reward.amount, reward.currency) == ("pending", Decimal("500"), "EUR")
    assert reward.eligible_at == T + timedelta(days=100)
    assert (reward.application_id, reward.vacancy_id) == ("A1", at.VACANCY)


def test_an_unhire_or_a_credit_moving_elsewhere_cancels_and_a_re_hire_restores() -> None:
    facts = _hired_facts()
    written = plan_rewards(facts, _decide(facts, _lookups()), PLAN, {})
    gone = _hired_facts(unhired=True)
    assert plan_rewards(gone, _decide(gone, _lookups()), PLAN, written)["E2"].status == "cancelled"
    moved = facts.merge(_applied(referrer_ids=["E1"]))  # E1 sorts first now
    after_move = plan_rewards(moved, _decide(moved, _lookups()), PLAN, written)
    assert {a: r.status for a, r in after_move.items()} == {"E1": "pending", "E2": "cancelled"}
    rehired = gone.merge(facts_of(at.hired(at=T + timedelta(days=12), n=1)))
    cancelled = {"E2": Reward(**{**written["E2"].__dict__, "status": "cancelled"})}
    restored = plan_rewards(rehired, _decide(rehired, _lookups()), PLAN, cancelled)["E2"]
    assert (restored.status, restored.hired_at) == ("pending", T + timedelta(days=12))


def test_no_plan_no_reward_and_an_entry_keeps_the_amount_it_was_booked_with() -> None:
    facts = _hired_facts()
    decision = _decide(facts, _lookups())
    assert plan_rewards(facts, decision, RewardPlan(Decimal("0"), "EUR", 90), {}) == {}
    written = plan_rewards(facts, decision, PLAN, {})
    raised = RewardPlan(Decimal("750"), "USD", 90)
    assert plan_rewards(facts, decision, raised, written) == written


def test_a_pending_reward_counts_on_its_ambassadors_days_and_an_unhire_takes_it_back() -> None:
    """``rewards_pending`` on the hire's day and ``rewards_eligible`` on the day the holding period
    ends, on the ambassador's day items only (what their digest reads); a cancelled entry counts
    nothing, so the recorder's difference takes both back after an unhire."""
    facts = _hired_facts()
    decision = _decide(facts, _lookups())
    rewards = plan_rewards(facts, decision, PLAN, {})
    counted = contribution(facts, decision, shard=3, rewards=rewards)
    hire_day, eligible_day = ("STATS#AMB#E2", "DAY#2026-12-09#3"), ("STATS#AMB#E2", "DAY#2027-03-09#3")
    assert counted[hire_day] == {"hires": 1, "hires_referral": 1, "rewards_pending": 1}
    assert counted[eligible_day] == {"rewards_eligible": 1}
    assert not any("rewards" in name for key, c in counted.items() if key[0] != "STATS#AMB#E2" for name in c)
    gone = _hired_facts(unhired=True)
    cancelled = plan_rewards(gone, _decide(gone, _lookups()), PLAN, rewards)
    after = contribution(gone, _decide(gone, _lookups()), shard=3, rewards=cancelled)
    assert difference(after, counted)[eligible_day] == {"rewards_eligible": -1}
    assert difference(after, counted)[hire_day]["rewards_pending"] == -1

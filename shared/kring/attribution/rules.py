"""Attribution: who brought an application, and what it counts for. Pure: no I/O, no clock.

Three steps, each a pure function, composed by :mod:`kring.attribution.recorder`:

1. **Facts** — everything the ATS said about one candidate's application(s) to one job, as a
   *merge* of every candidate event seen (:func:`facts_of`, :meth:`Facts.merge`). The merge is
   commutative, associative and idempotent (a join of sets, minima and maxima), so any order,
   duplication or interleaving of the same events ends in the same facts:

   - ids (application, job, post) and evidence: unions, kept sorted;
   - ``received``: an ``ApplicationReceived`` was seen; ``applied_at``: the earliest such one's
     time, or, until one arrives, the earliest time of any event (a hire that arrives before its
     application creates the application);
   - ``stage``: the furthest stage reached, by rank applied < screening < interview < offer <
     hired (``other`` never counts; ties by time, then name) — stages only move forward;
   - ``hired_at`` / ``unhired_at`` / ``rejected_at``: the latest of each. Hired ⇔ ``hired_at``
     is set and no unhire came after it, so an unhire takes a hire back and a re-hire (a later
     hire) gives it back, whatever order the three arrive in. A move into a stage of kind
     ``hired`` is a hire too (several ATSs know no other kind of hire).

2. **Decision** (:func:`decide`) — a function of the facts and what was looked up (click
   records, share links, ambassador profiles and e-mail pointers, vacancies). Rules in order:
   ``referral`` (a referrer matching an ambassador by employee id or keyed e-mail hash), then
   ``click_token`` (a human click, not the ambassador's own, at or before ``applied_at`` (give or
   take :data:`CLOCK_SKEW`) and at most the attribution window before it; the last such click
   wins, or the first with ``ATTRIBUTION_MODEL=first_click``), then ``share_code`` (a share link
   named in a referring URL); otherwise ``unattributed``. Self-referral (the ambassador's e-mail hash is the
   candidate's) never credits. Every candidate for credit is kept with its outcome and reason:
   that is what ``GET /api/applications/{provider}/{id}/attribution`` shows.

3. **Contribution** (:func:`contribution`) — the counters the facts and the decision deserve,
   per stats item: ``applications`` (+ by method, + by channel) and ``interviews`` on the
   application's day, ``hires`` on the hire's day, each also by channel — the click's, or
   ``referral``, or ``unattributed``, so the channels add up to the total; on the vacancy's day
   (vacancy known), the ambassador's day and the vacancy-ambassador item (credited), and the
   programme's day (always). The recorder stores the contribution it applied and commits only
   the difference, so counters equal the contribution of the final state however it was
   reached. :func:`plan_rewards` does the same for the reward ledger.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta

from kring.attribution.entities import (
    DIRECT,
    HUMAN,
    REFERRAL,
    STAGE_RANKS,
    Announcement,
    ClickFact,
    Considered,
    Contribution,
    Decision,
    Evidence,
    Facts,
    ItemKey,
    LinkFact,
    Outcome,
    Reward,
    RewardPlan,
    Stage,
)
from kring.dal import keys
from kring.events import (
    ApplicationEvidence,
    ApplicationReceived,
    ApplicationRejected,
    CandidateEvent,
    CandidateHired,
    CandidateStageChanged,
    CandidateUnhired,
)
from kring.models.common import AttributionModel

__all__ = [
    "Announcement",
    "ClickFact",
    "Considered",
    "Contribution",
    "Decision",
    "Evidence",
    "Facts",
    "LinkFact",
    "Lookups",
    "Reward",
    "RewardPlan",
    "contribution",
    "decide",
    "difference",
    "facts_of",
    "plan_rewards",
    "reward_id",
    "shard_of",
    "state_key",
]

# Counter names (stored short, see kring.dal.stats.STORED_METRICS).
APPLICATIONS = "applications"
INTERVIEWS = "interviews"
HIRES = "hires"
METRICS: tuple[str, ...] = (APPLICATIONS, INTERVIEWS, HIRES)
# Rewards of credited hires, on the ambassador's day items only (see :func:`contribution`).
REWARDS_PENDING = "rewards_pending"
REWARDS_ELIGIBLE = "rewards_eligible"

# Why a candidate for credit did or did not get it.
CREDITED_REASONS: Mapping[str, str] = {
    "referral": "first_matching_referrer",
    "last_click": "last_valid_click",
    "first_click": "first_valid_click",
    "share_code": "first_known_share_code",
}
LOST_REASONS: tuple[str, ...] = (
    "unknown_ambassador",  # no profile for the employee id, or no (or a stale) e-mail pointer
    "self_referral",  # the ambassador's keyed e-mail hash is the candidate's
    "lost_to_other_referrer",  # another referrer came first (employee ids, then e-mails, sorted)
    "no_click_record",  # a valid-looking token Kring has no click for (yet)
    "bot_click",  # the click was a preview, crawler, scanner or HEAD request
    "own_click",  # the ambassador clicked their own link
    "click_after_application",
    "outside_window",  # the click was more than the attribution window before the application
    "lost_to_later_click",  # last-click model: a later valid click won
    "lost_to_earlier_click",  # first-click model: an earlier valid click won
    "unknown_share_code",
    "lost_to_other_share_code",
    "lost_to_earlier_rule",  # a referral (or a click) won first
)


# ------------------------------------------------------------------------------------ time
# How far an ATS's application time may lag Kring's click time and the click still count: ATS
# clocks differ from AWS's, and several ATSs give times to the second only (a click at 10:00:00.4
# and an application stamped 10:00:00 are the same moment).
CLOCK_SKEW = timedelta(minutes=5)


def utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)


def day_of(moment: datetime) -> str:
    return utc(moment).strftime("%Y-%m-%d")


# ------------------------------------------------------------------------------------ facts
def evidence_of(evidence: ApplicationEvidence | None) -> Evidence:
    """An event's evidence, each field sorted (the candidate's e-mail hash as a one-element set)."""
    if evidence is None:
        return Evidence()
    return Evidence(
        referrer_employee_ids=tuple(sorted(set(evidence.referrer_employee_ids))),
        referrer_email_hashes=tuple(sorted(set(evidence.referrer_email_hashes))),
        click_tokens=tuple(sorted(set(evidence.click_tokens))),
        share_codes=tuple(sorted(set(evidence.share_codes))),
        candidate_email_hashes=(evidence.candidate_email_hash,) if evidence.candidate_email_hash else (),
    )


def job_ref(event: CandidateEvent) -> str:
    """The ATS job id, or ``app:<application id>`` when the provider gave none (one state per
    application then). A provider is expected to name the job on every event of an application
    or on none: events of one application split over both would make two states."""
    return event.job_id if event.job_id is not None else f"app:{event.application_id}"


def state_key(event: CandidateEvent) -> keys.Key:
    return keys.application(event.provider, job_ref(event), event.candidate_key)


def facts_of(event: CandidateEvent) -> Facts:
    """The facts one event states on its own (merged into the stored ones by the recorder)."""
    at = utc(event.occurred_at)
    evidence: ApplicationEvidence | None = None
    stage_kind: str | None = None
    stage_name = ""
    if isinstance(event, ApplicationReceived | CandidateStageChanged):
        stage_kind = event.stage
        stage_name = event.stage_name or ""
    if isinstance(event, ApplicationReceived | CandidateStageChanged | CandidateHired):
        evidence = event.evidence
    stage = None
    if stage_kind is not None and stage_kind in STAGE_RANKS:
        stage = Stage(STAGE_RANKS[stage_kind], at, stage_kind, stage_name)
    hired = isinstance(event, CandidateHired) or stage_kind == "hired"
    return Facts(
        provider=event.provider,
        job_ref=job_ref(event),
        candidate_key=event.candidate_key,
        first_seen_at=at,
        application_ids=(event.application_id,),
        job_ids=(event.job_id,) if event.job_id else (),
        post_ids=(event.post_id,) if event.post_id else (),
        received_at=at if isinstance(event, ApplicationReceived) else None,
        evidence=evidence_of(evidence),
        stage=stage,
        hired_at=at if hired else None,
        unhired_at=at if isinstance(event, CandidateUnhired) else None,
        rejected_at=at if isinstance(event, ApplicationRejected) else None,
    )


# ------------------------------------------------------------------------------------ lookups
@dataclass(frozen=True)
class Lookups:
    """What :func:`decide` needs from the table, already read.

    ``ambassadors`` maps each ambassador whose profile exists to the keyed hash of its e-mail
    address (None when it has none). ``email_pointers`` maps an e-mail hash to the ambassador id
    its pointer names (verified against ``ambassadors`` before it credits). ``post_vacancies``
    maps post ids to the vacancy that exists for them, ``job_vacancies`` job ids to theirs.
    """

    clicks: Mapping[str, ClickFact] = field(default_factory=dict)
    links: Mapping[str, LinkFact] = field(default_factory=dict)
    ambassadors: Mapping[str, str | None] = field(default_factory=dict)
    email_pointers: Mapping[str, str] = field(default_factory=dict)
    post_vacancies: Mapping[str, str] = field(default_factory=dict)
    job_vacancies: Mapping[str, tuple[str, ...]] = field(default_factory=dict)


# ------------------------------------------------------------------------------------ decision
class _Judge:
    """The checks every rule shares: who an ambassador is, and whether they are the candidate."""

    def __init__(self, facts: Facts, lookups: Lookups) -> None:
        self.lookups = lookups
        self._candidate_hashes = frozenset(facts.evidence.candidate_email_hashes)

    def known(self, ambassador_id: str | None) -> bool:
        return ambassador_id is not None and ambassador_id in self.lookups.ambassadors

    def self_referral(self, ambassador_id: str) -> bool:
        email_hash = self.lookups.ambassadors.get(ambassador_id)
        return email_hash is not None and email_hash in self._candidate_hashes


def _referrals(evidence: Evidence, judge: _Judge) -> tuple[str | None, list[Considered]]:
    """Rule 1: the first referrer that is a known ambassador other than the candidate."""
    named: list[tuple[str | None, str | None]] = [(e, e) for e in evidence.referrer_employee_ids]
    for email_hash in evidence.referrer_email_hashes:
        pointed = judge.lookups.email_pointers.get(email_hash)
        verified = pointed is not None and judge.lookups.ambassadors.get(pointed) == email_hash
        named.append((None, pointed if verified else None))
    referrer: str | None = None
    considered: list[Considered] = []
    for source, ambassador_id in named:
        if ambassador_id is None or not judge.known(ambassador_id):
            considered.append(Considered("referral", source, None, "lost", "unknown_ambassador"))
            continue
        outcome: Outcome = "lost"
        if ambassador_id == referrer:
            continue  # the credited referrer, named a second way (id and e-mail): listed once
        if judge.self_referral(ambassador_id):
            reason = "self_referral"
        elif referrer is None:
            referrer = ambassador_id
            outcome, reason = "credited", CREDITED_REASONS["referral"]
        else:
            reason = "lost_to_other_referrer"
        considered.append(Considered("referral", source, ambassador_id, outcome, reason))
    return referrer, considered


def _click_verdict(
    click: ClickFact | None, applied_at: datetime, window: timedelta, judge: _Judge
) -> str | None:
    """Why a click cannot earn credit (the first reason that applies), or None when it can."""
    if click is None:
        return "no_click_record"
    checks = (
        (click.visitor_kind != HUMAN, "bot_click"),
        (click.own_click, "own_click"),
        (click.clicked_at > applied_at + CLOCK_SKEW, "click_after_application"),
        (applied_at - click.clicked_at > window, "outside_window"),
        (judge.self_referral(click.ambassador_id), "self_referral"),
    )
    return next((reason for failed, reason in checks if failed), None)


def _clicks(
    facts: Facts, judge: _Judge, referrer: str | None, window_days: int, model: AttributionModel
) -> tuple[ClickFact | None, list[Considered]]:
    """Rule 2: the last (or first) valid click, unless a referral won; with a referral, the
    referrer's own valid click, which gives the referral its channel."""
    window = timedelta(days=window_days)
    verdicts = {
        token: _click_verdict(judge.lookups.clicks.get(token), facts.applied_at, window, judge)
        for token in facts.evidence.click_tokens
    }
    valid = sorted(
        (judge.lookups.clicks[t] for t, verdict in verdicts.items() if verdict is None),
        key=lambda c: (c.clicked_at, c.token),
    )
    if referrer is not None:
        valid = [c for c in valid if c.ambassador_id == referrer]
    chosen = (valid[-1] if model == "last_click" else valid[0]) if valid else None
    considered: list[Considered] = []
    for token, verdict in verdicts.items():
        click = judge.lookups.clicks.get(token)
        outcome: Outcome = "lost"
        if verdict is not None:
            reason = verdict
        elif referrer is not None:
            reason = "lost_to_earlier_rule"
        elif chosen is not None and token == chosen.token:
            outcome, reason = "credited", CREDITED_REASONS[model]
        else:
            reason = "lost_to_later_click" if model == "last_click" else "lost_to_earlier_click"
        considered.append(
            Considered(
                "click_token",
                token,
                click.ambassador_id if click else None,
                outcome,
                reason,
                click.channel if click else None,
                click.clicked_at if click else None,
                click.vacancy_id if click else None,
            )
        )
    return chosen, considered


def _share_codes(
    evidence: Evidence, judge: _Judge, decided: bool
) -> tuple[LinkFact | None, list[Considered]]:
    """Rule 3: the first known share code (sorted) of a referring URL, unless a rule before won."""
    winner: LinkFact | None = None
    considered: list[Considered] = []
    for code in evidence.share_codes:
        link = judge.lookups.links.get(code)
        if link is None:
            considered.append(Considered("share_code", code, None, "lost", "unknown_share_code"))
            continue
        outcome: Outcome = "lost"
        if judge.self_referral(link.ambassador_id):
            reason = "self_referral"
        elif decided:
            reason = "lost_to_earlier_rule"
        elif winner is None:
            winner = link
            outcome, reason = "credited", CREDITED_REASONS["share_code"]
        else:
            reason = "lost_to_other_share_code"
        considered.append(
            Considered(
                "share_code", code, link.ambassador_id, outcome, reason, DIRECT, vacancy_id=link.vacancy_id
            )
        )
    return winner, considered


def decide(
    facts: Facts, lookups: Lookups, *, window_days: int, model: AttributionModel = "last_click"
) -> Decision:
    """The decision for ``facts`` (see the module docstring). Deterministic: candidates are tried
    in a canonical order (referrers by employee id, then by e-mail hash, each sorted; clicks by
    time, then token; share codes sorted)."""
    judge = _Judge(facts, lookups)
    referrer, by_referral = _referrals(facts.evidence, judge)
    click, by_click = _clicks(facts, judge, referrer, window_days, model)
    link, by_code = _share_codes(facts.evidence, judge, decided=referrer is not None or click is not None)
    made = Decision(
        method="unattributed",
        window_days=window_days,
        model=model,
        considered=(*by_referral, *by_click, *by_code),
    )
    if referrer is not None:
        return replace(
            made,
            method="referral",
            ambassador_id=referrer,
            channel=REFERRAL,  # the referrer's own click, if any, stays on record (click_token)
            click_token=click.token if click else None,
            clicked_at=click.clicked_at if click else None,
            vacancy_id=vacancy_of_application(facts, lookups),
        )
    if click is not None:
        return replace(
            made,
            method="click_token",
            ambassador_id=click.ambassador_id,
            channel=click.channel,
            click_token=click.token,
            clicked_at=click.clicked_at,
            vacancy_id=click.vacancy_id,
        )
    if link is not None:
        return replace(
            made,
            method="share_code",
            ambassador_id=link.ambassador_id,
            channel=DIRECT,
            vacancy_id=link.vacancy_id,
        )
    return replace(made, vacancy_id=vacancy_of_application(facts, lookups))


def vacancy_of_application(facts: Facts, lookups: Lookups) -> str | None:
    """The vacancy the application is for when no click or share link says: the vacancy of a post
    it names, else one of its job's vacancies (smallest ids first), else unknown."""
    for post_id in facts.post_ids:
        if post_id in lookups.post_vacancies:
            return lookups.post_vacancies[post_id]
    for job_id in facts.job_ids:
        found = sorted(lookups.job_vacancies.get(job_id, ()))
        if found:
            return found[0]
    return None


def unresolved_tokens(facts: Facts, clicks: Mapping[str, ClickFact]) -> tuple[str, ...]:
    """The click tokens of the evidence with no click record found (yet)."""
    return tuple(t for t in facts.evidence.click_tokens if t not in clicks)


# ------------------------------------------------------------------------------------ counters
def shard_of(state: keys.Key) -> int:
    """A stable stats shard for one application state (a hash of its pk)."""
    return hashlib.blake2b(state["pk"].encode("utf-8"), digest_size=2).digest()[0] % keys.STATS_SHARDS


def _scopes(day: str, vacancy_id: str | None, ambassador_id: str | None, shard: int) -> list[keys.Key]:
    scopes = [keys.program_day_stats(day, shard)]
    if vacancy_id is not None:
        scopes.append(keys.vacancy_day_stats(vacancy_id, day, shard))
    if ambassador_id is not None:
        scopes.append(keys.ambassador_day_stats(ambassador_id, day, shard))
        if vacancy_id is not None:
            scopes.append(keys.vacancy_ambassador_stats(vacancy_id, ambassador_id, shard))
    return scopes


def contribution(
    facts: Facts, decision: Decision, shard: int, rewards: Mapping[str, Reward] | None = None
) -> Contribution:
    """The counters one application state deserves, by stats item (full counter names).

    Every application counts in one channel (:attr:`Decision.counted_channel`), so the channels
    add up to the total. ``applications_referral`` and ``applications_unattributed`` are at once
    the method's counter and the channel's: one counter, counted once.

    A pending reward (of ``rewards``, the ledger entries the state means to have) counts on its
    ambassador's day items only: ``rewards_pending`` on the hire's day and ``rewards_eligible`` on
    the day its holding period ends — a day that may lie ahead; the digest reads it when it comes.
    A cancelled entry counts nothing, so an unhire takes both back, like the hire."""
    out: dict[ItemKey, Counter[str]] = {}
    channel = decision.counted_channel

    def add(day: str, metric: str, *suffixes: str) -> None:
        for key in _scopes(day, decision.vacancy_id, decision.ambassador_id, shard):
            counters = out.setdefault((key["pk"], key["sk"]), Counter())
            counters[metric] += 1
            for suffix in suffixes:
                counters[f"{metric}_{suffix}"] += 1

    applied_day = day_of(facts.applied_at)
    add(applied_day, APPLICATIONS, *sorted({decision.method, channel}))
    if facts.reached_interview:
        add(applied_day, INTERVIEWS, channel)
    if facts.hired and facts.hired_at is not None:
        add(day_of(facts.hired_at), HIRES, channel)
    for ambassador, reward in sorted((rewards or {}).items()):
        if reward.status != "pending":
            continue
        for day, metric in (
            (day_of(reward.hired_at), REWARDS_PENDING),
            (day_of(reward.eligible_at), REWARDS_ELIGIBLE),
        ):
            key = keys.ambassador_day_stats(ambassador, day, shard)
            out.setdefault((key["pk"], key["sk"]), Counter())[metric] += 1
    return {key: dict(counters) for key, counters in out.items()}


def difference(new: Contribution, old: Contribution) -> Contribution:
    """``new - old`` per item and counter, without zeros: the ADDs that turn ``old`` into ``new``."""
    out: Contribution = {}
    for key in sorted({*new, *old}):
        before, after = old.get(key, {}), new.get(key, {})
        changes = {name: after.get(name, 0) - before.get(name, 0) for name in sorted({*before, *after})}
        changes = {name: n for name, n in changes.items() if n}
        if changes:
            out[key] = changes
    return out


# ------------------------------------------------------------------------------------ rewards
def reward_id(state: keys.Key) -> str:
    """Stable per application state: the same hire always names the same entry."""
    return hashlib.sha256(f"kring/reward/v1\x00{state['pk']}".encode()).hexdigest()[:32]


def plan_rewards(
    facts: Facts, decision: Decision, plan: RewardPlan, written: Mapping[str, Reward]
) -> dict[str, Reward]:
    """The ledger entries this state should have, by ambassador, given what was written before.

    A credited hire deserves a pending entry for its ambassador (amount and currency of the plan,
    frozen when the entry is first written; ``eligible_at`` = hire + holding days) when the plan
    pays anything. Every other entry written before (an unhire, or the credit moved to someone
    else) is cancelled. A re-hire makes the cancelled entry pending again, with the new hire
    time.
    """
    out = {ambassador: replace(entry, status="cancelled") for ambassador, entry in written.items()}
    ambassador = decision.ambassador_id
    if ambassador is None or not facts.hired or facts.hired_at is None:
        return out
    before = written.get(ambassador)
    if before is None and plan.amount <= 0:
        return out
    amount, currency = (before.amount, before.currency) if before else (plan.amount, plan.currency)
    out[ambassador] = Reward(
        ambassador_id=ambassador,
        status="pending",
        amount=amount,
        currency=currency,
        hired_at=facts.hired_at,
        eligible_at=facts.hired_at + timedelta(days=plan.holding_days),
        application_id=facts.application_id,
        vacancy_id=decision.vacancy_id,
    )
    return out

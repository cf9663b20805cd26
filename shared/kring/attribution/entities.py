"""The attribution's domain entities: what is known about an application, the decision made
from it, and the ledger entries it deserves. Frozen dataclasses with value equality; the merge of
:class:`Facts` lives here because it *is* the entity's definition (see :mod:`kring.attribution.rules`
for the rules that use them, :mod:`kring.dal.attribution_states` for how they are stored).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Literal

from kring.models.common import AttributionMethod, AttributionModel, AttributionRule

Outcome = Literal["credited", "lost"]

HUMAN = "human"
DIRECT = "direct"
# An application's channel: its click's (a network, or direct), else one of these two. A referral
# is a channel of its own, whatever click came before it; an application nobody brought has one
# too, so that the channels of a funnel add up to its total.
REFERRAL = "referral"
UNATTRIBUTED = "unattributed"
STAGE_RANKS: Mapping[str, int] = {"applied": 1, "screening": 2, "interview": 3, "offer": 4, "hired": 5}
INTERVIEW_RANK = STAGE_RANKS["interview"]


def _min(a: datetime | None, b: datetime | None) -> datetime | None:
    if a is None:
        return b
    if b is None:
        return a
    return min(a, b)


def _max(a: datetime | None, b: datetime | None) -> datetime | None:
    if a is None:
        return b
    if b is None:
        return a
    return max(a, b)


def _union(a: Iterable[str], b: Iterable[str]) -> tuple[str, ...]:
    return tuple(sorted({*a, *b}))


@dataclass(frozen=True)
class Evidence:
    """Who may have brought the candidate: the union of every event's evidence, each field sorted."""

    referrer_employee_ids: tuple[str, ...] = ()
    referrer_email_hashes: tuple[str, ...] = ()
    click_tokens: tuple[str, ...] = ()
    share_codes: tuple[str, ...] = ()
    candidate_email_hashes: tuple[str, ...] = ()

    def merge(self, other: Evidence) -> Evidence:
        return Evidence(
            referrer_employee_ids=_union(self.referrer_employee_ids, other.referrer_employee_ids),
            referrer_email_hashes=_union(self.referrer_email_hashes, other.referrer_email_hashes),
            click_tokens=_union(self.click_tokens, other.click_tokens),
            share_codes=_union(self.share_codes, other.share_codes),
            candidate_email_hashes=_union(self.candidate_email_hashes, other.candidate_email_hashes),
        )


@dataclass(frozen=True, order=True)
class Stage:
    """A stage reached; ordered by rank, then time, then name (so the max is one, whatever order)."""

    rank: int
    at: datetime
    kind: str
    name: str = ""


@dataclass(frozen=True)
class Facts:
    """Everything the ATS said about one candidate and one job, merged (see the module docstring)."""

    provider: str
    job_ref: str
    candidate_key: str
    first_seen_at: datetime
    application_ids: tuple[str, ...] = ()
    job_ids: tuple[str, ...] = ()
    post_ids: tuple[str, ...] = ()
    received_at: datetime | None = None
    evidence: Evidence = field(default_factory=Evidence)
    stage: Stage | None = None
    hired_at: datetime | None = None
    unhired_at: datetime | None = None
    rejected_at: datetime | None = None

    @property
    def identity(self) -> tuple[str, str, str]:
        return (self.provider, self.job_ref, self.candidate_key)

    @property
    def received(self) -> bool:
        """Application data was seen (an ``ApplicationReceived``)."""
        return self.received_at is not None

    @property
    def applied_at(self) -> datetime:
        return self.received_at or self.first_seen_at

    @property
    def hired(self) -> bool:
        return self.hired_at is not None and (self.unhired_at is None or self.unhired_at < self.hired_at)

    @property
    def current_stage(self) -> Stage | None:
        """The stage to show: ``hired`` while hired (a hire is often reported without a stage of
        its own), else the furthest stage reached."""
        if self.hired and (self.stage is None or self.stage.kind != "hired"):
            assert self.hired_at is not None
            return Stage(STAGE_RANKS["hired"], self.hired_at, "hired")
        return self.stage

    @property
    def reached_interview(self) -> bool:
        """Interviewed: the stage reached interview (or further), or the candidate was hired at
        some point (an ATS may report a hire without the stages before it)."""
        return (self.stage is not None and self.stage.rank >= INTERVIEW_RANK) or self.hired_at is not None

    @property
    def application_id(self) -> str:
        """The one application id the state is announced under (the smallest, so it is stable)."""
        return self.application_ids[0]

    def decision_inputs(self) -> tuple[object, ...]:
        """What :func:`~kring.attribution.rules.decide` reads of the facts: when none of it
        changed, the decision stands."""
        return (self.evidence, self.applied_at, self.post_ids, self.job_ids)

    def merge(self, other: Facts) -> Facts:
        if self.identity != other.identity:
            raise ValueError(f"cannot merge the facts of {self.identity} and {other.identity}")
        return Facts(
            provider=self.provider,
            job_ref=self.job_ref,
            candidate_key=self.candidate_key,
            first_seen_at=min(self.first_seen_at, other.first_seen_at),
            application_ids=_union(self.application_ids, other.application_ids),
            job_ids=_union(self.job_ids, other.job_ids),
            post_ids=_union(self.post_ids, other.post_ids),
            received_at=_min(self.received_at, other.received_at),
            evidence=self.evidence.merge(other.evidence),
            stage=max(self.stage, other.stage) if self.stage and other.stage else self.stage or other.stage,
            hired_at=_max(self.hired_at, other.hired_at),
            unhired_at=_max(self.unhired_at, other.unhired_at),
            rejected_at=_max(self.rejected_at, other.rejected_at),
        )


@dataclass(frozen=True)
class ClickFact:
    """A click record (written once by the click recorder, never changed): kept in the state once
    found, so a decision made again months later does not depend on the record's retention."""

    token: str
    ambassador_id: str
    vacancy_id: str
    channel: str
    clicked_at: datetime
    visitor_kind: str = HUMAN
    own_click: bool = False
    code: str | None = None


@dataclass(frozen=True)
class LinkFact:
    code: str
    ambassador_id: str
    vacancy_id: str


@dataclass(frozen=True)
class Considered:
    """One candidate for credit and what became of it. ``source`` is the employee id, click token
    or share code it came from (None for a referrer e-mail: only its keyed hash is known)."""

    rule: AttributionRule
    source: str | None
    ambassador_id: str | None
    outcome: Outcome
    reason: str
    channel: str | None = None
    clicked_at: datetime | None = None
    vacancy_id: str | None = None


@dataclass(frozen=True)
class Decision:
    method: AttributionMethod
    ambassador_id: str | None = None
    channel: str | None = None
    click_token: str | None = None
    clicked_at: datetime | None = None
    vacancy_id: str | None = None
    window_days: int = 30
    model: AttributionModel = "last_click"
    considered: tuple[Considered, ...] = ()

    @property
    def credited(self) -> bool:
        return self.ambassador_id is not None

    @property
    def counted_channel(self) -> str:
        """The channel the application counts in: ``referral`` for a referral (also one decided
        when a referral took its referrer's click's channel, or ``direct``), ``unattributed`` when
        nobody is credited, else the decision's channel."""
        if self.method == REFERRAL:
            return REFERRAL
        if not self.credited:
            return UNATTRIBUTED
        return self.channel or DIRECT

    def announcement(self) -> Announcement:
        return Announcement(
            method=self.method,
            ambassador_id=self.ambassador_id,
            channel=self.channel,
            click_token=self.click_token,
            vacancy_id=self.vacancy_id,
        )


@dataclass(frozen=True)
class Announcement:
    """What ``ApplicationAttributed`` told the bus last: a new one is due when this changes."""

    method: AttributionMethod
    ambassador_id: str | None = None
    channel: str | None = None
    click_token: str | None = None
    vacancy_id: str | None = None


ItemKey = tuple[str, str]
Contribution = dict[ItemKey, dict[str, int]]


RewardStatus = Literal["pending", "cancelled"]


@dataclass(frozen=True)
class RewardPlan:
    amount: Decimal
    currency: str
    holding_days: int


@dataclass(frozen=True)
class Reward:
    """A ledger entry as the attribution means it to be (``paid`` is the admin's, never ours)."""

    ambassador_id: str
    status: RewardStatus
    amount: Decimal
    currency: str
    hired_at: datetime
    eligible_at: datetime
    application_id: str
    vacancy_id: str | None

"""Recording programme facts: read the facts item and the profile, apply the fact
(:mod:`kring.programme.phases`), and write the new facts — with the transition it causes, its
history item, the counters and the profile's phase — in one transaction
(:class:`kring.dal.programme.ProgrammeRepository`); then ``AmbassadorPhaseChanged`` on the bus.

- A fact already known changes nothing and writes nothing (the facts only grow), so a
  redelivered or reordered event ends as one clean delivery would.
- The first fact of an ambassador the programme did not know yet starts from their profile: on
  the roster since it was created, and the phase the talent team gave it (a move by hand).
- The event is kept on the facts item (``unpublished``) in the same transaction and removed
  once it is on the bus: a run that fails in between publishes it on the next delivery.
- A concurrent write (the facts item or the profile changed since they were read) is read and
  decided again; one that keeps conflicting is a :class:`TransientError` (retried, then parked).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit

from kring import safe_json
from kring.dal import programme as store
from kring.dal.ambassadors import AmbassadorRepository
from kring.dal.programme_settings import ProgrammeSettingsRepository
from kring.dal.transact import Outcome
from kring.errors import TransientError
from kring.events import (
    AmbassadorChanged,
    AmbassadorInvited,
    AmbassadorLeftProgramme,
    AmbassadorPhaseChanged,
    AmbassadorRejoinedProgramme,
    AmbassadorVolunteered,
    ApplicationAttributed,
    ColleagueRecruited,
    Envelope,
    InvitationOpened,
    KringEvent,
    OnboardingStepCompleted,
    ProgrammePageOpened,
    ShareIntended,
    parse_envelope,
)
from kring.integrations.eventbridge import EventPublisher, default_publisher
from kring.models.ambassador import Ambassador
from kring.models.common import Phase
from kring.observability import logger, metrics
from kring.points.colleagues import credit_colleague
from kring.programme import phases
from kring.programme.phases import Fact, FactKind, Facts, ManualMove, Rules, State
from kring.queues import batch_recorder

MAX_ATTEMPTS = 5
TALENT_TEAM = "talent team"
SET_BY_THE_TALENT_TEAM = "set by the talent team"


def seed(ambassador: Ambassador) -> Facts:
    """What the programme knows of someone from their profile alone: on the roster since the
    profile was made, in the phase the talent team gave it."""
    manual = (
        ManualMove(ambassador.created_at, ambassador.phase, SET_BY_THE_TALENT_TEAM, TALENT_TEAM)
        if ambassador.phase != "awareness"
        else None
    )
    return Facts(on_roster_at=ambassador.created_at, manual=manual)


def _event(ambassador_id: str, version: int, moved: phases.Transition) -> AmbassadorPhaseChanged:
    return AmbassadorPhaseChanged(
        ambassador_id=ambassador_id,
        from_phase=moved.from_phase,
        to_phase=moved.to_phase,
        dormant_before=moved.dormant_before,
        dormant=moved.dormant,
        reason=moved.reason[:500],
        occurred_at=moved.occurred_at,
        correlation_id=f"programme:{ambassador_id}:{version}",
    )


@dataclass(frozen=True)
class Recorded:
    """What one fact did: the state after it, and the transition (None: nothing moved)."""

    state: State
    transition: phases.Transition | None


class ProgrammeRecorder:
    """Records facts for ambassadors (ports injectable; production defaults)."""

    def __init__(
        self,
        repository: store.ProgrammeRepository | None = None,
        ambassadors: AmbassadorRepository | None = None,
        publisher: EventPublisher | None = None,
        rules: Rules | None = None,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self._repository = repository or store.ProgrammeRepository()
        self._ambassadors = ambassadors or AmbassadorRepository()
        self._publisher = publisher
        self._rules = rules
        self._clock = clock or (lambda: datetime.now(UTC))

    @property
    def ambassadors(self) -> AmbassadorRepository:
        return self._ambassadors

    @property
    def rules(self) -> Rules:
        if self._rules is None:
            self._rules = phases.rules_of(ProgrammeSettingsRepository().get().programme)
        return self._rules

    @property
    def publisher(self) -> EventPublisher:
        if self._publisher is None:
            self._publisher = default_publisher()
        return self._publisher

    # --- one fact ------------------------------------------------------------------------------
    def record(
        self,
        ambassador_id: str,
        fact: Fact | None,
        *,
        now: datetime | None = None,
        keep_profile_dormant: bool = False,
    ) -> Recorded | None:
        """Apply ``fact`` (None: only time passed — the sweep's review) to the ambassador's facts.
        None when there is no such ambassador (never created, or erased): nothing is recorded.
        ``keep_profile_dormant``: the talent team just set the profile's ``dormant`` by hand; it
        stays until the programme next moves them (their next activity, the sweep)."""
        for _attempt in range(MAX_ATTEMPTS):
            at = now or self._clock()
            profile_seen = self._ambassadors.get_stored(ambassador_id)
            if profile_seen is None:
                metrics.add_metric(name="ProgrammeFactsOfUnknownAmbassadors", unit=MetricUnit.Count, value=1)
                logger.info("no such ambassador: fact not recorded", extra={"ambassador_id": ambassador_id})
                return None
            stored = self._repository.get(ambassador_id)
            if stored.unpublished:
                self._publish(ambassador_id, stored.version, stored.unpublished)
            outcome, recorded = self._apply(
                profile_seen.ambassador, stored, fact, at, keep_profile_dormant=keep_profile_dormant
            )
            if outcome is Outcome.APPLIED:
                return recorded
        raise TransientError(f"the programme facts of {ambassador_id} kept changing while being recorded")

    def _apply(
        self,
        profile: Ambassador,
        stored: store.StoredProgramme,
        fact: Fact | None,
        now: datetime,
        *,
        keep_profile_dormant: bool = False,
    ) -> tuple[Outcome, Recorded]:
        rules = self.rules
        known = stored.facts if stored.version else seed(profile)
        facts = phases.settle(phases.apply(known, fact) if fact is not None else known, rules)
        after = phases.derive(facts, rules, now)
        profile_state = State(profile.phase, profile.dormant, profile.in_programme)
        before = stored.counted.state if stored.counted else profile_state
        counted = store.Counted(after, profile.department, profile.location)
        review_at = phases.next_review(facts, rules, now)
        unchanged = (
            stored.version > 0
            and facts == stored.facts
            and stored.counted == counted
            and stored.review_at == review_at
        )
        if unchanged:
            return Outcome.APPLIED, Recorded(after, None)  # nothing new: a redelivery, or nothing due
        occurred_at = min(fact.at, now) if fact is not None else min(stored.review_at or now, now)
        moved = phases.change(before, after, fact=fact, occurred_at=occurred_at)
        evangelized_at = stored.evangelized_at
        if after.phase == "evangelize" and after.phase != before.phase:
            evangelized_at = min(evangelized_at or occurred_at, occurred_at)
        version = stored.version + 1
        event = _event(profile.id, version, moved) if moved is not None else None
        write = store.ProgrammeWrite(
            ambassador_id=profile.id,
            seen_version=stored.version,
            facts=facts,
            counted=counted,
            entered_at=facts.entered_at,
            review_at=review_at,
            evangelized_at=evangelized_at,
            now=now,
            history=_history(moved, fact),
            counters=store.counter_deltas(stored.counted, counted),
            profile=_profile_change(
                profile,
                State(after.phase, profile.dormant, after.in_programme) if keep_profile_dormant else after,
            ),
            unpublished=event.model_dump(mode="json") if event is not None else None,
        )
        outcome = self._repository.write(write)
        if outcome is Outcome.APPLIED and event is not None:
            metrics.add_metric(name="AmbassadorPhaseChanges", unit=MetricUnit.Count, value=1)
            self._publish(profile.id, version, event.model_dump(mode="json"))
        return outcome, Recorded(after, moved)

    def _publish(self, ambassador_id: str, version: int, detail: dict[str, Any]) -> None:
        self.publisher.publish([AmbassadorPhaseChanged.model_validate(detail)])
        self._repository.mark_published(ambassador_id, version)

    # --- the sweep -----------------------------------------------------------------------------
    def review_due(self, *, now: datetime | None = None) -> int:
        """Re-derive everyone whose next review is due (dormancy, the evangelist rule lapsing):
        the sparse review index, never a Scan. The number of ambassadors reviewed."""
        at = now or self._clock()
        due = self._repository.due_for_review(at)
        for ambassador_id in due:
            self.record(ambassador_id, None, now=at)
        return len(due)

    # --- the talent team's changes ----------------------------------------------------------------
    def profile_saved(self, ambassador: Ambassador, *, now: datetime | None = None) -> Recorded | None:
        """A profile the talent team created or changed: on the roster; a phase other than the
        programme's is a move by hand ("set by the talent team")."""
        stored = self._repository.get(ambassador.id)
        if not stored.version:
            return self.record(ambassador.id, Fact("on_roster", ambassador.created_at), now=now)
        if stored.counted is not None and stored.counted.state.phase == ambassador.phase:
            return self.record(ambassador.id, None, now=now)  # department or location may have moved
        at = now or self._clock()
        return self.record(
            ambassador.id,
            Fact(
                "moved_by_hand", at, to_phase=ambassador.phase, reason=SET_BY_THE_TALENT_TEAM, by=TALENT_TEAM
            ),
            now=at,
        )


def _history(moved: phases.Transition | None, fact: Fact | None) -> store.HistoryEntry | None:
    if moved is None:
        return None
    return store.HistoryEntry(
        occurred_at=moved.occurred_at,
        from_phase=moved.from_phase,
        to_phase=moved.to_phase,
        dormant_before=moved.dormant_before,
        dormant=moved.dormant,
        in_programme_before=moved.in_programme_before,
        in_programme=moved.in_programme,
        reason=moved.reason,
        by=fact.by if fact is not None else None,
    )


def _profile_change(profile: Ambassador, after: State) -> store.ProfileState | None:
    """The profile's new programme attributes, None when they already are what ``after`` says."""
    phase: Phase | None = after.phase
    if phase is None or State(profile.phase, profile.dormant, profile.in_programme) == after:
        return None
    return store.ProfileState(
        phase=phase,
        dormant=after.dormant,
        in_programme=after.in_programme,
        opted_in=profile.opted_in,
        eligible=profile.model_copy(
            update={"phase": phase, "dormant": after.dormant, "in_programme": after.in_programme}
        ).eligible_to_share,
    )


# --- the bus's facts ------------------------------------------------------------------------------
# An invitation sent, and what an ambassador did with it and in their portal (kring.portal): a
# fact of its own kind each.
PortalFact = (
    AmbassadorInvited
    | InvitationOpened
    | ProgrammePageOpened
    | AmbassadorVolunteered
    | OnboardingStepCompleted
    | AmbassadorLeftProgramme
    | AmbassadorRejoinedProgramme
    | ColleagueRecruited
)
FactEvent = ShareIntended | ApplicationAttributed | PortalFact
ProgrammeEvent = FactEvent | AmbassadorChanged
PROGRAMME_EVENTS: tuple[type[ProgrammeEvent], ...] = (
    ShareIntended,
    ApplicationAttributed,
    AmbassadorChanged,
    AmbassadorInvited,
    InvitationOpened,
    ProgrammePageOpened,
    AmbassadorVolunteered,
    OnboardingStepCompleted,
    AmbassadorLeftProgramme,
    AmbassadorRejoinedProgramme,
    ColleagueRecruited,
)


def parse_message(body: str) -> ProgrammeEvent:
    """A programme queue message (the EventBridge envelope of one of the events ProgrammeFactsRule
    routes); :class:`~kring.errors.InvalidInputError` when it can never be one."""
    return safe_json.parse(body, _programme_event, invalid="not a programme event")


def _programme_event(data: object) -> ProgrammeEvent:
    envelope: Envelope[ProgrammeEvent] = parse_envelope(data, *PROGRAMME_EVENTS)
    return envelope.detail


_PORTAL_FACTS: Mapping[type[KringEvent], FactKind] = {
    AmbassadorInvited: "invited",
    InvitationOpened: "interested",
    ProgrammePageOpened: "interested",
    AmbassadorVolunteered: "volunteered",
    AmbassadorLeftProgramme: "left",
    AmbassadorRejoinedProgramme: "rejoined",
}


def fact_of(event: FactEvent) -> tuple[str, Fact] | None:
    """Whose fact an event is, and which: a share intent is activity; an application credited to
    an ambassador is activity and a credited application (one not credited to anyone: no fact);
    an invitation sent is awareness; the portal's events are the steps they name (an invitation
    link or the programme page opened by a person is interest,
    a checklist step done counts towards onboarding, a colleague recruited is the inviter's).
    A candidate's click (``LinkClicked``) is not the ambassador's activity and never comes here."""
    at = event.occurred_at
    if isinstance(event, ShareIntended):
        return event.ambassador_id, Fact("active", at)
    if isinstance(event, OnboardingStepCompleted):
        return event.ambassador_id, Fact("step_done", at, ref=event.step)
    if isinstance(event, ColleagueRecruited):
        return event.inviter_id, Fact("colleague_recruited", at, ref=event.colleague_id)
    if not isinstance(event, ApplicationAttributed):
        return event.ambassador_id, Fact(_PORTAL_FACTS[type(event)], at)
    if event.ambassador_id is None:
        return None
    ref = f"{event.provider}:{event.application_id}"
    return event.ambassador_id, Fact("application_credited", event.occurred_at, ref=ref)


def message_recorder(
    bodies: Mapping[str, str], recorder: ProgrammeRecorder | None = None
) -> Callable[[str], str]:
    """One SQS batch (message id → body) → the function that records one message by its id
    (:func:`kring.queues.batch_recorder`): a message that is not a programme event raises
    (logged, counted as ``ProgrammeRejected``), so it alone is retried and, in the end, parked."""
    programme = recorder or ProgrammeRecorder()

    def record(event: ProgrammeEvent) -> str:
        if isinstance(event, AmbassadorChanged):
            profile = programme.ambassadors.get(event.ambassador_id)
            if profile is not None:
                programme.profile_saved(profile)
            return "roster"
        if isinstance(event, ColleagueRecruited):
            # the inviter's points for the colleague (once per colleague, ever), then the fact
            credit_colleague(event.inviter_id, event.colleague_id, event.occurred_at)
        found = fact_of(event)
        if found is None:
            return "no fact"
        recorded = programme.record(*found)
        return "moved" if recorded is not None and recorded.transition is not None else "recorded"

    return batch_recorder(
        bodies,
        parse=parse_message,
        prefetch=lambda _events: None,
        record=record,
        rejected=("rejected a programme message", "ProgrammeRejected"),
    )

"""Record candidate events into application states, exactly, whatever the redelivery or order:
merge, decide, count the difference, keep the reward ledger, announce the decision.

Per event (``ApplicationReceived``, ``CandidateStageChanged``, ``CandidateHired``,
``CandidateUnhired``, ``ApplicationRejected``), for the state of its candidate and job
(:func:`kring.attribution.rules.state_key`):

1. read the stored state (one consistent BatchGetItem for the whole SQS batch) and merge the
   event's facts into it (:mod:`kring.attribution.rules`: commutative, associative, idempotent);
2. when what the decision reads changed (evidence, application time, post and job ids), look up
   click records, share links, ambassador profiles and e-mail pointers, vacancies (BatchGetItem,
   for the whole batch at once where it can) and decide again; a redelivered event reads the
   state only;
3. plan the counters the new state deserves and commit ``new - counted`` in one
   TransactWriteItems with the state's Put (conditional on the version read), the aliases of new
   application ids, the reward ledger entries and the late-click registrations; nothing at all
   when nothing changed. A cancelled transaction means someone else wrote first: re-read and plan
   again (bounded, with backoff), then :class:`~kring.errors.TransientError` so SQS retries;
4. when the decision differs from the last one announced, put ``ApplicationAttributed`` on the
   bus, then record it as announced: a failed publish is retried by the redelivery.

**Late clicks.** A click token whose click record does not exist yet (the click recorder lagging,
or its message redriven from a DLQ) cannot be credited when the application is decided. The
application's transaction then also checks that the record is still missing and adds the state
to the token's click-wait item; a person's ``LinkClicked`` reaches this function too (the rule
leaves bots' clicks out: they never earn credit), and once the click
record exists (read first), the wait item (read after) names every application to decide again.
If the record is not there yet when the click's event arrives, the click marks the wait item
instead, which makes a later application's registration fail (so it re-reads and waits for the
record) and returns the applications that registered before it (so the event is retried until
the record exists). Either side sees the other; neither needs a clock.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Literal

from aws_lambda_powertools.metrics import MetricUnit

from kring import config, safe_json
from kring.attribution.entities import ClickFact, Contribution, Decision, Facts, Reward, RewardPlan
from kring.attribution.rules import (
    Lookups,
    contribution,
    decide,
    difference,
    facts_of,
    plan_rewards,
    reward_id,
    shard_of,
    state_key,
    unresolved_tokens,
)
from kring.clicks.counting import retained_until
from kring.dal import ambassadors as ambassador_items
from kring.dal import attribution_states, batch, keys, points, share_links
from kring.dal import rewards as reward_items
from kring.dal.attribution_states import AttributionStateRepository, Commit, RewardWrite, StoredState
from kring.dal.items import ItemKey, key_of
from kring.dal.transact import Outcome
from kring.dal.vacancies import VacancyRepository
from kring.errors import TransientError
from kring.events import (
    CANDIDATE_EVENTS,
    ApplicationAttributed,
    CandidateEvent,
    Envelope,
    LinkClicked,
    parse_envelope,
)
from kring.integrations.eventbridge import EventPublisher, default_publisher
from kring.links import identity
from kring.models.common import AttributionModel
from kring.models.points import PointsWrite
from kring.models.vacancy import vacancy_id
from kring.observability import logger, metrics
from kring.points import ledger
from kring.queues import batch_recorder

MAX_ATTEMPTS = 6

AttributionInput = CandidateEvent | LinkClicked
Recorded = Literal["recorded", "unchanged", "flagged", "reconsidered", "nothing_waiting"]

_INPUTS: tuple[type[AttributionInput], ...] = (*CANDIDATE_EVENTS, LinkClicked)


def parse_message(body: str) -> AttributionInput:
    """A CandidateEventsQueue message (the EventBridge envelope of a candidate event or of
    ``LinkClicked``) as its event; :class:`~kring.errors.InvalidInputError` when it can never be one."""
    return safe_json.parse(body, _attribution_input, invalid="not a candidate event or click")


def _attribution_input(data: object) -> AttributionInput:
    envelope: Envelope[AttributionInput] = parse_envelope(data, *_INPUTS)
    return envelope.detail


@dataclass(frozen=True)
class Settings:
    window_days: int
    model: AttributionModel
    plan: RewardPlan

    @classmethod
    def from_config(cls) -> Settings:
        attribution, rewards = config.attribution(), config.rewards()
        return cls(
            window_days=attribution.attribution_window_days,
            model=attribution.attribution_model,
            plan=RewardPlan(
                amount=rewards.reward_amount,
                currency=rewards.reward_currency,
                holding_days=rewards.reward_holding_days,
            ),
        )


class AttributionRecorder:
    """Records the events of one batch; holds what it has read and written for that batch."""

    def __init__(
        self,
        publisher: EventPublisher | None = None,
        *,
        settings: Settings | None = None,
        sleep: Callable[[float], None] = time.sleep,
        states: AttributionStateRepository | None = None,
    ) -> None:
        self._states = states or AttributionStateRepository()
        self._publisher = publisher
        self._settings = settings
        self._sleep = sleep
        self._items: dict[ItemKey, dict[str, object] | None] = {}
        self._job_vacancies: dict[tuple[str, str], tuple[str, ...]] = {}
        self._vacancies = VacancyRepository()

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            self._settings = Settings.from_config()
        return self._settings

    @property
    def publisher(self) -> EventPublisher:
        if self._publisher is None:
            self._publisher = default_publisher()
        return self._publisher

    # ------------------------------------------------------------------------------ reads
    def _load(self, wanted: Iterable[keys.Key]) -> None:
        """Read (one consistent BatchGetItem a hundred keys) what is not read yet."""
        missing = [k for k in wanted if key_of(k) not in self._items]
        if not missing:
            return
        found = self._states.read(missing)
        for key in missing:
            self._items[key_of(key)] = found.get(key_of(key))

    def _item(self, key: keys.Key) -> Mapping[str, object] | None:
        self._load([key])
        return self._items[key_of(key)]

    def _state(self, key: keys.Key) -> StoredState | None:
        item = self._item(key)
        return attribution_states.from_item(item) if item else None

    def _remember(self, key: keys.Key, state: StoredState) -> None:
        self._items[key_of(key)] = attribution_states.to_item(key, state)

    def prefetch(self, inputs: Sequence[AttributionInput]) -> None:
        """Read what ``inputs`` depend on up front: the states and the click records (one
        request), the click-wait items of recorded clicks (a second, after the records — the
        order the late-click handshake needs) with the states they name, and the lookups of the
        events whose decision inputs change (one or two more)."""
        candidates = [e for e in inputs if not isinstance(e, LinkClicked)]
        clicks = [e for e in inputs if isinstance(e, LinkClicked)]
        self._load([*(state_key(e) for e in candidates), *(keys.click(c.click_id) for c in clicks)])
        recorded = [c for c in clicks if self._items.get(key_of(keys.click(c.click_id)))]
        self._load(keys.click_wait(c.click_id) for c in recorded)
        waiting = {
            pk for c in recorded for pk in attribution_states.waiting_states(self._wait_item(c.click_id))
        }
        self._load(attribution_states.state_key(pk) for pk in sorted(waiting))
        changing: list[tuple[Facts, Mapping[str, ClickFact]]] = []
        for event in candidates:
            stored = self._state(state_key(event))
            incoming = facts_of(event)
            if stored is None or stored.decision is None:
                changing.append((incoming, {}))
            else:
                merged = stored.facts.merge(incoming)
                if merged.decision_inputs() != stored.facts.decision_inputs():
                    changing.append((merged, stored.clicks))
        for pk in sorted(waiting):
            stored = self._state(attribution_states.state_key(pk))
            if stored is not None:
                changing.append((stored.facts, stored.clicks))
        self._load(k for facts, known in changing for k in _first_round(facts, known))
        self._load(
            k
            for facts, known in changing
            for k in self._second_round(facts, self._found_clicks(facts, known))
        )

    def _wait_item(self, token: str) -> Mapping[str, object] | None:
        return self._items.get(key_of(keys.click_wait(token)))

    def _found_clicks(self, facts: Facts, known: Mapping[str, ClickFact]) -> dict[str, ClickFact]:
        out = dict(known)
        for token in unresolved_tokens(facts, known):
            record = self._items.get(key_of(keys.click(token)))
            if record:
                out[token] = attribution_states.click_fact(record)
        return out

    def _second_round(self, facts: Facts, clicks: Mapping[str, ClickFact]) -> list[keys.Key]:
        """Profiles whose e-mail hash a decision may need: the ambassadors that e-mail pointers
        name, and, when the candidate's own e-mail hash is known (self-referral), the ambassadors
        of the clicks and share links."""
        ambassadors: set[str] = set()
        for email_hash in facts.evidence.referrer_email_hashes:
            target = ambassador_items.pointer_target(
                self._items.get(key_of(keys.ambassador_email(email_hash)))
            )
            if target:
                ambassadors.add(target)
        if facts.evidence.candidate_email_hashes:
            ambassadors.update(c.ambassador_id for t, c in clicks.items() if t in facts.evidence.click_tokens)
            for code in facts.evidence.share_codes:
                link = self._items.get(key_of(keys.share_link(code)))
                if link:
                    ambassadors.add(share_links.parties_of(link)[0])
        return [keys.ambassador(a) for a in sorted(ambassadors)]

    def _look_up(
        self, facts: Facts, known: Mapping[str, ClickFact]
    ) -> tuple[Lookups, dict[str, ClickFact], tuple[str, ...]]:
        """The lookups of a decision, the click records found (known ones are not read again: a
        click record never changes), and the tokens still without a record."""
        self._load(_first_round(facts, known))
        clicks = self._found_clicks(facts, known)
        missing = unresolved_tokens(facts, clicks)
        self._load(self._second_round(facts, clicks))
        evidence = facts.evidence
        links = {}
        for code in evidence.share_codes:
            link = self._items[key_of(keys.share_link(code))]
            if link:
                links[code] = attribution_states.link_fact(code, link)
        pointers = {}
        for email_hash in evidence.referrer_email_hashes:
            target = ambassador_items.pointer_target(self._items[key_of(keys.ambassador_email(email_hash))])
            if target:
                pointers[email_hash] = target
        ambassadors: dict[str, str | None] = {}
        for key in [
            *(keys.ambassador(e) for e in evidence.referrer_employee_ids),
            *self._second_round(facts, clicks),
        ]:
            profile = self._items.get(key_of(key))
            if profile:
                email = ambassador_items.email_of(profile)
                ambassadors[keys.ambassador_id_from(key["pk"])] = (
                    identity.email_hash(email) if email else None
                )
        post_vacancies = {
            post: vacancy_id(facts.provider, post)
            for post in facts.post_ids
            if self._items[key_of(keys.vacancy(vacancy_id(facts.provider, post)))]
        }
        lookups = Lookups(
            clicks={t: c for t, c in clicks.items() if t in evidence.click_tokens},
            links=links,
            ambassadors=ambassadors,
            email_pointers=pointers,
            post_vacancies=post_vacancies,
        )
        return lookups, clicks, missing

    def _vacancies_of_job(self, provider: str, job_id: str) -> tuple[str, ...]:
        if (provider, job_id) not in self._job_vacancies:
            self._job_vacancies[(provider, job_id)] = self._vacancies.ids_of_job(provider, job_id)
        return self._job_vacancies[(provider, job_id)]

    def _decide(self, facts: Facts, lookups: Lookups) -> Decision:
        settings = self.settings
        decision = decide(facts, lookups, window_days=settings.window_days, model=settings.model)
        if decision.vacancy_id is None and facts.job_ids:
            # only now, and only for an application no click or link placed: one Query per job
            jobs = {j: self._vacancies_of_job(facts.provider, j) for j in facts.job_ids}
            decision = decide(
                facts,
                replace(lookups, job_vacancies=jobs),
                window_days=settings.window_days,
                model=settings.model,
            )
        return decision

    # ------------------------------------------------------------------------------ recording
    def record(self, event: CandidateEvent) -> Recorded:
        """Merge one candidate event into its state (see the module docstring)."""
        return self._settle(
            state_key(event), facts_of(event), force=False, correlation_id=event.correlation_id
        )

    def click(self, event: LinkClicked) -> Recorded:
        """The click's side of the late-click handshake (see the module docstring)."""
        token = event.click_id
        if self._item(keys.click(token)) is None:
            waiting = self._states.flag_click(
                token, retained_until(event.occurred_at, self.settings.window_days)
            )
            if waiting:
                raise TransientError(f"{len(waiting)} application(s) await a click that is not recorded yet")
            return "flagged"
        waiting = attribution_states.waiting_states(self._item(keys.click_wait(token)))
        for pk in waiting:
            self._settle(
                attribution_states.state_key(pk), None, force=True, correlation_id=event.correlation_id
            )
        if waiting:
            metrics.add_metric(name="LateClicksApplied", unit=MetricUnit.Count, value=1)
            return "reconsidered"
        return "nothing_waiting"

    def _settle(self, key: keys.Key, incoming: Facts | None, *, force: bool, correlation_id: str) -> Recorded:
        for attempt in range(MAX_ATTEMPTS):
            stored = self._state(key)
            if stored is None and incoming is None:
                return "nothing_waiting"  # a wait item never names a state that does not exist
            if stored is None:
                assert incoming is not None
                facts = incoming
            else:
                facts = stored.facts.merge(incoming) if incoming is not None else stored.facts
            plan = self._plan(key, stored, facts, force=force)
            if stored is not None and plan.state.same_as(stored):
                outcome: Recorded = "unchanged"
                current = stored
            else:
                if self._states.commit(plan) is Outcome.CONFLICT:
                    metrics.add_metric(name="AttributionConflicts", unit=MetricUnit.Count, value=1)
                    batch.backoff(attempt, self._sleep)
                    self._items.clear()  # re-read everything this plan was made from
                    continue
                self._remember(key, plan.state)
                for period_write in plan.points:
                    main, _ = points.to_items(period_write)
                    self._items[key_of(main)] = main
                for write in plan.rewards:  # read again if needed: the ledger just changed
                    self._items.pop(key_of(keys.reward(write.reward.ambassador_id, write.reward_id)), None)
                current = plan.state
                outcome = "recorded"
            self._announce(key, current, correlation_id)
            return outcome
        raise TransientError(f"an application state kept changing after {MAX_ATTEMPTS} attempts")

    def _plan(self, key: keys.Key, stored: StoredState | None, facts: Facts, *, force: bool) -> Commit:
        settings = self.settings
        clicks = dict(stored.clicks) if stored else {}
        decision = stored.decision if stored else None
        waiting = stored.waiting if stored else ()
        new_waits: tuple[str, ...] = ()
        if (
            decision is None
            or force
            or stored is None
            or stored.facts.decision_inputs() != facts.decision_inputs()
        ):
            lookups, clicks, missing = self._look_up(facts, clicks)
            decision = self._decide(facts, lookups)
            new_waits = tuple(t for t in missing if t not in waiting)
            waiting = tuple(sorted({*waiting, *new_waits}))
        written: Mapping[str, Reward] = stored.rewards if stored else {}
        rewards = plan_rewards(facts, decision, settings.plan, written)
        counted = contribution(facts, decision, shard_of(key), rewards)
        state = StoredState(
            facts=facts,
            decision=decision,
            clicks=clicks,
            counted=counted,
            rewards=rewards,
            waiting=waiting,
            announced=stored.announced if stored else None,
            version=(stored.version if stored else 0) + 1,
        )
        if stored is not None and state.same_as(stored):
            return Commit(key=key, state=state, expected_version=stored.version)
        increments = difference(counted, stored.counted if stored else {})
        return Commit(
            key=key,
            state=state,
            expected_version=stored.version if stored else None,
            new_aliases=tuple(
                a for a in facts.application_ids if stored is None or a not in stored.facts.application_ids
            ),
            new_waits=new_waits,
            wait_expires_at=retained_until(facts.applied_at, settings.window_days),
            increments=increments,
            rewards=self._reward_writes(key, facts, rewards, written),
            points=self._point_writes(increments),
        )

    def _point_writes(self, increments: Contribution) -> tuple[PointsWrite, ...]:
        """The credited ambassadors' period items of points, as the increments change their
        applications, interviews and hires (:func:`kring.points.ledger.earned_by_attribution`);
        read (one BatchGetItem) with their profiles and the weights, only when there are any."""
        earned = ledger.earned_by_attribution(increments)
        if not earned:
            return ()
        ambassadors = sorted({e.ambassador_id for e in earned})
        self._load(
            [
                keys.programme_settings(),
                *(keys.ambassador(a) for a in ambassadors),
                *(k for e in earned for k in ledger.period_keys(e.ambassador_id, e.day)),
            ]
        )
        return ledger.apply_many(
            earned,
            lambda ambassador_id, period: points.from_item(
                ambassador_id, period, self._items.get(key_of(keys.ambassador_points(ambassador_id, period)))
            ),
            lambda ambassador_id: ledger.profile_of(self._items.get(key_of(keys.ambassador(ambassador_id)))),
            ledger.weights_of(self._items.get(key_of(keys.programme_settings()))),
        )

    def _reward_writes(
        self, key: keys.Key, facts: Facts, rewards: Mapping[str, Reward], written: Mapping[str, Reward]
    ) -> tuple[RewardWrite, ...]:
        """The entries that change, each with the ledger's current status (read now)."""
        changed = [a for a in sorted(rewards) if written.get(a) != rewards[a]]
        if not changed:
            return ()
        entry = reward_id(key)
        self._load(keys.reward(a, entry) for a in changed)
        return tuple(
            RewardWrite(
                reward=rewards[a],
                reward_id=entry,
                provider=facts.provider,
                seen_status=reward_items.status_of(self._items[key_of(keys.reward(a, entry))]),
            )
            for a in changed
        )

    def _announce(self, key: keys.Key, state: StoredState, correlation_id: str) -> None:
        """Publish the decision if it is not the one announced last, then record it as announced
        (conditional on the version, so a concurrent writer's newer decision is not hidden)."""
        decision = state.decision
        if decision is None:
            return
        announcement = decision.announcement()
        if state.announced == announcement:
            return
        facts = state.facts
        self.publisher.publish(
            [
                ApplicationAttributed(
                    correlation_id=correlation_id,
                    provider=facts.provider,
                    application_id=facts.application_id,
                    vacancy_id=decision.vacancy_id,
                    method=decision.method,
                    ambassador_id=decision.ambassador_id,
                    channel=decision.channel,
                    click_token=decision.click_token,
                    clicked_at=decision.clicked_at,
                )
            ]
        )
        metrics.add_metric(name="ApplicationsAttributed", unit=MetricUnit.Count, value=1)
        logger.info(
            "application attributed",
            extra={
                "provider": facts.provider,
                "application_id": facts.application_id,
                "method": decision.method,
                "ambassador_id": decision.ambassador_id,
                "channel": decision.channel,
            },
        )
        if self._states.mark_announced(key, state.version, announcement):
            self._remember(key, replace(state, announced=announcement, version=state.version + 1))
        else:
            self._items.pop(key_of(key), None)


def _first_round(facts: Facts, known: Mapping[str, ClickFact] | None = None) -> list[keys.Key]:
    """What a decision reads first: click records not known yet, share links, the referrers'
    profiles and e-mail pointers, the vacancies of the posts."""
    evidence = facts.evidence
    return [
        *(keys.click(t) for t in unresolved_tokens(facts, known or {})),
        *(keys.share_link(c) for c in evidence.share_codes),
        *(keys.ambassador(e) for e in evidence.referrer_employee_ids),
        *(keys.ambassador_email(h) for h in evidence.referrer_email_hashes),
        *(keys.vacancy(vacancy_id(facts.provider, p)) for p in facts.post_ids),
    ]


def message_recorder(
    bodies: Mapping[str, str], recorder: AttributionRecorder | None = None
) -> Callable[[str], str]:
    """One SQS batch (message id → body): parse every message, read what the valid ones depend
    on in one go, and return the function that records one of them by its message id. It raises
    the message's :class:`~kring.errors.InvalidInputError` (logged, counted as ``AttributionRejected``) for a
    message that is not a candidate event or click, and :class:`TransientError` when it keeps
    conflicting or waits for a click record, so the message alone is retried and, in the end,
    parked."""
    record_input = recorder or AttributionRecorder()

    def record(event: AttributionInput) -> str:
        return record_input.click(event) if isinstance(event, LinkClicked) else record_input.record(event)

    return batch_recorder(
        bodies,
        parse=parse_message,
        prefetch=record_input.prefetch,
        record=record,
        rejected=("rejected an attribution message", "AttributionRejected"),
    )

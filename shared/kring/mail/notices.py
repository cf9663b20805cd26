"""The outcome notices: a short mail to an ambassador when a candidate they brought is hired
(``hire_notice``), and when the reward for such a hire becomes payable (``reward_eligible``).
Nothing about the candidate is in either: the vacancy's title, the day, the amount.

Triggers (neither existed before the mail; both are the smallest that are correct):

- **Hired.** A hire notice needs two things that come in either order: the hire, and the credit
  to an ambassador. So it has two triggers, and whichever finds both sends it: MailHireRule puts
  every ``CandidateHired`` on MailQueue as it is, MailCreditRule every ``ApplicationAttributed``
  (attribution announces a new or changed credit after it committed it). The sender reads the
  application's state (:func:`hire_job`, :func:`credit_jobs`): when attribution has recorded the
  hire and credits an ambassador, that is a ``hire_notice`` job for them, once per application
  state (the period key is the state's reward id), and the sender's once-only claim makes the
  second trigger, and any redelivery of either, send nothing more. A ``CandidateHired`` that
  attribution has not recorded yet is retried (:class:`TransientError`); a hire nobody is
  credited for yet, or one taken back, sends nothing (a credit that comes later is its own
  trigger); an ``ApplicationAttributed`` of an application not hired sends nothing (the hire,
  when it comes, is). A credit that moves to another ambassador after the hire tells that one
  too: the notice is per ambassador and application.
- **Reward eligible.** "Eligible" is derived on read (pending, and ``eligible_at`` passed; see
  :mod:`kring.attribution.rewards`): nothing happens when a reward becomes eligible. A daily
  schedule runs the planner for ``reward_eligible`` (:func:`plan_reward_eligible`): one Query of
  the reward list (gsi1, in order of the hire) for the hires whose holding period ended in the last
  :data:`ELIGIBLE_LOOKBACK` days, a job for each entry still pending; the once-only marker (per
  reward id) keeps a reward to one mail however many runs see it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from kring import config
from kring.attribution.rules import reward_id, state_key
from kring.dal import attribution_states, keys
from kring.dal.attribution_states import AttributionStateRepository, StoredState
from kring.dal.mail_preferences import MailPreferences
from kring.dal.rewards import RewardRepository
from kring.dal.vacancies import VacancyRepository
from kring.errors import TransientError
from kring.events import ApplicationAttributed, CandidateHired
from kring.mail.i18n import Translator
from kring.mail.kinds import Composed, MailKind, PlanRun, Recipient, register
from kring.queues import MailJob, MailTrigger

HIRE_NOTICE = "hire_notice"
REWARD_ELIGIBLE = "reward_eligible"
ELIGIBLE_LOOKBACK = timedelta(days=7)


@dataclass(frozen=True)
class HireNotice:
    vacancy_title: str | None
    hired_on: date


@dataclass(frozen=True)
class RewardEligibleNotice:
    amount: Decimal
    currency: str
    eligible_on: date


def _wants_outcomes(preferences: MailPreferences, _job: MailJob) -> bool:
    return preferences.outcome_notices


# --- hired ---------------------------------------------------------------------------------------
def notice_jobs(trigger: MailTrigger) -> list[MailJob]:
    """The hire notices a trigger on MailQueue calls for (none, usually one)."""
    if isinstance(trigger, CandidateHired):
        job = hire_job(trigger)
        return [job] if job is not None else []
    return credit_jobs(trigger)


def hire_job(event: CandidateHired) -> MailJob | None:
    """The hire notice a ``CandidateHired`` calls for, from the application's state as attribution
    recorded it: ``None`` when nobody is credited or the hire was taken back."""
    key = state_key(event)
    state = AttributionStateRepository().get_state(key)
    if state is None or state.facts.hired_at is None:
        raise TransientError("attribution has not recorded this hire yet")
    return _hire_notice(key, state, event.correlation_id)


def credit_jobs(event: ApplicationAttributed) -> list[MailJob]:
    """The hire notices an ``ApplicationAttributed`` calls for: none unless it credits someone;
    else, for each state of the application (its alias: one GetItem; usually one state, one more
    read), the notice of a state that is hired and credited now. Attribution commits the state
    before it announces it, so the state is there; an announcement older than the state's
    current decision mails whom the state credits now."""
    if not event.ambassador_id:
        return []
    repository = AttributionStateRepository()
    pks = repository.states_of_application(event.provider, event.application_id)
    if not pks:
        return []
    jobs = []
    for pk, state in sorted(repository.get_states(pks).items()):
        job = _hire_notice(attribution_states.state_key(pk), state, event.correlation_id)
        if job is not None:
            jobs.append(job)
    return jobs


def _hire_notice(key: keys.Key, state: StoredState, correlation_id: str | None) -> MailJob | None:
    """The hire notice of a state: hired now and crediting an ambassador, or ``None``."""
    if state.facts.hired_at is None or not state.facts.hired:
        return None
    if state.decision is None or not state.decision.ambassador_id:
        return None
    params = {"hired_at": state.facts.hired_at.astimezone(UTC).isoformat()}
    if state.decision.vacancy_id:
        title = VacancyRepository().title_of(state.decision.vacancy_id)
        if title:
            params["vacancy_title"] = title[:200]
    return MailJob(
        kind=HIRE_NOTICE,
        recipient=state.decision.ambassador_id,
        period_key=reward_id(key),
        params=params,
        correlation_id=correlation_id,
    )


def compose_hire(job: MailJob, _recipient: Recipient, t: Translator) -> Composed:
    hired_at = datetime.fromisoformat(job.params["hired_at"])
    notice = HireNotice(
        vacancy_title=job.params.get("vacancy_title") or None,
        hired_on=hired_at.astimezone(t.zone).date(),
    )
    return Composed(subject=t("hire_notice.subject"), mail=notice)


# --- reward eligible ------------------------------------------------------------------------------
def plan_reward_eligible(run: PlanRun) -> Iterator[MailJob]:
    """The rewards whose holding period ended in the last week and that are still pending."""
    now = run.scheduled_at
    holding = timedelta(days=config.mail().reward_holding_days)
    for entry in RewardRepository().hired_between(now - holding - ELIGIBLE_LOOKBACK, now - holding):
        if entry.status != "pending" or not (now - ELIGIBLE_LOOKBACK < entry.eligible_at <= now):
            continue
        yield MailJob(
            kind=REWARD_ELIGIBLE,
            recipient=entry.ambassador_id,
            period_key=entry.reward_id,
            params={
                "amount": str(entry.amount),
                "currency": entry.currency,
                "eligible_at": entry.eligible_at.astimezone(UTC).isoformat(),
            },
        )


def compose_reward_eligible(job: MailJob, _recipient: Recipient, t: Translator) -> Composed:
    eligible_at = datetime.fromisoformat(job.params["eligible_at"])
    notice = RewardEligibleNotice(
        amount=Decimal(job.params["amount"]),
        currency=job.params["currency"],
        eligible_on=eligible_at.astimezone(t.zone).date(),
    )
    return Composed(subject=t("reward_eligible.subject"), mail=notice)


register(
    MailKind(
        name=HIRE_NOTICE,
        template="hire_notice",
        audience="ambassador",
        topic="outcomes",
        compose=compose_hire,
        wanted=_wants_outcomes,
    )
)
register(
    MailKind(
        name=REWARD_ELIGIBLE,
        template="reward_eligible",
        audience="ambassador",
        topic="outcomes",
        compose=compose_reward_eligible,
        wanted=_wants_outcomes,
        plan=plan_reward_eligible,
    )
)

"""The outcome notices: a short mail to an ambassador when a candidate they brought is hired
(``hire_notice``), and when the reward for such a hire becomes payable (``reward_eligible``).
Nothing about the candidate is in either: the vacancy's title, the day, the amount.

Triggers (neither existed before the mail; both are the smallest that are correct):

- **Hired.** MailHireRule puts every ``CandidateHired`` on MailQueue as it is. The sender reads the
  application's state (:func:`hire_job`): once attribution has recorded the hire and credited an
  ambassador, that is a ``hire_notice`` job for them, once per application state (the period key
  is the state's reward id); while attribution has not recorded it yet, the message is retried
  (:class:`TransientError`); a hire nobody is credited for, or one taken back, sends nothing.
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
from kring.dal.attribution_states import AttributionStateRepository
from kring.dal.mail_preferences import MailPreferences
from kring.dal.rewards import RewardRepository
from kring.dal.vacancies import VacancyRepository
from kring.errors import TransientError
from kring.events import CandidateHired
from kring.mail.i18n import Translator
from kring.mail.kinds import Composed, MailKind, PlanRun, Recipient, register
from kring.queues import MailJob

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
def hire_job(event: CandidateHired) -> MailJob | None:
    """The hire notice a ``CandidateHired`` calls for, from the application's state as attribution
    recorded it: ``None`` when nobody is credited or the hire was taken back."""
    key = state_key(event)
    state = AttributionStateRepository().get_state(key)
    if state is None or state.facts.hired_at is None:
        raise TransientError("attribution has not recorded this hire yet")
    if not state.facts.hired or state.decision is None or not state.decision.ambassador_id:
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
        correlation_id=event.correlation_id,
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

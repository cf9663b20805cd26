"""The "new vacancy, now" notice as a mail kind (``vacancy_notice``): the gathering of
:mod:`kring.mail.instant` put through the mail platform.

- **Gather and schedule** (:func:`on_shares_created`; MailInstantFunction, on every
  ``SharesCreated``, through MailInstantQueue so that a parked one keeps its event id): the
  announced ambassadors who chose instant notices (their preferences, one BatchGetItem a hundred)
  gather the vacancy; each batch the announcement opened becomes one
  ``vacancy_notice`` job (its period key is the batch id: the once-only key) on MailQueue, delayed
  by ``INSTANT_NOTICE_DELAY_SECONDS`` (SQS ``DelaySeconds``; the template's
  InstantNoticeDelaySeconds, 300 by default; 20 on the local stack) so that a burst of
  publications rides along in one mail.
- **Wanted**: the ambassador chose instant notices (``instant_vacancies``); the mail's unsubscribe
  link turns exactly that off (topic ``instant``).
- **Compose** (:func:`compose_vacancy_notice`): :func:`~kring.mail.instant.take_instant_notice` —
  the batch's vacancies still open, each with the ambassador's share buttons and tracked link;
  ``None`` (settled before, or everything closed since) sends nothing.
- **Settle** (:func:`settle_vacancy_notice`, after the send or when nothing was sent):
  :func:`~kring.mail.instant.settle_instant_notice`; the next batch it answers (vacancies gathered
  while this one was mailed) is scheduled as the first was. A job skipped before composing (the
  ambassador turned instant notices off, their address is suppressed) takes its batch first, so
  what it gathered is dropped rather than gathered into a batch that would come back forever.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from kring import config
from kring.dal.mail_preferences import MailPreferences, choosing_instant
from kring.events import Envelope, SharesCreated
from kring.integrations.sqs import SqsMailQueue
from kring.mail.digests import share_labels
from kring.mail.i18n import Translator
from kring.mail.instant import (
    InstantBatch,
    InstantNotice,
    discard_instant_notice,
    gather,
    settle_instant_notice,
    take_instant_notice,
)
from kring.mail.kinds import Composed, MailKind, Recipient, register
from kring.mail.planner import JobQueue
from kring.queues import MailJob

VACANCY_NOTICE = "vacancy_notice"


@dataclass(frozen=True)
class VacancyNoticeMail:
    """What the templates show: the notice, and each network's share button label."""

    notice: InstantNotice
    share_labels: dict[str, str]


def _queue() -> JobQueue:
    return SqsMailQueue(delay_seconds=config.mail().instant_notice_delay_seconds)


def schedule(
    batches: Iterable[InstantBatch], *, correlation_id: str | None, queue: JobQueue | None = None
) -> int:
    """One delayed ``vacancy_notice`` job per batch on MailQueue; how many."""
    jobs = (
        MailJob(
            kind=VACANCY_NOTICE,
            recipient=b.ambassador_id,
            period_key=b.batch_id,
            correlation_id=correlation_id,
        ).model_dump_json(exclude_defaults=True)
        for b in batches
    )
    return (queue or _queue()).enqueue_jobs(jobs)


def on_shares_created(
    envelope: Envelope[SharesCreated], *, now: datetime, queue: JobQueue | None = None
) -> int:
    """Gather an announcement for those who chose instant notices; schedule the batches it opened
    (see the module docstring). A redelivered announcement schedules the same jobs again: the
    sender's once-only claim sends each mail once."""
    batches = gather(envelope.detail, envelope.id, wants_instant=choosing_instant, now=now)
    return schedule(batches, correlation_id=envelope.detail.correlation_id, queue=queue)


def _wants_instant(preferences: MailPreferences, _job: MailJob) -> bool:
    return preferences.instant_vacancies


def compose_vacancy_notice(job: MailJob, recipient: Recipient, t: Translator) -> Composed | None:
    notice = take_instant_notice(recipient, job.period_key)
    if notice is None:
        return None
    if len(notice.vacancies) == 1:
        subject = t("vacancy_notice.subject_one", title=notice.vacancies[0].title)
    else:
        subject = t("vacancy_notice.subject", count=t.number(len(notice.vacancies)))
    return Composed(
        subject=subject,
        mail=VacancyNoticeMail(notice=notice, share_labels=share_labels(t)),
    )


def settle_vacancy_notice(job: MailJob, composed: bool, *, queue: JobQueue | None = None) -> None:
    """Close the job's batch and schedule the next one, if it opened one (see the module docstring)."""
    if not composed:
        discard_instant_notice(job.recipient, job.period_key)
    following = settle_instant_notice(job.recipient, job.period_key)
    if following is not None:
        schedule([following], correlation_id=job.correlation_id, queue=queue)


register(
    MailKind(
        name=VACANCY_NOTICE,
        template=VACANCY_NOTICE,
        audience="ambassador",
        topic="instant",
        compose=compose_vacancy_notice,
        wanted=_wants_instant,
        programme_mail=True,
        settle=settle_vacancy_notice,
    )
)

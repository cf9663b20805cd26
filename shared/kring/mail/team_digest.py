"""The talent-team digest as a mail kind (``team_digest``) and the ``team`` audience.

- **Audience**: a team recipient id (``dal/team_recipients``, managed at ``/api/team/recipients``)
  becomes a :class:`~kring.mail.kinds.Recipient` with its address and locale; a removed one gets
  nothing.
- **Plan** (:func:`plan_team_digest`): the weekly schedule (template.yaml, Monday 08:30 in the
  organisation's time zone) reports on the week before; one job per recipient (one Query).
- **Compose**: :func:`~kring.mail.team_report.build_team_report` for the week, as of the week's
  end (the dead-letter queues' depths are read from ``DEAD_LETTER_QUEUES`` now).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

from kring.dal.mail_preferences import MailPreferences
from kring.dal.team_recipients import TeamRecipientRepository
from kring.errors import InvalidInputError
from kring.mail.i18n import Translator
from kring.mail.kinds import Composed, MailKind, PlanRun, Recipient, register, register_audience
from kring.mail.periods import parse_key, period_ending, zone
from kring.mail.team_report import build_team_report
from kring.queues import MailJob

TEAM_DIGEST = "team_digest"


def team_recipient(recipient_id: str) -> Recipient | None:
    found = TeamRecipientRepository().get(recipient_id)
    if found is None:
        return None
    return Recipient(id=found.id, email=str(found.email), locale=found.locale, name="")


def plan_team_digest(run: PlanRun) -> Iterator[MailJob]:
    week = period_ending("weekly", run.scheduled_at, zone(run.time_zone))
    for recipient in TeamRecipientRepository().all():
        yield MailJob(kind=TEAM_DIGEST, recipient=recipient.id, period_key=week.key)


def _always(_preferences: MailPreferences, _job: MailJob) -> bool:
    return True  # a team recipient who wants no digest is removed (unsubscribe, or the admin API)


def compose_team_digest(job: MailJob, _recipient: Recipient, t: Translator) -> Composed:
    try:
        week = parse_key(job.period_key)
    except ValueError as exc:
        raise InvalidInputError(str(exc)) from exc
    now = min(datetime.now(UTC), week.ends_at(t.zone))
    report = build_team_report(week, now=now)
    return Composed(subject=t("team_digest.subject", start=t.date(week.start)), mail=report)


register_audience("team", team_recipient)
register(
    MailKind(
        name=TEAM_DIGEST,
        template=TEAM_DIGEST,
        audience="team",
        topic="team",
        compose=compose_team_digest,
        wanted=_always,
        plan=plan_team_digest,
    )
)

"""The ambassador digest as a mail kind (``ambassador_digest``): the content of
:mod:`kring.mail.digest_content` put through the mail platform.

- **Plan** (:func:`plan_ambassador_digest`): a schedule per frequency (weekly Monday 08:30, daily,
  monthly; template.yaml, in the organisation's time zone) runs the planner with its
  ``frequency``; the run reports on the last complete period (:func:`kring.mail.periods.period_ending`)
  and pages through that frequency's recipients (:func:`kring.dal.mail_preferences.digest_recipients`,
  Query), one job each, keyed by the period (``weekly:2026-W49``): the once-only key.
- **Wanted**: the ambassador's digest frequency is the period's (a weekly run reads every
  ambassador; those who chose daily, monthly or off are skipped).
- **Compose** (:func:`compose_ambassador_digest`): the ambassador's profile, then
  :func:`~kring.mail.digest_content.build_ambassador_digest`; ``None`` (nothing new, nothing to
  report) sends no mail and the period counts as done.

Not yet: the "last digest period sent" of the design (a digest lists the vacancies opened in its
period, not since the last digest sent), and the profile is read again by the composer (one
GetItem more than the sender's BatchGetItem).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

from kring.dal.ambassadors import AmbassadorRepository
from kring.dal.mail_preferences import MailPreferences, digest_recipients
from kring.errors import InvalidInputError
from kring.mail import nudges
from kring.mail.digest_content import AmbassadorDigest, DigestSources, build_ambassador_digest
from kring.mail.i18n import Translator
from kring.mail.kinds import Composed, MailKind, PlanRun, Recipient, register
from kring.mail.periods import parse_key, period_ending, zone
from kring.queues import MailJob

AMBASSADOR_DIGEST = "ambassador_digest"

# The networks' names (brands: the same in every language; e-mail is a word, from the catalogue).
NETWORK_NAMES = {"linkedin": "LinkedIn", "x": "X", "facebook": "Facebook", "whatsapp": "WhatsApp"}

# The counters the digest shows, in order, with their catalogue ids (``digest.activity.<name>``).
ACTIVITY_ROWS = (
    "share_intents",
    "clicks",
    "applications",
    "interviews",
    "hires",
    "rewards_pending",
    "rewards_eligible",
)


@dataclass(frozen=True)
class DigestMail:
    """What the templates show: the content, its nudge in the reader's words, the rows."""

    digest: AmbassadorDigest
    nudge: str
    rows: list[tuple[str, int, int]]  # (counter, this period, the period before)
    last_day: date  # the period's last local date
    networks: dict[str, str]  # each network's name as the button says it


def plan_ambassador_digest(run: PlanRun) -> Iterator[MailJob]:
    if run.frequency is None:
        raise InvalidInputError("an ambassador digest run needs its frequency")
    period = period_ending(run.frequency, run.scheduled_at, zone(run.time_zone))
    for ambassador_id in digest_recipients(run.frequency):
        yield MailJob(kind=AMBASSADOR_DIGEST, recipient=ambassador_id, period_key=period.key)


def _wants_digest(preferences: MailPreferences, job: MailJob) -> bool:
    return preferences.digest_frequency == job.period_key.partition(":")[0]


def compose_ambassador_digest(job: MailJob, recipient: Recipient, t: Translator) -> Composed | None:
    try:
        period = parse_key(job.period_key)
    except ValueError as exc:
        raise InvalidInputError(str(exc)) from exc
    ambassador = AmbassadorRepository().get(recipient.id)
    if ambassador is None:
        return None
    sources = DigestSources(tz=t.zone, now=period.ends_at(t.zone))
    digest = build_ambassador_digest(ambassador.model_copy(update={"locale": t.locale}), period, sources)
    if digest is None:
        return None
    rows = [
        (name, int(getattr(digest.activity, name)), int(getattr(digest.activity_before, name)))
        for name in ACTIVITY_ROWS
    ]
    nudge = nudges.text(digest.nudge, t.locale, t.number)
    new = len(digest.new_vacancies) + digest.more_new_vacancies
    subject = t.plural("ambassador_digest.subject_new", new) if new else t("ambassador_digest.subject")
    return Composed(
        subject=subject,
        mail=DigestMail(
            digest=digest,
            nudge=nudge,
            rows=rows,
            last_day=period.last_day,
            networks={**NETWORK_NAMES, "email": t("network.email")},
        ),
    )


register(
    MailKind(
        name=AMBASSADOR_DIGEST,
        template=AMBASSADOR_DIGEST,
        audience="ambassador",
        topic="digest",
        compose=compose_ambassador_digest,
        wanted=_wants_digest,
        plan=plan_ambassador_digest,
    )
)

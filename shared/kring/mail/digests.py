"""The ambassador digest as a mail kind (``ambassador_digest``): the content of
:mod:`kring.mail.digest_content` put through the mail platform.

- **Plan** (:func:`plan_ambassador_digest`): a schedule per frequency (weekly Monday 08:30, daily,
  monthly; template.yaml, in the organisation's time zone) runs the planner with its
  ``frequency``; the run reports on the last complete period (:func:`kring.mail.periods.period_ending`)
  and pages through that frequency's recipients (:func:`kring.dal.mail_preferences.digest_recipients`,
  Query), one job each, keyed by the period (``weekly:2026-W49``): the once-only key.
- **Wanted**: the ambassador's digest frequency is the period's (a weekly run reads every
  ambassador; those who chose daily, monthly or off are skipped).
- **Since the last digest sent**: the kind has a ``period_end``, so the sender keeps the last
  period sent to each ambassador (:class:`~kring.dal.mail_sends.LastSent`: written in the batch
  write that records the sends, read in the batch read of the recipients — no request of its own;
  a late older period does not move it back) and hands it over as ``recipient.last_sent``. A
  digest lists the vacancies opened from the end of that period to the end of its own; a first
  digest, those of its period. The newest 20 are listed and the rest counted ("and N more").
- **Compose**, per SQS batch (:class:`DigestBatch`, the kind's ``batch``): one
  :class:`~kring.mail.digest_content.DigestSources` per period (the open vacancies, their link
  keys), each recipient's new vacancies worked out from the profile the sender read
  (``recipient.ambassador``: no profile read here), and one BatchGetItem for which of all their
  codes have links; then per digest :func:`~kring.mail.digest_content.build_ambassador_digest`,
  whose only read is the ambassador's counters (one Query). ``None`` (nothing new, nothing to
  report) sends no mail and the period counts as done. A job the sender did not prepare with its
  batch is composed alone (:func:`compose_ambassador_digest`), with the same reads of its own.

Requests per digest in a full SQS batch (``bench/digests.py``): the counters Query and the claim
(PutItem), and a tenth of the batch's recipients read, suppression read, link-key read, link read,
vacancy list Query and record write (BatchWriteItem): under two reads, and one write of its own
besides the send and its share of the batch's record.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from kring import config
from kring.dal.ambassadors import AmbassadorRepository
from kring.dal.mail_preferences import MailPreferences, digest_recipients
from kring.errors import InvalidInputError
from kring.mail import nudges
from kring.mail.digest_content import (
    AmbassadorDigest,
    DigestSources,
    NewVacancies,
    build_ambassador_digest,
    existing_codes,
    new_vacancies,
)
from kring.mail.i18n import Translator
from kring.mail.kinds import Composed, Composer, MailKind, PlanRun, Recipient, register
from kring.mail.periods import Period, parse_key, period_ending, zone
from kring.models.ambassador import Ambassador
from kring.queues import MailJob

AMBASSADOR_DIGEST = "ambassador_digest"

# The networks' names (brands: the same in every language; e-mail is a word, from the catalogue).
NETWORK_NAMES = {"linkedin": "LinkedIn", "x": "X", "facebook": "Facebook", "whatsapp": "WhatsApp"}


def share_labels(t: Translator) -> dict[str, str]:
    """Each network's share button label in the reader's words, made once per mail (not per
    vacancy and button in the template)."""
    names = {**NETWORK_NAMES, "email": t("network.email")}
    return {network: t("vacancy.share_on", network=name) for network, name in names.items()}


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
    share_labels: dict[str, str]  # each network's button label ("Share on LinkedIn")


def plan_ambassador_digest(run: PlanRun) -> Iterator[MailJob]:
    if run.frequency is None:
        raise InvalidInputError("an ambassador digest run needs its frequency")
    period = period_ending(run.frequency, run.scheduled_at, zone(run.time_zone))
    for ambassador_id in digest_recipients(run.frequency):
        yield MailJob(kind=AMBASSADOR_DIGEST, recipient=ambassador_id, period_key=period.key)


def _wants_digest(preferences: MailPreferences, job: MailJob) -> bool:
    return preferences.digest_frequency == job.period_key.partition(":")[0]


def _period(job: MailJob) -> Period:
    try:
        return parse_key(job.period_key)
    except ValueError as exc:
        raise InvalidInputError(str(exc)) from exc


def _period_end(period_key: str) -> datetime:
    """When the period a job reports on ends (the sender keeps the latest one sent)."""
    return parse_key(period_key).ends_at(zone(config.mail().mail_time_zone))


def _last_sent(recipient: Recipient) -> Period | None:
    """The period of the last digest sent to the recipient (None: none yet, or unreadable)."""
    if recipient.last_sent is None:
        return None
    try:
        return parse_key(recipient.last_sent.period_key)
    except ValueError:
        return None


@dataclass
class DigestBatch:
    """The digests of one SQS batch: one :class:`DigestSources` per period (the open vacancies and
    their link keys, read once), each recipient's new vacancies worked out up front, and which of
    all their codes have a link — one BatchGetItem for the whole batch."""

    tz: ZoneInfo
    sources: dict[str, DigestSources] = field(default_factory=dict)
    new: dict[tuple[str, str], NewVacancies] = field(default_factory=dict)  # by (recipient, period key)
    linked: set[str] | None = None  # the codes among ``new`` that have a link

    def sources_of(self, period: Period) -> DigestSources:
        if period.key not in self.sources:
            self.sources[period.key] = DigestSources(tz=self.tz, now=period.ends_at(self.tz))
        return self.sources[period.key]

    def prepare(self, pairs: Sequence[tuple[MailJob, Recipient]]) -> None:
        todo: list[tuple[str, Ambassador, Period, Period | None]] = []
        since: dict[str, datetime] = {}  # by period key: the earliest last digest's end
        for job, recipient in pairs:
            try:
                period = _period(job)
            except InvalidInputError:
                continue  # its own compose says so
            if recipient.ambassador is None:
                continue
            last = _last_sent(recipient)
            todo.append((job.recipient, recipient.ambassador, period, last))
            start = (last or period.previous()).ends_at(self.tz)
            since[period.key] = min(since.get(period.key, start), start)
        for key, start in since.items():  # every link key the batch needs, in one read
            sources = self.sources_of(parse_key(key))
            sources.link_secrets([v.id for v in sources.opened(start, sources.now)])
        for recipient_id, ambassador, period, last in todo:
            self.new[(recipient_id, period.key)] = new_vacancies(
                ambassador, period, self.sources_of(period), last_sent=last
            )
        self.linked = existing_codes(code for n in self.new.values() for code in n.codes.values())

    def compose(self, job: MailJob, recipient: Recipient, t: Translator) -> Composed | None:
        period = _period(job)
        new = self.new.get((job.recipient, period.key))
        linked = self.linked if new is not None else None
        return _compose(job, recipient, t, period, self.sources_of(period), new=new, linked=linked)


def digest_batch(pairs: Sequence[tuple[MailJob, Recipient]]) -> Composer:
    """The composer of one SQS batch's digests (:class:`DigestBatch`)."""
    digests = DigestBatch(tz=zone(config.mail().mail_time_zone))
    digests.prepare(pairs)
    return digests.compose


def compose_ambassador_digest(job: MailJob, recipient: Recipient, t: Translator) -> Composed | None:
    """One digest on its own (a job the sender did not prepare with its batch)."""
    period = _period(job)
    return _compose(job, recipient, t, period, DigestSources(tz=t.zone, now=period.ends_at(t.zone)))


def _compose(
    job: MailJob,
    recipient: Recipient,
    t: Translator,
    period: Period,
    sources: DigestSources,
    *,
    new: NewVacancies | None = None,
    linked: set[str] | None = None,
) -> Composed | None:
    # the profile as the sender read it; a recipient made elsewhere without it: read it here
    ambassador = recipient.ambassador or AmbassadorRepository().get(recipient.id)
    if ambassador is None:
        return None
    digest = build_ambassador_digest(
        ambassador.model_copy(update={"locale": t.locale}),
        period,
        sources,
        last_sent=_last_sent(recipient),
        new=new,
        linked=linked,
    )
    if digest is None:
        return None
    rows = [
        (name, int(getattr(digest.activity, name)), int(getattr(digest.activity_before, name)))
        for name in ACTIVITY_ROWS
    ]
    nudge = nudges.text(digest.nudge, t.locale, t.number)
    count = len(digest.new_vacancies) + digest.more_new_vacancies
    subject = t.plural("ambassador_digest.subject_new", count) if count else t("ambassador_digest.subject")
    return Composed(
        subject=subject,
        mail=DigestMail(
            digest=digest,
            nudge=nudge,
            rows=rows,
            last_day=period.last_day,
            share_labels=share_labels(t),
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
        programme_mail=True,
        plan=plan_ambassador_digest,
        period_end=_period_end,
        batch=digest_batch,
    )
)

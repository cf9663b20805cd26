"""Sending one mail, never twice and never lost.

:meth:`MailRoom.prepare` first reads for the whole SQS batch at once (the sender's handler gives
it the batch's jobs): every recipient with their preferences — one BatchGetItem for the
ambassadors (profiles, preferences and, for a kind that lists what is new since its last mail,
the last period sent to them) —, the suppression list of the addresses that want their mail
(one BatchGetItem), and each kind's batch composer (the ambassador digest's shared reads). Then
for each job (:class:`~kring.queues.MailJob`), :meth:`MailRoom.send`:

1. the recipient and their preferences, as prepared (a job that was not prepared reads them
   itself: one BatchGetItem for an ambassador); gone (erased), not wanting this kind, or — for
   the programme's own mail (digests, vacancy notices) — out of the programme: nothing is sent;
2. the suppression list, as prepared (or one GetItem by the address's keyed hash); suppressed:
   nothing is sent;
3. the once-only claim (:mod:`kring.dal.mail_sends`) — one conditional PutItem; already sent
   (a redelivery, a retry, an overlapping run): nothing is sent; another sender holds it now:
   :class:`TransientError`, retried later;
4. compose (the kind's composer, or its batch's), render (HTML and text, the reader's language),
   SES ``SendEmail`` (simple content: SES assembles the MIME message) with the unsubscribe and
   preferences links; a composer with nothing to say sends nothing and the period counts as done;
5. on any failure after the claim, the claim is released and the error propagates: SQS retries
   the message, then parks it in MailDLQ (``make redrive``);
6. the kind's ``settle`` (if it has one; see :mod:`kring.mail.kinds`), once the job is done or
   skipped — after the send, outside the claim: a failure there retries the message, which finds
   the mail sent and settles again.

:meth:`MailRoom.finish` then records every mail SES accepted as sent, and the last period sent of
the kinds that remember it, 25 items to a BatchWriteItem. So a mail costs one write request of
its own (the claim) plus its share of the batch's two reads and one batch write; what its
composer reads is the kind's (the digest's: :mod:`kring.mail.digests`).
The narrow case (see the README): a sender that dies after SES accepted a mail and before
``finish`` recorded it leaves the claim to expire, and the redelivered message sends that mail
a second time. Kring prefers that to losing it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Literal

from aws_lambda_powertools.metrics import MetricUnit

from kring import config
from kring.dal.mail_sends import LastSent, MailSendRepository, Sent
from kring.dal.suppressions import SuppressionRepository
from kring.errors import InvalidInputError, TransientError
from kring.integrations.ses import MailTransport, OutgoingMail
from kring.links.identity import email_hash
from kring.mail import kinds, unsubscribe
from kring.mail.i18n import Translator
from kring.mail.notices import notice_jobs
from kring.mail.render import render_mail
from kring.observability import logger, metrics
from kring.queues import MailJob, MailTrigger, parse_mail_message, process_batch

if TYPE_CHECKING:
    from collections.abc import Mapping

    from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
    from aws_lambda_powertools.utilities.typing import LambdaContext

Status = Literal[
    "sent", "already_sent", "suppressed", "unwanted", "left_programme", "nothing_to_send", "no_recipient"
]
# never composed
SKIPPED: frozenset[Status] = frozenset({"suppressed", "unwanted", "left_programme", "no_recipient"})


@dataclass(frozen=True)
class Outcome:
    status: Status
    message_id: str | None = None


@dataclass
class MailRoom:
    """The sender of one SQS batch."""

    transport: MailTransport
    now: datetime
    sends: MailSendRepository = field(default_factory=MailSendRepository)
    suppressions: SuppressionRepository = field(default_factory=SuppressionRepository)
    accepted: list[Sent] = field(default_factory=list)
    last_sent: dict[tuple[str, str], LastSent] = field(default_factory=dict)  # to write with the record
    # what prepare read for the batch: recipients by (kind, recipient id), suppressed by address
    # hash, and the kinds' batch composers
    _recipients: dict[tuple[str, str], kinds.Recipient | None] = field(default_factory=dict)
    _suppressed: dict[str, bool] = field(default_factory=dict)
    _composers: dict[str, kinds.Composer] = field(default_factory=dict)

    def prepare_messages(self, bodies: Mapping[str, str]) -> dict[str, MailJob | MailTrigger]:
        """:meth:`prepare` for the MailJobs among an SQS batch's message bodies (by message id;
        anything else — a hire or credit envelope, a malformed body — is left to its own record's
        handling). Returns the messages parsed, by id, so that no record is parsed twice."""
        parsed: dict[str, MailJob | MailTrigger] = {}
        for message_id, body in bodies.items():
            try:
                parsed[message_id] = parse_mail_message(body)
            except InvalidInputError:
                continue  # its record fails on its own, with the reason
        self.prepare([m for m in parsed.values() if isinstance(m, MailJob)])
        return parsed

    def prepare(self, jobs: Sequence[MailJob]) -> None:
        """The batch's reads, made once for all its jobs: the recipients (one BatchGetItem for the
        ambassadors: profiles, preferences, last-sent items), the suppression list (one
        BatchGetItem of the wanted addresses) and each kind's batch composer. A read that fails
        here is made per mail by :meth:`send` instead."""
        try:
            self._prepare(jobs)
        except Exception:
            logger.exception("batch reads failed; reading per mail", extra={"jobs": len(jobs)})

    def _prepare(self, jobs: Sequence[MailJob]) -> None:
        registered = kinds.all_kinds()
        known = [(job, registered[job.kind]) for job in jobs if job.kind in registered]
        self._read_recipients([(job, kind) for job, kind in known])
        wanted = [
            (job, kind, recipient)
            for job, kind in known
            if (recipient := self._recipients.get((kind.name, job.recipient))) is not None
            and kind.wanted(recipient.preferences, job)
        ]
        hashes = {h for _, _, r in wanted if (h := email_hash(r.email)) is not None}
        found = self.suppressions.suppressed_among(hashes)
        self._suppressed.update({h: h in found for h in hashes})
        by_kind: dict[str, list[tuple[MailJob, kinds.Recipient]]] = {}
        for job, kind, recipient in wanted:
            if kind.batch is not None and email_hash(recipient.email) not in found:
                by_kind.setdefault(kind.name, []).append((job, recipient))
        for name, pairs in by_kind.items():
            batch_composer = kinds.get(name).batch
            assert batch_composer is not None
            self._composers[name] = batch_composer(pairs)

    def _read_recipients(self, jobs: Sequence[tuple[MailJob, kinds.MailKind]]) -> None:
        todo = [(job, kind) for job, kind in jobs if (kind.name, job.recipient) not in self._recipients]
        by_audience: dict[kinds.Audience, list[tuple[MailJob, kinds.MailKind]]] = {}
        for job, kind in todo:
            by_audience.setdefault(kind.audience, []).append((job, kind))
        for audience, group in by_audience.items():
            many = kinds.many_resolver(audience)
            if many is None:
                resolve = kinds.resolver(audience)
                for job, kind in group:
                    self._recipients[(kind.name, job.recipient)] = resolve(job.recipient)
                continue
            wanted = [(job.recipient, kind.name if kind.period_end else None) for job, kind in group]
            found = many(wanted)
            for job, kind in group:
                self._recipients[(kind.name, job.recipient)] = found[
                    (job.recipient, kind.name if kind.period_end else None)
                ]

    def _is_suppressed(self, address_hash: str) -> bool:
        if address_hash not in self._suppressed:
            self._suppressed[address_hash] = self.suppressions.is_suppressed(address_hash)
        return self._suppressed[address_hash]

    def send(self, job: MailJob) -> Outcome:
        kind = kinds.get(job.kind)
        outcome = self._deliver(kind, job)
        if kind.settle is not None:
            kind.settle(job, outcome.status not in SKIPPED)
        return outcome

    def _deliver(self, kind: kinds.MailKind, job: MailJob) -> Outcome:
        self._read_recipients([(job, kind)])
        recipient = self._recipients[(kind.name, job.recipient)]
        skip = self._skip(kind, recipient, job)
        if skip is not None:
            return self._count(Outcome(skip), job)
        assert recipient is not None
        claim = self.sends.claim(kind.name, job.recipient, job.period_key, now=self.now)
        if claim.outcome == "sent":
            return self._count(Outcome("already_sent"), job)
        if claim.outcome == "busy":
            raise TransientError("another sender is sending this mail now")
        try:
            settings = config.mail()
            t = Translator(recipient.locale, settings.mail_time_zone)
            composed = self._composers.get(kind.name, kind.compose)(job, recipient, t)
            if composed is None:
                self.accepted.append(Sent(claim, "", self.now))
                return self._count(Outcome("nothing_to_send"), job)
            unsubscribe_url = unsubscribe.unsubscribe_url(recipient.id, kind.topic)
            rendered = render_mail(
                kind.template,
                t=t,
                subject=composed.subject,
                context={
                    "mail": composed.mail,
                    "first_name": recipient.first_name,
                    "programme": settings.programme_name,
                    "topic": t(f"topic.{kind.topic}"),
                    "unsubscribe_url": unsubscribe_url,
                    "preferences_url": unsubscribe.preferences_url(recipient.id),
                },
            )
            message_id = self.transport.send(
                OutgoingMail(
                    to=recipient.email,
                    subject=rendered.subject,
                    html=rendered.html,
                    text=rendered.text,
                    lang=rendered.lang,
                    unsubscribe_url=unsubscribe_url,
                )
            )
        except BaseException:
            self.sends.release(claim)
            raise
        self.accepted.append(Sent(claim, message_id, self.now))
        self._remember(kind, recipient, job)
        return self._count(Outcome("sent", message_id), job)

    def _remember(self, kind: kinds.MailKind, recipient: kinds.Recipient, job: MailJob) -> None:
        """A ``period_end`` kind's mail was sent: it becomes the recipient's last sent, unless a
        later period was sent before (a late redelivery of an older period moves nothing back)."""
        if kind.period_end is None:
            return
        try:
            ends = kind.period_end(job.period_key)
        except ValueError:
            return  # the mail went out; only what it remembers is lost
        before = self.last_sent.get((kind.name, job.recipient)) or recipient.last_sent
        if before is not None and before.period_end >= ends:
            return
        self.last_sent[(kind.name, job.recipient)] = LastSent(
            kind.name, job.recipient, job.period_key, ends, self.now
        )

    def _skip(self, kind: kinds.MailKind, recipient: kinds.Recipient | None, job: MailJob) -> Status | None:
        """Why nothing is sent (before any write), or None."""
        if recipient is None:
            return "no_recipient"
        if not kind.wanted(recipient.preferences, job):
            return "unwanted"
        if kind.programme_mail and recipient.ambassador is not None and not recipient.ambassador.in_programme:
            return "left_programme"
        address_hash = email_hash(recipient.email)
        if address_hash is None or self._is_suppressed(address_hash):
            return "suppressed"
        if any(
            (s.claim.kind, s.claim.recipient, s.claim.period_key)
            == (kind.name, job.recipient, job.period_key)
            for s in self.accepted
        ):
            return "already_sent"  # twice in one batch: sent, not recorded yet
        return None

    def finish(self) -> None:
        """Record every accepted mail as sent (batched). A failure here is logged, not raised: the
        messages were sent and SQS deletes them; their claims stay until their lease ends (only a
        stray redelivery after that would send again — the narrow case of the README)."""
        if not self.accepted:
            return
        try:
            self.sends.record_sent(self.accepted, last=list(self.last_sent.values()))
        except Exception:
            logger.exception("mails sent but not recorded", extra={"count": len(self.accepted)})
            metrics.add_metric(name="MailSentNotRecorded", unit=MetricUnit.Count, value=len(self.accepted))
        self.accepted.clear()
        self.last_sent.clear()

    def _count(self, outcome: Outcome, job: MailJob) -> Outcome:
        metrics.add_metric(name=f"Mail_{outcome.status}", unit=MetricUnit.Count, value=1)
        logger.info(
            "mail " + outcome.status.replace("_", " "),
            extra={"kind": job.kind, "recipient": job.recipient, "period_key": job.period_key},
        )
        return outcome


def send_batch(event: Mapping[str, Any], context: LambdaContext, transport: MailTransport) -> dict[str, Any]:
    """One SQS batch of MailQueue: its reads made once (:meth:`MailRoom.prepare_messages`), each
    message a mail (a MailJob, or a ``CandidateHired`` or ``ApplicationAttributed`` envelope: the
    hire notice it calls for, or nothing; see :mod:`kring.mail.notices`), partial batch failures
    (:func:`kring.queues.process_batch`), and the batch's sent mails recorded after it, failed
    records or not."""
    room = MailRoom(transport=transport, now=datetime.now(UTC))
    parsed = room.prepare_messages(
        {str(r.get("messageId", "")): str(r.get("body", "")) for r in event.get("Records", [])}
    )

    def record_handler(record: SQSRecord) -> str:
        message = parsed.get(record.message_id) or parse_mail_message(record.body)
        jobs = [message] if isinstance(message, MailJob) else notice_jobs(message)
        if not jobs:
            return "nothing to send"
        statuses = []
        for job in jobs:
            with logger.append_context_keys(correlation_id=job.correlation_id, mail_kind=job.kind):
                statuses.append(room.send(job).status)
        return ", ".join(statuses)

    try:
        return process_batch(event, context, record_handler)
    finally:
        room.finish()

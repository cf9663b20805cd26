"""Sending one mail, never twice and never lost.

For each job (:class:`~kring.queues.MailJob`) of an SQS batch, :meth:`MailRoom.send`:

1. the recipient and their preferences — one BatchGetItem for an ambassador (profile and
   preferences together); gone (erased) or not wanting this kind: nothing is sent;
2. the suppression list — one GetItem by the address's keyed hash; suppressed: nothing is sent;
3. the once-only claim (:mod:`kring.dal.mail_sends`) — one conditional PutItem; already sent
   (a redelivery, a retry, an overlapping run): nothing is sent; another sender holds it now:
   :class:`TransientError`, retried later;
4. compose (the kind's composer), render (HTML and text, the reader's language), SES
   ``SendEmail`` with the unsubscribe and preferences links; a composer with nothing to say
   sends nothing and the period counts as done;
5. on any failure after the claim, the claim is released and the error propagates: SQS retries
   the message, then parks it in MailDLQ (``make redrive``);
6. the kind's ``settle`` (if it has one; see :mod:`kring.mail.kinds`), once the job is done or
   skipped — after the send, outside the claim: a failure there retries the message, which finds
   the mail sent and settles again.

:meth:`MailRoom.finish` then records every mail SES accepted as sent, 25 to a BatchWriteItem.
So a mail costs two reads and one write request of its own, plus its share of one batch write.
The narrow case (see the README): a sender that dies after SES accepted a mail and before
``finish`` recorded it leaves the claim to expire, and the redelivered message sends that mail
a second time. Kring prefers that to losing it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from aws_lambda_powertools.metrics import MetricUnit

from kring import config
from kring.dal.mail_sends import MailSendRepository, Sent
from kring.dal.suppressions import SuppressionRepository
from kring.errors import TransientError
from kring.integrations.ses import MailTransport
from kring.links.identity import email_hash
from kring.mail import kinds, unsubscribe
from kring.mail.i18n import Translator
from kring.mail.render import mime_message, render_mail
from kring.observability import logger, metrics
from kring.queues import MailJob

Status = Literal["sent", "already_sent", "suppressed", "unwanted", "nothing_to_send", "no_recipient"]
SKIPPED: frozenset[Status] = frozenset({"suppressed", "unwanted", "no_recipient"})  # never composed


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

    def send(self, job: MailJob) -> Outcome:
        kind = kinds.get(job.kind)
        outcome = self._deliver(kind, job)
        if kind.settle is not None:
            kind.settle(job, outcome.status not in SKIPPED)
        return outcome

    def _deliver(self, kind: kinds.MailKind, job: MailJob) -> Outcome:
        recipient = kinds.resolver(kind.audience)(job.recipient)
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
            composed = kind.compose(job, recipient, t)
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
            raw = mime_message(
                rendered,
                to=recipient.email,
                from_address=settings.mail_from_address,
                from_name=settings.mail_from_name,
                reply_to=settings.mail_reply_to,
                unsubscribe_url=unsubscribe_url,
            )
            message_id = self.transport.send(raw=raw, to=recipient.email)
        except BaseException:
            self.sends.release(claim)
            raise
        self.accepted.append(Sent(claim, message_id, self.now))
        return self._count(Outcome("sent", message_id), job)

    def _skip(self, kind: kinds.MailKind, recipient: kinds.Recipient | None, job: MailJob) -> Status | None:
        """Why nothing is sent (before any write), or None."""
        if recipient is None:
            return "no_recipient"
        if not kind.wanted(recipient.preferences, job):
            return "unwanted"
        address_hash = email_hash(recipient.email)
        if address_hash is None or self.suppressions.is_suppressed(address_hash):
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
            self.sends.record_sent(self.accepted)
        except Exception:
            logger.exception("mails sent but not recorded", extra={"count": len(self.accepted)})
            metrics.add_metric(name="MailSentNotRecorded", unit=MetricUnit.Count, value=len(self.accepted))
        self.accepted.clear()

    def _count(self, outcome: Outcome, job: MailJob) -> Outcome:
        metrics.add_metric(name=f"Mail_{outcome.status}", unit=MetricUnit.Count, value=1)
        logger.info(
            "mail " + outcome.status.replace("_", " "),
            extra={"kind": job.kind, "recipient": job.recipient, "period_key": job.period_key},
        )
        return outcome

"""The invitation to the programme as a mail kind (``invitation``; see
:mod:`kring.programme.campaigns` for the campaign around it).

- **Plan**: a campaign's launch runs the planner for this kind with the campaign's id
  (:func:`kring.programme.campaigns.plan_invitations`); the period key is the campaign id, so each
  ambassador gets one invitation per campaign however often a run is retried or redelivered.
- **Wanted**: unless they turned invitations off (their unsubscribe link, topic ``invitations``).
  The sender skips suppressed addresses as for every kind, and — the programme's own mail — whoever
  left the programme since the campaign was planned.
- **Compose**: the invitation in their language: what the programme is, what is in it for them,
  and their personal link (:mod:`kring.mail.invitation_links`) to the programme page.
- **Settle**: once sent (or found sent before), ``AmbassadorInvited`` and the campaign's count.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

from kring import config
from kring.dal.mail_preferences import MailPreferences
from kring.errors import InvalidInputError
from kring.mail.i18n import Translator
from kring.mail.invitation_links import Invitation, invitation_url
from kring.mail.kinds import Composed, MailKind, PlanRun, Recipient, register
from kring.programme import campaigns
from kring.queues import MailJob

INVITATION = campaigns.INVITATION


@dataclass(frozen=True)
class InvitationMail:
    """What the ``invitation`` templates show."""

    url: str
    reward_amount: Decimal | None  # per hire; None: no reward plan
    currency: str


def _wants_invitations(preferences: MailPreferences, _job: MailJob) -> bool:
    return preferences.invitations


def plan_invitation(run: PlanRun) -> Iterator[MailJob]:
    if run.campaign is None:
        raise InvalidInputError("an invitation run names its campaign")
    return campaigns.plan_invitations(run.campaign)


def compose_invitation(job: MailJob, recipient: Recipient, t: Translator) -> Composed:
    settings = config.rewards()
    amount = settings.reward_amount if settings.reward_amount > 0 else None
    mail = InvitationMail(
        url=invitation_url(Invitation(recipient.id, job.period_key)),
        reward_amount=amount,
        currency=settings.reward_currency,
    )
    return Composed(subject=t("invitation.subject", programme=config.mail().programme_name), mail=mail)


def settle_invitation(job: MailJob, composed: bool) -> None:
    """Sent now or before: the fact and the count (both idempotent); skipped: nothing."""
    if composed:
        campaigns.invitation_sent(job.recipient, job.period_key, now=datetime.now(UTC))


register(
    MailKind(
        name=INVITATION,
        template=INVITATION,
        audience="ambassador",
        topic="invitations",
        compose=compose_invitation,
        wanted=_wants_invitations,
        plan=plan_invitation,
        settle=settle_invitation,
        programme_mail=True,  # who left since the campaign was planned is not invited
    )
)

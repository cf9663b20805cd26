"""Invitation campaigns (issue 13): Awareness and Interest.

- **Launch** (:func:`launch`, ``POST /api/programme/invitations``): the campaign is stored (its
  audience: everyone, a department or a location) and ``InvitationCampaignLaunched`` goes on the
  bus; the mail planner takes it from there (MailPlannerFunction's InvitationCampaign rule), so the
  API answers at once whatever the size of the roster.
- **Plan** (:func:`plan_invitations`): one Query page of the roster after another (gsi1
  ``AMBASSADORS``, every profile, never a Scan), filtered to the audience and to whom an invitation
  is for (:func:`kring.models.invitation.invitable`: not volunteered yet, not left) — one
  ``invitation`` job each, keyed by the campaign (the sender's once-only claim: one mail per
  ambassador and campaign however often the run is retried). The roster is read whole rather than
  through a sparse index per department or location: a campaign is a rare read, and an index
  would cost a write on every profile change.
- **Sent** (:func:`invitation_sent`, the mail kind's settle): ``AmbassadorInvited`` on the bus,
  then the campaign's ``sent`` counter, once per ambassador (marker and increment in one
  transaction). A redelivered job publishes the event again; the programme's facts keep the
  earliest time, so it changes nothing.
- **Opened** (:func:`open_invitation`, ``GET /portal/invitation/<token>``): a person's GET
  (classified as the redirect classifies visitors: HEAD, no user agent, link previews, mail
  scanners, crawlers and a missing Accept-Language are machines) publishes ``InvitationOpened``
  and counts ``opened`` once; a machine's records nothing. Publishing is best-effort (the page is
  shown whatever the bus does); until it succeeds the opening is not counted, so the next one
  publishes again.
"""

from __future__ import annotations

import secrets
import string
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import TYPE_CHECKING

from aws_lambda_powertools.metrics import MetricUnit

from kring.dal.ambassadors import AmbassadorRepository
from kring.dal.invitations import InvitationRepository
from kring.errors import InvalidInputError
from kring.events import AmbassadorInvited, InvitationCampaignLaunched, InvitationOpened
from kring.integrations.eventbridge import EventPublisher, default_publisher
from kring.mail import invitation_links
from kring.models.ambassador import Ambassador
from kring.models.common import Page
from kring.models.invitation import Campaign, CampaignInput, in_audience, invitable
from kring.observability import logger, metrics
from kring.queues import MailJob

if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Any

    from kring.redirect.classify import Classifier

INVITATION = "invitation"  # the mail kind
ROSTER_PAGE = 200
_ALPHABET = string.ascii_letters + string.digits
CAMPAIGN_ID_LENGTH = 12  # 71 bits


def new_campaign_id() -> str:
    return "".join(secrets.choice(_ALPHABET) for _ in range(CAMPAIGN_ID_LENGTH))


def launch(wanted: CampaignInput, *, now: datetime, publisher: EventPublisher | None = None) -> Campaign:
    """Store the campaign and announce it (the planner fans it out)."""
    campaign = Campaign(
        id=new_campaign_id(), audience=wanted.audience, note=wanted.note, by=wanted.by, created_at=now
    )
    InvitationRepository().create(campaign)
    (publisher or default_publisher()).publish(
        [
            InvitationCampaignLaunched(
                campaign_id=campaign.id, occurred_at=now, correlation_id=f"campaign:{campaign.id}"
            )
        ]
    )
    return campaign


def campaigns(limit: int, cursor: Mapping[str, Any] | None) -> Page[Campaign]:
    return InvitationRepository().list_page(limit, cursor)


def recipients(campaign: Campaign, roster: Iterator[Ambassador]) -> Iterator[str]:
    """The ids of the roster's ambassadors the campaign invites (pure)."""
    for ambassador in roster:
        if in_audience(ambassador, campaign.audience) and invitable(ambassador):
            yield ambassador.id


def _roster(page_size: int = ROSTER_PAGE) -> Iterator[Ambassador]:
    repository = AmbassadorRepository()
    cursor: Mapping[str, Any] | None = None
    while True:
        page = repository.list_page(page_size, cursor)
        yield from page.items
        if page.cursor is None:
            return
        cursor = page.cursor


def plan_invitations(campaign_id: str) -> Iterator[MailJob]:
    """One ``invitation`` job per ambassador the campaign invites (see the module docstring)."""
    campaign = InvitationRepository().get(campaign_id)
    if campaign is None:
        raise InvalidInputError(f"no invitation campaign {campaign_id!r}")
    for ambassador_id in recipients(campaign, _roster()):
        yield MailJob(
            kind=INVITATION,
            recipient=ambassador_id,
            period_key=campaign.id,
            correlation_id=f"campaign:{campaign.id}",
        )


def invitation_sent(
    ambassador_id: str, campaign_id: str, *, now: datetime, publisher: EventPublisher | None = None
) -> bool:
    """The invitation went out: the fact on the bus, then counted once; whether it was counted now."""
    (publisher or default_publisher()).publish(
        [
            AmbassadorInvited(
                ambassador_id=ambassador_id,
                campaign_id=campaign_id,
                occurred_at=now,
                correlation_id=f"campaign:{campaign_id}",
            )
        ]
    )
    return InvitationRepository().count_sent(campaign_id, ambassador_id, now=now)


@dataclass(frozen=True)
class Opened:
    """An invitation link as opened: whose (their profile, for the page's language), and whether a
    person opened it (their interest was recorded, now or before)."""

    invitation: invitation_links.Invitation
    ambassador: Ambassador
    by_person: bool


def invited(token: str) -> tuple[invitation_links.Invitation, Ambassador] | None:
    """Whose invitation ``token`` is, recording nothing (None: not a link Kring made, or its
    ambassador is gone — erased)."""
    try:
        invitation = invitation_links.read_token(token)
    except InvalidInputError:
        return None
    ambassador = AmbassadorRepository().get(invitation.ambassador_id)
    return (invitation, ambassador) if ambassador is not None else None


@lru_cache(maxsize=1)
def _classifier() -> Classifier:
    """The redirect's visitor classification (every signal, isbot's pattern for crawlers), imported
    when first needed: the mail sender and planner import this module and never classify."""
    from kring.redirect.classify import Classifier

    return Classifier(cache_size=512)


def open_invitation(
    token: str,
    *,
    method: str,
    user_agent: str | None,
    accept_language: str | None,
    now: datetime,
    publisher: EventPublisher | None = None,
) -> Opened | None:
    """The invitation behind ``token`` (None: not a link Kring made, or its ambassador is gone),
    with the person's interest recorded when a person opened it."""
    found = invited(token)
    if found is None:
        return None
    invitation, ambassador = found
    verdict = _classifier().classify(method, user_agent, accept_language)
    if verdict.is_bot:
        logger.info("invitation opened by a machine: not recorded", extra={"kind": verdict.kind})
        metrics.add_metric(name="InvitationOpenedByMachine", unit=MetricUnit.Count, value=1)
        return Opened(invitation, ambassador, by_person=False)
    repository = InvitationRepository()
    if not repository.opened_before(invitation.campaign_id, invitation.ambassador_id):
        event = InvitationOpened(
            ambassador_id=invitation.ambassador_id,
            campaign_id=invitation.campaign_id,
            occurred_at=now,
            correlation_id=f"campaign:{invitation.campaign_id}",
        )
        try:
            (publisher or default_publisher()).publish([event])
        except Exception:  # the page is shown; the next opening publishes again
            logger.exception("InvitationOpened not published", extra={"event": event.model_dump(mode="json")})
            metrics.add_metric(name="InvitationOpenedNotPublished", unit=MetricUnit.Count, value=1)
        else:
            repository.count_opened(invitation.campaign_id, invitation.ambassador_id, now=now)
    return Opened(invitation, ambassador, by_person=True)

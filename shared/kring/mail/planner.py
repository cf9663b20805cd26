"""The planner: one scheduled run of a mail kind → its MailJobs on MailQueue, in chunks.

EventBridge Scheduler invokes the planner with ``{"kind": ..., "scheduled_at":
"<aws.scheduler.scheduled-time>"}`` on the schedule's own cron, in the schedule's time zone (so a
Monday 08:30 in Amsterdam stays 08:30 across daylight saving). An invitation campaign's launch
(``InvitationCampaignLaunched``, by an EventBridge rule) is a run of the ``invitation`` kind for
that campaign. The kind's ``plan`` pages through
its recipients with Query (never Scan) and yields jobs; they go to MailQueue ten to a
SendMessageBatch as they come, so a run never holds every recipient in memory.

A run that fails is retried by Lambda and Scheduler; a retried or overlapping run enqueues the
same jobs again, and the sender's once-only claim sends each mail once.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Protocol

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError

from kring import config
from kring.errors import InvalidInputError
from kring.events import InvitationCampaignLaunched, parse_envelope
from kring.mail import kinds
from kring.mail.periods import Frequency
from kring.observability import logger
from kring.queues import MAIL_KIND_PATTERN, MailJob

INVITATION = "invitation"  # the mail kind of an invitation campaign (kring.mail.invitations)

CHUNK = 10  # SendMessageBatch's limit


class PlanRequest(BaseModel):
    """The schedule's input (template.yaml); ``make digest`` sends the same."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: str = Field(pattern=MAIL_KIND_PATTERN)
    scheduled_at: AwareDatetime | None = None
    frequency: Frequency | None = None  # a digest's: which recipients and which period
    campaign: str | None = Field(default=None, pattern=r"^[A-Za-z0-9]{8,32}$")  # an invitation campaign


class JobQueue(Protocol):
    def enqueue_jobs(self, bodies: Iterable[str]) -> int: ...


def parse_request(event: object) -> PlanRequest:
    """A schedule's input, or the envelope of ``InvitationCampaignLaunched`` (its campaign's
    invitations: the ``invitation`` kind for that campaign)."""
    try:
        if isinstance(event, dict) and "detail-type" in event:
            launched = parse_envelope(event, InvitationCampaignLaunched).detail
            return PlanRequest(
                kind=INVITATION, scheduled_at=launched.occurred_at, campaign=launched.campaign_id
            )
        return PlanRequest.model_validate(event)
    except ValidationError as exc:
        raise InvalidInputError(f"not a planner request: {exc}") from exc


def plan(request: PlanRequest, queue: JobQueue, *, now: datetime) -> int:
    """Enqueue the run's jobs; how many."""
    kind = kinds.get(request.kind)
    if kind.plan is None:
        raise InvalidInputError(f"mail kind {request.kind!r} is not scheduled")
    run = kinds.PlanRun(
        kind=kind.name,
        scheduled_at=request.scheduled_at or now,
        time_zone=config.mail().mail_time_zone,
        frequency=request.frequency,
        campaign=request.campaign,
    )
    jobs: Iterable[MailJob] = kind.plan(run)
    count = queue.enqueue_jobs(job.model_dump_json(exclude_defaults=True) for job in jobs)
    logger.info(
        "mail planned", extra={"kind": kind.name, "jobs": count, "scheduled_at": run.scheduled_at.isoformat()}
    )
    return count

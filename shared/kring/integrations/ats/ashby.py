"""Ashby (Admin > Integrations > Webhooks: one webhook per event type, each with its own URL
and secret token; Kring uses the same URL and secret for all of them).

- A webhook with a secret token signs every request, its ``ping`` included:
  ``Ashby-Signature: sha256=<lower-hex HMAC-SHA256(secret token, raw body)>``. The token is
  optional in Ashby and mandatory for Kring: an unsigned delivery is refused (401, which Ashby does
  not retry). There is no timestamp, so deduplication is the replay defence.
- Ashby sends ``{"action": "ping"}`` when a webhook is created or edited, and disables the webhook
  if the answer is ≥ 400. A signed ping is verified like any delivery (a wrong secret then shows in
  Ashby at once, instead of every later delivery being refused without a retry); an *unsigned*
  ping — a webhook saved without a secret token — is answered 200 from :func:`handshake` and logged,
  but only when the body is nothing but a small ping: nothing else passes unsigned.
- The delivery id is ``webhookActionId`` + ``action``: Ashby keeps one ``webhookActionId`` across
  retries *and* across the related webhooks one happening fans out to (``candidateHire`` also fires
  ``candidateStageChange`` and ``applicationUpdate``; ``jobPostingPublish`` also
  ``jobPostingUpdate``), so the id alone would drop the second of them.
- ``jobPostingPublish`` / ``jobPostingUnpublish`` carry the job posting → its post change (and the
  job's department, team and location, which fan-out matching uses). A posting is live when it
  was published, is listed, and is on the external job board (``externalLink`` is null for
  postings on the internal board). ``jobPostingUpdate`` says nothing about whether the posting is
  published, and it fans out from publish and unpublish with the same ``updatedAt``, so guessing
  could undo an unpublish: it is used only when it states a publication status, else ignored.
- ``applicationSubmit`` → a submitted application; ``candidateStageChange`` → a stage change
  (an application archived on the way — status ``Archived`` — is rejected); ``candidateHire`` →
  the hire. Each carries the whole application, so each carries its evidence: source and source
  type, custom fields (a "Kring referral code" question), and the credited user's e-mail as the
  referrer when the source is a referral (for a sourced candidate the credited user is the
  recruiter, not a referrer). Samples are partly reconstructed: shapes are read defensively.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from pydantic import ValidationError

from kring import config
from kring.errors import InvalidInputError
from kring.integrations.ats import base, provider_kit
from kring.models.common import Provider
from kring.observability import logger

NAME: Final[Provider] = "ashby"
ACK_STATUS: Final = 200

SIGNATURE_HEADER = "ashby-signature"
MAX_PING_BYTES = 512
MAX_ID_PART = 100

SUBMITTED = "applicationSubmit"
STAGE_CHANGED = "candidateStageChange"
HIRED = "candidateHire"
POSTING_PUBLISHED = "jobPostingPublish"
POSTING_UNPUBLISHED = "jobPostingUnpublish"
POSTING_UPDATED = "jobPostingUpdate"
APPLICATION_EVENTS = frozenset({SUBMITTED, STAGE_CHANGED, HIRED})
POSTING_EVENTS = frozenset({POSTING_PUBLISHED, POSTING_UNPUBLISHED, POSTING_UPDATED})
PING_KEYS = frozenset({"action", "data", "webhookActionId"})
# Application keys whose values may carry a click token or a referring URL (none in the samples;
# Ashby adds fields over time): matched on the lower-cased key.
TRACKING_KEY_WORDS = ("utm", "referr", "tracking", "landing", "url", "link")


# --------------------------------------------------------------------------------- the contract
def handshake(headers: Mapping[str, str], raw_body: bytes) -> base.Reply | None:
    """Answer an unsigned ping (a webhook saved without a secret token) so Ashby keeps the
    webhook enabled; everything else — a signed ping included — goes through :func:`verify`."""
    if headers.get(SIGNATURE_HEADER, "").strip() or not _is_ping(raw_body):
        return None
    logger.warning(
        "unsigned Ashby ping answered: give the webhook a secret token, Kring refuses unsigned deliveries"
    )
    return base.Reply(ACK_STATUS, {"received": True})


def verify(headers: Mapping[str, str], raw_body: bytes, secret: str) -> bool:
    given = headers.get(SIGNATURE_HEADER, "").strip()
    scheme, separator, digest = given.partition("=")
    if not separator or scheme.strip().lower() != "sha256" or not digest.strip():
        return False
    return provider_kit.hmac_sha256_matches(secret, raw_body, digest.strip())


def delivery_id(headers: Mapping[str, str], raw_body: bytes) -> str:
    """``<webhookActionId>:<action>`` (see the module docstring); a hash of the body without one."""
    del headers
    payload = provider_kit.loads_or_none(raw_body)
    if isinstance(payload, dict):
        action_id, action = payload.get("webhookActionId"), payload.get("action")
        if _usable_id_part(action_id) and _usable_id_part(action):
            return f"{action_id}:{action}"
    return provider_kit.hashed_delivery_id(raw_body)


def event_name(payload: Any) -> str:
    return provider_kit.event_name_of(payload, "action")


def normalise(payload: Any) -> list[base.Change]:
    if not isinstance(payload, dict) or not isinstance(payload.get("action"), str):
        raise InvalidInputError("an Ashby webhook is an object with an 'action'")
    action: str = payload["action"]
    if action not in APPLICATION_EVENTS | POSTING_EVENTS:
        return []  # ping, and the event types Kring does not use
    data = payload.get("data")
    if not isinstance(data, dict):
        raise InvalidInputError(f"{action}: 'data' is not an object")
    try:
        if action in POSTING_EVENTS:
            return _posting_changes(action, data)
        return _application_changes(action, data)
    except ValidationError as exc:
        raise InvalidInputError(f"{action}: {provider_kit.first_error(exc)}") from exc


# --------------------------------------------------------------------------------- job postings
def _posting_changes(action: str, data: dict[str, Any]) -> list[base.Change]:
    posting = data.get("jobPosting")
    if not isinstance(posting, dict):
        raise InvalidInputError(f"{action}: no 'jobPosting' object")
    post_id = provider_kit.external_id(posting.get("id"))
    title = base.first_text(posting.get("title"))
    updated_at = provider_kit.parse_time(posting.get("updatedAt"))
    if post_id is None or title is None:
        raise InvalidInputError(f"{action}: a job posting needs an 'id' and a 'title'")
    if updated_at is None:
        raise InvalidInputError(f"{action}: job posting without 'updatedAt': its order cannot be known")
    if action == POSTING_UPDATED:
        published = _stated_publication(posting)
        if published is None:
            return []  # see the module docstring: only publish and unpublish say whether it is live
    else:
        published = action == POSTING_PUBLISHED
    internal_only = "externalLink" in posting and posting.get("externalLink") is None
    listed = posting.get("isListed") is not False
    job_id = provider_kit.external_id(posting.get("jobId"))
    location = base.first_text(posting.get("locationName"))
    changes: list[base.Change] = []
    if job_id is not None:
        department = base.first_text(posting.get("departmentName"))
        tags = provider_kit.unique_texts(department, base.first_text(posting.get("teamName")), location)
        changes.append(
            base.JobChanged(
                provider=NAME,
                job_id=job_id,
                department=department[:100] if department else None,
                tags=tags,
            )
        )
    changes.append(
        base.JobPostChanged(
            provider=NAME,
            post_id=post_id,
            job_id=job_id,
            title=title[:300],
            location=location[:200] if location else None,
            url=None if internal_only else _public_url(posting),
            live=published and listed and not internal_only,
            updated_at=updated_at,
        )
    )
    return changes


def _stated_publication(posting: dict[str, Any]) -> bool | None:
    """Whether a posting says it is published (``isPublished`` / ``status``), if it says so."""
    for key in ("isPublished", "published"):
        if isinstance(posting.get(key), bool):
            return bool(posting[key])
    status = posting.get("status")
    if isinstance(status, str) and status.strip():
        return status.strip().lower() in {"published", "live", "open"}
    return None


def _public_url(posting: dict[str, Any]) -> str | None:
    return provider_kit.https_url(posting.get("externalLink"), posting.get("applyLink"))


# --------------------------------------------------------------------------------- applications
def _application_changes(action: str, data: dict[str, Any]) -> list[base.Change]:
    application = data.get("application")
    if not isinstance(application, dict):
        raise InvalidInputError(f"{action}: no 'application' object")
    candidate = provider_kit.as_dict(application.get("candidate"))
    application_id = provider_kit.external_id(application.get("id"))
    candidate_id = provider_kit.external_id(candidate.get("id")) or provider_kit.external_id(
        application.get("candidateId")
    )
    if application_id is None or candidate_id is None:
        raise InvalidInputError(f"{action}: an application needs its 'id' and its candidate's 'id'")
    created, updated = (
        provider_kit.parse_time(application.get("createdAt")),
        provider_kit.parse_time(application.get("updatedAt")),
    )
    occurred_at = (created or updated) if action == SUBMITTED else (updated or created)
    if occurred_at is None:
        raise InvalidInputError(f"{action}: application without 'createdAt' or 'updatedAt'")
    common: dict[str, Any] = {
        "provider": NAME,
        "application_id": application_id,
        "candidate_id": candidate_id,
        "job_id": provider_kit.external_id(provider_kit.as_dict(application.get("job")).get("id"))
        or provider_kit.external_id(application.get("jobId")),
        "post_id": provider_kit.external_id(application.get("appliedViaJobPostingId"))
        or provider_kit.external_id(application.get("jobPostingId")),
        "occurred_at": occurred_at,
    }
    stage_data = provider_kit.as_dict(application.get("currentInterviewStage"))
    stage = _stage(stage_data)
    if action == SUBMITTED:
        return [base.ApplicationSubmitted(**common, stage=stage, evidence=_evidence(application, candidate))]
    if action == HIRED:
        return [base.Hired(**common, evidence=_evidence(application, candidate))]
    if _is_archived(application, stage_data):
        return [base.Rejected(**common)]
    if stage is None:
        raise InvalidInputError(f"{action}: application without a 'currentInterviewStage'")
    return [base.StageChanged(**common, stage=stage, evidence=_evidence(application, candidate))]


def _stage(stage: dict[str, Any]) -> base.Stage | None:
    title, kind = base.first_text(stage.get("title")), base.first_text(stage.get("type"))
    name = title or kind
    if name is None:
        return None
    return base.Stage(name=name[:200], kind=base.stage_kind(title, kind))


def _is_archived(application: dict[str, Any], stage: dict[str, Any]) -> bool:
    """Archived in Ashby = taken out of the process (rejected, or withdrawn)."""
    status = base.first_text(application.get("status"))
    stage_type = base.first_text(stage.get("type"))
    return (status or "").lower() == "archived" or (stage_type or "").lower() == "archived"


def _evidence(application: dict[str, Any], candidate: dict[str, Any]) -> base.Evidence:
    source = application.get("source")
    tracking = _tracking_fields(application)
    custom = (application.get("customFields"), candidate.get("customFields"))
    texts = base.collect_texts(source, *custom, candidate.get("tags"), tracking)
    urls = tuple(t for t in base.collect_texts(*custom, tracking) if t.startswith(("https://", "http://")))
    credited = provider_kit.as_dict(application.get("creditedToUser"))
    referrer = provider_kit.email_address(credited.get("email")) if _is_referral(source) else None
    return base.Evidence(
        referrer_emails=(referrer,) if referrer else (),
        texts=texts,
        referring_urls=urls[:20],
        candidate_email=_candidate_email(candidate),
    )


def _is_referral(source: object) -> bool:
    """Whether the application's source (its title or its source type) is a referral."""
    if not isinstance(source, dict):
        return False
    names = [source.get("title"), provider_kit.as_dict(source.get("sourceType")).get("title")]
    return any(isinstance(n, str) and "referr" in n.lower() for n in names)


def _candidate_email(candidate: dict[str, Any]) -> str | None:
    primary = provider_kit.as_dict(candidate.get("primaryEmailAddress")).get("value")
    found = provider_kit.email_address(primary) or provider_kit.email_address(candidate.get("email"))
    if found:
        return found
    addresses = candidate.get("emailAddresses")
    if isinstance(addresses, list) and addresses:
        first = addresses[0]
        return provider_kit.email_address(first.get("value") if isinstance(first, dict) else first)
    return None


def _tracking_fields(values: dict[str, Any]) -> dict[str, Any]:
    return {
        key: value
        for key, value in values.items()
        if isinstance(key, str) and any(word in key.lower() for word in TRACKING_KEY_WORDS)
    }


# --------------------------------------------------------------------------------- small readers
def _is_ping(raw_body: bytes) -> bool:
    """A small body that is only a ping: ``action`` ``ping``, optional ``webhookActionId``, and
    ``data`` absent or a flat object of a few scalars (Ashby documents ``webhookActionType``)."""
    if len(raw_body) > MAX_PING_BYTES:
        return False
    payload = provider_kit.loads_or_none(raw_body)
    if not isinstance(payload, dict) or payload.get("action") != "ping" or not set(payload) <= PING_KEYS:
        return False
    data = payload.get("data")
    if data is None:
        return True
    return (
        isinstance(data, dict)
        and len(data) <= 5
        and all(v is None or isinstance(v, str | int | float | bool) for v in data.values())
    )


def _usable_id_part(value: object) -> bool:
    return isinstance(value, str) and 0 < len(value.strip()) <= MAX_ID_PART and value.isprintable()


# --------------------------------------------------------------------------------- job board
def job_board() -> base.JobBoard:
    """The organisation's job board on Ashby (``jobs.ashbyhq.com/<job board name>/<posting id>``)."""
    board = config.vacancies().ashby_job_board
    return base.JobBoard(
        parameter="AshbyJobBoard",
        domains=("ashbyhq.com",),
        pages=(base.BoardPage("jobs.ashbyhq.com", board),) if board else (),
    )

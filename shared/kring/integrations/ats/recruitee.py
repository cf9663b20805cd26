"""Recruitee (Settings > Apps and plugins > Webhooks).

- Every delivery carries ``X-Recruitee-Signature: <lower-hex HMAC-SHA256(secret, raw body)>``. No
  timestamp, so deduplication is the replay defence: the envelope's top-level ``id`` is the
  delivery id (without one, a hash of the envelope minus ``attempt_count``, which grows on every
  retry).
- Anything but exactly 200 is a failure, retried with a growing delay. The "Test" button sends
  ``{"test":true}`` *before* the user can see the secret, and the webhook is not saved unless it
  gets 200: :func:`handshake` answers that body, and only that body (small, parsed, exactly
  ``{"test": true}``), without a signature. The "Test payload" buttons send signed example events
  marked ``"test": true``: acknowledged, and ignored, so no invented candidate is counted.
- ``candidate_created`` / ``candidate_assigned`` with a job (``offer``) → a submitted application.
  Recruitee has no application id in its webhooks: the application is the placement of a
  candidate on an offer, keyed ``<candidate id>-<offer id>`` in every event. Talent pools are not
  jobs and are ignored.
- ``candidate_moved``: ``stage_changed`` → a stage change (into a stage of category hire → the
  hire), ``disqualified`` → rejected, ``requalified`` → ignored.
- Job (offer) events — names and payload not confirmed by Recruitee's docs (``offer_published``,
  ``offer_unpublished``, ``offer_updated``/``offer_changed``, ``offer_deleted``; ``job_*`` accepted
  too): an offer is both the job and its post (post id = job id = offer id). Published and
  unpublished set whether it is live; an update is used only when the offer states its
  ``status`` (guessing could undo an unpublish). The public URL is the offer's ``careers_url``.
- Evidence is whatever the payload holds (Recruitee's candidate webhooks are minimal): the
  candidate's source(s), referrer, tags, profile fields and question answers, and
  ``emails[0]`` for the self-referral check.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, Final

from pydantic import ValidationError

from kring import config
from kring.errors import InvalidInputError
from kring.integrations.ats import base, provider_kit
from kring.models.common import Provider, StageKind

NAME: Final[Provider] = "recruitee"
ACK_STATUS: Final = 200

SIGNATURE_HEADER = "x-recruitee-signature"
MAX_TEST_BYTES = 64

APPLICATION_EVENTS = frozenset({"candidate_created", "candidate_assigned"})
MOVED = "candidate_moved"
OFFER_PUBLISHED = frozenset({"offer_published", "job_published"})
OFFER_UNPUBLISHED = frozenset({"offer_unpublished", "job_unpublished"})
OFFER_UPDATED = frozenset({"offer_updated", "offer_changed", "offer_created", "job_updated", "job_created"})
OFFER_DELETED = frozenset({"offer_deleted", "job_deleted"})
OFFER_EVENTS = OFFER_PUBLISHED | OFFER_UNPUBLISHED | OFFER_UPDATED | OFFER_DELETED
HIRE_CATEGORIES = frozenset({"hire", "hired"})
# Recruitee's stage categories, where the name alone would not say (a custom "Sourced" stage of
# category apply is still the start of the funnel).
CATEGORY_KINDS: Final[dict[str, StageKind]] = {
    "apply": "applied",
    "applied": "applied",
    "phone_screen": "screening",
    "screening": "screening",
    "interview": "interview",
    "evaluation": "interview",
    "offer": "offer",
    "hire": "hired",
    "hired": "hired",
}
OFFER_STATUSES: Final[dict[str, base.JobStatus]] = {
    "published": "open",
    "internal": "open",
    "draft": "draft",
    "closed": "closed",
    "archived": "closed",
}
# Where a candidate or a placement may carry a click token (custom question "Kring referral
# code", a source with the link, a tag) — read wherever they appear.
EVIDENCE_KEYS = (
    "source",
    "sources",
    "referrer",
    "referral",
    "tags",
    "fields",
    "answers",
    "open_question_answers",
    "grouped_open_question_answers",
    "questions",
)
URL_KEY_WORDS = ("url", "referr", "utm", "landing")
PICTURE_KEY_WORDS = ("photo", "avatar", "thumb", "image")


# --------------------------------------------------------------------------------- the contract
def handshake(headers: Mapping[str, str], raw_body: bytes) -> base.Reply | None:
    """The "Test" request, sent before the secret exists: exactly ``{"test": true}``."""
    del headers
    if len(raw_body) > MAX_TEST_BYTES:
        return None
    payload = provider_kit.loads_or_none(raw_body)
    if isinstance(payload, dict) and list(payload) == ["test"] and payload["test"] is True:
        return base.Reply(ACK_STATUS, {"received": True})
    return None


def verify(headers: Mapping[str, str], raw_body: bytes, secret: str) -> bool:
    given = headers.get(SIGNATURE_HEADER, "").strip()
    scheme, separator, rest = given.partition("=")
    digest = rest if separator and scheme.strip().lower() == "sha256" else given
    if not digest.strip():
        return False
    return provider_kit.hmac_sha256_matches(secret, raw_body, digest.strip())


def delivery_id(headers: Mapping[str, str], raw_body: bytes) -> str:
    del headers
    payload = provider_kit.loads_or_none(raw_body)
    if not isinstance(payload, dict):
        return provider_kit.hashed_delivery_id(raw_body)
    given = provider_kit.delivery_id_text(payload.get("id"))
    if given is not None:
        return given
    content = {k: v for k, v in payload.items() if k != "attempt_count"}
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return provider_kit.hashed_delivery_id(canonical.encode("utf-8"))


def event_name(payload: Any) -> str:
    if not isinstance(payload, dict):
        return "unknown"
    kind, subtype = base.first_text(payload.get("event_type")), base.first_text(payload.get("event_subtype"))
    if kind is None:
        return "test" if payload.get("test") is True else "unknown"
    return (f"{kind}.{subtype}" if subtype else kind)[:100]


def normalise(payload: Any) -> list[base.Change]:
    if not isinstance(payload, dict):
        raise InvalidInputError("a Recruitee webhook is an object")
    if payload.get("test") is True:
        return []  # the "Test payload" buttons: example data, not a real candidate
    kind = payload.get("event_type")
    if not isinstance(kind, str):
        raise InvalidInputError("a Recruitee webhook has an 'event_type'")
    if kind not in APPLICATION_EVENTS | OFFER_EVENTS | {MOVED}:
        return []
    body = payload.get("payload")
    if not isinstance(body, dict):
        raise InvalidInputError(f"{kind}: 'payload' is not an object")
    try:
        if kind in OFFER_EVENTS:
            return _offer_changes(kind, payload, body)
        return _candidate_changes(kind, payload, body)
    except ValidationError as exc:
        raise InvalidInputError(f"{kind}: {provider_kit.first_error(exc)}") from exc


# --------------------------------------------------------------------------------- candidates
def _candidate_changes(kind: str, envelope: dict[str, Any], body: dict[str, Any]) -> list[base.Change]:
    candidate = provider_kit.as_dict(body.get("candidate"))
    placement = provider_kit.as_dict(body.get("placement"))
    common = _placement(kind, envelope, body, candidate, placement)
    if common is None:
        return []
    details = provider_kit.as_dict(body.get("details"))
    if kind in APPLICATION_EVENTS:
        stage = _stage(
            provider_kit.as_dict(placement.get("stage")) or provider_kit.as_dict(details.get("to_stage"))
        )
        return [
            base.ApplicationSubmitted(**common, stage=stage, evidence=_evidence(body, candidate, placement))
        ]
    subtype = (base.first_text(envelope.get("event_subtype")) or "").lower()
    if subtype == "disqualified":
        return [base.Rejected(**common)]
    if subtype and subtype != "stage_changed":
        return []  # requalified (Kring has no un-reject), and subtypes it does not know
    stage = _stage(
        provider_kit.as_dict(details.get("to_stage")) or provider_kit.as_dict(body.get("to_stage"))
    )
    if stage is None:
        raise InvalidInputError(f"{kind}: no 'details.to_stage' with a name")
    evidence = _evidence(body, candidate, placement)
    found = evidence if (evidence.texts or evidence.referrer_emails or evidence.referring_urls) else None
    if stage.kind == "hired":
        return [base.Hired(**common, evidence=found)]
    return [base.StageChanged(**common, stage=stage, evidence=found)]


def _placement(
    kind: str,
    envelope: dict[str, Any],
    body: dict[str, Any],
    candidate: dict[str, Any],
    placement: dict[str, Any],
) -> dict[str, Any] | None:
    """What every candidate change of this placement carries; None for one not on a job."""
    offer = provider_kit.as_dict(body.get("offer"))
    if _is_talent_pool(offer):
        return None
    candidate_id = provider_kit.external_id(candidate.get("id")) or provider_kit.external_id(
        placement.get("candidate_id")
    )
    offer_id = provider_kit.external_id(offer.get("id")) or provider_kit.external_id(
        placement.get("offer_id")
    )
    if candidate_id is None:
        raise InvalidInputError(f"{kind}: no 'candidate' with an 'id'")
    if offer_id is None:
        return None  # a candidate not (yet) on a job: nothing to credit
    application_id = provider_kit.external_id(f"{candidate_id}-{offer_id}")
    if application_id is None:
        raise InvalidInputError(f"{kind}: candidate and offer ids too long to key an application")
    occurred_at = provider_kit.first_time(
        envelope.get("created_at"),
        placement.get("updated_at"),
        placement.get("created_at"),
        candidate.get("updated_at"),
        candidate.get("created_at"),
    )
    if occurred_at is None:
        raise InvalidInputError(f"{kind}: no 'created_at': when it happened cannot be known")
    return {
        "provider": NAME,
        "application_id": application_id,
        "candidate_id": candidate_id,
        "job_id": offer_id,
        "post_id": offer_id,
        "occurred_at": occurred_at,
    }


def _stage(stage: dict[str, Any]) -> base.Stage | None:
    name = base.first_text(stage.get("name"))
    category = (base.first_text(stage.get("category")) or "").lower()
    if name is None:
        return None
    kind = CATEGORY_KINDS.get(category) or base.stage_kind(name, category or None)
    if kind == "hired" and category and category not in HIRE_CATEGORIES:
        kind = base.stage_kind(None, category)  # a stage *named* "Hired" in another category is not the hire
    return base.Stage(name=name[:200], kind=kind)


def _is_talent_pool(offer: dict[str, Any]) -> bool:
    kind = offer.get("kind")
    return isinstance(kind, str) and kind.strip().lower() in {"talent_pool", "talentpool"}


def _evidence(body: dict[str, Any], candidate: dict[str, Any], placement: dict[str, Any]) -> base.Evidence:
    holders = (candidate, placement, body)
    found = [holder.get(key) for holder in holders for key in EVIDENCE_KEYS if key in holder]
    linked = [
        value
        for holder in holders
        for key, value in holder.items()
        if isinstance(key, str)
        and any(word in key.lower() for word in URL_KEY_WORDS)
        and not any(word in key.lower() for word in PICTURE_KEY_WORDS)
    ]
    texts = base.collect_texts(*found, *linked)
    urls = tuple(t for t in texts if t.startswith(("https://", "http://")))
    return base.Evidence(
        referrer_emails=tuple(_referrer_emails(candidate, placement, body)),
        texts=texts,
        referring_urls=urls[:20],
        candidate_email=_candidate_email(candidate),
    )


def _referrer_emails(*holders: dict[str, Any]) -> list[str]:
    """A referrer given as an e-mail address (or an object with one); names are only texts."""
    emails: list[str] = []
    for holder in holders:
        for key in ("referrer", "referral"):
            value = holder.get(key)
            email = provider_kit.email_address(value.get("email") if isinstance(value, dict) else value)
            if email and email not in emails:
                emails.append(email)
    return emails[:10]


def _candidate_email(candidate: dict[str, Any]) -> str | None:
    emails = candidate.get("emails")
    if isinstance(emails, list) and emails:
        first = emails[0]
        found = provider_kit.email_address(
            (first.get("email") or first.get("value")) if isinstance(first, dict) else first
        )
        if found:
            return found
    return provider_kit.email_address(candidate.get("email"))


# --------------------------------------------------------------------------------- offers
def _offer_changes(kind: str, envelope: dict[str, Any], body: dict[str, Any]) -> list[base.Change]:
    offer = provider_kit.as_dict(body.get("offer"))
    if _is_talent_pool(offer):
        return []
    offer_id = provider_kit.external_id(offer.get("id"))
    if offer_id is None:
        raise InvalidInputError(f"{kind}: no 'offer' with an 'id'")
    title = base.first_text(offer.get("title"), offer.get("name"))
    updated_at = provider_kit.first_time(offer.get("updated_at"), envelope.get("created_at"))
    location = _location(offer)
    if kind in OFFER_DELETED:
        return [
            base.JobPostDeleted(
                provider=NAME,
                post_id=offer_id,
                job_id=offer_id,
                title=title[:300] if title else None,
                location=location,
                updated_at=updated_at,
            )
        ]
    if title is None:
        raise InvalidInputError(f"{kind}: an offer needs a 'title'")
    if updated_at is None:
        raise InvalidInputError(f"{kind}: no 'updated_at' or 'created_at': its order cannot be known")
    status = (base.first_text(offer.get("status")) or "").lower()
    if status:
        live = status == "published"
    elif kind in OFFER_PUBLISHED | OFFER_UNPUBLISHED:
        live = kind in OFFER_PUBLISHED
    else:
        return []  # an update that does not say whether the offer is published
    department = _named(offer.get("department"))
    tags = offer.get("tags")
    tag_texts = [t for t in (tags if isinstance(tags, list) else []) if isinstance(t, str) and t.strip()]
    return [
        base.JobChanged(
            provider=NAME,
            job_id=offer_id,
            name=title[:300],
            department=department[:100] if department else None,
            location=location,
            tags=provider_kit.unique_texts(department, location, *tag_texts),
            status=OFFER_STATUSES.get(status),
        ),
        base.JobPostChanged(
            provider=NAME,
            post_id=offer_id,
            job_id=offer_id,
            title=title[:300],
            location=location,
            url=_public_url(offer),
            live=live,
            updated_at=updated_at,
        ),
    ]


def _location(offer: dict[str, Any]) -> str | None:
    place = _named(offer.get("location"))
    if place is None:
        parts = [base.first_text(offer.get(k)) for k in ("city", "country")]
        place = ", ".join(p for p in parts if p) or None
    return place[:200] if place else None


def _public_url(offer: dict[str, Any]) -> str | None:
    return provider_kit.https_url(offer.get("careers_url"), offer.get("url"), offer.get("careers_apply_url"))


# --------------------------------------------------------------------------------- small readers
def _named(value: object) -> str | None:
    return base.first_text(value.get("name")) if isinstance(value, dict) else base.first_text(value)


# --------------------------------------------------------------------------------- job board
def job_board() -> base.JobBoard:
    """The company's careers site on Recruitee (``<subdomain>.recruitee.com/o/<offer slug>``; a
    custom domain is one of the organisation's careers hosts)."""
    subdomain = config.vacancies().recruitee_subdomain.lower()
    return base.JobBoard(
        parameter="RecruiteeSubdomain",
        domains=("recruitee.com",),
        pages=(base.BoardPage(f"{subdomain}.recruitee.com"),) if subdomain else (),
    )

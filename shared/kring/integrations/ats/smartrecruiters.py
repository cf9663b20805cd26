"""SmartRecruiters (Webhooks Subscriptions API; the Customer API for everything the webhook lacks).

- Activation: once a subscription is activated, SmartRecruiters POSTs a request with an
  ``X-Hook-Secret`` header and expects **200 echoing the same header** within 20 s. That is
  answered by :func:`handshake`, before any signature check (nothing is stored or applied).
- Every delivery is signed: ``smartrecruiters-signature: v1=<hex>[;v1=<hex>…]`` (one per live key;
  any match is enough) with ``v1 = hex(HMAC-SHA256(key, timestamp + "." + body + "." + event-id +
  "." + event-name + "." + event-version + "." + link))`` — the raw body bytes, an empty string for
  a missing header — and ``smartrecruiters-timestamp`` (unix seconds) within
  :data:`TOLERANCE_SECONDS` of :func:`now` either way: a stale delivery is a 401.
- The answer is **202** (within 5 s; up to 10 redeliveries over 24 h otherwise). The delivery id
  is the ``event-id`` header.
- The event's name is a header, not in the body, so :func:`parse_delivery` wraps the body with the
  headers :func:`normalise` needs (``event-name``, ``event-version``, ``link``, the timestamp).
- Bodies carry ids only: ``application.created`` / ``application.status.updated`` →
  ``{"job_id", "candidate_id"}``; ``job.created`` / ``job.updated`` / ``job.status.updated`` →
  ``{"id"}`` (the ``link`` header's URL is read when the body lacks them). Each becomes a
  :class:`~base.FetchNeeded`, completed by :func:`fetch` through :class:`SmartRecruitersClient`
  (``X-SmartToken``): ``GET /candidates/{cid}/jobs/{jid}`` (status, source, referrer),
  ``GET /candidates/{cid}`` (e-mail for the self-referral check, tags, web links),
  ``GET /candidates/{cid}/jobs/{jid}/screening-answers``; for jobs ``GET /jobs/{id}`` and
  ``GET /jobs/{id}/publication`` (``postingUrl`` / ``applyUrl``; 404 = not published).
- An application has no id of its own in the webhook: Kring's application id is
  :func:`application_id` (the first 40 hex digits of sha256 of ``<candidate id>:<job id>``), the
  same for every event of one candidate's application to one job.
- Status → change: NEW / LEAD → applied, IN_REVIEW → screening, INTERVIEW → interview, OFFER(ED)
  → offer, HIRED → :class:`~base.Hired`, REJECTED → :class:`~base.Rejected`; anything else (WITHDRAWN,
  TRANSFERRED …) a stage of kind ``other``. ``application.created`` is always an
  :class:`~base.ApplicationSubmitted` (plus the hire or rejection if it was created in that state).
- A job is live when its publication has a URL, its status is SOURCING, INTERVIEW or OFFER and its
  posting status (where present) is PUBLIC. The job API's fields are RECONSTRUCTED from the docs
  (README §8): code reads them defensively. The vacancy's order time is the fetch time — the API
  shows the state *now*, so the last fetch applied is the newest state.
"""

from __future__ import annotations

import hashlib
import re
import time
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, Final, Protocol

from pydantic import ValidationError

from kring import config
from kring.errors import InvalidInputError
from kring.integrations.ats import base, provider_kit
from kring.integrations.ats.http import JsonApi, if_found, path_segment
from kring.models.common import Locale, Provider, StageKind

NAME: Final[Provider] = "smartrecruiters"
ACK_STATUS: Final = 202

HOOK_SECRET_HEADER = "x-hook-secret"  # noqa: S105 - a header name, not a secret
SIGNATURE_HEADER = "smartrecruiters-signature"
TIMESTAMP_HEADER = "smartrecruiters-timestamp"
EVENT_ID_HEADER = "event-id"
EVENT_NAME_HEADER = "event-name"
EVENT_VERSION_HEADER = "event-version"
LINK_HEADER = "link"
TOLERANCE_SECONDS = 300

APPLICATION_CREATED = "application.created"
APPLICATION_EVENTS = frozenset({APPLICATION_CREATED, "application.status.updated"})
JOB_EVENTS = frozenset({"job.created", "job.updated", "job.status.updated"})

_STAGE_KINDS: Final[dict[str, StageKind]] = {
    "LEAD": "applied",
    "NEW": "applied",
    "IN_REVIEW": "screening",
    "INTERVIEW": "interview",
    "OFFER": "offer",
    "OFFERED": "offer",
}
_LIVE_JOB_STATUSES = frozenset({"SOURCING", "INTERVIEW", "OFFER"})
_JOB_STATUSES: Final[dict[str, base.JobStatus]] = {
    "SOURCING": "open",
    "INTERVIEW": "open",
    "OFFER": "open",
    "FILLED": "closed",
    "CANCELLED": "closed",
    "CREATED": "draft",
    "ON_HOLD": "draft",
}
_HOOK_SECRET = re.compile(r"\A[\x21-\x7e]{1,512}\Z")  # visible ASCII: safe to echo in a header
_LINK_APPLICATION = re.compile(r"/jobs/([^/?#>]+)/candidates/([^/?#>]+)")
_LINK_APPLICATION_ALT = re.compile(r"/candidates/([^/?#>]+)/jobs/([^/?#>]+)")
_LINK_JOB = re.compile(r"/jobs/([^/?#>]+)/?>")


def now() -> float:
    """The clock signatures are checked against: module-level, so tests can set the time."""
    return time.time()


# --------------------------------------------------------------------------------- the contract
def handshake(headers: Mapping[str, str], raw_body: bytes) -> base.Reply | None:
    """The activation request: 200 with the same ``X-Hook-Secret`` header, nothing else done."""
    del raw_body
    value = headers.get(HOOK_SECRET_HEADER)
    if value is None:
        return None
    value = value.strip()
    if not _HOOK_SECRET.match(value):
        raise InvalidInputError("X-Hook-Secret is not a plain token")
    return base.Reply(200, {"activated": True}, {"X-Hook-Secret": value})


def signature(
    key: str,
    timestamp: str,
    raw_body: bytes,
    *,
    event_id: str,
    event_name: str,
    event_version: str,
    link: str,
) -> str:
    """The hex ``v1`` signature of one delivery (the vendor's documented scheme)."""
    message = (
        f"{timestamp}.".encode() + raw_body + f".{event_id}.{event_name}.{event_version}.{link}".encode()
    )
    return provider_kit.hmac_sha256_hex(key, message)


def verify(headers: Mapping[str, str], raw_body: bytes, secret: str) -> bool:
    timestamp = headers.get(TIMESTAMP_HEADER, "").strip()
    if (
        not (timestamp.isascii() and timestamp.isdigit())
        or len(timestamp) > 12
        or abs(now() - int(timestamp)) > TOLERANCE_SECONDS
    ):
        return False
    digests = [
        part.strip()[3:]
        for part in re.split(r"[;,]", headers.get(SIGNATURE_HEADER, ""))
        if part.strip().startswith("v1=") and provider_kit.is_sha256_hex(part.strip()[3:])
    ]
    if not digests:
        return False
    expected = signature(
        secret,
        timestamp,
        raw_body,
        event_id=headers.get(EVENT_ID_HEADER, ""),
        event_name=headers.get(EVENT_NAME_HEADER, ""),
        event_version=headers.get(EVENT_VERSION_HEADER, ""),
        link=headers.get(LINK_HEADER, ""),
    )
    return provider_kit.hex_digest_matches(expected, *digests)


def parse_delivery(headers: Mapping[str, str], raw_body: bytes) -> dict[str, Any]:
    """The payload :func:`event_name` and :func:`normalise` see: the JSON body with the headers
    that say what it is (SmartRecruiters puts the event's name in a header, not in the body)."""
    return {
        "event": headers.get(EVENT_NAME_HEADER, "").strip(),
        "version": headers.get(EVENT_VERSION_HEADER, "").strip(),
        "link": headers.get(LINK_HEADER, "").strip(),
        "timestamp": headers.get(TIMESTAMP_HEADER, "").strip(),
        "body": base.parse_json(raw_body),
    }


def delivery_id(headers: Mapping[str, str], raw_body: bytes) -> str:
    return provider_kit.delivery_id_text(headers.get(EVENT_ID_HEADER)) or provider_kit.hashed_delivery_id(
        raw_body
    )


def event_name(payload: Any) -> str:
    return provider_kit.event_name_of(payload, "event")


def normalise(payload: Any) -> list[base.Change]:
    if not isinstance(payload, dict) or "body" not in payload:
        raise InvalidInputError("a SmartRecruiters delivery is read through parse_delivery")
    event = event_name(payload)
    body = payload["body"] if isinstance(payload["body"], dict) else {}
    link = payload.get("link") if isinstance(payload.get("link"), str) else ""
    occurred_at = _timestamp(payload.get("timestamp")) or _now()
    if event in APPLICATION_EVENTS:
        candidate_id, job_id = (
            provider_kit.external_id(body.get("candidate_id")),
            provider_kit.external_id(body.get("job_id")),
        )
        if candidate_id is None or job_id is None:
            candidate_id, job_id = _application_from_link(link or "")
        if candidate_id is None or job_id is None:
            raise InvalidInputError(f"{event}: no candidate_id and job_id")
        ids = {"candidate_id": candidate_id, "job_id": job_id}
        return [base.FetchNeeded(provider=NAME, event=event, ids=ids, occurred_at=occurred_at)]
    if event in JOB_EVENTS:
        job_id = (
            provider_kit.external_id(body.get("id"))
            or provider_kit.external_id(body.get("job_id"))
            or _job_from_link(link or "")
        )
        if job_id is None:
            raise InvalidInputError(f"{event}: no job id")
        return [base.FetchNeeded(provider=NAME, event=event, ids={"job_id": job_id}, occurred_at=occurred_at)]
    return []


def fetch(request: base.FetchNeeded, api: SmartRecruitersApi | None = None) -> list[base.Change]:
    """What an ids-only delivery stands for, read from the SmartRecruiters API (``api`` or the
    configured :class:`SmartRecruitersClient`). 404 on the application, candidate or job is
    permanent (:class:`~kring.integrations.ats.http.ApiNotFoundError`); 5xx, 429, timeouts are
    :class:`~kring.errors.TransientError`."""
    client = api or SmartRecruitersClient.from_config()
    try:
        if request.event in APPLICATION_EVENTS:
            return _fetched_application(client, request)
        if request.event in JOB_EVENTS:
            return _fetched_job(client, request)
    except ValidationError as exc:
        raise InvalidInputError(f"smartrecruiters {request.event}: {provider_kit.first_error(exc)}") from exc
    raise InvalidInputError(f"smartrecruiters cannot fetch {request.event[:60]!r}")


def application_id(candidate_id: str, job_id: str) -> str:
    """Kring's id of one candidate's application to one job (SmartRecruiters sends none)."""
    return hashlib.sha256(f"{candidate_id}:{job_id}".encode()).hexdigest()[:40]


# --------------------------------------------------------------------------------- the API port
class SmartRecruitersApi(Protocol):
    """The SmartRecruiters Customer API calls :func:`fetch` makes; each returns the JSON answer."""

    def application(self, candidate_id: str, job_id: str) -> Any: ...

    def candidate(self, candidate_id: str) -> Any: ...

    def screening_answers(self, candidate_id: str, job_id: str) -> Any: ...

    def job(self, job_id: str) -> Any: ...

    def publication(self, job_id: str) -> Any: ...


class SmartRecruitersClient:
    """The Customer API (``SMARTRECRUITERS_API_URL``, default ``https://api.smartrecruiters.com``)
    with the ``X-SmartToken`` API key."""

    def __init__(self, base_url: str, api_key: str, *, timeout: float | None = None) -> None:
        self._api = JsonApi(base_url, {"X-SmartToken": api_key}, timeout=timeout)

    @classmethod
    def from_config(cls) -> SmartRecruitersClient:
        return cls(config.ats().smartrecruiters_api_url, provider_kit.fetch_api_key(NAME, "SmartRecruiters"))

    def application(self, candidate_id: str, job_id: str) -> Any:
        return self._api.get(f"candidates/{path_segment(candidate_id)}/jobs/{path_segment(job_id)}")

    def candidate(self, candidate_id: str) -> Any:
        return self._api.get(f"candidates/{path_segment(candidate_id)}")

    def screening_answers(self, candidate_id: str, job_id: str) -> Any:
        return self._api.get(
            f"candidates/{path_segment(candidate_id)}/jobs/{path_segment(job_id)}/screening-answers"
        )

    def job(self, job_id: str) -> Any:
        return self._api.get(f"jobs/{path_segment(job_id)}")

    def publication(self, job_id: str) -> Any:
        return self._api.get(f"jobs/{path_segment(job_id)}/publication")


# --------------------------------------------------------------------------------- fetches
def _fetched_application(client: SmartRecruitersApi, request: base.FetchNeeded) -> list[base.Change]:
    candidate_id = request.ids.get("candidate_id") or ""
    job_id = request.ids.get("job_id") or ""
    application = _object(client.application(candidate_id, job_id), "application")
    candidate = _object(client.candidate(candidate_id), "candidate")
    answers = if_found(lambda: client.screening_answers(candidate_id, job_id))
    status = (provider_kit.clipped_text(application.get("status"), 40) or "NEW").upper()
    sources = [application.get(k) for k in ("source", "sourceDetails", "sourceType", "sourceSubType")]
    referrers = _referrers(application)
    evidence = base.Evidence(
        referrer_emails=tuple(dict.fromkeys(e for e, _ in referrers if e)),
        referrer_employee_ids=tuple(dict.fromkeys(i for _, i in referrers if i)),
        texts=base.collect_texts(*sources, candidate.get("tags"), candidate.get("web"), answers),
        referring_urls=tuple(dict.fromkeys(t for t in base.collect_texts(*sources) if t.startswith("http"))),
        candidate_email=provider_kit.clipped_text(candidate.get("email"), 320),
    )
    common: dict[str, Any] = {
        "provider": NAME,
        "application_id": application_id(candidate_id, job_id),
        "candidate_id": candidate_id,
        "job_id": job_id,
        "post_id": job_id,
    }
    stage = _stage(status, application.get("subStatus"))
    if request.event == APPLICATION_CREATED:
        applied_at = (
            provider_kit.parse_zoned_time(application.get("createdOn"))
            or provider_kit.parse_zoned_time(application.get("appliedOn"))
            or provider_kit.parse_zoned_time(application.get("applicationDate"))
            or request.occurred_at
        )
        changes: list[base.Change] = [
            base.ApplicationSubmitted(
                **common,
                stage=stage
                if status not in ("HIRED", "REJECTED")
                else base.Stage(name="New", kind="applied"),
                evidence=evidence,
                occurred_at=applied_at,
            )
        ]
        if status == "HIRED":
            changes.append(base.Hired(**common, evidence=evidence, occurred_at=request.occurred_at))
        elif status == "REJECTED":
            changes.append(base.Rejected(**common, occurred_at=request.occurred_at))
        return changes
    if status == "HIRED":
        return [base.Hired(**common, evidence=evidence, occurred_at=request.occurred_at)]
    if status == "REJECTED":
        return [base.Rejected(**common, occurred_at=request.occurred_at)]
    return [base.StageChanged(**common, stage=stage, evidence=evidence, occurred_at=request.occurred_at)]


def _stage(status: str, sub_status: object) -> base.Stage:
    name = status.replace("_", " ").capitalize()
    detail = provider_kit.clipped_text(sub_status, 150)
    return base.Stage(name=f"{name}: {detail}" if detail else name, kind=_STAGE_KINDS.get(status, "other"))


def _referrers(application: dict[str, Any]) -> list[tuple[str | None, str | None]]:
    """``(e-mail, employee id)`` of a referrer on the application, if the API shows one (the field
    is unverified: ``referrer`` / ``referredBy`` / ``referral``, an object or a list of them)."""
    out: list[tuple[str | None, str | None]] = []
    for key in ("referrer", "referredBy", "referral"):
        value = application.get(key)
        for item in value if isinstance(value, list) else [value]:
            if not isinstance(item, dict):
                continue
            user = item.get("user")
            person: dict[str, Any] = user if isinstance(user, dict) else item
            email = provider_kit.clipped_text(person.get("email"), 320)
            employee = provider_kit.clipped_text(person.get("employeeId") or person.get("externalId"), 64)
            if email or employee:
                out.append((email, employee))
    return out[:10]


def _fetched_job(client: SmartRecruitersApi, request: base.FetchNeeded) -> list[base.Change]:
    job_id = request.ids.get("job_id") or ""
    job = _object(client.job(job_id), "job")
    publication = if_found(lambda: client.publication(job_id))
    title = provider_kit.clipped_text(job.get("title") or job.get("name"), 300)
    if title is None:
        raise InvalidInputError(f"smartrecruiters job {job_id}: no title")
    status = (provider_kit.clipped_text(job.get("status"), 40) or "").upper()
    posting_status = (provider_kit.clipped_text(job.get("postingStatus"), 40) or "").upper()
    url = _publication_url(publication)
    live = (
        url is not None
        and (not status or status in _LIVE_JOB_STATUSES)
        and (not posting_status or posting_status == "PUBLIC")
    )
    location = _location(job.get("location"))
    department = job.get("department")
    return [
        base.JobChanged(
            provider=NAME,
            job_id=job_id,
            name=title,
            department=provider_kit.clipped_text(
                department.get("label") if isinstance(department, dict) else department, 100
            ),
            location=location,
            status=_JOB_STATUSES.get(status),
        ),
        base.JobPostChanged(
            provider=NAME,
            post_id=job_id,
            job_id=job_id,
            title=title,
            location=location,
            url=url,
            live=live,
            language=_language(job.get("language")),
            updated_at=_now(),
        ),
    ]


def _publication_url(publication: Any) -> str | None:
    """``postingUrl`` (the public page), else ``applyUrl``; the answer may be one publication or
    a list of them (``content``). Stripped first, unlike
    :func:`~provider_kit.https_url`."""
    items = publication.get("content") if isinstance(publication, dict) else publication
    for item in items if isinstance(items, list) else [publication]:
        if isinstance(item, dict):
            for key in ("postingUrl", "applyUrl"):
                url = base.first_text(item.get(key))
                if url and url.startswith("https://") and len(url) <= 2000:
                    return url
    return None


def _location(value: object) -> str | None:
    if isinstance(value, str):
        return provider_kit.clipped_text(value, 200)
    if not isinstance(value, dict):
        return None
    parts = [base.first_text(value.get(k)) for k in ("city", "region", "country")]
    place = ", ".join(dict.fromkeys(p for p in parts if p))
    if not place and value.get("remote") is True:
        place = "Remote"
    return place[:200] or None


def _language(value: object) -> Locale:
    # A language code only (``nl``, ``nl-NL``, ``nl_BE``), as the API sends it: unlike
    # common.declared_locale, a language *name* (``Dutch``) is not read.
    code = value.get("code") if isinstance(value, dict) else value
    declared = (base.first_text(code) or "").lower()
    return "nl" if declared.split("-")[0].split("_")[0] == "nl" else "en"


def _object(answer: Any, what: str) -> dict[str, Any]:
    if not isinstance(answer, dict):
        raise InvalidInputError(f"smartrecruiters answered without a {what}")
    return answer


# --------------------------------------------------------------------------------- small values
def _application_from_link(link: str) -> tuple[str | None, str | None]:
    match = _LINK_APPLICATION.search(link)
    if match:
        return provider_kit.external_id(match.group(2)), provider_kit.external_id(match.group(1))
    match = _LINK_APPLICATION_ALT.search(link)
    if match:
        return provider_kit.external_id(match.group(1)), provider_kit.external_id(match.group(2))
    return None, None


def _job_from_link(link: str) -> str | None:
    match = _LINK_JOB.search(link)
    return provider_kit.external_id(match.group(1)) if match else None


def _timestamp(value: object) -> datetime | None:
    if isinstance(value, str) and (value.isascii() and value.isdigit()) and len(value) <= 12:
        return datetime.fromtimestamp(int(value), UTC)
    return None


def _now() -> datetime:
    return datetime.fromtimestamp(now(), UTC)


# --------------------------------------------------------------------------------- job board
def job_board() -> base.JobBoard:
    """The company's postings on SmartRecruiters (``jobs.smartrecruiters.com/<company id>/<id>-<slug>``,
    and its career page on ``careers.smartrecruiters.com/<company id>``)."""
    company = config.vacancies().smartrecruiters_company
    hosts = ("jobs.smartrecruiters.com", "careers.smartrecruiters.com")
    return base.JobBoard(
        parameter="SmartRecruitersCompany",
        domains=("smartrecruiters.com",),
        pages=tuple(base.BoardPage(host, company) for host in hosts) if company else (),
    )

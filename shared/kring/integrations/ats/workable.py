"""Workable (SPI v3 webhook subscriptions; jobs polled from ``GET /jobs``).

Webhooks:

- ``X-Workable-Signature`` is the lower-hex HMAC-SHA256 of the raw body, keyed with the API token
  (or OAuth app secret) that created the subscription — so Kring's ``webhook-secret-workable`` is
  that token. No timestamp: deduplication is the replay defence. Anything but 200 is replayed.
- No delivery id either. The body is the candidate's state *at send time*, so the delivery id is
  a hash of (event type, candidate id, ``updated_at``) — the same for a replay even if Workable
  renders the body again — and a hash of the body when one of the three is missing.
- The samples are RECONSTRUCTED (envelope ``{"event_type", "data": <candidate>}`` as open-source
  handlers read it), so the module reads defensively: the candidate is ``data``, else
  ``candidate``, else the body itself; the event type ``event_type``, else ``event``.
- ``candidate_created`` → :class:`~base.ApplicationSubmitted`. A Workable candidate belongs to one job,
  so the application id *is* the candidate id (both ``data.id``); the job is ``job.shortcode``
  (also the post id: Workable has one advert per job). ``candidate_moved`` → :class:`~base.Rejected`
  when ``disqualified``; :class:`~base.Hired` when the stage is a hired stage, or ``hired_at`` is set
  and the stage is not one Kring recognises as earlier (a candidate moved back from Hired keeps a
  recognisable stage); else :class:`~base.StageChanged`. Moves carry the whole candidate, so they
  carry the evidence too. A candidate without a job (a talent pool) is ignored.
- ``occurred_at``: created → ``created_at``; hired → ``hired_at``; disqualified →
  ``disqualified_at``; then ``updated_at``; the time of receipt when there is none.
- Evidence: texts from ``domain``, ``source(s)``, ``sourced`` (when a string), ``answers``,
  ``tags``, custom/profile fields and referral records; referrers from ``referrer`` /
  ``referred_by`` / ``referral`` (e-mail, employee id); the candidate's ``email``.

Jobs: Workable has no job events, so :func:`published_posts` reads ``GET {WORKABLE_API_URL}/jobs
?state=published`` (bearer ``ats-api-key-workable``, scope ``r_jobs``), following ``paging.next``,
for the job poller (:mod:`kring.intake.job_feeds`): per job a :class:`~base.JobChanged` (department,
location) and a live :class:`~base.JobPostChanged`. Without ``WORKABLE_API_URL`` (the ``WorkableSubdomain``
parameter left empty) or the key, Workable is not polled.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final, Protocol
from urllib.parse import parse_qsl, urlsplit

from pydantic import ValidationError

from kring import config
from kring.errors import InvalidInputError, ProviderNotConfiguredError
from kring.integrations.ats import base, provider_kit
from kring.integrations.ats.http import ApiRequestError, JsonApi
from kring.integrations.secrets import get_secret
from kring.models.common import Provider
from kring.observability import logger

NAME: Final[Provider] = "workable"
ACK_STATUS: Final = 200

SIGNATURE_HEADER = "x-workable-signature"
CREATED = "candidate_created"
MOVED = "candidate_moved"
PAGE_SIZE = 100
MAX_PAGES = 50
_REFERRAL_KEYS = ("referrer", "referred_by", "referral")
_TEXT_KEYS = (
    "domain",
    "source",
    "sources",
    "answers",
    "tags",
    "custom_attributes",
    "custom_fields",
    "profile_fields",
    *_REFERRAL_KEYS,
)


# --------------------------------------------------------------------------------- the contract
def handshake(headers: Mapping[str, str], raw_body: bytes) -> base.Reply | None:
    """Workable sends nothing before a subscription exists, and signs everything after."""
    del headers, raw_body
    return None


def verify(headers: Mapping[str, str], raw_body: bytes, secret: str) -> bool:
    given = headers.get(SIGNATURE_HEADER, "").strip().lower().removeprefix("sha256=")
    if not given:
        return False
    return provider_kit.hmac_sha256_matches(secret, raw_body, given)


def delivery_id(headers: Mapping[str, str], raw_body: bytes) -> str:
    del headers
    payload = provider_kit.loads_or_none(raw_body)
    if isinstance(payload, dict):
        candidate = _candidate_of(payload)
        event = _event_of(payload)
        parts = (
            event,
            provider_kit.id_text(candidate.get("id")),
            base.first_text(candidate.get("updated_at")),
        )
        if all(parts):
            key = "\n".join(p for p in parts if p)
            return provider_kit.hashed_delivery_id(key.encode("utf-8"))
    return provider_kit.hashed_delivery_id(raw_body)


def event_name(payload: Any) -> str:
    event = _event_of(payload) if isinstance(payload, dict) else None
    return event[:100] if event else "unknown"


def normalise(payload: Any) -> list[base.Change]:
    if not isinstance(payload, dict):
        raise InvalidInputError("a Workable web hook is a JSON object")
    event = _event_of(payload)
    if event not in (CREATED, MOVED):
        return []
    candidate = _candidate_of(payload)
    candidate_id = provider_kit.id_text(candidate.get("id"))
    if candidate_id is None:
        raise InvalidInputError(f"{event}: no candidate id")
    job = candidate.get("job")
    job_id = provider_kit.id_text(job.get("shortcode")) if isinstance(job, dict) else None
    if job_id is None:
        return []  # a talent-pool candidate: no job, no vacancy
    common: dict[str, Any] = {
        "provider": NAME,
        "application_id": candidate_id,
        "candidate_id": candidate_id,
        "job_id": job_id,
        "post_id": job_id,
    }
    try:
        return [_change(event, candidate, common)]
    except ValidationError as exc:
        raise InvalidInputError(f"{event}: {provider_kit.first_error(exc)}") from exc


def _change(event: str, candidate: Mapping[str, Any], common: dict[str, Any]) -> base.Change:
    stage = _stage(candidate)
    evidence = _evidence(candidate)
    updated = candidate.get("updated_at")
    if event == CREATED:
        when = provider_kit.first_time_or_now(candidate.get("created_at"), updated)
        return base.ApplicationSubmitted(**common, occurred_at=when, stage=stage, evidence=evidence)
    if candidate.get("disqualified") is True:
        return base.Rejected(
            **common, occurred_at=provider_kit.first_time_or_now(candidate.get("disqualified_at"), updated)
        )
    hired_at = candidate.get("hired_at")
    kind = stage.kind if stage else None
    if kind == "hired" or (provider_kit.parse_time(hired_at) is not None and kind in (None, "other")):
        return base.Hired(
            **common, occurred_at=provider_kit.first_time_or_now(hired_at, updated), evidence=evidence
        )
    if stage is None:
        raise InvalidInputError(f"{event}: no stage")
    return base.StageChanged(
        **common, occurred_at=provider_kit.first_time_or_now(updated), stage=stage, evidence=evidence
    )


# --------------------------------------------------------------------------------- payload reading
def _candidate_of(payload: Mapping[str, Any]) -> Mapping[str, Any]:
    candidate = payload.get("data") or payload.get("candidate") or payload
    if not isinstance(candidate, dict):
        raise InvalidInputError("the Workable candidate is not an object")
    return candidate


def _event_of(payload: Mapping[str, Any]) -> str | None:
    return base.first_text(payload.get("event_type"), payload.get("event"))


def _stage(candidate: Mapping[str, Any]) -> base.Stage | None:
    """The stage by name, its kind from Workable's stage kind or slug where sent (``hired``,
    ``offer``, ``interview``, ``phone-screen`` …), else from the name."""
    raw = candidate.get("stage")
    hints: tuple[str | None, ...]
    if isinstance(raw, dict):
        name = base.first_text(raw.get("name"), raw.get("slug"))
        hints = (base.first_text(raw.get("kind")), base.first_text(raw.get("slug")))
    else:
        name = base.first_text(raw, candidate.get("stage_name"))
        hints = (base.first_text(candidate.get("stage_kind")),)
    return base.Stage(name=name[:200], kind=base.stage_kind(name, *hints)) if name else None


def _evidence(candidate: Mapping[str, Any]) -> base.Evidence:
    emails: list[str] = []
    employee_ids: list[str] = []
    for key in _REFERRAL_KEYS:
        record = candidate.get(key)
        if isinstance(record, dict):
            email = base.first_text(record.get("email"), record.get("email_address"))
            employee_id = provider_kit.id_text(record.get("employee_id"))
            emails.extend([email] if email else [])
            employee_ids.extend([employee_id] if employee_id else [])
        elif isinstance(record, str) and "@" in record:
            emails.append(record.strip())
    sourced = candidate.get("sourced")
    emails_given = candidate.get("emails")  # some accounts: [{"value": …}] instead of "email"
    return base.Evidence(
        referrer_emails=tuple(emails),
        referrer_employee_ids=tuple(employee_ids),
        texts=base.collect_texts(
            *(candidate.get(key) for key in _TEXT_KEYS), sourced if isinstance(sourced, str) else None
        ),
        referring_urls=tuple(
            u for u in (base.first_text(candidate.get(k)) for k in ("referring_url", "referrer_url")) if u
        ),
        candidate_email=base.first_text(
            candidate.get("email"),
            *(e.get("value") if isinstance(e, dict) else e for e in provider_kit.as_list(emails_given)),
        ),
    )


# --------------------------------------------------------------------------------- published jobs
class WorkableJobs(Protocol):
    """The port the job poller reads Workable through."""

    def published_jobs(self) -> list[dict[str, Any]]:
        """Every published job (raw SPI v3 job objects), every page.
        Raises :class:`~kring.errors.TransientError` when Workable cannot be read right now."""
        ...


class WorkableApi:
    """``GET /jobs?state=published`` with the account's bearer token, following ``paging.next``.

    Only the next link's query (``since_id``, ``limit`` …) is used, always against the configured
    base URL: the token is never sent to a host a response names.
    """

    def __init__(self, base_url: str, api_key: str, *, timeout: float | None = None) -> None:
        self._api = JsonApi(base_url, {"Authorization": f"Bearer {api_key}"}, timeout=timeout)

    def published_jobs(self) -> list[dict[str, Any]]:
        params: dict[str, str] = {"state": "published", "limit": str(PAGE_SIZE)}
        jobs: list[dict[str, Any]] = []
        for _ in range(MAX_PAGES):
            page = self._api.get("jobs", params)
            if not isinstance(page, dict) or not isinstance(page.get("jobs"), list):
                raise ApiRequestError("GET jobs: the answer has no 'jobs' list")
            jobs.extend(job for job in page["jobs"] if isinstance(job, dict))
            following = _next_params(page.get("paging"))
            if following is None:
                return jobs
            following = {"state": "published", **following}
            if following == params:
                raise ApiRequestError("GET jobs: the next page is the same page")
            params = following
        raise ApiRequestError(f"GET jobs: more than {MAX_PAGES} pages")


def _next_params(paging: object) -> dict[str, str] | None:
    link = base.first_text(paging.get("next")) if isinstance(paging, dict) else None
    if link is None:
        return None
    parts = urlsplit(link)
    if not parts.path.rstrip("/").endswith("/jobs"):
        raise ApiRequestError(f"GET jobs: an unexpected next link {parts.path[:100]!r}")
    return dict(parse_qsl(parts.query))


def default_api() -> WorkableApi:
    """The API client from configuration; :class:`ProviderNotConfiguredError` without a base URL
    (``WorkableSubdomain`` left empty) or an API key."""
    base_url = config.ats().workable_api_url.strip()
    if not base_url:
        raise ProviderNotConfiguredError("workable is not polled: WORKABLE_API_URL is empty")

    api_key = get_secret(provider_kit.api_key_name(NAME))
    if not api_key:
        raise ProviderNotConfiguredError(f"workable is not polled: no {provider_kit.api_key_name(NAME)}")
    return WorkableApi(base_url, api_key)


def published_posts(api: WorkableJobs | None = None) -> list[base.JobPostChanged | base.JobChanged]:
    """Every job published on Workable right now: its :class:`~base.JobChanged` (department, location,
    tags: what the fan-out matches interests against), then its live post. A Workable job is its
    own advert, so ``post_id`` and ``job_id`` are both the shortcode, as on candidates.

    ``updated_at`` is the job's ``updated_at``, else its ``created_at`` (the jobs list has no
    update time; :mod:`kring.intake.job_feeds` orders what it sees changed by the poll's time). A job
    without a shortcode cannot be a vacancy and is skipped; one with a shortcode that cannot be
    read fails the whole poll (:class:`ApiRequestError`), because skipping it would close its
    vacancy. :class:`ProviderNotConfiguredError` without ``WORKABLE_API_URL`` or the API key."""
    out: list[base.JobPostChanged | base.JobChanged] = []
    for job in (api or default_api()).published_jobs():
        if provider_kit.id_text(job.get("shortcode")) is None:
            logger.warning("Workable job without a shortcode skipped", extra={"job": str(job.get("id"))[:40]})
            continue
        if base.first_text(job.get("state")) not in (None, "published"):
            continue  # listed although not published: not a vacancy (it closes if it was one)
        out.extend(_job_changes(job))
    return out


def _job_changes(job: Mapping[str, Any]) -> list[base.JobPostChanged | base.JobChanged]:
    shortcode = provider_kit.id_text(job.get("shortcode")) or ""
    title = base.first_text(job.get("title"), job.get("full_title"))
    location = _location(job)
    department = _department(job)
    place = job.get("location")
    city = base.first_text(place.get("city")) if isinstance(place, dict) else None
    if title is None:
        raise ApiRequestError(f"Workable job {shortcode[:40]} has no title")
    try:
        return [
            base.JobChanged(
                provider=NAME,
                job_id=shortcode,
                name=title[:300],
                department=department[:100] if department else None,
                location=location,
                tags=provider_kit.unique_texts(department, location, city, max_length=100),
                status="open",
            ),
            base.JobPostChanged(
                provider=NAME,
                post_id=shortcode,
                job_id=shortcode,
                title=title[:300],
                location=location,
                url=base.first_text(job.get("url"), job.get("shortlink"), job.get("application_url")),
                live=True,
                language=provider_kit.declared_locale(job.get("language")),
                updated_at=provider_kit.first_time_or_now(job.get("updated_at"), job.get("created_at")),
            ),
        ]
    except ValidationError as exc:
        raise ApiRequestError(
            f"Workable job {shortcode[:40]}: {provider_kit.first_error(exc, 'job')}"
        ) from exc


def _department(job: Mapping[str, Any]) -> str | None:
    """``department``, else the last (most specific) level of ``department_hierarchy``."""
    hierarchy = job.get("department_hierarchy")
    levels = [d.get("name") if isinstance(d, dict) else d for d in provider_kit.as_list(hierarchy)]
    return base.first_text(job.get("department"), *reversed(levels))


def _location(job: Mapping[str, Any]) -> str | None:
    found = job.get("location")
    locations = job.get("locations")
    if not isinstance(found, dict) and isinstance(locations, list) and locations:
        found = locations[0]
    if isinstance(found, str):
        return base.first_text(found[:200])
    if not isinstance(found, dict):
        return None
    parts = [p for p in (base.first_text(found.get(k)) for k in ("city", "region", "country")) if p]
    remote = found.get("telecommuting") is True or found.get("workplace_type") == "remote"
    where = base.first_text(found.get("location_str"), ", ".join(parts), "Remote" if remote else None)
    return where[:200] if where else None


# --------------------------------------------------------------------------------- job board
def job_board() -> base.JobBoard:
    """The account's careers page on Workable: ``apply.workable.com/<subdomain>/j/<shortcode>/``,
    and the older ``<subdomain>.workable.com/jobs/…``. The shortlink ``apply.workable.com/j/<code>``
    names no account, so it is never taken (the job's ``url`` comes first anyway)."""
    subdomain = config.vacancies().workable_subdomain.lower()
    return base.JobBoard(
        parameter="WorkableSubdomain",
        domains=("workable.com",),
        pages=(base.BoardPage("apply.workable.com", subdomain), base.BoardPage(f"{subdomain}.workable.com"))
        if subdomain
        else (),
    )

"""Teamtailor (company webhooks: Settings > Integrations > Webhooks; Teamtailor support may have to
switch the feature on).

Signatures
- ``TT-Signature`` (repeated in the body as ``signature``), version 2 only:
  ``base64("t=<unix>,v2=<hex HMAC-SHA256(key, t + "." + JSON.stringify(payload))>")``, where
  ``payload`` is the inner object of the body ``{"payload": {...}, "signature": "..."}``. ``t`` must
  be within :data:`TOLERANCE_SECONDS` of :func:`now`, either way: a stale signature is a 401.
- The signed bytes are what Teamtailor's Node sender produced with ``JSON.stringify``. That is the
  exact slice of the raw body between ``{"payload":`` and ``,"signature":"…"}`` — so the slice is
  tried first, found with two anchored byte patterns and nothing parsed. Only if the slice does not
  verify (another key order, whitespace) is the body parsed and ``payload`` re-serialised compactly
  (``separators=(",", ":"), ensure_ascii=False``: JSON.stringify's output for everything but
  numbers like ``1.0``); that parse only rebuilds the bytes to check, nothing of it is used before
  the signature matched. Which of the two Teamtailor really signs is unverified (README §1.2).
  A lone surrogate (``"\ud800"``, valid JSON) is re-serialised escaped, as JSON.stringify writes it.
- Version 1 (legacy: base64 of an HMAC over ``payload.data.id`` alone) is refused: it does not
  protect the body, so anyone holding one old delivery could send any content under it.
- This company scheme is the only one accepted. A request carrying the partner programmes'
  ``Teamtailor-Signature: t=<unix>,v1=<hex>`` header (job-board channel ads, partner stage
  triggers) is refused with 401 — :class:`~kring.errors.UnauthorizedError` raised by
  :func:`verify`, whatever else the request carries — and its signature is never computed.
  Teamtailor signs those with the partner's credentials (the job-board API key, the partner's
  provider key), never with a company webhook's key, so the only ones that could verify under
  Kring's key are forgeries: a trigger's v1 covers ``t + "." + partner-event.id`` alone, so a seen
  company delivery's ``t`` and digest, with its payload copied into ``partner-event.id``, "signed"
  any body at all for five minutes. Kring is not a Teamtailor partner; nothing legitimate is lost.

Delivery
- Teamtailor does not retry ("any non 2xx responses will be logged as a failed delivery"), so the
  answer is a fast 200 and anything slow (API calls) goes to the fetch queue. There is no event id:
  the delivery id is a hash of the event name, ``data.id`` and ``updated-at``, or (a payload
  without them) of the payload itself, canonically re-serialised: only what the signature covers
  makes the id, so no re-encoding of one signed delivery (whitespace, key order, the signature in
  the header or the body, its digest's case, a junk digest beside it) is a second delivery, and a
  replay within its five minutes is a no-op.
- ``job.create`` / ``job.update`` → :class:`~base.JobPostChanged` (Teamtailor's job *is* the advert: post
  id = job id), live when ``status`` is ``open``. The webhook has no public URL; an open job without
  ``careersite-job-url`` (or without a title or time) is fetched from the API instead
  (``GET /jobs/{id}``). ``job.destroy`` → :class:`~base.JobPostDeleted`. Attributes arrive kebab-case
  (the docs also show snake_case): every key is normalised ``-`` → ``_``.
- ``job_application.create`` / ``.update`` carry no candidate id and no source detail →
  :class:`~base.FetchNeeded`, completed by :func:`fetch` through :class:`TeamtailorClient`:
  ``GET /job-applications/{id}?include=candidate,job,stage``, the candidate's answers, and the
  referrals of the candidate (``GET /referrals?filter[candidate]=…&include=user``: the referring
  user's e-mail and external id) plus the webhook's ``referer_id`` user. Stage type ``Inbox`` /
  ``In process`` / ``Hired`` gives the funnel stage; ``rejected-at`` a rejection. A move out of
  Hired cannot be told from the API's current state: there is no unhire for Teamtailor.
- ``job_application.destroy`` and ``candidate.*`` are acknowledged and ignored.

Reconciliation (nothing lost although Teamtailor never retries a failed delivery)
- :func:`published_posts` reads the open jobs (``GET /jobs?filter[status]=open``) for the job
  poller (:mod:`kring.intake.job_feeds`): each job becomes the :class:`~base.JobPostChanged` a fetched
  ``job.update`` makes, so a job whose webhook was lost is published, and one closed since, closed.
- :func:`applications_updated_since` lists the job applications updated since a moment
  (``GET /job-applications?filter[updated-at][from]=…``): each becomes the :class:`~base.FetchNeeded`
  its ``job_application.*`` webhook makes (``.create`` while it was created in the window), so
  ``ats_fetch`` completes it through the same path.
- Both follow ``links.next`` (only its query, always against the configured base URL: the API key
  is never sent to a host a response names), and need the API key *and* the webhook secret: without
  either, Teamtailor is not connected and the poll does nothing
  (:class:`~kring.errors.ProviderNotConfiguredError`).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
import time
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from typing import Any, Final, Protocol
from urllib.parse import parse_qsl, urlsplit

from pydantic import ValidationError

from kring import config
from kring.errors import InvalidInputError, ProviderNotConfiguredError, UnauthorizedError
from kring.integrations.ats import base, provider_kit
from kring.integrations.ats.http import ApiRequestError, JsonApi, if_found, path_segment
from kring.integrations.secrets import get_secret
from kring.models.common import Locale, Provider
from kring.observability import logger

NAME: Final[Provider] = "teamtailor"
ACK_STATUS: Final = 200

SIGNATURE_HEADER = "tt-signature"
PARTNER_SIGNATURE_HEADER = "teamtailor-signature"
TOLERANCE_SECONDS = 300
API_VERSION = "20240404"
MAX_REFERRALS = 10
PAGE_SIZE = 30  # the API's largest page
MAX_PAGES = 200

JOB_CHANGED = frozenset({"job.create", "job.update"})
JOB_DESTROYED = "job.destroy"
APPLICATION_CREATED = "job_application.create"
APPLICATION_UPDATED = "job_application.update"
APPLICATION_EVENTS = frozenset({APPLICATION_CREATED, APPLICATION_UPDATED})
JOB_FETCHED = "job.fetch"  # the event name of a FetchNeeded for a job (open, URL missing)

# The body is {"payload":<payload>,"signature":"<base64>"}: the payload is everything in between.
_PAYLOAD_START = re.compile(rb'\A\s*\{\s*"payload"\s*:')
_PAYLOAD_END = re.compile(rb',\s*"signature"\s*:\s*"([A-Za-z0-9+/=]{1,1024})"\s*\}\s*\Z')


def now() -> float:
    """The clock signatures are checked against: module-level, so tests can set the time."""
    return time.time()


# --------------------------------------------------------------------------------- the contract
def handshake(headers: Mapping[str, str], raw_body: bytes) -> base.Reply | None:
    """Teamtailor has no activation request: every delivery is signed."""
    del headers, raw_body
    return None


def verify(headers: Mapping[str, str], raw_body: bytes, secret: str) -> bool:
    """The company scheme (v2) only; a partner-programme request is refused (see the module notes)."""
    if PARTNER_SIGNATURE_HEADER in headers:
        raise UnauthorizedError(
            "Teamtailor-Signature (Teamtailor's partner programmes) is not accepted: connect a "
            "company webhook with signature version v2 (TT-Signature)"
        )
    end = _PAYLOAD_END.search(raw_body)
    given = headers.get(SIGNATURE_HEADER, "").strip() or (end.group(1).decode("ascii") if end else "")
    parsed = parse_signature(given)
    if parsed is None:
        return False
    timestamp, digests = parsed
    if not _fresh(timestamp):
        return False
    key = secret.encode("utf-8")
    # The re-serialised payload is only built when the raw slice did not match (a lazy generator).
    return any(
        provider_kit.hex_digest_matches(sign(key, timestamp, signed), *digests)
        for signed in _signed_payloads(raw_body)
    )


def delivery_id(headers: Mapping[str, str], raw_body: bytes) -> str:
    """No event id exists: a hash of (event name, resource id, updated-at) — stable for one change
    of one resource; for a payload without those, a hash of the payload re-serialised canonically.
    Either is made of signed content only (called after :func:`verify`), never of the raw bytes
    around it, which anyone can vary without the key."""
    del headers
    body = base.parse_json(raw_body)
    inner = body.get("payload") if isinstance(body, dict) else None
    data = inner.get("data") if isinstance(inner, dict) else None
    if isinstance(inner, dict) and isinstance(data, dict):
        attributes = _attributes(data)
        parts = (inner.get("event_name"), data.get("id"), attributes.get("updated_at"))
        if all(isinstance(p, str | int) and not isinstance(p, bool) and str(p) for p in parts):
            key = "\n".join(str(p) for p in parts)
            # Its own "tt:" prefix (not hashed_delivery_id's "sha256:"): a hash of these parts, not
            # of content, and changing it would change every delivery id already recorded.
            return "tt:" + hashlib.sha256(key.encode("utf-8")).hexdigest()
    # Sorted keys, no whitespace, ASCII escapes: one text per JSON value. A JSON text never holds a
    # raw newline, so this cannot collide with the parts above.
    canonical = json.dumps(inner, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return "tt:" + hashlib.sha256(canonical.encode("ascii")).hexdigest()


def event_name(payload: Any) -> str:
    inner = payload.get("payload") if isinstance(payload, dict) else None
    name = inner.get("event_name") if isinstance(inner, dict) else None
    return name[:100] if isinstance(name, str) and name else "unknown"


def normalise(payload: Any) -> list[base.Change]:
    inner = payload.get("payload") if isinstance(payload, dict) else None
    if not isinstance(inner, dict) or not isinstance(inner.get("event_name"), str):
        raise InvalidInputError("a Teamtailor webhook is {'payload': {'event_name', 'data'}}")
    event: str = inner["event_name"]
    if event not in JOB_CHANGED | APPLICATION_EVENTS | {JOB_DESTROYED}:
        return []
    data = inner.get("data")
    if not isinstance(data, dict) or provider_kit.external_id(data.get("id")) is None:
        raise InvalidInputError(f"{event}: 'data' has no usable 'id'")
    resource_id = provider_kit.external_id(data.get("id")) or ""
    attributes = _attributes(data)
    try:
        if event in APPLICATION_EVENTS:
            return [_application_fetch(event, resource_id, attributes)]
        if event == JOB_DESTROYED:
            return [
                base.JobPostDeleted(
                    provider=NAME,
                    post_id=resource_id,
                    job_id=resource_id,
                    title=provider_kit.clipped_text(attributes.get("title"), 300),
                    updated_at=provider_kit.parse_zoned_time(attributes.get("updated_at")),
                )
            ]
        return [_job_changed(event, resource_id, attributes)]
    except ValidationError as exc:
        raise InvalidInputError(f"{event}: {provider_kit.first_error(exc)}") from exc


def fetch(request: base.FetchNeeded, api: TeamtailorApi | None = None) -> list[base.Change]:
    """What an ids-only delivery stands for, read from the Teamtailor API (``api`` or the
    configured :class:`TeamtailorClient`). 404 on the application or job is permanent
    (:class:`~kring.integrations.ats.http.ApiNotFoundError`); 5xx, 429, timeouts are
    :class:`~kring.errors.TransientError` (retried)."""
    client = api or TeamtailorClient.from_config()
    try:
        if request.event in APPLICATION_EVENTS:
            return _fetched_application(client, request)
        if request.event in JOB_CHANGED | {JOB_FETCHED}:
            return [_fetched_job(client, request)]
    except ValidationError as exc:
        raise InvalidInputError(f"teamtailor {request.event}: {provider_kit.first_error(exc)}") from exc
    raise InvalidInputError(f"teamtailor cannot fetch {request.event[:60]!r}")


# --------------------------------------------------------------------------------- signatures
def parse_signature(value: str) -> tuple[int, list[str]] | None:
    """``(t, [v2 digests])`` from a v2 ``TT-Signature``; ``None`` for anything else — a legacy v1
    value (base64 of a bare hex digest, no ``t``) included."""
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode("ascii")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    fields = _fields(decoded)
    digests = [v for k, v in fields if k == "v2" and provider_kit.is_sha256_hex(v)]
    timestamps = [v for k, v in fields if k == "t"]
    if (
        len(timestamps) != 1
        or not (timestamps[0].isascii() and timestamps[0].isdigit())
        or len(timestamps[0]) > 12
        or not digests
    ):
        return None
    return int(timestamps[0]), digests


def sign(key: bytes, timestamp: int, signed: bytes) -> str:
    """The hex HMAC-SHA256 over ``"<t>." + signed`` (v2)."""
    return provider_kit.hmac_sha256_hex(key, f"{timestamp}.".encode("ascii") + signed)


def _fields(text: str) -> list[tuple[str, str]]:
    out = []
    for part in text.split(","):
        name, sep, value = part.strip().partition("=")
        if sep:
            out.append((name.strip(), value.strip()))
    return out


def _fresh(timestamp: int) -> bool:
    return abs(now() - timestamp) <= TOLERANCE_SECONDS


def _signed_payloads(raw_body: bytes) -> Iterator[bytes]:
    """The bytes Teamtailor may have signed, most likely first: the raw slice, then (only if that
    did not match) the parsed payload re-serialised as JSON.stringify would."""
    start = _PAYLOAD_START.match(raw_body)
    end = _PAYLOAD_END.search(raw_body)
    if start and end and start.end() < end.start():
        yield raw_body[start.end() : end.start()]
    body = provider_kit.loads_or_none(raw_body)
    if isinstance(body, dict) and "payload" in body:
        text = json.dumps(body["payload"], separators=(",", ":"), ensure_ascii=False)
        # A lone surrogate cannot be UTF-8: JSON.stringify writes it as a lowercase \uXXXX escape,
        # which is exactly what backslashreplace makes of it.
        yield text.encode("utf-8", "backslashreplace")


# --------------------------------------------------------------------------------- webhooks
def _job_changed(event: str, job_id: str, attributes: dict[str, Any]) -> base.Change:
    status = (provider_kit.clipped_text(attributes.get("status"), 40) or "").lower()
    title = provider_kit.clipped_text(attributes.get("title"), 300)
    url = _url(attributes.get("careersite_job_url"))
    updated_at = provider_kit.parse_zoned_time(attributes.get("updated_at"))
    live = status == "open"
    if updated_at is None or title is None or (live and url is None):
        # Not enough to decide (an open job needs its public URL): read the job from the API.
        return base.FetchNeeded(
            provider=NAME,
            event=JOB_FETCHED,
            ids={"job_id": job_id},
            occurred_at=updated_at or _now(),
        )
    return base.JobPostChanged(
        provider=NAME,
        post_id=job_id,
        job_id=job_id,
        title=title,
        url=url,
        live=live,
        language=_language(attributes),
        updated_at=updated_at,
    )


def _application_fetch(event: str, application_id: str, attributes: dict[str, Any]) -> base.FetchNeeded:
    ids = {"application_id": application_id}
    for name in ("job_id", "referer_id", "promotion_id"):
        value = provider_kit.external_id(attributes.get(name))
        if value is not None:
            ids[name] = value
    return base.FetchNeeded(
        provider=NAME,
        event=event,
        ids=ids,
        occurred_at=provider_kit.parse_zoned_time(attributes.get("updated_at")) or _now(),
    )


# --------------------------------------------------------------------------------- the API port
class TeamtailorApi(Protocol):
    """The Teamtailor API calls :func:`fetch` makes; each returns the JSON:API document."""

    def job_application(self, application_id: str) -> Any: ...

    def job(self, job_id: str) -> Any: ...

    def candidate_answers(self, candidate_id: str) -> Any: ...

    def referrals(self, candidate_id: str) -> Any: ...

    def user(self, user_id: str) -> Any: ...


class TeamtailorLists(Protocol):
    """The Teamtailor API lists the reconciliation poll reads; each returns the resources of
    every page. Raise :class:`~kring.errors.TransientError` when Teamtailor cannot be read now."""

    def open_jobs(self) -> list[dict[str, Any]]: ...

    def job_applications_updated_since(self, since: datetime) -> list[dict[str, Any]]: ...


class TeamtailorClient:
    """The Teamtailor REST API (``TEAMTAILOR_API_URL``, default ``https://api.teamtailor.com/v1``)
    with ``Authorization: Token token=<key>`` and a pinned ``X-Api-Version``."""

    def __init__(self, base_url: str, api_key: str, *, timeout: float | None = None) -> None:
        self._api = JsonApi(
            base_url,
            {"Authorization": f"Token token={api_key}", "X-Api-Version": API_VERSION},
            timeout=timeout,
        )

    @classmethod
    def from_config(cls) -> TeamtailorClient:
        return cls(config.ats().teamtailor_api_url, provider_kit.fetch_api_key(NAME, "Teamtailor"))

    def job_application(self, application_id: str) -> Any:
        return self._api.get(
            f"job-applications/{path_segment(application_id)}", {"include": "candidate,job,stage"}
        )

    def job(self, job_id: str) -> Any:
        return self._api.get(f"jobs/{path_segment(job_id)}")

    def candidate_answers(self, candidate_id: str) -> Any:
        return self._api.get(f"candidates/{path_segment(candidate_id)}/answers")

    def referrals(self, candidate_id: str) -> Any:
        return self._api.get("referrals", {"filter[candidate]": candidate_id, "include": "user"})

    def user(self, user_id: str) -> Any:
        return self._api.get(f"users/{path_segment(user_id)}")

    def open_jobs(self) -> list[dict[str, Any]]:
        return self._every_page("jobs", {"filter[status]": "open", "page[size]": str(PAGE_SIZE)})

    def job_applications_updated_since(self, since: datetime) -> list[dict[str, Any]]:
        params = {
            "filter[updated-at][from]": since.astimezone(UTC).isoformat(timespec="seconds"),
            "page[size]": str(PAGE_SIZE),
        }
        return self._every_page("job-applications", params)

    def _every_page(self, path: str, params: dict[str, str]) -> list[dict[str, Any]]:
        """Every resource of a list, following ``links.next``: only the link's query is used,
        always against the configured base URL, so the key never goes where a response points."""
        resources: list[dict[str, Any]] = []
        first = params
        for _ in range(MAX_PAGES):
            page = self._api.get(path, params)
            data = page.get("data") if isinstance(page, dict) else None
            if not isinstance(data, list):
                raise ApiRequestError(f"GET {path}: the answer has no 'data' list")
            resources.extend(r for r in data if isinstance(r, dict))
            links = page.get("links")
            following = _next_params(path, links.get("next") if isinstance(links, dict) else None)
            if following is None:
                return resources
            following = {**first, **following}
            if following == params:
                raise ApiRequestError(f"GET {path}: the next page is the same page")
            params = following
        raise ApiRequestError(f"GET {path}: more than {MAX_PAGES} pages")


def _next_params(path: str, link: object) -> dict[str, str] | None:
    text = base.first_text(link)
    if text is None:
        return None
    parts = urlsplit(text)
    if not parts.path.rstrip("/").endswith("/" + path):
        raise ApiRequestError(f"GET {path}: an unexpected next link {parts.path[:100]!r}")
    return dict(parse_qsl(parts.query))


def poll_client() -> TeamtailorClient:
    """The client the reconciliation poll reads with; :class:`ProviderNotConfiguredError` while
    Teamtailor is not connected (no webhook secret, no API key or no ``TEAMTAILOR_API_URL``)."""

    base_url = config.ats().teamtailor_api_url.strip()
    if not base_url:
        raise ProviderNotConfiguredError("teamtailor is not polled: TEAMTAILOR_API_URL is empty")
    if not get_secret(provider_kit.secret_name(NAME)):
        raise ProviderNotConfiguredError(f"teamtailor is not polled: no {provider_kit.secret_name(NAME)}")
    api_key = get_secret(provider_kit.api_key_name(NAME))
    if not api_key:
        raise ProviderNotConfiguredError(f"teamtailor is not polled: no {provider_kit.api_key_name(NAME)}")
    return TeamtailorClient(base_url, api_key)


# --------------------------------------------------------------------------------- reconciliation
def published_posts(api: TeamtailorLists | None = None) -> list[base.JobPostChanged | base.JobChanged]:
    """Every open Teamtailor job, as the live :class:`~base.JobPostChanged` a fetched ``job.update``
    makes (post id = job id; no :class:`~base.JobChanged`: the job webhook makes none either), for
    :func:`kring.intake.job_feeds.sync`. A job without a usable id is skipped; one without a title fails
    the poll (:class:`ApiRequestError`), because skipping it would close its vacancy.
    :class:`ProviderNotConfiguredError` while Teamtailor is not connected."""
    out: list[base.JobPostChanged | base.JobChanged] = []
    for job in (api or poll_client()).open_jobs():
        job_id = provider_kit.external_id(job.get("id"))
        if job_id is None:
            logger.warning(
                "Teamtailor job without a usable id skipped", extra={"job": str(job.get("id"))[:40]}
            )
            continue
        attributes = _attributes(job)
        status = provider_kit.clipped_text(attributes.get("status"), 40)
        if status is None:
            attributes["status"] = "open"  # listed under filter[status]=open
        elif status.lower() != "open":
            continue  # listed although not open: not a vacancy (it closes if it was one)
        try:
            out.append(
                _job_post(
                    job_id, attributes, provider_kit.parse_zoned_time(attributes.get("created_at")) or _now()
                )
            )
        except (InvalidInputError, ValidationError) as exc:
            detail = provider_kit.first_error(exc) if isinstance(exc, ValidationError) else str(exc)
            raise ApiRequestError(f"Teamtailor job {job_id}: {detail}") from exc
    return out


def applications_updated_since(since: datetime, api: TeamtailorLists | None = None) -> list[base.FetchNeeded]:
    """One :class:`~base.FetchNeeded` per job application updated at or after ``since``, the same
    ``event`` and ``ids`` its webhook would have made: ``job_application.create`` for one created
    at or after ``since``, else ``.update`` (``ats_fetch`` then reads its current state). Ids the
    webhook carries as attributes (``job_id``, ``referer_id``, ``promotion_id``) are read from the
    attributes, else from the ``job`` / ``promotion`` relationships. A resource without a usable id
    is skipped. :class:`ProviderNotConfiguredError` while Teamtailor is not connected."""
    out: list[base.FetchNeeded] = []
    for resource in (api or poll_client()).job_applications_updated_since(since):
        application_id = provider_kit.external_id(resource.get("id"))
        if application_id is None:
            continue
        attributes = _attributes(resource)
        for relation in ("job", "promotion"):
            if provider_kit.external_id(attributes.get(f"{relation}_id")) is None:
                attributes[f"{relation}_id"] = _relation_id(resource, relation)
        created_at = provider_kit.parse_zoned_time(attributes.get("created_at"))
        event = APPLICATION_CREATED if created_at is not None and created_at >= since else APPLICATION_UPDATED
        try:
            out.append(_application_fetch(event, application_id, attributes))
        except ValidationError as exc:
            raise ApiRequestError(
                f"Teamtailor job application {application_id}: {provider_kit.first_error(exc)}"
            ) from exc
    return out


# --------------------------------------------------------------------------------- fetches
def _fetched_job(client: TeamtailorApi, request: base.FetchNeeded) -> base.JobPostChanged:
    job_id = request.ids.get("job_id") or ""
    data = _data(client.job(job_id), "jobs")
    return _job_post(job_id, _attributes(data), request.occurred_at)


def _job_post(job_id: str, attributes: dict[str, Any], fallback_time: datetime) -> base.JobPostChanged:
    """A job read from the API (one job, or the open-jobs list) as its post."""
    title = provider_kit.clipped_text(attributes.get("title"), 300)
    if title is None:
        raise InvalidInputError(f"teamtailor job {job_id}: no title")
    return base.JobPostChanged(
        provider=NAME,
        post_id=job_id,
        job_id=job_id,
        title=title,
        url=_url(attributes.get("careersite_job_url")),
        live=(provider_kit.clipped_text(attributes.get("status"), 40) or "").lower() == "open",
        language=_language(attributes),
        updated_at=provider_kit.parse_zoned_time(attributes.get("updated_at")) or fallback_time,
    )


def _fetched_application(client: TeamtailorApi, request: base.FetchNeeded) -> list[base.Change]:
    application_id = request.ids.get("application_id") or ""
    document = client.job_application(application_id)
    data = _data(document, "job-applications")
    attributes = _attributes(data)
    included = _included(document)
    candidate_id = _relation_id(data, "candidate")
    if candidate_id is None:
        raise InvalidInputError(f"teamtailor job application {application_id}: no candidate")
    job_id = _relation_id(data, "job") or request.ids.get("job_id")
    candidate = _attributes(included.get(("candidates", candidate_id), {}))
    stage = _stage(included.get(("stages", _relation_id(data, "stage") or ""), {}))
    referrers = _referrers(client, candidate_id, job_id, request.ids.get("referer_id"))
    answers = _answer_texts(client, candidate_id)
    referring_urls = [
        u for u in (_url(attributes.get("referring_url")), _url(candidate.get("referring_url"))) if u
    ]
    evidence = base.Evidence(
        referrer_emails=tuple(dict.fromkeys(e for e, _ in referrers if e)),
        referrer_employee_ids=tuple(dict.fromkeys(i for _, i in referrers if i)),
        texts=base.collect_texts(
            attributes.get("referring_url"),
            attributes.get("referring_site"),
            attributes.get("promotion_id"),
            request.ids.get("promotion_id"),
            candidate.get("referring_url"),
            candidate.get("referring_site"),
            candidate.get("tags"),
            answers,
        ),
        referring_urls=tuple(dict.fromkeys(referring_urls)),
        candidate_email=provider_kit.clipped_text(candidate.get("email"), 320),
    )
    common: dict[str, Any] = {
        "provider": NAME,
        "application_id": application_id,
        "candidate_id": candidate_id,
        "job_id": job_id,
        "post_id": job_id,
    }
    moved_at = (
        provider_kit.parse_zoned_time(attributes.get("changed_stage_at"))
        or provider_kit.parse_zoned_time(attributes.get("updated_at"))
        or request.occurred_at
    )
    rejected_at = provider_kit.parse_zoned_time(attributes.get("rejected_at"))
    hired = stage is not None and stage.kind == "hired"
    changes: list[base.Change] = []
    if request.event == APPLICATION_CREATED:
        created_at = provider_kit.parse_zoned_time(attributes.get("created_at")) or request.occurred_at
        changes.append(
            base.ApplicationSubmitted(**common, stage=stage, evidence=evidence, occurred_at=created_at)
        )
        if hired:
            changes.append(base.Hired(**common, evidence=evidence, occurred_at=moved_at))
        if rejected_at is not None:
            changes.append(base.Rejected(**common, occurred_at=rejected_at))
    elif rejected_at is not None:
        changes.append(base.Rejected(**common, occurred_at=rejected_at))
    elif hired:
        changes.append(base.Hired(**common, evidence=evidence, occurred_at=moved_at))
    elif stage is not None:
        changes.append(base.StageChanged(**common, stage=stage, evidence=evidence, occurred_at=moved_at))
    return changes


def _stage(resource: dict[str, Any]) -> base.Stage | None:
    attributes = _attributes(resource)
    name = provider_kit.clipped_text(attributes.get("name"), 200)
    stage_type = provider_kit.clipped_text(attributes.get("stage_type"), 200)
    if name is None and stage_type is None:
        return None
    return base.Stage(name=name or stage_type or "", kind=base.stage_kind(name, stage_type))


def _referrers(
    client: TeamtailorApi, candidate_id: str, job_id: str | None, referer_id: str | None
) -> list[tuple[str | None, str | None]]:
    """``(e-mail, external id)`` of every user who referred the candidate (for this job, or for
    none in particular), and of the webhook's ``referer_id`` user."""
    users: dict[str, dict[str, Any]] = {}
    document = if_found(lambda: client.referrals(candidate_id))
    if isinstance(document, dict):
        included = _included(document)
        referrals = document.get("data")
        for referral in referrals[:MAX_REFERRALS] if isinstance(referrals, list) else []:
            if not isinstance(referral, dict):
                continue
            referred_for = _relation_id(referral, "job")
            user_id = _relation_id(referral, "user")
            if user_id and (referred_for is None or job_id is None or referred_for == job_id):
                users[user_id] = _attributes(included.get(("users", user_id), {}))
    if referer_id and referer_id not in users:
        found = if_found(lambda: client.user(referer_id))
        if isinstance(found, dict):
            users[referer_id] = _attributes(_data(found, "users"))
    out = []
    for attributes in users.values():
        email = provider_kit.clipped_text(attributes.get("email"), 320) or provider_kit.clipped_text(
            attributes.get("login_email"), 320
        )
        external = provider_kit.clipped_text(attributes.get("external_id"), 64)
        if email or external:
            out.append((email, external))
    return out


def _answer_texts(client: TeamtailorApi, candidate_id: str) -> list[object]:
    document = if_found(lambda: client.candidate_answers(candidate_id))
    answers = document.get("data") if isinstance(document, dict) else None
    out: list[object] = []
    for answer in answers if isinstance(answers, list) else []:
        if isinstance(answer, dict):
            attributes = _attributes(answer)
            out.extend([attributes.get("text"), attributes.get("choices")])
    return out


# --------------------------------------------------------------------------------- JSON:API shapes
def _data(document: Any, expected_type: str) -> dict[str, Any]:
    data = document.get("data") if isinstance(document, dict) else None
    if not isinstance(data, dict) or provider_kit.external_id(data.get("id")) is None:
        raise InvalidInputError(f"teamtailor answered without a {expected_type} resource")
    return data


def _included(document: Any) -> dict[tuple[str, str], dict[str, Any]]:
    found: dict[tuple[str, str], dict[str, Any]] = {}
    included = document.get("included") if isinstance(document, dict) else None
    for resource in included if isinstance(included, list) else []:
        if isinstance(resource, dict) and isinstance(resource.get("type"), str):
            resource_id = provider_kit.external_id(resource.get("id"))
            if resource_id is not None:
                found[(resource["type"], resource_id)] = resource
    return found


def _relation_id(resource: dict[str, Any], name: str) -> str | None:
    relationships = resource.get("relationships")
    relation = relationships.get(name) if isinstance(relationships, dict) else None
    data = relation.get("data") if isinstance(relation, dict) else None
    return provider_kit.external_id(data.get("id")) if isinstance(data, dict) else None


def _attributes(resource: dict[str, Any]) -> dict[str, Any]:
    """The resource's attributes with kebab-case keys made snake_case (both spellings occur)."""
    attributes = resource.get("attributes")
    if not isinstance(attributes, dict):
        return {}
    return {str(k).replace("-", "_"): v for k, v in attributes.items()}


# --------------------------------------------------------------------------------- small values
def _url(value: object) -> str | None:
    """A URL, ``http://`` too (referring URLs are whatever the visitor came from), stripped."""
    text = base.first_text(value)
    return text if text and text.startswith(("https://", "http://")) and len(text) <= 2000 else None


def _language(attributes: dict[str, Any]) -> Locale:
    # A language code only (``nl``, ``nl-NL``, ``nl_BE``), as the API sends it: unlike
    # common.declared_locale, a language *name* (``Dutch``) is not read.
    declared = (base.first_text(attributes.get("language_code"), attributes.get("locale")) or "").lower()
    return "nl" if declared.split("-")[0].split("_")[0] == "nl" else "en"


def _now() -> datetime:
    return datetime.fromtimestamp(now(), UTC)


# --------------------------------------------------------------------------------- job board
def job_board() -> base.JobBoard:
    """The company's career site on Teamtailor (``<subdomain>.teamtailor.com/jobs/<id>-<slug>``,
    with the region in the subdomain for an account outside the EU: ``acme.na``; a custom domain
    such as ``career.acme.com`` is one of the organisation's careers hosts)."""
    subdomain = config.vacancies().teamtailor_subdomain.lower()
    return base.JobBoard(
        parameter="TeamtailorSubdomain",
        domains=("teamtailor.com",),
        pages=(base.BoardPage(f"{subdomain}.teamtailor.com"),) if subdomain else (),
    )

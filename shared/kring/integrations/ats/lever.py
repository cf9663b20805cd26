"""Lever (Settings > Integrations and API > Webhooks; the public Postings API for published jobs).

Webhooks
- The signature is in the *body*, not a header: ``signature = hex HMAC-SHA256(signatureToken,
  token + str(triggeredAt))``. The body itself is not signed, so :func:`verify` must parse the
  JSON to read those three fields — the one documented exception to "verify before parsing". It
  reads nothing else; everything in ``data`` is an untrusted id that is only ever used to ask
  Lever's API (with Kring's own key) what is true.
- Lever shows one signature token per webhook (event type). The secret ``webhook-secret-lever``
  therefore holds one token or several, separated by commas or spaces; any of them verifies.
- ``triggeredAt`` (ms) must lie within :data:`TOLERANCE` of now. Lever retries a failed delivery
  five times "waiting longer and longer", and a retry re-sends the same body — the same token,
  ``triggeredAt`` and signature, since the signature covers them — so a five-minute window would
  refuse legitimate retries. 24 hours outlasts the retry schedule; a delivery rerun by hand later
  than that is refused (401) and shows as failed in Lever's delivery log.
- ``token`` (48 random characters) is single-use: it is the delivery id, so the idempotency
  record (kept 7 days, longer than :data:`TOLERANCE`) answers a replayed token as already done,
  whatever ``data`` the replay carries. A replay can never outlive the record that refuses it.
- The test request (``"data": {}``) is answered 200 before any signature check: Lever's test
  request carries a placeholder signature, and an empty delivery changes nothing.
- Any 2xx is success; a verified event Kring does not use is still answered 200.

Deliveries carry ids only, so :func:`normalise` returns :class:`~base.FetchNeeded` and :func:`fetch`
(run by ``ats_fetch``) reads the opportunity through :class:`LeverApi`:
``GET /opportunities/{id}?expand=applications&expand=stage`` (HTTP Basic, the API key as user
name), ``/stages/{id}`` for a stage the opportunity has already left, ``/opportunities/{id}/referrals``
and ``/users/{id}`` for referrers, ``/archive_reasons/{id}`` for archived candidates. The application
id Kring keys on is the *opportunity* id (one candidacy, at most one application, present in every
event); the job is the application's posting.

Published jobs: Lever has no job webhook. :func:`published_posts` reads the public postings feed
``GET {LEVER_POSTINGS_URL}/{LEVER_SITE}?mode=json`` (published postings only), for the job poller.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any, Final, Protocol

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from kring import config
from kring.errors import InvalidInputError, ProviderNotConfiguredError, TransientError
from kring.integrations.ats import base, provider_kit
from kring.integrations.ats.http import ApiNotFoundError, ApiRequestError, JsonApi, path_segment
from kring.integrations.secrets import get_secret
from kring.models.common import Locale, Provider
from kring.observability import logger, metrics

NAME: Final[Provider] = "lever"
ACK_STATUS: Final = 200

TOLERANCE: Final = timedelta(hours=24)
FUTURE_SKEW: Final = timedelta(minutes=5)
MAX_REFERRERS: Final = 5

APPLICATION_CREATED = "applicationCreated"
STAGE_CHANGED = "candidateStageChange"
HIRED = "candidateHired"
ARCHIVE_CHANGED = "candidateArchiveChange"
HANDLED: Final = frozenset({APPLICATION_CREATED, STAGE_CHANGED, HIRED, ARCHIVE_CHANGED})
EXPANDS: Final = ("applications", "stage")

# Lever ids are UUIDs; anything else in an id field is refused, never put in a URL path.
_ID = re.compile(r"^[A-Za-z0-9-]{1,40}$")
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{16,128}$")
_HEX_SIGNATURE = re.compile(r"^[0-9a-fA-F]{64}$")
_SECRET_SEPARATOR = re.compile(r"[\s,]+")
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,255}$")
_WORD = re.compile(r"[a-zà-ÿ]+")
_DUTCH = frozenset(
    {"de", "het", "een", "en", "van", "jij", "je", "jouw", "wij", "ons", "onze", "voor", "met", "bij", "zijn"}
    | {"wordt", "naar", "ook", "niet", "wat", "deze", "die", "dat", "ervaring", "werken", "vacature"}
)
_ENGLISH = frozenset(
    {"the", "and", "of", "to", "you", "your", "our", "for", "with", "is", "are", "will", "as", "on", "be"}
    | {"this", "that", "experience", "work", "who", "what", "about"}
)


# --------------------------------------------------------------------------------- the contract
def handshake(headers: Mapping[str, str], raw_body: bytes) -> base.Reply | None:
    """Lever's test request (``"data": {}``, a placeholder signature) gets its 200: it asks for
    nothing, so answering it unverified changes nothing."""
    del headers
    body = _json_object(raw_body)
    if body is not None and isinstance(body.get("event"), str) and body.get("data") == {}:
        return base.Reply(ACK_STATUS, {"received": True})
    return None


def verify(headers: Mapping[str, str], raw_body: bytes, secret: str, *, now: datetime | None = None) -> bool:
    """The body's ``signature`` against every configured token (constant time), then the age of
    ``triggeredAt``. Only ``token``, ``triggeredAt`` and ``signature`` are read (see the module
    docstring for why this provider parses before verifying)."""
    del headers
    signed = _signed_fields(raw_body)
    if signed is None:
        return False
    token, triggered_at, signature = signed
    message = (token + str(triggered_at)).encode("ascii")
    matched = False
    for key in _tokens(secret):  # every token tried (no early exit): constant time across them too
        matched |= provider_kit.hmac_sha256_matches(key, message, signature)
    if not matched:
        return False
    age = (now or datetime.now(UTC)) - _from_ms(triggered_at)
    if age > TOLERANCE or -age > FUTURE_SKEW:
        logger.warning(
            "Lever delivery refused: triggeredAt outside the accepted window",
            extra={"age_seconds": int(age.total_seconds())},
        )
        metrics.add_metric(name="WebhookStale", unit="Count", value=1)
        return False
    return True


def delivery_id(headers: Mapping[str, str], raw_body: bytes) -> str:
    """The body's single-use ``token`` (what a replay repeats); a hash of the body without one."""
    del headers
    signed = _signed_fields(raw_body)
    if signed is not None:
        return signed[0]
    return provider_kit.hashed_delivery_id(raw_body)


def event_name(payload: Any) -> str:
    return provider_kit.event_name_of(payload, "event")


def normalise(payload: Any) -> list[base.Change]:
    """A :class:`~base.FetchNeeded` with the delivery's ids for the events Kring uses; ``[]`` for the
    rest and for an empty (test) delivery."""
    if not isinstance(payload, dict) or not isinstance(payload.get("event"), str):
        raise InvalidInputError("a Lever webhook is an object with an 'event'")
    event: str = payload["event"]
    if event not in HANDLED:
        return []
    data = payload.get("data")
    if not isinstance(data, dict):
        raise InvalidInputError(f"{event}: 'data' is not an object")
    if not data:
        return []
    triggered_at = _millis(payload.get("triggeredAt"))
    if triggered_at is None:
        raise InvalidInputError(f"{event}: no 'triggeredAt'")
    # candidateId is the deprecated alias of the opportunity id (Lever's candidate migration).
    opportunity = _valid_id(data.get("opportunityId")) or _valid_id(data.get("candidateId"))
    if opportunity is None:
        raise InvalidInputError(f"{event}: no usable 'opportunityId'")
    ids = {"opportunityId": opportunity}
    for key in ("contactId", "applicationId", "toStageId", "fromStageId"):
        value = _valid_id(data.get(key))
        if value is not None:
            ids[key] = value
    return [base.FetchNeeded(provider=NAME, event=event, ids=ids, occurred_at=_from_ms(triggered_at))]


# --------------------------------------------------------------------------------- the API port
class LeverApi(Protocol):
    """The calls :func:`fetch` makes; each answers Lever's ``data`` object (or list)."""

    def opportunity(self, opportunity_id: str) -> Mapping[str, Any]: ...

    def referrals(self, opportunity_id: str) -> list[Mapping[str, Any]]: ...

    def stage(self, stage_id: str) -> Mapping[str, Any]: ...

    def user(self, user_id: str) -> Mapping[str, Any]: ...

    def archive_reason(self, reason_id: str) -> Mapping[str, Any]: ...


class LeverClient:
    """:class:`LeverApi` over HTTPS: ``LEVER_API_URL`` (``https://api.lever.co/v1``; EU accounts
    ``https://api.eu.lever.co/v1``), HTTP Basic with the API key as user name and no password.
    Only ``applications`` and ``stage`` are expanded: Kring reads nothing of the owner's or the
    sourcer's profile, so it does not ask for them."""

    def __init__(self, api: JsonApi) -> None:
        self._api = api

    @classmethod
    def from_config(cls) -> LeverClient:
        key = get_secret(provider_kit.api_key_name(NAME))
        if not key:
            # Fixed in configuration, then the parked fetches are redriven: nothing is lost.
            raise TransientError("no Lever API key (ats-api-key-lever): cannot read the opportunity")
        credentials = base64.b64encode(f"{key}:".encode()).decode("ascii")
        return cls(JsonApi(config.ats().lever_api_url, {"Authorization": f"Basic {credentials}"}))

    def opportunity(self, opportunity_id: str) -> Mapping[str, Any]:
        path = f"opportunities/{_path_id(opportunity_id)}"
        return _data_object(self._api.get(path, {"expand": list(EXPANDS)}), path)

    def referrals(self, opportunity_id: str) -> list[Mapping[str, Any]]:
        path = f"opportunities/{_path_id(opportunity_id)}/referrals"
        answer = self._api.get(path)
        data = answer.get("data") if isinstance(answer, dict) else None
        if not isinstance(data, list):
            raise ApiRequestError(f"GET {path}: no 'data' list")
        return [item for item in data if isinstance(item, dict)]

    def stage(self, stage_id: str) -> Mapping[str, Any]:
        path = f"stages/{_path_id(stage_id)}"
        return _data_object(self._api.get(path), path)

    def user(self, user_id: str) -> Mapping[str, Any]:
        path = f"users/{_path_id(user_id)}"
        return _data_object(self._api.get(path), path)

    def archive_reason(self, reason_id: str) -> Mapping[str, Any]:
        path = f"archive_reasons/{_path_id(reason_id)}"
        return _data_object(self._api.get(path), path)


def fetch(request: base.FetchNeeded, *, api: LeverApi | None = None) -> list[base.Change]:
    """The candidate change one delivery stands for, from the opportunity as Lever has it now.

    Raises :class:`~kring.errors.TransientError` (429, 5xx, 401/403, timeouts, no API key) to be
    retried, and :class:`~kring.integrations.ats.http.ApiNotFoundError` when the opportunity is
    gone (deleted or anonymised): permanent, parked in the fetch DLQ."""
    opportunity_id = _valid_id(request.ids.get("opportunityId"))
    if opportunity_id is None:
        raise InvalidInputError("a Lever fetch needs an opportunityId")
    client = api or LeverClient.from_config()
    try:
        opportunity = _Opportunity.model_validate(client.opportunity(opportunity_id))
    except ValidationError as exc:
        raise ApiRequestError(
            f"Lever opportunity {opportunity_id}: {provider_kit.first_error(exc, 'answer')}"
        ) from exc
    application = opportunity.application()
    posting = application.posting_id() if application else None
    common: dict[str, Any] = {
        "provider": NAME,
        "application_id": opportunity_id,
        "candidate_id": _ref(opportunity.contact) or request.ids.get("contactId") or opportunity_id,
        "job_id": posting,
        "post_id": posting,
        "occurred_at": request.occurred_at,
    }
    if request.event == ARCHIVE_CHANGED:
        return _archive_change(opportunity, client, common)
    evidence = _evidence(opportunity_id, opportunity, client)
    if request.event == APPLICATION_CREATED:
        stage = _stage_named(opportunity.stage)
        return [base.ApplicationSubmitted(**common, stage=stage, evidence=evidence)]
    if request.event == STAGE_CHANGED:
        stage = _stage_of(request.ids.get("toStageId"), opportunity, client)
        if stage is None:
            raise ApiRequestError(f"Lever opportunity {opportunity_id}: no stage to move to")
        return [base.StageChanged(**common, stage=stage, evidence=evidence)]
    if request.event == HIRED:
        return [base.Hired(**common, evidence=evidence)]
    return []


# --------------------------------------------------------------------------------- published jobs
class LeverPostingsFeed(Protocol):
    """The public postings of one Lever site (published only), as Lever answers them."""

    def postings(self) -> list[Mapping[str, Any]]: ...


class LeverPostingsClient:
    """:class:`LeverPostingsFeed` over HTTPS: ``{LEVER_POSTINGS_URL}/{site}?mode=json``, no key."""

    def __init__(self, api: JsonApi, site: str) -> None:
        self._api = api
        self._site = site

    @classmethod
    def from_config(cls) -> LeverPostingsClient:
        settings = config.ats()
        site = settings.lever_site.strip()
        if not site:
            raise ProviderNotConfiguredError("LEVER_SITE is not set: no Lever job feed to poll")
        return cls(JsonApi(settings.lever_postings_url), site)

    def postings(self) -> list[Mapping[str, Any]]:
        path = path_segment(self._site)
        answer = self._api.get(path, {"mode": "json"})
        if not isinstance(answer, list):
            raise ApiRequestError(f"GET {path}: the postings feed is not a list")
        return [item for item in answer if isinstance(item, dict)]


def published_posts(*, feed: LeverPostingsFeed | None = None) -> list[base.JobPostChanged | base.JobChanged]:
    """Every published posting as a live :class:`~base.JobPostChanged`, each preceded by the
    :class:`~base.JobChanged` that carries its department, team and locations (what the fan-out matches
    ambassadors' interests against). A Lever posting is both the job and its advert: ``post_id``
    and ``job_id`` are the posting id, as on applications.

    Raises :class:`ProviderNotConfiguredError` without ``LEVER_SITE`` (the poller skips Lever) and
    :class:`ApiRequestError` for a posting it cannot read: a poll that skipped one would close its
    vacancy, so the whole poll fails instead (and alarms) rather than close anything wrongly."""
    source = feed or LeverPostingsClient.from_config()
    out: list[base.JobPostChanged | base.JobChanged] = []
    for raw in source.postings():
        try:
            posting = _Posting.model_validate(raw)
        except ValidationError as exc:
            raise ApiRequestError(
                f"a Lever posting Kring cannot read: {provider_kit.first_error(exc, 'answer')}"
            ) from exc
        out.extend(posting.changes())
    return out


# --------------------------------------------------------------------------------- signature
def _json_object(raw_body: bytes) -> dict[str, Any] | None:
    body = provider_kit.loads_or_none(raw_body)
    return body if isinstance(body, dict) else None


def _signed_fields(raw_body: bytes) -> tuple[str, int, str] | None:
    """``(token, triggeredAt, signature)`` when all three are there and well-formed."""
    body = _json_object(raw_body)
    if body is None:
        return None
    token, signature = body.get("token"), body.get("signature")
    triggered_at = _millis(body.get("triggeredAt"))
    if not isinstance(token, str) or not _TOKEN.match(token):
        return None
    if not isinstance(signature, str) or not _HEX_SIGNATURE.match(signature):
        return None
    if triggered_at is None:
        return None
    return token, triggered_at, signature


def _tokens(secret: str) -> list[str]:
    return [t for t in _SECRET_SEPARATOR.split(secret.strip()) if t]


def _millis(value: object) -> int | None:
    """A ``triggeredAt``: an integer of milliseconds (JSON number, or digits), as Lever sends it.
    A float would not sign as Lever's ``token + triggeredAt`` string does."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int) and 0 < value < 10**15:
        return value
    if isinstance(value, str) and value.isascii() and value.isdigit() and 0 < len(value) <= 15:
        return int(value)
    return None


def _from_ms(millis: int) -> datetime:
    return datetime.fromtimestamp(millis / 1000, tz=UTC)


def _valid_id(value: object) -> str | None:
    if isinstance(value, str) and _ID.match(value):
        return value
    return None


def _path_id(value: str) -> str:
    if not _ID.match(value):
        raise InvalidInputError(f"not a Lever id: {value[:40]!r}")
    return path_segment(value)


def _data_object(answer: Any, path: str) -> Mapping[str, Any]:
    data = answer.get("data") if isinstance(answer, dict) else None
    if not isinstance(data, dict):
        raise ApiRequestError(f"GET {path}: no 'data' object")
    return data


# --------------------------------------------------------------------------------- API shapes
class _Shape(BaseModel):
    model_config = ConfigDict(extra="ignore")


def _ref(value: object) -> str | None:
    """An id field that may be expanded into its object (``"posting": "…"`` or ``{"id": "…"}``)."""
    if isinstance(value, dict):
        value = value.get("id")
    return _valid_id(value)


class _Form(_Shape):
    type: str | None = None
    referrerId: str | None = None
    fields: list[dict[str, Any]] | None = None

    def answers(self) -> list[object]:
        return [f.get("value") for f in self.fields or [] if isinstance(f, dict)]


class _Application(_Shape):
    id: str | None = None
    type: str | None = None
    posting: object = None
    user: object = None
    customQuestions: list[_Form] | None = None
    primarySource: object = None
    secondarySources: object = None

    def posting_id(self) -> str | None:
        return _ref(self.posting)

    def referrer_ids(self) -> list[str]:
        found = [_ref(self.user)] if (self.type or "").lower() == "referral" else []
        found += [_valid_id(f.referrerId) for f in self.customQuestions or [] if f.type == "referral"]
        return [f for f in found if f]

    def referrer_users(self) -> list[Mapping[str, Any]]:
        """A referrer already expanded into a user object (when Lever expands it)."""
        if (self.type or "").lower() == "referral" and isinstance(self.user, dict):
            return [self.user]
        return []


class _Archived(_Shape):
    archivedAt: int | None = None
    reason: object = None


class _Opportunity(_Shape):
    contact: object = None
    emails: object = None
    origin: object = None
    sources: object = None
    tags: object = None
    urls: object = None
    stage: object = None
    applications: list[object] | None = None
    archived: _Archived | None = None
    archiveReason: object = None
    archivedAt: int | None = None

    @field_validator("archived", mode="before")
    @classmethod
    def _archived_object(cls, value: object) -> object:
        return value if isinstance(value, dict) else None

    def application(self) -> _Application | None:
        for item in self.applications or []:
            if isinstance(item, dict):
                return _Application.model_validate(item)
        return None

    def archive(self) -> tuple[str | None, int | None]:
        """The archive reason id and time, whichever shape Lever answered with; (None, None) when
        the opportunity is active."""
        if self.archived is not None and (self.archived.reason or self.archived.archivedAt):
            return _ref(self.archived.reason), self.archived.archivedAt
        return _ref(self.archiveReason), self.archivedAt


class _Categories(_Shape):
    team: str | None = None
    department: str | None = None
    location: str | None = None
    allLocations: list[object] | None = None


class _Posting(_Shape):
    id: str
    text: str
    hostedUrl: str | None = None
    categories: _Categories | None = None
    createdAt: int | None = None
    updatedAt: int | None = None
    descriptionPlain: str | None = None

    @field_validator("id")
    @classmethod
    def _lever_id(cls, value: str) -> str:
        if not _ID.match(value):
            raise ValueError("not a Lever posting id")
        return value

    @field_validator("text")
    @classmethod
    def _title(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("a posting without a title")
        return value.strip()[:300]

    def changes(self) -> list[base.JobPostChanged | base.JobChanged]:
        moment = self.updatedAt or self.createdAt
        if moment is None or moment <= 0:
            raise ApiRequestError(f"Lever posting {self.id} has neither updatedAt nor createdAt")
        categories = self.categories or _Categories()
        places = [p for p in (base.first_text(v) for v in categories.allLocations or []) if p]
        location = base.first_text(categories.location) or (places[0] if places else None)
        department = base.first_text(categories.department, categories.team)
        tags = provider_kit.unique_texts(
            base.first_text(categories.department),
            base.first_text(categories.team),
            location,
            *places,
            max_length=100,
        )
        url = (
            self.hostedUrl
            if isinstance(self.hostedUrl, str) and self.hostedUrl.startswith("https://")
            else None
        )
        return [
            base.JobChanged(
                provider=NAME,
                job_id=self.id,
                name=self.text,
                department=department[:100] if department else None,
                location=location[:200] if location else None,
                tags=tags,
                status="open",
            ),
            base.JobPostChanged(
                provider=NAME,
                post_id=self.id,
                job_id=self.id,
                title=self.text,
                location=location[:200] if location else None,
                url=url,
                live=True,
                language=_language(self.text, self.descriptionPlain),
                updated_at=_from_ms(moment),
            ),
        ]


def _language(*texts: str | None) -> Locale:
    """Dutch when Dutch function words outnumber English ones in the title and description
    (the postings feed has no language field); English otherwise."""
    words = _WORD.findall(" ".join(t for t in texts if t).lower()[:5000])
    dutch = sum(1 for w in words if w in _DUTCH)
    english = sum(1 for w in words if w in _ENGLISH)
    return "nl" if dutch >= 3 and dutch > english else "en"


# --------------------------------------------------------------------------------- changes
def _evidence(opportunity_id: str, opportunity: _Opportunity, client: LeverApi) -> base.Evidence:
    """Every string a click token may be in (the redirect's ``lever-source[]=kring-<token>``
    lands in ``sources``), the referrers' e-mail addresses and employee ids, the candidate's
    e-mail (for the self-referral check only)."""
    application = opportunity.application()
    answers: list[object] = []
    if application is not None:
        answers = [application.primarySource, application.secondarySources]
        for form in application.customQuestions or []:
            answers.extend(form.answers())
    texts = base.collect_texts(
        opportunity.sources, opportunity.origin, opportunity.tags, answers, opportunity.urls
    )
    referrer_emails, employee_ids = _referrers(opportunity_id, opportunity, application, client)
    emails = opportunity.emails if isinstance(opportunity.emails, list) else []
    candidate = next((e.strip() for e in emails if isinstance(e, str) and _EMAIL.match(e.strip())), None)
    return base.Evidence(
        referrer_emails=tuple(referrer_emails),
        referrer_employee_ids=tuple(employee_ids),
        texts=texts,
        candidate_email=candidate,
    )


def _referrers(
    opportunity_id: str, opportunity: _Opportunity, application: _Application | None, client: LeverApi
) -> tuple[list[str], list[str]]:
    """The referring users' e-mail addresses and HR directory ids: referral applications, referral
    forms and ``/referrals`` name Lever users by id; ``/users/{id}`` gives their address."""
    users: list[Mapping[str, Any]] = list(application.referrer_users()) if application else []
    ids: list[str] = application.referrer_ids() if application else []
    if (base.first_text(opportunity.origin) or "").lower() == "referred" or ids or users:
        for referral in client.referrals(opportunity_id):
            found = _ref(referral.get("referrer")) or _ref(referral.get("user"))
            if found:
                ids.append(found)
    for user_id in list(dict.fromkeys(ids))[:MAX_REFERRERS]:
        if any(_ref(u) == user_id for u in users):
            continue
        try:
            users.append(client.user(user_id))
        except ApiNotFoundError:
            logger.info("Lever referrer no longer exists: skipped", extra={"opportunity_id": opportunity_id})
    emails: list[str] = []
    employee_ids: list[str] = []
    for user in users:
        email = user.get("email")
        if isinstance(email, str) and _EMAIL.match(email.strip()) and email.strip() not in emails:
            emails.append(email.strip())
        directory_id = provider_kit.id_text(user.get("externalDirectoryId"))
        if directory_id and directory_id not in employee_ids:
            employee_ids.append(directory_id)
    return emails[:MAX_REFERRERS], employee_ids[:MAX_REFERRERS]


def _stage_named(value: object) -> base.Stage | None:
    """A stage from an expanded stage object (``{"id", "text"}``); None for a bare id."""
    if isinstance(value, Mapping):
        name = base.first_text(value.get("text"), value.get("name"))
        if name:
            return base.Stage(name=name[:200], kind=base.stage_kind(name))
    return None


def _stage_of(stage_id: str | None, opportunity: _Opportunity, client: LeverApi) -> base.Stage | None:
    """The stage the delivery moved the candidate to: the expanded current stage when it is that
    one, else ``/stages/{id}`` (the candidate may have moved on since)."""
    current = opportunity.stage
    if stage_id is None or _ref(current) == stage_id:
        return _stage_named(current)
    return _stage_named(client.stage(stage_id))


def _archive_change(opportunity: _Opportunity, client: LeverApi, common: dict[str, Any]) -> list[base.Change]:
    """Archived for a non-hired reason → :class:`~base.Rejected`. Unarchived, or archived as hired (the
    ``candidateHired`` delivery says that), → nothing."""
    reason_id, archived_at = opportunity.archive()
    if reason_id is None:
        return []
    reason = client.archive_reason(reason_id)
    if str(reason.get("type") or "").lower() != "non-hired":
        return []
    if archived_at and archived_at > 0:
        common = {**common, "occurred_at": _from_ms(archived_at)}
    return [base.Rejected(**common)]


# --------------------------------------------------------------------------------- job board
def job_board() -> base.JobBoard:
    """The site's postings on Lever's hosted job board (``jobs.lever.co/<site>/<posting id>``;
    ``jobs.eu.lever.co`` for an EU account: the two are separate, so only the configured one)."""
    settings = config.vacancies()
    site = settings.lever_site
    return base.JobBoard(
        parameter="LeverSite",
        domains=("lever.co",),
        pages=(base.BoardPage(settings.lever_jobs_host, site),) if site else (),
    )

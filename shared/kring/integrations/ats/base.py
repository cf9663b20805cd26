"""The provider contract: what one ATS module implements so that ``POST /webhooks/{provider}`` can
take its deliveries, and the normalised changes every provider turns its payloads into.

A provider module (``greenhouse.py``, ``lever.py``, ``ashby.py`` …) is a plain module whose
top-level names satisfy :class:`WebhookProvider`; it is registered by name in
:mod:`kring.integrations.ats.registry`. The order of the calls is fixed by the intake, not by the module:

1. :func:`handshake` — activation or test requests a provider sends *before* a secret exists
   (SmartRecruiters' ``X-Hook-Secret`` echo, Recruitee's test); ``None`` for everything else.
2. :func:`verify` — the signature over the raw body bytes, in constant time, before parsing.
3. the body is parsed as JSON (malformed → 400) — or, by a module that defines
   ``parse_delivery(headers, raw_body)``, into a payload that also carries what the provider puts
   in headers (SmartRecruiters' event name) — then :func:`normalise` turns it into changes.
4. :func:`delivery_id` keys the deduplication; :data:`ACK_STATUS` is what the provider expects back.

Providers that send only ids also implement :class:`FetchingProvider` (``ats_fetch`` completes
their deliveries through the provider's API); providers without a job webhook implement
:class:`PolledProvider` (the job poller reads their feed), and providers that never retry a
webhook (Teamtailor) implement it and :class:`ReconciledProvider` too (the poll makes lost
deliveries good).

The changes carry no HTTP and no provider shapes: the vacancy logic (:mod:`kring.intake.vacancies`) and
the candidate events (:mod:`kring.intake.candidates`) come out the same whichever ATS they came from.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Annotated, Any, Literal, Protocol

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from kring import safe_json
from kring.errors import InvalidInputError
from kring.models.common import ExternalId, Locale, Provider, StageKind


class _Change(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    provider: Provider


class JobPostChanged(_Change):
    """A post (the public advert of a job) was created or edited, or went live or offline."""

    kind: Literal["job_post_changed"] = "job_post_changed"
    post_id: ExternalId
    job_id: ExternalId | None = None
    title: str = Field(min_length=1, max_length=300)
    location: str | None = Field(default=None, max_length=200)
    url: str | None = Field(default=None, description="The public page, if the provider knows it")
    live: bool = Field(description="On the organisation's public careers site right now")
    language: Locale = "en"
    updated_at: AwareDatetime = Field(description="The ATS's own change time: orders deliveries")


class JobPostDeleted(_Change):
    """A post was deleted in the ATS: terminal, nothing revives it."""

    kind: Literal["job_post_deleted"] = "job_post_deleted"
    post_id: ExternalId
    job_id: ExternalId | None = None
    title: str | None = Field(default=None, max_length=300)
    location: str | None = Field(default=None, max_length=200)
    updated_at: AwareDatetime | None = None


JobStatus = Literal["open", "closed", "draft"]


class JobChanged(_Change):
    """The job behind posts was created or changed: where its department and offices come from."""

    kind: Literal["job_changed"] = "job_changed"
    job_id: ExternalId
    name: str | None = Field(default=None, max_length=300)
    department: str | None = Field(default=None, max_length=100)
    location: str | None = Field(default=None, max_length=200)
    tags: tuple[str, ...] = ()
    status: JobStatus | None = None


class JobDeleted(_Change):
    """The job was deleted, and every post of it with it."""

    kind: Literal["job_deleted"] = "job_deleted"
    job_id: ExternalId


VacancyChange = Annotated[
    JobPostChanged | JobPostDeleted | JobChanged | JobDeleted, Field(discriminator="kind")
]


# ------------------------------------------------------------------------ candidates and hires
# Where a stage sits in the funnel (StageKind): Kring counts an application as *interviewed* once it
# has reached ``interview`` (or ``offer`` / ``hired``); ``other`` (a talent pool, an archive stage)
# never moves an application forward.


class Stage(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(min_length=1, max_length=200, description="The ATS's own name, for display")
    kind: StageKind


class Evidence(BaseModel):
    """What an application tells about who brought the candidate, as the provider sent it.

    This is the one place raw personal data may appear (the candidate's and referrers' e-mail
    addresses): :mod:`kring.intake.candidates` hashes them and extracts click tokens and share codes
    before anything leaves the function, and neither is stored or logged.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    referrer_emails: tuple[str, ...] = Field(
        default=(), description="Explicit referral records: credited-to, referrer, referral forms"
    )
    referrer_employee_ids: tuple[str, ...] = ()
    texts: tuple[str, ...] = Field(
        default=(),
        description="Every string a click token may hide in: source, referring URL, custom fields, "
        "answers, tags, Lever sources (see :func:`collect_texts`)",
    )
    referring_urls: tuple[str, ...] = Field(default=(), description="Where a share code may appear")
    candidate_email: str | None = Field(default=None, description="Only to exclude self-referral")


class _ApplicationChange(_Change):
    """Common to every candidate change: which application, of which candidate, for which job.

    ``job_id`` is the ATS job (or posting) the application is for, in the same id space as the
    provider's job events (Greenhouse job id, Lever posting id, Workable shortcode …);
    ``post_id`` the published post, where the provider knows it. ``occurred_at`` is the ATS's
    own time of what happened: it orders hires and unhires, whatever order deliveries arrive in.
    """

    application_id: ExternalId
    candidate_id: ExternalId
    job_id: ExternalId | None = None
    post_id: ExternalId | None = None
    occurred_at: AwareDatetime


class ApplicationSubmitted(_ApplicationChange):
    kind: Literal["application_submitted"] = "application_submitted"
    stage: Stage | None = None
    evidence: Evidence = Evidence()


class StageChanged(_ApplicationChange):
    """The application moved to ``stage``. Providers whose stage events carry the whole
    application (Greenhouse, Ashby) also pass its evidence, so a stage change arriving before
    the application still credits it."""

    kind: Literal["stage_changed"] = "stage_changed"
    stage: Stage
    evidence: Evidence | None = None


class Hired(_ApplicationChange):
    kind: Literal["hired"] = "hired"
    evidence: Evidence | None = None


class Unhired(_ApplicationChange):
    kind: Literal["unhired"] = "unhired"


class Rejected(_ApplicationChange):
    kind: Literal["rejected"] = "rejected"


ApplicationChange = Annotated[
    ApplicationSubmitted | StageChanged | Hired | Unhired | Rejected, Field(discriminator="kind")
]


class FetchNeeded(_Change):
    """The delivery carried only ids (Lever, SmartRecruiters, Teamtailor applications): the rest
    is fetched from the provider's API after the webhook has answered, by ``ats_fetch``, which
    calls the provider's :func:`fetch` with this request. ``ids`` are what the provider module
    needs to make its calls; ``event`` is the provider's event name; ``occurred_at`` its time."""

    kind: Literal["fetch_needed"] = "fetch_needed"
    event: str = Field(min_length=1, max_length=100)
    ids: dict[str, str] = Field(max_length=10)
    occurred_at: AwareDatetime


Change = Annotated[
    JobPostChanged
    | JobPostDeleted
    | JobChanged
    | JobDeleted
    | ApplicationSubmitted
    | StageChanged
    | Hired
    | Unhired
    | Rejected
    | FetchNeeded,
    Field(discriminator="kind"),
]


class Delivery(BaseModel):
    """One verified webhook delivery, normalised. The idempotency record of the vacancy logic."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    provider: Provider
    delivery_id: str = Field(min_length=1, max_length=200)
    event: str = Field(max_length=100, description="The provider's own event name, for logs and metrics")
    ack_status: int = Field(ge=200, le=299)
    changes: tuple[Change, ...] = ()


@dataclass(frozen=True)
class Reply:
    """What to answer the provider: its expected status, and headers for handshakes."""

    status: int
    body: dict[str, Any] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class BoardPage:
    """One place where the organisation's own vacancies live on a provider's job board: a host,
    and the first path segment naming the organisation's account on it (``jobs.lever.co`` +
    ``acme`` for ``https://jobs.lever.co/acme/…``), or ``None`` where the host itself is the
    organisation's (``acme.recruitee.com``). The account is compared case-insensitively."""

    host: str
    account: str | None = None


@dataclass(frozen=True)
class JobBoard:
    """Where a provider publishes vacancies, and which part of it is the organisation's.

    ``domains`` are the provider's own: every host under them is the provider's job board, shared
    by all its customers, so a vacancy URL there is taken only on one of ``pages`` (the
    organisation's own account), never because of the organisation's careers hosts. ``pages`` is
    empty while the account is not configured (``parameter``, the template parameter that names
    it): then no URL on the provider's job board is taken at all.
    """

    parameter: str
    domains: tuple[str, ...]
    pages: tuple[BoardPage, ...] = ()


class WebhookProvider(Protocol):
    """What each provider module implements (module-level names)."""

    @property
    def NAME(self) -> Provider: ...

    @property
    def ACK_STATUS(self) -> int: ...

    def job_board(self) -> JobBoard:
        """The provider's job board and the organisation's account on it, from configuration:
        where a vacancy URL of this provider may point (:mod:`kring.intake.vacancy_urls`)."""
        ...

    def handshake(self, headers: Mapping[str, str], raw_body: bytes) -> Reply | None:
        """An answer to a request that comes before any secret (activation, test); else None."""
        ...

    def verify(self, headers: Mapping[str, str], raw_body: bytes, secret: str) -> bool:
        """The signature over the exact raw bytes, compared in constant time."""
        ...

    def delivery_id(self, headers: Mapping[str, str], raw_body: bytes) -> str:
        """The provider's delivery id (same on every retry), or a hash of the content."""
        ...

    def event_name(self, payload: Any) -> str:
        """The provider's own name of what happened (``job_post_updated``), for logs and metrics."""
        ...

    def normalise(self, payload: Any) -> list[Change]:
        """The changes in the payload; ``[]`` for pings and events Kring does not use.
        Raises :class:`~kring.errors.InvalidInputError` for a payload that can never be used."""
        ...


class FetchingProvider(WebhookProvider, Protocol):
    """A provider whose deliveries carry only ids (``normalise`` returns :class:`FetchNeeded`)."""

    def fetch(self, request: FetchNeeded) -> list[Change]:
        """The changes ``request`` stands for, read from the provider's API (through the
        module's client port). Raises :class:`~kring.errors.TransientError` to be retried."""
        ...


class PolledProvider(Protocol):
    """A provider without a job webhook (Lever, Workable): its published jobs are polled."""

    @property
    def NAME(self) -> Provider: ...

    def published_posts(self) -> Sequence[JobPostChanged | JobChanged]:
        """Every post published right now, from the provider's feed, each ``live=True``; a
        provider that knows each post's department or offices also returns a :class:`JobChanged`
        per job, before its posts (:mod:`kring.intake.job_feeds` compares both with what is stored).
        Raises :class:`~kring.errors.TransientError` when the feed cannot be read, and
        :class:`~kring.errors.ProviderNotConfiguredError` when it is not configured (the poller
        then skips the provider rather than close its vacancies)."""
        ...


class ReconciledProvider(Protocol):
    """A provider whose candidate webhooks are never retried (Teamtailor): the job poller also
    lists its recently updated applications, so a lost delivery is made good."""

    @property
    def NAME(self) -> Provider: ...

    def applications_updated_since(self, since: datetime) -> Sequence[FetchNeeded]:
        """One :class:`FetchNeeded` per application updated at or after ``since``, the same one
        its webhook makes (``ats_fetch`` completes it). Raises like :meth:`PolledProvider.published_posts`."""
        ...


def parse_json(raw_body: bytes) -> Any:
    """The body as JSON, read by :func:`kring.safe_json.loads` (bounded nesting, finite numbers),
    or :class:`~kring.errors.InvalidInputError` (a 400). The intake has bounded its size."""
    try:
        return safe_json.loads(raw_body, max_bytes=len(raw_body))
    except safe_json.InvalidJsonError as exc:
        raise InvalidInputError(f"the body is not valid JSON ({exc})") from exc


_STAGE_WORDS: tuple[tuple[StageKind, tuple[str, ...]], ...] = (
    ("hired", ("hired", "hire", "aangenomen", "placed", "onboarding")),
    ("offer", ("offer", "aanbod", "contract")),
    ("screening", ("preinterview", "pre-interview", "pre interview")),
    ("interview", ("interview", "gesprek", "assessment", "face to face", "onsite", "on-site", "case")),
    ("screening", ("screen", "review", "phone", "qualif", "selectie", "shortlist")),
    ("applied", ("applied", "application", "new", "inbox", "sollicit", "lead", "nieuw")),
)


def stage_kind(name: str | None, *hints: str | None) -> StageKind:
    """Where a stage sits in Kring's funnel, from the provider's stage type or category
    (``hints``, tried first: ``Hired``, ``Offer``, ``PreInterviewScreen``, ``hire`` …) and then its
    name. Anything unrecognised is ``other``, which never moves an application forward."""
    for text in (*hints, name):
        if not text:
            continue
        lowered = text.strip().lower()
        for kind, words in _STAGE_WORDS:
            if any(word in lowered for word in words):
                return kind
    return "other"


def collect_texts(*values: object, limit: int = 200, max_length: int = 2000) -> tuple[str, ...]:
    """Every string inside ``values`` (nested dicts and lists walked, keys skipped), for the
    click-token search: at most ``limit`` strings, each cut to ``max_length`` characters."""
    found: list[str] = []
    stack: list[object] = list(reversed(values))
    while stack and len(found) < limit:
        value = stack.pop()
        if isinstance(value, str):
            if value.strip():
                found.append(value[:max_length])
        elif isinstance(value, dict):
            stack.extend(reversed(list(value.values())))
        elif isinstance(value, list | tuple):
            stack.extend(reversed(value))
    return tuple(found)


def first_text(*values: object) -> str | None:
    """The first value that is a non-blank string, stripped."""
    for value in values:
        if isinstance(value, str) and value.strip():
            return value.strip()
    return None

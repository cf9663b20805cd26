"""Event contracts: every event Kring puts on its bus, as versioned pydantic models.

``source`` is ``kring.<component>``, ``detail-type`` the class name (PascalCase, past tense).
Every detail carries ``version``, ``occurred_at`` (UTC) and ``correlation_id``. Events carry ids,
never personal data: ambassadors by their employee id, candidates not at all.

Consumers read the EventBridge envelope as :class:`Envelope` (``Envelope[LinkClicked]``), or with
:func:`parse_envelope` when a queue carries more than one kind of event, so that the detail is typed.
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache
from typing import Annotated, Any, ClassVar, Generic, Literal, Self, TypeVar, cast
from uuid import uuid4

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_serializer,
    model_validator,
)

from kring.errors import FieldValidationError
from kring.links.click_tokens import is_click_token
from kring.models.common import (
    AmbassadorId,
    ApplicationChannel,
    AttributionMethod,
    Channel,
    ExternalId,
    HttpsUrl,
    Locale,
    Network,
    Phase,
    Provider,
    ShareCode,
    StageKind,
    VacancyId,
    VisitorKind,
)


def _valid_click_token(value: str) -> str:
    if not is_click_token(value):
        raise ValueError("not a click token (length, alphabet or check character)")
    return value


ClickToken = Annotated[str, AfterValidator(_valid_click_token)]
VisitorHash = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{32}$")]


def _now() -> datetime:
    return datetime.now(UTC)


def _correlation_id() -> str:
    return str(uuid4())


class KringEvent(BaseModel):
    """Base of every event detail."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    SOURCE: ClassVar[str]
    version: Literal[1] = 1
    occurred_at: AwareDatetime = Field(default_factory=_now)
    correlation_id: Annotated[str, StringConstraints(min_length=1, max_length=128)] = Field(
        default_factory=_correlation_id
    )

    @classmethod
    def detail_type(cls) -> str:
        return cls.__name__

    @field_serializer("occurred_at")
    def _utc_iso(self, value: datetime) -> str:
        return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


E = TypeVar("E", bound=KringEvent)


class VacancyPublished(KringEvent):
    """A vacancy went live on the organisation's careers site: share it."""

    SOURCE: ClassVar[str] = "kring.ats"
    vacancy_id: VacancyId
    provider: Provider
    external_id: str = Field(min_length=1, description="The ATS id of the published post")
    external_job_id: str | None = Field(default=None, description="The ATS id of the job behind it")
    title: str = Field(min_length=1)
    url: HttpsUrl
    department: str | None = None
    location: str | None = None
    tags: tuple[str, ...] = ()
    language: Locale = "en"


class VacancyClosed(KringEvent):
    """A vacancy went offline (unpublished, closed or deleted): stop sharing it."""

    SOURCE: ClassVar[str] = "kring.ats"
    vacancy_id: VacancyId
    provider: Provider
    external_id: str = Field(min_length=1)
    reason: Literal["unpublished", "closed", "deleted"]


class SharesCreated(KringEvent):
    """A batch of personal share links was written for one vacancy."""

    SOURCE: ClassVar[str] = "kring.fanout"
    vacancy_id: VacancyId
    ambassador_ids: tuple[AmbassadorId, ...] = Field(min_length=1, max_length=500)


class ShareIntended(KringEvent):
    """An ambassador pressed a share button: Kring sent them on to the network's share dialog.

    ``visitor`` is the ambassador's own visitor hash that day, so that their own clicks on the
    link they just shared are told apart from a candidate's.
    """

    SOURCE: ClassVar[str] = "kring.share"
    intent_id: Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{32}$")] = Field(
        description="Unique per press of the button: the recorder counts each one once"
    )
    code: ShareCode
    vacancy_id: VacancyId
    ambassador_id: AmbassadorId
    network: Network
    visitor: VisitorHash


class LinkClicked(KringEvent):
    """Someone (or something) followed an ambassador's tracked link. ``occurred_at`` is the click.

    Never the raw IP, user agent or full referer: the visitor is a daily keyed hash, the referer
    its host only. ``visitor_kind`` is the redirect's verdict ("human" or a kind of bot) and
    ``bot_reason`` the signal behind it (the bot's name, ``HEAD``, …).
    """

    SOURCE: ClassVar[str] = "kring.redirect"
    click_id: ClickToken = Field(description="Also the click token handed to the vacancy page")
    code: ShareCode
    vacancy_id: VacancyId
    ambassador_id: AmbassadorId
    channel: Channel
    referer_host: Annotated[str, StringConstraints(max_length=253)] | None = None
    visitor: VisitorHash
    network: VisitorHash | None = Field(
        default=None,
        description="Keyed daily hash of the visitor's network (IPv4 /24, IPv6 /48); absent in clicks"
        " emitted before points existed",
    )
    visitor_kind: VisitorKind
    bot_reason: Annotated[str, StringConstraints(max_length=100)] | None = None
    vacancy_closed: bool = Field(default=False, description="Sent to the careers page instead")

    @property
    def is_bot(self) -> bool:
        return self.visitor_kind != "human"


# ------------------------------------------------------------------ candidates, from any ATS
KeyedHash = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{32}$")]


class ApplicationEvidence(BaseModel):
    """Who may have brought the candidate, with nothing personal left: e-mail addresses are keyed
    hashes (:func:`kring.links.identity.email_hash`), free text is reduced to the click tokens (check
    character verified) and share codes found in it, in the order found."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    referrer_employee_ids: tuple[AmbassadorId, ...] = Field(default=(), max_length=10)
    referrer_email_hashes: tuple[KeyedHash, ...] = Field(default=(), max_length=10)
    click_tokens: tuple[ClickToken, ...] = Field(default=(), max_length=20)
    share_codes: tuple[ShareCode, ...] = Field(default=(), max_length=20)
    candidate_email_hash: KeyedHash | None = None


class _CandidateEvent(KringEvent):
    """One thing that happened to one application in an ATS, normalised.

    ``occurred_at`` is the ATS's own time of it (it orders a hire and an unhire whatever order
    they arrive in); ``event_id`` is unique per normalised event and the same on every
    redelivery. The candidate is ``candidate_key``, a keyed hash of the provider's candidate id:
    two applications of one candidate to one job are recognised as one."""

    SOURCE: ClassVar[str] = "kring.ats"
    event_id: Annotated[str, StringConstraints(min_length=1, max_length=300)]
    provider: Provider
    application_id: ExternalId
    candidate_key: KeyedHash
    job_id: ExternalId | None = None
    post_id: ExternalId | None = None


class ApplicationReceived(_CandidateEvent):
    """A candidate applied (or was added) for a job."""

    stage: StageKind | None = None
    stage_name: Annotated[str, StringConstraints(max_length=200)] | None = None
    evidence: ApplicationEvidence = ApplicationEvidence()


class CandidateStageChanged(_CandidateEvent):
    """The application moved to a stage (stages only move forward in Kring's counting)."""

    stage: StageKind
    stage_name: Annotated[str, StringConstraints(max_length=200)]
    evidence: ApplicationEvidence | None = None


class CandidateHired(_CandidateEvent):
    evidence: ApplicationEvidence | None = None


class CandidateUnhired(_CandidateEvent):
    """A hire was taken back in the ATS (Greenhouse ``unhire_candidate``)."""


class ApplicationRejected(_CandidateEvent):
    pass


CandidateEvent = (
    ApplicationReceived | CandidateStageChanged | CandidateHired | CandidateUnhired | ApplicationRejected
)
CANDIDATE_EVENTS: tuple[type[CandidateEvent], ...] = (
    ApplicationReceived,
    CandidateStageChanged,
    CandidateHired,
    CandidateUnhired,
    ApplicationRejected,
)


class ApplicationAttributed(KringEvent):
    """Kring decided (or changed its decision on) who brought an application. Emitted when the
    decision is first made and whenever later data changes it; ``method`` says which rule."""

    SOURCE: ClassVar[str] = "kring.attribution"
    provider: Provider
    application_id: ExternalId
    vacancy_id: VacancyId | None = None
    method: AttributionMethod
    ambassador_id: AmbassadorId | None = None
    channel: ApplicationChannel | None = None
    click_token: ClickToken | None = None
    clicked_at: AwareDatetime | None = None


class AmbassadorPhaseChanged(KringEvent):
    """An ambassador moved in the advocacy programme's funnel (issue 13): a new phase, or into or
    out of dormancy (a status beside the phase), or out of or back into the programme.

    Emitted by the programme's state machine only; ``reason`` says what moved them (the fact that
    did, or a talent-team member's reason for a move by hand)."""

    SOURCE: ClassVar[str] = "kring.programme"
    ambassador_id: AmbassadorId
    from_phase: Phase | None = Field(description="None: they were not in the programme's funnel yet")
    to_phase: Phase
    dormant_before: bool = False
    dormant: bool = False
    reason: Annotated[str, StringConstraints(min_length=1, max_length=500)]


class AmbassadorChanged(KringEvent):
    """The talent team created or changed an ambassador (admin API or CSV import) in a way that
    can change which vacancies they get links for: eligibility or interests."""

    SOURCE: ClassVar[str] = "kring.roster"
    ambassador_id: AmbassadorId
    eligible: bool = Field(description="Eligible to share now (opted in, sharing phase, not dormant)")
    was_eligible: bool
    interests_changed: bool = False


# --- the ambassador portal's programme facts (issue 13) ------------------------------------------
# What an ambassador did in their portal, as facts: the programme's state machine decides what they
# mean for the phase. Ids only.
# an onboarding checklist item's id, as the talent team names it (kring.models.programme.ChecklistId)
StepName = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_-]{0,39}$")]


class ProgrammePageOpened(KringEvent):
    """A signed-in ambassador opened their programme page (a person: a scanner cannot sign in)."""

    SOURCE: ClassVar[str] = "kring.portal"
    ambassador_id: AmbassadorId


class AmbassadorVolunteered(KringEvent):
    """An ambassador signed up for the programme themselves and gave consent (``consent_version``:
    the words they agreed to)."""

    SOURCE: ClassVar[str] = "kring.portal"
    ambassador_id: AmbassadorId
    consent_version: Annotated[str, StringConstraints(min_length=1, max_length=40)]


class OnboardingStepCompleted(KringEvent):
    """An ambassador completed one step of the onboarding checklist."""

    SOURCE: ClassVar[str] = "kring.portal"
    ambassador_id: AmbassadorId
    step: StepName


class AmbassadorLeftProgramme(KringEvent):
    """An ambassador left the programme themselves (no more links or programme mail)."""

    SOURCE: ClassVar[str] = "kring.portal"
    ambassador_id: AmbassadorId


class AmbassadorRejoinedProgramme(KringEvent):
    """An ambassador who had left came back to the programme themselves."""

    SOURCE: ClassVar[str] = "kring.portal"
    ambassador_id: AmbassadorId


class ColleagueRecruited(KringEvent):
    """A colleague volunteered through an ambassador's personal invite link: credited (once) to
    the inviter."""

    SOURCE: ClassVar[str] = "kring.portal"
    inviter_id: AmbassadorId
    colleague_id: AmbassadorId


# --- invitation campaigns (issue 13: awareness and interest) ---------------------------------------
CampaignId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9]{8,32}$")]


class InvitationCampaignLaunched(KringEvent):
    """The talent team launched an invitation campaign (``POST /api/programme/invitations``): the
    mail planner pages through its audience and queues one invitation per ambassador."""

    SOURCE: ClassVar[str] = "kring.api"
    campaign_id: CampaignId


class AmbassadorInvited(KringEvent):
    """An ambassador's invitation to the programme was sent (``occurred_at``: when the sender had it
    sent; a redelivered send publishes it again with a later time — the earliest counts)."""

    SOURCE: ClassVar[str] = "kring.programme"
    ambassador_id: AmbassadorId
    campaign_id: CampaignId


class InvitationOpened(KringEvent):
    """A person (not a mail scanner, link preview or crawler: the redirect's classification) opened
    their personal invitation link."""

    SOURCE: ClassVar[str] = "kring.portal"
    ambassador_id: AmbassadorId
    campaign_id: CampaignId


WeightName = Annotated[str, StringConstraints(max_length=40)]


class PointWeightsChanged(KringEvent):
    """The talent team changed the leaderboards' point weights: the recent rankings are scored
    again (:mod:`kring.points.rerank`, which reads the weights of the moment, not these)."""

    SOURCE: ClassVar[str] = "kring.api"
    point_weights: dict[Annotated[str, StringConstraints(max_length=40)], Annotated[int, Field(ge=0)]] = (
        Field(
            max_length=20,
            description="The new weights, by source (for the log; the job reads the stored ones)",
        )
    )


EVENT_TYPES: tuple[type[KringEvent], ...] = (
    VacancyPublished,
    VacancyClosed,
    SharesCreated,
    ShareIntended,
    LinkClicked,
    *CANDIDATE_EVENTS,
    ApplicationAttributed,
    AmbassadorPhaseChanged,
    AmbassadorChanged,
    ProgrammePageOpened,
    AmbassadorVolunteered,
    OnboardingStepCompleted,
    AmbassadorLeftProgramme,
    AmbassadorRejoinedProgramme,
    ColleagueRecruited,
    InvitationCampaignLaunched,
    AmbassadorInvited,
    InvitationOpened,
    PointWeightsChanged,
)


def event_type(detail_type: str) -> type[KringEvent]:
    for cls in EVENT_TYPES:
        if cls.detail_type() == detail_type:
            return cls
    raise KeyError(detail_type)


class Envelope(BaseModel, Generic[E]):
    """The EventBridge envelope of one Kring event, ``detail`` typed as ``E``
    (``Envelope[LinkClicked]``); its ``detail-type`` must name the detail's class.

    The fields are those of Powertools' ``EventBridgeModel`` (a test keeps them equal), declared
    here rather than inherited because importing Powertools' parser costs every function that only
    publishes events about 80 ms of cold start.
    """

    model_config = ConfigDict(populate_by_name=True)

    version: str
    id: str
    source: str
    account: str
    time: datetime
    region: str
    resources: list[str]
    detail_type: str = Field(alias="detail-type")
    detail: E
    replay_name: str | None = Field(default=None, alias="replay-name")

    @model_validator(mode="after")
    def _detail_type_names_the_detail(self) -> Self:
        expected = self.detail.detail_type()
        if self.detail_type != expected:
            raise ValueError(f"detail-type {self.detail_type!r} is not {expected!r}")
        return self


def parse_envelope(data: object, *kinds: type[E]) -> Envelope[E]:
    """``data`` (parsed JSON) as the EventBridge envelope of one of ``kinds``, chosen by its
    ``detail-type``. Raises pydantic's ``ValidationError`` when it is not a valid one, and
    :class:`~kring.errors.FieldValidationError` when its ``detail-type`` is none of ``kinds``."""
    detail_type = data.get("detail-type") if isinstance(data, dict) else None
    for kind in kinds:
        if kind.detail_type() == detail_type:
            return _envelope_of(kind).model_validate(data)
    expected = ", ".join(kind.detail_type() for kind in kinds)
    raise FieldValidationError(
        "not an expected event",
        [{"field": "detail-type", "message": f"one of {expected}, not {detail_type!r}"}],
    )


@cache
def _envelope_of(kind: type[E]) -> type[Envelope[E]]:
    """``Envelope[kind]``, made once per kind and kept (pydantic's own cache of parametrised
    models holds them weakly)."""
    return cast("type[Envelope[E]]", Envelope.__class_getitem__(kind))


def to_entry(event: KringEvent, bus_name: str) -> dict[str, Any]:
    """One PutEvents entry for ``event``."""
    return {
        "Source": event.SOURCE,
        "DetailType": event.detail_type(),
        "Detail": event.model_dump_json(),
        "EventBusName": bus_name,
    }

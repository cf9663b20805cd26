"""What the admin API answers: output models mapped explicitly from the domain entities, so no
stored or internal field (keys, link keys, source timestamps) ever leaks into a response."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from kring.models.ambassador import INELIGIBILITIES, Ambassador, Ineligibility, LeaderboardDisplay
from kring.models.common import AmbassadorId, Locale, Network, Phase, Provider, VacancyId
from kring.models.vacancy import Vacancy, VacancyStatus

if TYPE_CHECKING:
    from kring.roster.imports import ImportReport

T = TypeVar("T", bound=BaseModel)


class _Out(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class AmbassadorOut(_Out):
    id: AmbassadorId
    name: str
    email: str
    locale: Locale
    department: str | None
    location: str | None
    interests: list[str]
    phase: Phase
    opted_in: bool
    share_cap_per_week: int | None
    dormant: bool
    in_programme: bool
    eligible_to_share: bool
    leaderboard_display: LeaderboardDisplay
    created_at: AwareDatetime
    updated_at: AwareDatetime

    @classmethod
    def of(cls, ambassador: Ambassador) -> AmbassadorOut:
        return cls(
            id=ambassador.id,
            name=ambassador.name,
            email=str(ambassador.email),
            locale=ambassador.locale,
            department=ambassador.department,
            location=ambassador.location,
            interests=list(ambassador.interests),
            phase=ambassador.phase,
            opted_in=ambassador.opted_in,
            share_cap_per_week=ambassador.share_cap_per_week,
            dormant=ambassador.dormant,
            in_programme=ambassador.in_programme,
            eligible_to_share=ambassador.eligible_to_share,
            leaderboard_display=ambassador.leaderboard_display,
            created_at=ambassador.created_at,
            updated_at=ambassador.updated_at,
        )


class FieldErrorOut(_Out):
    field: str
    message: str


class ImportStartedOut(_Out):
    """202 to an upload: the job to follow."""

    job_id: str
    status: str
    status_url: str
    lines: int
    chunks: int


class ImportFileOut(_Out):
    name: str | None
    bytes: int
    encoding: str
    delimiter: str
    columns: list[str]


class ImportProgressOut(_Out):
    lines: int
    lines_done: int
    chunks: int
    chunks_done: int
    percent: int


class ImportCountsOut(_Out):
    created: int
    updated: int
    unchanged: int
    failed: int


class EligibilityOut(_Out):
    """Of the ambassadors the file's valid lines left: how many the fan-out gives links, and why
    the others not (an ambassador may count under several reasons)."""

    eligible: int
    not_eligible: int
    reasons: dict[Ineligibility, int]


class ImportLineOut(_Out):
    line: int
    id: str | None
    status: str
    changed: list[str] = []
    eligible: bool | None = None
    not_eligible: list[Ineligibility] = []
    errors: list[FieldErrorOut] = []

    @classmethod
    def of(cls, result: Mapping[str, Any]) -> ImportLineOut:
        return cls(
            line=int(result["line"]),
            id=result.get("id"),
            status=str(result["status"]),
            changed=list(result.get("changed", [])),
            eligible=result.get("eligible"),
            not_eligible=list(result.get("not_eligible", [])),
            errors=[FieldErrorOut(**e) for e in result.get("errors", [])],
        )


class ImportJobOut(_Out):
    job_id: str
    status: str
    created_at: AwareDatetime
    finished_at: AwareDatetime | None
    file: ImportFileOut
    progress: ImportProgressOut
    counts: ImportCountsOut
    eligibility: EligibilityOut
    warnings: list[str]
    last_error: str | None
    lines: list[ImportLineOut]
    next: str | None

    @classmethod
    def of(cls, report: ImportReport, next_token: str | None) -> ImportJobOut:
        job = report.job
        valid = job.count("created") + job.count("updated") + job.count("unchanged")
        done = report.status == "completed"
        return cls(
            job_id=job.job_id,
            status=report.status,
            created_at=job.created_at,
            finished_at=job.last_chunk_at if done else None,
            file=ImportFileOut(
                name=job.filename,
                bytes=job.size_bytes,
                encoding=job.encoding,
                delimiter=job.delimiter,
                columns=job.columns,
            ),
            progress=ImportProgressOut(
                lines=job.lines,
                lines_done=job.count("lines_done"),
                chunks=job.chunks,
                chunks_done=job.count("chunks_done"),
                percent=100 if done else (100 * job.count("lines_done")) // max(job.lines, 1),
            ),
            counts=ImportCountsOut(
                created=job.count("created"),
                updated=job.count("updated"),
                unchanged=job.count("unchanged"),
                failed=job.count("failed"),
            ),
            eligibility=EligibilityOut(
                eligible=job.count("eligible"),
                not_eligible=valid - job.count("eligible"),
                reasons={reason: job.count(reason) for reason in INELIGIBILITIES},
            ),
            warnings=report.warnings,
            last_error=None if done else job.last_error,
            lines=[ImportLineOut.of(r) for r in report.lines],
            next=next_token,
        )


class VacancyOut(_Out):
    id: VacancyId
    provider: Provider
    external_id: str
    external_job_id: str | None
    title: str
    url: str | None
    department: str | None
    location: str | None
    status: VacancyStatus
    published_at: AwareDatetime | None
    language: Locale = Field(description="Of the share texts when an ambassador's profile is gone")
    language_override: Locale | None = Field(description="Set by the talent team; null: the ATS's")

    @classmethod
    def of(cls, vacancy: Vacancy) -> VacancyOut:
        return cls(
            id=vacancy.id,
            provider=vacancy.provider,
            external_id=vacancy.external_id,
            external_job_id=vacancy.external_job_id,
            title=vacancy.title,
            url=vacancy.url,
            department=vacancy.department,
            location=vacancy.location,
            status=vacancy.status,
            published_at=vacancy.published_at,
            language=vacancy.language,
            language_override=vacancy.language_override,
        )


class VacancyPatchIn(BaseModel):
    """``PATCH /api/vacancies/{id}``: what the talent team may set on a vacancy the ATS owns."""

    model_config = ConfigDict(extra="forbid")

    language: Locale | None = Field(description="nl or en; null hands the language back to the ATS")


class ShareOut(_Out):
    """One ambassador's personal link for a vacancy, and the share button of each network."""

    ambassador_id: AmbassadorId
    ambassador_name: str | None = Field(description="None once the ambassador is erased")
    code: str
    link: str
    share: dict[Network, str]


class ListOut(_Out, Generic[T]):
    """One page of a listing; ``next`` is the opaque token of the following page, if any."""

    items: list[T]
    next: str | None

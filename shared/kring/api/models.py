"""What the admin API answers: output models mapped explicitly from the domain entities, so no
stored or internal field (keys, link keys, source timestamps) ever leaks into a response."""

from __future__ import annotations

from typing import Generic, TypeVar

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from kring.models.ambassador import Ambassador
from kring.models.common import AmbassadorId, Locale, Network, Phase, Provider, VacancyId
from kring.models.vacancy import Vacancy, VacancyStatus

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
    eligible_to_share: bool
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
            eligible_to_share=ambassador.eligible_to_share,
            created_at=ambassador.created_at,
            updated_at=ambassador.updated_at,
        )


class FieldErrorOut(_Out):
    field: str
    message: str


class ImportLineErrorOut(_Out):
    line: int
    id: str | None
    errors: list[FieldErrorOut]


class ImportReportOut(_Out):
    imported: int
    created: int
    updated: int
    errors: list[ImportLineErrorOut]


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

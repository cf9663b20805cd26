"""Vacancies and the personal share links made for them."""

from __future__ import annotations

from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from kring.models.common import AmbassadorId, HttpsUrl, Locale, Provider, ShareCode, VacancyId

VacancyStatus = Literal["draft", "published", "closed"]


def vacancy_id(provider: str, post_id: str) -> str:
    """Kring's id of the vacancy an ATS job post is: the intake stores it under this id, and
    attribution finds an application's vacancy by it."""
    return f"{provider}-{post_id}"


class Vacancy(BaseModel):
    """A job post as Kring knows it. ``draft`` is stored but not (or no longer) live."""

    model_config = ConfigDict(extra="forbid")

    id: VacancyId
    provider: Provider
    external_id: str = Field(min_length=1)
    external_job_id: str | None = None
    title: str = Field(min_length=1)
    url: HttpsUrl | None = None
    department: str | None = None
    location: str | None = None
    tags: tuple[str, ...] = ()
    language: Locale = "en"
    language_override: Locale | None = Field(
        default=None,
        description="The language the talent team set: it wins over the ATS's until set back to None",
    )
    status: VacancyStatus
    published_at: AwareDatetime | None = None
    closed_at: AwareDatetime | None = None
    updated_at: AwareDatetime
    source_updated_at: AwareDatetime | None = Field(
        default=None, description="The ATS's own last-change time: older deliveries never overwrite newer"
    )


class AtsJob(BaseModel):
    """The ATS job behind one or more posts: where department and location come from."""

    model_config = ConfigDict(extra="forbid")

    provider: Provider
    job_id: str = Field(min_length=1)
    name: str | None = None
    department: str | None = None
    location: str | None = None
    tags: tuple[str, ...] = Field(
        default=(), description="Every department and office of the job, so multi-office jobs match too"
    )
    status: Literal["open", "closed", "draft", "deleted"] | None = Field(
        default=None, description="A closed or deleted job takes its posts offline"
    )
    updated_at: AwareDatetime


class ShareLink(BaseModel):
    """One ambassador's personal tracked link for one vacancy."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    code: ShareCode
    vacancy_id: VacancyId
    ambassador_id: AmbassadorId
    created_at: AwareDatetime

"""The programme's settings the talent team can change (issue 13): the dormancy period, the
evangelist rule and the onboarding checklist. Kept in the programme settings item
(:class:`kring.models.team.ProgrammeSettings.programme`); absent means these defaults."""

from __future__ import annotations

from typing import Annotated, Self

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

MAX_CHECKLIST_ITEMS = 20
DEFAULT_DORMANCY_DAYS = 45
DEFAULT_EVANGELIST_ACTIVE_DAYS = 30
ChecklistId = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_-]{0,39}$")]
Label = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


class ChecklistItem(BaseModel):
    """One step of onboarding, in Dutch and English."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: ChecklistId
    nl: Label
    en: Label


DEFAULT_CHECKLIST: tuple[ChecklistItem, ...] = (
    ChecklistItem(
        id="guidelines",
        nl="Lees de richtlijnen voor sociale media",
        en="Read the social-media guidelines",
    ),
    ChecklistItem(
        id="goal",
        nl="Stel een persoonlijk doel, zoals 4 keer delen per maand",
        en="Set a personal goal, such as 4 shares a month",
    ),
    ChecklistItem(id="practice-share", nl="Deel een vacature om te oefenen", en="Make a practice share"),
)


class EvangelistRule(BaseModel):
    """Evangelize: at least ``min_colleagues`` colleagues recruited or ``min_applications``
    credited applications (0 switches that half off), and active in the last ``active_days``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    min_colleagues: int = Field(default=1, ge=0, le=1000)
    min_applications: int = Field(default=1, ge=0, le=1000)
    active_days: int = Field(default=DEFAULT_EVANGELIST_ACTIVE_DAYS, ge=1, le=3650)

    @model_validator(mode="after")
    def _one_half_counts(self) -> Self:
        if self.min_colleagues == 0 and self.min_applications == 0:
            raise ValueError("min_colleagues or min_applications must be at least 1")
        return self


class ProgrammeRules(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    dormancy_days: int = Field(default=DEFAULT_DORMANCY_DAYS, ge=1, le=3650)
    evangelist: EvangelistRule = EvangelistRule()
    onboarding_checklist: tuple[ChecklistItem, ...] = Field(
        default=DEFAULT_CHECKLIST, min_length=1, max_length=MAX_CHECKLIST_ITEMS
    )

    @model_validator(mode="after")
    def _distinct_checklist_ids(self) -> Self:
        ids = [item.id for item in self.onboarding_checklist]
        if len(ids) != len(set(ids)):
            raise ValueError("each onboarding checklist item has its own id")
        return self

"""The ambassador: an employee who shares the organisation's vacancies."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, EmailStr, Field, field_validator

from kring.models.common import SHARING_PHASES, AmbassadorId, Locale, Phase


@dataclass(frozen=True)
class Candidate:
    """What the fan-out needs of an eligible ambassador, and nothing more (no name, no e-mail)."""

    id: str
    interests: tuple[str, ...] = ()
    share_cap_per_week: int | None = None


# Why an ambassador is not given share links (an ambassador may have several of these at once).
Ineligibility = Literal["not_opted_in", "phase", "dormant", "left"]
INELIGIBILITIES: tuple[Ineligibility, ...] = ("not_opted_in", "phase", "dormant", "left")

# How an ambassador appears on leaderboards: as "a colleague in <department>" or by name.
LeaderboardDisplay = Literal["department", "name"]

# The fields a value of ``None`` (or, for interests, an empty list) may clear: an empty CSV cell
# in these columns, and ``null`` in a merge patch. Every other field always has a value.
CLEARABLE_FIELDS: frozenset[str] = frozenset({"department", "location", "interests", "share_cap_per_week"})


class AmbassadorInput(BaseModel):
    """What the admin API and the CSV import accept (create or replace)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    id: AmbassadorId = Field(description="The employee id")
    name: str = Field(min_length=1, max_length=200)
    email: EmailStr
    locale: Locale = "en"
    department: str | None = Field(default=None, max_length=100)
    location: str | None = Field(default=None, max_length=100)
    interests: list[str] = Field(
        default_factory=list,
        max_length=50,
        description="Departments, locations or tags; empty means every vacancy",
    )
    phase: Phase = "awareness"
    opted_in: bool = False
    share_cap_per_week: int | None = Field(
        default=None, ge=0, le=1000, description="At most this many new vacancies a week; none means no cap"
    )
    dormant: bool = False
    leaderboard_display: LeaderboardDisplay = Field(
        default="department",
        description='How leaderboards show them: "department" ("a colleague in Sales", the default:'
        ' nobody is named without choosing it) or "name"',
    )

    @field_validator("interests")
    @classmethod
    def _clean_interests(cls, value: list[str]) -> list[str]:
        seen: dict[str, str] = {}
        for raw in value:
            item = raw.strip()
            if not item:
                continue
            if len(item) > 100:
                raise ValueError("an interest is at most 100 characters")
            seen.setdefault(item.casefold(), item)
        return list(seen.values())


class Ambassador(AmbassadorInput):
    """The stored entity."""

    created_at: AwareDatetime
    updated_at: AwareDatetime
    # Owned by the programme's state machine (issue 13): False once they left the programme.
    in_programme: bool = True

    @property
    def eligible_to_share(self) -> bool:
        """In the fan-out's index: opted in, not dormant, in a phase that shares."""
        return not self.ineligibility

    @property
    def ineligibility(self) -> tuple[Ineligibility, ...]:
        """Every reason the fan-out passes this ambassador by (none: eligible)."""
        reasons: list[Ineligibility] = []
        if not self.opted_in:
            reasons.append("not_opted_in")
        if self.phase not in SHARING_PHASES:
            reasons.append("phase")
        if self.dormant:
            reasons.append("dormant")
        if not self.in_programme:
            reasons.append("left")
        return tuple(reasons)

    @classmethod
    def from_input(
        cls,
        data: AmbassadorInput,
        *,
        now: datetime,
        created_at: datetime | None = None,
        in_programme: bool = True,
    ) -> Ambassador:
        """The entity from input; ``in_programme`` is the programme's, carried over from the stored one."""
        return cls(
            **data.model_dump(), created_at=created_at or now, updated_at=now, in_programme=in_programme
        )

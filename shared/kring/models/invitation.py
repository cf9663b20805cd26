"""Invitation campaigns (issue 13, the Awareness phase): the talent team invites everyone, one
department or one location to the programme; each ambassador gets one mail in their language."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints

from kring.models.ambassador import Ambassador

GroupName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
Note = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
By = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
TALENT_TEAM = "talent team"


class DepartmentAudience(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    department: GroupName


class LocationAudience(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    location: GroupName


Audience = Literal["everyone"] | DepartmentAudience | LocationAudience


class CampaignInput(BaseModel):
    """``POST /api/programme/invitations``: to whom, an optional note of the talent team's own (for
    their list; it is not in the mail), and who launched it."""

    model_config = ConfigDict(extra="forbid")

    audience: Audience
    note: Note | None = None
    by: By = TALENT_TEAM


class Campaign(BaseModel):
    """A campaign as stored and listed: its counters are exact (each counted with its marker)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    audience: Audience
    note: Note | None = None
    by: By
    created_at: AwareDatetime
    sent: int = Field(default=0, ge=0, description="Invitations sent (one per ambassador at most)")
    opened: int = Field(default=0, ge=0, description="Ambassadors who opened their invitation (a person)")


def _same(a: str | None, b: str) -> bool:
    return a is not None and a.strip().casefold() == b.strip().casefold()


def in_audience(ambassador: Ambassador, audience: Audience) -> bool:
    """Whether the ambassador is in the audience (department and location compared without case)."""
    if isinstance(audience, DepartmentAudience):
        return _same(ambassador.department, audience.department)
    if isinstance(audience, LocationAudience):
        return _same(ambassador.location, audience.location)
    return True


def invitable(ambassador: Ambassador) -> bool:
    """Whom an invitation is for: someone on the roster who has not come further than interest —
    not volunteered yet (awareness or interest) and not left the programme. Whoever volunteered
    (or was put further by the talent team) is in already; whoever left chose to."""
    return ambassador.in_programme and ambassador.phase in ("awareness", "interest")

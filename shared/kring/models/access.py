"""The talent team's people and credentials: users with a role, API tokens with a role, and the
audit trail's entries.

Roles, from least to most: ``viewer`` (reads everything), ``recruiter`` (changes data: ambassadors,
vacancies, phases, suppressions), ``admin`` (settings, users, tokens, imports, erasure, paying
rewards). A role allows everything the roles below it allow.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, EmailStr, StringConstraints

from kring.models.common import Locale

Role = Literal["viewer", "recruiter", "admin"]
ROLES: tuple[Role, ...] = ("viewer", "recruiter", "admin")  # least to most

# A user's or a token's id: 16 lowercase hex characters (random, 64 bits), never a secret.
AccessId = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{16}$")]
DisplayName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]


def allows(held: Role, needed: Role) -> bool:
    """Whether ``held`` may do what needs ``needed``."""
    return ROLES.index(held) >= ROLES.index(needed)


class TeamUser(BaseModel):
    """A talent-team member who signs in to the dashboard. The address is kept because the sign-in
    link is mailed to it (staff, not candidates: the minimum for that one purpose); the
    address's keyed hash points at the user for the sign-in lookup."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: AccessId
    email: EmailStr
    name: DisplayName
    role: Role
    locale: Locale
    created_at: AwareDatetime
    updated_at: AwareDatetime


class ApiToken(BaseModel):
    """A named bearer token for automation. Only the keyed hash of its secret is stored."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: AccessId
    name: DisplayName
    role: Role
    secret_hash: str
    created_at: AwareDatetime
    created_by: str
    last_used_at: AwareDatetime | None = None


class AuditEntry(BaseModel):
    """Who did what, when: one change through the API, a dashboard sign-in or sign-out."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    at: AwareDatetime
    actor: str  # "user:<id>", "token:<id>" or "bootstrap"
    actor_name: str  # the user's or the token's name at the time
    role: Role
    method: str
    route: str
    target: str | None = None
    status: int
    summary: str

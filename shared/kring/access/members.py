"""Talent-team users: added, changed and removed by an admin. An address belongs to one user (a
keyed-hash pointer written with the user); a removed user's sessions stop working at their next
request (each page reads the user)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from kring.access.credentials import new_id
from kring.dal.team_users import TeamUserRepository
from kring.errors import FieldValidationError, NotFoundError
from kring.links.identity import email_hash
from kring.models.access import Role, TeamUser
from kring.models.common import Locale

if TYPE_CHECKING:
    from kring.models.common import Page


def _hash(email: str) -> str:
    hashed = email_hash(email)
    if hashed is None:
        raise FieldValidationError("the user is not valid", [{"field": "email", "message": "not an address"}])
    return hashed


def add(*, email: str, name: str, role: Role, locale: Locale, now: datetime) -> TeamUser:
    """A new user, or ConflictError when the address is another user's."""
    user = TeamUser(
        id=new_id(), email=email, name=name, role=role, locale=locale, created_at=now, updated_at=now
    )
    TeamUserRepository().create(user, _hash(str(user.email)))
    return user


def get(user_id: str) -> TeamUser:
    found = TeamUserRepository().get(user_id)
    if found is None:
        raise NotFoundError("no such user")
    return found[0]


def change(user_id: str, changes: dict[str, object], *, now: datetime) -> TeamUser:
    """Apply ``changes`` (already validated fields: email, name, role, locale)."""
    repo = TeamUserRepository()
    found = repo.get(user_id)
    if found is None:
        raise NotFoundError("no such user")
    user, old_hash = found
    changed = TeamUser.model_validate({**user.model_dump(), **changes, "updated_at": now})
    repo.replace(changed, old_hash, _hash(str(changed.email)))
    return changed


def remove(user_id: str) -> None:
    if not TeamUserRepository().delete(user_id):
        raise NotFoundError("no such user")


def page(limit: int, cursor: dict[str, str] | None) -> Page[TeamUser]:
    return TeamUserRepository().page(limit, cursor)


def of_address_hash(address_hash: str) -> TeamUser | None:
    """The user whose address has this keyed hash (the pointer, verified against the user)."""
    repo = TeamUserRepository()
    user_id = repo.by_email_hash(address_hash)
    found = repo.get(user_id) if user_id else None
    if found is None or found[1] != address_hash:
        return None
    return found[0]

"""Ids in request paths: percent-decoded, then held exactly to the constrained type of the entity
they name (:mod:`kring.models.common`) — nothing trimmed, nothing folded. An id its type refuses
names nothing, so it is a 404 before any lookup: ``DELETE /api/ambassadors/E1001%20`` never reaches
E1001, and a 2 KB id never becomes a key DynamoDB refuses."""

from __future__ import annotations

from urllib.parse import unquote

from pydantic import TypeAdapter, ValidationError

from kring.errors import NotFoundError
from kring.models.common import AmbassadorId, RewardId, VacancyId

_AMBASSADOR: TypeAdapter[str] = TypeAdapter(AmbassadorId)
_VACANCY: TypeAdapter[str] = TypeAdapter(VacancyId)
_REWARD: TypeAdapter[str] = TypeAdapter(RewardId)
_SHOWN = 80  # characters of a refused id repeated in the error message


def ambassador_id(raw: str) -> str:
    return _exact(raw, _AMBASSADOR, "no ambassador with id")


def vacancy_id(raw: str) -> str:
    return _exact(raw, _VACANCY, "no vacancy")


def reward_id(raw: str) -> str:
    return _exact(raw, _REWARD, "no reward")


def _exact(raw: str, adapter: TypeAdapter[str], missing: str) -> str:
    value = unquote(raw)
    try:
        valid = adapter.validate_python(value, strict=True) == value
    except ValidationError:
        valid = False
    if not valid:
        shown = value if len(value) <= _SHOWN else value[:_SHOWN] + "…"
        raise NotFoundError(f"{missing} {shown!r}")
    return value

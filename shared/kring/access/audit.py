"""The audit trail: who changed what, when. Every change through the API (written by its middleware
in the same request, after the change answered below 400), every token made or revoked (they are
API changes) and every dashboard sign-in and sign-out is one entry. Admins read it newest first,
a range of UTC days at a time (``from``/``to``, at most :data:`MAX_DAYS`), paged."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from kring.dal.audit_trail import AuditTrailRepository
from kring.models.access import AuditEntry, Role

MAX_DAYS = 366
DEFAULT_DAYS = 30
MAX_SUMMARY = 200


def record(
    *,
    actor: str,
    actor_name: str,
    role: Role,
    method: str,
    route: str,
    target: str | None,
    status: int,
    summary: str,
    now: datetime,
) -> AuditEntry:
    entry = AuditEntry(
        id=secrets.token_hex(6),
        at=now,
        actor=actor,
        actor_name=actor_name,
        role=role,
        method=method,
        route=route,
        target=target[:200] if target else None,
        status=status,
        summary=summary[:MAX_SUMMARY],
    )
    AuditTrailRepository().put(entry)
    return entry


@dataclass(frozen=True)
class Position:
    """Where a page of the trail goes on: a day, and the sort key to read before (None: the day's
    newest)."""

    day: date
    before: str | None


def read(
    first: date,
    last: date,
    limit: int,
    position: Position | None,
    *,
    repo: AuditTrailRepository | None = None,
) -> tuple[list[AuditEntry], Position | None]:
    """Up to ``limit`` entries from ``last`` back to ``first`` (newest first), starting at
    ``position``; and where the next page starts (None: no more). One Query per day visited."""
    repo = repo or AuditTrailRepository()
    day, before = (position.day, position.before) if position else (last, None)
    out: list[AuditEntry] = []
    while day >= first:
        found, more = repo.day(day, limit - len(out), before=before)
        out.extend(found)
        if more is not None:
            if len(out) >= limit:
                return out, Position(day, more)
            before = more
            continue
        day, before = day - timedelta(days=1), None
        if len(out) >= limit:
            return out, (Position(day, None) if day >= first else None)
    return out, None

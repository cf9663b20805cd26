"""One ambassador's journey through the programme, and a move of it by hand: what
``GET /api/ambassadors/{id}/journey`` and ``POST /api/ambassadors/{id}/phase`` do, and what the
dashboard's ambassador page does with the same functions.

- :func:`journey`: where the ambassador is (phase, dormant, in the programme: the profile) and
  every transition kept (one GetItem, one Query of their collection).
- :func:`move`: a move by hand to ``phase``, or a leave or return (``action``), always with a
  reason; recorded by the programme's state machine (:class:`~kring.programme.recorder.ProgrammeRecorder`).

An unknown ambassador is a :class:`~kring.errors.NotFoundError`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from kring.dal.ambassadors import AmbassadorRepository
from kring.dal.programme import HistoryEntry, ProgrammeRepository
from kring.errors import NotFoundError
from kring.models.common import Phase
from kring.programme.phases import Fact
from kring.programme.recorder import TALENT_TEAM, ProgrammeRecorder

Action = Literal["leave", "return"]


@dataclass(frozen=True)
class Journey:
    ambassador_id: str
    phase: Phase
    dormant: bool
    in_programme: bool
    history: tuple[HistoryEntry, ...]  # oldest first, as kept


def journey(ambassador_id: str) -> Journey:
    """Where the ambassador is now, and every transition."""
    profile = AmbassadorRepository().get(ambassador_id)
    if profile is None:
        raise NotFoundError(f"no ambassador with id {ambassador_id!r}")
    return Journey(
        ambassador_id=ambassador_id,
        phase=profile.phase,
        dormant=profile.dormant,
        in_programme=profile.in_programme,
        history=tuple(ProgrammeRepository().history(ambassador_id)),
    )


def move(
    ambassador_id: str,
    *,
    at: datetime,
    reason: str,
    phase: Phase | None = None,
    action: Action | None = None,
    by: str = TALENT_TEAM,
) -> None:
    """A move by hand to ``phase`` or a leave / return (``action``: give exactly one of them),
    with its reason and who did it."""
    if (phase is None) == (action is None):
        raise ValueError("give either a phase or an action")
    if phase is not None:
        fact = Fact("moved_by_hand", at, to_phase=phase, reason=reason, by=by)
    else:
        fact = Fact("left" if action == "leave" else "rejoined", at, reason=reason, by=by)
    if ProgrammeRecorder().record(ambassador_id, fact, now=at) is None:
        raise NotFoundError(f"no ambassador with id {ambassador_id!r}")

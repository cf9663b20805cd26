"""A colleague recruited: the ambassador whose "invite a colleague" link brought a colleague into
the programme earns the ``colleagues_recruited`` point source, once per colleague, ever.

The portal's ``ColleagueRecruited`` consumer calls :func:`credit_colleague`: one consistent
BatchGetItem (the colleague's credit marker, the ambassador's profile and period items, the
weights), then one TransactWriteItems — the marker ``RECRUITED#<colleague id>`` on
``attribute_not_exists`` and the week's, month's and quarter's items on the version read. A
redelivered event finds the marker (or loses the race to it) and changes nothing.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from kring.dal import keys
from kring.dal import points as store
from kring.dal.items import ItemKey, key_of
from kring.dal.transact import Outcome
from kring.errors import TransientError
from kring.models.points import PeriodPoints
from kring.points import ledger

MAX_ATTEMPTS = 6


def credit_colleague(
    ambassador_id: str,
    colleague_id: str,
    at: datetime,
    *,
    repository: store.PointsRepository | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> bool:
    """Credit ``ambassador_id`` with ``colleague_id`` recruited at ``at``; False when the colleague
    was credited before (to anyone)."""
    points = repository or store.PointsRepository()
    day = at.astimezone(UTC).date().isoformat()
    marker = keys.colleague_credit(colleague_id)
    period_keys = ledger.period_keys(ambassador_id, day)
    for attempt in range(MAX_ATTEMPTS):
        known = points.read([marker, keys.ambassador(ambassador_id), keys.programme_settings(), *period_keys])
        if key_of(marker) in known:
            return False
        writes = ledger.apply(
            ledger.earned_by_colleague(ambassador_id, day),
            _stored(ambassador_id, known),
            ledger.profile_of(known.get(key_of(keys.ambassador(ambassador_id)))),
            ledger.weights_of(known.get(key_of(keys.programme_settings()))),
        )
        outcome = points.write_first(
            marker,
            {"entity": "colleague_credit", "ambassador_id": ambassador_id, "recruited_on": day},
            writes,
        )
        if outcome is Outcome.APPLIED:
            return True
        if outcome is Outcome.DUPLICATE:
            return False
        sleep(min(1.0, 0.05 * 2**attempt))
    raise TransientError(f"the points of {ambassador_id} kept changing")


def _stored(ambassador_id: str, known: Mapping[ItemKey, Mapping[str, Any]]) -> Callable[[str], PeriodPoints]:
    def period_of(period: str) -> PeriodPoints:
        return store.from_item(
            ambassador_id, period, known.get(key_of(keys.ambassador_points(ambassador_id, period)))
        )

    return period_of

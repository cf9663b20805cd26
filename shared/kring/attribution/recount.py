"""Recount: make the counters of the stored application states what today's counting rules say.

Every application state keeps the counters it added (``counted``, per stats item). When the
counting rules change, a state counts by the new rules at its next event — the recorder commits
the difference between what it deserves and what it counted —, but a state that never gets
another event would keep counting by the old ones. :func:`recount_state` does for one state what
its next event would: it computes what the state deserves now
(:func:`kring.attribution.rules.contribution` of its stored facts and decision) and commits the
difference in the attribution's own transaction, with the state's Put conditional on the version
it read (a concurrent event wins; the state is read again). Nothing is decided again, no reward
entry changes, nothing is announced. A second run writes nothing.

When to run it (``make recount``, docs/data-model.md): after an upgrade whose notes say so. Issue
11 changed two rules: a referral counts in the channel ``referral`` (it counted in its referrer's
click's channel, or ``direct``), and an unattributed application's interviews and hires count in
the channel ``unattributed``, so that the channels of a funnel add up to its total.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace

from kring.attribution.rules import contribution, difference, shard_of
from kring.dal import batch, keys
from kring.dal.attribution_states import AttributionStateRepository, Commit
from kring.dal.transact import Outcome
from kring.errors import TransientError

MAX_ATTEMPTS = 6


@dataclass(frozen=True)
class RecountReport:
    states: int  # application states read
    recounted: int  # of which counted differently, and now as the rules say


def recount_state(key: keys.Key, *, sleep: Callable[[float], None] = time.sleep) -> bool:
    """Bring one state's counters in line with the rules; True when anything was written."""
    states = AttributionStateRepository()
    for attempt in range(MAX_ATTEMPTS):
        stored = states.get_state(key)
        if stored is None or stored.decision is None:
            return False
        deserved = contribution(stored.facts, stored.decision, shard_of(key), stored.rewards)
        changes = difference(deserved, stored.counted)
        if not changes:
            return False
        state = replace(stored, counted=deserved, version=stored.version + 1)
        plan = Commit(key=key, state=state, expected_version=stored.version, increments=changes)
        if states.commit(plan) is Outcome.APPLIED:
            return True
        batch.backoff(attempt, sleep)
    raise TransientError(f"application state {key['pk']} kept changing: run the recount again")


def recount(state_keys: Iterable[keys.Key]) -> RecountReport:
    """Every state (a Scan of the table: an operator's command, never a request path), or the
    states of ``state_keys``."""
    states = recounted = 0
    for key in state_keys:
        states += 1
        recounted += recount_state(key)
    return RecountReport(states=states, recounted=recounted)

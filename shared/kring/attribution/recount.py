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

The same write puts a decided state on the application list (gsi1 ``APPLICATIONS``, the
dashboard's Applications page) when it is not on it yet: states decided before issue 14 added the
list are listed by their next event, or by the recount.

When to run it (``make recount``, docs/data-model.md): after an upgrade whose notes say so. Issue
11 changed two rules: a referral counts in the channel ``referral`` (it counted in its referrer's
click's channel, or ``direct``), and an unattributed application's interviews and hires count in
the channel ``unattributed``, so that the channels of a funnel add up to its total. Issue 14 added
the application list.
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
    listed: int = 0  # of which were not on the application list, and now are


@dataclass(frozen=True)
class Rewrite:
    """What the recount wrote of one state (nothing: both False)."""

    recounted: bool = False  # its counters, as the rules say now
    listed: bool = False  # put on the application list


def recount_state(key: keys.Key, *, sleep: Callable[[float], None] = time.sleep) -> Rewrite:
    """Bring one state's counters in line with the rules and put it on the application list, in
    one conditional write; nothing when both are so already."""
    states = AttributionStateRepository()
    for attempt in range(MAX_ATTEMPTS):
        found = states.get_state_listed(key)
        if found is None:
            return Rewrite()
        stored, listed = found
        if stored.decision is None:
            return Rewrite()
        deserved = contribution(stored.facts, stored.decision, shard_of(key), stored.rewards)
        changes = difference(deserved, stored.counted)
        if not changes and listed:
            return Rewrite()
        state = replace(stored, counted=deserved, version=stored.version + 1)
        plan = Commit(key=key, state=state, expected_version=stored.version, increments=changes)
        if states.commit(plan) is Outcome.APPLIED:  # the state's Put carries its list entry
            return Rewrite(recounted=bool(changes), listed=not listed)
        batch.backoff(attempt, sleep)
    raise TransientError(f"application state {key['pk']} kept changing: run the recount again")


def recount(state_keys: Iterable[keys.Key]) -> RecountReport:
    """Every state (a Scan of the table: an operator's command, never a request path), or the
    states of ``state_keys``."""
    states = recounted = listed = 0
    for key in state_keys:
        states += 1
        rewrite = recount_state(key)
        recounted += rewrite.recounted
        listed += rewrite.listed
    return RecountReport(states=states, recounted=recounted, listed=listed)

"""Ambassadors' names for the lists that show their ids (shares, rewards, stats).

Read together, never one profile per row: one BatchGetItem of a hundred profiles (only their
names) through the ambassador repository. An erased ambassador's id stays in the links, counts
and ledger, but their profile is gone: no name.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from kring.dal import ambassadors as repository


def names_of(ambassador_ids: Iterable[str]) -> Mapping[str, str]:
    """The name of each ambassador among ``ambassador_ids`` who has a profile, by id."""
    return repository.AmbassadorRepository().names(ambassador_ids)

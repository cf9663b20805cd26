"""Why an application was credited as it was: the stored decision of its state, read back for
``GET /api/applications/{provider}/{id}/attribution``.

The explanation is what the attribution decided and stored — method, ambassador, channel, the
click and the window it was judged by, every other candidate for credit with the reason it
lost — and the counters the application added (stats item by stats item), so a recruiter can
trace a number on a funnel back to the applications behind it. Nothing is decided again on read.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from kring.attribution.entities import Decision, Facts
from kring.dal import attribution_states, keys
from kring.dal.attribution_states import AttributionStateRepository, StoredState
from kring.errors import InvalidInputError, NotFoundError
from kring.models.common import PROVIDERS, Page

_APPLICATION_ID = re.compile(r"^[A-Za-z0-9._:@-]{1,40}$")


@dataclass(frozen=True)
class CountedFigure:
    """What the application added to one stats item: ``scope`` says which kind of item."""

    scope: str  # program_day | vacancy_day | ambassador_day | vacancy_ambassador
    vacancy_id: str | None
    ambassador_id: str | None
    day: str | None
    counters: dict[str, int]


@dataclass(frozen=True)
class Explanation:
    application_id: str
    facts: Facts
    decision: Decision
    counted: tuple[CountedFigure, ...]


def explain(provider: str, application_id: str) -> Explanation:
    """The explanation of one ATS application. :class:`InvalidInputError` for a provider Kring
    does not know or an id no ATS could have made; :class:`NotFoundError` for an application
    no event has been recorded for."""
    if provider not in PROVIDERS:
        raise InvalidInputError(f"unknown provider {provider!r}; one of: {', '.join(PROVIDERS)}")
    if not _APPLICATION_ID.match(application_id):
        raise InvalidInputError("an application id is 1 to 40 letters, digits or . _ : @ -")
    repository = AttributionStateRepository()
    pks = repository.states_of_application(provider, application_id)
    found = repository.read(attribution_states.state_key(pk) for pk in pks)
    states = [attribution_states.from_item(item) for item in found.values()]
    decided = [s for s in states if s.decision is not None]
    if not decided:
        raise NotFoundError(f"no {provider} application {application_id!r} has been recorded")
    state = min(decided, key=_preference)
    assert state.decision is not None
    return Explanation(
        application_id=application_id,
        facts=state.facts,
        decision=state.decision,
        counted=tuple(
            counted_figure(pk, sk, counters) for (pk, sk), counters in sorted(state.counted.items())
        ),
    )


@dataclass(frozen=True)
class Listed:
    """An application in the list: the id it is announced under, its facts and decision."""

    application_id: str
    facts: Facts
    decision: Decision


def list_applications(limit: int, cursor: Mapping[str, Any] | None = None) -> Page[Listed]:
    """One page of every decided application, newest application first (one Query of the
    application list, gsi1 ``APPLICATIONS``; never a Scan). Each row's id is the one
    :func:`explain` takes."""
    page = AttributionStateRepository().list_page(limit, cursor)
    listed = [
        Listed(state.facts.application_id, state.facts, state.decision)
        for state in page.items
        if state.decision is not None and state.facts.application_ids
    ]
    return Page(items=listed, cursor=page.cursor)


def _preference(state: StoredState) -> tuple[bool, bool, str]:
    """An application id in two states (moved to another job, or events with and without a job
    id): the one with application data, then the one with a job, then the first."""
    facts = state.facts
    return (not facts.received, facts.job_ref.startswith("app:"), facts.job_ref)


def counted_figure(pk: str, sk: str, counters: dict[str, int]) -> CountedFigure:
    """A stats item key, read back as what it counts for (the shard left out)."""
    scope = keys.stats_scope_of(pk, sk)
    return CountedFigure(scope["scope"], scope["vacancy_id"], scope["ambassador_id"], scope["day"], counters)

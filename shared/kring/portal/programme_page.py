"""The programme page (``/portal/programme``, and the invitation's landing page): what the
programme is, what is in it for an ambassador, and what colleagues achieved with it — the
programme's own results, from its counters, naming nobody.

- **Results** of the last :data:`RESULT_DAYS` days: the programme's day counters (one Query of
  ``STATS#PROG``): shares (share intents), clicks by people, and the applications and hires
  credited to ambassadors (the programme counts unattributed ones too; those are left out);
- **ambassadors by phase** now: the funnel's counters (one GetItem);
- **rewards**: the reward plan (an amount per credited hire after a holding period; none when the
  amount is 0).

The page is public (a colleague forwarding it shows nobody's data), so what it reads is kept for
:data:`CACHE_SECONDS` per container: a burst of openings after a campaign costs one read.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from kring import config, funnels
from kring.dal.programme import ProgrammeRepository
from kring.models.common import PHASES, Phase
from kring.programme.funnel import Now

RESULT_DAYS = 365
CACHE_SECONDS = 300


@dataclass(frozen=True)
class Results:
    first_day: date
    last_day: date
    share_intents: int
    clicks: int
    applications: int
    hires: int
    ambassadors: int  # in the programme now (every phase)
    by_phase: tuple[tuple[Phase, int], ...]

    @property
    def any(self) -> bool:
        return bool(self.share_intents or self.clicks or self.applications or self.hires)


@dataclass(frozen=True)
class RewardPlan:
    amount: Decimal
    currency: str
    holding_days: int


@dataclass(frozen=True)
class ProgrammePage:
    results: Results
    reward: RewardPlan | None


def results_of(
    totals: funnels.Figures, unattributed: funnels.Figures, now: Now, first: date, last: date
) -> Results:
    """The page's results from the programme's counters (pure)."""
    by_phase = tuple((phase, now.phases.get(phase, 0)) for phase in PHASES)
    return Results(
        first_day=first,
        last_day=last,
        share_intents=totals.share_intents,
        clicks=totals.clicks,
        applications=max(0, totals.applications - unattributed.applications),
        hires=max(0, totals.hires - unattributed.hires),
        ambassadors=sum(count for _, count in by_phase),
        by_phase=by_phase,
    )


def reward_plan() -> RewardPlan | None:
    settings = config.rewards()
    if settings.reward_amount <= 0:
        return None
    return RewardPlan(settings.reward_amount, settings.reward_currency, settings.reward_holding_days)


_cache: dict[str, tuple[float, ProgrammePage]] = {}


def clear_cache() -> None:
    _cache.clear()


def programme_page(now: datetime) -> ProgrammePage:
    """The page's figures as of ``now`` (kept for :data:`CACHE_SECONDS`)."""
    cached = _cache.get("page")
    if cached is not None and 0 <= now.timestamp() - cached[0] < CACHE_SECONDS:
        return cached[1]
    last = now.date()
    first = last - timedelta(days=RESULT_DAYS - 1)
    stats = funnels.program_funnel(first, last)
    counts = Now.of(ProgrammeRepository().counters())
    page = ProgrammePage(
        results=results_of(stats.totals, stats.by_channel["unattributed"], counts, first, last),
        reward=reward_plan(),
    )
    _cache["page"] = (now.timestamp(), page)
    return page

"""The talent-team digest's content: the programme's week against the week before, what did best,
what needs a person, and the case for advocacy in money and rates.

:func:`build_team_report` for one weekly period (the planner's ``period_ending``) reads:

- **the funnel**: the programme's day counters over both weeks (one Query): shares (links
  created), share intents, counted clicks, applications, interviews, hires; applications by
  method and by channel for the week;
- **top vacancies**: each open vacancy's day counters over the week (one Query each), the best
  :data:`TOP` by applications, then clicks, then share intents;
- **top ambassadors**: every ambassador's day counters over the week (the ambassador list, paged,
  and one Query each — O(ambassadors) once a week, the only such read in Kring; a weekly
  leaderboard item written by the recorders would make it O(1) when programmes grow past tens of
  thousands), the best :data:`TOP` by hires, then applications, then clicks; names are fine here:
  the talent team runs the programme;
- **needs a person**: messages parked in each dead-letter queue (SQS ``GetQueueAttributes`` on the
  URLs of :class:`~kring.config.OpsSettings`), every ATS whose last verified webhook
  (:mod:`kring.dal.ats_deliveries`) is older than ``ats_silence_days``, and the rewards waiting
  to be paid (eligible now: the whole ledger, gsi1, once a week);
- **cost per hire** over the trailing :data:`COST_WINDOW_DAYS`: the rewards of hires in that
  window (paid, and owed: pending or eligible), per currency, divided by the hires credited to
  ambassadors in it (programme counters: hires less ``hires_unattributed``), beside the talent
  team's configured cost per hire of other channels (:mod:`kring.dal.programme_settings`);
- **rates** over the same window: interviews and hires per application, for the applications
  credited to an ambassador (any method) and for the rest (unattributed). Interviews count on the
  application's day, hires on the hire's: over a year the two line up well enough to compare.

Cost per hire and rates are :func:`cost_and_quality` of a window: the digest's 52 weeks, or the
period the dashboard's cost page is asked for — one computation for both.

Counters are per UTC day: a week reads the UTC days of its local dates.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Protocol, TypeVar

from pydantic import AwareDatetime, BaseModel, ConfigDict

from kring import config
from kring.attribution import rewards as reward_logic
from kring.clicks.counting import CLICKS, SHARE_INTENTS, SHARES, by_channel
from kring.dal import ats_deliveries, keys, pages
from kring.dal import rewards as ledger
from kring.dal.programme_settings import ProgrammeSettingsRepository
from kring.dal.vacancies import VacancyRepository
from kring.funnels import (
    APPLICATION_METHODS,
    APPLICATIONS,
    HIRES,
    INTERVIEWS,
    by_method,
    day_counters,
    range_counters,
    sum_days,
)
from kring.integrations import sqs
from kring.mail.digest_content import DigestPeriod
from kring.mail.periods import Period
from kring.models.common import FUNNEL_CHANNELS, Page
from kring.models.vacancy import Vacancy

TOP = 5
COST_WINDOW_DAYS = 364  # 52 weeks, ending with the report's week
UNATTRIBUTED = "unattributed"


class Funnel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    shares: int = 0
    share_intents: int = 0
    clicks: int = 0
    applications: int = 0
    interviews: int = 0
    hires: int = 0

    @classmethod
    def of(cls, counters: Mapping[str, int]) -> Funnel:
        return cls(
            shares=counters.get(SHARES, 0),
            share_intents=counters.get(SHARE_INTENTS, 0),
            clicks=counters.get(CLICKS, 0),
            applications=counters.get(APPLICATIONS, 0),
            interviews=counters.get(INTERVIEWS, 0),
            hires=counters.get(HIRES, 0),
        )


class TopVacancy(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    vacancy_id: str
    title: str
    share_intents: int
    clicks: int
    applications: int
    hires: int


class TopAmbassador(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    ambassador_id: str
    name: str
    share_intents: int
    clicks: int
    applications: int
    hires: int


class ParkedMessages(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    queue: str
    messages: int


class SilentAts(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    provider: str
    last_delivery_at: AwareDatetime


class RewardsToPay(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    currency: str
    entries: int
    amount: Decimal
    eligible_since: AwareDatetime  # the oldest waiting one's


class NeedsAPerson(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    parked: list[ParkedMessages]
    silent_ats: list[SilentAts]
    rewards_to_pay: list[RewardsToPay]

    @property
    def is_empty(self) -> bool:
        return not (self.parked or self.silent_ats or self.rewards_to_pay)


class AmbassadorCostPerHire(BaseModel):
    """One currency's rewards for the hires of the window, per hire credited to ambassadors."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    currency: str
    rewards_paid: Decimal
    rewards_owed: Decimal  # pending or eligible: still to pay
    credited_hires: int
    cost_per_hire: Decimal | None  # (paid + owed) / credited hires; None without a credited hire
    paid_per_hire: Decimal | None  # paid / credited hires


class OtherChannelCost(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    channel: str
    label: str | None
    cost_per_hire: Decimal
    currency: str


class Rates(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    applications: int
    interviews: int
    hires: int
    interview_rate: float | None  # interviews / applications; None without applications
    hire_rate: float | None


class CostAndQuality(BaseModel):
    """The case for advocacy over the days from ``first_day`` to ``last_day``: what ambassadors'
    hires cost beside the other channels, and how credited applications fare against the rest."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    first_day: date
    last_day: date
    ambassador_cost_per_hire: list[AmbassadorCostPerHire]
    other_channels: list[OtherChannelCost]
    credited: Rates
    rest: Rates


class TeamReport(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    period: DigestPeriod
    funnel: Funnel
    funnel_before: Funnel
    applications_by_method: dict[str, int]
    applications_by_channel: dict[str, int]
    top_vacancies: list[TopVacancy]
    top_ambassadors: list[TopAmbassador]
    needs_a_person: NeedsAPerson
    window_first_day: date
    window_last_day: date
    ambassador_cost_per_hire: list[AmbassadorCostPerHire]
    other_channels: list[OtherChannelCost]
    credited: Rates
    rest: Rates


class QueueDepths(Protocol):
    def __call__(self, urls: Mapping[str, str]) -> dict[str, int]: ...


# ------------------------------------------------------------------------------------ reading
T = TypeVar("T")


def _all_pages(read: Callable[[int, dict[str, Any] | None], Page[T]]) -> Iterable[T]:
    cursor: dict[str, Any] | None = None
    while True:
        page = read(1000, cursor)
        yield from page.items
        if page.cursor is None:
            return
        cursor = page.cursor


def _open_vacancies() -> list[Vacancy]:
    return [v for v in _all_pages(VacancyRepository().list_page) if v.status == "published"]


def _ambassadors() -> Iterable[tuple[str, str]]:
    """(id, name) of every ambassador: the admin list (gsi1), id and name only."""
    request: dict[str, Any] = {
        "TableName": config.tables().table_name,
        "IndexName": keys.GSI1,
        "KeyConditionExpression": "#pk = :pk",
        "ExpressionAttributeNames": {"#pk": keys.GSI1_PK, "#id": "id", "#name": "name"},
        "ExpressionAttributeValues": {":pk": {"S": keys.AMBASSADOR_LIST}},
        "ProjectionExpression": "#id, #name",
    }
    for item in pages.query_all(request):
        yield str(item["id"]["S"]), str(item.get("name", {}).get("S", ""))


def _top_vacancies(week: Period) -> list[TopVacancy]:
    first, last = week.utc_days()
    found = []
    for vacancy in _open_vacancies():
        total = range_counters(keys.vacancy_stats_prefix(vacancy.id), first, last)
        if +total:
            found.append(
                TopVacancy(
                    vacancy_id=vacancy.id,
                    title=vacancy.title,
                    share_intents=total[SHARE_INTENTS],
                    clicks=total[CLICKS],
                    applications=total[APPLICATIONS],
                    hires=total[HIRES],
                )
            )
    found.sort(key=lambda v: (-v.applications, -v.clicks, -v.share_intents, v.vacancy_id))
    return found[:TOP]


def _top_ambassadors(week: Period) -> list[TopAmbassador]:
    first, last = week.utc_days()
    found = []
    for ambassador_id, name in _ambassadors():
        total = range_counters(keys.ambassador_stats_prefix(ambassador_id), first, last)
        if total[SHARE_INTENTS] or total[CLICKS] or total[APPLICATIONS] or total[HIRES]:
            found.append(
                TopAmbassador(
                    ambassador_id=ambassador_id,
                    name=name,
                    share_intents=total[SHARE_INTENTS],
                    clicks=total[CLICKS],
                    applications=total[APPLICATIONS],
                    hires=total[HIRES],
                )
            )
    found.sort(key=lambda a: (-a.hires, -a.applications, -a.clicks, -a.share_intents, a.ambassador_id))
    return found[:TOP]


def _rewards_to_pay(entries: Sequence[ledger.LedgerEntry], now: datetime) -> list[RewardsToPay]:
    waiting: dict[str, list[ledger.LedgerEntry]] = {}
    for entry in entries:
        if reward_logic.status_of(entry, now) == "eligible":
            waiting.setdefault(entry.currency, []).append(entry)
    return [
        RewardsToPay(
            currency=currency,
            entries=len(group),
            amount=sum((e.amount for e in group), Decimal(0)),
            eligible_since=min(e.eligible_at for e in group),
        )
        for currency, group in sorted(waiting.items())
    ]


def _per_hire(amount: Decimal, hires: int) -> Decimal | None:
    if hires <= 0:
        return None
    return (amount / hires).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _cost_per_hire(
    entries: Sequence[ledger.LedgerEntry], credited_hires: int, first: date, last: date, now: datetime
) -> list[AmbassadorCostPerHire]:
    paid: dict[str, Decimal] = {}
    owed: dict[str, Decimal] = {}
    for entry in entries:
        if not first <= entry.hired_at.date() <= last:
            continue
        status = reward_logic.status_of(entry, now)
        paid.setdefault(entry.currency, Decimal(0))
        owed.setdefault(entry.currency, Decimal(0))
        if status == "paid" and not entry.reversed_after_payment:
            paid[entry.currency] += entry.amount
        elif status in ("pending", "eligible"):
            owed[entry.currency] += entry.amount
    return [
        AmbassadorCostPerHire(
            currency=currency,
            rewards_paid=paid[currency],
            rewards_owed=owed[currency],
            credited_hires=credited_hires,
            cost_per_hire=_per_hire(paid[currency] + owed[currency], credited_hires),
            paid_per_hire=_per_hire(paid[currency], credited_hires),
        )
        for currency in sorted(paid)
    ]


def _rates(applications: int, interviews: int, hires: int) -> Rates:
    return Rates(
        applications=applications,
        interviews=interviews,
        hires=hires,
        interview_rate=round(interviews / applications, 4) if applications else None,
        hire_rate=round(hires / applications, 4) if applications else None,
    )


def _ledger() -> list[ledger.LedgerEntry]:
    return list(_all_pages(ledger.RewardRepository().list_page))


# ------------------------------------------------------------------------------------ the report
def build_team_report(
    week: Period,
    *,
    now: datetime,
    queue_depths: QueueDepths = sqs.queue_depths,
) -> TeamReport:
    """The talent team's report for ``week`` (see the module docstring), as of ``now``."""
    before = week.previous()
    first, last = before.start, week.last_day
    window_first = last - timedelta(days=COST_WINDOW_DAYS - 1)
    programme = day_counters(keys.program_stats_prefix(), min(first, window_first), last)
    this_week = sum_days(programme, week.start, last)
    window = sum_days(programme, window_first, last)

    ops = config.ops()
    depths = queue_depths(ops.dead_letter_queue_urls) if ops.dead_letter_queue_urls else {}
    silence = timedelta(days=ops.ats_silence_days)
    entries = _ledger()
    needs = NeedsAPerson(
        parked=[ParkedMessages(queue=name, messages=n) for name, n in sorted(depths.items()) if n > 0],
        silent_ats=[
            SilentAts(provider=provider, last_delivery_at=at)
            for provider, at in sorted(ats_deliveries.last_deliveries().items())
            if now - at > silence
        ],
        rewards_to_pay=_rewards_to_pay(entries, now),
    )

    case = cost_and_quality(window_first, last, now=now, window=window, entries=entries)
    return TeamReport(
        period=DigestPeriod.of(week),
        funnel=Funnel.of(this_week),
        funnel_before=Funnel.of(sum_days(programme, before.start, before.last_day)),
        applications_by_method={m: this_week[by_method(m)] for m in APPLICATION_METHODS},
        applications_by_channel={c: this_week[by_channel(APPLICATIONS, c)] for c in FUNNEL_CHANNELS},
        top_vacancies=_top_vacancies(week),
        top_ambassadors=_top_ambassadors(week),
        needs_a_person=needs,
        window_first_day=window_first,
        window_last_day=last,
        ambassador_cost_per_hire=case.ambassador_cost_per_hire,
        other_channels=case.other_channels,
        credited=case.credited,
        rest=case.rest,
    )


def cost_and_quality(
    first: date,
    last: date,
    *,
    now: datetime,
    window: Mapping[str, int] | None = None,
    entries: Sequence[ledger.LedgerEntry] | None = None,
) -> CostAndQuality:
    """Cost per hire and rates from ``first`` to ``last`` (UTC days) as of ``now``: the digest's
    (over its 52 weeks) and the dashboard's (over the period it is asked for). ``window``: the
    programme's counters of those days added up (read when not given: one Query); ``entries``:
    the reward ledger (read whole when not given: gsi1, a page at a time)."""
    if window is None:
        window = range_counters(keys.program_stats_prefix(), first, last)
    if entries is None:
        entries = _ledger()
    credited_hires = window.get(HIRES, 0) - window.get(by_channel(HIRES, UNATTRIBUTED), 0)
    settings = ProgrammeSettingsRepository().get()
    return CostAndQuality(
        first_day=first,
        last_day=last,
        ambassador_cost_per_hire=_cost_per_hire(entries, credited_hires, first, last, now),
        other_channels=[
            OtherChannelCost(
                channel=c.channel, label=c.label, cost_per_hire=c.cost_per_hire, currency=c.currency
            )
            for c in settings.other_channels
        ],
        credited=_rates(
            window.get(APPLICATIONS, 0) - window.get(by_method(UNATTRIBUTED), 0),
            window.get(INTERVIEWS, 0) - window.get(by_channel(INTERVIEWS, UNATTRIBUTED), 0),
            credited_hires,
        ),
        rest=_rates(
            window.get(by_method(UNATTRIBUTED), 0),
            window.get(by_channel(INTERVIEWS, UNATTRIBUTED), 0),
            window.get(by_channel(HIRES, UNATTRIBUTED), 0),
        ),
    )

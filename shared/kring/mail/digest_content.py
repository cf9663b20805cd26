"""The ambassador digest's content: what is new for them to share and what their sharing did.

:func:`build_ambassador_digest` makes one ambassador's :class:`AmbassadorDigest` for a period, or
``None`` when there is nothing new and nothing to report (no mail then):

- **new vacancies** (:func:`new_vacancies`): the open vacancies published since their last digest
  (from the end of the last period sent; the start of this one for a first digest) up to the end
  of this period, that match them by the fan-out's own rule (:func:`kring.sharing.fanout.matches`),
  listed when the fan-out gave them a link (it passes by the ambassadors who do not share yet, and
  those at their weekly cap): each with their personal share buttons (``/s/{code}/{network}``,
  every network) and the plain tracked link (``/r/{code}``). Codes are derived from the vacancy's
  link key, so the only per-ambassador read is which of those links exist (keys only; the newest
  :data:`MAX_CHECKED_VACANCIES` are looked up, older ones are counted as more): one BatchGetItem
  (:func:`existing_codes`), which the sender's batch makes once for all its digests;
- **activity**: their share intents, counted clicks, applications, interviews, credited hires,
  and rewards that became pending (hire) or eligible (holding period over) in the period, with
  the period before beside it — one Query of their day counters over both periods;
- **a nudge** (:mod:`kring.mail.nudges`) that fits their phase; "we miss you" for a dormant one.

Reads per digest: at most two (the counters Query; the links BatchGetItem, only when a new
vacancy matches — a batch's digests share one), given the ambassador's profile (the sender reads
it to address the mail). Everything about vacancies — which were opened, their link keys — is
read once per SQS batch through a shared :class:`DigestSources`; the open ones' recent figures
for the best vacancy are kept by a warm sender across the batches of its run.

Counters are per UTC day: a period reads the UTC days of its local dates (see
:mod:`kring.mail.periods`). Nothing about anyone else is in a digest: the ambassador's own
counters, and vacancies.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict

from kring import config
from kring.clicks.counting import CLICKS, SHARE_INTENTS
from kring.dal import batch, keys
from kring.dal.items import deserialize, serialize
from kring.dal.vacancies import KeptItems, VacancyRepository
from kring.funnels import (
    APPLICATIONS,
    HIRES,
    INTERVIEWS,
    REWARDS_ELIGIBLE,
    REWARDS_PENDING,
    day_counters,
    range_counters,
    sum_days,
)
from kring.links.codes import code_deriver, link_url, share_url
from kring.mail.nudges import BEST_WINDOW_DAYS, Nudge, OpenVacancyFigures, best_vacancy, choose_nudge
from kring.mail.periods import Period
from kring.models.ambassador import Ambassador, Candidate
from kring.models.common import NETWORKS, Locale, Network
from kring.models.vacancy import Vacancy
from kring.sharing.fanout import matches

MAX_NEW_VACANCIES = 20  # a digest lists at most this many (newest first); the rest are counted
# the newest this many matching vacancies have their links looked up; any older are counted as more
MAX_CHECKED_VACANCIES = 100


class ShareButton(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    network: Network
    url: str


class DigestVacancy(BaseModel):
    """A new vacancy with the ambassador's own buttons and tracked link."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    vacancy_id: str
    title: str
    location: str | None
    department: str | None
    share_buttons: list[ShareButton]
    tracked_url: str


class Activity(BaseModel):
    """One period of the ambassador's own counters."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    share_intents: int = 0
    clicks: int = 0
    applications: int = 0
    interviews: int = 0
    hires: int = 0
    rewards_pending: int = 0
    rewards_eligible: int = 0

    @property
    def is_empty(self) -> bool:
        return not any(getattr(self, name) for name in type(self).model_fields)

    @classmethod
    def of(cls, counters: Mapping[str, int]) -> Activity:
        """From day counters (ints already: built without validating them again)."""
        return cls.model_construct(
            share_intents=int(counters.get(SHARE_INTENTS, 0)),
            clicks=int(counters.get(CLICKS, 0)),
            applications=int(counters.get(APPLICATIONS, 0)),
            interviews=int(counters.get(INTERVIEWS, 0)),
            hires=int(counters.get(HIRES, 0)),
            rewards_pending=int(counters.get(REWARDS_PENDING, 0)),
            rewards_eligible=int(counters.get(REWARDS_ELIGIBLE, 0)),
        )


class DigestPeriod(BaseModel):
    """The period as the template shows it (dates are local, ``end`` excluded)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    key: str
    frequency: str
    start: date
    end: date

    @classmethod
    def of(cls, period: Period) -> DigestPeriod:
        return cls.model_construct(
            key=period.key, frequency=period.frequency, start=period.start, end=period.end
        )


class AmbassadorDigest(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    ambassador_id: str
    locale: Locale
    period: DigestPeriod
    new_vacancies: list[DigestVacancy]
    more_new_vacancies: int = 0  # listed beyond MAX_NEW_VACANCIES: "and N more in the portal"
    activity: Activity
    activity_before: Activity
    nudge: Nudge


class DigestSources:
    """The reads every digest of one run shares, each made once: the open vacancies (every page of
    the vacancy list, gsi1), their link keys (BatchGetItem), and — only when a dormant ambassador
    needs the best vacancy — each open vacancy's day counters over :data:`BEST_WINDOW_DAYS`.

    One instance per run (per sender batch): its answers are as of its first read."""

    def __init__(self, *, tz: ZoneInfo, now: datetime, vacancies: VacancyRepository | None = None) -> None:
        self.tz = tz
        self.now = now
        self._repository = vacancies or VacancyRepository()
        self._open: list[Vacancy] | None = None
        self._opened: dict[tuple[datetime, datetime], list[Vacancy]] = {}
        self._secrets: dict[str, bytes | None] = {}
        self._codes: dict[str, Callable[[str], str]] = {}  # by vacancy id: its code deriver
        self._figures: dict[str, OpenVacancyFigures] = {}

    def open_vacancies(self) -> list[Vacancy]:
        if self._open is None:
            found: list[Vacancy] = []
            cursor: dict[str, Any] | None = None
            while True:
                page = self._repository.list_page(1000, cursor, parse=_PARSED)
                found.extend(v for v in page.items if v.status == "published")
                if page.cursor is None:
                    break
                cursor = page.cursor
            self._open = found
        return self._open

    def opened(self, since: datetime, until: datetime) -> list[Vacancy]:
        """Open vacancies published in ``[since, until)``, newest first (worked out once per
        range: a batch's digests mostly share theirs)."""
        found = self._opened.get((since, until))
        if found is None:
            chosen = [
                v
                for v in self.open_vacancies()
                if v.published_at is not None and since <= v.published_at < until
            ]
            found = sorted(chosen, key=lambda v: (v.published_at, v.id), reverse=True)
            self._opened[(since, until)] = found
        return list(found)

    def code(self, vacancy_id: str, ambassador_id: str) -> str | None:
        """The ambassador's share code for the vacancy (None: it has no link key), by a keyed
        HMAC kept per vacancy (:func:`kring.links.codes.code_deriver`): the same code as
        :func:`~kring.links.codes.derive_code`."""
        derive = self._codes.get(vacancy_id)
        if derive is None:
            secret = self.link_secrets([vacancy_id]).get(vacancy_id)
            if secret is None:
                return None
            derive = self._codes[vacancy_id] = code_deriver(secret)
        return derive(ambassador_id)

    def link_secrets(self, vacancy_ids: Sequence[str]) -> dict[str, bytes]:
        """The link keys of ``vacancy_ids`` that exist (a vacancy without one has no links yet)."""
        missing = [v for v in dict.fromkeys(vacancy_ids) if v not in self._secrets]
        if missing:
            found = batch.get([serialize(keys.link_key(v)) for v in missing], projection=[keys.PK, "secret"])
            by_pk = {str(item[keys.PK]["S"]): bytes(item["secret"]["B"]) for item in found}
            for vacancy_id in missing:
                self._secrets[vacancy_id] = by_pk.get(keys.link_key(vacancy_id)["pk"])
        return {v: s for v in vacancy_ids if (s := self._secrets.get(v)) is not None}

    def figures(self, vacancy: Vacancy) -> OpenVacancyFigures:
        """The open vacancy's applications and counted clicks over the last days (one Query; kept
        for the warm sender's next batches of the same run, see :data:`FIGURES_KEPT_SECONDS`)."""
        if vacancy.id not in self._figures:
            last = self.now.date()
            first = last - timedelta(days=BEST_WINDOW_DAYS - 1)
            kept_key = (config.tables().table_name, vacancy.id, first.isoformat(), last.isoformat())
            kept = _KEPT_FIGURES.get(kept_key)
            if kept is not None and time.monotonic() - kept[0] < FIGURES_KEPT_SECONDS:
                self._figures[vacancy.id] = kept[1]
                return kept[1]
            total = range_counters(keys.vacancy_stats_prefix(vacancy.id), first, last)
            self._figures[vacancy.id] = OpenVacancyFigures(
                vacancy_id=vacancy.id,
                title=vacancy.title,
                url=vacancy.url,
                published_at=vacancy.published_at,
                applications=total[APPLICATIONS],
                clicks=total[CLICKS],
            )
            _KEPT_FIGURES[kept_key] = (time.monotonic(), self._figures[vacancy.id])
        return self._figures[vacancy.id]


# The open vacancies' figures over a window, kept by a warm sender for the next batches of its run
# (the run's dormant ambassadors all want them, one Query per open vacancy): as of their first
# read, for at most this long.
FIGURES_KEPT_SECONDS = 600.0
_KEPT_FIGURES: dict[tuple[str, str, str, str], tuple[float, OpenVacancyFigures]] = {}


# The vacancy list's items as parsed before: a warm sender reads the same list for every SQS
# batch, and an unchanged item is not parsed again (:class:`kring.dal.vacancies.KeptItems`). The
# digests only read the vacancies they are given.
_PARSED = KeptItems()


def clear_cache() -> None:
    _KEPT_FIGURES.clear()
    _PARSED.clear()


def candidate_of(ambassador: Ambassador) -> Candidate:
    """The ambassador as the fan-out's matching rule sees them."""
    return Candidate(
        id=ambassador.id,
        interests=tuple(ambassador.interests),
        share_cap_per_week=ambassador.share_cap_per_week,
    )


def period_activity(ambassador_id: str, period: Period) -> tuple[Activity, Activity]:
    """This period's and the one before's counters: one Query over both (they are adjacent)."""
    first, _ = period.previous().utc_days()
    _, last = period.utc_days()
    per_day = day_counters(keys.ambassador_stats_prefix(ambassador_id), first, last)
    this = sum_days(per_day, first_day=period.start)
    before = sum_days(per_day, last_day=period.start - timedelta(days=1))
    return Activity.of(this), Activity.of(before)


def existing_codes(codes: Iterable[str]) -> set[str]:
    """Which of ``codes`` have a link item: BatchGetItem (100 a request), keys only. The sender's
    batch composer asks for every digest of an SQS batch at once."""
    wanted = list(dict.fromkeys(codes))
    if not wanted:
        return set()
    found = batch.get([serialize(keys.share_link(c)) for c in wanted], projection=[keys.PK])
    existing = {str(deserialize(item)[keys.PK]) for item in found}
    return {c for c in wanted if keys.share_link(c)["pk"] in existing}


@dataclass(frozen=True)
class NewVacancies:
    """The vacancies opened since the ambassador's last digest that match them (newest first), and
    the ambassador's code for each of the newest :data:`MAX_CHECKED_VACANCIES` with a link key."""

    matching: list[Vacancy]
    codes: dict[str, str]  # vacancy id → code

    @property
    def unchecked(self) -> int:
        return max(0, len(self.matching) - MAX_CHECKED_VACANCIES)


def new_vacancies(
    ambassador: Ambassador, period: Period, sources: DigestSources, *, last_sent: Period | None = None
) -> NewVacancies:
    """The open vacancies published from the end of ``last_sent`` (the start of ``period`` for a
    first digest) to the end of ``period`` that match the ambassador, with their codes: no read
    of its own beyond the run's shared ones."""
    since = (last_sent or period.previous()).ends_at(sources.tz)
    until = period.ends_at(sources.tz)
    candidate = candidate_of(ambassador)
    opened = sources.opened(since, until)
    matching = [v for v in opened if matches(candidate, v)]
    if not matching:
        return NewVacancies(matching=[], codes={})
    # the link keys of every vacancy opened in the range at once: shared by every digest after
    sources.link_secrets([v.id for v in opened])
    checked = matching[:MAX_CHECKED_VACANCIES]
    codes = {v.id: code for v in checked if (code := sources.code(v.id, ambassador.id)) is not None}
    return NewVacancies(matching=matching, codes=codes)


def digest_vacancy(vacancy: Vacancy, code: str) -> DigestVacancy:
    """A vacancy with the buttons and tracked link of the ambassador whose code is ``code``
    (built from values that are already what the models say: not validated again)."""
    buttons = [
        ShareButton.model_construct(network=network, url=share_url(code, network)) for network in NETWORKS
    ]
    return DigestVacancy.model_construct(
        vacancy_id=vacancy.id,
        title=vacancy.title,
        location=vacancy.location,
        department=vacancy.department,
        share_buttons=buttons,
        tracked_url=link_url(code),
    )


def build_ambassador_digest(
    ambassador: Ambassador,
    period: Period,
    sources: DigestSources,
    *,
    last_sent: Period | None = None,
    new: NewVacancies | None = None,
    linked: set[str] | None = None,
) -> AmbassadorDigest | None:
    """One ambassador's digest for ``period`` (see the module docstring); ``last_sent`` is the
    period of their last digest (None: never sent one). ``new`` and ``linked`` (which of its codes
    have a link) are given when a batch worked them out for many digests at once."""
    if new is None:
        new = new_vacancies(ambassador, period, sources, last_sent=last_sent)
    matching = new.matching
    activity, before = period_activity(ambassador.id, period)
    if not matching and activity.is_empty:
        return None

    if linked is None:
        linked = existing_codes(new.codes.values())
    shareable = [digest_vacancy(v, new.codes[v.id]) for v in matching if new.codes.get(v.id) in linked]

    best = None
    if ambassador.dormant:
        candidate = candidate_of(ambassador)
        best = best_vacancy([sources.figures(v) for v in sources.open_vacancies() if matches(candidate, v)])
    nudge = choose_nudge(
        ambassador.phase,
        dormant=ambassador.dormant,
        new_matching=len(matching),
        new_vacancies=len(shareable) + new.unchecked,
        clicks=activity.clicks,
        hires=activity.hires,
        best=best,
    )
    return AmbassadorDigest.model_construct(
        ambassador_id=ambassador.id,
        locale=ambassador.locale,
        period=DigestPeriod.of(period),
        new_vacancies=shareable[:MAX_NEW_VACANCIES],
        more_new_vacancies=max(0, len(shareable) - MAX_NEW_VACANCIES) + new.unchecked,
        activity=activity,
        activity_before=before,
        nudge=nudge,
    )

"""The dashboard's rewards page (issue 14): the reward ledger a page at a time (filtered by status),
its totals, paying eligible rewards one by one or in a batch, and the export for payroll.

Read and paid as the admin API does, never a Scan:

- a page of the ledger: :func:`kring.attribution.rewards.list_rewards` (what ``GET /api/rewards``
  calls: one Query of gsi1 ``REWARDS``, in order of the hire), the ambassadors' names (one
  BatchGetItem) and the vacancies' titles (one BatchGetItem);
- the totals and the payroll export: every page of the same list (one Query a page of
  :data:`ALL_PAGE_SIZE`; a ledger has one entry per credited hire), totalled by
  :func:`kring.attribution.rewards.totals`;
- paying: :func:`kring.attribution.rewards.pay`, what ``POST /api/rewards/{id}/{reward}/pay``
  calls — conditional, and idempotent: an entry somebody paid meanwhile is answered as paid, not
  paid twice.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from kring.api import pagination
from kring.attribution import rewards
from kring.attribution.rewards import Reward, RewardStatus
from kring.dal import keys
from kring.dal.ambassadors import AmbassadorRepository
from kring.dal.vacancies import VacancyRepository
from kring.dashboard import frame
from kring.dashboard.tables import Column, Money, Table, to_csv
from kring.errors import ConflictError, NotFoundError
from kring.mail.i18n import BRANDS, Translator

PAGE_SIZE = 25  # entries a page shows: its form's boxes stay within a form's 40 fields
ALL_PAGE_SIZE = 500
MAX_BATCH = PAGE_SIZE  # rewards one batch may pay: those one page shows
LIST_SCOPE = "dashboard-rewards"
STATUSES = rewards.REWARD_STATUSES

PayOutcome = Literal["paid", "already", "refused"]


def parse_status(raw: str | None) -> RewardStatus | None:
    """The status filter (absent: every entry); a FieldValidationError names it otherwise."""
    return rewards.parse_status(raw)


# ------------------------------------------------------------------------------------ reading
def _all(status: RewardStatus | None, now: datetime) -> Iterator[Reward]:
    cursor: Mapping[str, Any] | None = None
    while True:
        page = rewards.list_rewards(ALL_PAGE_SIZE, cursor, status=status, now=now)
        yield from page.items
        if page.cursor is None:
            return
        cursor = page.cursor


def _profiles(ambassador_ids: Iterable[str]) -> dict[str, dict[str, Any]]:
    """Names and departments (one BatchGetItem a hundred); an erased ambassador has none."""
    return AmbassadorRepository().leaderboard_profiles(ambassador_ids)


def _titles(vacancy_ids: Iterable[str | None]) -> dict[str, str]:
    wanted = [v for v in vacancy_ids if v]
    if not wanted:
        return {}
    return {v: s.vacancy.title for v, s in VacancyRepository().get_many(wanted).items()}


@dataclass(frozen=True)
class Ledger:
    status: RewardStatus | None
    rows: tuple[Reward, ...]
    profiles: dict[str, dict[str, Any]]
    titles: dict[str, str]
    totals: tuple[rewards.RewardTotals, ...]
    token: str | None
    next_token: str | None


def ledger(*, status: RewardStatus | None, next_token: str | None, now: datetime) -> Ledger:
    """A page of the ledger (its entries with ``status`` among them) and the whole ledger's totals."""
    cursor = pagination.decode(next_token, LIST_SCOPE, partition={keys.GSI1_PK: keys.REWARD_LIST})
    page = rewards.list_rewards(PAGE_SIZE, cursor, status=status, now=now)
    rows = tuple(page.items)
    return Ledger(
        status=status,
        rows=rows,
        profiles=_profiles(r.entry.ambassador_id for r in rows),
        titles=_titles(r.entry.vacancy_id for r in rows),
        totals=rewards.totals((r.entry for r in _all(None, now)), now),
        token=next_token or None,
        next_token=pagination.encode(LIST_SCOPE, page.cursor),
    )


def _name(t: Translator, profiles: Mapping[str, Mapping[str, Any]], ambassador_id: str) -> str:
    name = profiles.get(ambassador_id, {}).get("name")
    return t("dashboard.applications.named", name=name, id=ambassador_id) if name else ambassador_id


def _vacancy(t: Translator, titles: Mapping[str, str], vacancy_id: str | None) -> str | None:
    if vacancy_id is None:
        return None
    title = titles.get(vacancy_id)
    return t("dashboard.applications.named", name=title, id=vacancy_id) if title else vacancy_id


def _status(t: Translator, reward: Reward) -> str:
    word = t(f"dashboard.rewards.status_{reward.status}")
    if reward.entry.reversed_after_payment:
        return t("dashboard.rewards.reversed", status=word)
    return word


def _application(reward: Reward) -> str | None:
    entry = reward.entry
    if entry.application_id is None:
        return None
    return f"{BRANDS.get(entry.provider or '', entry.provider or '')} {entry.application_id}".strip()


def ledger_table(t: Translator, listed: Ledger) -> Table:
    return Table(
        "ledger",
        t("dashboard.rewards.ledger_caption"),
        (
            Column(t("dashboard.rewards.ambassador")),
            Column(t("dashboard.rewards.amount"), True),
            Column(t("dashboard.rewards.currency")),
            Column(t("dashboard.rewards.status")),
            Column(t("dashboard.rewards.hired")),
            Column(t("dashboard.rewards.eligible")),
            Column(t("dashboard.rewards.paid")),
            Column(t("dashboard.rewards.vacancy")),
            Column(t("dashboard.rewards.application")),
            Column(t("dashboard.rewards.reward_id")),
        ),
        tuple(
            (
                _name(t, listed.profiles, r.entry.ambassador_id),
                Money(r.entry.amount, r.entry.currency),
                r.entry.currency,
                _status(t, r),
                r.entry.hired_at,
                r.entry.eligible_at,
                r.entry.paid_at,
                _vacancy(t, listed.titles, r.entry.vacancy_id),
                _application(r),
                r.entry.reward_id,
            )
            for r in listed.rows
        ),
    )


def totals_table(t: Translator, listed: Ledger) -> Table:
    return Table(
        "totals",
        t("dashboard.rewards.totals_caption"),
        (
            Column(t("dashboard.rewards.currency")),
            *(Column(t(f"dashboard.rewards.status_{s}"), True) for s in STATUSES),
            Column(t("dashboard.rewards.reversed_total"), True),
            Column(t("dashboard.rewards.entries"), True),
        ),
        tuple(
            (
                total.currency,
                *(Money(getattr(total, s), total.currency) for s in STATUSES),
                Money(total.reversed_after_payment, total.currency),
                total.entries,
            )
            for total in listed.totals
        ),
    )


@dataclass(frozen=True)
class Done:
    """What the last pay form did (from the redirect's query): how many paid now, paid before,
    refused."""

    paid: int
    already: int
    refused: int


def done_of(query: Mapping[str, str]) -> Done | None:
    """The outcome counts in a page's query (anything not a small whole number: none)."""
    counts: dict[str, int] = {}
    for name in ("paid", "already", "refused"):
        raw = query.get(name, "")
        counts[name] = int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= 4 else 0
    return Done(**counts) if any(counts.values()) else None


def rewards_page(
    t: Translator,
    *,
    status: str | None,
    next_token: str | None,
    now: datetime,
    can_pay: bool,
    done: Done | None = None,
    chrome: frame.Chrome = frame.NO_CHROME,
) -> str:
    """A page of the ledger with the totals; ``can_pay`` (an admin) adds the pay buttons and
    boxes to the eligible entries."""
    listed = ledger(status=parse_status(status), next_token=next_token, now=now)
    table = ledger_table(t, listed)
    payable = [
        (r.entry.ambassador_id, r.entry.reward_id) if can_pay and r.status == "eligible" else None
        for r in listed.rows
    ]
    return frame.render(
        "rewards",
        t,
        title=t("dashboard.rewards.title"),
        chrome=chrome,
        ledger=table,
        totals=totals_table(t, listed),
        payable=payable,
        any_payable=any(payable),
        can_pay=can_pay,
        done=done,
        status=listed.status,
        field_of=pay_field,
        shown=shown_value(payable),
        pay_url=frame.pay_url,
        pay_batch_url=frame.pay_batch_url(),
        csv_href=frame.rewards_csv_url(listed.status, listed.token),
        totals_csv_href=frame.rewards_totals_csv_url(),
        payroll_href=frame.payroll_csv_url(listed.status),
        switch=[
            (None, t("dashboard.rewards.all"), frame.rewards_url()),
            *((s, t(f"dashboard.rewards.status_{s}"), frame.rewards_url(s)) for s in STATUSES),
        ],
        next_href=frame.rewards_url(listed.status, listed.next_token) if listed.next_token else None,
        first_href=frame.rewards_url(listed.status) if listed.token else None,
    )


def rewards_csv(t: Translator, *, status: str | None, next_token: str | None, now: datetime) -> str:
    """The same page of the ledger as CSV."""
    return to_csv(ledger_table(t, ledger(status=parse_status(status), next_token=next_token, now=now)))


def totals_csv(t: Translator, *, now: datetime) -> str:
    return to_csv(totals_table(t, ledger(status=None, next_token=None, now=now)))


# ------------------------------------------------------------------------------------ payroll
def _reason(t: Translator, reward: Reward) -> str:
    entry = reward.entry
    reason = t("dashboard.rewards.reason", day=entry.hired_at.date().isoformat())
    if entry.reversed_after_payment:
        reason = t("dashboard.rewards.reason_reversed", reason=reason)
    return reason


def payroll_table(t: Translator, entries: tuple[Reward, ...]) -> Table:
    profiles = _profiles(r.entry.ambassador_id for r in entries)
    titles = _titles(r.entry.vacancy_id for r in entries)
    return Table(
        "payroll",
        t("dashboard.rewards.payroll_caption"),
        (
            Column(t("dashboard.rewards.ambassador_id")),
            Column(t("dashboard.rewards.name")),
            Column(t("dashboard.rewards.department")),
            Column(t("dashboard.rewards.amount"), True),
            Column(t("dashboard.rewards.currency")),
            Column(t("dashboard.rewards.reason_heading")),
            Column(t("dashboard.rewards.vacancy_id")),
            Column(t("dashboard.rewards.vacancy")),
            Column(t("dashboard.rewards.hired")),
            Column(t("dashboard.rewards.eligible")),
            Column(t("dashboard.rewards.paid")),
            Column(t("dashboard.rewards.status")),
            Column(t("dashboard.rewards.reward_id")),
        ),
        tuple(
            (
                r.entry.ambassador_id,
                profiles.get(r.entry.ambassador_id, {}).get("name"),
                profiles.get(r.entry.ambassador_id, {}).get("department"),
                Money(r.entry.amount, r.entry.currency),
                r.entry.currency,
                _reason(t, r),
                r.entry.vacancy_id,
                titles.get(r.entry.vacancy_id or ""),
                r.entry.hired_at.date(),
                r.entry.eligible_at.date(),
                r.entry.paid_at.date() if r.entry.paid_at else None,
                t(f"dashboard.rewards.status_{r.status}"),
                r.entry.reward_id,
            )
            for r in entries
        ),
    )


def payroll_csv(t: Translator, *, status: str | None, now: datetime) -> str:
    """Every entry of the ledger with ``status`` (absent: all), for payroll: one row an entry."""
    return to_csv(payroll_table(t, tuple(_all(parse_status(status), now))))


# ------------------------------------------------------------------------------------ paying
PAY_PREFIX = "pay|"  # a checkbox: pay|<ambassador id>|<reward id>
SHOWN = "shown"  # every eligible entry the page showed: "<ambassador id>|<reward id>" a space apart


def pay_field(ambassador_id: str, reward_id: str) -> str:
    return f"{PAY_PREFIX}{ambassador_id}|{reward_id}"


def shown_value(payable: Iterable[tuple[str, str] | None]) -> str:
    return " ".join(f"{a}|{r}" for a, r in (p for p in payable if p is not None))


def chosen(form: Mapping[str, str]) -> list[tuple[str, str]]:
    """The rewards a batch form names: the ticked boxes, or with ``all`` every eligible entry the
    page showed (ids never hold a space or a ``|``). In form order, each once."""
    if form.get("all"):
        named = form.get(SHOWN, "").split()
    else:
        named = [name.removeprefix(PAY_PREFIX) for name in form if name.startswith(PAY_PREFIX)]
    out: list[tuple[str, str]] = []
    for pair in named:
        ambassador_id, _, reward_id = pair.partition("|")
        if (ambassador_id, reward_id) not in out:
            out.append((ambassador_id, reward_id))
    return out


def pay_one(ambassador_id: str, reward_id: str, now: datetime) -> PayOutcome:
    """Pay one reward through :func:`kring.attribution.rewards.pay`: paid now, paid before (by
    somebody else, or a retried form) or refused (cancelled, not eligible yet). Unknown: the
    :class:`NotFoundError` propagates."""
    try:
        paid = rewards.pay(ambassador_id, reward_id, now=now)
    except ConflictError:
        return "refused"
    return "paid" if paid.entry.paid_at == now else "already"


def pay_many(chosen_rewards: Iterable[tuple[str, str]], now: datetime) -> list[tuple[str, str, PayOutcome]]:
    """Pay each; an unknown one is refused (the others are still paid)."""
    out: list[tuple[str, str, PayOutcome]] = []
    for ambassador_id, reward_id in chosen_rewards:
        try:
            outcome = pay_one(ambassador_id, reward_id, now)
        except NotFoundError:
            outcome = "refused"
        out.append((ambassador_id, reward_id, outcome))
    return out


def counted(outcomes: Iterable[PayOutcome]) -> dict[str, str]:
    """The redirect's query after paying: how many of each outcome."""
    totals = {"paid": 0, "already": 0, "refused": 0}
    for outcome in outcomes:
        totals[outcome] += 1
    return {name: str(n) for name, n in totals.items() if n}

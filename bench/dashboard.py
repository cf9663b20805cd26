"""The talent team's dashboard pages over a year of a programme of N ambassadors (10,000 by default)
and V vacancies (500), against Amazon's DynamoDB Local.

**Seeding.** The programme as ``bench/programme.py`` seeds it (its real recorder, collected in the
process, loaded with BatchWriteItem; that bench checks the shortcut against the recorder on
DynamoDB Local). Then V vacancies published through the year (2025-12-02 to 2026-12-01), each open
for 20 to 68 days (about 60 open at any time, so about 60 still open now; the rest closed), each
with a year of counters written by what writes them in Kring, collected in the process:

- **shares** — the fan-out's count (:func:`kring.sharing.fanout.count_shares_of`, pages of 500
  links) for 30 % of the ambassadors on the day the vacancy is published;
- **share intents and clicks** — the click recorder (:class:`kring.clicks.recorder.LinkActivityRecorder`,
  its store collecting the plans it commits; one recorder per vacancy, which answers its dedupe
  reads from what it wrote): a vacancy's share intents by ambassadors of a pool of sharers (20 %),
  Pareto-many per vacancy (a few busy ones), 0 to 8 clicks each over the next three days — in the
  intent's network or direct, some from the same visitor in the same hour (counted once), 8 %
  link previews (bots);
- **applications, interviews and hires** — the attribution's counters
  (:func:`kring.attribution.rules.contribution`: the application's day, the interview on it, the
  hire's day; by channel and method): 4 % of human clicks apply (credited to the click), some
  referrals, more unattributed; 35 % of them reach an interview, a quarter of those are hired.

Every counter lands on the items the writers name (vacancy day, ambassador day, vacancy x
ambassador, programme day; the event's shard) and is ADDed up as DynamoDB would, then loaded with
BatchWriteItem. ``tests/integration/test_bench_dashboard_seeding.py`` records a small year through
the real writers on a table (moto) and checks the items equal the seeded ones.

**Measured**, through the real DashboardFunction handler (``functions/dashboard/app.py``) with a
signed-in session (a viewer added by :func:`kring.access.members.add`, signed in with the mailed
link by :mod:`kring.access.team_sign_in`, the cookie sent), the day frozen at the seed's now
(2026-12-01) for the handler and the session: each page in :data:`PAGES`. Requests by operation
and items read are counted by botocore hooks on Kring's client; a bare boto3 client replays the
very reads it sent, alternating which goes first, median of ``REPEATS`` (:mod:`bench.harness`);
Kring's time is split into its requests and the rest (its code: the sum-up, the tables, the charts,
the template). ``BENCH_DASHBOARD_AMBASSADORS`` and ``BENCH_DASHBOARD_VACANCIES`` set N and V.
"""

from __future__ import annotations

import hashlib
import html
import json
import os
import random
import re
import time
import warnings
from collections import Counter
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any
from unittest.mock import patch

from bench import harness, programme

if TYPE_CHECKING:
    from kring.attribution.entities import Decision, Facts
    from kring.dal.keys import Key
    from kring.events import LinkClicked, ShareIntended
    from kring.models.link_stats import Plan
    from kring.models.vacancy import Vacancy

AMBASSADORS = int(os.environ.get("BENCH_DASHBOARD_AMBASSADORS", "10000"))
VACANCIES = int(os.environ.get("BENCH_DASHBOARD_VACANCIES", "500"))
REPEATS = 5
RESULTS = Path(__file__).resolve().parent / "results"

NOW = programme.NOW  # 2026-12-01 09:00 UTC: the seed's now, the pages' today
YEAR_START = NOW - timedelta(days=364)
OPEN_DAYS = (20.0, 68.0)  # a vacancy is open this long (uniform): ~44 days, ~60 of 500 open at once
SHARE_PAGE = 500  # the fan-out's page of links, counted in one transaction
LINKED_SHARE = 0.3  # the ambassadors a vacancy's fan-out makes links for
SHARER_SHARE = 0.2  # the ambassadors who share now and then
INTENTS_PER_VACANCY = 25  # times a Pareto(1.5) weight (mean 3, capped at 20): ~75, the busiest ~500
CLICKS_PER_INTENT = (0, 1, 1, 2, 3, 5, 8)
SAME_VISITOR = 0.15  # a click by the previous click's visitor in the same hour
BOT_SHARE = 0.08
APPLY_SHARE = 0.04  # of human clicks
UNATTRIBUTED_PER_VACANCY = 6
INTERVIEW_SHARE = 0.35
HIRE_SHARE = 0.25  # of interviews
NETWORKS = ("linkedin", "x", "facebook", "whatsapp", "email")
WINDOW_DAYS = 30

PAGES: tuple[tuple[str, str, str], ...] = (
    ("programme", "/dashboard/programme", ""),
    ("programme ?by=department", "/dashboard/programme", "by=department"),
    ("vacancies, first page", "/dashboard/vacancies", ""),
    ("vacancies, a later page", "/dashboard/vacancies", "{later}"),
    ("vacancies ?status=published", "/dashboard/vacancies", "status=published"),
    ("one busy vacancy", "/dashboard/vacancies/{busy}", ""),
    ("programme trend CSV", "/dashboard/programme.csv", "table=trend"),
)
# The list page measured as "a later page": the one of the vacancies published about 60 days ago
# (by id is by publication here), which have counters in the list's 90 days (page 17 of 20 for 500).
LATER_PAGE = int(VACANCIES * (1 - 60 / 364)) // 25 + 1
READS = frozenset({"GetItem", "BatchGetItem", "Query"})


# --- the year's events ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Application:
    vacancy_id: str
    candidate: str
    applied_at: datetime
    method: str  # click_token | referral | unattributed
    ambassador_id: str | None = None
    channel: str | None = None
    interview_at: datetime | None = None
    hired_at: datetime | None = None


@dataclass
class Year:
    """What happened to the vacancies in the year: each one and the events that count on it."""

    vacancies: list[Vacancy] = field(default_factory=list)
    # the fan-out's counts: (count id, vacancy, links made, when)
    shares: list[tuple[str, str, int, datetime]] = field(default_factory=list)
    activity: dict[str, list[ShareIntended | LinkClicked]] = field(default_factory=dict)  # by vacancy
    applications: list[Application] = field(default_factory=list)


def _hex(rng: random.Random) -> str:
    return f"{rng.getrandbits(128):032x}"


def _click_token(rng: random.Random) -> str:
    from kring.links.click_tokens import ALPHABET, RANDOM_LENGTH, check_character

    payload = "".join(rng.choice(ALPHABET) for _ in range(RANDOM_LENGTH))
    return payload + check_character(payload)


def _code(vacancy_id: str, ambassador_id: str) -> str:
    digest = hashlib.sha256(f"{vacancy_id}/{ambassador_id}".encode()).hexdigest()
    return digest[:10]


def _vacancy(n: int, count: int, rng: random.Random) -> Vacancy:
    from kring.models.vacancy import Vacancy

    published = YEAR_START + timedelta(days=364 * n / count, hours=rng.uniform(0, 10))
    closes = published + timedelta(days=rng.uniform(*OPEN_DAYS))
    is_open = closes > NOW
    return Vacancy(
        id=f"greenhouse-{n:06d}",
        provider="greenhouse",
        external_id=str(n),
        title=f"{programme.DEPARTMENTS[n % len(programme.DEPARTMENTS)]} role {n}",
        url=f"https://job-boards.greenhouse.io/bench/jobs/{n}",
        department=programme.DEPARTMENTS[n % len(programme.DEPARTMENTS)],
        location=programme.LOCATIONS[n % len(programme.LOCATIONS)],
        status="published" if is_open else "closed",
        published_at=published,
        closed_at=None if is_open else closes,
        updated_at=min(closes, NOW),
    )


def _until(vacancy: Vacancy) -> datetime:
    return vacancy.closed_at or NOW


def year_of(vacancies: int, ambassadors: int, seed: int = 14) -> Year:
    """The events of ``vacancies`` vacancies over the year before :data:`NOW`, by the programme's
    first ``ambassadors`` ambassadors (deterministic for ``seed``)."""
    from kring.events import LinkClicked, ShareIntended

    rng = random.Random(seed)
    year = Year()
    sharers = [programme._ambassador_id(n) for n in range(ambassadors) if rng.random() < SHARER_SHARE]
    sharers = sharers or [programme._ambassador_id(0)]
    linked = max(1, int(ambassadors * LINKED_SHARE))
    for n in range(vacancies):
        vacancy = _vacancy(n, vacancies, rng)
        year.vacancies.append(vacancy)
        assert vacancy.published_at is not None
        start, until = vacancy.published_at, _until(vacancy)
        for page, first in enumerate(range(0, linked, SHARE_PAGE)):
            made = min(SHARE_PAGE, linked - first)
            year.shares.append((f"{_hex(rng)}:{page}", vacancy.id, made, start + timedelta(minutes=page)))
        activity: list[ShareIntended | LinkClicked] = []
        weight = min(20.0, rng.paretovariate(1.5))
        span = (until - start).total_seconds()
        for _ in range(int(INTENTS_PER_VACANCY * weight)):
            ambassador = rng.choice(sharers)
            network = rng.choice(NETWORKS)
            code = _code(vacancy.id, ambassador)
            shared_at = start + timedelta(seconds=rng.uniform(0, span))
            activity.append(
                ShareIntended(
                    intent_id=_hex(rng),
                    code=code,
                    vacancy_id=vacancy.id,
                    ambassador_id=ambassador,
                    network=network,
                    visitor=_hex(rng),
                    occurred_at=shared_at,
                )
            )
            visitor, clicked_at = _hex(rng), shared_at
            for _ in range(rng.choice(CLICKS_PER_INTENT)):
                if rng.random() >= SAME_VISITOR:
                    visitor = _hex(rng)
                    clicked_at = shared_at + timedelta(seconds=rng.uniform(60, 3 * 86_400))
                else:
                    clicked_at += timedelta(seconds=rng.uniform(1, 60))
                if clicked_at >= NOW:
                    continue
                bot = rng.random() < BOT_SHARE
                channel = network if rng.random() < 0.9 else "direct"
                click = LinkClicked(
                    click_id=_click_token(rng),
                    code=code,
                    vacancy_id=vacancy.id,
                    ambassador_id=ambassador,
                    channel=channel,
                    visitor=visitor,
                    visitor_kind="preview" if bot else "human",
                    bot_reason="linkedinbot" if bot else None,
                    occurred_at=clicked_at,
                )
                activity.append(click)
                if not bot and rng.random() < APPLY_SHARE:
                    year.applications.append(
                        _application(
                            rng,
                            vacancy,
                            after=clicked_at,
                            method="click_token",
                            ambassador_id=ambassador,
                            channel=channel,
                        )
                    )
        for _ in range(max(0, round(weight)) // 2):
            at = start + timedelta(seconds=rng.uniform(0, span))
            year.applications.append(
                _application(
                    rng, vacancy, after=at, method="referral", ambassador_id=rng.choice(sharers), channel=None
                )
            )
        for _ in range(rng.randrange(UNATTRIBUTED_PER_VACANCY * 2 + 1)):
            at = start + timedelta(seconds=rng.uniform(0, span))
            year.applications.append(
                _application(rng, vacancy, after=at, method="unattributed", ambassador_id=None, channel=None)
            )
        activity.sort(key=lambda a: a.occurred_at)
        year.activity[vacancy.id] = activity
    return year


def _application(
    rng: random.Random,
    vacancy: Vacancy,
    *,
    after: datetime,
    method: str,
    ambassador_id: str | None,
    channel: str | None,
) -> Application:
    applied = after + timedelta(seconds=rng.uniform(60, 5 * 86_400))
    interview = hired = None
    if rng.random() < INTERVIEW_SHARE:
        interview = applied + timedelta(days=rng.uniform(5, 15))
        if rng.random() < HIRE_SHARE:
            hired = interview + timedelta(days=rng.uniform(5, 30))
    return Application(
        vacancy_id=vacancy.id,
        candidate=_hex(rng),
        applied_at=min(applied, NOW - timedelta(minutes=1)),
        method=method,
        ambassador_id=ambassador_id,
        channel=channel,
        interview_at=interview if interview is not None and interview < NOW else None,
        hired_at=hired if hired is not None and hired < NOW else None,
    )


# --- the writers, their counters collected ---------------------------------------------------------
Counted = dict[tuple[str, str], Counter[str]]  # (pk, sk) → the counters ADDed to the item


def _add(counted: Counted, key: Key, counters: Mapping[str, int]) -> None:
    counted.setdefault((key["pk"], key["sk"]), Counter()).update(counters)


class _CollectingStore:
    """The recorder's store: nothing read (a recorder per vacancy remembers what it wrote), every
    plan applied."""

    def __init__(self, counted: Counted) -> None:
        self.counted = counted

    def read(self, item_keys: Any) -> dict[Any, dict[str, Any]]:
        del item_keys
        return {}

    def commit(self, plan: Plan) -> Any:
        from kring.dal.transact import Outcome

        for increment in plan.increments:
            _add(self.counted, increment.key, dict(increment.counters))
        return Outcome.APPLIED


@contextmanager
def _collected_share_counts(counted: Counted) -> Iterator[None]:
    """:func:`kring.sharing.fanout.count_shares_of` with its repository collecting the plan."""
    from kring.sharing import fanout

    class Collecting:
        def commit(self, plan: Plan) -> Any:
            return _CollectingStore(counted).commit(plan)

    with patch.object(fanout, "LinkActivityRepository", Collecting):
        yield


def application_state(application: Application) -> tuple[Facts, Decision, Key]:
    """The attribution's facts, decision and state key of one application."""
    from kring.attribution.entities import STAGE_RANKS, Decision, Facts, Stage
    from kring.dal import keys

    job_ref = application.vacancy_id.removeprefix("greenhouse-")
    stage = (
        Stage(STAGE_RANKS["interview"], application.interview_at, "interview")
        if application.interview_at is not None
        else Stage(STAGE_RANKS["applied"], application.applied_at, "applied")
    )
    facts = Facts(
        provider="greenhouse",
        job_ref=job_ref,
        candidate_key=application.candidate,
        first_seen_at=application.applied_at,
        application_ids=(application.candidate[:12],),
        job_ids=(job_ref,),
        received_at=application.applied_at,
        stage=stage,
        hired_at=application.hired_at,
    )
    decision = Decision(
        method=application.method,  # type: ignore[arg-type]  # one of AttributionMethod
        ambassador_id=application.ambassador_id,
        channel=application.channel,
        vacancy_id=application.vacancy_id,
    )
    return facts, decision, keys.application("greenhouse", job_ref, application.candidate)


def counted_of(year: Year) -> Counted:
    """Every counter the year's events write, by stats item."""
    from kring.attribution import rules
    from kring.clicks.recorder import LinkActivityRecorder
    from kring.observability import metrics
    from kring.sharing.fanout import count_shares_of

    counted: Counted = {}
    with _collected_share_counts(counted):
        for count_id, vacancy_id, made, at in year.shares:
            count_shares_of(count_id, {vacancy_id: made}, at)
    store = _CollectingStore(counted)
    for activities in year.activity.values():
        recorder = LinkActivityRecorder(store, window_days=WINDOW_DAYS)
        for activity in activities:
            recorder.record(activity)
            metrics.clear_metrics()  # (Powertools would print them every 100)
    for application in year.applications:
        facts, decision, state = application_state(application)
        for (pk, sk), counters in rules.contribution(facts, decision, rules.shard_of(state)).items():
            _add(counted, {"pk": pk, "sk": sk}, counters)
    return counted


def stats_items(counted: Counted) -> list[dict[str, Any]]:
    """The stats items (DynamoDB JSON) the counters make: as ``ADD`` leaves them."""
    from kring.dal import stats
    from kring.dal.items import serialize

    return [
        serialize(
            {
                "pk": pk,
                "sk": sk,
                "entity": stats.ENTITY,
                **{stats.stored_name(name): n for name, n in sorted(counters.items()) if n},
            }
        )
        for (pk, sk), counters in counted.items()
    ]


def vacancy_items(year: Year) -> list[dict[str, Any]]:
    from kring.dal import vacancies

    return [vacancies.to_item(vacancies.StoredVacancy(v)) for v in year.vacancies]


# --- the session ---------------------------------------------------------------------------------
class _Mailbox:
    def __init__(self) -> None:
        self.texts: list[str] = []

    def send(self, mail: Any) -> str:
        self.texts.append(mail.text)
        return f"bench-{len(self.texts)}"


def signed_in_cookie(now: datetime) -> str:
    """A viewer added and signed in by the mailed link, as the dashboard does: the cookie."""
    from kring.access import members, team_sign_in
    from kring.web.dashboard import COOKIE

    address = "viewer@company.example"
    members.add(email=address, name="Vera Viewer", role="viewer", locale="en", now=now)
    mailbox = _Mailbox()
    if team_sign_in.request_link(address, now=now, transport=mailbox) != "sent":
        raise RuntimeError("the sign-in link was not sent")
    [token] = re.findall(r"/dashboard/sign-in/([A-Za-z0-9_-]{43})", mailbox.texts[-1])
    signed_in = team_sign_in.use_link(token, now=now)
    if signed_in is None:
        raise RuntimeError("the sign-in link did not sign in")
    return f"{COOKIE}={signed_in.cookie_value}"


@contextmanager
def _frozen_day(now: datetime) -> Iterator[None]:
    """The dashboard handler's clock at ``now`` (its pages say "today")."""
    from functions.dashboard import app

    class Frozen(datetime):
        @classmethod
        def now(cls, tz: Any = None) -> Frozen:
            return cls.fromtimestamp(now.timestamp(), tz or UTC)

    with patch.object(app, "datetime", Frozen):
        yield


# --- measuring ---------------------------------------------------------------------------------
def _page(path: str, query: str, cookie: str) -> dict[str, Any]:
    from functions.dashboard import app
    from infra.local.lambda_runtime import LambdaContext

    event = harness.http_event("GET", path, query, {"cookie": cookie})
    context: Any = LambdaContext(function_name="DashboardFunction", timeout_seconds=29)
    response: dict[str, Any] = app.handler(event, context)
    return response


def _later_query(cookie: str) -> str:
    """The query of the list's :data:`LATER_PAGE`-th page, following the pages' next links."""
    query = ""
    for _ in range(LATER_PAGE - 1):
        body = _page("/dashboard/vacancies", query, cookie)["body"]
        found = re.search(r'href="/dashboard/vacancies\?([^"]*next=[^"]*)"', body)
        if found is None:
            break
        query = html.unescape(found.group(1))
    return query


def _reads(calls: list[tuple[str, dict[str, Any]]]) -> list[tuple[str, dict[str, Any]]]:
    return [(op, params) for op, params in calls if op in READS]


def measure_page(label: str, path: str, query: str, cookie: str, bare: Any) -> dict[str, Any]:
    measured = harness.measure(
        label, lambda: _page(path, query, cookie), bare, repeats=REPEATS, replayed=_reads
    )
    figures = measured.figures
    figures["request"] = f"GET {path}" + (f"?{query}" if query else "")
    figures["render_ms"] = round(figures["kring_ms"] - figures["kring_request_ms"], 1)
    figures["writes"] = sum(1 for op, _ in measured.calls if op not in READS)
    figures["queries_per_row"] = _queries_per_row(measured.calls)
    return figures


def _queries_per_row(calls: list[tuple[str, dict[str, Any]]]) -> int:
    """Queries of a vacancy's day counters (one per list row)."""
    return sum(
        1
        for op, params in calls
        if op == "Query"
        and str(params.get("ExpressionAttributeValues", {}).get(":pk", {}).get("S", "")).startswith(
            "STATS#VAC#"
        )
    )


def main() -> None:
    warnings.filterwarnings("ignore", message="No application metrics to publish")
    results: list[dict[str, Any]] = []
    with harness.local_tables() as local:
        bare, table = local.bare, local.tables[0]
        harness.environment(
            local.endpoint,
            table,
            local.idempotency_tables[0],
            KRING_PORTAL_KEY="bench-portal-key",
            KRING_IDENTITY_HASH_KEY="bench-identity-hash-key",
            KRING_MAIL_LINK_KEY="bench-mail-link-key",
            KRING_VISITOR_HASH_KEY="bench-visitor-hash-key",
            KRING_ADMIN_TOKEN=programme.ADMIN_TOKEN,
            MAIL_FROM_ADDRESS="kring@company.example",
        )
        from kring.observability import logger

        logger.setLevel("WARNING")
        started = time.perf_counter()
        collected, _, _ = programme.seed(AMBASSADORS)
        programme_items = programme.items_of(collected)
        del collected
        recorded_programme_s = time.perf_counter() - started
        started = time.perf_counter()
        year = year_of(VACANCIES, AMBASSADORS)
        counted = counted_of(year)
        items = stats_items(counted)
        recorded_year_s = time.perf_counter() - started
        sharers_of = Counter(pk.removeprefix("STATS#VAC#") for pk, sk in counted if sk.startswith("AMB#"))
        busy = max((v for v in year.vacancies if v.status == "published"), key=lambda v: sharers_of[v.id])
        scopes = Counter(("AMB#" if sk.startswith("AMB#") else pk.split("#")[1]) for pk, sk in counted)
        started = time.perf_counter()
        programme.load(bare, table, [*programme_items, *vacancy_items(year), *items])
        loaded_s = time.perf_counter() - started
        seeding = {
            "ambassadors": AMBASSADORS,
            "vacancies": VACANCIES,
            "open_now": sum(1 for v in year.vacancies if v.status == "published"),
            "share_counts": len(year.shares),
            "share_intents_and_clicks": sum(len(a) for a in year.activity.values()),
            "applications": len(year.applications),
            "programme_items": len(programme_items),
            "stats_items": len(items),
            "stats_items_by_scope": {
                "programme day": scopes["PROG"],
                "vacancy day": scopes["VAC"],
                "ambassador day": scopes["AMB"],
                "vacancy x ambassador": scopes["AMB#"],
            },
            "busy_vacancy": busy.id,
            "busy_vacancy_ambassador_items": sharers_of[busy.id],
            "recorded_programme_seconds": round(recorded_programme_s, 1),
            "recorded_year_seconds": round(recorded_year_s, 1),
            "loaded_seconds": round(loaded_s, 1),
            "load_average": harness.load_average(),
        }
        print(json.dumps(seeding), flush=True)
        del programme_items, items, counted

        with _frozen_day(NOW):
            cookie = signed_in_cookie(NOW)
            later = _later_query(cookie)
            measure_page("warm-up", "/dashboard/programme", "by=location", cookie, bare)
            for label, path, raw_query in PAGES:
                query = raw_query.replace("{later}", later)
                result = measure_page(label, path.replace("{busy}", busy.id), query, cookie, bare)
                results.append(result)
                print(_row(result), flush=True)
        seeding["load_average_after"] = harness.load_average()
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "dashboard.json").write_text(json.dumps({"seeding": seeding, "pages": results}, indent=2))
    print("\n" + table_markdown(results))


def _row(r: dict[str, Any]) -> str:
    return (
        f"{r['call']:<30} requests {r['requests_total']:>3} {r['requests']}  items {r['items_read']:>6} "
        f"({r['kb_read']} KB, {r['read_units']} RCU)  {r['kring_ms']:.1f} ms "
        f"(requests {r['kring_request_ms']:.1f}, rest {r['render_ms']:.1f}) vs {r['replay_ms']:.1f} ms "
        f"x{r['ratio']}  page {r['response_kb']} KB"
    )


def table_markdown(results: list[dict[str, Any]]) -> str:
    lines = [
        "| page | Kring requests | items read | read units | Kring | of which its requests | the rest "
        "(rendering) | the same requests, bare boto3 | ratio | page |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        kinds = ", ".join(f"{n} {k}" for k, n in r["requests"].items())
        lines.append(
            f"| {r['call']} | {r['requests_total']} ({kinds}) | {r['items_read']:,} | {r['read_units']:g} "
            f"| {r['kring_ms']:,.1f} ms | {r['kring_request_ms']:,.1f} ms | {r['render_ms']:,.1f} ms "
            f"| {r['replay_ms']:,.1f} ms | {r['ratio']}x | {r['response_kb']:,} KB |"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    main()

"""The programme funnel API over N ambassadors (10,000 by default), against Amazon's DynamoDB Local.

**Seeding.** Every ambassador's programme is recorded by the real :class:`ProgrammeRecorder` (the
state machine, the transitions, the counter deltas, the history), fact by fact in time order, with
the daily sweep's reviews in between as they fall due — in the process, its repository's reads
answered from what it wrote and its writes collected as the items
:meth:`kring.dal.programme.ProgrammeRepository.write` puts (``facts_item``, ``history_item``, the
counters ADDed up, the profile's phase), then loaded with BatchWriteItem. Recording 10,000
ambassadors' facts through DynamoDB Local one transaction each would take most of an hour on this
machine; to show the shortcut writes what the recorder writes, ``CHECKED`` of them are recorded
again through the real recorder on DynamoDB Local (a second table) and their facts, history and
profile items compared (the run stops on a difference).

The organisation: everyone on the roster between 2026-01-01 and 2026-11-30 (so a year's cohort is
everyone), eight departments, five locations; 80 % invited, then about 60 % interested, 60 % of
those volunteer, 70 % of those are onboarded, a third of the onboarded recruit a colleague or have
an application credited; activity now and then (dormant after 45 days without, and some come back),
3 % leave (a third of them rejoin).

**Measured**, through the real API handler (``functions/api/app.py``, the admin token checked):
``GET /api/programme/phases`` now, ``?by=department``, the cohort of a quarter and of a year, the
year's cohort ``?by=location``, and one ambassador's ``GET /api/ambassadors/{id}/journey`` (the one
with the longest history). Requests by operation and items read are counted by botocore hooks on
Kring's client; a bare boto3 client replays the very requests it sent (the same table: they are
reads) right after each call, or right before the next (every other run, so neither always goes
second), and both meet the same machine load. Median of ``REPEATS``; Kring's time is
split into its requests (time in its client's API calls) and the rest (its code: deserialising,
the cohort's arithmetic, the response). Read capacity is what DynamoDB Local reports for the
replayed requests (``ReturnConsumedCapacity``, an untimed extra replay).
``BENCH_PROGRAMME_AMBASSADORS`` sets N.
"""

from __future__ import annotations

import json
import os
import random
import time
import warnings
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bench import harness

if TYPE_CHECKING:
    from kring.dal.programme import ProgrammeWrite, StoredProgramme
    from kring.models.ambassador import Ambassador
    from kring.programme.phases import Fact, FactKind

AMBASSADORS = int(os.environ.get("BENCH_PROGRAMME_AMBASSADORS", "10000"))
CHECKED = 50  # ambassadors recorded again through the real recorder on DynamoDB Local, compared
REPEATS = 5
RESULTS = Path(__file__).resolve().parent / "results"
ADMIN_TOKEN = "bench-admin-token"  # noqa: S105 - the local stack's, for this run only

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
FIRST_DAY = datetime(2026, 1, 1, 8, 0, tzinfo=UTC)
ENTRY_SPAN_DAYS = 333  # on the roster from 2026-01-01 to 2026-11-30
DEPARTMENTS = ("Engineering", "Sales", "Marketing", "Finance", "Operations", "Support", "Legal", "Data")
LOCATIONS = ("Amsterdam", "Utrecht", "Rotterdam", "Berlin", "Remote")

CALLS: tuple[tuple[str, str, str], ...] = (
    ("now", "/api/programme/phases", ""),
    ("now ?by=department", "/api/programme/phases", "by=department"),
    ("cohort of a quarter (2026-Q3)", "/api/programme/phases", "from=2026-07-01&to=2026-09-30"),
    ("cohort of a year (2026)", "/api/programme/phases", "from=2026-01-01&to=2026-12-31"),
    ("cohort of a year ?by=location", "/api/programme/phases", "from=2026-01-01&to=2026-12-31&by=location"),
    ("one ambassador's journey", "/api/ambassadors/{journey}/journey", ""),
)


# --- the organisation's facts --------------------------------------------------------------------
def _ambassador_id(n: int) -> str:
    return f"P{n:06d}"


def _profile(n: int) -> Ambassador:
    from kring.models.ambassador import Ambassador

    rng = random.Random(n)
    created = FIRST_DAY + timedelta(days=rng.uniform(0, ENTRY_SPAN_DAYS))
    ambassador_id = _ambassador_id(n)
    return Ambassador(
        id=ambassador_id,
        name=f"Ambassador {n}",
        email=f"{ambassador_id.lower()}@example.com",
        department=DEPARTMENTS[rng.randrange(len(DEPARTMENTS))],
        location=LOCATIONS[rng.randrange(len(LOCATIONS))],
        phase="awareness",
        opted_in=False,
        created_at=created,
        updated_at=created,
    )


def _facts(n: int, created: datetime) -> list[Fact]:
    """One person's programme facts, oldest first, none after ``NOW``."""
    from kring.programme.phases import Fact

    rng = random.Random(-1 - n)
    out = [Fact("on_roster", created)]
    at = created
    steps: tuple[tuple[FactKind, float, int, int], ...] = (
        ("invited", 0.8, 1, 20),
        ("interested", 0.6, 0, 10),
        ("volunteered", 0.6, 0, 14),
        ("onboarded", 0.7, 1, 21),
    )
    reached = 0
    for kind, chance, low, high in steps:
        if rng.random() >= chance:
            break
        at += timedelta(days=rng.uniform(low, high))
        out.append(Fact(kind, at))
        reached += 1
    if reached >= 2:  # interested or further: active now and then, some long gaps (dormant, back)
        activity = at
        while True:
            activity += timedelta(days=rng.choice((3, 8, 15, 30, 50, 70)) * rng.uniform(0.5, 1.5))
            if activity >= NOW:
                break
            out.append(Fact("active", activity))
    if reached == 4 and rng.random() < 1 / 3:
        later = at + timedelta(days=rng.uniform(5, 90))
        ref = f"{_ambassador_id(n)}-{rng.randrange(1_000_000)}"
        credit: FactKind = "colleague_recruited" if rng.random() < 0.5 else "application_credited"
        out.append(Fact(credit, later, ref=ref if credit == "colleague_recruited" else f"greenhouse:{ref}"))
    if rng.random() < 0.03:
        left = at + timedelta(days=rng.uniform(1, 40))
        out.append(Fact("left", left, reason="no time for it now", by=_ambassador_id(n)))
        if rng.random() < 1 / 3:
            out.append(Fact("rejoined", left + timedelta(days=rng.uniform(10, 60)), by=_ambassador_id(n)))
    return sorted((f for f in out if f.at < NOW), key=lambda f: f.at)


def _record(recorder: Any, repository: Any, ambassador_id: str, facts: list[Fact]) -> None:
    """The facts in time order, with the sweep's reviews in between as they fall due, then the
    sweep of ``NOW``."""
    for fact in [*facts, None]:
        until = fact.at if fact is not None else NOW
        while True:
            review_at = repository.get(ambassador_id).review_at
            if review_at is None or review_at > until:
                break
            recorder.record(ambassador_id, None, now=review_at)
        if fact is not None:
            recorder.record(ambassador_id, fact, now=fact.at)
    recorder.record(ambassador_id, None, now=NOW)


# --- the recorder, its writes collected in the process --------------------------------------------
class _Publisher:
    def __init__(self) -> None:
        self.published = 0

    def publish(self, events: Any) -> None:
        self.published += len(events)


@dataclass
class _Collected:
    profiles: dict[str, Ambassador] = field(default_factory=dict)
    facts: dict[str, dict[str, Any]] = field(default_factory=dict)
    history: list[dict[str, Any]] = field(default_factory=list)
    counters: dict[str, Counter[str]] = field(default_factory=dict)


def _collecting_repositories(collected: _Collected) -> tuple[Any, Any]:
    """A ProgrammeRepository and an AmbassadorRepository answered from ``collected``: what the
    real ones would read back after the writes :meth:`ProgrammeRepository.write` makes."""
    from kring.dal import programme as store
    from kring.dal.ambassadors import AmbassadorRepository, Stored
    from kring.dal.transact import Outcome

    class Programme(store.ProgrammeRepository):
        def __init__(self) -> None:
            super().__init__(client=None, table_name="collected")
            self.stored: dict[str, StoredProgramme] = {}

        def get(self, ambassador_id: str) -> StoredProgramme:
            return self.stored.get(ambassador_id) or store.StoredProgramme()

        def write(self, write: ProgrammeWrite) -> Outcome:
            item = store.facts_item(write)
            collected.facts[write.ambassador_id] = item
            self.stored[write.ambassador_id] = store.stored_from_item(item)
            if write.history is not None:
                collected.history.append(
                    store.history_item(write.ambassador_id, write.version, write.history)
                )
            for scope, amounts in write.counters.items():
                collected.counters.setdefault(scope, Counter()).update(amounts)
            if write.profile is not None:
                before = collected.profiles[write.ambassador_id]
                collected.profiles[write.ambassador_id] = before.model_copy(
                    update={
                        "phase": write.profile.phase,
                        "dormant": write.profile.dormant,
                        "in_programme": write.profile.in_programme,
                        "updated_at": write.now,
                    }
                )
            return Outcome.APPLIED

        def mark_published(self, ambassador_id: str, version: int) -> None:
            item = collected.facts[ambassador_id]
            if store.stored_from_item(item).version == version:
                item.pop("unpublished", None)
                self.stored[ambassador_id] = store.stored_from_item(item)

    class Ambassadors(AmbassadorRepository):
        def get_stored(self, ambassador_id: str) -> Stored | None:
            found = collected.profiles.get(ambassador_id)
            return Stored(found, {"S": found.updated_at.isoformat()}) if found else None

    return Programme(), Ambassadors()


def seed(count: int) -> tuple[_Collected, int, float]:
    """Every ambassador recorded in the process: (the writes, events published, seconds)."""
    from kring.observability import metrics
    from kring.programme.phases import Rules
    from kring.programme.recorder import ProgrammeRecorder

    collected = _Collected()
    programme, ambassadors = _collecting_repositories(collected)
    publisher = _Publisher()
    recorder = ProgrammeRecorder(
        repository=programme, ambassadors=ambassadors, publisher=publisher, rules=Rules()
    )
    started = time.perf_counter()
    for n in range(count):
        profile = _profile(n)
        collected.profiles[profile.id] = profile
        _record(recorder, programme, profile.id, _facts(n, profile.created_at))
        metrics.clear_metrics()
    return collected, publisher.published, time.perf_counter() - started


def items_of(collected: _Collected) -> list[dict[str, Any]]:
    from kring.dal import ambassadors, keys
    from kring.dal.items import serialize
    from kring.dal.programme import COUNTERS_ENTITY

    items = [ambassadors.to_item(p) for p in collected.profiles.values()]
    items += list(collected.facts.values())
    items += collected.history
    for scope, amounts in collected.counters.items():
        items.append(serialize({**keys.programme_counters(scope), "entity": COUNTERS_ENTITY, **amounts}))
    return items


def load(client: Any, table: str, items: list[dict[str, Any]]) -> None:
    from kring.dal import batch

    batch.write([{"PutRequest": {"Item": item}} for item in items], client=client, table=table)


# --- the shortcut checked against the real recorder on DynamoDB Local ------------------------------
_VOLATILE = ("updated_at", "version")  # the profile's last write time, its optimistic version


def _check(client: Any, table: str, collected: _Collected, count: int) -> int:
    """Record ``count`` ambassadors through the real recorder and repositories on ``table`` and
    compare their items with the collected ones; the number compared."""
    from kring.dal import ambassadors as ambassador_items
    from kring.dal import keys
    from kring.dal.ambassadors import AmbassadorRepository
    from kring.dal.items import deserialize
    from kring.dal.programme import ProgrammeRepository
    from kring.observability import metrics
    from kring.programme.phases import Rules
    from kring.programme.recorder import ProgrammeRecorder

    programme = ProgrammeRepository(client=client, table_name=table)
    recorder = ProgrammeRecorder(
        repository=programme,
        ambassadors=AmbassadorRepository(client=client, table_name=table),
        publisher=_Publisher(),
        rules=Rules(),
    )
    step = max(1, AMBASSADORS // count)
    numbers = list(range(0, AMBASSADORS, step))[:count]
    for n in numbers:
        profile = _profile(n)
        client.put_item(TableName=table, Item=ambassador_items.to_item(profile))
        _record(recorder, programme, profile.id, _facts(n, profile.created_at))
        metrics.clear_metrics()
    collected_items = {(i["pk"]["S"], i["sk"]["S"]): i for i in items_of(collected)}
    for n in numbers:
        ambassador_id = _ambassador_id(n)
        got = client.query(
            TableName=table,
            KeyConditionExpression="pk = :pk",
            ExpressionAttributeValues={":pk": {"S": keys.ambassador(ambassador_id)["pk"]}},
            ConsistentRead=True,
        )["Items"]
        for item in got:
            key = (item["pk"]["S"], item["sk"]["S"])
            mine = collected_items.get(key)
            real, seeded = deserialize(item), deserialize(mine or {})
            for name in _VOLATILE:
                if key[1] != "PROGRAMME" or name == "updated_at":
                    real.pop(name, None)
                    seeded.pop(name, None)
            if real != seeded:
                raise AssertionError(f"the seeded item {key} differs from the recorder's: {seeded} != {real}")
        seeded_keys = {k for k in collected_items if k[0] == f"AMB#{ambassador_id}"}
        if seeded_keys != {(i["pk"]["S"], i["sk"]["S"]) for i in got}:
            raise AssertionError(f"{ambassador_id}: the seeded items are not the recorder's")
    return len(numbers)


# --- measuring ---------------------------------------------------------------------------------
def _measure(label: str, path: str, query: str, bare: Any) -> dict[str, Any]:
    from functions.api import app as api_app
    from infra.local.lambda_runtime import LambdaContext

    event = harness.http_event("GET", path, query, {"authorization": f"Bearer {ADMIN_TOKEN}"})

    def invoke() -> dict[str, Any]:
        context: Any = LambdaContext(function_name="ApiFunction", timeout_seconds=29)
        response: dict[str, Any] = api_app.handler(event, context)
        return response

    measured = harness.measure(label, invoke, bare, repeats=REPEATS)
    figures = measured.figures
    return {
        "call": label,
        "request": f"GET {path}" + (f"?{query}" if query else ""),
        **{k: v for k, v in figures.items() if k != "call"},
        "answer": json.loads(measured.response["body"]),
    }


def main() -> None:
    # The API handler's log_metrics warns on every call that it has no metric to publish.
    warnings.filterwarnings("ignore", message="No application metrics to publish")
    results: list[dict[str, Any]] = []
    with harness.local_tables(stacks=2) as local:
        bare = local.bare
        table, check_table = local.tables
        harness.environment(local.endpoint, table, local.idempotency_tables[0], KRING_ADMIN_TOKEN=ADMIN_TOKEN)
        from kring.observability import logger

        logger.setLevel("WARNING")

        collected, published, seed_s = seed(AMBASSADORS)
        items = items_of(collected)
        started = time.perf_counter()
        load(bare, table, items)
        load_s = time.perf_counter() - started
        checked = _check(bare, check_table, collected, CHECKED)
        journey_id = (
            Counter(i["pk"]["S"] for i in collected.history).most_common(1)[0][0].removeprefix("AMB#")
        )
        seeding = {
            "ambassadors": AMBASSADORS,
            "facts_items": len(collected.facts),
            "history_items": len(collected.history),
            "phase_changes_published": published,
            "counter_items": len(collected.counters),
            "recorded_seconds": round(seed_s, 1),
            "loaded_seconds": round(load_s, 1),
            "checked_against_the_recorder": checked,
            "load_average": harness.load_average(),
        }
        print(json.dumps(seeding), flush=True)
        del collected, items

        _measure("warm-up", "/api/programme/phases", "from=2026-01-01&to=2026-03-31&by=department", bare)
        for label, path, query in CALLS:
            result = _measure(label, path.replace("{journey}", journey_id), query, bare)
            results.append(result)
            print(_row(result), flush=True)
        _sanity(results)
        seeding["load_average_after"] = harness.load_average()
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "programme.json").write_text(json.dumps({"seeding": seeding, "calls": results}, indent=2))
    print("\n" + table_markdown(results))


def _sanity(results: list[dict[str, Any]]) -> None:
    """The answers add up: everyone is counted now, and the year's cohort is everyone."""
    now = results[0]["answer"]["now"]
    if sum(now["phases"].values()) + now["left"] != AMBASSADORS:
        raise AssertionError(f"the counters do not add up to {AMBASSADORS}: {now}")
    year = results[3]["answer"]["cohort"]
    if year["entered"] != AMBASSADORS:
        raise AssertionError(f"the year's cohort is {year['entered']}, not {AMBASSADORS}")


def _row(r: dict[str, Any]) -> str:
    return (
        f"{r['call']:<34} requests {r['requests_total']:>3} {r['requests']}  items {r['items_read']:>6} "
        f"({r['kb_read']} KB, {r['read_units']} RCU)  {r['kring_ms']:.1f} ms "
        f"(requests {r['kring_request_ms']:.1f}) vs {r['replay_ms']:.1f} ms x{r['ratio']}"
    )


def table_markdown(results: list[dict[str, Any]]) -> str:
    lines = [
        "| call | Kring requests | items read | read units | KB read | Kring | of which its requests "
        "| the same requests, bare boto3 | ratio |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        kinds = ", ".join(f"{n} {k}" for k, n in r["requests"].items())
        lines.append(
            f"| {r['call']} | {r['requests_total']} ({kinds}) | {r['items_read']:,} | {r['read_units']:g} "
            f"| {r['kb_read']:,} | {r['kring_ms']:,.1f} ms | {r['kring_request_ms']:,.1f} ms "
            f"| {r['replay_ms']:,.1f} ms | {r['ratio']}x |"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    main()

"""Links follow eligibility: AmbassadorChanged / AmbassadorPhaseChanged → FanoutQueue → the real
ShareFanoutFunction (the catch-up), under moto with the tables, the FIFO queue and the idempotency
table as in template.yaml; and the roster's announcements through the real API and import
handlers, captured from the bus."""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kring import aws, config
from kring.clicks.counting import SHARES
from kring.dal import ambassadors as ambassador_items
from kring.dal import batch, keys, share_caps, stats
from kring.dal.items import deserialize, serialize
from kring.dal.vacancies import StoredVacancy, VacancyRepository
from kring.events import KringEvent, SharesCreated
from kring.models.ambassador import Ambassador
from kring.models.vacancy import Vacancy
from kring.queues import CatchupPage, parse_fanout_message
from tests.support.bus import Bus
from tests.support.fixtures import REGION, MotoStack, clear_kring_caches

NOW = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)


class Published:
    """Every event the function published (the port, as a fake)."""

    def __init__(self) -> None:
        self.events: list[KringEvent] = []

    def publish(self, events: Sequence[KringEvent]) -> None:
        self.events.extend(events)

    def pairs(self) -> list[tuple[str, str]]:
        return sorted(
            (a, e.vacancy_id) for e in self.events if isinstance(e, SharesCreated) for a in e.ambassador_ids
        )


def _ambassador(ambassador_id: str, **overrides: Any) -> Ambassador:
    data: dict[str, Any] = {
        "id": ambassador_id,
        "name": f"Name {ambassador_id}",
        "email": f"{ambassador_id.lower()}@example.com",
        "phase": "decision",
        "opted_in": True,
        "created_at": NOW,
        "updated_at": NOW,
    }
    data.update(overrides)
    return Ambassador.model_validate(data)


def _store(*people: Ambassador) -> None:
    for person in people:
        aws.dynamodb().put_item(TableName=config.tables().table_name, Item=ambassador_items.to_item(person))


def _vacancy(
    vacancy_id: str, department: str | None = "Engineering", *, age: int = 0, **overrides: Any
) -> None:
    """A vacancy as the intake stores it; ``age`` days old (the newest has age 0)."""
    published = NOW - timedelta(days=age)
    data: dict[str, Any] = {
        "id": vacancy_id,
        "provider": "greenhouse",
        "external_id": vacancy_id.rsplit("-", maxsplit=1)[-1],
        "title": "Backend Engineer",
        "url": "https://job-boards.greenhouse.io/acme/jobs/1",
        "department": department,
        "location": "Amsterdam",
        "status": "published",
        "published_at": published,
        "updated_at": published,
    }
    data.update(overrides)
    stored = VacancyRepository().get(vacancy_id)
    VacancyRepository().put(
        StoredVacancy(
            vacancy=Vacancy.model_validate(data),
            post_live=True,
            revision=stored.revision + 1 if stored else 0,
        ),
        expected_revision=stored.revision if stored else None,
    )


def _envelope(detail_type: str, source: str, detail: dict[str, Any]) -> str:
    return json.dumps(
        {
            "version": "0",
            "id": str(uuid.uuid4()),
            "detail-type": detail_type,
            "source": source,
            "account": "000000000000",
            "time": "2026-11-27T09:00:00Z",
            "region": REGION,
            "resources": [],
            "detail": {
                "version": 1,
                "occurred_at": "2026-11-27T09:00:00Z",
                "correlation_id": "test",
                **detail,
            },
        }
    )


def _changed(ambassador_id: str, *, eligible: bool = True, was_eligible: bool = False, **more: Any) -> str:
    return _envelope(
        "AmbassadorChanged",
        "kring.roster",
        {"ambassador_id": ambassador_id, "eligible": eligible, "was_eligible": was_eligible, **more},
    )


def _phase(ambassador_id: str, to_phase: str = "decision", *, dormant: bool = False) -> str:
    return _envelope(
        "AmbassadorPhaseChanged",
        "kring.programme",
        {
            "ambassador_id": ambassador_id,
            "from_phase": "consideration",
            "to_phase": to_phase,
            "dormant": dormant,
            "reason": "onboarding complete",
        },
    )


def _published(vacancy_id: str, department: str | None = "Engineering") -> str:
    return _envelope(
        "VacancyPublished",
        "kring.ats",
        {
            "vacancy_id": vacancy_id,
            "provider": "greenhouse",
            "external_id": vacancy_id.rsplit("-", maxsplit=1)[-1],
            "title": "Backend Engineer",
            "url": "https://job-boards.greenhouse.io/acme/jobs/1",
            "department": department,
            "location": "Amsterdam",
            "tags": [],
            "language": "en",
        },
    )


def _sqs_event(*bodies: str) -> dict[str, Any]:
    return {
        "Records": [
            {
                "messageId": str(uuid.uuid4()),
                "receiptHandle": f"rh-{n}",
                "body": body,
                "attributes": {
                    "ApproximateReceiveCount": "1",
                    "SentTimestamp": "1795770761000",
                    "MessageGroupId": "fanout",
                    "MessageDeduplicationId": hashlib.sha256(body.encode()).hexdigest(),
                    "SequenceNumber": str(n),
                    "SenderId": "AIDA",
                    "ApproximateFirstReceiveTimestamp": "1795770761000",
                },
                "messageAttributes": {},
                "md5OfBody": hashlib.md5(body.encode()).hexdigest(),  # noqa: S324
                "eventSource": "aws:sqs",
                "eventSourceARN": f"arn:aws:sqs:{REGION}:000000000000:fanout.fifo",
                "awsRegion": REGION,
            }
            for n, body in enumerate(bodies)
        ]
    }


def _deliver(stack: MotoStack, published: Published, *bodies: str) -> None:
    """Deliver ``bodies``, then every page they queue, until the fan-out queue is empty."""
    pending = list(bodies)
    while pending:
        result = stack.invoke("ShareFanoutFunction", _sqs_event(*pending), publisher=published)
        assert result == {"batchItemFailures": []}
        pending = [m["Body"] for m in stack.receive_all("FanoutQueue")]


def _links() -> list[tuple[str, str]]:
    """Every share link in the table, as (ambassador, vacancy), repeats kept (test-only Scan)."""
    items = aws.dynamodb().scan(
        TableName=config.tables().table_name,
        FilterExpression="entity = :e",
        ExpressionAttributeValues=serialize({":e": "share_link"}),
    )["Items"]
    return sorted((deserialize(i)["ambassador_id"], deserialize(i)["vacancy_id"]) for i in items)


def _codes() -> dict[tuple[str, str], str]:
    items = aws.dynamodb().scan(
        TableName=config.tables().table_name,
        FilterExpression="entity = :e",
        ExpressionAttributeValues=serialize({":e": "share_link"}),
    )["Items"]
    return {
        (deserialize(i)["ambassador_id"], deserialize(i)["vacancy_id"]): deserialize(i)["code"] for i in items
    }


def _shares_counted() -> int:
    """The ``shares`` counted on the programme's day items (every shard)."""
    items = aws.dynamodb().scan(TableName=config.tables().table_name)["Items"]
    return sum(
        int(deserialize(i).get(stats.stored_name(SHARES), 0))
        for i in items
        if str(deserialize(i)[keys.PK]).startswith(keys.program_stats_prefix())
    )


# --- the catch-up --------------------------------------------------------------------------------
def test_a_new_eligible_ambassador_gets_one_link_per_open_matching_vacancy(moto_stack: MotoStack) -> None:
    _vacancy("greenhouse-1")
    _vacancy("greenhouse-2", "Sales")
    _vacancy("greenhouse-3", None, tags=("engineering",))
    _vacancy("greenhouse-4", status="closed", published_at=None)
    published = Published()
    _deliver(moto_stack, published, *(_published(f"greenhouse-{n}") for n in (1, 2, 3)))
    assert _links() == []  # nobody was eligible when they were published

    _store(_ambassador("E1", interests=["engineering"]))
    _deliver(moto_stack, published, _changed("E1"))

    assert _links() == [("E1", "greenhouse-1"), ("E1", "greenhouse-3")]  # not Sales, not the closed one
    assert published.pairs() == [("E1", "greenhouse-1"), ("E1", "greenhouse-3")]
    assert _shares_counted() == 2


def test_the_catch_up_makes_the_links_the_fan_out_would_have_made(moto_stack: MotoStack) -> None:
    _vacancy("greenhouse-1")
    published = Published()
    _deliver(moto_stack, published, _published("greenhouse-1"))
    _store(_ambassador("E1"))
    _deliver(moto_stack, published, _phase("E1"))
    made = _codes()

    # a re-published vacancy (a new fan-out) and a repeated announcement find the link: no second one
    _deliver(moto_stack, published, _published("greenhouse-1"), _changed("E1"), _phase("E1"))

    assert _codes() == made
    assert _links() == [("E1", "greenhouse-1")]
    assert published.pairs() == [("E1", "greenhouse-1")]
    assert _shares_counted() == 1


def test_a_redelivered_event_changes_nothing(moto_stack: MotoStack) -> None:
    _vacancy("greenhouse-1")
    _vacancy("greenhouse-2")
    _store(_ambassador("E1"))
    published = Published()
    body = _changed("E1")
    _deliver(moto_stack, published, body, body)
    _deliver(moto_stack, published, body)

    assert _links() == [("E1", "greenhouse-1"), ("E1", "greenhouse-2")]
    assert published.pairs() == [("E1", "greenhouse-1"), ("E1", "greenhouse-2")]
    assert _shares_counted() == 2


def test_the_weekly_cap_is_kept_and_the_newest_vacancies_fill_it(moto_stack: MotoStack) -> None:
    for n in (1, 2, 3, 4):
        _vacancy(f"greenhouse-{n}", age=n)  # greenhouse-1 the newest
    _store(_ambassador("E1", share_cap_per_week=3))
    week = share_caps.iso_week(datetime.now(UTC))
    given = {"greenhouse-9"}  # a link given this week already (its vacancy closed since)
    batch.write([share_caps.put_request("E1", week, given, datetime.now(UTC))])
    published = Published()
    _deliver(moto_stack, published, _changed("E1"))

    assert _links() == [("E1", "greenhouse-1"), ("E1", "greenhouse-2")]
    ledger = share_caps.ShareCapRepository().ledgers(["E1"], week)
    assert ledger == {"E1": {"greenhouse-9", "greenhouse-1", "greenhouse-2"}}

    # the cap is full: a later catch-up and a new vacancy's fan-out give nothing more this week
    _vacancy("greenhouse-5")
    _deliver(moto_stack, published, _published("greenhouse-5"), _changed("E1"))
    assert _links() == [("E1", "greenhouse-1"), ("E1", "greenhouse-2")]


def test_a_capped_ambassador_is_read_only_as_far_as_the_week_has_room(moto_stack: MotoStack) -> None:
    for n in range(250):
        _vacancy(f"greenhouse-{n:03d}", age=n)  # greenhouse-000 the newest
    _store(_ambassador("E1", share_cap_per_week=2))
    calls: list[str] = []

    def count(model: Any, **_: Any) -> None:
        calls.append(model.name)

    aws.dynamodb().meta.events.register("before-call.dynamodb", count)
    _deliver(moto_stack, Published(), _changed("E1"))

    assert _links() == [("E1", "greenhouse-000"), ("E1", "greenhouse-001")]
    # the ledger, then the first 100 vacancies' link keys and codes: not the other 150's
    assert calls.count("BatchGetItem") == 3


@pytest.mark.parametrize(
    ("stored", "body"),
    [
        ({"phase": "consideration"}, "changed"),  # the event is stale: the profile is not eligible
        ({"opted_in": False}, "phase"),  # moved to decision, but no longer opted in
        ({"dormant": True}, "phase"),
        ({}, "phase_dormant"),  # the event itself says dormant: nothing is read
        ({}, "not_eligible"),
        (None, "changed"),  # erased since
    ],
)
def test_an_ambassador_not_eligible_when_the_event_arrives_gets_nothing(
    moto_stack: MotoStack, stored: dict[str, Any] | None, body: str
) -> None:
    _vacancy("greenhouse-1")
    if stored is not None:
        _store(_ambassador("E1", **stored))
    bodies = {
        "changed": _changed("E1"),
        "phase": _phase("E1"),
        "phase_dormant": _phase("E1", dormant=True),
        "not_eligible": _changed("E1", eligible=False, was_eligible=True),
    }
    published = Published()
    _deliver(moto_stack, published, bodies[body])

    assert _links() == []
    assert published.events == []


def test_stopping_being_eligible_deletes_nothing(moto_stack: MotoStack, http: Any) -> None:
    _vacancy("greenhouse-1")
    _store(_ambassador("E1"))
    published = Published()
    _deliver(moto_stack, published, _changed("E1"))
    assert moto_stack.http("PATCH", "/api/ambassadors/E1", body={"opted_in": False}, admin=True).status == 200
    _deliver(moto_stack, published, _changed("E1", eligible=False, was_eligible=True))

    assert _links() == [("E1", "greenhouse-1")]


def test_many_open_vacancies_are_chunked_through_the_fifo_queue(
    moto_stack: MotoStack, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FANOUT_PAGE_SIZE", "3")
    clear_kring_caches()
    for n in range(10):
        _vacancy(f"greenhouse-{n}", age=n)
    _store(_ambassador("E1"))
    published = Published()
    moto_stack.invoke("ShareFanoutFunction", _sqs_event(_changed("E1")), publisher=published)
    assert len(_links()) == 3
    pages = [parse_fanout_message(m["Body"]) for m in moto_stack.receive_all("FanoutQueue")]
    assert [(type(p), p.page) for p in pages] == [(CatchupPage, 1)]
    _deliver(moto_stack, published, *(p.model_dump_json() for p in pages))

    assert _links() == [("E1", f"greenhouse-{n}") for n in range(10)]
    assert len(published.pairs()) == 10


def test_a_catch_up_between_the_pages_of_a_fan_out_leaves_one_link_counted_once(
    moto_stack: MotoStack, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A fan-out still under way writes its vacancy's links alone and skips the existing-link read;
    a catch-up in between marks the link key shared first, so the fan-out's next page (which holds
    the newly eligible ambassador) finds the link and neither writes nor counts it again."""
    monkeypatch.setenv("FANOUT_PAGE_SIZE", "1")
    clear_kring_caches()
    _vacancy("greenhouse-1")
    _store(_ambassador("E1"), _ambassador("E3"))
    published = Published()
    moto_stack.invoke("ShareFanoutFunction", _sqs_event(_published("greenhouse-1")), publisher=published)
    next_page = [m["Body"] for m in moto_stack.receive_all("FanoutQueue")]
    assert len(next_page) == 1  # the fan-out is not done: E1's page written, the next one queued

    _store(_ambassador("E2"))  # eligible now, and next in the fan-out's order
    _deliver(moto_stack, published, _changed("E2"))
    assert _links() == [("E1", "greenhouse-1"), ("E2", "greenhouse-1")]
    _deliver(moto_stack, published, *next_page)

    everyone = [("E1", "greenhouse-1"), ("E2", "greenhouse-1"), ("E3", "greenhouse-1")]
    assert _links() == everyone
    assert published.pairs() == everyone
    assert _shares_counted() == 3


def test_vacancies_stored_before_the_open_index_are_put_in_it_once(moto_stack: MotoStack) -> None:
    _vacancy("greenhouse-1")
    _vacancy("greenhouse-2", status="closed", published_at=None)
    aws.dynamodb().update_item(  # as stored before the index existed
        TableName=config.tables().table_name,
        Key=serialize(keys.vacancy("greenhouse-1")),
        UpdateExpression="REMOVE gsi3pk, gsi3sk",
    )
    _store(_ambassador("E1"))
    published = Published()
    _deliver(moto_stack, published, _changed("E1"))
    assert _links() == []

    assert VacancyRepository().index_open() == (2, 1)
    assert VacancyRepository().index_open() == (2, 0)
    _deliver(moto_stack, published, _changed("E1"))
    assert _links() == [("E1", "greenhouse-1")]


# --- the roster's announcements, through the real handlers --------------------------------------
def _roster_bus() -> Bus:
    return Bus(config.bus().event_bus_name, source="kring.roster")


def test_interests_changed_through_the_api_give_the_newly_matching_links(moto_stack: MotoStack) -> None:
    bus = _roster_bus()
    _vacancy("greenhouse-1", "Sales")
    _vacancy("greenhouse-2", "Engineering")
    person = {"id": "E1", "name": "Eva", "email": "eva@example.com", "phase": "decision", "opted_in": True}
    created = moto_stack.http("POST", "/api/ambassadors", body={**person, "interests": ["Sales"]}, admin=True)
    assert created.status == 201
    published = Published()
    first = bus.drain()
    assert [(e["detail-type"], e["detail"]["eligible"], e["detail"]["was_eligible"]) for e in first] == [
        ("AmbassadorChanged", True, False)
    ]
    _deliver(moto_stack, published, *(json.dumps(e) for e in first))
    assert _links() == [("E1", "greenhouse-1")]

    patched = moto_stack.http(
        "PATCH", "/api/ambassadors/E1", body={"interests": ["sales", "engineering"]}, admin=True
    )
    assert patched.status == 200
    second = bus.drain()
    assert [e["detail"]["interests_changed"] for e in second] == [True]
    _deliver(moto_stack, published, *(json.dumps(e) for e in second))

    assert _links() == [("E1", "greenhouse-1"), ("E1", "greenhouse-2")]
    assert published.pairs() == [("E1", "greenhouse-1"), ("E1", "greenhouse-2")]


def test_the_api_announces_only_what_can_bring_links(moto_stack: MotoStack) -> None:
    bus = _roster_bus()
    person = {"id": "E1", "name": "Eva", "email": "eva@example.com"}
    assert moto_stack.http("POST", "/api/ambassadors", body=person, admin=True).status == 201  # awareness
    assert moto_stack.http("PATCH", "/api/ambassadors/E1", body={"name": "Eve"}, admin=True).status == 200
    assert bus.drain() == []

    moto_stack.http("PATCH", "/api/ambassadors/E1", body={"phase": "decision", "opted_in": True}, admin=True)
    moto_stack.http(
        "PATCH", "/api/ambassadors/E1", body={"name": "Eva"}, admin=True
    )  # eligible, interests same
    moto_stack.http("PATCH", "/api/ambassadors/E1", body={"dormant": True}, admin=True)  # no longer eligible
    announced = [(e["detail"]["was_eligible"], e["detail"]["interests_changed"]) for e in bus.drain()]
    assert announced == [(False, False)]

    # a repeated request (after a failure to announce, say) announces an eligible ambassador again
    moto_stack.http("PATCH", "/api/ambassadors/E1", body={"dormant": False}, admin=True)
    moto_stack.http("PATCH", "/api/ambassadors/E1", body={"dormant": False}, admin=True)
    assert len(bus.drain()) == 2


def test_an_import_announces_its_created_and_changed_ambassadors_and_again_on_redelivery(
    moto_stack: MotoStack,
) -> None:
    from kring.dal.import_jobs import ImportJob, ImportJobRepository
    from kring.queues import ImportChunk, ImportLine
    from kring.roster import imports

    bus = _roster_bus()
    _store(_ambassador("E2"), _ambassador("E3", phase="awareness"))  # E2 eligible already
    job_id = uuid.uuid4().hex
    columns = ["id", "name", "email", "phase", "opted_in"]
    rows = [
        ["E1", "Ann", "ann@example.com", "decision", "yes"],  # new and eligible
        ["E2", "Bob", "e2@example.com", "decision", "yes"],  # eligible before, its name changed
        ["E3", "Cem", "e3@example.com", "evangelize", "yes"],  # becomes eligible
        ["E4", "Dan", "dan@example.com", "awareness", "no"],  # not eligible: on the roster all the same
    ]
    ImportJobRepository().put_job(
        ImportJob(
            job_id=job_id,
            created_at=NOW,
            filename=None,
            size_bytes=1,
            encoding="utf-8",
            delimiter=",",
            columns=columns,
            lines=len(rows),
            chunks=1,
        )
    )
    chunk = ImportChunk(
        job_id=job_id,
        chunk=0,
        lines=[
            ImportLine(line=n + 2, id=row[0], cells=dict(zip(columns, row, strict=True)))
            for n, row in enumerate(rows)
        ],
    )
    body = chunk.model_dump_json(exclude_none=True)
    sqs = {
        "Records": [
            {**_sqs_event(body)["Records"][0], "eventSourceARN": f"arn:aws:sqs:{REGION}:000000000000:import"}
        ]
    }
    assert moto_stack.invoke("AmbassadorImportFunction", sqs) == {"batchItemFailures": []}

    def announced() -> list[tuple[str, bool, bool]]:
        return sorted(
            (e["detail"]["ambassador_id"], e["detail"]["eligible"], e["detail"]["was_eligible"])
            for e in bus.drain()
        )

    first = announced()
    assert first == [("E1", True, False), ("E2", True, True), ("E3", True, False), ("E4", False, False)]

    assert moto_stack.invoke("AmbassadorImportFunction", sqs) == {"batchItemFailures": []}
    assert announced() == first
    assert imports.report(job_id, limit=10).job.count("created") == 2  # applied once


# --- any order, any duplication ------------------------------------------------------------------
def _empty_table() -> None:
    """Every item deleted (test-only Scan): each example starts from an empty table."""
    table = config.tables().table_name
    ddb = aws.dynamodb()
    items = ddb.scan(TableName=table, ProjectionExpression="pk, sk")["Items"]
    for start in range(0, len(items), 25):
        ddb.batch_write_item(
            RequestItems={table: [{"DeleteRequest": {"Key": k}} for k in items[start : start + 25]]}
        )


INTERESTS = {"A": [], "B": ["Sales"], "C": ["engineering"], "D": []}
DEPARTMENTS = {
    "greenhouse-1": "Engineering",
    "greenhouse-2": "Sales",
    "greenhouse-3": "Engineering",
    "greenhouse-4": "Data",
}


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_order_and_duplication_ends_with_one_clean_deliverys_links(
    moto_stack: MotoStack, monkeypatch: pytest.MonkeyPatch, data: st.DataObject
) -> None:
    """Ambassadors become eligible (a profile write, then its event: AmbassadorChanged or
    AmbassadorPhaseChanged) and vacancies are published (a write, then VacancyPublished) in any
    order; the events are delivered late, duplicated and in any order, in batches, with the pages
    they queue. In the end: one link per eligible ambassador and open matching vacancy, announced and
    counted once. The rule under a cap (D: at most 2 a week): which vacancies fill it depends on what
    came first, so the property is the number — min(cap, matching open vacancies) — never more."""
    monkeypatch.setenv("FANOUT_PAGE_SIZE", "2")
    clear_kring_caches()
    _empty_table()
    _store(_ambassador("X", opted_in=False))  # never eligible, whatever it is sent
    writes: list[tuple[str, str]] = [("ambassador", a) for a in INTERESTS] + [
        ("vacancy", v) for v in DEPARTMENTS
    ]
    writes = data.draw(st.permutations(writes))
    pending: list[str] = [_phase("X"), _changed("X")]
    published = Published()
    age = 0
    while writes or pending:
        if writes and (not pending or data.draw(st.booleans())):
            kind, name = writes.pop(0)
            if kind == "ambassador":
                _store(
                    _ambassador(
                        name, interests=INTERESTS[name], share_cap_per_week=2 if name == "D" else None
                    )
                )
                event = data.draw(st.sampled_from([_changed(name), _phase(name, "evangelize")]))
            else:
                age += 1
                _vacancy(name, DEPARTMENTS[name], age=10 - age)
                event = _published(name, DEPARTMENTS[name])
            pending += [event] * data.draw(st.integers(1, 2))
            continue
        pending = data.draw(st.permutations(pending))
        take = data.draw(st.integers(1, len(pending)))
        batch, pending = pending[:take], pending[take:]
        result = moto_stack.invoke("ShareFanoutFunction", _sqs_event(*batch), publisher=published)
        assert result == {"batchItemFailures": []}
        follow = [m["Body"] for m in moto_stack.receive_all("FanoutQueue")]
        pending += follow + (follow if data.draw(st.booleans()) else [])

    def matching(ambassador: str) -> list[str]:
        wanted = {i.casefold() for i in INTERESTS[ambassador]}
        return [v for v, d in DEPARTMENTS.items() if not wanted or d.casefold() in wanted]

    expected = [(a, v) for a in ("A", "B", "C") for v in matching(a)]
    links = _links()
    assert [link for link in links if link[0] != "D"] == sorted(expected)
    d_links = [v for a, v in links if a == "D"]
    assert len(d_links) == min(2, len(matching("D")))
    assert len(set(d_links)) == len(d_links)
    assert published.pairs() == links  # each link announced once
    assert _shares_counted() == len(links)  # and counted once

"""The attribution's data layer against Amazon's DynamoDB Local: the state, its counters, aliases,
reward entries and late-click registrations in one transaction; a stale plan refused whole; a
concurrent writer re-read and merged; a payment never overwritten."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from kring import aws, config
from kring.attribution.recorder import AttributionRecorder
from kring.attribution.rules import reward_id
from kring.dal import keys
from kring.dal.attribution_states import AttributionStateRepository, Commit, RewardWrite
from kring.dal.items import serialize
from kring.dal.transact import Outcome
from kring.events import KringEvent
from tests.support import attribution as at
from tests.support import link_activity as la
from tests.support.fixtures import DynamoDBLocal

pytestmark = pytest.mark.dynamodb_local

T = datetime(2026, 11, 29, 9, 0, tzinfo=UTC)
STATE = keys.application(at.PROVIDER, at.JOB, at.candidate(1))
PROG = ("STATS#PROG", "DAY#2026-11-29")


class Published:
    """A fake bus: what the recorder published."""

    def __init__(self) -> None:
        self.events: list[KringEvent] = []

    def publish(self, events: Sequence[KringEvent]) -> None:
        self.events.extend(events)


def _no_sleep(_: float) -> None:
    return None


def _recorder(bus: Published | None = None) -> AttributionRecorder:
    return AttributionRecorder(bus or Published(), sleep=_no_sleep)


@pytest.fixture
def table(dynamodb_local: DynamoDBLocal, secrets_env: None, monkeypatch: pytest.MonkeyPatch) -> DynamoDBLocal:
    monkeypatch.setenv("REWARD_AMOUNT", "100")
    config.clear_caches()
    return dynamodb_local


def test_a_new_state_commits_with_its_counters_and_alias_in_one_transaction(table: DynamoDBLocal) -> None:
    bus = Published()
    calls, stop = la.counting(aws.dynamodb())
    try:
        assert _recorder(bus).record(at.received(at=T)) == "recorded"
    finally:
        stop()
    # read the state, then the post's vacancy (none: so the job's, by Query); one transaction; the
    # announcement recorded
    assert calls == Counter({"BatchGetItem": 2, "Query": 1, "TransactWriteItems": 1, "UpdateItem": 1})
    state = at.only_state()
    assert state.version == 2  # written, then marked announced
    assert state.announced is not None
    assert state.announced.method == "unattributed"
    assert at.counters() == {PROG: Counter({"applications": 1, "applications_unattributed": 1})}
    assert at.aliases() == {"A1": {STATE["pk"]}}
    assert [type(e).__name__ for e in bus.events] == ["ApplicationAttributed"]


def test_a_stale_plan_is_refused_whole(table: DynamoDBLocal) -> None:
    _recorder().record(at.received(at=T))
    stored = AttributionStateRepository().get_state(STATE)
    assert stored is not None
    before = at.counters()
    bump = {("STATS#PROG", "DAY#2026-11-29#0"): {"applications": 5}}
    # planned from a version that is no longer the stored one
    stale = Commit(key=STATE, state=stored, expected_version=stored.version - 1, increments=bump)
    assert AttributionStateRepository().commit(stale) is Outcome.CONFLICT
    # planned as a new state while one exists
    assert AttributionStateRepository().commit(replace(stale, expected_version=None)) is Outcome.CONFLICT
    assert at.counters() == before
    fresh = Commit(
        key=STATE, state=replace(stored, version=stored.version + 1), expected_version=stored.version
    )
    assert AttributionStateRepository().commit(fresh) is Outcome.APPLIED


def test_a_concurrent_writer_cancels_the_transaction_and_the_event_is_merged_again(
    table: DynamoDBLocal,
) -> None:
    first, second = at.received(at=T, app="A1"), at.received(at=T + timedelta(days=1), app="A2")
    slow = _recorder()
    slow.prefetch([second])  # reads: no state yet
    _recorder().record(first)  # another function creates it meanwhile
    calls, stop = la.counting(aws.dynamodb())
    try:
        assert slow.record(second) == "recorded"
    finally:
        stop()
    assert calls["TransactWriteItems"] == 2  # cancelled (the state exists now), re-read, applied
    state = at.only_state()
    assert state.facts.application_ids == ("A1", "A2")
    assert state.facts.applied_at == T
    assert at.counters() == {PROG: Counter({"applications": 1, "applications_unattributed": 1})}
    assert at.aliases() == {"A1": {STATE["pk"]}, "A2": {STATE["pk"]}}


def test_a_payment_made_meanwhile_is_never_overwritten(table: DynamoDBLocal) -> None:
    at.put_ambassador("E2", "jan@example.com")
    _recorder().record(at.received(at=T, proof=at.evidence(referrer_ids=["E2"])))
    _recorder().record(at.hired(at=T + timedelta(days=3)))
    entry = reward_id(STATE)
    assert at.ledger()[("E2", entry)]["status"] == "pending"
    stored = AttributionStateRepository().get_state(STATE)
    assert stored is not None
    # the admin pays between a plan's read and its write: the stale cancellation is refused
    aws.dynamodb().update_item(
        TableName=config.tables().table_name,
        Key=serialize(keys.reward("E2", entry)),
        UpdateExpression="SET #s = :paid",
        ExpressionAttributeNames={"#s": "status"},
        ExpressionAttributeValues=serialize({":paid": "paid"}),
    )
    cancel = RewardWrite(
        replace(stored.rewards["E2"], status="cancelled"), entry, at.PROVIDER, seen_status="pending"
    )
    stale = Commit(
        key=STATE, state=replace(stored, version=stored.version + 1), expected_version=stored.version
    )
    assert AttributionStateRepository().commit(replace(stale, rewards=(cancel,))) is Outcome.CONFLICT
    assert at.ledger()[("E2", entry)]["status"] == "paid"
    # the recorder reads the ledger when it plans: paid stays paid, marked reversed
    _recorder().record(at.unhired(at=T + timedelta(days=4)))
    paid = at.ledger()[("E2", entry)]
    assert (paid["status"], paid["reversed_after_payment"]) == ("paid", True)


def test_the_late_click_handshake_is_enforced_by_the_engine(table: DynamoDBLocal) -> None:
    token = la.click_token(1)
    application = at.received(at=T, proof=at.evidence(tokens=[token]))
    _recorder().record(application)
    stored = AttributionStateRepository().get_state(STATE)
    assert stored is not None
    assert stored.waiting == (token,)
    wait = la._all_items()
    assert any(i["pk"] == f"CLICKWAIT#{token}" and i["states"] == {STATE["pk"]} for i in wait)

    # a registration planned while the click record did not exist is refused once it does
    registration = Commit(
        key=STATE,
        state=replace(stored, version=stored.version + 1),
        expected_version=stored.version,
        new_waits=(token,),
        wait_expires_at=1,
    )
    aws.dynamodb().put_item(
        TableName=config.tables().table_name,
        Item=serialize({**keys.click(token), "entity": "click"}),
    )
    assert AttributionStateRepository().commit(registration) is Outcome.CONFLICT
    # … and so is one for a click whose event attribution already saw (the wait item is marked)
    other = la.click_token(2)
    assert AttributionStateRepository().flag_click(other, expires_at=1) == ()
    assert AttributionStateRepository().commit(replace(registration, new_waits=(other,))) is Outcome.CONFLICT
    # the mark answers with every application registered before it
    assert AttributionStateRepository().flag_click(token, expires_at=1) == (STATE["pk"],)


def test_an_announcement_is_recorded_only_at_the_version_it_was_made_for(table: DynamoDBLocal) -> None:
    _recorder().record(at.received(at=T))
    stored = AttributionStateRepository().get_state(STATE)
    assert stored is not None
    assert stored.decision is not None
    assert (
        AttributionStateRepository().mark_announced(STATE, stored.version - 1, stored.decision.announcement())
        is False
    )
    assert (
        AttributionStateRepository().mark_announced(STATE, stored.version, stored.decision.announcement())
        is True
    )
    again = AttributionStateRepository().get_state(STATE)
    assert again is not None
    assert again.version == stored.version + 1

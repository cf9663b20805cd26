"""Application states in the table: the attribution's reads and its one transaction per event.

- :func:`read` — one consistent BatchGetItem (≤ 100 keys a request) for what a batch depends on:
  application states, click records, click-wait items, share links, ambassador profiles and
  e-mail pointers, vacancies, reward entries.
- :func:`commit` — one TransactWriteItems per event that changes anything (:class:`Commit`): the
  state's Put (conditional on the version it was planned from, or on not existing), the
  application-id aliases, the click-wait registrations, the reward ledger entries and the
  counter ADDs — all or nothing. A cancelled transaction is a :attr:`Outcome.CONFLICT`: re-read
  and plan again.
- :func:`mark_announced` — after ``ApplicationAttributed`` is on the bus, record it (and bump the
  version, so a writer that planned from the state before sees it changed).
- :func:`flag_click` — the click's side of the late-click handshake (see
  :mod:`kring.attribution.recorder`).

Items (``docs/data-model.md``): the state ``APPL#<provider>#<job ref>#<candidate key>`` /
``APPL``; the alias ``APPID#<provider>#<application id>`` / ``APPID`` with the set of state pks
it belongs to (``states``); ``CLICKWAIT#<token>`` / ``WAIT`` with ``states`` and ``clicked``;
reward entries ``AMB#<id>`` / ``REWARD#<reward id>``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, PlainSerializer, TypeAdapter, model_validator

from kring.attribution.entities import (
    REFERRAL,
    Announcement,
    ClickFact,
    Contribution,
    Decision,
    Facts,
    LinkFact,
    Reward,
    RewardStatus,
)
from kring.attribution.entities import Outcome as ConsideredOutcome
from kring.dal import batch, clicks, keys, pages, points, rewards, share_links, stats, transact
from kring.dal.items import ItemKey, deserialize, key_of, parse_time, serialize, timestamp, value
from kring.dal.repository import Repository
from kring.dal.transact import Outcome
from kring.models.common import AttributionMethod, AttributionModel, AttributionRule, Page
from kring.models.points import PointsWrite

ENTITY = "application"
ALIAS_ENTITY = "application_alias"
WAIT_ENTITY = "click_wait"
STATE_SK = "APPL"
STATES = "states"
CLICKED = "clicked"

ALREADY_CREDITED = "already_credited"  # a reason no decision gives any more (see StoredDecision)

__all__ = ["ItemKey", "Outcome", "key_of", "timestamp"]


def state_key(pk: str) -> keys.Key:
    """The state's key from its pk (as kept in alias and click-wait items)."""
    if not pk.startswith(keys.STATE_PREFIX):
        raise ValueError(f"not an application state: {pk!r}")
    return {"pk": pk, "sk": STATE_SK}


# ------------------------------------------------------------------------------------ the state
@dataclass(frozen=True)
class StoredState:
    """An application state as stored: the merged facts, the decision made from them (None until
    the first), the click records found so far, the counters and reward entries applied, the
    click tokens registered as awaited, what was last announced, and the version every write is
    conditional on."""

    facts: Facts
    decision: Decision | None = None
    clicks: Mapping[str, ClickFact] = field(default_factory=dict)
    counted: Contribution = field(default_factory=dict)
    rewards: Mapping[str, Reward] = field(default_factory=dict)
    waiting: tuple[str, ...] = ()
    announced: Announcement | None = None
    version: int = 0

    def same_as(self, other: StoredState) -> bool:
        """Equal in everything but the version and the announcement: nothing to write."""
        return (
            self.facts == other.facts
            and self.decision == other.decision
            and dict(self.clicks) == dict(other.clicks)
            and self.counted == other.counted
            and dict(self.rewards) == dict(other.rewards)
            and self.waiting == other.waiting
        )


# The stored shape, declared once: every attribute of the item, its type and how it is written.
# Times are fixed-width UTC strings (:func:`~kring.dal.items.timestamp`: string order is time
# order); lists and maps stored as NULL or left out read as empty; amounts are decimal strings.
def _utc(moment: Any) -> Any:
    if isinstance(moment, str):
        return parse_time(moment)
    return moment


def _empty_if_none(default: Any) -> BeforeValidator:
    return BeforeValidator(lambda stored: default if stored is None else stored)


Time = Annotated[
    datetime, BeforeValidator(_utc), PlainSerializer(timestamp, return_type=str, when_used="json")
]
Texts = Annotated[tuple[str, ...], _empty_if_none(())]


class _Stored(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")


class StoredEvidence(_Stored):
    referrer_employee_ids: Texts = ()
    referrer_email_hashes: Texts = ()
    click_tokens: Texts = ()
    share_codes: Texts = ()
    candidate_email_hashes: Texts = ()


class StoredStage(_Stored):
    rank: int
    at: Time
    kind: str
    name: str


class StoredConsidered(_Stored):
    rule: AttributionRule
    source: str | None = None
    ambassador_id: str | None = None
    outcome: ConsideredOutcome
    reason: str
    channel: str | None = None
    clicked_at: Time | None = None
    vacancy_id: str | None = None


class StoredDecision(_Stored):
    method: AttributionMethod
    ambassador_id: str | None = None
    channel: str | None = None
    click_token: str | None = None
    clicked_at: Time | None = None
    vacancy_id: str | None = None
    window_days: int
    model: AttributionModel
    considered: tuple[StoredConsidered, ...] = ()

    @model_validator(mode="before")
    @classmethod
    def _older_shapes(cls, stored: Any) -> Any:
        """A referral stored before its channel was ``referral`` had its click's, or ``direct``;
        a considered entry stored with the retired reason :data:`ALREADY_CREDITED` (the credited
        referrer named a second way, listed again as lost) is left out."""
        if not isinstance(stored, Mapping):
            return stored
        data = dict(stored)
        if data.get("method") == REFERRAL:
            data["channel"] = REFERRAL
        data["considered"] = [
            c
            for c in data.get("considered") or ()
            if not (isinstance(c, Mapping) and c.get("reason") == ALREADY_CREDITED)
        ]
        return data


class StoredClick(_Stored):
    ambassador_id: str
    vacancy_id: str
    channel: str
    clicked_at: Time
    visitor_kind: Annotated[str, _empty_if_none("human")] = "human"
    own_click: Annotated[bool, _empty_if_none(False)] = False
    code: Annotated[str | None, BeforeValidator(lambda code: code or None)] = None


class StoredReward(_Stored):
    status: RewardStatus
    amount: Annotated[Decimal, PlainSerializer(str, return_type=str, when_used="json")]
    currency: str
    hired_at: Time
    eligible_at: Time
    application_id: str
    vacancy_id: str | None = None


class StoredAnnouncement(_Stored):
    method: AttributionMethod
    ambassador_id: str | None = None
    channel: str | None = None
    click_token: str | None = None
    vacancy_id: str | None = None


class StateItem(_Stored):
    """An application state item (its key aside)."""

    entity: str = ENTITY
    version: Annotated[int, _empty_if_none(0)] = 0
    provider: str
    job_ref: str
    candidate_key: str
    application_ids: Texts = ()
    job_ids: Texts = ()
    post_ids: Texts = ()
    first_seen_at: Time
    received_at: Time | None = None
    evidence: Annotated[StoredEvidence, _empty_if_none({})] = StoredEvidence()
    stage: Annotated[StoredStage | None, BeforeValidator(lambda stage: stage or None)] = None
    hired_at: Time | None = None
    unhired_at: Time | None = None
    rejected_at: Time | None = None
    decision: Annotated[StoredDecision | None, BeforeValidator(lambda d: d or None)] = None
    clicks: Annotated[dict[str, StoredClick], _empty_if_none({})] = {}
    # counters under their stored (short) names, by ``<pk>|<sk>`` of the stats item
    counted: Annotated[dict[str, dict[str, int]], _empty_if_none({})] = {}
    rewards: Annotated[dict[str, StoredReward], _empty_if_none({})] = {}
    waiting: Texts = ()
    announced: Annotated[StoredAnnouncement | None, BeforeValidator(lambda a: a or None)] = None


_FACTS = TypeAdapter(Facts)
_DECISION = TypeAdapter(Decision)
_CLICK = TypeAdapter(ClickFact)
_REWARD = TypeAdapter(Reward)
_ANNOUNCEMENT = TypeAdapter(Announcement)


def _counted_to(counted: Contribution) -> dict[str, dict[str, int]]:
    return {
        f"{pk}|{sk}": {stats.stored_name(name): n for name, n in counters.items()}
        for (pk, sk), counters in counted.items()
    }


def _counted_from(stored: Mapping[str, Mapping[str, int]]) -> Contribution:
    out: Contribution = {}
    for item, counters in stored.items():
        pk, _, sk = item.partition("|")
        out[(pk, sk)] = {name: int(n) for name, n in stats.from_item(counters).items()}
    return out


def to_item(key: keys.Key, state: StoredState) -> dict[str, Any]:
    """The state as a plain item (serialize it for the low-level client)."""
    stored = StateItem.model_validate(
        {
            **asdict(state.facts),
            "version": state.version,
            "decision": asdict(state.decision) if state.decision else None,
            "clicks": {token: asdict(click) for token, click in state.clicks.items()},
            "counted": _counted_to(state.counted),
            "rewards": {ambassador: asdict(r) for ambassador, r in state.rewards.items()},
            "waiting": state.waiting,
            "announced": asdict(state.announced) if state.announced else None,
        }
    )
    return {**key, **stored.model_dump(mode="json")}


def from_item(item: Mapping[str, Any]) -> StoredState:
    """A state from a plain (deserialized) item."""
    stored = StateItem.model_validate(item)
    data = stored.model_dump()
    return StoredState(
        facts=_FACTS.validate_python(data),
        decision=_DECISION.validate_python(data["decision"]) if stored.decision else None,
        clicks={token: _CLICK.validate_python({**c, "token": token}) for token, c in data["clicks"].items()},
        counted=_counted_from(stored.counted),
        rewards={a: _REWARD.validate_python({**r, "ambassador_id": a}) for a, r in data["rewards"].items()},
        waiting=stored.waiting,
        announced=_ANNOUNCEMENT.validate_python(data["announced"]) if stored.announced else None,
        version=stored.version,
    )


# ------------------------------------------------------------------------------------ other items
def click_fact(item: Mapping[str, Any]) -> ClickFact:
    """A click record (read through its owner, :mod:`kring.dal.clicks`) as attribution keeps it."""
    record = clicks.from_item(item)
    return ClickFact(
        token=record.click_id,
        ambassador_id=record.ambassador_id,
        vacancy_id=record.vacancy_id,
        channel=record.channel,
        clicked_at=record.clicked_at,
        visitor_kind=record.visitor_kind,
        own_click=record.own_click,
        code=record.code,
    )


def link_fact(code: str, link: Mapping[str, Any]) -> LinkFact:
    ambassador_id, vacancy_id = share_links.parties_of(link)
    return LinkFact(code=code, ambassador_id=ambassador_id, vacancy_id=vacancy_id)


def waiting_states(wait: Mapping[str, Any] | None) -> tuple[str, ...]:
    """The state pks a click-wait (or alias) item names."""
    return tuple(sorted(str(pk) for pk in (wait or {}).get(STATES) or ()))


def reward_keys(ambassador_ids: Sequence[str], reward_id: str) -> list[keys.Key]:
    return [keys.reward(a, reward_id) for a in ambassador_ids]


# ------------------------------------------------------------------------------------ the write
@dataclass(frozen=True)
class RewardWrite:
    """One ledger entry to write, and the status the ledger held when it was read (None: absent).
    The write is conditional on that status, so a payment made meanwhile is never overwritten."""

    reward: Reward
    reward_id: str
    provider: str
    seen_status: str | None


@dataclass(frozen=True)
class Commit:
    """One event's writes, applied together or not at all."""

    key: keys.Key
    state: StoredState
    expected_version: int | None  # None: the state must not exist yet
    new_aliases: tuple[str, ...] = ()
    new_waits: tuple[str, ...] = ()
    wait_expires_at: int = 0
    increments: Contribution = field(default_factory=dict)
    rewards: tuple[RewardWrite, ...] = ()
    points: tuple[PointsWrite, ...] = ()


def _state_put(commit: Commit, table: str) -> dict[str, Any]:
    item = to_item(commit.key, commit.state)
    if commit.state.decision is not None:  # listed once decided (the explanation needs a decision)
        item.update(keys.application_list_entry(timestamp(commit.state.facts.applied_at), commit.key["pk"]))
    put: dict[str, Any] = {"TableName": table, "Item": serialize(item)}
    if commit.expected_version is None:
        put["ConditionExpression"] = "attribute_not_exists(#pk)"
        put["ExpressionAttributeNames"] = {"#pk": keys.PK}
    else:
        put["ConditionExpression"] = "#version = :version"
        put["ExpressionAttributeNames"] = {"#version": "version"}
        put["ExpressionAttributeValues"] = {":version": value(commit.expected_version)}
    return {"Put": put}


def _alias_update(commit: Commit, application_id: str, table: str) -> dict[str, Any]:
    return {
        "Update": {
            "TableName": table,
            "Key": serialize(keys.application_alias(commit.state.facts.provider, application_id)),
            "UpdateExpression": "ADD #states :pk SET #entity = :entity, #provider = :provider, #app = :app",
            "ExpressionAttributeNames": {
                "#states": STATES,
                "#entity": "entity",
                "#provider": "provider",
                "#app": "application_id",
            },
            "ExpressionAttributeValues": {
                ":pk": {"SS": [commit.key["pk"]]},
                ":entity": value(ALIAS_ENTITY),
                ":provider": value(commit.state.facts.provider),
                ":app": value(application_id),
            },
        }
    }


def _wait_actions(commit: Commit, token: str, table: str) -> list[dict[str, Any]]:
    """The application's side of the late-click handshake: the click is still unrecorded (else
    the plan is stale), and the application is registered in the click-wait item unless the
    click's event was already seen there (then the click will be recorded any moment: plan again)."""
    return [
        {
            "ConditionCheck": {
                "TableName": table,
                "Key": serialize(keys.click(token)),
                "ConditionExpression": "attribute_not_exists(#pk)",
                "ExpressionAttributeNames": {"#pk": keys.PK},
            }
        },
        {
            "Update": {
                "TableName": table,
                "Key": serialize(keys.click_wait(token)),
                "UpdateExpression": "ADD #states :pk SET #exp = :exp, #entity = :entity",
                "ConditionExpression": "attribute_not_exists(#clicked)",
                "ExpressionAttributeNames": {
                    "#states": STATES,
                    "#exp": keys.TTL_ATTRIBUTE,
                    "#entity": "entity",
                    "#clicked": CLICKED,
                },
                "ExpressionAttributeValues": {
                    ":pk": {"SS": [commit.key["pk"]]},
                    ":exp": value(commit.wait_expires_at),
                    ":entity": value(WAIT_ENTITY),
                },
            }
        },
    ]


def transact_items(commit: Commit, table: str) -> list[dict[str, Any]]:
    """The TransactWriteItems actions of a commit, the state's Put first."""
    actions = [_state_put(commit, table)]
    actions.extend(_alias_update(commit, a, table) for a in commit.new_aliases)
    for token in commit.new_waits:
        actions.extend(_wait_actions(commit, token, table))
    for write in commit.rewards:
        update = rewards.entry_update(write.reward, write.reward_id, write.provider, write.seen_status, table)
        if update is not None:
            actions.append(update)
    actions.extend(
        stats.increment_action({"pk": pk, "sk": sk}, counters, table)
        for (pk, sk), counters in sorted(commit.increments.items())
    )
    for period_write in commit.points:
        actions.extend(points.write_actions(period_write, table))
    return actions


def _is_listed_state(cursor: Mapping[str, str]) -> bool:
    """The cursor is the key of a listed state (table and list keys agreeing)."""
    pk = cursor[keys.PK]
    return (
        pk.startswith(keys.STATE_PREFIX)
        and cursor[keys.SK] == STATE_SK
        and cursor[keys.GSI1_SK].endswith(f"#{pk}")
    )


# ------------------------------------------------------------------------------------ the repository
class AttributionStateRepository(Repository):
    """Application states and what the attribution reads and writes with them."""

    def read(
        self, item_keys: Iterable[keys.Key], *, consistent: bool = True
    ) -> dict[ItemKey, dict[str, Any]]:
        """The existing items among ``item_keys``, by (pk, sk), deserialized: one BatchGetItem
        (≤ 100 keys a request) for what a batch depends on."""
        return batch.read(item_keys, consistent=consistent, client=self.client, table=self.table)

    def get_state(self, key: keys.Key) -> StoredState | None:
        """One state (strongly consistent)."""
        got = self.client.get_item(TableName=self.table, Key=serialize(key), ConsistentRead=True)
        item = got.get("Item")
        return from_item(deserialize(item)) if item else None

    def get_state_listed(self, key: keys.Key) -> tuple[StoredState, bool] | None:
        """One state (strongly consistent) and whether it is on the application list — a state
        decided before the list existed (gsi1 ``APPLICATIONS``) is not, until its next write."""
        got = self.client.get_item(TableName=self.table, Key=serialize(key), ConsistentRead=True)
        item = got.get("Item")
        if not item:
            return None
        plain = deserialize(item)
        return from_item(plain), plain.get(keys.GSI1_PK) == keys.APPLICATION_LIST

    def get_states(self, pks: Iterable[str]) -> dict[str, StoredState]:
        """The existing states among ``pks`` (as an alias lists them), by pk: one GetItem for one,
        one BatchGetItem for more (strongly consistent either way)."""
        wanted = sorted(set(pks))
        if len(wanted) == 1:
            state = self.get_state(state_key(wanted[0]))
            return {wanted[0]: state} if state is not None else {}
        found = self.read([state_key(pk) for pk in wanted])
        return {pk: from_item(item) for (pk, _sk), item in found.items()}

    def states_of_application(self, provider: str, application_id: str) -> tuple[str, ...]:
        """The state pks an ATS application id belongs to (its alias; usually exactly one)."""
        got = self.client.get_item(
            TableName=self.table,
            Key=serialize(keys.application_alias(provider, application_id)),
            ConsistentRead=True,
        )
        item = got.get("Item")
        return waiting_states(deserialize(item)) if item else ()

    def list_page(self, limit: int, cursor: Mapping[str, Any] | None = None) -> Page[StoredState]:
        """One page of the decided states, newest application first: Query gsi1 ``APPLICATIONS``
        (descending). A cursor that is not a state's position in it is an InvalidInputError."""
        return pages.query_page(
            keys.GSI1,
            keys.APPLICATION_LIST,
            limit,
            cursor,
            lambda item: from_item(deserialize(item)),
            is_position=_is_listed_state,
            forward=False,
            table=self.table,
            client=self.client,
        )

    def commit(self, plan: Commit) -> Outcome:
        """Apply ``plan`` in one TransactWriteItems: APPLIED, or CONFLICT when a condition failed
        or a concurrent transaction held an item (re-read and plan again); any other failure
        propagates."""
        return transact.write(self.client, transact_items(plan, self.table))

    def mark_announced(self, key: keys.Key, version: int, announced: Announcement) -> bool:
        """Record what ``ApplicationAttributed`` said, if the state is still at ``version``
        (bumping it). False when the state changed meanwhile: its writer announces its own
        decision."""
        stored = StoredAnnouncement.model_validate(asdict(announced)).model_dump(mode="json")
        done = transact.applied(
            self.client.update_item,
            TableName=self.table,
            Key=serialize(key),
            UpdateExpression="SET #announced = :announced, #version = :next",
            ConditionExpression="#version = :version",
            ExpressionAttributeNames={"#announced": "announced", "#version": "version"},
            ExpressionAttributeValues={
                ":announced": value(stored),
                ":version": value(version),
                ":next": value(version + 1),
            },
        )
        return done is not None

    def flag_click(self, token: str, expires_at: int) -> tuple[str, ...]:
        """The click's side of the late-click handshake when its record is not there yet: mark
        that attribution saw the click, and return the applications already waiting for it
        (atomically)."""
        got = self.client.update_item(
            TableName=self.table,
            Key=serialize(keys.click_wait(token)),
            UpdateExpression="SET #clicked = :true, #entity = :entity, #exp = if_not_exists(#exp, :exp)",
            ExpressionAttributeNames={"#clicked": CLICKED, "#entity": "entity", "#exp": keys.TTL_ATTRIBUTE},
            ExpressionAttributeValues={
                ":true": value(True),
                ":entity": value(WAIT_ENTITY),
                ":exp": value(expires_at),
            },
            ReturnValues="ALL_NEW",
        )
        return waiting_states(deserialize(got.get("Attributes") or {}))

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

import enum
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any, cast

from kring import aws, config
from kring.attribution.entities import (
    REFERRAL,
    Announcement,
    ClickFact,
    Considered,
    Contribution,
    Decision,
    Evidence,
    Facts,
    LinkFact,
    Reward,
    Stage,
)
from kring.dal import batch, keys
from kring.dal.items import deserialize, serialize, value
from kring.dal.link_stats import STATS_ENTITY, from_stats_item, stored_name

if TYPE_CHECKING:
    from botocore.exceptions import ClientError

ENTITY = "application"
ALIAS_ENTITY = "application_alias"
WAIT_ENTITY = "click_wait"
REWARD_ENTITY = "reward"
STATE_SK = "APPL"
STATES = "states"
CLICKED = "clicked"

_RETRYABLE_REASONS = frozenset({"ConditionalCheckFailed", "TransactionConflict"})
ALREADY_CREDITED = "already_credited"  # a reason no decision gives any more (see _decision_from)

ItemKey = tuple[str, str]


class Outcome(enum.Enum):
    APPLIED = "applied"
    CONFLICT = "conflict"


def key_of(key: keys.Key) -> ItemKey:
    return (key["pk"], key["sk"])


def state_key(pk: str) -> keys.Key:
    """The state's key from its pk (as kept in alias and click-wait items)."""
    if not pk.startswith(keys.STATE_PREFIX):
        raise ValueError(f"not an application state: {pk!r}")
    return {"pk": pk, "sk": STATE_SK}


# ------------------------------------------------------------------------------------ time
def timestamp(moment: datetime) -> str:
    """Fixed width, UTC, microseconds: string order is time order."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_time(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


def _time(text: Any) -> datetime | None:
    return parse_time(str(text)) if text else None


def _opt_ts(moment: datetime | None) -> str | None:
    return timestamp(moment) if moment is not None else None


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


def _evidence_to(evidence: Evidence) -> dict[str, Any]:
    return {
        "referrer_employee_ids": list(evidence.referrer_employee_ids),
        "referrer_email_hashes": list(evidence.referrer_email_hashes),
        "click_tokens": list(evidence.click_tokens),
        "share_codes": list(evidence.share_codes),
        "candidate_email_hashes": list(evidence.candidate_email_hashes),
    }


def _evidence_from(data: Mapping[str, Any]) -> Evidence:
    return Evidence(
        referrer_employee_ids=tuple(data.get("referrer_employee_ids") or ()),
        referrer_email_hashes=tuple(data.get("referrer_email_hashes") or ()),
        click_tokens=tuple(data.get("click_tokens") or ()),
        share_codes=tuple(data.get("share_codes") or ()),
        candidate_email_hashes=tuple(data.get("candidate_email_hashes") or ()),
    )


def _click_to(click: ClickFact) -> dict[str, Any]:
    return {
        "ambassador_id": click.ambassador_id,
        "vacancy_id": click.vacancy_id,
        "channel": click.channel,
        "clicked_at": timestamp(click.clicked_at),
        "visitor_kind": click.visitor_kind,
        "own_click": click.own_click,
        "code": click.code,
    }


def _considered_to(entry: Considered) -> dict[str, Any]:
    return {
        "rule": entry.rule,
        "source": entry.source,
        "ambassador_id": entry.ambassador_id,
        "outcome": entry.outcome,
        "reason": entry.reason,
        "channel": entry.channel,
        "clicked_at": _opt_ts(entry.clicked_at),
        "vacancy_id": entry.vacancy_id,
    }


def _considered_from(data: Mapping[str, Any]) -> Considered:
    return Considered(
        rule=data["rule"],
        source=data.get("source"),
        ambassador_id=data.get("ambassador_id"),
        outcome=data["outcome"],
        reason=str(data["reason"]),
        channel=data.get("channel"),
        clicked_at=_time(data.get("clicked_at")),
        vacancy_id=data.get("vacancy_id"),
    )


def _decision_to(decision: Decision) -> dict[str, Any]:
    return {
        "method": decision.method,
        "ambassador_id": decision.ambassador_id,
        "channel": decision.channel,
        "click_token": decision.click_token,
        "clicked_at": _opt_ts(decision.clicked_at),
        "vacancy_id": decision.vacancy_id,
        "window_days": decision.window_days,
        "model": decision.model,
        "considered": [_considered_to(c) for c in decision.considered],
    }


def _decision_from(data: Mapping[str, Any]) -> Decision:
    method = data["method"]
    return Decision(
        method=method,
        ambassador_id=data.get("ambassador_id"),
        # a referral stored before its channel was "referral" had its click's, or "direct"
        channel=REFERRAL if method == REFERRAL else data.get("channel"),
        click_token=data.get("click_token"),
        clicked_at=_time(data.get("clicked_at")),
        vacancy_id=data.get("vacancy_id"),
        window_days=int(data["window_days"]),
        model=data["model"],
        considered=tuple(
            _considered_from(c)
            for c in data.get("considered") or ()
            # stored before: the credited referrer named a second way, listed again as lost
            if c.get("reason") != ALREADY_CREDITED
        ),
    )


def _announcement_to(announced: Announcement) -> dict[str, Any]:
    return {
        "method": announced.method,
        "ambassador_id": announced.ambassador_id,
        "channel": announced.channel,
        "click_token": announced.click_token,
        "vacancy_id": announced.vacancy_id,
    }


def _announcement_from(data: Mapping[str, Any]) -> Announcement:
    return Announcement(
        method=data["method"],
        ambassador_id=data.get("ambassador_id"),
        channel=data.get("channel"),
        click_token=data.get("click_token"),
        vacancy_id=data.get("vacancy_id"),
    )


def _reward_to(reward: Reward) -> dict[str, Any]:
    return {
        "status": reward.status,
        "amount": str(reward.amount),
        "currency": reward.currency,
        "hired_at": timestamp(reward.hired_at),
        "eligible_at": timestamp(reward.eligible_at),
        "application_id": reward.application_id,
        "vacancy_id": reward.vacancy_id,
    }


def _reward_from(ambassador_id: str, data: Mapping[str, Any]) -> Reward:
    return Reward(
        ambassador_id=ambassador_id,
        status=data["status"],
        amount=Decimal(str(data["amount"])),
        currency=str(data["currency"]),
        hired_at=parse_time(str(data["hired_at"])),
        eligible_at=parse_time(str(data["eligible_at"])),
        application_id=str(data["application_id"]),
        vacancy_id=data.get("vacancy_id"),
    )


def _counted_to(counted: Contribution) -> dict[str, dict[str, int]]:
    """Counters under their stored (short) names, by ``<pk>|<sk>`` of the stats item."""
    return {
        f"{pk}|{sk}": {stored_name(name): n for name, n in counters.items()}
        for (pk, sk), counters in counted.items()
    }


def _counted_from(data: Mapping[str, Mapping[str, Any]]) -> Contribution:
    out: Contribution = {}
    for item, counters in data.items():
        pk, _, sk = item.partition("|")
        out[(pk, sk)] = {name: int(n) for name, n in from_stats_item(counters).items()}
    return out


def to_item(key: keys.Key, state: StoredState) -> dict[str, Any]:
    """The state as a plain item (serialize it for the low-level client)."""
    facts = state.facts
    stage = facts.stage
    item: dict[str, Any] = {
        **key,
        "entity": ENTITY,
        "version": state.version,
        "provider": facts.provider,
        "job_ref": facts.job_ref,
        "candidate_key": facts.candidate_key,
        "application_ids": list(facts.application_ids),
        "job_ids": list(facts.job_ids),
        "post_ids": list(facts.post_ids),
        "first_seen_at": timestamp(facts.first_seen_at),
        "received_at": _opt_ts(facts.received_at),
        "evidence": _evidence_to(facts.evidence),
        "stage": (
            {"rank": stage.rank, "at": timestamp(stage.at), "kind": stage.kind, "name": stage.name}
            if stage
            else None
        ),
        "hired_at": _opt_ts(facts.hired_at),
        "unhired_at": _opt_ts(facts.unhired_at),
        "rejected_at": _opt_ts(facts.rejected_at),
        "decision": _decision_to(state.decision) if state.decision else None,
        "clicks": {token: _click_to(click) for token, click in state.clicks.items()},
        "counted": _counted_to(state.counted),
        "rewards": {ambassador: _reward_to(r) for ambassador, r in state.rewards.items()},
        "waiting": list(state.waiting),
        "announced": _announcement_to(state.announced) if state.announced else None,
    }
    return item


def from_item(item: Mapping[str, Any]) -> StoredState:
    """A state from a plain (deserialized) item."""
    stage = item.get("stage")
    facts = Facts(
        provider=str(item["provider"]),
        job_ref=str(item["job_ref"]),
        candidate_key=str(item["candidate_key"]),
        first_seen_at=parse_time(str(item["first_seen_at"])),
        application_ids=tuple(item.get("application_ids") or ()),
        job_ids=tuple(item.get("job_ids") or ()),
        post_ids=tuple(item.get("post_ids") or ()),
        received_at=_time(item.get("received_at")),
        evidence=_evidence_from(item.get("evidence") or {}),
        stage=(
            Stage(int(stage["rank"]), parse_time(str(stage["at"])), str(stage["kind"]), str(stage["name"]))
            if stage
            else None
        ),
        hired_at=_time(item.get("hired_at")),
        unhired_at=_time(item.get("unhired_at")),
        rejected_at=_time(item.get("rejected_at")),
    )
    return StoredState(
        facts=facts,
        decision=_decision_from(item["decision"]) if item.get("decision") else None,
        clicks={token: click_fact(token, c) for token, c in (item.get("clicks") or {}).items()},
        counted=_counted_from(item.get("counted") or {}),
        rewards={a: _reward_from(a, r) for a, r in (item.get("rewards") or {}).items()},
        waiting=tuple(item.get("waiting") or ()),
        announced=_announcement_from(item["announced"]) if item.get("announced") else None,
        version=int(item.get("version") or 0),
    )


# ------------------------------------------------------------------------------------ other items
def click_fact(token: str, record: Mapping[str, Any]) -> ClickFact:
    """A click record (``keys.click``) as written by the click recorder."""
    return ClickFact(
        token=token,
        ambassador_id=str(record["ambassador_id"]),
        vacancy_id=str(record["vacancy_id"]),
        channel=str(record["channel"]),
        clicked_at=parse_time(str(record["clicked_at"])),
        visitor_kind=str(record.get("visitor_kind") or "human"),
        own_click=bool(record.get("own_click")),
        code=str(record["code"]) if record.get("code") else None,
    )


def link_fact(code: str, link: Mapping[str, Any]) -> LinkFact:
    return LinkFact(code=code, ambassador_id=str(link["ambassador_id"]), vacancy_id=str(link["vacancy_id"]))


def waiting_states(wait: Mapping[str, Any] | None) -> tuple[str, ...]:
    """The state pks a click-wait item names."""
    return tuple(sorted(str(pk) for pk in (wait or {}).get(STATES) or ()))


# ------------------------------------------------------------------------------------ reads
def read(item_keys: Iterable[keys.Key], *, consistent: bool = True) -> dict[ItemKey, dict[str, Any]]:
    """The existing items among ``item_keys``, by (pk, sk), deserialized."""
    distinct = {key_of(k): k for k in item_keys}
    if not distinct:
        return {}
    found = batch.get([serialize(k) for k in distinct.values()], consistent=consistent)
    out: dict[ItemKey, dict[str, Any]] = {}
    for raw in found:
        item = deserialize(raw)
        out[(str(item[keys.PK]), str(item[keys.SK]))] = item
    return out


def get_state(key: keys.Key) -> StoredState | None:
    """One state (strongly consistent)."""
    got = aws.dynamodb().get_item(
        TableName=config.tables().table_name, Key=serialize(key), ConsistentRead=True
    )
    item = got.get("Item")
    return from_item(deserialize(item)) if item else None


def states_of_application(provider: str, application_id: str) -> tuple[str, ...]:
    """The state pks an ATS application id belongs to (its alias; usually exactly one)."""
    got = aws.dynamodb().get_item(
        TableName=config.tables().table_name,
        Key=serialize(keys.application_alias(provider, application_id)),
        ConsistentRead=True,
    )
    item = got.get("Item")
    return waiting_states(deserialize(item)) if item else ()


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


def _state_put(commit: Commit, table: str) -> dict[str, Any]:
    put: dict[str, Any] = {"TableName": table, "Item": serialize(to_item(commit.key, commit.state))}
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


def _reward_update(write: RewardWrite, table: str) -> dict[str, Any] | None:
    """The ledger update for one entry, conditional on the status seen. A ``paid`` entry keeps
    its status and payment: losing the credit marks it ``reversed_after_payment``, regaining it
    clears the mark."""
    reward = write.reward
    names: dict[str, str] = {}
    values: dict[str, Any] = {}
    if write.seen_status is not None:
        names["#status"] = "status"
    if write.seen_status == "paid":
        condition = "#status = :seen"
        values[":seen"] = value("paid")
        if reward.status == "pending":
            expression = "REMOVE #reversed"
        else:
            expression = "SET #reversed = :true"
            values[":true"] = value(True)
        names["#reversed"] = "reversed_after_payment"
    else:
        if write.seen_status is None and reward.status == "cancelled":
            return None  # nothing was ever written: nothing to cancel
        fields = {
            **keys.reward_list_entry(timestamp(reward.hired_at), write.reward_id),
            "entity": REWARD_ENTITY,
            "reward_id": write.reward_id,
            "ambassador_id": reward.ambassador_id,
            "status": reward.status,
            "amount": str(reward.amount),
            "currency": reward.currency,
            "hired_at": timestamp(reward.hired_at),
            "eligible_at": timestamp(reward.eligible_at),
            "provider": write.provider,
            "application_id": reward.application_id,
            "vacancy_id": reward.vacancy_id,
        }
        sets = []
        for i, (name, field_value) in enumerate(fields.items()):
            names[f"#f{i}"] = name
            values[f":f{i}"] = value(field_value)
            sets.append(f"#f{i} = :f{i}")
        expression = "SET " + ", ".join(sets)
        if write.seen_status is None:
            condition = "attribute_not_exists(#pk)"
            names["#pk"] = keys.PK
        else:
            condition = "#status = :seen"
            values[":seen"] = value(write.seen_status)
    update: dict[str, Any] = {
        "TableName": table,
        "Key": serialize(keys.reward(reward.ambassador_id, write.reward_id)),
        "UpdateExpression": expression,
        "ConditionExpression": condition,
        "ExpressionAttributeNames": names,
    }
    if values:
        update["ExpressionAttributeValues"] = values
    return {"Update": update}


def _increment(key: ItemKey, counters: Mapping[str, int], table: str) -> dict[str, Any]:
    ordered = sorted((stored_name(name), n) for name, n in counters.items())
    names = {f"#c{i}": name for i, (name, _) in enumerate(ordered)}
    names["#entity"] = "entity"
    values = {f":c{i}": value(n) for i, (_, n) in enumerate(ordered)}
    values[":entity"] = value(STATS_ENTITY)
    adds = ", ".join(f"#c{i} :c{i}" for i in range(len(ordered)))
    return {
        "Update": {
            "TableName": table,
            "Key": serialize({"pk": key[0], "sk": key[1]}),
            "UpdateExpression": f"ADD {adds} SET #entity = :entity",
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": values,
        }
    }


def transact_items(commit: Commit, table: str) -> list[dict[str, Any]]:
    """The TransactWriteItems actions of a commit, the state's Put first."""
    actions = [_state_put(commit, table)]
    actions.extend(_alias_update(commit, a, table) for a in commit.new_aliases)
    for token in commit.new_waits:
        actions.extend(_wait_actions(commit, token, table))
    for write in commit.rewards:
        update = _reward_update(write, table)
        if update is not None:
            actions.append(update)
    actions.extend(_increment(key, counters, table) for key, counters in sorted(commit.increments.items()))
    return actions


def _client_error() -> type[ClientError]:
    from botocore.exceptions import ClientError

    return ClientError


def _error(exc: ClientError) -> dict[str, Any]:
    return cast("dict[str, Any]", exc.response)


def commit(plan: Commit) -> Outcome:
    """Apply ``plan`` in one TransactWriteItems. A cancellation by a failed condition or a
    concurrent transaction is a :attr:`Outcome.CONFLICT`; any other failure propagates."""
    client_error = _client_error()
    try:
        aws.dynamodb().transact_write_items(
            TransactItems=transact_items(plan, config.tables().table_name)  # type: ignore[arg-type]
        )
    except client_error as exc:
        error = _error(exc)
        if error.get("Error", {}).get("Code") != "TransactionCanceledException":
            raise
        reasons = {r.get("Code") for r in error.get("CancellationReasons") or []}
        if reasons & _RETRYABLE_REASONS:
            return Outcome.CONFLICT
        raise
    return Outcome.APPLIED


def mark_announced(key: keys.Key, version: int, announced: Announcement) -> bool:
    """Record what ``ApplicationAttributed`` said, if the state is still at ``version`` (bumping
    it). False when the state changed meanwhile: its writer announces its own decision."""
    client_error = _client_error()
    try:
        aws.dynamodb().update_item(
            TableName=config.tables().table_name,
            Key=serialize(key),
            UpdateExpression="SET #announced = :announced, #version = :next",
            ConditionExpression="#version = :version",
            ExpressionAttributeNames={"#announced": "announced", "#version": "version"},
            ExpressionAttributeValues={
                ":announced": value(_announcement_to(announced)),
                ":version": value(version),
                ":next": value(version + 1),
            },
        )
    except client_error as exc:
        if _error(exc).get("Error", {}).get("Code") == "ConditionalCheckFailedException":
            return False
        raise
    return True


def flag_click(token: str, expires_at: int) -> tuple[str, ...]:
    """The click's side of the late-click handshake when its record is not there yet: mark that
    attribution saw the click, and return the applications already waiting for it (atomically)."""
    got = aws.dynamodb().update_item(
        TableName=config.tables().table_name,
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


def reward_status(item: Mapping[str, Any] | None) -> str | None:
    return str(item["status"]) if item and item.get("status") else None


def profile_email(profile: Mapping[str, Any] | None) -> str | None:
    """The e-mail address of an ambassador profile item (only ever hashed, never kept)."""
    email = (profile or {}).get("email")
    return str(email) if email else None


def reward_keys(ambassador_ids: Sequence[str], reward_id: str) -> list[keys.Key]:
    return [keys.reward(a, reward_id) for a in ambassador_ids]

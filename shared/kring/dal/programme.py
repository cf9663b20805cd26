"""The advocacy programme's items (issue 13): per ambassador one facts item and one history item
per transition; the per-phase counters; the review and cohort index entries.

- **facts item** (``keys.programme_facts``): the facts (:class:`kring.programme.phases.Facts`), a
  ``version`` every write is conditional on (optimistic concurrency: a concurrent write makes the
  other plan again), the state last published (phase, dormant, in_programme), when they first
  became an evangelist, what the counters count them under (department, location), an event
  not yet published (``unpublished``), and two sparse index entries: gsi1 the next review (the
  daily sweep's Query), gsi2 the cohort (the moment they entered the funnel).
- **history item** (``keys.programme_history``): one per transition, keyed by its time and the
  facts version that caused it, put on ``attribute_not_exists``.
- **counters** (``keys.programme_counters``): ``phase_<phase>``, ``dormant``, ``left`` (now) and
  ``returned`` (ever), overall and per department and location; ADDed in the transaction that
  changes what is counted, so they are exact.

One :meth:`ProgrammeRepository.write` is one TransactWriteItems: the facts item, and with a
transition its history item, the counters and the profile's ``phase``/``dormant``/
``in_programme`` with the fan-out's eligibility entry (conditional on the ``opted_in`` it was
decided with).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, cast

from kring.dal import keys, pages, transact
from kring.dal.items import deserialize, parse_time, serialize, timestamp, value
from kring.dal.repository import Repository
from kring.models.common import PHASES, Phase
from kring.programme.phases import Facts, ManualMove, MembershipChange, State

FACTS_ENTITY = "programme_facts"
HISTORY_ENTITY = "programme_history"
COUNTERS_ENTITY = "programme_counters"
ALL_SCOPE = "ALL"


# --- facts ⇄ attributes ---------------------------------------------------------------------------
def _t(moment: datetime | None) -> str | None:
    return timestamp(moment) if moment is not None else None


def _pt(text: Any) -> datetime | None:
    return parse_time(str(text)) if text else None


def facts_to_map(facts: Facts) -> dict[str, Any]:
    out: dict[str, Any] = {
        "on_roster_at": _t(facts.on_roster_at),
        "invited_at": _t(facts.invited_at),
        "interested_at": _t(facts.interested_at),
        "volunteered_at": _t(facts.volunteered_at),
        "onboarded_at": _t(facts.onboarded_at),
        "colleagues_recruited": {k: timestamp(v) for k, v in facts.colleagues_recruited.items()},
        "credited_applications": {k: timestamp(v) for k, v in facts.credited_applications.items()},
        "steps_done": {k: timestamp(v) for k, v in facts.steps_done.items()},
        "last_activity_at": _t(facts.last_activity_at),
    }
    if facts.membership is not None:
        out["membership"] = {"at": timestamp(facts.membership.at), "member": facts.membership.member}
    if facts.manual is not None:
        manual = facts.manual
        out["manual"] = {
            "at": timestamp(manual.at),
            "to_phase": manual.to_phase,
            "reason": manual.reason,
            "by": manual.by,
        }
    return {k: v for k, v in out.items() if v is not None}


def facts_from_map(data: Mapping[str, Any]) -> Facts:
    membership = data.get("membership")
    manual = data.get("manual")
    return Facts(
        on_roster_at=_pt(data.get("on_roster_at")),
        invited_at=_pt(data.get("invited_at")),
        interested_at=_pt(data.get("interested_at")),
        volunteered_at=_pt(data.get("volunteered_at")),
        onboarded_at=_pt(data.get("onboarded_at")),
        colleagues_recruited={k: parse_time(v) for k, v in (data.get("colleagues_recruited") or {}).items()},
        credited_applications={
            k: parse_time(v) for k, v in (data.get("credited_applications") or {}).items()
        },
        steps_done={k: parse_time(v) for k, v in (data.get("steps_done") or {}).items()},
        last_activity_at=_pt(data.get("last_activity_at")),
        membership=MembershipChange(parse_time(membership["at"]), bool(membership["member"]))
        if membership
        else None,
        manual=ManualMove(
            parse_time(manual["at"]),
            cast("Phase", manual["to_phase"]),
            str(manual["reason"]),
            str(manual["by"]),
        )
        if manual
        else None,
    )


@dataclass(frozen=True)
class Counted:
    """Where the counters count one ambassador: their state, department and location."""

    state: State
    department: str | None
    location: str | None


@dataclass(frozen=True)
class StoredProgramme:
    """A facts item as read (``version`` 0: there is none yet)."""

    facts: Facts = field(default_factory=Facts)
    version: int = 0
    counted: Counted | None = None
    evangelized_at: datetime | None = None
    review_at: datetime | None = None
    unpublished: dict[str, Any] | None = None


def _state_of(data: Mapping[str, Any]) -> State | None:
    if not data.get("phase"):
        return None
    return State(
        phase=cast("Phase", data["phase"]),
        dormant=bool(data.get("dormant")),
        in_programme=data.get("in_programme", True) is not False,
    )


def stored_from_item(item: Mapping[str, Any]) -> StoredProgramme:
    data = deserialize(item)
    state = _state_of(data)
    return StoredProgramme(
        facts=facts_from_map(data.get("facts") or {}),
        version=int(data.get("version") or 0),
        counted=Counted(state, data.get("department"), data.get("location")) if state else None,
        evangelized_at=_pt(data.get("evangelized_at")),
        review_at=_pt(data.get("review_at")),
        unpublished=data.get("unpublished"),
    )


@dataclass(frozen=True)
class CohortMember:
    """A facts item read for the funnel's cohorts. Read by :meth:`ProgrammeRepository.cohort`,
    ``facts`` holds the step times only (:data:`COHORT_STEPS`: what the funnel reads)."""

    ambassador_id: str
    facts: Facts
    state: State | None
    evangelized_at: datetime | None
    department: str | None
    location: str | None


# What the funnel reads of a facts item: the step times and where the person is — not the
# colleagues, applications, activity, membership, move by hand or the event not yet published.
COHORT_STEPS: tuple[str, ...] = (
    "on_roster_at",
    "invited_at",
    "interested_at",
    "volunteered_at",
    "onboarded_at",
)
COHORT_ATTRIBUTES: tuple[str, ...] = (
    "ambassador_id",
    "phase",
    "dormant",
    "in_programme",
    "evangelized_at",
    "department",
    "location",
)


def cohort_projection() -> tuple[str, dict[str, str]]:
    """The cohort Query's ``ProjectionExpression`` and its attribute names."""
    names = {"#facts": "facts"}
    names.update({f"#a{i}": name for i, name in enumerate(COHORT_ATTRIBUTES)})
    names.update({f"#s{i}": name for i, name in enumerate(COHORT_STEPS)})
    paths = [f"#a{i}" for i in range(len(COHORT_ATTRIBUTES))]
    paths += [f"#facts.#s{i}" for i in range(len(COHORT_STEPS))]
    return ", ".join(paths), names


def cohort_member_from_item(item: Mapping[str, Any]) -> CohortMember:
    data = deserialize(item)
    return CohortMember(
        ambassador_id=str(data["ambassador_id"]),
        facts=facts_from_map(data.get("facts") or {}),
        state=_state_of(data),
        evangelized_at=_pt(data.get("evangelized_at")),
        department=data.get("department"),
        location=data.get("location"),
    )


@dataclass(frozen=True)
class HistoryEntry:
    """One transition as kept."""

    occurred_at: datetime
    from_phase: Phase | None
    to_phase: Phase
    dormant_before: bool
    dormant: bool
    in_programme_before: bool
    in_programme: bool
    reason: str
    by: str | None = None


def history_from_item(item: Mapping[str, Any]) -> HistoryEntry:
    data = deserialize(item)
    return HistoryEntry(
        occurred_at=parse_time(data["occurred_at"]),
        from_phase=data.get("from_phase"),
        to_phase=data["to_phase"],
        dormant_before=bool(data.get("dormant_before")),
        dormant=bool(data.get("dormant")),
        in_programme_before=data.get("in_programme_before", True) is not False,
        in_programme=data.get("in_programme", True) is not False,
        reason=str(data["reason"]),
        by=data.get("by"),
    )


# --- counters -------------------------------------------------------------------------------------
COUNTER_NAMES: tuple[str, ...] = (*(f"phase_{p}" for p in PHASES), "dormant", "left", "returned")


def contributions(state: State | None) -> dict[str, int]:
    """What one person in ``state`` adds to the counters of now: their phase and dormant while in
    the programme, ``left`` once they left."""
    if state is None or state.phase is None:
        return {}
    if not state.in_programme:
        return {"left": 1}
    return {f"phase_{state.phase}": 1, **({"dormant": 1} if state.dormant else {})}


def scopes(department: str | None, location: str | None) -> list[str]:
    out = [ALL_SCOPE]
    if department:
        out.append(f"DEPT#{department}")
    if location:
        out.append(f"LOC#{location}")
    return out


def counter_deltas(before: Counted | None, after: Counted) -> dict[str, dict[str, int]]:
    """Per counters scope, the increments that move one person from ``before`` to ``after`` (only
    the non-zero ones): a change of department or location moves them between scopes."""
    deltas: dict[str, dict[str, int]] = {}

    def add(scope_list: list[str], amounts: Mapping[str, int], sign: int) -> None:
        for scope in scope_list:
            bucket = deltas.setdefault(scope, {})
            for name, amount in amounts.items():
                bucket[name] = bucket.get(name, 0) + sign * amount

    if before is not None:
        add(scopes(before.department, before.location), contributions(before.state), -1)
    add(scopes(after.department, after.location), contributions(after.state), +1)
    returned = (
        before is not None
        and before.state.dormant
        and not after.state.dormant
        and after.state.in_programme
        and before.state.in_programme
    )
    if returned:
        add(scopes(after.department, after.location), {"returned": 1}, +1)
    return {s: {n: a for n, a in b.items() if a} for s, b in deltas.items() if any(b.values())}


# --- the write --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ProfileState:
    """The profile's programme attributes after a transition, and the ``opted_in`` the
    eligibility was decided with (the write is conditional on it)."""

    phase: Phase
    dormant: bool
    in_programme: bool
    opted_in: bool
    eligible: bool


@dataclass(frozen=True)
class ProgrammeWrite:
    """Everything one applied fact (or one review) writes."""

    ambassador_id: str
    seen_version: int
    facts: Facts
    counted: Counted
    entered_at: datetime | None
    review_at: datetime | None
    evangelized_at: datetime | None
    now: datetime
    history: HistoryEntry | None = None
    counters: Mapping[str, Mapping[str, int]] = field(default_factory=dict)
    profile: ProfileState | None = None
    unpublished: Mapping[str, Any] | None = None

    @property
    def version(self) -> int:
        return self.seen_version + 1


def facts_item(write: ProgrammeWrite) -> dict[str, Any]:
    state = write.counted.state
    item: dict[str, Any] = {
        **keys.programme_facts(write.ambassador_id),
        "entity": FACTS_ENTITY,
        "ambassador_id": write.ambassador_id,
        "facts": facts_to_map(write.facts),
        "version": write.version,
        "phase": state.phase,
        "dormant": state.dormant,
        "in_programme": state.in_programme,
        "department": write.counted.department,
        "location": write.counted.location,
        "entered_at": _t(write.entered_at),
        "evangelized_at": _t(write.evangelized_at),
        "review_at": _t(write.review_at),
        "unpublished": dict(write.unpublished) if write.unpublished else None,
        "updated_at": timestamp(write.now),
    }
    if write.review_at is not None:
        item.update(keys.programme_review_entry(write.ambassador_id, timestamp(write.review_at)))
    if write.entered_at is not None:
        item.update(keys.programme_cohort_entry(write.ambassador_id, timestamp(write.entered_at)))
    return serialize(item)


def history_item(ambassador_id: str, version: int, entry: HistoryEntry) -> dict[str, Any]:
    return serialize(
        {
            **keys.programme_history(ambassador_id, timestamp(entry.occurred_at), version),
            "entity": HISTORY_ENTITY,
            "occurred_at": timestamp(entry.occurred_at),
            "from_phase": entry.from_phase,
            "to_phase": entry.to_phase,
            "dormant_before": entry.dormant_before,
            "dormant": entry.dormant,
            "in_programme_before": entry.in_programme_before,
            "in_programme": entry.in_programme,
            "reason": entry.reason,
            "by": entry.by,
        }
    )


class ProgrammeRepository(Repository):
    """Facts, history and counters of the programme in the single table."""

    # --- reads ---------------------------------------------------------------------------------
    def get(self, ambassador_id: str) -> StoredProgramme:
        """GetItem (strongly consistent); an empty :class:`StoredProgramme` when there is none."""
        got = self.client.get_item(
            TableName=self.table, Key=serialize(keys.programme_facts(ambassador_id)), ConsistentRead=True
        )
        return stored_from_item(got["Item"]) if "Item" in got else StoredProgramme()

    def history(self, ambassador_id: str) -> list[HistoryEntry]:
        """The ambassador's transitions, oldest first: Query ``begins_with(sk, PHASE#)``."""
        request: dict[str, Any] = {
            "TableName": self.table,
            "KeyConditionExpression": "#pk = :pk AND begins_with(#sk, :prefix)",
            "ExpressionAttributeNames": {"#pk": keys.PK, "#sk": keys.SK},
            "ExpressionAttributeValues": {
                ":pk": value(keys.programme_facts(ambassador_id)["pk"]),
                ":prefix": value(keys.PROGRAMME_HISTORY_PREFIX),
            },
            "ConsistentRead": True,
        }
        return [history_from_item(i) for i in pages.query_all(request, client=self.client)]

    def due_for_review(self, now: datetime) -> list[str]:
        """The ambassadors whose next review is at or before ``now``: one Query of the sparse
        review index per shard (only the key read), never a Scan."""
        out: list[str] = []
        for shard in range(keys.PROGRAMME_REVIEW_SHARDS):
            request: dict[str, Any] = {
                "TableName": self.table,
                "IndexName": keys.GSI1,
                "KeyConditionExpression": "#p = :p AND #s <= :until",
                "ExpressionAttributeNames": {"#p": keys.GSI1_PK, "#s": keys.GSI1_SK, "#pk": keys.PK},
                "ExpressionAttributeValues": {
                    ":p": value(keys.programme_review_partition(shard)),
                    ":until": value(keys.programme_review_until(timestamp(now))),
                },
                "ProjectionExpression": "#pk",
            }
            for item in pages.query_all(request, client=self.client):
                out.append(keys.ambassador_id_from(str(deserialize(item)[keys.PK])))
        return sorted(set(out))

    def counters(self, scope: str = ALL_SCOPE) -> dict[str, int]:
        got = self.client.get_item(
            TableName=self.table, Key=serialize(keys.programme_counters(scope)), ConsistentRead=True
        )
        return _counts(deserialize(got.get("Item") or {}))

    def counters_by(self, by: str) -> dict[str, dict[str, int]]:
        """Every department's (``by="DEPT"``) or location's (``"LOC"``) counters: one Query."""
        prefix = keys.programme_counters_prefix(by)
        request: dict[str, Any] = {
            "TableName": self.table,
            "KeyConditionExpression": "#pk = :pk AND begins_with(#sk, :prefix)",
            "ExpressionAttributeNames": {"#pk": keys.PK, "#sk": keys.SK},
            "ExpressionAttributeValues": {
                ":pk": value(keys.PROGRAMME_FUNNEL),
                ":prefix": value(prefix),
            },
            "ConsistentRead": True,
        }
        out: dict[str, dict[str, int]] = {}
        for item in pages.query_all(request, client=self.client):
            data = deserialize(item)
            out[str(data[keys.SK]).removeprefix(prefix)] = _counts(data)
        return out

    def cohort(self, month: str) -> list[CohortMember]:
        """Everyone who entered the funnel in ``month`` (``2026-11``): one Query of the cohort
        index (gsi2), oldest entry first, projecting what the funnel reads (less than half of a
        facts item's bytes; the read units are the whole item's either way)."""
        projection, names = cohort_projection()
        request: dict[str, Any] = {
            "TableName": self.table,
            "IndexName": keys.GSI2,
            "KeyConditionExpression": "#p = :p",
            "ProjectionExpression": projection,
            "ExpressionAttributeNames": {"#p": keys.GSI2_PK, **names},
            "ExpressionAttributeValues": {":p": value(keys.programme_cohort_partition(month))},
        }
        return [cohort_member_from_item(i) for i in pages.query_all(request, client=self.client)]

    # --- writes --------------------------------------------------------------------------------
    def write(self, write: ProgrammeWrite) -> transact.Outcome:
        """One transaction (see the module docstring). :attr:`~transact.Outcome.CONFLICT` when the
        facts item or the profile changed since they were read: read and plan again."""
        actions: list[dict[str, Any]] = [self._facts_put(write)]
        if write.history is not None:
            actions.append(
                {
                    "Put": {
                        "TableName": self.table,
                        "Item": history_item(write.ambassador_id, write.version, write.history),
                        "ConditionExpression": "attribute_not_exists(pk)",
                    }
                }
            )
        actions.extend(self._counter_update(scope, amounts) for scope, amounts in write.counters.items())
        if write.profile is not None:
            actions.append(self._profile_update(write.ambassador_id, write.profile, write.now))
        return transact.write(self.client, actions)

    def mark_published(self, ambassador_id: str, version: int) -> None:
        """The event of ``version`` is on the bus: forget it (unless the item moved on since)."""
        transact.applied(
            self.client.update_item,
            TableName=self.table,
            Key=serialize(keys.programme_facts(ambassador_id)),
            UpdateExpression="REMOVE #unpublished",
            ConditionExpression="#version = :version",
            ExpressionAttributeNames={"#unpublished": "unpublished", "#version": "version"},
            ExpressionAttributeValues={":version": value(version)},
        )

    def _facts_put(self, write: ProgrammeWrite) -> dict[str, Any]:
        put: dict[str, Any] = {"TableName": self.table, "Item": facts_item(write)}
        if write.seen_version == 0:
            put["ConditionExpression"] = "attribute_not_exists(pk)"
        else:
            put["ConditionExpression"] = "#version = :version"
            put["ExpressionAttributeNames"] = {"#version": "version"}
            put["ExpressionAttributeValues"] = {":version": value(write.seen_version)}
        return {"Put": put}

    def _counter_update(self, scope: str, amounts: Mapping[str, int]) -> dict[str, Any]:
        names = sorted(amounts)
        return {
            "Update": {
                "TableName": self.table,
                "Key": serialize(keys.programme_counters(scope)),
                "UpdateExpression": "SET #entity = :entity ADD "
                + ", ".join(f"#n{i} :a{i}" for i in range(len(names))),
                "ExpressionAttributeNames": {
                    "#entity": "entity",
                    **{f"#n{i}": name for i, name in enumerate(names)},
                },
                "ExpressionAttributeValues": {
                    ":entity": value(COUNTERS_ENTITY),
                    **{f":a{i}": value(amounts[name]) for i, name in enumerate(names)},
                },
            }
        }

    def _profile_update(self, ambassador_id: str, profile: ProfileState, now: datetime) -> dict[str, Any]:
        names = {
            "#phase": "phase",
            "#dormant": "dormant",
            "#in_programme": "in_programme",
            "#updated_at": "updated_at",
            "#opted_in": "opted_in",
        }
        values: dict[str, Any] = {
            ":phase": value(profile.phase),
            ":dormant": value(profile.dormant),
            ":in_programme": value(profile.in_programme),
            ":updated_at": value(now.astimezone(UTC).isoformat().replace("+00:00", "Z")),
            ":opted_in": value(profile.opted_in),
        }
        sets = (
            "#phase = :phase, #dormant = :dormant, #in_programme = :in_programme, #updated_at = :updated_at"
        )
        entry = keys.eligible_entry(ambassador_id)
        names.update({"#g2p": keys.GSI2_PK, "#g2s": keys.GSI2_SK})
        if profile.eligible:
            values.update({":g2p": value(entry[keys.GSI2_PK]), ":g2s": value(entry[keys.GSI2_SK])})
            expression = f"SET {sets}, #g2p = :g2p, #g2s = :g2s"
        else:
            expression = f"SET {sets} REMOVE #g2p, #g2s"
        return {
            "Update": {
                "TableName": self.table,
                "Key": serialize(keys.ambassador(ambassador_id)),
                "UpdateExpression": expression,
                "ConditionExpression": "attribute_exists(pk) AND #opted_in = :opted_in",
                "ExpressionAttributeNames": names,
                "ExpressionAttributeValues": values,
            }
        }


def _counts(data: Mapping[str, Any]) -> dict[str, int]:
    return {name: int(data.get(name) or 0) for name in COUNTER_NAMES}

"""The instant-notice item: what is gathered for an ambassador's next "new vacancy, now" mail.

One item per ambassador (``keys.instant_notice``, in their collection):

- ``vacancies`` — a string set of vacancy ids gathered and not taken yet (ADD: a redelivered
  announcement adds nothing);
- ``batch`` — the id of the delayed job that will mail them: set by the first gathering into an
  item without one (``if_not_exists``), so a burst of publications opens one batch, not ten;
- ``taken`` — the vacancies the batch's job took (moved out of ``vacancies`` at its first run, so
  a redelivered job mails exactly what the first run did; vacancies gathered meanwhile wait in
  ``vacancies`` for the next batch);
- ``notified`` — the vacancies earlier batches mailed: the fan-out announces a page's links at
  least once (a retried page announces them again, under a new event id), and a repeat that comes
  after its batch took them (``taken``) or mailed them gathers nothing;
- ``expires_at`` — a week after the last gathering (TTL), so a forgotten item goes away.

Conditional writes keep it exact under redelivery and concurrency; see :mod:`kring.mail.instant`
for the protocol.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from kring.dal import keys, transact
from kring.dal.items import deserialize, serialize, value
from kring.dal.repository import Repository

ENTITY = "instant_notice"
RETENTION = timedelta(days=7)
MAX_NOTIFIED = 1000  # vacancy ids kept as notified before the set starts again


@dataclass(frozen=True)
class PendingNotice:
    ambassador_id: str
    vacancies: frozenset[str]
    batch: str | None
    taken: frozenset[str] | None
    notified: frozenset[str] = frozenset()


def from_item(item: Mapping[str, Any]) -> PendingNotice:
    data = deserialize(item)
    taken = data.get("taken")
    return PendingNotice(
        ambassador_id=keys.ambassador_id_from(str(data[keys.PK])),
        vacancies=frozenset(data.get("vacancies") or ()),
        batch=data.get("batch"),
        taken=frozenset(taken) if taken is not None else None,
        notified=frozenset(data.get("notified") or ()),
    )


class InstantNoticeRepository(Repository):
    def _update(self, ambassador_id: str, **request: Any) -> PendingNotice | None:
        """One conditional UpdateItem of the ambassador's item: the item after it (``ALL_NEW``),
        or None when its condition failed (:func:`kring.dal.transact.applied`)."""
        got = transact.applied(
            self.client.update_item,
            TableName=self.table,
            Key=serialize(keys.instant_notice(ambassador_id)),
            ReturnValues="ALL_NEW",
            **request,
        )
        return from_item(got["Attributes"]) if got is not None else None

    def _open_batch(self, ambassador_id: str, **request: Any) -> str | None:
        """:meth:`_update` for a write that opens a batch unless one is open: the batch open now."""
        after = self._update(ambassador_id, **request)
        return after.batch if after is not None else None

    def gather(self, ambassador_id: str, vacancy_id: str, batch: str, now: datetime) -> str | None:
        """Add ``vacancy_id`` to the ambassador's pending set, unless a notice carried it before or
        the open batch has taken it; open batch ``batch`` unless one is open. The batch now open
        (``batch`` itself: this call opened it, or opened it before), or None when the vacancy was
        taken or notified before."""
        return self._open_batch(
            ambassador_id,
            UpdateExpression=(
                "ADD #vacancies :vacancies SET #batch = if_not_exists(#batch, :batch), "
                "#exp = :exp, #entity = :entity"
            ),
            ConditionExpression=(
                "(attribute_not_exists(#notified) OR NOT contains(#notified, :vacancy))"
                " AND (attribute_not_exists(#taken) OR NOT contains(#taken, :vacancy))"
            ),
            ExpressionAttributeNames={
                "#vacancies": "vacancies",
                "#batch": "batch",
                "#notified": "notified",
                "#taken": "taken",
                "#exp": keys.TTL_ATTRIBUTE,
                "#entity": "entity",
            },
            ExpressionAttributeValues={
                ":vacancies": {"SS": [vacancy_id]},
                ":vacancy": value(vacancy_id),
                ":batch": value(batch),
                ":exp": value(int((now + RETENTION).timestamp())),
                ":entity": value(ENTITY),
            },
        )

    def get(self, ambassador_id: str) -> PendingNotice | None:
        got = self.client.get_item(
            TableName=self.table, Key=serialize(keys.instant_notice(ambassador_id)), ConsistentRead=True
        )
        return from_item(got["Item"]) if "Item" in got else None

    def take(self, ambassador_id: str, batch: str) -> frozenset[str] | None:
        """The vacancies batch ``batch`` mails: on its first run, what is pending (moved to
        ``taken``); on a later run, what the first took. None when the batch is not open (settled
        before: nothing to do)."""
        after = self._update(
            ambassador_id,
            UpdateExpression="SET #taken = #vacancies REMOVE #vacancies",
            ConditionExpression=(
                "#batch = :batch AND attribute_not_exists(#taken) AND attribute_exists(#vacancies)"
            ),
            ExpressionAttributeNames={"#taken": "taken", "#vacancies": "vacancies", "#batch": "batch"},
            ExpressionAttributeValues={":batch": value(batch)},
        )
        if after is not None:
            return after.taken
        pending = self.get(ambassador_id)
        if pending is None or pending.batch != batch:
            return None
        return pending.taken if pending.taken is not None else frozenset()

    def settle(self, ambassador_id: str, batch: str) -> PendingNotice | None:
        """Close batch ``batch`` (its mail is sent, or there was nothing to send): what it took
        joins ``notified`` (so a late, repeated announcement of one of them gathers nothing). The
        item after (vacancies gathered meanwhile), or None when the batch was settled before.
        ``notified`` starts again from the batch's vacancies once it holds :data:`MAX_NOTIFIED`."""
        pending = self.get(ambassador_id)
        if pending is None or pending.batch != batch:
            return None
        names = {"#taken": "taken", "#batch": "batch", "#notified": "notified"}
        values: dict[str, Any] = {":batch": value(batch)}
        expression = "REMOVE #taken, #batch"
        if pending.taken:
            values[":taken"] = {"SS": sorted(pending.taken)}
            if len(pending.notified) + len(pending.taken) > MAX_NOTIFIED:
                expression = "SET #notified = :taken " + expression
            else:
                expression = "ADD #notified :taken " + expression
        else:
            del names["#notified"]
        return self._update(
            ambassador_id,
            UpdateExpression=expression,
            ConditionExpression="#batch = :batch",
            ExpressionAttributeNames=names,
            ExpressionAttributeValues=values,
        )

    def reopen(self, ambassador_id: str, batch: str) -> str | None:
        """Open batch ``batch`` for vacancies left pending, unless a batch is open already; the
        batch open now, or None when nothing is pending."""
        return self._open_batch(
            ambassador_id,
            UpdateExpression="SET #batch = if_not_exists(#batch, :batch)",
            ConditionExpression="attribute_exists(#vacancies)",
            ExpressionAttributeNames={"#batch": "batch", "#vacancies": "vacancies"},
            ExpressionAttributeValues={":batch": value(batch)},
        )

"""The once-only marker of a mail: one item per recipient, kind and period (or notice id).

Sending is claim → send → record:

- :meth:`MailSendRepository.claim` — a conditional PutItem that succeeds only when no marker
  exists, or when an earlier claim's lease ran out without the mail being recorded as sent (a
  sender that died before SES answered). The item comes back on a failed condition
  (``ReturnValuesOnConditionCheckFailure``), so the answer is known without another read:
  ``sent`` (nothing to do: a redelivery or an overlapping run) or ``busy`` (another sender holds
  the lease now: retry later).
- :meth:`MailSendRepository.record_sent` — after SES accepted the mails of an SQS batch, their
  markers become ``sent`` with SES's message id, 25 to a BatchWriteItem.
- :meth:`MailSendRepository.release` — SES refused or failed: the claim is deleted (only the
  claim this sender holds), so the retry can send.

Markers expire a year after the send (TTL).

A kind that lists what is new since its last mail (the ambassador digest) also has a **last
sent** item per recipient (:class:`LastSent`, ``keys.mail_last_sent``): which period was sent
last and when it ended. :meth:`MailSendRepository.record_sent` writes it in the same
BatchWriteItem as the markers, and the sender reads it in the BatchGetItem that reads the
recipient (:func:`kring.dal.mail_preferences.recipients`), so it costs no request of its own.
:meth:`MailSendRepository.last_period` (a Query) finds the same from the markers.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from kring.dal import batch, keys, transact
from kring.dal.items import deserialize, serialize, value
from kring.dal.repository import Repository

ENTITY = "mail_send"
LAST_ENTITY = "mail_last_sent"
# Longer than the sender's Lambda timeout (60 s): a claim older than this belongs to a sender that
# is gone, and the message's next delivery (MailQueue's visibility timeout, 120 s) may take it over.
LEASE = timedelta(minutes=2)
RETAIN = timedelta(days=400)

ClaimOutcome = Literal["claimed", "sent", "busy"]


@dataclass(frozen=True)
class Claim:
    kind: str
    recipient: str
    period_key: str
    token: str
    outcome: ClaimOutcome

    @property
    def key(self) -> keys.Key:
        return keys.mail_send(self.kind, self.recipient, self.period_key)


@dataclass(frozen=True)
class Sent:
    claim: Claim
    message_id: str
    sent_at: datetime


@dataclass(frozen=True)
class LastSent:
    """The last period of ``kind`` sent to ``recipient``, and when that period ended."""

    kind: str
    recipient: str
    period_key: str
    period_end: datetime
    sent_at: datetime

    def put_request(self) -> dict[str, Any]:
        return {
            "PutRequest": {
                "Item": serialize(
                    {
                        **keys.mail_last_sent(self.kind, self.recipient),
                        "entity": LAST_ENTITY,
                        "period_key": self.period_key,
                        "period_end": self.period_end.isoformat(),
                        "sent_at": self.sent_at.isoformat(),
                        keys.TTL_ATTRIBUTE: int((self.sent_at + RETAIN).timestamp()),
                    }
                )
            }
        }


def last_sent_from_item(item: Mapping[str, Any]) -> LastSent | None:
    """A last-sent item as read (raw, from a batch read); None when it is not one."""
    data = deserialize(item)
    pk, period_key = str(data.get(keys.PK, "")), data.get("period_key")
    if data.get("entity") != LAST_ENTITY or not isinstance(period_key, str):
        return None
    kind, _, recipient = pk.removeprefix("MAILSEND#").partition("#")
    try:
        period_end = datetime.fromisoformat(str(data["period_end"]))
        sent_at = datetime.fromisoformat(str(data["sent_at"]))
    except (KeyError, ValueError):
        return None
    return LastSent(kind, recipient, period_key, period_end, sent_at)


class MailSendRepository(Repository):
    def claim(self, kind: str, recipient: str, period_key: str, *, now: datetime) -> Claim:
        token = secrets.token_hex(8)
        key = keys.mail_send(kind, recipient, period_key)
        item = serialize(
            {
                **key,
                "entity": ENTITY,
                "state": "claimed",
                "claim": token,
                "lease_until": int((now + LEASE).timestamp()),
                keys.TTL_ATTRIBUTE: int((now + RETAIN).timestamp()),
            }
        )
        old = transact.refused(
            self.client.put_item,
            TableName=self.table,
            Item=item,
            ConditionExpression="attribute_not_exists(pk) OR (#state = :claimed AND #lease < :now)",
            ExpressionAttributeNames={"#state": "state", "#lease": "lease_until"},
            ExpressionAttributeValues={":claimed": value("claimed"), ":now": value(int(now.timestamp()))},
            ReturnValuesOnConditionCheckFailure="ALL_OLD",
        )
        if old is None:
            return Claim(kind, recipient, period_key, token, "claimed")
        outcome: ClaimOutcome = "sent" if deserialize(old).get("state") == "sent" else "busy"
        return Claim(kind, recipient, period_key, token, outcome)

    def record_sent(
        self, sent: Sequence[Sent], *, last: Sequence[LastSent] = (), sleep: Any = time.sleep
    ) -> None:
        """Every marker of ``sent`` becomes ``sent``, and each of ``last`` is put (one BatchWriteItem
        per 25 items of both)."""
        requests = [
            {
                "PutRequest": {
                    "Item": serialize(
                        {
                            **s.claim.key,
                            "entity": ENTITY,
                            "state": "sent",
                            "message_id": s.message_id,
                            "sent_at": s.sent_at.isoformat(),
                            keys.TTL_ATTRIBUTE: int((s.sent_at + RETAIN).timestamp()),
                        }
                    )
                }
            }
            for s in sent
        ]
        requests += [entry.put_request() for entry in last]
        if requests:
            batch.write(requests, sleep=sleep, client=self.client, table=self.table)

    def release(self, claim: Claim) -> None:
        """Delete this sender's claim (a failed send), so that the retry may claim again."""
        transact.applied(  # not applied: the claim is not this sender's any more (or is gone)
            self.client.delete_item,
            TableName=self.table,
            Key=serialize(claim.key),
            ConditionExpression="#claim = :claim AND #state = :claimed",
            ExpressionAttributeNames={"#claim": "claim", "#state": "state"},
            ExpressionAttributeValues={":claim": value(claim.token), ":claimed": value("claimed")},
        )

    def state(self, kind: str, recipient: str, period_key: str) -> dict[str, Any] | None:
        got = self.client.get_item(
            TableName=self.table,
            Key=serialize(keys.mail_send(kind, recipient, period_key)),
            ConsistentRead=True,
        )
        item = got.get("Item")
        return deserialize(item) if item else None

    def last_period(self, kind: str, recipient: str) -> str | None:
        """The newest period key of ``kind`` sent to ``recipient`` (Query, newest first, one item)."""
        got = self.client.query(
            TableName=self.table,
            KeyConditionExpression="#pk = :pk",
            FilterExpression="#state = :sent",
            ExpressionAttributeNames={"#pk": keys.PK, "#state": "state"},
            ExpressionAttributeValues={
                ":pk": value(keys.mail_sends_of(kind, recipient)),
                ":sent": value("sent"),
            },
            ScanIndexForward=False,
        )
        for item in got.get("Items", []):
            return str(deserialize(item)[keys.SK]).removeprefix("PERIOD#")
        return None

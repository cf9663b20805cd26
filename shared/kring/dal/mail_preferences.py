"""Mail preferences: per ambassador, how often the digest comes (weekly by default, daily,
monthly, or off), whether new vacancies are mailed at once, and whether outcome notices (a hire,
a reward that became payable) are mailed.

One item in the ambassador's collection (``AMB#<id>`` / ``MAILPREFS``, erased with the profile).
An ambassador without the item has the defaults. The item is in the sparse gsi2 partition of its
frequency only when that is not the default, so a daily or monthly run Queries its few recipients
and the weekly run reads the ambassador list.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict

from kring.dal import batch, keys, pages
from kring.dal.items import deserialize, serialize
from kring.dal.mail_sends import LastSent, last_sent_from_item
from kring.dal.repository import Repository

ENTITY = "mail_preferences"

DigestFrequency = Literal["weekly", "daily", "monthly", "off"]
DIGEST_FREQUENCIES: tuple[DigestFrequency, ...] = ("weekly", "daily", "monthly", "off")
DEFAULT_FREQUENCY: DigestFrequency = "weekly"


class MailPreferences(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    digest_frequency: DigestFrequency = DEFAULT_FREQUENCY
    instant_vacancies: bool = False
    outcome_notices: bool = True
    invitations: bool = True  # invitations to the programme (their unsubscribe link turns it off)
    updated_at: AwareDatetime | None = None


DEFAULTS = MailPreferences()


def to_item(ambassador_id: str, preferences: MailPreferences) -> dict[str, Any]:
    item: dict[str, Any] = {
        **keys.mail_preferences(ambassador_id),
        "entity": ENTITY,
        **preferences.model_dump(mode="json"),
    }
    if preferences.digest_frequency != DEFAULT_FREQUENCY:
        item.update(keys.mail_frequency_entry(preferences.digest_frequency, ambassador_id))
    return serialize(item)


def from_item(item: Mapping[str, Any] | None) -> MailPreferences:
    if not item:
        return DEFAULTS
    data = deserialize(item)
    return MailPreferences.model_validate(
        {k: v for k, v in data.items() if k in MailPreferences.model_fields}
    )


class MailPreferenceRepository(Repository):
    def get(self, ambassador_id: str) -> MailPreferences:
        got = self.client.get_item(
            TableName=self.table,
            Key=serialize(keys.mail_preferences(ambassador_id)),
            ConsistentRead=True,
        )
        return from_item(got.get("Item"))

    def put(self, ambassador_id: str, preferences: MailPreferences, *, now: datetime) -> MailPreferences:
        stored = preferences.model_copy(update={"updated_at": now})
        self.client.put_item(TableName=self.table, Item=to_item(ambassador_id, stored))
        return stored

    def digest_recipients(self, frequency: DigestFrequency, *, page_size: int = 500) -> Iterator[str]:
        """The ambassador ids a ``frequency`` digest run considers, page by page (Query, never Scan):
        for ``weekly`` (the default) every ambassador (gsi1 ``AMBASSADORS``, keys only; the sender
        skips those who chose otherwise); for ``daily`` and ``monthly`` only the ambassadors who chose
        it (gsi2 ``MAILFREQ#<frequency>``). ``off`` has none."""

        if frequency == "off":
            return
        if frequency == DEFAULT_FREQUENCY:
            index, partition_key, sort_key, partition = (
                keys.GSI1,
                keys.GSI1_PK,
                keys.GSI1_SK,
                keys.AMBASSADOR_LIST,
            )
        else:
            index, partition_key, sort_key = keys.GSI2, keys.GSI2_PK, keys.GSI2_SK
            partition = keys.mail_frequency_partition(frequency)
        request = {
            "TableName": self.table,
            "IndexName": index,
            "KeyConditionExpression": "#pk = :pk",
            "ExpressionAttributeNames": {"#pk": partition_key, "#sk": sort_key},
            "ExpressionAttributeValues": serialize({":pk": partition}),
            "ProjectionExpression": "#sk",
            "Limit": page_size,
        }
        for item in pages.query_all(request, client=self.client):
            yield str(deserialize(item)[sort_key]).removeprefix("AMB#")


def choosing_instant(ambassador_ids: Iterable[str]) -> list[str]:
    """Which of ``ambassador_ids`` chose instant vacancy notices: their preferences items, 100 to
    a BatchGetItem (no item: the defaults, which do not)."""
    found = batch.read(
        [keys.mail_preferences(a) for a in ambassador_ids], projection=(keys.PK, keys.SK, "instant_vacancies")
    )
    return sorted(
        keys.ambassador_id_from(str(item[keys.PK]))
        for item in found.values()
        if item.get("instant_vacancies") is True
    )


@dataclass(frozen=True)
class RecipientReads:
    """What the sender reads of an SQS batch's ambassadors in one BatchGetItem: each one's profile
    (raw item; absent: erased), mail preferences (the defaults without the item) and, for the
    kinds asked, the last period sent to them."""

    profiles: dict[str, dict[str, Any]]
    preferences: dict[str, MailPreferences]
    last_sent: dict[tuple[str, str], LastSent]  # by (kind, ambassador id)


def recipients(
    ambassador_ids: Iterable[str], *, last_sent_of: Iterable[tuple[str, str]] = ()
) -> RecipientReads:
    """Profiles, preferences and the ``(kind, ambassador id)`` last-sent items of
    ``last_sent_of``: one consistent BatchGetItem (100 keys a request: 33 ambassadors and their
    digests' last-sent items, more than an SQS batch of ten)."""

    ids = list(dict.fromkeys(ambassador_ids))
    wanted_last = list(dict.fromkeys(last_sent_of))
    request = [serialize(keys.ambassador(i)) for i in ids]
    request += [serialize(keys.mail_preferences(i)) for i in ids]
    request += [serialize(keys.mail_last_sent(kind, i)) for kind, i in wanted_last]
    reads = RecipientReads(profiles={}, preferences=dict.fromkeys(ids, DEFAULTS), last_sent={})
    if not request:
        return reads
    for raw in batch.get(request, consistent=True):
        pk, sk = str(raw[keys.PK]["S"]), str(raw[keys.SK]["S"])
        if sk == keys.ambassador("")["sk"]:
            reads.profiles[keys.ambassador_id_from(pk)] = raw
        elif sk == keys.mail_preferences("")["sk"]:
            reads.preferences[keys.ambassador_id_from(pk)] = from_item(raw)
        elif (last := last_sent_from_item(raw)) is not None:
            reads.last_sent[(last.kind, last.recipient)] = last
    return reads


def digest_recipients(frequency: DigestFrequency, *, page_size: int = 500) -> Iterator[str]:
    """:meth:`MailPreferenceRepository.digest_recipients` with the function's client."""
    return MailPreferenceRepository().digest_recipients(frequency, page_size=page_size)

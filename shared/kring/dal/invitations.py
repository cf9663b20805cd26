"""Invitation campaigns as stored (``docs/data-model.md``, pattern I):

- the campaign item (``INVCAMPAIGN#<id>`` / ``CAMPAIGN``): audience, note, author, time and the
  counters ``sent`` and ``opened``; created once (``attribute_not_exists``); listed newest first
  by gsi1 (``INVCAMPAIGNS``);
- one marker per ambassador sent (``SENT#<ambassador>``) and per ambassador who opened
  (``OPENED#<ambassador>``), each Put on ``attribute_not_exists`` in the transaction that adds one
  to its counter: a redelivered send or a second opening counts nothing. Markers expire (TTL)
  after :data:`MARKER_DAYS`; the counts stay.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from kring.dal import keys, pages, transact
from kring.dal.items import deserialize, serialize, timestamp
from kring.dal.repository import Repository
from kring.errors import TransientError
from kring.models.common import Page
from kring.models.invitation import Campaign

ENTITY = "invitation_campaign"
MARKER_ENTITY = "invitation_marker"
MARKER_DAYS = 400


def to_item(campaign: Campaign) -> dict[str, Any]:
    return serialize(
        {
            **keys.invitation_campaign(campaign.id),
            **keys.invitation_campaign_list_entry(timestamp(campaign.created_at), campaign.id),
            "entity": ENTITY,
            **campaign.model_dump(mode="json", exclude_none=True),
        }
    )


def from_item(item: Mapping[str, Any]) -> Campaign:
    data = deserialize(item)
    return Campaign.model_validate({k: v for k, v in data.items() if k in Campaign.model_fields})


def _is_campaign(cursor: Mapping[str, str]) -> bool:
    return cursor.get(keys.SK) == "CAMPAIGN" and cursor.get(keys.PK, "").startswith("INVCAMPAIGN#")


class InvitationRepository(Repository):
    def create(self, campaign: Campaign) -> None:
        """Write a new campaign; a :class:`~kring.errors.ConflictError` if its id exists."""
        with transact.conditional(f"campaign {campaign.id} exists"):
            self.client.put_item(
                TableName=self.table, Item=to_item(campaign), ConditionExpression="attribute_not_exists(pk)"
            )

    def get(self, campaign_id: str) -> Campaign | None:
        got = self.client.get_item(
            TableName=self.table, Key=serialize(keys.invitation_campaign(campaign_id)), ConsistentRead=True
        )
        return from_item(got["Item"]) if "Item" in got else None

    def list_page(self, limit: int, cursor: Mapping[str, Any] | None = None) -> Page[Campaign]:
        """Campaigns newest first: one Query of gsi1 ``INVCAMPAIGNS``."""
        return pages.query_page(
            keys.GSI1,
            keys.INVITATION_CAMPAIGNS,
            limit,
            cursor,
            from_item,
            is_position=_is_campaign,
            forward=False,
            table=self.table,
            client=self.client,
        )

    def _count_once(self, marker: keys.Key, campaign_id: str, counter: str, now: datetime) -> bool:
        actions = [
            {
                "Put": {
                    "TableName": self.table,
                    "Item": serialize(
                        {
                            **marker,
                            "entity": MARKER_ENTITY,
                            "at": timestamp(now),
                            keys.TTL_ATTRIBUTE: int((now + timedelta(days=MARKER_DAYS)).timestamp()),
                        }
                    ),
                    "ConditionExpression": "attribute_not_exists(pk)",
                }
            },
            {
                "Update": {
                    "TableName": self.table,
                    "Key": serialize(keys.invitation_campaign(campaign_id)),
                    "UpdateExpression": "ADD #n :one",
                    "ConditionExpression": "attribute_exists(pk)",
                    "ExpressionAttributeNames": {"#n": counter},
                    "ExpressionAttributeValues": serialize({":one": 1}),
                }
            },
        ]
        outcome = transact.write(self.client, actions, duplicate_at=0, missing_at=1)
        if outcome is transact.Outcome.CONFLICT:
            outcome = transact.write(self.client, actions, duplicate_at=0, missing_at=1)
        if outcome is transact.Outcome.CONFLICT:
            raise TransientError("the campaign's counters kept changing")
        return outcome is transact.Outcome.APPLIED

    def count_sent(self, campaign_id: str, ambassador_id: str, *, now: datetime) -> bool:
        """Count the invitation sent to the ambassador, once; False when it was counted before (or
        the campaign is gone)."""
        return self._count_once(keys.invitation_sent(campaign_id, ambassador_id), campaign_id, "sent", now)

    def opened_before(self, campaign_id: str, ambassador_id: str) -> bool:
        got = self.client.get_item(
            TableName=self.table,
            Key=serialize(keys.invitation_opened(campaign_id, ambassador_id)),
            ProjectionExpression="pk",
        )
        return "Item" in got

    def count_opened(self, campaign_id: str, ambassador_id: str, *, now: datetime) -> bool:
        """Count the ambassador's opening of the campaign's invitation, once."""
        return self._count_once(
            keys.invitation_opened(campaign_id, ambassador_id), campaign_id, "opened", now
        )

"""SES's events about sent mail (via the configuration set's EventBridge destination): a permanent
bounce or a complaint suppresses the address, so Kring never mails it again until someone on the
talent team clears it (``DELETE /api/suppressions/{id}``). A transient bounce (mailbox full,
out of office) suppresses nothing.

The address is kept only as its keyed hash (:func:`kring.links.identity.email_hash`); the
ambassador it belongs to is noted when Kring's e-mail pointer knows one.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from kring import aws, config
from kring.dal import keys
from kring.dal.items import deserialize, serialize
from kring.dal.suppressions import Reason, Suppression, SuppressionRepository
from kring.errors import InvalidInputError
from kring.links.identity import email_hash
from kring.observability import logger

MAX_RECIPIENTS = 50


class _Recipient(BaseModel):
    model_config = ConfigDict(extra="ignore")
    emailAddress: str = Field(max_length=320)


class _Bounce(BaseModel):
    model_config = ConfigDict(extra="ignore")
    bounceType: str = ""
    bounceSubType: str = ""
    bouncedRecipients: list[_Recipient] = Field(default_factory=list, max_length=MAX_RECIPIENTS)


class _Complaint(BaseModel):
    model_config = ConfigDict(extra="ignore")
    complaintFeedbackType: str = ""
    complainedRecipients: list[_Recipient] = Field(default_factory=list, max_length=MAX_RECIPIENTS)


class SesMailEvent(BaseModel):
    """The ``detail`` of SES's "Email Bounced" / "Email Complaint Received" events."""

    model_config = ConfigDict(extra="ignore")
    eventType: str
    bounce: _Bounce | None = None
    complaint: _Complaint | None = None


def parse(event: Any) -> SesMailEvent:
    try:
        if not isinstance(event, dict):
            raise ValueError("not an EventBridge event")
        return SesMailEvent.model_validate(event.get("detail"))
    except (ValidationError, ValueError) as exc:
        raise InvalidInputError(f"not an SES mail event: {exc}") from exc


def suppressions_of(event: SesMailEvent) -> list[tuple[str, Reason, str]]:
    """(address, reason, detail) for every address the event suppresses."""
    if event.eventType == "Bounce" and event.bounce and event.bounce.bounceType == "Permanent":
        detail = f"{event.bounce.bounceType}/{event.bounce.bounceSubType}".rstrip("/")
        return [(r.emailAddress, "bounce", detail) for r in event.bounce.bouncedRecipients]
    if event.eventType == "Complaint" and event.complaint:
        detail = event.complaint.complaintFeedbackType or "complaint"
        return [(r.emailAddress, "complaint", detail) for r in event.complaint.complainedRecipients]
    return []


def _ambassador_of(address_hash: str) -> str | None:
    got = aws.dynamodb().get_item(
        TableName=config.tables().table_name, Key=serialize(keys.ambassador_email(address_hash))
    )
    found = deserialize(got.get("Item") or {}).get("ambassador_id")
    return str(found) if found else None


def record(
    event: SesMailEvent, *, now: datetime | None = None, repository: SuppressionRepository | None = None
) -> int:
    """Suppress what the event calls for; how many addresses (a redelivery writes the same items)."""
    repo = repository or SuppressionRepository()
    count = 0
    for address, reason, detail in suppressions_of(event):
        address_hash = email_hash(address)
        if address_hash is None:
            continue
        repo.suppress(
            Suppression(
                address_hash=address_hash,
                reason=reason,
                detail=detail[:200],
                suppressed_at=now or datetime.now(UTC),
                ambassador_id=_ambassador_of(address_hash),
            )
        )
        count += 1
    logger.info("ses mail event", extra={"event_type": event.eventType, "suppressed": count})
    return count

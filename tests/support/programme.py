"""Building the programme's events and reading its items back (tests only: a Scan is fine here)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from kring import aws, config
from kring.dal.items import deserialize
from kring.events import (
    AmbassadorChanged,
    AmbassadorInvited,
    AmbassadorLeftProgramme,
    AmbassadorRejoinedProgramme,
    AmbassadorVolunteered,
    ApplicationAttributed,
    ColleagueRecruited,
    InvitationOpened,
    OnboardingStepCompleted,
    ProgrammePageOpened,
    ShareIntended,
)

CAMPAIGN = "0123456789abcdef0123456789ABCDEF"


def intent(ambassador_id: str, at: datetime) -> ShareIntended:
    return ShareIntended.model_validate(
        {
            "occurred_at": at,
            "intent_id": uuid.uuid4().hex,
            "code": "AbCdEfGh12",
            "vacancy_id": "greenhouse-1",
            "ambassador_id": ambassador_id,
            "network": "linkedin",
            "visitor": uuid.uuid4().hex,
        }
    )


def credited(ambassador_id: str | None, application_id: str, at: datetime) -> ApplicationAttributed:
    return ApplicationAttributed.model_validate(
        {
            "occurred_at": at,
            "provider": "greenhouse",
            "application_id": application_id,
            "vacancy_id": "greenhouse-1",
            "method": "referral" if ambassador_id else "unattributed",
            "ambassador_id": ambassador_id,
        }
    )


def invited(ambassador_id: str, at: datetime) -> AmbassadorInvited:
    return AmbassadorInvited(ambassador_id=ambassador_id, campaign_id=CAMPAIGN, occurred_at=at)


def invitation_opened(ambassador_id: str, at: datetime) -> InvitationOpened:
    return InvitationOpened(ambassador_id=ambassador_id, campaign_id=CAMPAIGN, occurred_at=at)


def page_opened(ambassador_id: str, at: datetime) -> ProgrammePageOpened:
    return ProgrammePageOpened(ambassador_id=ambassador_id, occurred_at=at)


def volunteered(ambassador_id: str, at: datetime) -> AmbassadorVolunteered:
    return AmbassadorVolunteered(ambassador_id=ambassador_id, consent_version="2026-12", occurred_at=at)


def step(ambassador_id: str, name: str, at: datetime) -> OnboardingStepCompleted:
    return OnboardingStepCompleted(ambassador_id=ambassador_id, step=name, occurred_at=at)


def recruited(inviter_id: str, colleague_id: str, at: datetime) -> ColleagueRecruited:
    return ColleagueRecruited(inviter_id=inviter_id, colleague_id=colleague_id, occurred_at=at)


def left(ambassador_id: str, at: datetime) -> AmbassadorLeftProgramme:
    return AmbassadorLeftProgramme(ambassador_id=ambassador_id, occurred_at=at)


def rejoined(ambassador_id: str, at: datetime) -> AmbassadorRejoinedProgramme:
    return AmbassadorRejoinedProgramme(ambassador_id=ambassador_id, occurred_at=at)


def roster_changed(ambassador_id: str) -> AmbassadorChanged:
    return AmbassadorChanged(ambassador_id=ambassador_id, eligible=False, was_eligible=False)


def items(prefix: str = "") -> list[dict[str, Any]]:
    """Every item of the table whose pk starts with ``prefix`` (plain values)."""
    ddb = aws.dynamodb()
    out: list[dict[str, Any]] = []
    kwargs: dict[str, Any] = {"TableName": config.tables().table_name, "ConsistentRead": True}
    while True:
        page = ddb.scan(**kwargs)
        out.extend(deserialize(i) for i in page["Items"])
        if "LastEvaluatedKey" not in page:
            break
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
    return [i for i in out if str(i["pk"]).startswith(prefix)]


def history(ambassador_id: str) -> list[dict[str, Any]]:
    return sorted(
        (i for i in items(f"AMB#{ambassador_id}") if str(i["sk"]).startswith("PHASE#")), key=lambda i: i["sk"]
    )


def facts_item(ambassador_id: str) -> dict[str, Any]:
    [found] = [i for i in items(f"AMB#{ambassador_id}") if i["sk"] == "PROGRAMME"]
    return found


def profile(ambassador_id: str) -> dict[str, Any]:
    [found] = [i for i in items(f"AMB#{ambassador_id}") if i["sk"] == "PROFILE"]
    return found


def counters() -> dict[str, dict[str, int]]:
    return {
        str(i["sk"]): {k: v for k, v in i.items() if isinstance(v, int) and v} for i in items("PROGFUNNEL")
    }

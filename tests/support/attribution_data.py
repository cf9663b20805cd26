"""What the attribution writes, written straight into the table as PLAN.md's storage contract
says — for tests of the read side (stats, programme funnel, rewards) that must not depend on the
attribution itself: counters under their stored names on the stats items, and reward ledger
entries in the ambassador's collection and on gsi1 ``REWARDS``."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from kring import aws, config
from kring.dal import keys, stats
from kring.dal.items import serialize, value


def add_counters(key: keys.Key, **counters: int) -> None:
    """ADD counters (full names: ``applications_referral``, ``hires_linkedin``) to a stats item,
    stored under their short names, as every writer of counters does."""
    stored = sorted((stats.stored_name(name), amount) for name, amount in counters.items())
    names = {f"#c{i}": name for i, (name, _) in enumerate(stored)}
    values = {f":c{i}": value(amount) for i, (_, amount) in enumerate(stored)}
    aws.dynamodb().update_item(
        TableName=config.tables().table_name,
        Key=serialize(key),
        UpdateExpression="ADD " + ", ".join(f"#c{i} :c{i}" for i in range(len(stored))),
        ExpressionAttributeNames=names,
        ExpressionAttributeValues=values,
    )


def stamp(moment: datetime) -> str:
    """Ledger times as the attribution stores them: fixed width, UTC, microseconds."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def put_reward(
    ambassador_id: str,
    reward_id: str,
    *,
    hired_at: datetime,
    status: str = "pending",
    amount: str = "500.00",
    currency: str = "EUR",
    holding_days: int = 90,
    paid_at: datetime | None = None,
    reversed_after_payment: bool | None = None,
    vacancy_id: str = "greenhouse-1",
) -> None:
    """One ledger entry, as the attribution writes it for a credited hire."""
    hired = stamp(hired_at)
    item = {
        **keys.reward(ambassador_id, reward_id),
        **keys.reward_list_entry(hired, reward_id),
        "entity": "reward",
        "status": status,
        "amount": amount,
        "currency": currency,
        "hired_at": hired,
        "eligible_at": stamp(hired_at + timedelta(days=holding_days)),
        "paid_at": stamp(paid_at) if paid_at else None,
        "reversed_after_payment": reversed_after_payment,
        "reward_id": reward_id,
        "ambassador_id": ambassador_id,
        "provider": "greenhouse",
        "application_id": f"app-{reward_id}",
        "vacancy_id": vacancy_id,
    }
    aws.dynamodb().put_item(TableName=config.tables().table_name, Item=serialize(item))

"""Schedule expressions as EventBridge Scheduler reads them, turned into next fire times."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from infra.local.scheduler import next_fire, to_cron

MONDAY_NOON_UTC = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


def test_rate_adds_its_interval() -> None:
    assert next_fire("rate(15 minutes)", "UTC", MONDAY_NOON_UTC) == datetime(2026, 11, 30, 12, 15, tzinfo=UTC)
    assert next_fire("rate(1 day)", "UTC", MONDAY_NOON_UTC) == datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def test_cron_fires_in_its_own_time_zone() -> None:
    # 08:00 in Amsterdam on weekdays is 07:00 UTC in winter.
    fired = next_fire("cron(0 8 ? * MON-FRI *)", "Europe/Amsterdam", MONDAY_NOON_UTC)
    assert fired == datetime(2026, 12, 1, 7, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("aws", "cron"),
    [
        ("cron(0 8 ? * MON-FRI *)", "0 8 * * 1-5"),
        ("cron(30 6 ? * 2 *)", "30 6 * * 1"),  # AWS: 1 = Sunday, so 2 = Monday
        ("cron(0 9 1 * ? *)", "0 9 1 * *"),
        ("cron(0/15 * * * ? *)", "0/15 * * * *"),
    ],
)
def test_aws_six_field_cron_becomes_five_fields(aws: str, cron: str) -> None:
    assert to_cron(aws) == cron


@pytest.mark.parametrize("bad", ["cron(0 8 * *)", "every day", "cron(0 8 ? * MON 2027)"])
def test_unsupported_expressions_are_refused(bad: str) -> None:
    with pytest.raises(ValueError, match="cron"):
        to_cron(bad)

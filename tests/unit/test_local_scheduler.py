"""Schedule expressions as EventBridge Scheduler reads them, turned into next fire times."""

from __future__ import annotations

import copy
import json
import threading
from datetime import UTC, datetime
from typing import Any

import pytest

from infra.local.scheduler import LocalScheduler, next_fire, payload, to_cron
from infra.local.template import Schedule, Stack, load

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


def test_cron_follows_daylight_saving_time() -> None:
    summer_monday = datetime(2026, 6, 1, 0, 0, tzinfo=UTC)
    fired = next_fire("cron(0 8 ? * MON-FRI *)", "Europe/Amsterdam", summer_monday)
    assert fired == datetime(2026, 6, 1, 6, 0, tzinfo=UTC)


def test_the_nth_weekday_of_the_month_keeps_its_week_number() -> None:
    assert to_cron("cron(0 9 ? * MON#1 *)") == "0 9 * * 1#1"
    assert to_cron("cron(0 9 ? * 2#3 *)") == "0 9 * * 1#3"
    fired = next_fire("cron(0 9 ? * MON#1 *)", "UTC", MONDAY_NOON_UTC)
    assert fired == datetime(2026, 12, 7, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize("both", ["cron(0 8 1 * MON *)", "cron(0 8 ? * ? *)"])
def test_aws_cron_needs_a_question_mark_in_exactly_one_day_field(both: str) -> None:
    with pytest.raises(ValueError, match=r"\?"):
        to_cron(both)


def test_a_one_time_schedule_fires_once_in_its_time_zone() -> None:
    at = "at(2026-12-01T09:30:00)"
    assert next_fire(at, "Europe/Amsterdam", MONDAY_NOON_UTC) == datetime(2026, 12, 1, 8, 30, tzinfo=UTC)
    assert next_fire(at, "Europe/Amsterdam", datetime(2026, 12, 2, tzinfo=UTC)) is None


def _schedule(**overrides: Any) -> Schedule:
    fields: dict[str, Any] = {
        "function": "DigestFunction",
        "name": "weekly-digest",
        "expression": "cron(0 8 ? * MON *)",
        "timezone": "Europe/Amsterdam",
        "payload": None,
        **overrides,
    }
    return Schedule(**fields)


def test_scheduler_context_attributes_are_filled_into_the_input() -> None:
    schedule = _schedule(
        payload='{"key": "<aws.scheduler.schedule-arn>@<aws.scheduler.scheduled-time>",'
        ' "attempt": <aws.scheduler.attempt-number>, "run": "<aws.scheduler.execution-id>"}'
    )
    event = payload(schedule, datetime(2026, 11, 30, 7, 0, tzinfo=UTC), 2, "exec-1")
    assert event == {
        "key": "arn:aws:scheduler:eu-west-1:000000000000:schedule/default/weekly-digest@2026-11-30T07:00:00Z",
        "attempt": 2,
        "run": "exec-1",
    }


def test_without_input_scheduler_sends_an_empty_object_and_a_rule_its_scheduled_event() -> None:
    at = datetime(2026, 11, 30, 7, 0, tzinfo=UTC)
    assert payload(_schedule(), at, 1, "x") == {}
    event = payload(_schedule(kind="rule"), at, 1, "x")
    assert event["detail-type"] == "Scheduled Event"
    assert event["source"] == "aws.events"
    assert event["time"] == "2026-11-30T07:00:00Z"
    assert event["resources"] == ["arn:aws:events:eu-west-1:000000000000:rule/weekly-digest"]


def test_a_failing_firing_is_retried_with_the_same_scheduled_time_then_parked() -> None:
    seen: list[dict[str, Any]] = []
    parked: list[tuple[str, str, dict[str, str]]] = []

    def invoke(function: str, event: dict[str, Any]) -> None:
        seen.append(event)
        raise RuntimeError("mail server down")

    schedule = _schedule(
        payload='{"at": "<aws.scheduler.scheduled-time>", "attempt": <aws.scheduler.attempt-number>}',
        dead_letter_arn="arn:aws:sqs:eu-west-1:000000000000:digest-dlq",
    )
    scheduler = LocalScheduler(
        [schedule], invoke, park=lambda *args: parked.append(args), backoff_seconds=(0.0,)
    )
    assert scheduler.fire(schedule, datetime(2026, 11, 30, 7, 0, tzinfo=UTC)) is False
    assert seen == [{"at": "2026-11-30T07:00:00Z", "attempt": n} for n in (1, 2, 3)]
    [(queue, body, attributes)] = parked
    assert queue == "digest-dlq"
    assert json.loads(body) == seen[-1]
    assert attributes["ERROR_MESSAGE"] == "RuntimeError: mail server down"


def test_a_firing_that_succeeds_on_a_retry_is_not_parked() -> None:
    outcomes = [RuntimeError("once"), None]
    parked: list[Any] = []

    def invoke(function: str, event: dict[str, Any]) -> None:
        outcome = outcomes.pop(0)
        if outcome:
            raise outcome

    schedule = _schedule(dead_letter_arn="arn:aws:sqs:eu-west-1:000000000000:digest-dlq")
    scheduler = LocalScheduler([schedule], invoke, park=lambda *a: parked.append(a), backoff_seconds=(0.0,))
    assert scheduler.fire(schedule, MONDAY_NOON_UTC) is True
    assert parked == []


def test_the_templates_schedules_are_read_with_their_state_and_dead_letter_queue() -> None:
    template = copy.deepcopy(load())
    function = template["Resources"]["ApiFunction"]["Properties"]
    function["Events"] = {
        **function["Events"],
        "Digest": {
            "Type": "ScheduleV2",
            "Properties": {
                "ScheduleExpression": "cron(0 8 ? * MON *)",
                "ScheduleExpressionTimezone": "Europe/Amsterdam",
                "Input": '{"kind": "digest"}',
                "RetryPolicy": {"MaximumRetryAttempts": 0},
                "DeadLetterConfig": {"Arn": {"Fn::GetAtt": ["FanoutDLQ", "Arn"]}},
            },
        },
        "Paused": {
            "Type": "ScheduleV2",
            "Properties": {"ScheduleExpression": "rate(1 hour)", "State": "DISABLED"},
        },
    }
    template["Resources"]["NightlyPoll"] = {
        "Type": "AWS::Scheduler::Schedule",
        "Properties": {
            "ScheduleExpression": "rate(15 minutes)",
            "FlexibleTimeWindow": {"Mode": "OFF"},
            "Target": {
                "Arn": {"Fn::GetAtt": ["ShareFanoutFunction", "Arn"]},
                "RoleArn": "arn:aws:iam::0:role/x",
            },
        },
    }
    stack = Stack({"PublicBaseUrl": "https://go.example.com", "Stage": "t"}, template=template)
    schedules = {s.name: s for s in stack.schedules()}
    digest = schedules["ApiFunctionDigest"]
    assert (digest.function, digest.timezone, digest.payload) == (
        "ApiFunction",
        "Europe/Amsterdam",
        '{"kind": "digest"}',
    )
    assert digest.max_retries == 0
    assert digest.dead_letter_arn == stack.arn("FanoutDLQ")
    assert schedules["ApiFunctionPaused"].enabled is False
    assert schedules["NightlyPoll"].function == "ShareFanoutFunction"

    # A disabled schedule never runs.
    added = [schedules[name] for name in ("ApiFunctionDigest", "ApiFunctionPaused", "NightlyPoll")]
    scheduler = LocalScheduler(added, lambda *_: None)
    assert [s.name for s in scheduler.schedules] == ["ApiFunctionDigest", "NightlyPoll"]


def test_the_running_scheduler_fires_a_due_schedule_with_its_scheduled_time() -> None:
    clock = iter([MONDAY_NOON_UTC])  # the start; every later look at the clock is a minute on

    def now() -> datetime:
        return next(clock, datetime(2026, 11, 30, 12, 1, 30, tzinfo=UTC))

    fired = threading.Event()
    seen: list[tuple[str, Any]] = []

    def invoke(function: str, event: Any) -> None:
        seen.append((function, event))
        fired.set()

    schedule = _schedule(expression="rate(1 minute)", payload='{"at": "<aws.scheduler.scheduled-time>"}')
    scheduler = LocalScheduler([schedule], invoke, now=now)
    scheduler.start()
    try:
        assert fired.wait(5)
    finally:
        scheduler.stop()
    assert seen == [("DigestFunction", {"at": "2026-11-30T12:01:00Z"})]

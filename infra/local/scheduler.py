"""EventBridge Scheduler on one machine: the template's ``rate(…)``, ``cron(…)`` and ``at(…)``
schedules, in their own time zone, invoking their function with what AWS would send it.

A schedule's ``Input`` gets EventBridge Scheduler's context attributes filled in
(``<aws.scheduler.schedule-arn>``, ``<aws.scheduler.scheduled-time>``,
``<aws.scheduler.execution-id>``, ``<aws.scheduler.attempt-number>``), so an idempotency key made
of the schedule ARN and the scheduled time works as it does in AWS. Without ``Input``, Scheduler
sends ``{}``; a SAM ``Schedule`` event (an EventBridge rule) sends its "Scheduled Event" envelope.
A failed invocation is retried (at most three attempts locally), then parked in the schedule's
dead-letter queue when it has one.
"""

from __future__ import annotations

import json
import logging
import re
import threading
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from croniter import croniter

from infra.local.template import ACCOUNT, REGION, Schedule

log = logging.getLogger("local.scheduler")

LOCAL_MAX_ATTEMPTS = 3
LOCAL_BACKOFF_SECONDS = (1.0, 5.0)

_RATE = re.compile(r"^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$")
_CRON = re.compile(r"^cron\((.+)\)$")
_AT = re.compile(r"^at\((\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})\)$")
_DAYS = {"SUN": 0, "MON": 1, "TUE": 2, "WED": 3, "THU": 4, "FRI": 5, "SAT": 6}


def _aws_day_of_week(field: str) -> str:
    """AWS numbers days 1 (SUN) to 7 (SAT); cron 0 (SUN) to 6 (SAT). Names and L/# pass through."""

    def one(token: str) -> str:
        if token.isdigit():
            return str(int(token) - 1)
        return str(_DAYS.get(token.upper(), token))

    # A number after "#" is the week of the month (MON#2), not a day.
    return re.sub(r"(?<!#)(?:[A-Za-z]{3}|\d+)", lambda m: one(m.group(0)), field)


def to_cron(expression: str) -> str:
    """AWS's six-field cron (minutes hours day-of-month month day-of-week year) → five fields."""
    match = _CRON.match(expression.strip())
    if not match:
        raise ValueError(f"not a cron expression: {expression!r}")
    fields = match.group(1).split()
    if len(fields) != 6:
        raise ValueError(f"AWS cron has six fields: {expression!r}")
    minutes, hours, day, month, weekday, year = fields
    if year not in ("*", "?"):
        raise ValueError(f"a cron year field is not supported locally: {expression!r}")
    if (day == "?") == (weekday == "?"):
        raise ValueError(f"AWS cron needs `?` in exactly one of day-of-month and day-of-week: {expression!r}")
    day = "*" if day == "?" else day
    weekday = "*" if weekday == "?" else _aws_day_of_week(weekday)
    return f"{minutes} {hours} {day} {month} {weekday}"


def next_fire(expression: str, timezone: str, after: datetime) -> datetime | None:
    """The first moment after ``after`` (aware) at which the schedule fires, in UTC; None when a
    one-time ``at(…)`` schedule is past."""
    expression = expression.strip()
    zone = ZoneInfo(timezone)
    if rate := _RATE.match(expression):
        amount, unit = int(rate.group(1)), rate.group(2).rstrip("s")
        if amount < 1:
            raise ValueError(f"a rate must be at least 1: {expression!r}")
        return (after + timedelta(**{f"{unit}s": amount})).astimezone(UTC)
    if at := _AT.match(expression):
        moment = datetime.fromisoformat(at.group(1)).replace(tzinfo=zone).astimezone(UTC)
        return moment if moment > after else None
    if not _CRON.match(expression):
        raise ValueError(f"not a rate(…), cron(…) or at(…) expression: {expression!r}")
    fired: datetime = croniter(to_cron(expression), after.astimezone(zone)).get_next(datetime)
    return fired.astimezone(UTC)


def schedule_arn(schedule: Schedule) -> str:
    if schedule.kind == "rule":
        return f"arn:aws:events:{REGION}:{ACCOUNT}:rule/{schedule.name}"
    return f"arn:aws:scheduler:{REGION}:{ACCOUNT}:schedule/default/{schedule.name}"


def payload(schedule: Schedule, scheduled: datetime, attempt: int, execution_id: str) -> Any:
    """What the function receives for one firing."""
    at = scheduled.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    if schedule.payload is not None:
        text = schedule.payload if isinstance(schedule.payload, str) else json.dumps(schedule.payload)
        if schedule.kind == "scheduler":
            for name, value in {
                "schedule-arn": schedule_arn(schedule),
                "scheduled-time": at,
                "execution-id": execution_id,
                "attempt-number": str(attempt),
            }.items():
                text = text.replace(f"<aws.scheduler.{name}>", value)
        return json.loads(text)
    if schedule.kind == "scheduler":
        return {}
    return {
        "version": "0",
        "id": execution_id,
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": ACCOUNT,
        "time": at,
        "region": REGION,
        "resources": [schedule_arn(schedule)],
        "detail": {},
    }


class LocalScheduler:
    def __init__(
        self,
        schedules: list[Schedule],
        invoke: Callable[[str, Any], Any],
        *,
        park: Callable[[str, str, dict[str, str]], Any] | None = None,
        backoff_seconds: tuple[float, ...] = LOCAL_BACKOFF_SECONDS,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._schedules = [s for s in schedules if s.enabled]
        self._invoke = invoke
        self._park = park  # (queue name, body, attributes): the schedule's dead-letter queue
        self._backoff = backoff_seconds
        self._now = now
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def schedules(self) -> list[Schedule]:
        """The enabled schedules, which are the ones that run."""
        return list(self._schedules)

    def fire(self, schedule: Schedule, scheduled: datetime) -> bool:
        """One firing with its retries; whether the function succeeded."""
        execution_id = str(uuid.uuid4())
        attempts = min(LOCAL_MAX_ATTEMPTS, schedule.max_retries + 1)
        error = ""
        for attempt in range(1, attempts + 1):
            event = payload(schedule, scheduled, attempt, execution_id)
            try:
                self._invoke(schedule.function, event)
                return True
            except Exception as exc:
                error = f"{type(exc).__name__}: {exc}"
                log.warning(
                    "schedule %s: %s failed (attempt %d): %s",
                    schedule.name,
                    schedule.function,
                    attempt,
                    error,
                )
            if attempt < attempts and self._stop.wait(
                self._backoff[min(attempt - 1, len(self._backoff) - 1)]
            ):
                break
        if schedule.dead_letter_arn and self._park:
            dlq = schedule.dead_letter_arn.rsplit(":", 1)[-1]
            log.error("schedule %s: parked in %s", schedule.name, dlq)
            self._park(
                dlq,
                json.dumps(event),
                {
                    "ERROR_MESSAGE": error,
                    "SCHEDULE_ARN": schedule_arn(schedule),
                    "FUNCTION": schedule.function,
                },
            )
        else:
            log.error("schedule %s: %s failed; the firing is dropped", schedule.name, schedule.function)
        return False

    def _run(self) -> None:
        started = self._now()
        due = {s.name: next_fire(s.expression, s.timezone, started) for s in self._schedules}
        while not self._stop.is_set():
            now = self._now()
            for schedule in self._schedules:
                at = due[schedule.name]
                if at is not None and at <= now:
                    log.info("schedule %s fires %s", schedule.name, schedule.function)
                    self.fire(schedule, at)
                    due[schedule.name] = next_fire(schedule.expression, schedule.timezone, at)
                    if (following := due[schedule.name]) is not None and following <= now:
                        due[schedule.name] = next_fire(schedule.expression, schedule.timezone, now)
            pending = [at for at in due.values() if at is not None]
            wait = min(pending, default=now + timedelta(hours=1)) - self._now()
            self._stop.wait(min(max(wait.total_seconds(), 0.05), 1.0))

    def start(self) -> None:
        if self._schedules:
            self._thread = threading.Thread(target=self._run, name="kring-scheduler", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join(timeout=10)

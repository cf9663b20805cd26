"""EventBridge Scheduler on one machine: the template's ``rate(…)`` and ``cron(…)`` schedules, in
their own time zone, invoking their function with the payload the template gives it."""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from croniter import croniter

from infra.local.template import Schedule

log = logging.getLogger("local.scheduler")

_RATE = re.compile(r"^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$")
_CRON = re.compile(r"^cron\((.+)\)$")
_DAYS = {"SUN": 0, "MON": 1, "TUE": 2, "WED": 3, "THU": 4, "FRI": 5, "SAT": 6}


def _aws_day_of_week(field: str) -> str:
    """AWS numbers days 1 (SUN) to 7 (SAT); cron 0 (SUN) to 6 (SAT). Names and L/# pass through."""

    def one(token: str) -> str:
        if token.isdigit():
            return str(int(token) - 1)
        return str(_DAYS.get(token.upper(), token))

    return re.sub(r"[A-Za-z]{3}|\d+", lambda m: one(m.group(0)), field)


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
    day = "*" if day == "?" else day
    weekday = "*" if weekday == "?" else _aws_day_of_week(weekday)
    return f"{minutes} {hours} {day} {month} {weekday}"


def next_fire(expression: str, timezone: str, after: datetime) -> datetime:
    """The first moment after ``after`` (aware) at which the schedule fires, in UTC."""
    rate = _RATE.match(expression.strip())
    if rate:
        amount, unit = int(rate.group(1)), rate.group(2).rstrip("s")
        return (after + timedelta(**{f"{unit}s": amount})).astimezone(UTC)
    zone = ZoneInfo(timezone)
    fired: datetime = croniter(to_cron(expression), after.astimezone(zone)).get_next(datetime)
    return fired.astimezone(UTC)


class LocalScheduler:
    def __init__(self, schedules: list[Schedule], invoke: Callable[[str, Any], Any]) -> None:
        self._schedules = schedules
        self._invoke = invoke
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def _run(self) -> None:
        now = datetime.now(UTC)
        due = {s.name: next_fire(s.expression, s.timezone, now) for s in self._schedules}
        while not self._stop.is_set():
            now = datetime.now(UTC)
            for schedule in self._schedules:
                if due[schedule.name] <= now:
                    log.info("schedule %s fires %s", schedule.name, schedule.function)
                    try:
                        self._invoke(
                            schedule.function, schedule.payload if schedule.payload is not None else {}
                        )
                    except Exception:
                        log.exception("schedule %s: %s failed", schedule.name, schedule.function)
                    due[schedule.name] = next_fire(schedule.expression, schedule.timezone, now)
            self._stop.wait(1.0)

    def start(self) -> None:
        if self._schedules:
            self._thread = threading.Thread(target=self._run, name="kring-scheduler", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join(timeout=5)

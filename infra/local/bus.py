"""EventBridge on one machine: PutEvents entries become real envelopes, are matched against the
template's rules with EventBridge's own pattern semantics (moto's implementation of them), and are
delivered to the rules' targets on a worker thread — retried with backoff, then parked in the
target's dead-letter queue, as EventBridge does."""

from __future__ import annotations

import heapq
import itertools
import json
import logging
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from moto.events.models import EventPattern

from infra.local.queues import QueueStore
from infra.local.template import ACCOUNT, REGION, Rule, RuleTarget

log = logging.getLogger("local.bus")

# EventBridge retries for up to 24 h and 185 times; locally a few quick tries tell the same story.
LOCAL_MAX_ATTEMPTS = 3
LOCAL_BACKOFF_SECONDS = (0.2, 1.0, 3.0)


def envelope(entry: dict[str, Any], now: datetime | None = None) -> dict[str, Any]:
    """The event as a rule's target receives it."""
    moment = now or datetime.now(UTC)
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": entry["DetailType"],
        "source": entry["Source"],
        "account": ACCOUNT,
        "time": moment.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": REGION,
        "resources": list(entry.get("Resources", [])),
        "detail": json.loads(entry["Detail"]),
    }


@dataclass(order=True)
class _Delivery:
    due: float
    order: int
    target: RuleTarget = field(compare=False)
    event: dict[str, Any] = field(compare=False)
    attempt: int = field(default=1, compare=False)


class LocalBus:
    def __init__(
        self,
        rules: list[Rule],
        queues: QueueStore,
        invoke: Callable[[str, dict[str, Any]], Any],
        *,
        clock: Callable[[], float] = time.monotonic,
        backoff_seconds: tuple[float, ...] = LOCAL_BACKOFF_SECONDS,
    ) -> None:
        self._backoff = backoff_seconds
        self._rules = [(rule, EventPattern.load(json.dumps(rule.pattern))) for rule in rules]
        self._queues = queues
        self._invoke = invoke
        self._clock = clock
        self._pending: list[_Delivery] = []
        self._order = itertools.count()
        self._wake = threading.Condition()
        self._stopping = False
        self._busy = 0
        self._thread: threading.Thread | None = None

    # ------------------------------------------------------------------------------ PutEvents
    def put_events(self, entries: list[dict[str, Any]]) -> list[dict[str, str]]:
        """Accept PutEvents entries: one result per entry, as the API answers."""
        results = []
        for entry in entries:
            try:
                event = envelope(entry)
            except (KeyError, ValueError, TypeError) as exc:
                results.append({"ErrorCode": "MalformedDetail", "ErrorMessage": str(exc)})
                continue
            bus_name = entry.get("EventBusName") or "default"
            for rule, pattern in self._rules:
                if rule.bus_name == bus_name and self._matches(pattern, event):
                    for target in rule.targets:
                        self._schedule(_Delivery(self._clock(), next(self._order), target, event))
            results.append({"EventId": event["id"]})
        return results

    @staticmethod
    def _matches(pattern: EventPattern, event: dict[str, Any]) -> bool:
        return bool(pattern.matches_event(event))  # type: ignore[arg-type]

    def matching_rules(self, event: dict[str, Any], bus_name: str) -> list[str]:
        return [
            rule.logical_id
            for rule, p in self._rules
            if rule.bus_name == bus_name and self._matches(p, event)
        ]

    # ------------------------------------------------------------------------------ delivery
    def deliver(self, target: RuleTarget, event: dict[str, Any]) -> None:
        """One delivery attempt; raises when the target failed."""
        if target.kind == "queue":
            name = target.arn.rsplit(":", 1)[-1]
            self._queues.send(name, json.dumps(event), group_id=target.message_group_id)
        else:
            self._invoke(target.logical_id, event)

    def _schedule(self, delivery: _Delivery) -> None:
        with self._wake:
            heapq.heappush(self._pending, delivery)
            self._wake.notify()

    def _run(self) -> None:
        while True:
            with self._wake:
                while not self._stopping and (not self._pending or self._pending[0].due > self._clock()):
                    timeout = self._pending[0].due - self._clock() if self._pending else None
                    self._wake.wait(timeout)
                if self._stopping:
                    return
                delivery = heapq.heappop(self._pending)
                self._busy += 1
            try:
                self._attempt(delivery)
            finally:
                with self._wake:
                    self._busy -= 1
                    self._wake.notify_all()

    def _attempt(self, delivery: _Delivery) -> None:
        target, event = delivery.target, delivery.event
        try:
            self.deliver(target, event)
        except Exception as exc:
            attempts = min(LOCAL_MAX_ATTEMPTS, target.max_retries + 1)
            if delivery.attempt < attempts:
                delay = self._backoff[min(delivery.attempt - 1, len(self._backoff) - 1)]
                log.warning(
                    "delivery to %s failed (%s); retry %d in %.1fs",
                    target.logical_id,
                    exc,
                    delivery.attempt,
                    delay,
                )
                self._schedule(
                    _Delivery(self._clock() + delay, next(self._order), target, event, delivery.attempt + 1)
                )
                return
            self._park(target, event, f"{type(exc).__name__}: {exc}", delivery.attempt)

    def _park(self, target: RuleTarget, event: dict[str, Any], error: str, attempts: int) -> None:
        if target.dead_letter_arn is None:
            log.error(
                "delivery to %s failed %d times and it has no DLQ: event %s dropped",
                target.logical_id,
                attempts,
                event["id"],
            )
            return
        dlq = target.dead_letter_arn.rsplit(":", 1)[-1]
        log.error(
            "delivery to %s failed %d times: event %s parked in %s",
            target.logical_id,
            attempts,
            event["id"],
            dlq,
        )
        self._queues.send(
            dlq,
            json.dumps(event),
            attributes={
                "RULE_TARGET": target.target_id,
                "TARGET_LOGICAL_ID": target.logical_id,
                "ERROR_MESSAGE": error,
                "RETRY_ATTEMPTS": str(attempts),
            },
        )

    # ------------------------------------------------------------------------------ lifecycle
    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="kring-bus", daemon=True)
        self._thread.start()

    def idle(self) -> bool:
        with self._wake:
            return not self._pending and self._busy == 0

    def stop(self) -> None:
        with self._wake:
            self._stopping = True
            self._wake.notify_all()
        if self._thread:
            self._thread.join(timeout=10)

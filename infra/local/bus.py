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


class MalformedEntry(ValueError):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def envelope(entry: dict[str, Any], now: datetime | None = None) -> dict[str, Any]:
    """The event as a rule's target receives it; raises :class:`MalformedEntry` for an entry
    PutEvents refuses."""
    for name in ("Source", "DetailType", "Detail"):
        if not entry.get(name):
            raise MalformedEntry("InvalidArgument", f"Parameter {name} is not valid: it is required.")
    try:
        detail = json.loads(entry["Detail"])
    except ValueError as exc:
        raise MalformedEntry("MalformedDetail", f"Detail is malformed: {exc}") from exc
    if not isinstance(detail, dict):
        raise MalformedEntry("MalformedDetail", "Detail is malformed: not a JSON object")
    moment = now or datetime.now(UTC)
    if entry.get("Time") is not None:  # botocore sends a timestamp as epoch seconds
        moment = datetime.fromtimestamp(float(entry["Time"]), UTC)
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": entry["DetailType"],
        "source": entry["Source"],
        "account": ACCOUNT,
        "time": moment.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": REGION,
        "resources": list(entry.get("Resources") or []),
        "detail": detail,
    }


def bus_name_of(name_or_arn: str | None) -> str:
    """``EventBusName`` may be a name or an ARN (``…:event-bus/<name>``)."""
    if not name_or_arn:
        return "default"
    return name_or_arn.rsplit("event-bus/", 1)[-1]


@dataclass(order=True)
class _Delivery:
    due: float
    order: int
    rule: Rule = field(compare=False)
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
            except MalformedEntry as exc:
                results.append({"ErrorCode": exc.code, "ErrorMessage": str(exc)})
                continue
            bus_name = bus_name_of(entry.get("EventBusName"))
            for rule, pattern in self._rules:
                if rule.bus_name == bus_name and self._matches(pattern, event):
                    for target in rule.targets:
                        self._schedule(_Delivery(self._clock(), next(self._order), rule, target, event))
            results.append({"EventId": event["id"]})
        return results

    def redeliver(self, rule_id: str, target_id: str, event: dict[str, Any]) -> None:
        """An event from a rule target's DLQ, back to that one target (``dlq redrive``)."""
        for rule, _ in self._rules:
            for target in rule.targets:
                if rule.logical_id == rule_id and target.target_id == target_id:
                    self._schedule(_Delivery(self._clock(), next(self._order), rule, target, event))
                    return
        raise LookupError(f"no target {target_id!r} on a rule {rule_id!r} in template.yaml")

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
            if not self._stopping:
                heapq.heappush(self._pending, delivery)
                self._wake.notify()
                return
        self._flush(delivery)  # a late PutEvents while stopping: no worker left to wait for

    def _flush(self, delivery: _Delivery) -> None:
        try:
            if delivery.target.kind != "queue":
                raise RuntimeError("the local stack stopped before delivery")
            self.deliver(delivery.target, delivery.event)
        except Exception as exc:
            self._park(delivery, f"{type(exc).__name__}: {exc}", "LocalStackStopped")

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
                    _Delivery(
                        self._clock() + delay,
                        next(self._order),
                        delivery.rule,
                        target,
                        event,
                        delivery.attempt + 1,
                    )
                )
                return
            self._park(delivery, f"{type(exc).__name__}: {exc}", "MaximumRetryAttempts")

    def _park(self, delivery: _Delivery, error: str, condition: str) -> None:
        """Into the target's DLQ with the message attributes EventBridge sets there."""
        rule, target, event = delivery.rule, delivery.target, delivery.event
        if target.dead_letter_arn is None:
            log.error(
                "delivery to %s failed %d times and it has no DLQ: event %s dropped",
                target.logical_id,
                delivery.attempt,
                event["id"],
            )
            return
        dlq = target.dead_letter_arn.rsplit(":", 1)[-1]
        log.error(
            "delivery to %s failed %d times: event %s parked in %s",
            target.logical_id,
            delivery.attempt,
            event["id"],
            dlq,
        )
        self._queues.send(
            dlq,
            json.dumps(event),
            group_id=target.message_group_id if self._queues.spec(dlq).fifo else None,
            attributes={
                "RULE_ARN": f"arn:aws:events:{REGION}:{ACCOUNT}:rule/{rule.bus_name}/{rule.logical_id}",
                "TARGET_ARN": target.arn,
                "ERROR_CODE": "LocalDeliveryFailed",
                "ERROR_MESSAGE": error,
                "EXHAUSTED_RETRY_CONDITION": condition,
                "RETRY_ATTEMPTS": str(delivery.attempt - 1),
                # what `dlq redrive` needs to hand the event back to this one target
                "RULE": rule.logical_id,
                "RULE_TARGET": target.target_id,
            },
        )

    # ------------------------------------------------------------------------------ lifecycle
    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="kring-bus", daemon=True)
        self._thread.start()

    def pending(self) -> int:
        """Deliveries waiting for their turn (first attempts and retries)."""
        with self._wake:
            return len(self._pending)

    def idle(self) -> bool:
        with self._wake:
            return not self._pending and self._busy == 0

    def stop(self) -> None:
        """Stop the worker; what is still pending is flushed: an SQS target gets its event now
        (a local write), a function's event goes to its DLQ, so nothing accepted is lost."""
        with self._wake:
            self._stopping = True
            self._wake.notify_all()
        if self._thread:
            self._thread.join(timeout=10)
        with self._wake:
            pending, self._pending = self._pending, []
        for delivery in sorted(pending):
            self._flush(delivery)

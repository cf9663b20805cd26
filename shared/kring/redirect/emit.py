"""Putting a click on the bus without ever holding the redirect up or losing the click.

1. ``PutEvents`` (one entry) through the hot-path client: 0.5 s timeouts, two attempts at most.
2. If that raises or the entry fails (``FailedEntryCount``), the click goes to the SQS queue
   ``ClickSpoolQueue`` instead; the ``click_spool_drain`` function puts it on the bus later, with
   the same click id and the original ``occurred_at``. Logged as ``click spooled`` (a metric
   filter in template.yaml counts these).
3. If even that fails, or there is no time left for it, the full click detail is logged at ERROR
   as ``click not emitted nor spooled: {…}``, so nothing is lost silently; a metric filter alarms.

The detail never holds the raw IP address or user agent (see :mod:`kring.redirect`).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from kring import aws
from kring.redirect.budget import Budget

log = logging.getLogger("kring.redirect")

SOURCE = "kring.redirect"  # kring.events.LinkClicked.SOURCE (checked by the contract test)
DETAIL_TYPE = "LinkClicked"

EMITTED, SPOOLED, LOGGED = "emitted", "spooled", "logged"
SPOOLED_MESSAGE = "click spooled"
UNSENT_MESSAGE = "click not emitted nor spooled"


def spool_body(detail: dict[str, Any]) -> str:
    """What the spool queue holds: the event as it would have gone on the bus."""
    return json.dumps({"source": SOURCE, "detail-type": DETAIL_TYPE, "detail": detail}, separators=(",", ":"))


class ClickEmitter:
    def __init__(
        self,
        bus_name: str,
        spool_queue_url: str,
        *,
        events_client: Callable[[], Any] | None = None,
        sqs_client: Callable[[], Any] | None = None,
    ) -> None:
        self._bus_name = bus_name
        self._queue_url = spool_queue_url
        self._events = events_client or (lambda: aws.hot_path_client("events"))
        self._sqs = sqs_client or (lambda: aws.hot_path_client("sqs"))

    def emit(self, detail: dict[str, Any], budget: Budget) -> str:
        """``emitted``, ``spooled`` or ``logged``; never raises."""
        text = json.dumps(detail, separators=(",", ":"))
        problem = self._put(text) if budget.allows_call() else "no time left for PutEvents"
        if problem is None:
            return EMITTED
        if budget.allows_call():
            spool_problem = self._spool(detail)
            if spool_problem is None:
                log.warning(
                    "%s", SPOOLED_MESSAGE, extra={"click_id": detail.get("click_id"), "reason": problem}
                )
                return SPOOLED
        else:
            spool_problem = "no time left for SendMessage"
        log.error("%s: %s", UNSENT_MESSAGE, text, extra={"put_events": problem, "spool": spool_problem})
        return LOGGED

    def _put(self, detail_text: str) -> str | None:
        entry = {
            "Source": SOURCE,
            "DetailType": DETAIL_TYPE,
            "Detail": detail_text,
            "EventBusName": self._bus_name,
        }
        try:
            response = self._events().put_events(Entries=[entry])
        except (BotoCoreError, ClientError) as exc:
            return f"PutEvents raised {type(exc).__name__}: {exc}"
        if response.get("FailedEntryCount", 0):
            failed = (response.get("Entries") or [{}])[0]
            return f"PutEvents failed the entry: {failed.get('ErrorCode')} {failed.get('ErrorMessage')}"
        return None

    def _spool(self, detail: dict[str, Any]) -> str | None:
        try:
            self._sqs().send_message(QueueUrl=self._queue_url, MessageBody=spool_body(detail))
        except (BotoCoreError, ClientError) as exc:
            return f"SendMessage raised {type(exc).__name__}: {exc}"
        return None

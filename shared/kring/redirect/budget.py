"""The redirect's time budget: an AWS call is only started when, even at its worst, it ends in
time for the 302 to go out before the function's timeout.

Every client on the path has 0.5 s connect and read timeouts and at most two attempts, and
botocore backs off at most 1 s between them (throttling), so one call takes at most ~3 s.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

CALL_WORST_CASE_MS = 3_000
RESPONSE_MARGIN_MS = 100


@dataclass(frozen=True)
class Budget:
    remaining_ms: Callable[[], int] | None = None  # Lambda's context.get_remaining_time_in_millis

    def allows_call(self) -> bool:
        if self.remaining_ms is None:
            return True
        return self.remaining_ms() >= CALL_WORST_CASE_MS + RESPONSE_MARGIN_MS


UNLIMITED = Budget()

"""SES v2: ``SendEmail`` of a raw MIME message (HTML and text parts, List-Unsubscribe headers),
with the configuration set whose events (bounces, complaints) come back on the bus.

Throttling (``TooManyRequestsException``, ``LimitExceededException``: the account's send rate or
quota) is retried here with exponential backoff and jitter; after the last attempt it becomes a
:class:`~kring.errors.TransientError`, so the SQS message is retried later and, in the end,
parked. Every other error propagates as it is.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Protocol

from kring import aws, config
from kring.dal.batch import backoff
from kring.errors import TransientError

THROTTLING = frozenset(
    {"TooManyRequestsException", "LimitExceededException", "Throttling", "ThrottlingException"}
)


class MailTransport(Protocol):
    """The port the sender hands a finished message to; tests and the bench pass their own."""

    def send(self, *, raw: bytes, to: str) -> str: ...


class SesTransport:
    """Sends are spaced by :attr:`~kring.config.MailSettings.send_interval_seconds` (the senders
    that run at once, together, stay under ``MAIL_SENDS_PER_SECOND``)."""

    def __init__(
        self, sleep: Callable[[float], None] = time.sleep, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._sleep = sleep
        self._clock = clock
        self._last: float | None = None

    def _pace(self) -> None:
        interval = config.mail().send_interval_seconds
        if self._last is not None:
            wait = self._last + interval - self._clock()
            if wait > 0:
                self._sleep(wait)
        self._last = self._clock()

    def send(self, *, raw: bytes, to: str) -> str:
        """SES's message id once SES accepted the message."""
        from botocore.exceptions import ClientError

        settings = config.mail()
        request: dict[str, object] = {
            "FromEmailAddress": settings.mail_from_address,
            "Destination": {"ToAddresses": [to]},
            "Content": {"Raw": {"Data": raw}},
        }
        if settings.ses_configuration_set:
            request["ConfigurationSetName"] = settings.ses_configuration_set
        attempts = settings.mail_send_attempts
        for attempt in range(attempts):
            self._pace()
            try:
                answer = aws.sesv2().send_email(**request)  # type: ignore[arg-type]
                return str(answer["MessageId"])
            except ClientError as exc:
                code = str(exc.response.get("Error", {}).get("Code", ""))
                if code not in THROTTLING:
                    raise
                if attempt + 1 == attempts:
                    raise TransientError(f"SES throttled the send {attempts} times ({code})") from exc
                backoff(attempt + 2, self._sleep)
        raise AssertionError("unreachable")

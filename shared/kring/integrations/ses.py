"""SES v2: ``SendEmail`` with simple content — the subject, the HTML and plain-text parts and the
List-Unsubscribe headers (``Content.Simple.Headers``) — and the configuration set whose events
(bounces, complaints) come back on the bus. SES assembles the MIME message (``multipart/
alternative``, text then HTML, UTF-8), so Kring builds none: :func:`send_email_request` is the
whole request.

Throttling (``TooManyRequestsException``, ``LimitExceededException``: the account's send rate or
quota) is retried here with exponential backoff and jitter; after the last attempt it becomes a
:class:`~kring.errors.TransientError`, so the SQS message is retried later and, in the end,
parked. Every other error propagates as it is.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Protocol

from kring import aws, config
from kring.dal.batch import backoff
from kring.errors import TransientError

UTF8 = "UTF-8"
ONE_CLICK = "List-Unsubscribe=One-Click"  # RFC 8058


@dataclass(frozen=True)
class OutgoingMail:
    """One finished mail for one address: what the sender hands the transport."""

    to: str
    subject: str
    html: str
    text: str
    lang: str  # Content-Language
    # List-Unsubscribe (https), with List-Unsubscribe-Post: one click; None for a mail one asked
    # for (a sign-in link), which has neither
    unsubscribe_url: str | None


@lru_cache(maxsize=4)
def from_header(name: str, address: str) -> str:
    """``Name <address>``, the name in RFC 2047 words when it is not ASCII (as SES requires)."""
    from email.utils import formataddr

    return formataddr((name, address), charset="utf-8") if name else address


def send_email_request(mail: OutgoingMail, settings: config.MailSettings) -> dict[str, Any]:
    """The SES v2 ``SendEmail`` parameters of ``mail``."""
    request: dict[str, Any] = {
        "FromEmailAddress": from_header(settings.mail_from_name, settings.mail_from_address),
        "Destination": {"ToAddresses": [mail.to]},
        "Content": {
            "Simple": {
                "Subject": {"Data": mail.subject, "Charset": UTF8},
                "Body": {
                    "Text": {"Data": mail.text, "Charset": UTF8},
                    "Html": {"Data": mail.html, "Charset": UTF8},
                },
                "Headers": [
                    *(
                        [
                            {"Name": "List-Unsubscribe", "Value": f"<{mail.unsubscribe_url}>"},
                            {"Name": "List-Unsubscribe-Post", "Value": ONE_CLICK},
                        ]
                        if mail.unsubscribe_url is not None
                        else []
                    ),
                    {"Name": "Content-Language", "Value": mail.lang},
                ],
            }
        },
    }
    if settings.mail_reply_to:
        request["ReplyToAddresses"] = [settings.mail_reply_to]
    if settings.ses_configuration_set:
        request["ConfigurationSetName"] = settings.ses_configuration_set
    return request


THROTTLING = frozenset(
    {"TooManyRequestsException", "LimitExceededException", "Throttling", "ThrottlingException"}
)


class MailTransport(Protocol):
    """The port the sender hands a finished message to; tests and the bench pass their own."""

    def send(self, mail: OutgoingMail) -> str: ...


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

    def send(self, mail: OutgoingMail) -> str:
        """SES's message id once SES accepted the message."""
        from botocore.exceptions import ClientError

        settings = config.mail()
        request = send_email_request(mail, settings)
        attempts = settings.mail_send_attempts
        for attempt in range(attempts):
            self._pace()
            try:
                answer = aws.sesv2().send_email(**request)
                return str(answer["MessageId"])
            except ClientError as exc:
                code = str(exc.response.get("Error", {}).get("Code", ""))
                if code not in THROTTLING:
                    raise
                if attempt + 1 == attempts:
                    raise TransientError(f"SES throttled the send {attempts} times ({code})") from exc
                backoff(attempt + 2, self._sleep)
        raise AssertionError("unreachable")

"""Mail tests' world: SES under moto (the sending domain verified), ambassadors, and the messages
SES accepted, parsed as a mail client would.

Kring sends simple content (SES v2 makes the MIME message), and moto keeps only a simple
message's subject and HTML: so the ``SendEmail`` requests moto accepted are kept here, from
Kring's SES client, and made into the message SES would deliver by the local stack's outbox
(:func:`infra.local.outbox.simple_message`), the same code that writes the local ``.eml`` files."""

from __future__ import annotations

import email
import email.policy
import json
import re
from dataclasses import dataclass
from email.message import EmailMessage
from html.parser import HTMLParser
from typing import Any

import boto3
from aws_lambda_powertools.utilities.batch.exceptions import BatchProcessingError

from infra.local.outbox import simple_message
from kring import aws
from kring.integrations.ses import SesTransport
from kring.models.ambassador import AmbassadorInput
from kring.queues import MailJob
from kring.roster.ambassadors import save_ambassador
from tests.support import link_activity as la
from tests.support.fixtures import MAIL_FROM_ADDRESS, REGION, MotoStack

ACCOUNT = "123456789012"


_ACCEPTED: list[dict[str, Any]] = []  # the SendEmail requests SES (moto) accepted, in order


def verify_sending_domain() -> None:
    """The sending domain verified in SES (moto), and Kring's SES client watched: every
    ``SendEmail`` it makes that SES accepts is kept for :func:`sent_messages`."""
    boto3.client("ses", region_name=REGION).verify_domain_identity(Domain=MAIL_FROM_ADDRESS.split("@")[1])
    _ACCEPTED.clear()
    events = aws.sesv2().meta.events
    events.register("before-parameter-build.sesv2.SendEmail", _given, unique_id="kring-tests-given")
    events.register("after-call.sesv2.SendEmail", _accepted, unique_id="kring-tests-accepted")


def _given(params: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
    context["kring_tests_request"] = json.loads(json.dumps(params))


def _accepted(http_response: Any, context: dict[str, Any], **_: Any) -> None:
    if http_response.status_code < 300:
        _ACCEPTED.append(context["kring_tests_request"])


def put_ambassador(ambassador_id: str, *, locale: str = "en", name: str | None = None) -> str:
    address = f"{ambassador_id.lower()}@people.example.com"
    save_ambassador(
        AmbassadorInput(id=ambassador_id, name=name or f"Sam {ambassador_id}", email=address, locale=locale)
    )
    return address


class Sleeps:
    """A transport's sleep that records instead of waiting."""

    def __init__(self) -> None:
        self.slept: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.slept.append(seconds)


def transport() -> SesTransport:
    return SesTransport(sleep=Sleeps())


def send(stack: MotoStack, bodies: list[str], **ports: Any) -> list[int]:
    """One SQS batch to the real MailSenderFunction; the indexes of the messages that failed."""
    event = la.sqs_event(bodies)
    ports.setdefault("transport", transport())
    try:
        result = stack.invoke("MailSenderFunction", event, **ports)
    except BatchProcessingError:
        return list(range(len(bodies)))
    failed = {f["itemIdentifier"] for f in result["batchItemFailures"]}
    return [i for i, record in enumerate(event["Records"]) if record["messageId"] in failed]


def job(kind: str, recipient: str, period_key: str, **params: str) -> str:
    return MailJob(kind=kind, recipient=recipient, period_key=period_key, params=params).model_dump_json()


def sent_messages() -> list[EmailMessage]:
    """Every message SES (moto) accepted, as SES makes it of Kring's request, parsed."""
    from moto.ses.models import ses_backends

    accepted = ses_backends[ACCOUNT][REGION].sent_messages
    assert len(accepted) == len(_ACCEPTED), (
        "a message was sent by a client verify_sending_domain did not watch"
    )
    out = []
    for request in _ACCEPTED:
        assert "Simple" in request["Content"], "Kring sends simple content"
        parsed = email.message_from_bytes(simple_message(request), policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        out.append(parsed)
    return out


@dataclass
class Parts:
    message: EmailMessage
    html: str
    text: str

    @property
    def links(self) -> list[tuple[str, str]]:
        """(href, link text) of every link in the HTML part."""
        parser = _Links()
        parser.feed(self.html)
        return parser.links

    def header(self, name: str) -> str:
        return str(self.message[name] or "")


def parts(message: EmailMessage) -> Parts:
    html = message.get_body(preferencelist=("html",))
    text = message.get_body(preferencelist=("plain",))
    assert html is not None
    assert text is not None
    return Parts(message, html.get_content(), text.get_content())


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[tuple[str, str]] = []
        self._href: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self._href = dict(attrs).get("href")
            self._text = []

    def handle_data(self, data: str) -> None:
        if self._href is not None:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self._href is not None:
            self.links.append((self._href, " ".join("".join(self._text).split())))
            self._href = None


def path_of(url: str) -> str:
    return re.sub(r"^https?://[^/]+", "", url)


def envelope_of_ses(event_type: str, detail: dict[str, Any]) -> dict[str, Any]:
    return {
        "version": "0",
        "id": "4b7e5a52-0000-0000-0000-000000000000",
        "detail-type": {"Bounce": "Email Bounced", "Complaint": "Email Complaint Received"}[event_type],
        "source": "aws.ses",
        "account": ACCOUNT,
        "time": "2026-12-04T10:00:00Z",
        "region": REGION,
        "resources": [],
        "detail": json.loads(json.dumps({"eventType": event_type, **detail})),
    }


def queued(stack: MotoStack, logical_id: str) -> list[tuple[str, int]]:
    """Every message on a queue under moto, delayed ones too (drained), with the delay it was sent
    with in seconds: moto keeps a delayed message from ReceiveMessage until its time comes, and a
    test never waits for it."""
    from moto.sqs.models import sqs_backends

    queue = sqs_backends[ACCOUNT][REGION].queues[stack.stack.queues()[logical_id].name]
    out = []
    for message in list(queue._messages):
        sent = message.sent_timestamp or 0
        out.append(
            (message.body, round((message.delayed_until - sent) / 1000) if message.delayed_until else 0)
        )
    queue._messages.clear()
    return out

"""The local stack's mail: SES v2 ``SendEmail`` answered on the local AWS endpoint, each message
written as an ``.eml`` file under ``$KRING_DATA_DIR/outbox/``, and a page of the local gateway
(``/outbox``) that lists them and shows one as a mail client would: its headers, the HTML part
(in a sandboxed frame: no script, no outside request) and the plain-text part.

Kring sends simple content (``Content.Simple``: subject, text and HTML bodies, extra headers);
the outbox assembles the message from it as SES does (:func:`simple_message`: ``multipart/
alternative``, text then HTML, UTF-8, with the request's headers, Reply-To, a Date and a
Message-ID). Raw content (``Content.Raw``) is written as it is. A request SES would refuse (no
destination, no subject or body, a malformed header, templates, which Kring never sends) is
refused the same way.
"""

from __future__ import annotations

import base64
import email
import email.policy
import html
import re
import threading
import time
import uuid
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path
from typing import Any

SES_SEND_PATH = "/v2/email/outbound-emails"
OUTBOX_PAGE = "/outbox"
_NAME = re.compile(r"^[0-9]{8}T[0-9]{6}-[0-9a-f-]{36}\.eml$")
_HEADER_NAME = re.compile(r"^[!-9;-~]{1,126}$")  # SES's MessageHeader name: printable, no colon
_HEADER_VALUE = re.compile(r"^[ -~]{1,995}$")
# headers SES sets itself from the request, not from Content.Simple.Headers
_OWN_HEADERS = frozenset(
    h.lower()
    for h in ("From", "To", "Cc", "Bcc", "Subject", "Reply-To", "Date", "Message-ID", "MIME-Version")
)


class SesRefusal(ValueError):
    """A request SES would refuse (answered as ``BadRequestException``)."""


@dataclass(frozen=True)
class Stored:
    name: str
    message_id: str


class Outbox:
    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._lock = threading.Lock()

    def send_email(self, request: dict[str, Any]) -> Stored:
        """What SES v2 ``SendEmail`` does: accept the message (simple or raw), give it an id."""
        destination = request.get("Destination") or {}
        to = [*destination.get("ToAddresses", []), *destination.get("CcAddresses", [])]
        if not to and not destination.get("BccAddresses"):
            raise SesRefusal("Missing required destination")
        content = request.get("Content") or {}
        message_id = str(uuid.uuid4())
        if "Simple" in content:
            data = simple_message(request, message_id)
        elif (content.get("Raw") or {}).get("Data"):
            data = base64.b64decode(content["Raw"]["Data"], validate=True)
        else:
            raise SesRefusal("Only Content.Simple and Content.Raw are emulated locally")
        name = f"{time.strftime('%Y%m%dT%H%M%S', time.gmtime())}-{message_id}.eml"
        with self._lock:
            self.directory.mkdir(parents=True, exist_ok=True)
            (self.directory / name).write_bytes(data)
        return Stored(name=name, message_id=message_id)

    def names(self) -> list[str]:
        if not self.directory.is_dir():
            return []
        return sorted((p.name for p in self.directory.iterdir() if _NAME.match(p.name)), reverse=True)

    def read(self, name: str) -> EmailMessage | None:
        if not _NAME.match(name) or not (self.directory / name).is_file():
            return None
        parsed = email.message_from_bytes((self.directory / name).read_bytes(), policy=email.policy.default)
        return parsed if isinstance(parsed, EmailMessage) else None

    # ------------------------------------------------------------------------------ pages
    def list_page(self) -> str:
        rows = []
        for name in self.names():
            message = self.read(name)
            if message is None:
                continue
            rows.append(
                "<tr>"
                f"<td>{html.escape(str(message['Date'] or ''))}</td>"
                f"<td>{html.escape(str(message['To'] or ''))}</td>"
                f'<td><a href="{OUTBOX_PAGE}/{name}">{_subject(message)}</a></td>'
                "</tr>"
            )
        body = (
            "<table><thead><tr><th>Date</th><th>To</th><th>Subject</th></tr></thead><tbody>"
            + "".join(rows)
            + "</tbody></table>"
            if rows
            else "<p>No mail yet. <code>make digest</code> runs the mail schedules' next runs now.</p>"
        )
        return _page("Outbox", f"<p>{len(rows)} message(s) in {html.escape(str(self.directory))}</p>{body}")

    def message_page(self, name: str) -> str | None:
        message = self.read(name)
        if message is None:
            return None
        headers = "".join(
            f"<tr><th>{html.escape(h)}</th><td>{html.escape(str(message[h]))}</td></tr>"
            for h in (
                "From",
                "To",
                "Reply-To",
                "Subject",
                "Date",
                "Content-Language",
                "List-Unsubscribe",
                "List-Unsubscribe-Post",
            )
            if message[h]
        )
        html_part = message.get_body(preferencelist=("html",))
        text_part = message.get_body(preferencelist=("plain",))
        shown_html = html_part.get_content() if html_part is not None else ""
        shown_text = text_part.get_content() if text_part is not None else ""
        return _page(
            str(message["Subject"] or name),
            f'<p><a href="{OUTBOX_PAGE}">All messages</a> · <a href="{OUTBOX_PAGE}/{name}?raw=1">.eml</a></p>'
            f"<table>{headers}</table>"
            "<h2>HTML</h2>"
            f'<iframe title="HTML part" sandbox="" srcdoc="{html.escape(shown_html, quote=True)}"></iframe>'
            "<h2>Text</h2>"
            f"<pre>{html.escape(shown_text)}</pre>",
        )

    def raw(self, name: str) -> bytes | None:
        if not _NAME.match(name) or not (self.directory / name).is_file():
            return None
        return (self.directory / name).read_bytes()


def simple_message(request: dict[str, Any], message_id: str | None = None) -> bytes:
    """The message SES makes of a ``SendEmail`` request with ``Content.Simple``: ``multipart/
    alternative`` with the text part first, then the HTML (or the one given), UTF-8, From, To, Cc,
    Reply-To and Subject from the request, its extra headers, a Date and a Message-ID.
    :class:`SesRefusal` where SES would refuse it."""
    simple = (request.get("Content") or {}).get("Simple") or {}
    subject = (simple.get("Subject") or {}).get("Data")
    body = simple.get("Body") or {}
    text = (body.get("Text") or {}).get("Data")
    html_body = (body.get("Html") or {}).get("Data")
    if not subject:
        raise SesRefusal("Missing required subject")
    if text is None and html_body is None:
        raise SesRefusal("Missing required body")
    sender = request.get("FromEmailAddress")
    if not sender:
        raise SesRefusal("Missing required FromEmailAddress")
    headers = _extra_headers(simple.get("Headers") or [])
    destination = request.get("Destination") or {}
    message = EmailMessage(policy=email.policy.SMTP)
    message["From"] = sender
    if destination.get("ToAddresses"):
        message["To"] = ", ".join(destination["ToAddresses"])
    if destination.get("CcAddresses"):
        message["Cc"] = ", ".join(destination["CcAddresses"])
    if request.get("ReplyToAddresses"):
        message["Reply-To"] = ", ".join(request["ReplyToAddresses"])
    message["Subject"] = subject
    message["Date"] = formatdate(usegmt=True)
    message["Message-ID"] = make_msgid(idstring=message_id, domain="outbox.kring.local")
    if text is not None:
        message.set_content(text, subtype="plain", charset="utf-8")
        if html_body is not None:
            message.add_alternative(html_body, subtype="html", charset="utf-8")
    else:
        message.set_content(html_body, subtype="html", charset="utf-8")
    for header in headers:  # after the parts: set_content moves Content-* headers into them
        message[header["Name"]] = header["Value"]
    return message.as_bytes()


def _extra_headers(headers: list[dict[str, str]]) -> list[dict[str, str]]:
    """``Content.Simple.Headers`` as SES takes them: well-formed, none of its own, none twice."""
    for header in headers:
        name, value = header.get("Name", ""), header.get("Value", "")
        if not _HEADER_NAME.match(name) or not _HEADER_VALUE.match(value) or name.lower() in _OWN_HEADERS:
            raise SesRefusal(f"Invalid header: {name!r}")
    if len({h["Name"].lower() for h in headers}) != len(headers):
        raise SesRefusal("A header appears more than once")
    return headers


def _subject(message: EmailMessage) -> str:
    return html.escape(str(message["Subject"] or "(no subject)"))


def _page(title: str, body: str) -> str:
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(title)} - Kring outbox</title>"
        "<style>body{font-family:Arial,sans-serif;margin:16px;max-width:960px}"
        "table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:4px 8px;"
        "border-bottom:1px solid #ddd;vertical-align:top}"
        "iframe{width:100%;height:640px;border:1px solid #ccc}"
        "pre{white-space:pre-wrap;background:#f4f4f5;padding:12px}</style></head>"
        f"<body><h1>{html.escape(title)}</h1>{body}</body></html>"
    )

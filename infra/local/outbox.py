"""The local stack's mail: SES v2 ``SendEmail`` answered on the local AWS endpoint, each message
written as an ``.eml`` file under ``$KRING_DATA_DIR/outbox/``, and a page of the local gateway
(``/outbox``) that lists them and shows one as a mail client would: its headers, the HTML part
(in a sandboxed frame: no script, no outside request) and the plain-text part.

Only the raw content Kring sends (``Content.Raw``) is accepted, as Kring sends nothing else; a
request SES would refuse (no destination, no raw data) is refused the same way.
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
from pathlib import Path
from typing import Any

SES_SEND_PATH = "/v2/email/outbound-emails"
OUTBOX_PAGE = "/outbox"
_NAME = re.compile(r"^[0-9]{8}T[0-9]{6}-[0-9a-f-]{36}\.eml$")


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
        """What SES v2 ``SendEmail`` does for a raw message: accept it, give it an id."""
        destination = request.get("Destination") or {}
        to = [*destination.get("ToAddresses", []), *destination.get("CcAddresses", [])]
        raw = ((request.get("Content") or {}).get("Raw") or {}).get("Data")
        if not raw:
            raise SesRefusal("Only Content.Raw is emulated locally (Kring sends raw MIME messages)")
        if not to and not destination.get("BccAddresses"):
            raise SesRefusal("Missing required destination")
        data = base64.b64decode(raw, validate=True)
        message_id = str(uuid.uuid4())
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

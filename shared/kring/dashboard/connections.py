"""The Connections page: each ATS (connected or not, its webhook URL, where its secret goes, how the
click token reaches the application, its last delivery and last error) and the messages parked in
the dead-letter queues, with a Redrive button for a recruiter.

Reads: one GetParameter (undecrypted) or environment look-up per ATS for "connected", one Query
for the ATS statuses (:mod:`kring.dal.ats_deliveries`), and per DLQ one GetQueueAttributes plus,
when it holds messages, one ReceiveMessage that leaves them where they are
(:mod:`kring.dead_letters`). A secret's value is never read into the page.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from kring import config, dead_letters
from kring.dal import ats_deliveries
from kring.dashboard import frame
from kring.dashboard.tables import Column, Table, find, to_csv
from kring.integrations.ats.provider_kit import secret_name
from kring.integrations.ats.registry import PROVIDER_NAMES
from kring.integrations.secrets import is_configured
from kring.mail.i18n import BRANDS, Translator

# The README's ATS table's order.
PROVIDERS = ("greenhouse", "lever", "ashby", "recruitee", "teamtailor", "workable", "smartrecruiters")
TABLES = ("ats", "setup", "queues", "parked")
DONE = ("redriven",)


@dataclass(frozen=True)
class Redrive:
    """A Redrive button: the DLQ it empties and its label."""

    queue: str
    label: str


def webhook_url(provider: str) -> str:
    return f"{config.links().base}/webhooks/{provider}"


def ssm_parameter(provider: str) -> str:
    path = config.secrets().secrets_ssm_path or "/kring/<stage>/"
    return path.rstrip("/") + "/" + secret_name(provider)


def env_variable(provider: str) -> str:
    return "KRING_" + secret_name(provider).upper().replace("-", "_")


def _when(t: Translator, moment: datetime | None) -> str | None:
    return t.datetime(moment) if moment else None


def _tables(t: Translator) -> tuple[tuple[Table, ...], list[dead_letters.DeadLetterQueue]]:
    statuses = ats_deliveries.statuses()
    queues = dead_letters.parked()
    parked_fetches: dict[str, datetime] = {}
    for queue in queues:
        for message in queue.messages:
            if message.provider and message.sent_at:
                parked_fetches[message.provider] = max(
                    message.sent_at, parked_fetches.get(message.provider, message.sent_at)
                )
    yes, no = t("dashboard.connections.yes"), t("dashboard.connections.no")
    ats_rows, setup_rows = [], []
    for provider in (p for p in PROVIDERS if p in PROVIDER_NAMES):
        status = statuses.get(provider)
        error_at = status.last_error_at if status else None
        error = status.last_error if status else None
        parked_at = parked_fetches.get(provider)
        if parked_at and (error_at is None or parked_at > error_at):
            error_at, error = parked_at, t("dashboard.connections.parked_fetch")
        last_error = f"{t.datetime(error_at)}: {error}" if error_at and error else None
        ats_rows.append(
            (
                BRANDS[provider],
                yes if is_configured(secret_name(provider)) else no,
                _when(t, status.last_delivery_at if status else None),
                last_error,
            )
        )
        where = t(
            "dashboard.connections.secret_where", ssm=ssm_parameter(provider), env=env_variable(provider)
        )
        setup_rows.append(
            (BRANDS[provider], webhook_url(provider), where, t(f"dashboard.connections.token.{provider}"))
        )
    ats = Table(
        "ats",
        t("dashboard.connections.ats_caption"),
        tuple(
            Column(t(f"dashboard.connections.col.{c}"))
            for c in ("ats", "connected", "last_delivery", "last_error")
        ),
        tuple(ats_rows),
    )
    setup = Table(
        "setup",
        t("dashboard.connections.setup_caption"),
        tuple(Column(t(f"dashboard.connections.col.{c}")) for c in ("ats", "webhook", "secret", "token")),
        tuple(setup_rows),
    )
    queue_table = Table(
        "queues",
        t("dashboard.connections.queues_caption"),
        (
            Column(t("dashboard.connections.col.queue")),
            Column(t("dashboard.connections.col.count"), numeric=True),
            Column(t("dashboard.connections.col.redrive")),
        ),
        tuple(
            (
                q.name,
                q.count,
                t(
                    "dashboard.connections.redrive_here"
                    if q.redrivable
                    else "dashboard.connections.redrive_make"
                ),
            )
            for q in queues
        ),
    )
    parked = Table(
        "parked",
        t("dashboard.connections.parked_caption", shown=dead_letters.SHOWN),
        tuple(
            Column(t(f"dashboard.connections.col.{c}"), numeric=c == "receives")
            for c in ("queue", "kind", "sent_at", "receives", "error")
        ),
        tuple(
            (
                q.name,
                _kind(t, m),
                _when(t, m.sent_at),
                m.receives,
                m.error,
            )
            for q in queues
            for m in q.messages
        ),
    )
    return (ats, setup, queue_table, parked), queues


def _kind(t: Translator, message: dead_letters.ParkedMessage) -> str:
    if message.kind is None:
        return t("dashboard.connections.unknown")
    return message.kind + (f" ({message.provider})" if message.provider else "")


def connections_page(
    t: Translator, *, chrome: frame.Chrome, may_redrive: bool, done: str | None, queue: str | None
) -> str:
    tables, queues = _tables(t)
    buttons = (
        [
            Redrive(q.name, t("dashboard.connections.redrive_button", queue=q.name, count=t.number(q.count)))
            for q in queues
            if q.redrivable and q.count
        ]
        if may_redrive
        else []
    )
    notice = (
        t("dashboard.connections.redriven", queue=queue)
        if done == "redriven" and queue in dead_letters.queues()
        else None
    )
    return frame.render(
        "connections",
        t,
        title=t("dashboard.connections.title"),
        chrome=chrome,
        tables=frame.table_context(tables),
        csv_href={name: frame.connections_csv_url(name) for name in TABLES},
        buttons=buttons,
        notice=notice,
        action=frame.connections_redrive_url(),
    )


def connections_csv(t: Translator, table: str) -> str | None:
    """One of the page's tables as CSV (None: no such table)."""
    if table not in TABLES:
        return None
    found = find(_tables(t)[0], table)
    return to_csv(found) if found else None

"""The local stack's mail: the same SES v2 SendEmail call Kring makes in AWS, answered by the local
AWS endpoint into the outbox (one .eml per message), and the gateway's /outbox page that lists the
messages and shows one as a mail client would."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import boto3
import pytest
import requests
from botocore.exceptions import ClientError

from infra.local.bus import LocalBus
from infra.local.http import AwsServer, GatewayServer, Health
from infra.local.outbox import Outbox
from infra.local.queues import QueueStore
from infra.local.scheduler import next_fire
from infra.local.stack import schedule_kind_matches
from infra.local.template import REGION, Stack
from kring.mail.i18n import Translator
from kring.mail.notices import RewardEligibleNotice
from kring.mail.render import mime_message, render_mail

STACK = Stack({"PublicBaseUrl": "https://go.example.com", "Stage": "t"})


@dataclass
class Local:
    aws_url: str
    gateway_url: str
    outbox: Outbox

    def sesv2(self) -> Any:
        return boto3.client(
            "sesv2",
            endpoint_url=self.aws_url,
            region_name=REGION,
            aws_access_key_id="local",
            aws_secret_access_key="local",
        )


@pytest.fixture
def local(tmp_path: Path) -> Iterator[Local]:
    store = QueueStore(tmp_path / "q.sqlite3", STACK.queues())
    bus = LocalBus(STACK.rules(), store, lambda *_: None)
    outbox = Outbox(tmp_path / "outbox")
    aws = AwsServer(("127.0.0.1", 0), lambda: bus, store, outbox=outbox)
    gateway = GatewayServer(("127.0.0.1", 0), [], lambda *_: None, lambda: Health("ready"), outbox=outbox)
    for server in (aws, gateway):
        threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    yield Local(
        f"http://127.0.0.1:{aws.server_address[1]}", f"http://127.0.0.1:{gateway.server_address[1]}", outbox
    )
    for server in (aws, gateway):
        server.shutdown()
        server.server_close()
    bus.stop()
    store.close()


def _message(locale: str = "nl") -> bytes:
    t = Translator(locale)  # type: ignore[arg-type]
    rendered = render_mail(
        "reward_eligible",
        t=t,
        subject=t("reward_eligible.subject"),
        context={
            "mail": RewardEligibleNotice(Decimal("250"), "EUR", datetime(2026, 12, 4, tzinfo=UTC).date()),
            "first_name": "Sam",
            "programme": "Acme",
            "topic": t("topic.outcomes"),
            "unsubscribe_url": "http://127.0.0.1:3000/mail/unsubscribe/tok",
            "preferences_url": "http://127.0.0.1:3000/mail/preferences/tok",
        },
    )
    return mime_message(
        rendered,
        to="sam@example.com",
        from_address="kring@kring.example.com",
        from_name="Kring",
        reply_to="",
        unsubscribe_url="http://127.0.0.1:3000/mail/unsubscribe/tok",
    )


def test_send_email_writes_the_raw_message_to_the_outbox_and_the_page_shows_it(local: Local) -> None:
    raw = _message()
    answer = local.sesv2().send_email(
        FromEmailAddress="kring@kring.example.com",
        Destination={"ToAddresses": ["sam@example.com"]},
        Content={"Raw": {"Data": raw}},
        ConfigurationSetName="kring-local-mail",
    )
    [name] = local.outbox.names()
    assert answer["MessageId"] in name
    assert (local.outbox.directory / name).read_bytes() == raw

    listing = requests.get(f"{local.gateway_url}/outbox", timeout=5)
    assert listing.status_code == 200
    assert "Je beloning kan worden uitbetaald" in listing.text
    assert f'href="/outbox/{name}"' in listing.text

    page = requests.get(f"{local.gateway_url}/outbox/{name}", timeout=5)
    assert page.status_code == 200
    assert 'sandbox=""' in page.text  # the mail's HTML shown without scripts or outside requests
    assert "List-Unsubscribe=One-Click" in page.text
    assert "4 december 2026" in page.text  # the text part, as written
    assert requests.get(f"{local.gateway_url}/outbox/{name}?raw=1", timeout=5).content == raw
    assert requests.get(f"{local.gateway_url}/outbox/../secrets.json", timeout=5).status_code == 404
    assert requests.get(f"{local.gateway_url}/outbox/nope.eml", timeout=5).status_code == 404


def test_what_kring_never_sends_is_refused_as_ses_refuses_it(local: Local) -> None:
    with pytest.raises(ClientError) as refused:
        local.sesv2().send_email(
            FromEmailAddress="kring@kring.example.com",
            Destination={"ToAddresses": ["sam@example.com"]},
            Content={"Simple": {"Subject": {"Data": "s"}, "Body": {"Text": {"Data": "b"}}}},
        )
    assert refused.value.response["Error"]["Code"] == "BadRequestException"
    with pytest.raises(ClientError):
        local.sesv2().send_email(FromEmailAddress="kring@kring.example.com", Content={"Raw": {"Data": b"x"}})
    assert local.outbox.names() == []


def test_the_mail_schedules_keep_their_local_time_across_daylight_saving() -> None:
    schedules = [s for s in STACK.schedules() if s.function == "MailPlannerFunction"]
    assert {s.timezone for s in schedules} == {"Europe/Amsterdam"}
    [schedule] = [s for s in schedules if schedule_kind_matches(s.payload, "reward_eligible")]
    winter = next_fire(schedule.expression, schedule.timezone, datetime(2026, 12, 4, 12, tzinfo=UTC))
    summer = next_fire(schedule.expression, schedule.timezone, datetime(2026, 7, 4, 12, tzinfo=UTC))
    assert winter == datetime(2026, 12, 5, 8, tzinfo=UTC)  # 09:00 CET
    assert summer == datetime(2026, 7, 5, 7, tzinfo=UTC)  # 09:00 CEST


def test_make_digest_picks_schedules_by_their_mail_kind() -> None:
    payload = '{"kind": "ambassador_digest", "scheduled_at": "<aws.scheduler.scheduled-time>"}'
    assert schedule_kind_matches(payload, "ambassador")
    assert schedule_kind_matches(payload, "ambassador_digest")
    assert not schedule_kind_matches(payload, "ambassadors")
    assert not schedule_kind_matches(payload, "team")

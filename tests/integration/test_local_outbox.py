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
from kring.config import MailSettings
from kring.integrations.ses import OutgoingMail, send_email_request
from kring.mail.i18n import Translator
from kring.mail.notices import RewardEligibleNotice
from kring.mail.render import render_mail

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


def _request(locale: str = "nl", *, from_name: str = "Kring", reply_to: str = "") -> dict[str, Any]:
    """The SendEmail request Kring makes for a reward notice."""
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
    settings = MailSettings.model_validate(
        {
            "MAIL_FROM_ADDRESS": "kring@kring.example.com",
            "MAIL_FROM_NAME": from_name,
            "MAIL_REPLY_TO": reply_to,
            "SES_CONFIGURATION_SET": "kring-local-mail",
        }
    )
    mail = OutgoingMail(
        to="sam@example.com",
        subject=rendered.subject,
        html=rendered.html,
        text=rendered.text,
        lang=rendered.lang,
        unsubscribe_url="http://127.0.0.1:3000/mail/unsubscribe/tok",
    )
    return send_email_request(mail, settings)


def test_send_email_writes_the_message_ses_would_make_to_the_outbox_and_the_page_shows_it(
    local: Local,
) -> None:
    request = _request()
    answer = local.sesv2().send_email(**request)
    [name] = local.outbox.names()
    assert answer["MessageId"] in name
    message = local.outbox.read(name)
    assert message is not None
    assert message["From"] == "Kring <kring@kring.example.com>"
    assert message["To"] == "sam@example.com"
    assert message["Subject"] == "Je beloning kan worden uitbetaald"
    assert message["List-Unsubscribe"] == "<http://127.0.0.1:3000/mail/unsubscribe/tok>"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message["Content-Language"] == "nl"
    assert message["Date"]
    assert message["Message-ID"]
    assert message.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in message.iter_parts()] == ["text/plain", "text/html"]
    text, html_part = (p.get_content().replace("\r\n", "\n") for p in message.iter_parts())
    assert text == request["Content"]["Simple"]["Body"]["Text"]["Data"]
    assert html_part.rstrip("\n") == request["Content"]["Simple"]["Body"]["Html"]["Data"].rstrip("\n")

    listing = requests.get(f"{local.gateway_url}/outbox", timeout=5)
    assert listing.status_code == 200
    assert "Je beloning kan worden uitbetaald" in listing.text
    assert f'href="/outbox/{name}"' in listing.text

    page = requests.get(f"{local.gateway_url}/outbox/{name}", timeout=5)
    assert page.status_code == 200
    assert 'sandbox=""' in page.text  # the mail's HTML shown without scripts or outside requests
    assert "List-Unsubscribe=One-Click" in page.text
    assert "4 december 2026" in page.text  # the text part, as written
    raw = requests.get(f"{local.gateway_url}/outbox/{name}?raw=1", timeout=5).content
    assert raw == (local.outbox.directory / name).read_bytes()
    assert requests.get(f"{local.gateway_url}/outbox/../secrets.json", timeout=5).status_code == 404
    assert requests.get(f"{local.gateway_url}/outbox/nope.eml", timeout=5).status_code == 404


def test_a_sender_name_beyond_ascii_and_a_reply_to_reach_the_message(local: Local) -> None:
    local.sesv2().send_email(**_request("en", from_name="Talent Ñandú", reply_to="talent@example.com"))
    [name] = local.outbox.names()
    message = local.outbox.read(name)
    assert message is not None
    assert str(message["From"]) == "Talent Ñandú <kring@kring.example.com>"
    assert message["Reply-To"] == "talent@example.com"
    assert message["Subject"] == "Your referral reward can be paid"


def test_a_raw_message_is_written_as_it_is(local: Local) -> None:
    raw = b"From: kring@kring.example.com\r\nTo: sam@example.com\r\nSubject: hi\r\n\r\nhello\r\n"
    local.sesv2().send_email(
        FromEmailAddress="kring@kring.example.com",
        Destination={"ToAddresses": ["sam@example.com"]},
        Content={"Raw": {"Data": raw}},
    )
    [name] = local.outbox.names()
    assert (local.outbox.directory / name).read_bytes() == raw


@pytest.mark.parametrize(
    "change",
    [
        lambda r: r.pop("Destination"),
        lambda r: r["Content"]["Simple"].update(Subject={"Data": ""}),
        lambda r: r["Content"]["Simple"].update(Body={}),
        lambda r: r["Content"]["Simple"]["Headers"].append({"Name": "Subject", "Value": "again"}),
        lambda r: r["Content"]["Simple"]["Headers"].append({"Name": "Content-Language", "Value": "en"}),
        lambda r: r["Content"]["Simple"]["Headers"].append({"Name": "X-Bad", "Value": "é"}),
        lambda r: r.update(Content={"Template": {"TemplateName": "t"}}),
    ],
)
def test_what_ses_would_refuse_is_refused_the_same_way(local: Local, change: Any) -> None:
    request = _request()
    change(request)
    with pytest.raises(ClientError) as refused:
        local.sesv2().send_email(**request)
    assert refused.value.response["Error"]["Code"] == "BadRequestException"
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

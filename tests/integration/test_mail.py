"""The mail platform end to end under moto: the real MailSenderFunction, MailPlannerFunction,
MailEventsFunction, MailPagesFunction and ApiFunction, with SES v2 (moto) accepting the messages."""

from __future__ import annotations

import json
import re
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from infra.local.bus import LocalBus
from infra.local.queues import QueueStore
from infra.local.template import Stack
from kring import aws, config
from kring.attribution.rules import reward_id, state_key
from kring.dal import keys
from kring.dal.items import deserialize, serialize
from kring.dal.mail_preferences import MailPreferenceRepository
from kring.dal.mail_sends import MailSendRepository
from kring.events import LinkClicked
from kring.integrations.ses import OutgoingMail, SesTransport
from tests.support import attribution as at
from tests.support import link_activity as la
from tests.support import mail
from tests.support.attribution_data import put_reward
from tests.support.fixtures import MotoStack


@pytest.fixture
def world(moto_stack: MotoStack) -> MotoStack:
    mail.verify_sending_domain()
    return moto_stack


def _reward_job(ambassador_id: str, reward: str = "r1", amount: str = "1250.5") -> str:
    return mail.job(
        "reward_eligible",
        ambassador_id,
        reward,
        amount=amount,
        currency="EUR",
        eligible_at="2026-12-03T23:30:00+00:00",
    )


# ------------------------------------------------------------------------------------ rendering
@pytest.mark.parametrize(
    ("locale", "words", "amount", "day"),
    [
        ("en", "Your referral reward can be paid", "€1,250.50", "4 December 2026"),
        ("nl", "Je beloning kan worden uitbetaald", "€ 1.250,50", "4 december 2026"),
    ],
)
def test_a_notice_is_html_and_text_in_the_reader_s_language_with_dates_and_money_their_way(
    world: MotoStack, locale: str, words: str, amount: str, day: str
) -> None:
    address = mail.put_ambassador("E1", locale=locale, name="Sam de Vries")
    assert mail.send(world, [_reward_job("E1")]) == []

    [message] = mail.sent_messages()
    got = mail.parts(message)
    assert got.header("To") == address
    assert got.header("Subject") == words
    assert got.header("Reply-To") == "talent@kring.test"
    assert got.header("Content-Language") == locale
    assert f'<html lang="{locale}"' in got.html
    for part in (got.html, got.text):
        assert amount in part.replace("\xa0", " ").replace("&nbsp;", " ")
        assert day in part  # 23:30 UTC on the 3rd is the 4th in Amsterdam
        assert "Sam" in part
    assert 'style="' in got.html
    assert "<style>" not in got.html
    assert 'role="presentation"' in got.html
    other = "nl" if locale == "en" else "en"
    other_words = {"en": "Your referral reward", "nl": "Je beloning"}[other]
    assert other_words not in got.html
    assert other_words not in got.text


def test_every_mail_has_one_click_unsubscribe_headers_and_visible_links_that_name_nobody(
    world: MotoStack,
) -> None:
    mail.put_ambassador("emp.4711")
    assert mail.send(world, [_reward_job("emp.4711")]) == []
    got = mail.parts(mail.sent_messages()[0])

    unsubscribe = got.header("List-Unsubscribe")
    assert unsubscribe.startswith("<https://go.kring.test/mail/unsubscribe/")
    assert unsubscribe.endswith(">")
    assert got.header("List-Unsubscribe-Post") == "List-Unsubscribe=One-Click"
    links = dict((text, href) for href, text in got.links)
    assert links["Stop these e-mails"] == unsubscribe[1:-1]
    assert links["Choose which e-mails you get"].startswith("https://go.kring.test/mail/preferences/")
    for href in links.values():
        assert "emp." not in href  # "." is not a base64url character: no token contains it by chance
        assert href in got.text  # the text part says everything the HTML says, links written out


def test_a_value_from_data_is_escaped_in_html_and_plain_in_text(world: MotoStack) -> None:
    mail.put_ambassador("E1", name="<b>Sam</b>")
    assert mail.send(world, [_reward_job("E1")]) == []
    got = mail.parts(mail.sent_messages()[0])
    assert "<b>Sam</b>" not in got.html
    assert "&lt;b&gt;Sam&lt;/b&gt;" in got.html
    assert "<b>Sam</b>" in got.text


# ------------------------------------------------------------------------------------ never twice
def test_a_redelivered_job_and_an_overlapping_run_send_one_mail(world: MotoStack) -> None:
    mail.put_ambassador("E1")
    assert mail.send(world, [_reward_job("E1"), _reward_job("E1")]) == []
    assert mail.send(world, [_reward_job("E1")]) == []
    assert len(mail.sent_messages()) == 1
    marker = MailSendRepository().state("reward_eligible", "E1", "r1")
    assert marker is not None
    assert marker["state"] == "sent"
    assert marker["message_id"]


def test_a_failed_send_releases_its_claim_so_the_retry_sends_it(world: MotoStack) -> None:
    mail.put_ambassador("E1")

    class Down:
        def send(self, mail: OutgoingMail) -> str:
            raise ClientError({"Error": {"Code": "InternalFailure", "Message": "down"}}, "SendEmail")

    assert mail.send(world, [_reward_job("E1")], transport=Down()) == [0]
    assert MailSendRepository().state("reward_eligible", "E1", "r1") is None
    assert mail.send(world, [_reward_job("E1")]) == []
    assert len(mail.sent_messages()) == 1


def test_a_claim_held_by_another_sender_is_retried_not_dropped(world: MotoStack) -> None:
    mail.put_ambassador("E1")
    now = datetime.now(UTC)
    MailSendRepository().claim("reward_eligible", "E1", "r1", now=now)
    assert mail.send(world, [_reward_job("E1")]) == [0]  # busy: SQS retries it
    assert mail.sent_messages() == []
    soon = MailSendRepository().claim("reward_eligible", "E1", "r1", now=now + timedelta(seconds=60))
    assert soon.outcome == "busy"  # still within its lease: it may be sending right now
    # the other sender died: once its lease ran out, the claim is taken over and the mail sent
    later = MailSendRepository().claim("reward_eligible", "E1", "r1", now=now + timedelta(minutes=3))
    assert later.outcome == "claimed"


def test_ses_throttling_is_retried_with_backoff_then_left_to_sqs(world: MotoStack) -> None:
    mail.put_ambassador("E1")
    calls: list[int] = []
    throttled = {"times": 2}

    def throttle(**_: Any) -> None:
        calls.append(1)
        if len(calls) <= throttled["times"]:
            raise ClientError({"Error": {"Code": "TooManyRequestsException", "Message": "slow"}}, "SendEmail")

    aws.sesv2().meta.events.register("before-send.sesv2.SendEmail", throttle)
    sleeps = mail.Sleeps()
    assert mail.send(world, [_reward_job("E1")], transport=SesTransport(sleep=sleeps)) == []
    assert len(calls) == 3
    assert len(mail.sent_messages()) == 1
    assert len([s for s in sleeps.slept if s > 0]) >= 2

    calls.clear()
    throttled["times"] = 1000
    always = mail.Sleeps()
    assert mail.send(world, [_reward_job("E1", "r2")], transport=SesTransport(sleep=always)) == [0]
    assert MailSendRepository().state("reward_eligible", "E1", "r2") is None


def test_sends_are_spaced_to_keep_the_senders_under_the_rate(world: MotoStack) -> None:
    for n in range(3):
        mail.put_ambassador(f"E{n}")
    sleeps = mail.Sleeps()
    clock = iter(float(n) * 0.01 for n in range(100))
    sender = SesTransport(sleep=sleeps, clock=lambda: next(clock))
    assert mail.send(world, [_reward_job(f"E{n}") for n in range(3)], transport=sender) == []
    # two senders at 10 a second: each waits 0.2 s between its sends
    assert len(sleeps.slept) == 2
    assert all(0.15 < s <= 0.2 for s in sleeps.slept)


# ------------------------------------------------------------------------------------ who gets mail
def test_no_mail_to_an_unknown_or_erased_ambassador_or_one_who_turned_it_off(world: MotoStack) -> None:
    mail.put_ambassador("E1")
    repo = MailPreferenceRepository()
    repo.put("E1", repo.get("E1").model_copy(update={"outcome_notices": False}), now=datetime.now(UTC))
    assert mail.send(world, [_reward_job("E1"), _reward_job("NOBODY")]) == []
    assert mail.sent_messages() == []


def test_a_bounce_suppresses_the_address_visible_and_clearable_in_the_admin_api(world: MotoStack) -> None:
    address = mail.put_ambassador("E1")
    bounce = mail.envelope_of_ses(
        "Bounce",
        {
            "bounce": {
                "bounceType": "Permanent",
                "bounceSubType": "General",
                "bouncedRecipients": [{"emailAddress": address.upper()}],
            },
            "mail": {"destination": [address]},
        },
    )
    assert world.invoke("MailEventsFunction", bounce) == {"suppressed": 1}
    assert world.invoke("MailEventsFunction", bounce) == {"suppressed": 1}  # a redelivery: the same item
    assert mail.send(world, [_reward_job("E1")]) == []
    assert mail.sent_messages() == []

    listed = world.http("GET", "/api/suppressions", admin=True)
    assert listed.status == 200
    [entry] = listed.json()["items"]
    assert entry["reason"] == "bounce"
    assert entry["ambassador_id"] == "E1"
    assert address not in listed.body
    for item in _all_items():
        assert address not in json.dumps(item, default=str).lower() or item["sk"] == "PROFILE"
    assert world.http("GET", "/api/suppressions", query=f"email={address}", admin=True).json()["items"] == [
        entry
    ]
    assert world.http("GET", f"/api/suppressions/{entry['id']}", admin=True).status == 200
    assert world.http("DELETE", f"/api/suppressions/{entry['id']}", admin=True).status == 204
    assert world.http("DELETE", f"/api/suppressions/{entry['id']}", admin=True).status == 404
    assert world.http("GET", "/api/suppressions/not-a-hash", admin=True).status == 404
    assert world.http("GET", "/api/suppressions", admin=False).status == 401

    assert mail.send(world, [_reward_job("E1")]) == []
    assert len(mail.sent_messages()) == 1


def test_a_transient_bounce_suppresses_nothing_and_a_complaint_does(world: MotoStack) -> None:
    address = mail.put_ambassador("E1")
    soft = mail.envelope_of_ses(
        "Bounce", {"bounce": {"bounceType": "Transient", "bouncedRecipients": [{"emailAddress": address}]}}
    )
    assert world.invoke("MailEventsFunction", soft) == {"suppressed": 0}
    complaint = mail.envelope_of_ses(
        "Complaint", {"complaint": {"complainedRecipients": [{"emailAddress": address}]}}
    )
    assert world.invoke("MailEventsFunction", complaint) == {"suppressed": 1}
    [entry] = world.http("GET", "/api/suppressions", admin=True).json()["items"]
    assert entry["reason"] == "complaint"


# ------------------------------------------------------------------------------------ links
def _links(world: MotoStack) -> dict[str, str]:
    assert mail.send(world, [_reward_job("E1")]) == []
    got = mail.parts(mail.sent_messages()[-1])
    return {"unsubscribe": got.header("List-Unsubscribe")[1:-1], **{t: h for h, t in got.links}}


def test_a_scanner_s_get_changes_nothing_and_the_one_click_post_turns_that_mail_off(world: MotoStack) -> None:
    mail.put_ambassador("E1", locale="nl")
    url = _links(world)["unsubscribe"]
    before = _all_items()
    page = world.http("GET", mail.path_of(url))
    assert page.status == 200
    assert 'lang="nl"' in page.body
    assert "e-mails over aannames en beloningen" in page.body
    assert page.headers["referrer-policy"] == "no-referrer"
    assert "no-store" in page.headers["cache-control"]
    assert _all_items() == before

    done = world.http(
        "POST",
        mail.path_of(url),
        body="List-Unsubscribe=One-Click",
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert done.status == 200
    assert "Klaar" in done.body
    assert MailPreferenceRepository().get("E1").outcome_notices is False
    assert mail.send(world, [_reward_job("E1", "r2")]) == []
    assert len(mail.sent_messages()) == 1  # the next notice is not sent


def test_the_one_click_post_also_comes_as_multipart(world: MotoStack) -> None:
    mail.put_ambassador("E1")
    url = _links(world)["unsubscribe"]
    body = b'--b\r\nContent-Disposition: form-data; name="List-Unsubscribe"\r\n\r\nOne-Click\r\n--b--\r\n'
    got = world.http(
        "POST", mail.path_of(url), body=body, headers={"content-type": "multipart/form-data; boundary=b"}
    )
    assert got.status == 200
    assert MailPreferenceRepository().get("E1").outcome_notices is False


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/mail/unsubscribe/not-a-token", "List-Unsubscribe=One-Click"),
        ("/mail/unsubscribe/gAAAAABnotreallyafernettoken", "List-Unsubscribe=One-Click"),
        ("/mail/preferences/x", "digest_frequency=off"),
    ],
)
def test_a_link_kring_did_not_make_is_a_404_page_that_changes_nothing(
    world: MotoStack, path: str, body: str
) -> None:
    mail.put_ambassador("E1")
    before = _all_items()
    for method in ("GET", "POST"):
        got = world.http(
            method, path, body=body, headers={"content-type": "application/x-www-form-urlencoded"}
        )
        assert got.status == 404
        assert "<html" in got.body
    assert _all_items() == before


def test_the_preferences_page_shows_and_saves_with_its_csrf_field_only(world: MotoStack) -> None:
    mail.put_ambassador("E1")
    url = _links(world)["Choose which e-mails you get"]
    page = world.http("GET", mail.path_of(url))
    assert page.status == 200
    assert 'value="weekly" checked' in page.body
    csrf = page.body.split('name="csrf" value="')[1].split('"')[0]
    form = {"content-type": "application/x-www-form-urlencoded"}

    before = _all_items()
    forged = world.http("POST", mail.path_of(url), body="digest_frequency=off&csrf=nope", headers=form)
    assert forged.status == 400
    assert _all_items() == before
    bad = world.http("POST", mail.path_of(url), body=f"digest_frequency=hourly&csrf={csrf}", headers=form)
    assert bad.status == 400
    assert _all_items() == before

    saved = world.http(
        "POST",
        mail.path_of(url),
        body=f"digest_frequency=daily&instant_vacancies=on&csrf={csrf}",
        headers=form,
    )
    assert saved.status == 200
    assert "Your preferences are saved." in saved.body
    stored = MailPreferenceRepository().get("E1")
    assert (stored.digest_frequency, stored.instant_vacancies, stored.outcome_notices) == (
        "daily",
        True,
        False,
    )
    item = aws.dynamodb().get_item(
        TableName=config.tables().table_name, Key=serialize(keys.mail_preferences("E1"))
    )
    assert deserialize(item["Item"])["gsi2pk"] == "MAILFREQ#daily"  # the daily run finds it by Query


# ------------------------------------------------------------------------------------ notices
def test_a_hire_credited_to_an_ambassador_mails_them_once_and_names_no_candidate(world: MotoStack) -> None:
    mail.put_ambassador("E1", locale="nl")
    at.put_vacancy()
    aws.dynamodb().update_item(
        TableName=config.tables().table_name,
        Key=serialize(keys.vacancy(at.VACANCY)),
        UpdateExpression="SET title = :t",
        ExpressionAttributeValues=serialize({":t": "Backend Engineer"}),
    )
    application = at.received(at=at.when(30), proof=at.evidence(referrer_ids=["E1"]))
    hire = at.hired(at=at.when(34, 10))
    at.deliver_ok(world, [application, hire])

    envelope = la.envelope(hire)
    assert mail.send(world, [envelope, envelope]) == []
    assert mail.send(world, [envelope]) == []
    [message] = mail.sent_messages()
    got = mail.parts(message)
    assert got.header("Subject") == "Iemand die via jou kwam, is aangenomen"
    assert "Backend Engineer" in got.text
    assert "4 december 2026" in got.text
    for part in (got.html, got.text):
        assert at.candidate(1) not in part
        assert re.search(r"\bA1\b", part) is None  # the ambassador id as a word (signed tokens are random)
    key = state_key(hire)
    assert MailSendRepository().state("hire_notice", "E1", reward_id(key)) is not None


def test_a_hire_attribution_has_not_recorded_yet_is_retried_and_one_nobody_brought_sends_nothing(
    world: MotoStack,
) -> None:
    hire = at.hired(at=at.when(34, 10))
    assert mail.send(world, [la.envelope(hire)]) == [0]  # attribution behind: retried
    at.put_vacancy()
    at.deliver_ok(world, [at.received(at=at.when(30)), hire])
    assert mail.send(world, [la.envelope(hire)]) == []
    assert mail.sent_messages() == []


def test_the_rules_route_hires_and_credits_to_the_mail_queue_and_nothing_else(tmp_path: Path) -> None:
    """MailHireRule and MailCreditRule as the local bus reads them from template.yaml."""
    stack = Stack({"PublicBaseUrl": "https://go.example.com", "Stage": "t"})
    queue = stack.queues()["MailQueue"].name
    store = QueueStore(tmp_path / "q.sqlite3", stack.queues())
    bus = LocalBus(stack.rules(), store, lambda *_: None)
    sent = [
        ("kring.ats", "CandidateHired"),
        ("kring.attribution", "ApplicationAttributed"),
        ("kring.ats", "ApplicationReceived"),
        ("kring.ats", "ApplicationAttributed"),  # not attribution's: not a credit
        ("kring.attribution", "CandidateHired"),
    ]
    bus.start()
    try:
        bus.put_events(
            [
                {
                    "Source": source,
                    "DetailType": detail_type,
                    "Detail": "{}",
                    "EventBusName": stack.physical_name("KringBus"),
                }
                for source, detail_type in sent
            ]
        )
        deadline = time.monotonic() + 5
        while not bus.idle():
            assert time.monotonic() < deadline
    finally:
        bus.stop()
    delivered = sorted(
        (json.loads(m.body)["source"], json.loads(m.body)["detail-type"]) for m in store.messages(queue)
    )
    store.close()
    assert delivered == [("kring.ats", "CandidateHired"), ("kring.attribution", "ApplicationAttributed")]


# The hire notice's two triggers: CandidateHired (MailHireRule) and ApplicationAttributed
# (MailCreditRule), whichever finds the hire recorded and credited sends it, once.
def _credit_world(world: MotoStack) -> tuple[at.Bus, LinkClicked]:
    """E1 (nl), the vacancy, a capture of what attribution announces, and a click on E1's link
    two hours before the application (not recorded yet: the credit comes when it is)."""
    mail.put_ambassador("E1", locale="nl")
    at.put_vacancy()
    captured = at.Bus(world.stack.physical_name("KringBus"))
    click = la.click(1, at=at.when(30, 7), vacancy_id=at.VACANCY, ambassador_id="E1")
    return captured, click


def _announced(captured: at.Bus) -> list[str]:
    """The ApplicationAttributed envelopes attribution put on the bus (drained), as MailQueue gets
    them."""
    return [json.dumps(e) for e in captured.drain() if e["detail-type"] == "ApplicationAttributed"]


def test_a_credit_that_comes_after_the_hire_mails_the_hire_notice_once(world: MotoStack) -> None:
    captured, click = _credit_world(world)
    hire = at.hired(at=at.when(34, 10))
    at.deliver_ok(world, [at.received(at=at.when(30), proof=at.evidence(tokens=[click.click_id])), hire])
    [uncredited] = _announced(captured)
    # the hire reaches the mail before anyone is credited with it: nothing to send, nothing retried
    assert mail.send(world, [la.envelope(hire), uncredited]) == []
    assert mail.sent_messages() == []

    at.record_clicks(world, [click])  # the click is recorded late …
    at.deliver_ok(world, [click])  # … and attribution credits E1 with the hired application
    [credit] = _announced(captured)
    assert json.loads(credit)["detail"]["ambassador_id"] == "E1"
    assert mail.send(world, [credit, credit]) == []
    [message] = mail.sent_messages()
    got = mail.parts(message)
    assert got.header("To") == "e1@people.example.com"
    assert got.header("Subject") == "Iemand die via jou kwam, is aangenomen"
    assert "4 december 2026" in got.text
    # redelivery of either trigger sends nothing more
    assert mail.send(world, [credit, la.envelope(hire)]) == []
    assert len(mail.sent_messages()) == 1
    assert MailSendRepository().state("hire_notice", "E1", reward_id(state_key(hire))) is not None


def test_a_credit_before_the_hire_sends_nothing_until_the_hire_and_then_one_notice(world: MotoStack) -> None:
    captured, _ = _credit_world(world)
    application = at.received(at=at.when(30), proof=at.evidence(referrer_ids=["E1"]))
    at.deliver_ok(world, [application])
    [credit] = _announced(captured)
    # credited, not hired: nothing sent, nothing claimed, nothing retried
    assert mail.send(world, [credit]) == []
    assert mail.sent_messages() == []
    hire = at.hired(at=at.when(34, 10))
    assert MailSendRepository().state("hire_notice", "E1", reward_id(state_key(hire))) is None

    at.deliver_ok(world, [hire])
    assert _announced(captured) == []  # the hire changes no credit: only CandidateHired tells
    assert mail.send(world, [la.envelope(hire)]) == []
    assert len(mail.sent_messages()) == 1
    # the credit redelivered (or late: its 30 s delay) and the hire again: still one
    assert mail.send(world, [credit, la.envelope(hire), credit]) == []
    [message] = mail.sent_messages()
    assert mail.parts(message).header("To") == "e1@people.example.com"


def test_both_triggers_in_one_batch_after_hire_and_credit_send_one_notice(world: MotoStack) -> None:
    captured, _ = _credit_world(world)
    hire = at.hired(at=at.when(34, 10))
    at.deliver_ok(world, [at.received(at=at.when(30), proof=at.evidence(referrer_ids=["E1"])), hire])
    [credit] = _announced(captured)
    assert mail.send(world, [credit, la.envelope(hire), credit]) == []
    assert len(mail.sent_messages()) == 1


def test_a_credit_to_nobody_reads_nothing_and_sends_nothing(world: MotoStack) -> None:
    captured, _ = _credit_world(world)
    hire = at.hired(at=at.when(34, 10))
    at.deliver_ok(world, [at.received(at=at.when(30)), hire])
    [uncredited] = _announced(captured)
    assert json.loads(uncredited)["detail"].get("ambassador_id") is None
    calls, stop = la.counting(aws.dynamodb())
    assert mail.send(world, [uncredited]) == []
    stop()
    assert calls == {}
    assert mail.sent_messages() == []


def test_the_daily_run_mails_each_reward_that_became_eligible_once(world: MotoStack) -> None:
    mail.put_ambassador("E1")
    mail.put_ambassador("E2")
    now = datetime(2026, 12, 4, 8, 0, tzinfo=UTC)
    put_reward("E1", "due", hired_at=now - timedelta(days=91))
    put_reward("E2", "paid", hired_at=now - timedelta(days=92), status="paid", paid_at=now)
    put_reward("E1", "later", hired_at=now - timedelta(days=30))
    put_reward("E1", "long-ago", hired_at=now - timedelta(days=200))
    run = {"kind": "reward_eligible", "scheduled_at": "2026-12-04T08:00:00Z"}

    assert world.invoke("MailPlannerFunction", run) == {"kind": "reward_eligible", "jobs": 1}
    assert world.invoke("MailPlannerFunction", run) == {
        "kind": "reward_eligible",
        "jobs": 1,
    }  # overlapping run
    bodies = [m["Body"] for m in world.receive_all("MailQueue")]
    assert [json.loads(b)["period_key"] for b in bodies] == ["due", "due"]
    assert mail.send(world, bodies) == []
    [message] = mail.sent_messages()
    assert "€500.00" in mail.parts(message).text


def test_the_planner_refuses_a_request_it_cannot_run(world: MotoStack) -> None:
    from kring.errors import InvalidInputError

    for bad in ({"kind": "no_such_kind"}, {"kind": "hire_notice"}, {"nope": 1}):
        with pytest.raises(InvalidInputError):
            world.invoke("MailPlannerFunction", bad)
    assert world.receive_all("MailQueue") == []


def test_a_message_that_is_no_mail_job_fails_alone(world: MotoStack) -> None:
    mail.put_ambassador("E1")
    assert mail.send(world, ["{not json", json.dumps({"kind": "x"}), _reward_job("E1")]) == [0, 1]
    assert len(mail.sent_messages()) == 1


def _all_items() -> list[dict[str, Any]]:
    client = boto3.client("dynamodb")
    items = client.scan(TableName=config.tables().table_name)["Items"]  # a test reading back: Scan is fine
    return sorted((deserialize(i) for i in items), key=lambda i: (str(i["pk"]), str(i["sk"])))


def test_each_digest_frequency_pages_its_recipients_by_query(world: MotoStack) -> None:
    from kring.dal.mail_preferences import digest_recipients

    for n in range(5):
        mail.put_ambassador(f"E{n}")
    repo = MailPreferenceRepository()
    now = datetime.now(UTC)
    repo.put("E1", repo.get("E1").model_copy(update={"digest_frequency": "daily"}), now=now)
    repo.put("E2", repo.get("E2").model_copy(update={"digest_frequency": "monthly"}), now=now)
    assert list(digest_recipients("weekly", page_size=2)) == [f"E{n}" for n in range(5)]
    assert list(digest_recipients("daily")) == ["E1"]
    assert list(digest_recipients("monthly")) == ["E2"]
    assert list(digest_recipients("off")) == []


def test_the_ses_samples_go_through_the_real_handler(world: MotoStack) -> None:
    from pathlib import Path

    samples = Path(__file__).resolve().parents[2] / "events" / "ses"
    for name in ("bounce.json", "complaint.json"):
        event = json.loads((samples / name).read_text())
        assert world.invoke("MailEventsFunction", event) == {"suppressed": 1}
    [entry] = world.http("GET", "/api/suppressions", admin=True).json()["items"]
    assert entry["reason"] == "complaint"  # the same address: the latest event's reason
    assert entry["ambassador_id"] is None  # nobody in Kring has that address


def test_a_mail_costs_one_write_and_a_share_of_two_batch_reads_besides_the_send(world: MotoStack) -> None:
    from collections import Counter

    for n in range(10):
        mail.put_ambassador(f"E{n}")
    requests: Counter[str] = Counter()

    def count(event_name: str, **_: Any) -> None:
        requests[event_name.rsplit(".", 1)[-1]] += 1

    aws.dynamodb().meta.events.register("before-send.dynamodb", count)
    assert mail.send(world, [_reward_job(f"E{n}") for n in range(10)]) == []
    assert len(mail.sent_messages()) == 10
    # per mail: PutItem (the claim); per batch: one BatchGetItem (the ten profiles + preferences),
    # one BatchGetItem (their addresses on the suppression list), one BatchWriteItem recording
    # the ten as sent
    assert requests == Counter({"BatchGetItem": 2, "PutItem": 10, "BatchWriteItem": 1})

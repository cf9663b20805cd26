"""The "new vacancy, now" notice end to end under moto: the real ShareFanoutFunction announces the
links it made (``SharesCreated``), the real MailInstantFunction gathers them for the ambassadors
who chose instant notices and puts one delayed job per batch on MailQueue, and the real
MailSenderFunction mails each batch once, settles it, and schedules the next one when more came
meanwhile. Every share button in the mail goes through the share-intent route."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from kring.dal.instant_notices import InstantNoticeRepository
from kring.dal.mail_preferences import MailPreferenceRepository, MailPreferences
from kring.dal.vacancies import VacancyRepository
from kring.events import SharesCreated
from kring.integrations.ses import OutgoingMail
from kring.mail.instant import next_batch_id
from kring.models.common import NETWORKS
from tests.support import digests as dg
from tests.support import link_activity as la
from tests.support import mail
from tests.support.fixtures import PUBLIC_BASE_URL, MotoStack

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
DELAY = 300  # template.yaml's InstantNoticeDelaySeconds
TITLES = {"P1": "Backend Engineer", "P2": "Data Engineer", "P3": "Site Reliability Engineer"}
MOBILE = {"user-agent": "Mozilla/5.0 (iPhone) Mobile/15E148"}


@pytest.fixture
def world(moto_stack: MotoStack) -> MotoStack:
    mail.verify_sending_domain()
    preferences = MailPreferenceRepository()
    for who, locale in (("E1", "nl"), ("E4", "en"), ("E2", "en")):
        dg.put_ambassador(who, NOW, locale=locale, name=f"Sam {who}", interests=["Engineering"])
    for who in ("E1", "E4"):  # E2 keeps the default: the digest only
        preferences.put(who, MailPreferences(instant_vacancies=True), now=NOW)
    return moto_stack


def _announce(world: MotoStack, post: str, minute: int = 0) -> dict[str, Any]:
    """The vacancy published and fanned out; the EventBridge envelope of its ``SharesCreated``."""
    vacancy = dg.put_vacancy(
        post, title=TITLES[post], department="Engineering", published_at=NOW + timedelta(minutes=minute)
    )
    (event,) = [e for e in dg.fan_out(world, vacancy) if isinstance(e, SharesCreated)]
    assert set(event.ambassador_ids) == {"E1", "E2", "E4"}
    envelope: dict[str, Any] = json.loads(la.envelope(event))
    return envelope


def _gather(world: MotoStack, *envelopes: dict[str, Any]) -> None:
    """The announcements as one SQS batch of MailInstantQueue to the real MailInstantFunction."""
    result = world.invoke("MailInstantFunction", la.sqs_event([json.dumps(e) for e in envelopes]))
    assert result == {"batchItemFailures": []}


def _jobs(world: MotoStack) -> list[dict[str, Any]]:
    """The jobs on MailQueue (drained): each delayed by the gathering time."""
    queued = mail.queued(world, "MailQueue")
    assert {delay for _, delay in queued} <= {DELAY}
    return [json.loads(body) for body, _ in queued]


def _send(world: MotoStack, jobs: list[dict[str, Any]], **ports: Any) -> None:
    assert mail.send(world, [json.dumps(j) for j in jobs], **ports) == []


def _mails() -> dict[str, mail.Parts]:
    return {str(m["To"]).split("@")[0]: mail.parts(m) for m in mail.sent_messages()}


def _close(post: str) -> None:
    repository = VacancyRepository()
    stored = repository.get(f"greenhouse-{post}")
    assert stored is not None
    closed = stored.vacancy.model_copy(update={"status": "closed", "closed_at": NOW + timedelta(minutes=2)})
    repository.put(
        type(stored)(vacancy=closed, revision=stored.revision + 1, post_live=False),
        expected_revision=stored.revision,
    )


@pytest.mark.parametrize(
    ("who", "words"),
    [
        (
            "e1",
            ("3 nieuwe vacatures om te delen", "Nieuwe vacatures voor jou", "Deel op LinkedIn", "Hallo Sam"),
        ),
        ("e4", ("3 new vacancies to share", "New vacancies for you", "Share on LinkedIn", "Hello Sam")),
    ],
)
def test_a_burst_of_publications_is_one_mail_with_every_vacancy_in_the_reader_s_language(
    world: MotoStack, who: str, words: tuple[str, ...]
) -> None:
    _gather(world, *(_announce(world, post, n) for n, post in enumerate(TITLES)))
    jobs = _jobs(world)
    assert sorted((j["kind"], j["recipient"]) for j in jobs) == [
        ("vacancy_notice", "E1"),
        ("vacancy_notice", "E4"),
    ]
    _send(world, jobs)

    got = _mails()
    assert sorted(got) == ["e1", "e4"]  # E2 did not choose instant notices
    parts = got[who]
    assert parts.header("Subject") == words[0]
    assert parts.header("Content-Language") == who.replace("e1", "nl").replace("e4", "en")
    for part in (parts.html, parts.text):
        for text in (*words[1:], *TITLES.values()):
            assert text in part
    hrefs = [href for href, _ in parts.links]
    for post in TITLES:
        code = dg.link_code(f"greenhouse-{post}", who.upper())
        assert code is not None
        buttons = [f"{PUBLIC_BASE_URL}/s/{code}/{network}" for network in NETWORKS]
        assert [h for h in hrefs if f"/s/{code}/" in h] == buttons
        for url in [*buttons, f"{PUBLIC_BASE_URL}/r/{code}"]:
            assert url in hrefs
            assert url in parts.text  # the text part says everything the HTML says
    assert mail.queued(world, "MailQueue") == []  # nothing came meanwhile: no next batch


def test_every_share_button_in_the_mail_goes_through_the_share_intent_to_the_network(
    world: MotoStack,
) -> None:
    _gather(world, _announce(world, "P1"))
    _send(world, _jobs(world))
    parts = _mails()["e4"]
    buttons = [href for href, _ in parts.links if "/s/" in href]
    assert len(buttons) == len(NETWORKS)
    for url in buttons:
        answer = world.http("GET", mail.path_of(url), headers=MOBILE)
        assert answer.status == 302, (url, answer.body)
        assert not answer.headers["location"].startswith(PUBLIC_BASE_URL)  # the network's own dialog
    assert parts.header("Subject") == f"New vacancy to share: {TITLES['P1']}"


def test_a_redelivered_announcement_and_a_redelivered_job_send_one_mail(world: MotoStack) -> None:
    first, second = _announce(world, "P1"), _announce(world, "P2", 1)
    _gather(world, first, second, first)  # EventBridge delivered the first one twice
    jobs = _jobs(world)
    assert sorted(j["recipient"] for j in jobs) == ["E1", "E1", "E4", "E4"]  # the same job, twice
    assert {j["period_key"] for j in jobs} == {first["id"]}
    _send(world, jobs)
    _send(world, jobs)  # SQS delivered them again
    assert len(mail.sent_messages()) == 2
    assert TITLES["P2"] in _mails()["e1"].text
    _gather(world, first)  # a redelivery after the mail went gathers nothing
    assert _jobs(world) == []


def test_a_vacancy_closed_before_the_job_runs_is_left_out(world: MotoStack) -> None:
    _gather(world, _announce(world, "P1"), _announce(world, "P2", 1))
    _close("P1")
    _send(world, _jobs(world))
    text = _mails()["e4"].text
    assert TITLES["P2"] in text
    assert TITLES["P1"] not in text


def test_nothing_left_to_share_sends_no_mail_and_the_next_publication_opens_a_new_batch(
    world: MotoStack,
) -> None:
    first = _announce(world, "P1")
    _gather(world, first)
    _close("P1")
    _send(world, _jobs(world))
    assert mail.sent_messages() == []
    assert mail.queued(world, "MailQueue") == []
    later = _announce(world, "P2", 10)
    _gather(world, later)
    jobs = _jobs(world)
    assert {j["period_key"] for j in jobs} == {later["id"]}
    _send(world, jobs)
    assert sorted(_mails()) == ["e1", "e4"]


def test_what_is_published_while_a_notice_is_mailed_comes_in_the_next_one(world: MotoStack) -> None:
    first = _announce(world, "P1")
    meanwhile = _announce(world, "P2", 1)
    _gather(world, first)

    class PublishedWhileSending:
        """SES that takes a moment: the fan-out announces P2 while the first notice is out."""

        def __init__(self) -> None:
            self.ses = mail.transport()
            self.announced = False

        def send(self, mail: OutgoingMail) -> str:
            if not self.announced:
                self.announced = True
                _gather(world, meanwhile)
            return self.ses.send(mail)

    jobs = sorted(_jobs(world), key=lambda j: str(j["recipient"]))
    _send(world, jobs, transport=PublishedWhileSending())
    out, later = (mail.parts(m).text for m in mail.sent_messages())
    assert TITLES["P1"] in out
    assert TITLES["P2"] not in out  # E1's notice was out when P2 came
    assert TITLES["P1"] in later
    assert TITLES["P2"] in later  # E4's job ran after: P2 rode along
    following = _jobs(world)  # the settle scheduled E1's next batch, as delayed as the first
    assert [(j["recipient"], j["period_key"]) for j in following] == [("E1", next_batch_id(first["id"]))]
    _send(world, following)
    assert len(mail.sent_messages()) == 3
    latest = mail.parts(mail.sent_messages()[-1])
    assert latest.header("To").startswith("e1@")
    assert TITLES["P2"] in latest.text
    assert TITLES["P1"] not in latest.text


def test_the_one_click_unsubscribe_turns_off_instant_notices_only_and_a_queued_one_is_dropped(
    world: MotoStack,
) -> None:
    _gather(world, _announce(world, "P1"))
    _send(world, _jobs(world))
    unsubscribe = _mails()["e1"].header("List-Unsubscribe")[1:-1]
    _gather(world, _announce(world, "P2", 1))  # already gathered and queued for E1
    queued = _jobs(world)

    done = world.http(
        "POST",
        mail.path_of(unsubscribe),
        body="List-Unsubscribe=One-Click",
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert done.status == 200
    assert "e-mails over nieuwe vacatures" in done.body
    stored = MailPreferenceRepository().get("E1")
    assert (stored.instant_vacancies, stored.digest_frequency) == (False, "weekly")

    _send(world, queued)
    assert len(mail.sent_messages()) == 3  # E4's second notice; none more for E1
    pending = InstantNoticeRepository().get("E1")
    assert pending is not None
    assert (pending.vacancies, pending.batch) == (frozenset(), None)  # dropped, nothing to come back
    assert mail.queued(world, "MailQueue") == []
    _gather(world, _announce(world, "P3", 2))
    assert [j["recipient"] for j in _jobs(world)] == ["E4"]


def test_a_message_that_is_not_shares_created_fails_alone_for_the_dead_letter_queue(world: MotoStack) -> None:
    good = _announce(world, "P1")
    bad = {**good, "detail": {**good["detail"], "ambassador_ids": []}}
    event = la.sqs_event([json.dumps(bad), json.dumps(good), "{not json"])
    result = world.invoke("MailInstantFunction", event)
    failed = {f["itemIdentifier"] for f in result["batchItemFailures"]}
    assert failed == {event["Records"][0]["messageId"], event["Records"][2]["messageId"]}
    assert sorted(j["recipient"] for j in _jobs(world)) == ["E1", "E4"]  # the good one, gathered


def test_shares_created_reaches_the_gatherer_through_a_queue_with_retries_and_dead_letter_queues(
    world: MotoStack,
) -> None:
    stack = world.stack
    [rule] = [r for r in stack.rules() if "SharesCreated" in r.pattern.get("detail-type", [])]
    assert rule.bus_name == stack.physical_name("KringBus")
    assert rule.pattern["source"] == ["kring.fanout"]
    [target] = rule.targets
    assert (target.logical_id, target.kind) == ("MailInstantQueue", "queue")
    assert target.dead_letter_arn
    assert target.max_retries > 0
    assert stack.queues()["MailInstantQueue"].dead_letter_arn
    [source] = [s for s in stack.queue_event_sources() if s.queue_logical_id == "MailInstantQueue"]
    assert (source.function, source.report_batch_item_failures) == ("MailInstantFunction", True)

"""The ambassador digest as a mail, end to end under moto: the real MailPlannerFunction pages the
week's recipients onto MailQueue, the real MailSenderFunction composes, renders and sends each
through SES (moto), and every share button in the mail goes through the share-intent route."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from kring.dal.mail_preferences import MailPreferenceRepository, recipients
from kring.models.common import NETWORKS
from tests.support import digests as dg
from tests.support import link_activity as la
from tests.support import mail
from tests.support.fixtures import PUBLIC_BASE_URL, MotoStack, clear_kring_caches

THIS_WEEK = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)  # Tuesday of 2026-W49
LAST_WEEK = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
# Monday 08:30 in Amsterdam: reports 2026-W49
RUN = {"kind": "ambassador_digest", "frequency": "weekly", "scheduled_at": "2026-12-07T07:30:00Z"}
ENGINEER = "greenhouse-P1"
SALES = "greenhouse-P2"


@pytest.fixture
def world(moto_stack: MotoStack, monkeypatch: pytest.MonkeyPatch) -> MotoStack:
    monkeypatch.setenv("REWARD_AMOUNT", "500")
    clear_kring_caches()
    mail.verify_sending_domain()
    dg.put_ambassador("E1", LAST_WEEK, locale="nl", name="Sanne de Vries", interests=["Engineering"])
    dg.put_ambassador("E4", LAST_WEEK, locale="en", name="Alex Smith", interests=["Sales"])
    dg.put_ambassador("E5", LAST_WEEK, interests=["Finance"])  # nothing new, nothing done: no mail
    for vacancy in (
        dg.put_vacancy("P1", title="Backend Engineer", department="Engineering", published_at=THIS_WEEK),
        dg.put_vacancy("P2", title="Account Manager", department="Sales", published_at=THIS_WEEK),
    ):
        dg.fan_out(moto_stack, vacancy)
    dg.record_activity(
        moto_stack,
        [
            la.click(1, at=THIS_WEEK, vacancy_id=ENGINEER, ambassador_id="E1", visitor_hash=la.visitor(1)),
            la.click(2, at=THIS_WEEK, vacancy_id=ENGINEER, ambassador_id="E1", visitor_hash=la.visitor(2)),
            la.click(3, at=LAST_WEEK, vacancy_id=ENGINEER, ambassador_id="E1", visitor_hash=la.visitor(3)),
        ],
    )
    return moto_stack


def _run(world: MotoStack, run: dict[str, str] = RUN) -> list[str]:
    world.invoke("MailPlannerFunction", run)
    bodies = [m["Body"] for m in world.receive_all("MailQueue")]
    assert mail.send(world, bodies) == []
    return bodies


def _by_recipient() -> dict[str, mail.Parts]:
    return {str(m["To"]).split("@")[0]: mail.parts(m) for m in mail.sent_messages()}


@pytest.mark.parametrize(
    ("who", "vacancy", "expected"),
    [
        ("e1", ENGINEER, ("Jouw week als ambassadeur", "Deel op LinkedIn", "30 november 2026")),
        ("e4", SALES, ("Your week as an ambassador", "Share on LinkedIn", "30 November 2026")),
    ],
)
def test_the_weekly_run_mails_each_ambassador_their_digest_in_their_language(
    world: MotoStack, who: str, vacancy: str, expected: tuple[str, str, str]
) -> None:
    bodies = _run(world)
    assert sorted(json.loads(b)["recipient"] for b in bodies) == ["E1", "E4", "E5"]
    assert {json.loads(b)["period_key"] for b in bodies} == {"weekly:2026-W49"}
    got = _by_recipient()
    assert sorted(got) == ["e1", "e4"]  # E5: nothing new and nothing to report
    parts = got[who]
    for part in (parts.html, parts.text):
        for words in expected:
            assert words in part
    code = dg.link_code(vacancy, who.upper())
    assert code is not None
    hrefs = [href for href, _ in parts.links]
    buttons = [f"{PUBLIC_BASE_URL}/s/{code}/{network}" for network in NETWORKS]
    assert [h for h in hrefs if "/s/" in h] == buttons
    assert f"{PUBLIC_BASE_URL}/r/{code}" in hrefs
    for url in [*buttons, f"{PUBLIC_BASE_URL}/r/{code}"]:
        assert url in parts.text
    for url in buttons:  # each button is the share intent's route: a 302 to the network's dialog
        answer = world.http(
            "GET", mail.path_of(url), headers={"user-agent": "Mozilla/5.0 (iPhone) Mobile/15E148"}
        )
        assert answer.status == 302, (url, answer.body)


def test_the_activity_stands_beside_the_week_before_with_the_nudge(world: MotoStack) -> None:
    _run(world)
    text = _by_recipient()["e1"].text.replace("\r\n", "\n")
    assert "Kliks: 2 / 1" in text
    assert "Er staat 1 nieuwe vacature voor je klaar." in text  # the decision nudge, in Dutch


def test_a_digest_with_no_activity_in_either_period_leaves_the_empty_table_out(world: MotoStack) -> None:
    _run(world)
    got = _by_recipient()
    assert "Kliks: 2 / 1" in got["e1"].text.replace("\r\n", "\n")  # E1 did something: the table
    e4 = got["e4"]  # E4 has a new vacancy and has done nothing yet: no table of zeros
    for part in (e4.html, e4.text):
        assert "Account Manager" in part
        assert "What your sharing did" not in part
        assert "Clicks" not in part


def test_a_second_run_for_the_same_week_sends_nothing_more(world: MotoStack) -> None:
    _run(world)
    _run(world)
    assert len(mail.sent_messages()) == 2


def test_who_left_the_programme_gets_no_digest_until_they_return(world: MotoStack) -> None:
    dg.put_ambassador(
        "E1", LAST_WEEK, locale="nl", name="Sanne de Vries", interests=["Engineering"], in_programme=False
    )
    _run(world)
    assert sorted(_by_recipient()) == ["e4"]  # E1 left (their links and figures are kept)
    dg.put_ambassador("E1", LAST_WEEK, locale="nl", name="Sanne de Vries", interests=["Engineering"])
    _run(world)  # the week's run again (a redrive): E1 is back, their digest goes; E4's not twice
    assert sorted(_by_recipient()) == ["e1", "e4"]
    assert len(mail.sent_messages()) == 2


def test_the_daily_run_mails_only_who_chose_daily(world: MotoStack) -> None:
    repo = MailPreferenceRepository()
    repo.put("E4", repo.get("E4").model_copy(update={"digest_frequency": "daily"}), now=THIS_WEEK)
    bodies = _run(world, {**RUN, "frequency": "daily", "scheduled_at": "2026-12-02T07:30:00Z"})
    assert [(json.loads(b)["recipient"], json.loads(b)["period_key"]) for b in bodies] == [
        ("E4", "daily:2026-12-01")
    ]
    assert sorted(_by_recipient()) == ["e4"]
    _run(world)  # the weekly run skips E4 now
    assert sorted(_by_recipient()) == ["e1", "e4"]
    assert len(mail.sent_messages()) == 2


def test_nothing_to_report_sends_nothing(world: MotoStack) -> None:
    bodies = _run(world, {**RUN, "scheduled_at": "2027-01-04T07:30:00Z"})  # a quiet week later
    assert len(bodies) == 3
    assert mail.sent_messages() == []


def test_the_digest_schedules_run_in_the_organisations_zone_across_daylight_saving(world: MotoStack) -> None:
    from infra.local.scheduler import next_fire

    inputs = [(s, json.loads(s.payload)) for s in world.stack.schedules() if s.payload]
    schedules = {i["frequency"]: s for s, i in inputs if i.get("kind") == "ambassador_digest"}
    assert sorted(schedules) == ["daily", "monthly", "weekly"]
    weekly = schedules["weekly"]
    assert weekly.function == "MailPlannerFunction"
    assert weekly.dead_letter_arn
    # Monday 08:30 in Amsterdam: 07:30 UTC in winter, 06:30 UTC in summer
    winter = next_fire(weekly.expression, weekly.timezone, datetime(2026, 12, 4, 20, 0, tzinfo=UTC))
    summer = next_fire(weekly.expression, weekly.timezone, datetime(2027, 6, 4, 20, 0, tzinfo=UTC))
    assert winter == datetime(2026, 12, 7, 7, 30, tzinfo=UTC)
    assert summer == datetime(2027, 6, 7, 6, 30, tzinfo=UTC)
    monthly = schedules["monthly"]
    assert next_fire(monthly.expression, monthly.timezone, winter) == datetime(2027, 1, 1, 7, 30, tzinfo=UTC)


WEEK_50 = datetime(2026, 12, 8, 10, 0, tzinfo=UTC)  # Tuesday of 2026-W50
WEEK_51 = datetime(2026, 12, 15, 10, 0, tzinfo=UTC)


def _vacancies_listed(parts: mail.Parts) -> list[str]:
    return sorted(t for t in ("Backend Engineer", "Platform Engineer", "Data Engineer") if t in parts.text)


def test_a_digest_after_a_sent_digest_lists_the_vacancies_opened_since_it(world: MotoStack) -> None:
    _run(world)  # W49: E1's first digest, the period's new vacancy
    assert _vacancies_listed(_by_recipient()["e1"]) == ["Backend Engineer"]
    for post, title, published_at in (("P3", "Platform Engineer", WEEK_50), ("P4", "Data Engineer", WEEK_51)):
        dg.fan_out(
            world, dg.put_vacancy(post, title=title, department="Engineering", published_at=published_at)
        )
    before = len(mail.sent_messages())
    # no W50 digest went out (E1 had it off that week, say); the W51 one lists W50's vacancy too,
    # and not W49's, which the last digest carried
    _run(world, {**RUN, "scheduled_at": "2026-12-21T07:30:00Z"})
    [latest] = [m for m in mail.sent_messages()[before:] if str(m["To"]).startswith("e1@")]
    assert _vacancies_listed(mail.parts(latest)) == ["Data Engineer", "Platform Engineer"]
    last = recipients(["E1"], last_sent_of=[("ambassador_digest", "E1")]).last_sent
    assert last[("ambassador_digest", "E1")].period_key == "weekly:2026-W51"
    # a late W50 job after it: W51's digest stays the last one sent
    assert mail.send(world, [mail.job("ambassador_digest", "E1", "weekly:2026-W50")]) == []
    last = recipients(["E1"], last_sent_of=[("ambassador_digest", "E1")]).last_sent
    assert last[("ambassador_digest", "E1")].period_key == "weekly:2026-W51"


def test_a_batch_of_ten_digests_costs_at_most_two_reads_and_one_write_each_besides_the_send(
    world: MotoStack,
) -> None:
    from collections import Counter

    from kring import aws

    for n in range(6, 13):
        dg.put_ambassador(f"E{n}", LAST_WEEK, interests=["Engineering"])
    dg.fan_out(
        world,
        dg.put_vacancy("P3", title="Platform Engineer", department="Engineering", published_at=THIS_WEEK),
    )
    world.invoke("MailPlannerFunction", RUN)
    bodies = [m["Body"] for m in world.receive_all("MailQueue")]
    assert len(bodies) == 10
    requests: Counter[str] = Counter()

    def count(event_name: str, **_: Any) -> None:
        requests[event_name.rsplit(".", 1)[-1]] += 1

    aws.dynamodb().meta.events.register("before-send.dynamodb", count)
    try:
        assert mail.send(world, bodies) == []
    finally:
        aws.dynamodb().meta.events.unregister("before-send.dynamodb", count)
    assert len(mail.sent_messages()) == 9  # E5: nothing new, nothing to report
    # per digest: its activity (Query) and its claim (PutItem); per batch: the open vacancies
    # (Query), the recipients, their suppressions, the vacancies' link keys and which of the ten's
    # links exist (four BatchGetItem), and the record (one BatchWriteItem)
    assert requests == Counter({"Query": 11, "BatchGetItem": 4, "PutItem": 10, "BatchWriteItem": 1})
    reads = requests["Query"] + requests["BatchGetItem"] + requests["GetItem"]
    writes = requests["PutItem"] + requests["UpdateItem"]
    assert reads / len(bodies) <= 2
    assert writes / len(bodies) <= 1  # and the batch's one BatchWriteItem


def test_when_the_batch_reads_fail_each_digest_reads_for_itself(
    world: MotoStack, monkeypatch: pytest.MonkeyPatch
) -> None:
    from kring.dal.suppressions import SuppressionRepository
    from kring.errors import TransientError

    def fail(*_: object, **__: object) -> set[str]:
        raise TransientError("throttled")

    monkeypatch.setattr(SuppressionRepository, "suppressed_among", fail)
    _run(world)
    assert sorted(_by_recipient()) == ["e1", "e4"]
    assert _vacancies_listed(_by_recipient()["e1"]) == ["Backend Engineer"]

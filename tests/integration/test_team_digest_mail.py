"""The talent-team digest as a mail, end to end under moto: addresses added through the admin API,
the real MailPlannerFunction plans the week, the real MailSenderFunction sends each in its locale;
the unsubscribe link takes the address off the list."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from kring.dal.team_recipients import TeamRecipientRepository
from tests.support import digests as dg
from tests.support import link_activity as la
from tests.support import mail
from tests.support.fixtures import MotoStack, clear_kring_caches

THIS_WEEK = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)  # Tuesday of 2026-W49
RUN = {"kind": "team_digest", "scheduled_at": "2026-12-07T07:30:00Z"}  # Monday 08:30 in Amsterdam


@pytest.fixture
def world(moto_stack: MotoStack) -> MotoStack:
    clear_kring_caches()
    mail.verify_sending_domain()
    for email, locale in (("lead@talent.example.com", "nl"), ("recruiter@talent.example.com", "en")):
        added = moto_stack.http(
            "POST", "/api/team/recipients", body={"email": email, "locale": locale}, admin=True
        )
        assert added.status == 201, added.body
    dg.put_ambassador("E1", THIS_WEEK, interests=["Engineering"])
    vacancy = dg.put_vacancy("P1", title="Backend Engineer", department="Engineering", published_at=THIS_WEEK)
    dg.fan_out(moto_stack, vacancy)
    dg.record_activity(
        moto_stack,
        [
            la.click(
                1, at=THIS_WEEK, vacancy_id="greenhouse-P1", ambassador_id="E1", visitor_hash=la.visitor(1)
            )
        ],
    )
    return moto_stack


def _run(world: MotoStack) -> list[str]:
    world.invoke("MailPlannerFunction", RUN)
    bodies = [m["Body"] for m in world.receive_all("MailQueue")]
    assert mail.send(world, bodies) == []
    return bodies


def _by_recipient() -> dict[str, mail.Parts]:
    return {str(m["To"]).split("@")[0]: mail.parts(m) for m in mail.sent_messages()}


def test_the_weekly_run_mails_each_team_address_the_week_in_its_language(world: MotoStack) -> None:
    bodies = _run(world)
    assert {json.loads(b)["period_key"] for b in bodies} == {"weekly:2026-W49"}
    got = _by_recipient()
    assert sorted(got) == ["lead", "recruiter"]
    nl, en = got["lead"], got["recruiter"]
    assert nl.header("Subject") == "Het ambassadeursprogramma: de week van 30 november 2026"
    assert en.header("Subject") == "The ambassador programme: the week of 30 November 2026"
    for part in (nl.html, nl.text):
        assert "Het ambassadeursprogramma deze week" in part
        assert "Backend Engineer" in part  # the top vacancy
        assert "talentteam" in part
        assert "Kies welke e-mails" not in part  # a team address has no preferences page
    assert "Kliks: 1 / 0" in nl.text.replace("\r\n", "\n")
    assert "Clicks: 1 / 0" in en.text.replace("\r\n", "\n")
    assert "ambassador in" not in en.text
    # a count takes its form, and nothing is named by its id
    assert "Backend Engineer: 1 klik, 0 sollicitaties, 0 aanwervingen" in nl.text
    assert "Backend Engineer: 1 click, 0 applications, 0 hires" in en.text
    assert "Geen sollicitaties deze week." in nl.text
    for part in (nl.html, nl.text, en.html, en.text):
        for raw_id in ("click_token", "unattributed", "share_code", "linkedin"):
            assert raw_id not in part.replace("/mail/", ""), raw_id
    # no hire and no other channels yet: the cost section says what shows when
    assert "no hire credited to them in the last 52 weeks yet" in en.text
    assert "Set what a hire costs through your other channels" in en.text


def test_a_second_run_for_the_same_week_sends_nothing_more(world: MotoStack) -> None:
    _run(world)
    _run(world)
    assert len(mail.sent_messages()) == 2


def test_the_unsubscribe_link_takes_the_address_off_the_team_digest(world: MotoStack) -> None:
    _run(world)
    url = _by_recipient()["recruiter"].header("List-Unsubscribe")[1:-1]
    page = world.http("GET", mail.path_of(url))
    assert page.status == 200, page.body
    assert len(TeamRecipientRepository().all()) == 2  # a scanner's GET changes nothing
    done = world.http(
        "POST",
        mail.path_of(url),
        body="List-Unsubscribe=One-Click",
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert done.status == 200, done.body
    assert [r.email for r in TeamRecipientRepository().all()] == ["lead@talent.example.com"]
    assert world.http("GET", mail.path_of(url)).status == 404  # the link names nobody any more

"""The ambassador digest's content from Kring's real stored data: vacancies, the fan-out's links,
share intents and clicks through the click recorder, referred applications, interviews, hires and
rewards through the attribution — then :func:`build_ambassador_digest` read back under moto."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from kring.mail.digest_content import AmbassadorDigest, DigestSources, build_ambassador_digest
from kring.mail.periods import Period, period_ending, zone
from kring.models.ambassador import Ambassador
from kring.models.common import NETWORKS
from tests.support import digests as dg
from tests.support import link_activity as la
from tests.support.fixtures import PUBLIC_BASE_URL, MotoStack, clear_kring_caches

TZ = zone()
RUN = datetime(2026, 12, 7, 8, 30, tzinfo=TZ)  # Monday 08:30: reports 2026-W49 (Nov 30 to Dec 6)
THIS_WEEK = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)  # Tuesday of W49
LAST_WEEK = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)  # Tuesday of W48
ENGINEER = "greenhouse-P1"  # published this week, Engineering (job J1, post P1: attribution's)
SALES = "greenhouse-P2"  # published this week, Sales
OLD = "greenhouse-P3"  # published last week, Engineering: in last week's digest


@pytest.fixture
def world(moto_stack: MotoStack, monkeypatch: pytest.MonkeyPatch) -> dict[str, Ambassador]:
    monkeypatch.setenv("REWARD_AMOUNT", "500")
    monkeypatch.setenv("REWARD_HOLDING_DAYS", "3")
    clear_kring_caches()
    people = {
        "E1": dg.put_ambassador("E1", LAST_WEEK, locale="nl", interests=["engineering"]),
        "E2": dg.put_ambassador(
            "E2", LAST_WEEK, phase="awareness", opted_in=False, interests=["Engineering"]
        ),
        "E3": dg.put_ambassador("E3", LAST_WEEK, phase="evangelize", dormant=True, interests=["Engineering"]),
        "E4": dg.put_ambassador("E4", LAST_WEEK, interests=["Sales"]),
        "E5": dg.put_ambassador("E5", LAST_WEEK, interests=["Finance"]),
    }
    old = dg.put_vacancy("P3", title="Old Engineer", department="Engineering", published_at=LAST_WEEK)
    engineer = dg.put_vacancy(
        "P1", title="Backend Engineer", department="Engineering", published_at=THIS_WEEK, job="J1"
    )
    sales = dg.put_vacancy("P2", title="Account Manager", department="Sales", published_at=THIS_WEEK)
    for vacancy in (old, engineer, sales):
        dg.fan_out(moto_stack, vacancy)
    dg.record_activity(
        moto_stack,
        [
            la.intent(1, at=THIS_WEEK, vacancy_id=ENGINEER, ambassador_id="E1"),
            la.intent(2, at=THIS_WEEK, vacancy_id=ENGINEER, ambassador_id="E1", network="whatsapp"),
            la.click(1, at=THIS_WEEK, vacancy_id=ENGINEER, ambassador_id="E1", visitor_hash=la.visitor(1)),
            la.click(2, at=THIS_WEEK, vacancy_id=ENGINEER, ambassador_id="E1", visitor_hash=la.visitor(2)),
            la.click(3, at=THIS_WEEK, vacancy_id=ENGINEER, ambassador_id="E1", kind="preview"),  # a bot
            la.click(4, at=LAST_WEEK, vacancy_id=OLD, ambassador_id="E1", visitor_hash=la.visitor(3)),
            la.click(5, at=THIS_WEEK, vacancy_id=SALES, ambassador_id="E4", visitor_hash=la.visitor(4)),
        ],
    )
    # E1 referred someone who was interviewed and hired on Wednesday; the reward's 3 holding days
    # end on Saturday — both inside the week
    dg.referred_hire(
        moto_stack, app="A1", who=1, referrer="E1", applied=THIS_WEEK, hired=THIS_WEEK + timedelta(days=1)
    )
    return people


def _week() -> Period:
    return period_ending("weekly", RUN, TZ)


def _digest(ambassador: Ambassador, sources: DigestSources | None = None) -> AmbassadorDigest | None:
    week = _week()
    return build_ambassador_digest(
        ambassador, week, sources or DigestSources(tz=TZ, now=RUN), last_sent=week.previous()
    )


def test_new_matching_vacancies_come_with_the_ambassadors_own_buttons_and_link(
    world: dict[str, Ambassador], moto_stack: MotoStack
) -> None:
    digest = _digest(world["E1"])
    assert digest is not None
    assert (digest.ambassador_id, digest.locale, digest.period.key) == ("E1", "nl", "weekly:2026-W49")
    assert (digest.period.start, digest.period.end) == (date(2026, 11, 30), date(2026, 12, 7))
    # interests match case-insensitively (the fan-out's rule); last week's vacancy was in last
    # week's digest; Sales is not theirs
    assert [v.vacancy_id for v in digest.new_vacancies] == [ENGINEER]
    (vacancy,) = digest.new_vacancies
    assert (vacancy.title, vacancy.department, vacancy.location) == (
        "Backend Engineer",
        "Engineering",
        "Amsterdam",
    )
    code = dg.link_code(ENGINEER, "E1")
    assert code is not None
    assert vacancy.tracked_url == f"{PUBLIC_BASE_URL}/r/{code}"
    assert [(b.network, b.url) for b in vacancy.share_buttons] == [
        (network, f"{PUBLIC_BASE_URL}/s/{code}/{network}") for network in NETWORKS
    ]
    # every button is the share intent's route, and it works: a 302 to the network's dialog
    for button in vacancy.share_buttons:
        got = moto_stack.http(
            "GET",
            button.url.removeprefix(PUBLIC_BASE_URL),
            headers={"user-agent": "Mozilla/5.0 (iPhone) Mobile/15E148", "accept-language": "nl"},
        )
        assert got.status == 302, (button.network, got.body)


def test_activity_of_the_week_with_the_week_before_beside_it(world: dict[str, Ambassador]) -> None:
    digest = _digest(world["E1"])
    assert digest is not None
    got = digest.activity.model_dump()
    assert got == {
        "share_intents": 2,
        "clicks": 2,  # the preview bot does not count
        "applications": 1,
        "interviews": 1,
        "hires": 1,
        "rewards_pending": 1,
        "rewards_eligible": 1,
    }
    assert digest.activity_before.model_dump() == {**dict.fromkeys(got, 0), "clicks": 1}
    assert digest.nudge.key == "decision"
    assert digest.nudge.params == {"new_vacancies": 1}


def test_ambassadors_who_do_not_share_yet_hear_of_what_is_new_without_buttons(
    world: dict[str, Ambassador],
) -> None:
    digest = _digest(world["E2"])  # awareness, not opted in: the fan-out gave no link
    assert digest is not None
    assert digest.new_vacancies == []
    assert digest.activity.is_empty
    assert (digest.nudge.key, digest.nudge.params) == ("awareness", {"new_matching": 1})


def test_a_dormant_ambassador_is_missed_with_the_best_open_vacancy(world: dict[str, Ambassador]) -> None:
    digest = _digest(world["E3"])
    assert digest is not None
    assert digest.new_vacancies == []
    # of the open Engineering vacancies, the one with an application in the last 28 days
    assert digest.nudge.key == "we_miss_you"
    assert digest.nudge.params == {
        "vacancy_title": "Backend Engineer",
        "vacancy_url": "https://job-boards.greenhouse.io/acme/jobs/P1",
    }


def test_nothing_new_and_nothing_to_report_is_no_digest(world: dict[str, Ambassador]) -> None:
    assert _digest(world["E5"]) is None  # Finance: nothing matches, nothing happened
    # the week after, E1 has nothing new and did nothing
    week = _week().next()
    assert (
        build_ambassador_digest(world["E1"], week, DigestSources(tz=TZ, now=RUN), last_sent=_week()) is None
    )


def test_a_first_digest_and_a_digest_after_a_gap_cover_everything_since_the_last(
    world: dict[str, Ambassador],
) -> None:
    week = _week()
    first = build_ambassador_digest(world["E1"], week, DigestSources(tz=TZ, now=RUN), last_sent=None)
    assert first is not None
    assert [v.vacancy_id for v in first.new_vacancies] == [ENGINEER]  # a first digest: this period
    after_gap = build_ambassador_digest(
        world["E1"], week, DigestSources(tz=TZ, now=RUN), last_sent=week.previous().previous()
    )
    assert after_gap is not None
    assert [v.vacancy_id for v in after_gap.new_vacancies] == [ENGINEER, OLD]  # newest first


def test_nothing_about_anyone_else(world: dict[str, Ambassador]) -> None:
    digest = _digest(world["E4"])
    assert digest is not None
    assert [v.vacancy_id for v in digest.new_vacancies] == [SALES]
    assert digest.activity.clicks == 1
    text = digest.model_dump_json()
    for other in ("E1", "E2", "E3", "E5", "Name ", "@example.com"):
        assert other not in text


def test_a_digest_costs_at_most_two_reads_besides_the_shared_ones(world: dict[str, Ambassador]) -> None:
    sources = DigestSources(tz=TZ, now=RUN)
    _digest(world["E1"], sources)  # warms the shared reads: vacancies, link keys
    _digest(world["E3"], sources)  # and the open vacancies' figures
    for ambassador_id in ("E1", "E2", "E3", "E4", "E5"):
        with dg.dynamodb_calls() as calls:
            _digest(world[ambassador_id], sources)
        assert len(calls) <= 2, (ambassador_id, calls)
        assert "Scan" not in calls

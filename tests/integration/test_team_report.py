"""The talent-team digest's content from Kring's real stored data under moto: the programme's week
against the week before, top vacancies and ambassadors, applications by method and channel, what
needs a person (a parked message, a silent ATS, a reward to pay), cost per hire beside the other
channels' and the rates of credited applications against the rest."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import boto3
import pytest

from kring.dal import ats_deliveries
from kring.mail.periods import period_ending, zone
from kring.mail.team_report import build_team_report
from kring.sharing.fanout import count_shares
from tests.support import attribution as at
from tests.support import digests as dg
from tests.support import greenhouse as gh
from tests.support import link_activity as la
from tests.support.fixtures import REGION, MotoStack, clear_kring_caches

TZ = zone()
RUN = datetime(2026, 12, 7, 8, 30, tzinfo=TZ)  # reports 2026-W49: Nov 30 to Dec 6
THIS_WEEK = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
LAST_WEEK = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
EARLIER = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)
P1, P2 = "greenhouse-P1", "greenhouse-P2"


def _no_sleep(_: float) -> None:
    return None


@pytest.fixture
def world(moto_stack: MotoStack, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REWARD_AMOUNT", "500")
    monkeypatch.setenv("REWARD_HOLDING_DAYS", "3")
    dlqs = {name: moto_stack.queue_url(name) for name in ("FanoutDLQ", "ImportDLQ")}
    monkeypatch.setenv("DEAD_LETTER_QUEUES", ",".join(f"{n}={u}" for n, u in dlqs.items()))
    clear_kring_caches()
    dg.put_ambassador("E1", EARLIER, name="Eva")
    dg.put_ambassador("E2", EARLIER, name="Bram")
    dg.put_ambassador("E3", EARLIER, name="Noor")
    dg.put_vacancy("P1", title="Backend Engineer", department="Engineering", published_at=EARLIER, job="J1")
    dg.put_vacancy("P2", title="Account Manager", department="Sales", published_at=EARLIER)
    # links created, counted as the fan-out counts them
    assert count_shares("page-a", P1, 3, THIS_WEEK, sleep=_no_sleep)
    assert count_shares("page-b", P1, 2, LAST_WEEK, sleep=_no_sleep)
    dg.record_activity(
        moto_stack,
        [
            la.intent(1, at=THIS_WEEK, vacancy_id=P1, ambassador_id="E1"),
            la.intent(2, at=THIS_WEEK, vacancy_id=P1, ambassador_id="E1", network="x"),
            la.intent(3, at=THIS_WEEK, vacancy_id=P2, ambassador_id="E2"),
            la.intent(4, at=LAST_WEEK, vacancy_id=P1, ambassador_id="E1"),
            la.click(1, at=THIS_WEEK, vacancy_id=P1, ambassador_id="E1", visitor_hash=la.visitor(1)),
            la.click(2, at=THIS_WEEK, vacancy_id=P1, ambassador_id="E1", visitor_hash=la.visitor(2)),
            la.click(3, at=THIS_WEEK, vacancy_id=P2, ambassador_id="E2", visitor_hash=la.visitor(3)),
            la.click(4, at=LAST_WEEK, vacancy_id=P1, ambassador_id="E1", visitor_hash=la.visitor(4)),
        ],
    )
    # E1's referral hired this week (its reward eligible on Saturday, not paid); E2's referral
    # hired a month ago and its reward paid; an application nobody brought
    dg.referred_hire(
        moto_stack, app="A1", who=1, referrer="E1", applied=THIS_WEEK, hired=THIS_WEEK + timedelta(days=1)
    )
    dg.referred_hire(
        moto_stack, app="A3", who=3, referrer="E2", applied=EARLIER, hired=EARLIER + timedelta(days=1)
    )
    at.deliver_ok(moto_stack, [at.received(at=THIS_WEEK, app="A2", who=2)])
    listed = moto_stack.http("GET", "/api/rewards", query="ambassador_id=E2", admin=True).json()["items"]
    (reward,) = listed
    paid = moto_stack.http("POST", f"/api/rewards/E2/{reward['reward_id']}/pay", admin=True)
    assert paid.status == 200, paid.body
    # the talent team's other channels
    settings = {"other_channels": [{"channel": "agency", "label": "Agencies", "cost_per_hire": "8000.00"}]}
    assert moto_stack.http("PUT", "/api/team/settings", body=settings, admin=True).status == 200
    # an import chunk parked in its DLQ
    boto3.client("sqs", region_name=REGION).send_message(QueueUrl=dlqs["ImportDLQ"], MessageBody="{}")
    # Greenhouse delivers through the real webhook; Lever last delivered ten days before the run
    body = gh.post()
    assert moto_stack.http("POST", gh.PATH, body=body, headers=gh.headers(body)).status < 300
    ats_deliveries.record_delivery("lever", RUN - timedelta(days=10))


def test_the_week_against_the_week_before(world: None) -> None:
    report = build_team_report(period_ending("weekly", RUN, TZ), now=RUN)
    assert report.period.key == "weekly:2026-W49"
    assert report.funnel.model_dump() == {
        "shares": 3,
        "share_intents": 3,
        "clicks": 3,
        "applications": 2,
        "interviews": 1,
        "hires": 1,
    }
    assert report.funnel_before.model_dump() == {
        "shares": 2,
        "share_intents": 1,
        "clicks": 1,
        "applications": 0,
        "interviews": 0,
        "hires": 0,
    }
    assert report.applications_by_method == {
        "referral": 1,
        "click_token": 0,
        "share_code": 0,
        "unattributed": 1,
    }
    assert {c: n for c, n in report.applications_by_channel.items() if n} == {
        "referral": 1,
        "unattributed": 1,
    }
    assert sum(report.applications_by_channel.values()) == report.funnel.applications


def test_top_vacancies_and_ambassadors(world: None) -> None:
    report = build_team_report(period_ending("weekly", RUN, TZ), now=RUN)
    assert [(v.vacancy_id, v.title, v.applications, v.clicks) for v in report.top_vacancies] == [
        (P1, "Backend Engineer", 2, 2),
        (P2, "Account Manager", 0, 1),
    ]
    assert [
        (a.ambassador_id, a.name, a.hires, a.clicks, a.share_intents) for a in report.top_ambassadors
    ] == [
        ("E1", "Eva", 1, 2, 2),
        ("E2", "Bram", 0, 1, 1),
    ]


def test_what_needs_a_person(world: None) -> None:
    needs = build_team_report(period_ending("weekly", RUN, TZ), now=RUN).needs_a_person
    assert [(p.queue, p.messages) for p in needs.parked] == [("ImportDLQ", 1)]  # FanoutDLQ is empty
    assert [s.provider for s in needs.silent_ats] == ["lever"]  # Greenhouse delivered this week
    assert ats_deliveries.last_deliveries().keys() == {"greenhouse", "lever"}
    ((currency, entries, amount),) = [(r.currency, r.entries, r.amount) for r in needs.rewards_to_pay]
    assert (currency, entries, amount) == ("EUR", 1, Decimal(500))  # E1's: eligible, not paid


def test_cost_per_hire_beside_other_channels_and_rates_credited_against_the_rest(world: None) -> None:
    report = build_team_report(period_ending("weekly", RUN, TZ), now=RUN)
    assert (report.window_first_day, report.window_last_day) == (date(2025, 12, 8), date(2026, 12, 6))
    (cost,) = report.ambassador_cost_per_hire
    assert cost.model_dump() == {
        "currency": "EUR",
        "rewards_paid": Decimal(500),
        "rewards_owed": Decimal(500),
        "credited_hires": 2,
        "cost_per_hire": Decimal("500.00"),
        "paid_per_hire": Decimal("250.00"),
    }
    assert [(c.channel, c.label, c.cost_per_hire, c.currency) for c in report.other_channels] == [
        ("agency", "Agencies", Decimal("8000.00"), "EUR")
    ]
    assert report.credited.model_dump() == {
        "applications": 2,
        "interviews": 2,
        "hires": 2,
        "interview_rate": 1.0,
        "hire_rate": 1.0,
    }
    assert report.rest.model_dump() == {
        "applications": 1,
        "interviews": 0,
        "hires": 0,
        "interview_rate": 0.0,
        "hire_rate": 0.0,
    }


def test_a_quiet_programme_reports_zeros_and_nothing_to_do(moto_stack: MotoStack) -> None:
    report = build_team_report(period_ending("weekly", RUN, TZ), now=RUN)
    assert report.funnel.model_dump() == dict.fromkeys(report.funnel.model_dump(), 0)
    assert report.needs_a_person.is_empty
    assert report.top_vacancies == []
    assert report.top_ambassadors == []
    assert report.ambassador_cost_per_hire == []
    assert report.credited.interview_rate is None

"""``GET /api/vacancies/{id}/funnel``, ``GET /api/ambassadors/{id}/stats`` and
``GET /api/program/funnel``: the click recorder's counters — and the attribution's and the
fan-out's, written as the storage contract says — read back through the real API handler under
moto."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from kring import aws, config
from kring.dal import ambassadors as ambassador_items
from kring.dal import keys
from kring.dal.vacancies import StoredVacancy, VacancyRepository
from kring.events import KringEvent
from kring.models.ambassador import Ambassador
from kring.models.common import CHANNELS, NO_ACCEPT_LANGUAGE
from kring.models.vacancy import Vacancy
from tests.support import attribution_data as ad
from tests.support import link_activity as la
from tests.support.fixtures import MotoStack

T0 = datetime(2026, 11, 28, 23, 30, tzinfo=UTC)


def _seed(stack: MotoStack) -> None:
    VacancyRepository().put(
        StoredVacancy(
            vacancy=Vacancy.model_validate(
                {
                    "id": "greenhouse-1",
                    "provider": "greenhouse",
                    "external_id": "1",
                    "title": "Engineer",
                    "url": "https://job-boards.greenhouse.io/acme/jobs/1",
                    "status": "published",
                    "published_at": T0,
                    "updated_at": T0,
                }
            ),
            post_live=True,
        ),
        expected_revision=None,
    )
    ambassador = Ambassador.model_validate(
        {
            "id": "E1",
            "name": "Eva",
            "email": "eva@example.com",
            "phase": "decision",
            "opted_in": True,
            "created_at": T0,
            "updated_at": T0,
        }
    )
    aws.dynamodb().put_item(TableName=config.tables().table_name, Item=ambassador_items.to_item(ambassador))
    la.put_own_visitor("E1", "2026-11-29", la.visitor(9))
    events: list[KringEvent] = [
        la.intent(1, at=T0),
        la.intent(2, at=T0 + timedelta(hours=1), network="x"),
        la.click(1, at=T0 + timedelta(minutes=5), visitor_hash=la.visitor(1)),  # 2026-11-28
        la.click(2, at=T0 + timedelta(minutes=40), visitor_hash=la.visitor(1)),  # 2026-11-29 00:10
        la.click(3, at=T0 + timedelta(minutes=45), visitor_hash=la.visitor(1)),  # same hour: once
        la.click(4, at=T0 + timedelta(minutes=50), visitor_hash=la.visitor(2), channel="x"),
        la.click(5, at=T0 + timedelta(minutes=55), kind="preview"),
        # a scanner only for its missing Accept-Language, counted on its own too
        la.click(
            6, at=T0 + timedelta(minutes=56), kind="scanner", reason=NO_ACCEPT_LANGUAGE, channel="email"
        ),
        la.click(7, at=T0 + timedelta(minutes=57), visitor_hash=la.visitor(9)),  # own (29th)
    ]
    result = stack.invoke("ClickRecorderFunction", la.sqs_event([la.envelope(e) for e in events]))
    assert result == {"batchItemFailures": []}


def _zero_bots(**counts: int) -> dict[str, int]:
    return {"head": 0, "preview": 0, "crawler": 0, "scanner": 0, **counts}


NO_APPLICATIONS = {"applications": 0, "interviews": 0, "hires": 0}


def _methods(**counts: int) -> dict[str, int]:
    return {"referral": 0, "click_token": 0, "share_code": 0, "unattributed": 0, **counts}


def test_the_vacancy_funnel_in_total_by_channel_and_by_day(moto_stack: MotoStack) -> None:
    _seed(moto_stack)
    got = moto_stack.http(
        "GET", "/api/vacancies/greenhouse-1/funnel", query="from=2026-11-01&to=2026-11-30", admin=True
    )
    assert got.status == 200, got.body
    body = got.json()
    assert (body["vacancy_id"], body["first_day"], body["last_day"]) == (
        "greenhouse-1",
        "2026-11-01",
        "2026-11-30",
    )
    assert body["totals"] == {
        "share_intents": 2,
        "clicks": 3,
        "raw_clicks": 4,
        "unique_visitor_days": 3,  # visitor 1 on the 28th and the 29th, visitor 2
        "bot_clicks": 2,
        "bot_clicks_by_reason": _zero_bots(preview=1, scanner=1),
        "bot_clicks_no_accept_language": 1,
        "own_clicks": 1,
        **NO_APPLICATIONS,
        "applications_by_method": _methods(),
    }
    assert body["by_channel"]["x"] == {
        "share_intents": 1,
        "clicks": 1,
        "raw_clicks": 1,
        "unique_visitor_days": 1,
        "bot_clicks": 0,
        "bot_clicks_no_accept_language": 0,
        "own_clicks": 0,
        **NO_APPLICATIONS,
    }
    assert body["shares"] == 0
    assert body["by_channel"]["email"]["bot_clicks"] == 1
    assert body["by_channel"]["email"]["bot_clicks_no_accept_language"] == 1
    assert set(body["by_channel"]) == {*CHANNELS, "referral", "unattributed"}
    assert [d["day"] for d in body["by_day"]] == ["2026-11-28", "2026-11-29"]
    day_29 = body["by_day"][1]
    assert (day_29["clicks"], day_29["raw_clicks"], day_29["unique_visitors"], day_29["own_clicks"]) == (
        2,
        3,
        2,
        1,
    )
    assert day_29["bot_clicks_by_reason"] == _zero_bots(preview=1, scanner=1)
    assert day_29["bot_clicks_no_accept_language"] == 1
    assert body["by_day"][0]["bot_clicks_no_accept_language"] == 0


def test_the_range_bounds_the_days(moto_stack: MotoStack) -> None:
    _seed(moto_stack)
    body = moto_stack.http(
        "GET", "/api/ambassadors/E1/stats", query="from=2026-11-29&to=2026-11-29", admin=True
    ).json()
    assert (body["ambassador_id"], body["ambassador_name"]) == ("E1", "Eva")
    assert [d["day"] for d in body["by_day"]] == ["2026-11-29"]
    assert body["totals"]["raw_clicks"] == 3
    assert body["totals"]["share_intents"] == 1  # the intent of the 28th is outside


def test_the_default_range_is_the_last_90_days(moto_stack: MotoStack) -> None:
    _seed(moto_stack)
    body = moto_stack.http("GET", "/api/ambassadors/E1/stats", admin=True).json()
    today = datetime.now(UTC).date()
    assert body["last_day"] == today.isoformat()
    assert date.fromisoformat(body["first_day"]) == today - timedelta(days=89)


@pytest.mark.parametrize(
    ("path", "query"),
    [
        ("/api/vacancies/greenhouse-404/funnel", ""),
        ("/api/ambassadors/E404/stats", ""),
        ("/api/ambassadors/not%23an%23id/stats", ""),
    ],
)
def test_unknown_vacancies_and_ambassadors_are_404(moto_stack: MotoStack, path: str, query: str) -> None:
    got = moto_stack.http("GET", path, query=query, admin=True)
    assert got.status == 404
    assert got.json()["error"]["code"] == "not_found"


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("from=2026-13-01", "from"),
        ("to=29-11-2026", "to"),
        ("from=20261101", "from"),
        ("from=2026-11-30&to=2026-11-01", "from"),
        ("from=2024-01-01&to=2026-11-30", "from"),
    ],
)
def test_a_bad_range_is_a_422_that_names_the_field(moto_stack: MotoStack, query: str, field: str) -> None:
    _seed(moto_stack)
    got = moto_stack.http("GET", "/api/vacancies/greenhouse-1/funnel", query=query, admin=True)
    assert got.status == 422, got.body
    error: dict[str, Any] = got.json()["error"]
    assert error["code"] == "validation_failed"
    assert [d["field"] for d in error["details"]] == [field]


def test_the_stats_need_the_admin_token(moto_stack: MotoStack) -> None:
    assert moto_stack.http("GET", "/api/vacancies/greenhouse-1/funnel").status == 401
    assert moto_stack.http("GET", "/api/ambassadors/E1/stats").status == 401


# ------------------------------------------------------------------------------------ issue 4
def _seed_attribution() -> None:
    """Applications, interviews and hires as the attribution counts them, and shares as the
    fan-out does: on the vacancy's, the ambassador's and the programme's day items."""
    day_28, day_29 = "2026-11-28", "2026-11-29"
    # E1's click-token application via LinkedIn and a referral (its own channel), both on the 29th;
    # the LinkedIn one reached an interview; a hire (of an earlier application) on the 29th.
    credited = {
        "applications": 2,
        "applications_click_token": 1,
        "applications_referral": 1,  # the method's counter and the referral channel's
        "applications_linkedin": 1,
        "interviews": 1,
        "interviews_linkedin": 1,
    }
    for key in (
        keys.vacancy_day_stats("greenhouse-1", day_29, 1),
        keys.ambassador_day_stats("E1", day_29, 1),
        keys.program_day_stats(day_29, 1),
    ):
        ad.add_counters(key, **credited)
    for key in (
        keys.vacancy_day_stats("greenhouse-1", day_29, 3),
        keys.ambassador_day_stats("E1", day_29, 3),
        keys.program_day_stats(day_29, 3),
    ):
        ad.add_counters(key, hires=1, hires_linkedin=1)
    # an unattributed application on the 28th: no ambassador, so not on E1's items
    for key in (keys.vacancy_day_stats("greenhouse-1", day_28, 0), keys.program_day_stats(day_28, 0)):
        ad.add_counters(key, applications=1, applications_unattributed=1)
    # a share-code application of another vacancy: the programme counts it, greenhouse-1 does not
    ad.add_counters(keys.vacancy_day_stats("greenhouse-2", day_29, 2), applications=1)
    ad.add_counters(
        keys.program_day_stats(day_29, 2), applications=1, applications_share_code=1, applications_direct=1
    )
    # the fan-out's shares: 3 links for greenhouse-1 on the 28th, 2 for greenhouse-2 on the 29th
    ad.add_counters(keys.vacancy_day_stats("greenhouse-1", day_28, 2), shares=3)
    ad.add_counters(keys.program_day_stats(day_28, 2), shares=3)
    ad.add_counters(keys.vacancy_day_stats("greenhouse-2", day_29, 0), shares=2)
    ad.add_counters(keys.program_day_stats(day_29, 0), shares=2)


def test_the_vacancy_funnel_counts_applications_by_method_interviews_hires_and_shares(
    moto_stack: MotoStack,
) -> None:
    _seed(moto_stack)
    _seed_attribution()
    body = moto_stack.http(
        "GET", "/api/vacancies/greenhouse-1/funnel", query="from=2026-11-01&to=2026-11-30", admin=True
    ).json()
    totals = body["totals"]
    assert (totals["applications"], totals["interviews"], totals["hires"]) == (3, 1, 1)
    assert totals["applications_by_method"] == _methods(referral=1, click_token=1, unattributed=1)
    assert totals["clicks"] == 3  # the click side unchanged
    assert body["shares"] == 3
    linkedin, referral = body["by_channel"]["linkedin"], body["by_channel"]["referral"]
    assert (linkedin["applications"], linkedin["interviews"], linkedin["hires"]) == (1, 1, 1)
    assert (referral["applications"], referral["interviews"], referral["hires"]) == (1, 0, 0)
    assert body["by_channel"]["unattributed"]["applications"] == 1
    assert sum(c["applications"] for c in body["by_channel"].values()) == totals["applications"]
    day_28, day_29 = body["by_day"]
    assert (day_28["day"], day_28["applications"], day_28["hires"]) == ("2026-11-28", 1, 0)
    assert day_28["applications_by_method"] == _methods(unattributed=1)
    assert (day_29["applications"], day_29["interviews"], day_29["hires"]) == (2, 1, 1)
    assert day_29["applications_by_method"] == _methods(referral=1, click_token=1)


def test_the_ambassador_stats_count_credited_applications_and_total_the_rewards(
    moto_stack: MotoStack,
) -> None:
    _seed(moto_stack)
    _seed_attribution()
    now = datetime.now(UTC)
    long_ago = datetime(2025, 1, 6, 10, 0, tzinfo=UTC)
    ad.put_reward("E1", "r-pending", hired_at=now - timedelta(days=10))  # holding period runs
    ad.put_reward("E1", "r-eligible", hired_at=long_ago, amount="250.50")
    ad.put_reward("E1", "r-paid", hired_at=long_ago, status="paid", paid_at=long_ago + timedelta(days=91))
    ad.put_reward(  # paid, then the hire was taken back: still paid, and said so
        "E1",
        "r-reversed",
        hired_at=long_ago,
        status="paid",
        amount="20",
        paid_at=long_ago + timedelta(days=92),
        reversed_after_payment=True,
    )
    ad.put_reward("E1", "r-cancelled", hired_at=long_ago, status="cancelled")
    ad.put_reward("E1", "r-usd", hired_at=long_ago, currency="USD", amount="100")
    ad.put_reward("E2", "r-other", hired_at=long_ago)  # someone else's

    body = moto_stack.http(
        "GET", "/api/ambassadors/E1/stats", query="from=2026-11-01&to=2026-11-30", admin=True
    ).json()
    totals = body["totals"]
    assert (totals["applications"], totals["interviews"], totals["hires"]) == (2, 1, 1)
    assert totals["applications_by_method"] == _methods(referral=1, click_token=1)
    assert body["rewards"] == [
        {
            "currency": "EUR",
            "pending": "500.00",
            "eligible": "250.50",
            "paid": "520.00",
            "cancelled": "500.00",
            "entries": 5,
            "reversed_after_payment": "20",
        },
        {
            "currency": "USD",
            "pending": "0",
            "eligible": "100",
            "paid": "0",
            "cancelled": "0",
            "entries": 1,
            "reversed_after_payment": "0",
        },
    ]
    assert "shares" not in body  # links are counted per vacancy and for the programme only


def test_an_ambassador_without_rewards_has_none(moto_stack: MotoStack) -> None:
    _seed(moto_stack)
    body = moto_stack.http("GET", "/api/ambassadors/E1/stats", admin=True).json()
    assert body["rewards"] == []


def test_the_program_funnel_goes_from_shares_to_hires_by_channel_and_by_day(moto_stack: MotoStack) -> None:
    _seed(moto_stack)  # link activity through the real click recorder
    _seed_attribution()
    got = moto_stack.http("GET", "/api/program/funnel", query="from=2026-11-01&to=2026-11-30", admin=True)
    assert got.status == 200, got.body
    body = got.json()
    assert (body["first_day"], body["last_day"]) == ("2026-11-01", "2026-11-30")
    assert body["totals"] == {
        "shares": 5,
        "share_intents": 2,
        "clicks": 3,
        "raw_clicks": 4,
        "applications": 4,
        "applications_by_method": _methods(referral=1, click_token=1, share_code=1, unattributed=1),
        "interviews": 1,
        "hires": 1,
    }
    assert body["by_channel"]["linkedin"] == {
        "share_intents": 1,
        "clicks": 2,
        "raw_clicks": 3,
        "applications": 1,
        "interviews": 1,
        "hires": 1,
    }
    assert body["by_channel"]["x"] == {
        "share_intents": 1,
        "clicks": 1,
        "raw_clicks": 1,
        "applications": 0,
        "interviews": 0,
        "hires": 0,
    }
    assert body["by_channel"]["direct"]["applications"] == 1  # the share code's
    assert body["by_channel"]["referral"]["applications"] == 1
    assert body["by_channel"]["unattributed"]["applications"] == 1
    assert set(body["by_channel"]) == {*CHANNELS, "referral", "unattributed"}
    assert sum(c["applications"] for c in body["by_channel"].values()) == body["totals"]["applications"]
    day_28, day_29 = body["by_day"]
    assert (day_28["day"], day_28["shares"], day_28["share_intents"], day_28["clicks"]) == (
        "2026-11-28",
        3,
        1,
        1,
    )
    assert (day_28["applications"], day_28["applications_by_method"]["unattributed"]) == (1, 1)
    assert (day_29["shares"], day_29["clicks"], day_29["applications"], day_29["hires"]) == (2, 2, 3, 1)


def test_the_program_funnel_range_and_its_emptiness(moto_stack: MotoStack) -> None:
    _seed(moto_stack)
    body = moto_stack.http(
        "GET", "/api/program/funnel", query="from=2026-11-29&to=2026-11-29", admin=True
    ).json()
    assert [d["day"] for d in body["by_day"]] == ["2026-11-29"]
    assert body["totals"]["share_intents"] == 1  # the intent of the 28th is outside
    empty = moto_stack.http("GET", "/api/program/funnel", query="from=2025-01-01&to=2025-01-31", admin=True)
    assert empty.status == 200
    assert empty.json()["by_day"] == []
    assert empty.json()["totals"]["clicks"] == 0


@pytest.mark.parametrize(
    ("query", "field"),
    [("from=2026-02-30", "from"), ("to=tomorrow", "to"), ("from=2026-11-30&to=2026-11-01", "from")],
)
def test_a_bad_program_range_is_a_422(moto_stack: MotoStack, query: str, field: str) -> None:
    got = moto_stack.http("GET", "/api/program/funnel", query=query, admin=True)
    assert got.status == 422, got.body
    assert [d["field"] for d in got.json()["error"]["details"]] == [field]


def test_the_program_funnel_needs_the_admin_token(moto_stack: MotoStack) -> None:
    assert moto_stack.http("GET", "/api/program/funnel").status == 401
    assert (
        moto_stack.http("GET", "/api/program/funnel", headers={"authorization": "Bearer nope"}).status == 401
    )


# ------------------------------------------------------------------------------------ per ambassador
def _seed_vacancy_ambassadors() -> None:
    """E2's and E3's all-time counters on greenhouse-1 (E1's come from the click recorder), and
    E9's on another vacancy."""
    ad.add_counters(
        keys.vacancy_ambassador_stats("greenhouse-1", "E2", 0),
        applications=1,
        applications_referral=1,
        interviews=1,
        interviews_referral=1,
    )
    ad.add_counters(
        keys.vacancy_ambassador_stats("greenhouse-1", "E2", 3), hires=1, hires_referral=1, share_intents=1
    )
    ad.add_counters(
        keys.vacancy_ambassador_stats("greenhouse-1", "E3", 1), clicks=2, clicks_x=2, raw_clicks=2
    )
    ad.add_counters(keys.vacancy_ambassador_stats("greenhouse-2", "E9", 1), clicks=5)


def test_a_vacancy_s_funnel_per_ambassador_with_their_names(moto_stack: MotoStack) -> None:
    _seed(moto_stack)  # E1 ("Eva"): intents and clicks through the real click recorder
    _seed_attribution()
    _seed_vacancy_ambassadors()  # E2, E3: no profile (erased)
    calls, stop = la.counting(aws.dynamodb())
    try:
        got = moto_stack.http("GET", "/api/vacancies/greenhouse-1/ambassadors", admin=True)
    finally:
        stop()

    assert got.status == 200, got.body
    body = got.json()
    assert (body["vacancy_id"], body["next"]) == ("greenhouse-1", None)
    rows = {r["ambassador_id"]: r for r in body["items"]}
    assert [r["ambassador_id"] for r in body["items"]] == ["E1", "E2", "E3"]
    assert {a: r["ambassador_name"] for a, r in rows.items()} == {"E1": "Eva", "E2": None, "E3": None}
    eva = rows["E1"]["totals"]
    assert (eva["share_intents"], eva["clicks"], eva["raw_clicks"], eva["unique_visitor_days"]) == (
        2,
        3,
        4,
        3,
    )
    assert (eva["bot_clicks"], eva["own_clicks"]) == (2, 1)
    assert eva["bot_clicks_by_reason"] == _zero_bots(preview=1, scanner=1)
    assert rows["E1"]["by_channel"]["x"]["clicks"] == 1
    jan = rows["E2"]["totals"]  # the shards of one ambassador summed
    assert (jan["applications"], jan["interviews"], jan["hires"], jan["share_intents"]) == (1, 1, 1, 1)
    assert jan["applications_by_method"] == _methods(referral=1)
    assert rows["E2"]["by_channel"]["referral"]["hires"] == 1
    assert rows["E3"]["by_channel"]["x"]["clicks"] == 2
    assert set(rows["E3"]["by_channel"]) == {*CHANNELS, "referral", "unattributed"}
    assert calls["Query"] == 1  # the vacancy's per-ambassador items, every shard
    assert calls["BatchGetItem"] == 1  # the names
    assert "Scan" not in calls


def test_the_per_ambassador_funnel_pages_by_ambassador_never_splitting_one(moto_stack: MotoStack) -> None:
    _seed(moto_stack)
    _seed_vacancy_ambassadors()
    seen: list[str] = []
    query = "limit=1"
    for _ in range(10):
        got = moto_stack.http("GET", "/api/vacancies/greenhouse-1/ambassadors", query=query, admin=True)
        assert got.status == 200, got.body
        page = got.json()
        assert len(page["items"]) == 1
        seen.extend(r["ambassador_id"] for r in page["items"])
        if page["next"] is None:
            break
        query = f"limit=1&next={page['next']}"
    assert seen == ["E1", "E2", "E3"]
    # E2's two shards were read on one page: their sum, not one of them
    second = moto_stack.http("GET", "/api/vacancies/greenhouse-1/ambassadors", query="limit=2", admin=True)
    assert second.json()["items"][1]["totals"]["hires"] == 1


def test_a_per_ambassador_token_of_another_list_or_forged_is_400(moto_stack: MotoStack) -> None:
    import base64
    import json

    _seed(moto_stack)
    _seed_vacancy_ambassadors()
    ad.add_counters(keys.vacancy_ambassador_stats("greenhouse-2", "E8", 0), clicks=1)
    VacancyRepository().put(
        StoredVacancy(
            vacancy=Vacancy.model_validate(
                {
                    "id": "greenhouse-2",
                    "provider": "greenhouse",
                    "external_id": "2",
                    "title": "Other",
                    "status": "draft",
                    "updated_at": T0,
                }
            )
        ),
        expected_revision=None,
    )
    token = moto_stack.http(
        "GET", "/api/vacancies/greenhouse-1/ambassadors", query="limit=1", admin=True
    ).json()["next"]
    other = moto_stack.http(
        "GET", "/api/vacancies/greenhouse-2/ambassadors", query=f"next={token}", admin=True
    )
    assert (other.status, other.json()["error"]["code"]) == (400, "bad_request")
    for sk in ("DAY#2026-11-29#0", "AMB#", "AMB#E1"):  # a day item, no id, no shard
        payload = {
            "v": 1,
            "s": "vacancy-ambassadors:greenhouse-1",
            "k": {"pk": "STATS#VAC#greenhouse-1", "sk": sk},
        }
        forged = base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=")
        got = moto_stack.http(
            "GET", "/api/vacancies/greenhouse-1/ambassadors", query=f"next={forged}", admin=True
        )
        assert (got.status, got.json()["error"]["code"]) == (400, "bad_request"), sk


@pytest.mark.parametrize("query", ["from=2026-11-01", "to=2026-11-30", "from=2026-11-01&to=2026-11-30"])
def test_the_per_ambassador_funnel_is_all_time_and_refuses_a_range(moto_stack: MotoStack, query: str) -> None:
    _seed(moto_stack)
    got = moto_stack.http("GET", "/api/vacancies/greenhouse-1/ambassadors", query=query, admin=True)
    assert got.status == 422, got.body
    assert {d["field"] for d in got.json()["error"]["details"]} <= {"from", "to"}


def test_the_per_ambassador_funnel_of_an_unknown_vacancy_is_404_and_needs_the_token(
    moto_stack: MotoStack,
) -> None:
    got = moto_stack.http("GET", "/api/vacancies/greenhouse-404/ambassadors", admin=True)
    assert (got.status, got.json()["error"]["code"]) == (404, "not_found")
    assert moto_stack.http("GET", "/api/vacancies/greenhouse-1/ambassadors").status == 401


def test_a_vacancy_without_activity_lists_no_ambassadors(moto_stack: MotoStack) -> None:
    _seed(moto_stack)
    VacancyRepository().put(
        StoredVacancy(
            vacancy=Vacancy.model_validate(
                {
                    "id": "greenhouse-3",
                    "provider": "greenhouse",
                    "external_id": "3",
                    "title": "Quiet",
                    "status": "draft",
                    "updated_at": T0,
                }
            )
        ),
        expected_revision=None,
    )
    got = moto_stack.http("GET", "/api/vacancies/greenhouse-3/ambassadors", admin=True)
    assert got.json() == {"vacancy_id": "greenhouse-3", "items": [], "next": None}

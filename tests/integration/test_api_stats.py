"""``GET /api/vacancies/{id}/funnel`` and ``GET /api/ambassadors/{id}/stats``: the click
recorder's counters read back through the real API handler under moto."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from kring import aws, config
from kring.dal import ambassadors as ambassador_items
from kring.dal.vacancies import StoredVacancy, VacancyRepository
from kring.events import KringEvent
from kring.models.ambassador import Ambassador
from kring.models.vacancy import Vacancy
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
        la.click(6, at=T0 + timedelta(minutes=56), kind="scanner", channel="email"),
        la.click(7, at=T0 + timedelta(minutes=57), visitor_hash=la.visitor(9)),  # own (29th)
    ]
    result = stack.invoke("ClickRecorderFunction", la.sqs_event([la.envelope(e) for e in events]))
    assert result == {"batchItemFailures": []}


def _zero_bots(**counts: int) -> dict[str, int]:
    return {"head": 0, "preview": 0, "crawler": 0, "scanner": 0, **counts}


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
        "own_clicks": 1,
    }
    assert body["by_channel"]["x"] == {
        "share_intents": 1,
        "clicks": 1,
        "raw_clicks": 1,
        "unique_visitor_days": 1,
        "bot_clicks": 0,
        "own_clicks": 0,
    }
    assert body["by_channel"]["email"]["bot_clicks"] == 1
    assert set(body["by_channel"]) == {"linkedin", "x", "facebook", "whatsapp", "email", "direct"}
    assert [d["day"] for d in body["by_day"]] == ["2026-11-28", "2026-11-29"]
    day_29 = body["by_day"][1]
    assert (day_29["clicks"], day_29["raw_clicks"], day_29["unique_visitors"], day_29["own_clicks"]) == (
        2,
        3,
        2,
        1,
    )
    assert day_29["bot_clicks_by_reason"] == _zero_bots(preview=1, scanner=1)


def test_the_range_bounds_the_days(moto_stack: MotoStack) -> None:
    _seed(moto_stack)
    body = moto_stack.http(
        "GET", "/api/ambassadors/E1/stats", query="from=2026-11-29&to=2026-11-29", admin=True
    ).json()
    assert body["ambassador_id"] == "E1"
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

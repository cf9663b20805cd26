"""The admin API's vacancy routes — vacancies and their share links — through the real handler
under moto."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from kring.dal.vacancies import StoredVacancy, VacancyRepository
from kring.models.common import NETWORKS
from kring.models.vacancy import Vacancy
from tests.support.fixtures import PUBLIC_BASE_URL, MotoStack

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
VACANCY_FIELDS = {
    "id",
    "provider",
    "external_id",
    "external_job_id",
    "title",
    "url",
    "department",
    "location",
    "status",
    "published_at",
    "language",
    "language_override",
}


def _vacancy(n: int, **changes: Any) -> Vacancy:
    data: dict[str, Any] = {
        "id": f"greenhouse-{n}",
        "provider": "greenhouse",
        "external_id": str(n),
        "external_job_id": f"job-{n}",
        "title": f"Engineer {n}",
        "url": f"https://job-boards.greenhouse.io/acme/jobs/{n}",
        "department": "Engineering",
        "location": "Utrecht",
        "tags": ("Engineering", "Utrecht"),
        "status": "published",
        "published_at": T0 + timedelta(minutes=n),
        "updated_at": T0 + timedelta(minutes=n),
        "source_updated_at": T0 + timedelta(minutes=n),
    }
    return Vacancy.model_validate({**data, **changes})


def _store(*vacancies: Vacancy) -> None:
    repository = VacancyRepository()
    for vacancy in vacancies:
        repository.put(StoredVacancy(vacancy=vacancy, post_live=True), expected_revision=None)


def _seed_shares(vacancy_id: str, ambassador_ids: list[str]) -> dict[str, str]:
    """Share links for one vacancy, written as the fan-out writes them; code by ambassador."""
    from kring.dal import share_links as link_store
    from kring.models.vacancy import ShareLink

    made: dict[str, str] = {}
    out = []
    for n, ambassador_id in enumerate(ambassador_ids):
        code = f"Code{n:02d}{vacancy_id[-1]}xyZ"[:10]
        made[ambassador_id] = code
        out.append(ShareLink(code=code, vacancy_id=vacancy_id, ambassador_id=ambassador_id, created_at=T0))
    link_store.ShareLinkRepository().put_links(out)
    return made


def _error(result: Any, status: int, code: str) -> None:
    assert result.status == status, result.body
    assert result.json()["error"]["code"] == code


@pytest.mark.parametrize(
    "path", ["/api/vacancies", "/api/vacancies/greenhouse-1", "/api/vacancies/greenhouse-1/shares"]
)
def test_the_vacancy_routes_need_the_admin_token(moto_stack: MotoStack, path: str) -> None:
    _error(moto_stack.http("GET", path), 401, "unauthorized")
    _error(moto_stack.http("GET", path, headers={"authorization": "Bearer nope"}), 401, "unauthorized")


def test_a_vacancy_is_returned_with_its_public_fields_only(moto_stack: MotoStack) -> None:
    _store(_vacancy(1))
    result = moto_stack.http("GET", "/api/vacancies/greenhouse-1", admin=True)
    assert result.status == 200, result.body
    body = result.json()
    assert set(body) == VACANCY_FIELDS
    assert body["id"] == "greenhouse-1"
    assert (body["provider"], body["external_id"], body["external_job_id"]) == ("greenhouse", "1", "job-1")
    assert body["url"] == "https://job-boards.greenhouse.io/acme/jobs/1"
    assert body["status"] == "published"
    assert datetime.fromisoformat(body["published_at"]) == T0 + timedelta(minutes=1)


def test_an_unknown_vacancy_is_404(moto_stack: MotoStack) -> None:
    _error(moto_stack.http("GET", "/api/vacancies/greenhouse-404", admin=True), 404, "not_found")
    _error(moto_stack.http("GET", "/api/vacancies/greenhouse-404/shares", admin=True), 404, "not_found")


def test_the_vacancy_list_pages_through_every_vacancy(moto_stack: MotoStack) -> None:
    _store(*(_vacancy(n) for n in range(1, 6)), _vacancy(6, status="draft", published_at=None))
    seen: list[str] = []
    query = "limit=2"
    for _ in range(10):
        page = moto_stack.http("GET", "/api/vacancies", query=query, admin=True).json()
        assert len(page["items"]) <= 2
        assert all(set(item) == VACANCY_FIELDS for item in page["items"])
        seen.extend(item["id"] for item in page["items"])
        if page["next"] is None:
            break
        query = f"limit=2&next={page['next']}"
    assert seen == [f"greenhouse-{n}" for n in range(1, 7)]


def test_a_next_token_of_another_list_is_400(moto_stack: MotoStack) -> None:
    moto_stack.http(
        "POST", "/api/ambassadors", body={"id": "E1", "name": "A", "email": "a@example.com"}, admin=True
    )
    moto_stack.http(
        "POST", "/api/ambassadors", body={"id": "E2", "name": "B", "email": "b@example.com"}, admin=True
    )
    token = moto_stack.http("GET", "/api/ambassadors", query="limit=1", admin=True).json()["next"]
    _error(moto_stack.http("GET", "/api/vacancies", query=f"next={token}", admin=True), 400, "bad_request")
    _error(moto_stack.http("GET", "/api/vacancies", query="next=bm9wZQ", admin=True), 400, "bad_request")


def test_the_shares_of_a_vacancy_carry_the_link_and_every_network_share_url(moto_stack: MotoStack) -> None:
    # Given a vacancy with links for three ambassadors, and another vacancy with one
    _store(_vacancy(1), _vacancy(2))
    codes = _seed_shares("greenhouse-1", ["E1", "E2", "E3"])
    _seed_shares("greenhouse-2", ["E9"])
    # When its shares are listed two at a time
    items: list[dict[str, Any]] = []
    query = "limit=2"
    for _ in range(10):
        result = moto_stack.http("GET", "/api/vacancies/greenhouse-1/shares", query=query, admin=True)
        assert result.status == 200, result.body
        page = result.json()
        assert len(page["items"]) <= 2
        items.extend(page["items"])
        if page["next"] is None:
            break
        query = f"limit=2&next={page['next']}"
    # Then each ambassador's link and share buttons are there, and nothing of the other vacancy
    assert sorted(i["ambassador_id"] for i in items) == ["E1", "E2", "E3"]
    for item in items:
        code = codes[item["ambassador_id"]]
        assert set(item) == {"ambassador_id", "ambassador_name", "code", "link", "share"}
        assert item["code"] == code
        assert item["link"] == f"{PUBLIC_BASE_URL}/r/{code}"
        assert item["share"] == {network: f"{PUBLIC_BASE_URL}/s/{code}/{network}" for network in NETWORKS}


def test_a_shares_token_of_another_vacancy_is_400(moto_stack: MotoStack) -> None:
    _store(_vacancy(1), _vacancy(2))
    _seed_shares("greenhouse-1", ["E1", "E2", "E3"])
    _seed_shares("greenhouse-2", ["E1", "E2", "E3"])
    token = moto_stack.http("GET", "/api/vacancies/greenhouse-1/shares", query="limit=1", admin=True).json()[
        "next"
    ]
    assert token is not None
    result = moto_stack.http("GET", "/api/vacancies/greenhouse-2/shares", query=f"next={token}", admin=True)
    _error(result, 400, "bad_request")


def test_a_vacancy_without_shares_lists_none(moto_stack: MotoStack) -> None:
    _store(_vacancy(1))
    page = moto_stack.http("GET", "/api/vacancies/greenhouse-1/shares", admin=True).json()
    assert page == {"items": [], "next": None}


# ------------------------------------------------------------------------------ the language
def test_a_vacancy_shows_its_language_and_whether_the_talent_team_set_it(moto_stack: MotoStack) -> None:
    _store(_vacancy(1, language="nl"))
    body = moto_stack.http("GET", "/api/vacancies/greenhouse-1", admin=True).json()
    assert (body["language"], body["language_override"]) == ("nl", None)


def test_the_talent_team_sets_a_vacancy_s_language_and_a_later_ats_delivery_keeps_it(
    moto_stack: MotoStack,
) -> None:
    from kring.intake.vacancies import apply_changes
    from kring.integrations.ats.base import JobPostChanged

    _store(_vacancy(1))  # the ATS gave no language: English

    patched = moto_stack.http("PATCH", "/api/vacancies/greenhouse-1", body={"language": "nl"}, admin=True)

    assert patched.status == 200, patched.body
    assert (patched.json()["language"], patched.json()["language_override"]) == ("nl", "nl")
    assert moto_stack.http("GET", "/api/vacancies/greenhouse-1", admin=True).json()["language"] == "nl"
    # the ATS edits the post (and still says nothing about its language): the choice stands
    edit = JobPostChanged(
        provider="greenhouse",
        post_id="1",
        job_id="job-1",
        title="Engineer 1 (edited)",
        url="https://job-boards.greenhouse.io/acme/jobs/1",
        live=True,
        updated_at=T0 + timedelta(days=1),
    )
    apply_changes([edit], publisher=_NoBus(), repository=VacancyRepository(), correlation_id="test")
    after = moto_stack.http("GET", "/api/vacancies/greenhouse-1", admin=True).json()
    assert (after["title"], after["language"], after["language_override"]) == (
        "Engineer 1 (edited)",
        "nl",
        "nl",
    )
    # null hands the language back to the ATS
    back = moto_stack.http("PATCH", "/api/vacancies/greenhouse-1", body={"language": None}, admin=True)
    assert (back.json()["language"], back.json()["language_override"]) == ("en", None)


class _NoBus:
    def publish(self, events: Any) -> None:
        del events


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"language": "de"}, 422, "validation_failed"),
        ({}, 422, "validation_failed"),
        ({"language": "nl", "title": "Other"}, 422, "validation_failed"),
        (["nl"], 422, "validation_failed"),
        ("not json", 400, "bad_request"),
        (b"\x80", 400, "bad_request"),  # not UTF-8 (sent base64-encoded): found by the HTTP fuzz
    ],
)
def test_a_bad_language_change_is_a_4xx_and_changes_nothing(
    moto_stack: MotoStack, body: Any, status: int, code: str
) -> None:
    _store(_vacancy(1))
    before = VacancyRepository().get("greenhouse-1")

    _error(moto_stack.http("PATCH", "/api/vacancies/greenhouse-1", body=body, admin=True), status, code)

    assert VacancyRepository().get("greenhouse-1") == before


def test_setting_the_language_of_an_unknown_vacancy_is_404(moto_stack: MotoStack) -> None:
    result = moto_stack.http("PATCH", "/api/vacancies/greenhouse-404", body={"language": "nl"}, admin=True)
    _error(result, 404, "not_found")
    assert moto_stack.http("PATCH", "/api/vacancies/greenhouse-1", body={"language": "nl"}).status == 401


def test_the_shares_show_each_ambassador_s_name_read_in_one_batch(moto_stack: MotoStack) -> None:
    from kring import aws, config
    from kring.dal import ambassadors as ambassador_items
    from kring.models.ambassador import Ambassador
    from tests.support import link_activity as la

    _store(_vacancy(1))
    _seed_shares("greenhouse-1", ["E1", "E2", "E3"])
    for ambassador_id, name in (("E1", "Eva de Vries"), ("E3", "Jan Jansen")):  # E2 was erased
        profile = Ambassador.model_validate(
            {"id": ambassador_id, "name": name, "email": "x@example.com", "created_at": T0, "updated_at": T0}
        )
        aws.dynamodb().put_item(TableName=config.tables().table_name, Item=ambassador_items.to_item(profile))
    calls, stop = la.counting(aws.dynamodb())
    try:
        page = moto_stack.http("GET", "/api/vacancies/greenhouse-1/shares", admin=True).json()
    finally:
        stop()
    assert [(i["ambassador_id"], i["ambassador_name"]) for i in page["items"]] == [
        ("E1", "Eva de Vries"),
        ("E2", None),
        ("E3", "Jan Jansen"),
    ]
    assert calls["BatchGetItem"] == 1
    assert calls["GetItem"] == 1  # the vacancy, not a profile per row
    assert "Scan" not in calls

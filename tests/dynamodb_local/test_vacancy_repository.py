"""The vacancy repository against Amazon's DynamoDB Local: the conditions, the fixed-width
ordering of ATS change times, and the two index queries, as the real engine evaluates them."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from kring.dal.items import timestamp
from kring.dal.vacancies import StoredVacancy, VacancyRepository
from kring.errors import ConflictError, InvalidInputError
from kring.models.vacancy import AtsJob, Vacancy

pytestmark = pytest.mark.dynamodb_local

T0 = datetime(2026, 3, 2, 9, 0, 0, tzinfo=UTC)


def vacancy(
    post_id: str = "1", *, job_id: str | None = "7", at: datetime | None = T0, **kw: object
) -> Vacancy:
    return Vacancy.model_validate(
        {
            "id": f"greenhouse-{post_id}",
            "provider": "greenhouse",
            "external_id": post_id,
            "external_job_id": job_id,
            "title": "Backend Engineer",
            "url": f"https://job-boards.greenhouse.io/acme/jobs/{post_id}",
            "status": "published",
            "published_at": T0,
            "updated_at": T0,
            "source_updated_at": at,
            **kw,
        }
    )


@pytest.fixture
def repo(dynamodb_local: object) -> VacancyRepository:
    return VacancyRepository()


def test_a_vacancy_round_trips_with_its_bookkeeping(repo: VacancyRepository) -> None:
    stored = StoredVacancy(
        vacancy=vacancy(
            department="Engineering", location="Utrecht", tags=("Engineering", "Utrecht HQ"), language="nl"
        ),
        revision=1,
        post_live=True,
        post_location="Utrecht, NL",
        pending_events=('{"type": "VacancyPublished"}',),
    )

    repo.put(stored, expected_revision=None)

    assert repo.get("greenhouse-1") == stored
    assert repo.get("greenhouse-2") is None


def test_create_only_if_absent(repo: VacancyRepository) -> None:
    repo.put(StoredVacancy(vacancy(), revision=1), expected_revision=None)

    with pytest.raises(ConflictError):
        repo.put(StoredVacancy(vacancy(title="Other"), revision=1), expected_revision=None)
    assert repo.get("greenhouse-1") == StoredVacancy(vacancy(), revision=1)


def test_replace_only_at_the_revision_read(repo: VacancyRepository) -> None:
    repo.put(StoredVacancy(vacancy(), revision=1), expected_revision=None)
    repo.put(StoredVacancy(vacancy(title="Second"), revision=2), expected_revision=1)

    with pytest.raises(ConflictError):
        repo.put(StoredVacancy(vacancy(title="Lost race"), revision=2), expected_revision=1)
    with pytest.raises(ConflictError):
        repo.put(StoredVacancy(vacancy("9"), revision=2), expected_revision=1)  # not there at all
    stored = repo.get("greenhouse-1")
    assert stored is not None
    assert (stored.revision, stored.vacancy.title) == (2, "Second")


def test_an_older_ats_change_time_is_refused_by_the_write_itself(repo: VacancyRepository) -> None:
    repo.put(StoredVacancy(vacancy(at=T0), revision=1), expected_revision=None)

    with pytest.raises(ConflictError):
        repo.put(StoredVacancy(vacancy(at=T0 - timedelta(microseconds=1)), revision=2), expected_revision=1)
    with pytest.raises(ConflictError):
        repo.put(StoredVacancy(vacancy(at=None), revision=2), expected_revision=1)
    repo.put(StoredVacancy(vacancy(at=T0, title="Same time"), revision=2), expected_revision=1)
    repo.put(StoredVacancy(vacancy(at=T0 + timedelta(seconds=1)), revision=3), expected_revision=2)


def test_change_times_compare_as_times_even_with_and_without_fractions(repo: VacancyRepository) -> None:
    """'…:32Z' sorts after '…:32.5Z' as text; the fixed-width form keeps text order = time order."""
    whole = datetime(2017, 10, 12, 15, 6, 32, tzinfo=UTC)
    later = whole + timedelta(milliseconds=500)
    assert timestamp(whole) < timestamp(later)
    repo.put(StoredVacancy(vacancy(at=whole), revision=1), expected_revision=None)

    repo.put(StoredVacancy(vacancy(at=later), revision=2), expected_revision=1)

    with pytest.raises(ConflictError):
        repo.put(StoredVacancy(vacancy(at=whole), revision=3), expected_revision=2)


def test_pending_events_are_cleared_only_at_the_revision_that_wrote_them(repo: VacancyRepository) -> None:
    stored = StoredVacancy(vacancy(), revision=1, pending_events=("a", "b"))
    repo.put(stored, expected_revision=None)

    assert repo.clear_pending("greenhouse-1", revision=5) is False
    assert repo.get("greenhouse-1") == stored
    assert repo.clear_pending("greenhouse-1", revision=1) is True
    assert repo.get("greenhouse-1") == replace(stored, pending_events=())


def test_the_list_pages_through_every_vacancy_in_id_order(repo: VacancyRepository) -> None:
    for n in range(5):
        repo.put(StoredVacancy(vacancy(str(n), job_id=None), revision=1), expected_revision=None)
    repo.put_job(AtsJob(provider="greenhouse", job_id="7", updated_at=T0))  # not a vacancy

    pages = [repo.list_page(2)]
    while pages[-1].cursor is not None:
        pages.append(repo.list_page(2, pages[-1].cursor))

    assert [v.id for p in pages for v in p.items] == [f"greenhouse-{n}" for n in range(5)]
    assert all(len(p.items) <= 2 for p in pages)


@pytest.mark.parametrize(
    "cursor",
    [
        {"pk": "VAC#x"},
        {"pk": "VAC#x", "sk": "VACANCY", "gsi1pk": "AMBASSADORS", "gsi1sk": "AMB#1"},
        {"pk": "VAC#x", "sk": "VACANCY", "gsi1pk": "VACANCIES", "gsi1sk": 3},
    ],
)
def test_a_cursor_from_elsewhere_is_refused(repo: VacancyRepository, cursor: dict[str, object]) -> None:
    with pytest.raises(InvalidInputError):
        repo.list_page(2, cursor)


def test_the_posts_of_a_job_come_from_the_job_index(repo: VacancyRepository) -> None:
    repo.put(StoredVacancy(vacancy("1", job_id="7"), revision=1), expected_revision=None)
    repo.put(StoredVacancy(vacancy("2", job_id="7"), revision=1), expected_revision=None)
    repo.put(StoredVacancy(vacancy("3", job_id="8"), revision=1), expected_revision=None)
    repo.put(StoredVacancy(vacancy("4", job_id=None), revision=1), expected_revision=None)

    assert sorted(s.vacancy.id for s in repo.of_job("greenhouse", "7")) == ["greenhouse-1", "greenhouse-2"]
    assert [s.vacancy.id for s in repo.of_job("greenhouse", "8")] == ["greenhouse-3"]
    assert repo.of_job("ashby", "7") == []


def test_ats_jobs_round_trip_and_the_last_write_wins(repo: VacancyRepository) -> None:
    first = AtsJob(
        provider="greenhouse",
        job_id="7",
        name="Backend Engineer",
        department="Engineering",
        location="Utrecht",
        tags=("Engineering", "Utrecht"),
        status="open",
        updated_at=T0,
    )
    repo.put_job(first)
    assert repo.get_job("greenhouse", "7") == first

    second = first.model_copy(update={"status": "closed", "updated_at": T0 + timedelta(hours=1)})
    repo.put_job(second)

    assert repo.get_job("greenhouse", "7") == second
    assert repo.get_job("greenhouse", "8") is None

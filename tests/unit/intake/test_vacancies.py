"""The vacancy logic: normalised changes → stored vacancies and events, whatever the order.

Unit tier: an in-memory repository with the real one's conditional-write contract (its real
behaviour is tested against DynamoDB Local and moto) and a fake publisher. No network.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kring import config
from kring.dal.vacancies import StoredVacancy
from kring.errors import ConflictError, NotFoundError, TransientError
from kring.events import KringEvent, VacancyClosed, VacancyPublished
from kring.intake import vacancies
from kring.integrations.ats.base import JobChanged, JobDeleted, JobPostChanged, JobPostDeleted, VacancyChange
from kring.models.common import Locale, Page
from kring.models.vacancy import AtsJob, Vacancy

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
BOARD_URL = "https://job-boards.greenhouse.io/acme/jobs/{}"
VID = "greenhouse-100"


class FakeRepository:
    """In memory, with the real repository's conditions: create only if absent; replace only at
    the revision read and never with an older ``source_updated_at``."""

    def __init__(self) -> None:
        self.vacancies: dict[str, StoredVacancy] = {}
        self.jobs: dict[tuple[str, str], AtsJob] = {}
        self.writes = 0
        self.fail_next_puts = 0

    def get(self, vacancy_id: str) -> StoredVacancy | None:
        return self.vacancies.get(vacancy_id)

    def put(self, stored: StoredVacancy, *, expected_revision: int | None) -> None:
        if self.fail_next_puts:
            self.fail_next_puts -= 1
            raise ConflictError("someone else wrote first")
        current = self.vacancies.get(stored.vacancy.id)
        if expected_revision is None:
            if current is not None:
                raise ConflictError("exists")
        else:
            if current is None or current.revision != expected_revision:
                raise ConflictError("revision")
            old, new = current.vacancy.source_updated_at, stored.vacancy.source_updated_at
            if old is not None and (new is None or new < old):
                raise ConflictError("older")
        self.writes += 1
        self.vacancies[stored.vacancy.id] = stored

    def clear_pending(self, vacancy_id: str, revision: int) -> bool:
        current = self.vacancies.get(vacancy_id)
        if current is None or current.revision != revision:
            return False
        self.vacancies[vacancy_id] = replace(current, pending_events=())
        return True

    def list_page(self, limit: int, cursor: dict[str, Any] | None = None) -> Page[Vacancy]:
        ids = sorted(self.vacancies)
        start = ids.index(cursor["id"]) + 1 if cursor else 0
        chunk = ids[start : start + limit]
        more = start + limit < len(ids)
        return Page([self.vacancies[i].vacancy for i in chunk], {"id": chunk[-1]} if more else None)

    def of_job(self, provider: str, job_id: str) -> list[StoredVacancy]:
        return [
            s
            for s in self.vacancies.values()
            if s.vacancy.provider == provider and s.vacancy.external_job_id == job_id
        ]

    def get_job(self, provider: str, job_id: str) -> AtsJob | None:
        return self.jobs.get((provider, job_id))

    def put_job(self, job: AtsJob) -> None:
        self.jobs[(job.provider, job.job_id)] = job


@dataclass
class FakePublisher:
    published: list[KringEvent] = field(default_factory=list)
    fail: bool = False

    def publish(self, events: Sequence[KringEvent]) -> None:
        if self.fail:
            raise TransientError("bus down")
        self.published.extend(events)


@pytest.fixture(autouse=True)
def _settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GREENHOUSE_BOARD_TOKEN", "acme")
    config.clear_caches()


@pytest.fixture
def repo() -> FakeRepository:
    return FakeRepository()


@pytest.fixture
def bus() -> FakePublisher:
    return FakePublisher()


def post(
    *,
    live: bool = True,
    at: int = 0,
    title: str = "Backend Engineer",
    post_id: str = "100",
    job_id: str | None = "7",
    url: str | None = "default",
    location: str | None = "Amsterdam",
    language: Locale = "en",
) -> JobPostChanged:
    return JobPostChanged(
        provider="greenhouse",
        post_id=post_id,
        job_id=job_id,
        title=title,
        location=location,
        url=BOARD_URL.format(post_id) if url == "default" else url,
        live=live,
        language=language,
        updated_at=T0 + timedelta(minutes=at),
    )


def job(
    *, job_id: str = "7", department: str | None = "Engineering", location: str | None = "Utrecht", **kw: Any
) -> JobChanged:
    return JobChanged(
        provider="greenhouse",
        job_id=job_id,
        name="Backend Engineer",
        department=department,
        location=location,
        tags=kw.pop("tags", (department, location)),
        **kw,
    )


def apply(
    repo: FakeRepository, bus: FakePublisher, *changes: VacancyChange, now: datetime = NOW
) -> list[str]:
    return vacancies.apply_changes(
        changes,
        publisher=bus,
        # The fake has the repository's methods; apply_changes is typed with the concrete class,
        # not a protocol, so mypy cannot see that (a port Protocol in kring.intake would fix it).
        repository=repo,  # type: ignore[arg-type]
        correlation_id="greenhouse:evt",
        now=now,
    )


def stored(repo: FakeRepository, vid: str = VID) -> StoredVacancy:
    found = repo.get(vid)
    assert found is not None
    return found


# ------------------------------------------------------------------------------------------ posts
def test_a_live_post_is_stored_published_and_announced(repo: FakeRepository, bus: FakePublisher) -> None:
    touched = apply(repo, bus, post(language="nl"))

    assert touched == [VID]
    vacancy = stored(repo).vacancy
    assert vacancy.status == "published"
    assert vacancy.published_at == NOW
    assert vacancy.url == BOARD_URL.format("100")
    assert vacancy.location == "Amsterdam"  # the post's own, until the job is known
    assert vacancy.source_updated_at == T0
    (event,) = bus.published
    assert isinstance(event, VacancyPublished)
    assert (event.vacancy_id, event.external_id, event.external_job_id) == (VID, "100", "7")
    assert (event.title, event.url, event.language) == ("Backend Engineer", BOARD_URL.format("100"), "nl")
    assert event.correlation_id == "greenhouse:evt"
    assert stored(repo).pending_events == ()


def test_a_post_that_is_not_live_is_stored_as_draft_and_not_announced(
    repo: FakeRepository, bus: FakePublisher
) -> None:
    apply(repo, bus, post(live=False))

    assert stored(repo).vacancy.status == "draft"
    assert stored(repo).vacancy.published_at is None
    assert bus.published == []


def test_a_post_taken_offline_is_closed_as_unpublished(repo: FakeRepository, bus: FakePublisher) -> None:
    apply(repo, bus, post(at=0))
    apply(repo, bus, post(live=False, at=5), now=NOW + timedelta(hours=1))

    vacancy = stored(repo).vacancy
    assert vacancy.status == "closed"
    assert vacancy.closed_at == NOW + timedelta(hours=1)
    assert stored(repo).closed_reason == "unpublished"
    assert [type(e) for e in bus.published] == [VacancyPublished, VacancyClosed]
    closed = bus.published[1]
    assert isinstance(closed, VacancyClosed)
    assert closed.reason == "unpublished"


def test_a_closed_post_that_goes_live_again_is_published_again(
    repo: FakeRepository, bus: FakePublisher
) -> None:
    apply(repo, bus, post(at=0), post(live=False, at=1))
    apply(repo, bus, post(at=2), now=NOW + timedelta(days=1))

    vacancy = stored(repo).vacancy
    assert vacancy.status == "published"
    assert vacancy.published_at == NOW + timedelta(days=1)
    assert vacancy.closed_at is None
    assert [type(e) for e in bus.published] == [VacancyPublished, VacancyClosed, VacancyPublished]


def test_an_older_delivery_never_overwrites_a_newer_one(repo: FakeRepository, bus: FakePublisher) -> None:
    apply(repo, bus, post(live=False, at=10, title="New title"))
    before = stored(repo)

    apply(repo, bus, post(live=True, at=5, title="Old title"))

    assert stored(repo) == before
    assert bus.published == []


def test_the_same_content_twice_changes_nothing(repo: FakeRepository, bus: FakePublisher) -> None:
    apply(repo, bus, post())
    writes, before = repo.writes, stored(repo)

    apply(repo, bus, post(), now=NOW + timedelta(hours=2))

    assert repo.writes == writes
    assert stored(repo) == before
    assert len(bus.published) == 1


def test_a_title_edit_of_a_published_vacancy_is_stored_without_a_new_fanout(
    repo: FakeRepository, bus: FakePublisher
) -> None:
    apply(repo, bus, post(at=0), post(at=1, title="Senior Backend Engineer"))

    assert stored(repo).vacancy.title == "Senior Backend Engineer"
    assert stored(repo).vacancy.status == "published"
    assert len(bus.published) == 1


@pytest.mark.parametrize(
    "url", [None, "https://evil.example.com/jobs/100", "http://job-boards.greenhouse.io/acme/jobs/100"]
)
def test_a_live_post_without_an_allowed_url_is_stored_but_not_published(
    repo: FakeRepository, bus: FakePublisher, url: str | None
) -> None:
    apply(repo, bus, post(url=url))

    vacancy = stored(repo).vacancy
    assert vacancy.status == "draft"
    assert vacancy.url is None  # never a redirect target
    assert bus.published == []


# A vacancy URL must lead where the organisation published (kring.intake.vacancy_urls has the details).
HOSTILE_URLS = [
    ("ashby", "https://evil.com\\@jobs.ashbyhq.com/acme/x"),  # a browser goes to evil.com
    ("lever", "https://jobs.lever.co/attacker-company/x"),  # another customer's page on the shared host
    ("ashby", "https://jobs.ashbyhq.com/other-org/x"),
    ("greenhouse", "https://job-boards.greenhouse.io:8443/acme/jobs/100"),  # another port
    ("teamtailor", "https://jobs.lever.co/acme/x"),  # another provider's job board
    ("ashby", "https://[evil.com/x"),  # Python's URL parser raises on it
    ("ashby", "https://jobs.ashbyhq.com\uff0facme/x"),  # a full-width slash: Python raises on it too
]


@pytest.mark.parametrize(("provider", "url"), HOSTILE_URLS)
def test_a_live_post_whose_url_leads_elsewhere_is_stored_as_draft_and_never_announced(
    repo: FakeRepository, bus: FakePublisher, monkeypatch: pytest.MonkeyPatch, provider: str, url: str
) -> None:
    for name in ("LEVER_SITE", "ASHBY_JOB_BOARD", "TEAMTAILOR_SUBDOMAIN"):
        monkeypatch.setenv(name, "acme")
    config.clear_caches()
    change = post(url=url).model_copy(update={"provider": provider})

    apply(repo, bus, change)

    vacancy = stored(repo, f"{provider}-100").vacancy
    assert (vacancy.status, vacancy.url) == ("draft", None)
    assert bus.published == []


def test_a_url_is_stored_and_announced_in_plain_ascii(
    repo: FakeRepository, bus: FakePublisher, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CAREERS_HOSTS", "xn--werkenbij-bcker-blb.example")
    config.clear_caches()

    apply(repo, bus, post(url="https://werkenbij-b\u00e4cker.example/vacatures/caf\u00e9-\u00fc"))

    url = "https://xn--werkenbij-bcker-blb.example/vacatures/caf%C3%A9-%C3%BC"
    assert (stored(repo).vacancy.status, stored(repo).vacancy.url) == ("published", url)
    (event,) = bus.published
    assert isinstance(event, VacancyPublished)
    assert event.url == url


# ------------------------------------------------------------------------------------------ deletes
def test_a_deleted_post_is_closed_for_good(repo: FakeRepository, bus: FakePublisher) -> None:
    apply(repo, bus, post(at=0))
    apply(repo, bus, JobPostDeleted(provider="greenhouse", post_id="100", job_id="7", updated_at=T0))
    apply(repo, bus, post(at=30))  # a late, even newer, update cannot revive it

    assert stored(repo).vacancy.status == "closed"
    assert stored(repo).closed_reason == "deleted"
    assert [type(e) for e in bus.published] == [VacancyPublished, VacancyClosed]
    closed = bus.published[1]
    assert isinstance(closed, VacancyClosed)
    assert closed.reason == "deleted"


def test_a_delete_before_any_update_leaves_a_tombstone(repo: FakeRepository, bus: FakePublisher) -> None:
    apply(repo, bus, JobPostDeleted(provider="greenhouse", post_id="100", job_id="7", title="Gone"))
    apply(repo, bus, post(at=0))

    assert stored(repo).vacancy.status == "closed"
    assert stored(repo).vacancy.title == "Gone"
    assert bus.published == []


# ------------------------------------------------------------------------------------------ jobs
def test_a_job_event_after_the_post_completes_it_and_announces_it_again(
    repo: FakeRepository, bus: FakePublisher
) -> None:
    apply(repo, bus, post())

    touched = apply(repo, bus, job(tags=("Engineering", "Utrecht HQ", "Utrecht")))

    assert touched == [VID]
    vacancy = stored(repo).vacancy
    assert (vacancy.department, vacancy.location) == ("Engineering", "Utrecht")
    assert vacancy.tags == ("Engineering", "Utrecht HQ", "Utrecht")
    assert vacancy.published_at == NOW  # still the first publication
    first, again = bus.published
    assert isinstance(first, VacancyPublished)
    assert isinstance(again, VacancyPublished)
    assert first.department is None
    assert (again.department, again.location) == ("Engineering", "Utrecht")


def test_the_same_job_event_again_changes_nothing(repo: FakeRepository, bus: FakePublisher) -> None:
    apply(repo, bus, post(), job())
    writes = repo.writes

    apply(repo, bus, job())

    assert repo.writes == writes
    assert len(bus.published) == 2


def test_a_job_known_before_its_post_fills_the_first_announcement(
    repo: FakeRepository, bus: FakePublisher
) -> None:
    apply(repo, bus, job())
    apply(repo, bus, post())

    (event,) = bus.published
    assert isinstance(event, VacancyPublished)
    assert (event.department, event.location) == ("Engineering", "Utrecht")


def test_a_job_without_offices_keeps_the_posts_own_location(repo: FakeRepository, bus: FakePublisher) -> None:
    apply(repo, bus, post(location="Remote"), job(location=None, tags=("Engineering",)))

    assert stored(repo).vacancy.location == "Remote"
    assert stored(repo).vacancy.department == "Engineering"


def test_a_job_event_on_a_draft_completes_it_silently(repo: FakeRepository, bus: FakePublisher) -> None:
    apply(repo, bus, post(live=False), job())

    assert stored(repo).vacancy.department == "Engineering"
    assert bus.published == []


def test_closing_the_job_closes_its_published_posts(repo: FakeRepository, bus: FakePublisher) -> None:
    apply(repo, bus, post(), post(post_id="101"), post(post_id="200", job_id="8"))

    apply(repo, bus, job(status="closed"))

    assert stored(repo).vacancy.status == "closed"
    assert stored(repo, "greenhouse-101").vacancy.status == "closed"
    assert stored(repo, "greenhouse-200").vacancy.status == "published"
    closed = [e for e in bus.published if isinstance(e, VacancyClosed)]
    assert sorted((e.vacancy_id, e.reason) for e in closed) == [(VID, "closed"), ("greenhouse-101", "closed")]


def test_deleting_the_job_closes_its_posts_for_good(repo: FakeRepository, bus: FakePublisher) -> None:
    apply(repo, bus, post(), JobDeleted(provider="greenhouse", job_id="7"))
    apply(repo, bus, post(at=60))

    assert stored(repo).vacancy.status == "closed"
    assert stored(repo).closed_reason == "deleted"
    assert [type(e) for e in bus.published] == [VacancyPublished, VacancyClosed]


def test_a_post_written_while_its_job_arrived_is_completed_from_the_job(
    repo: FakeRepository, bus: FakePublisher
) -> None:
    """The job landed after the post read it (None) and looked for posts before this one was
    written: the post checks the job again after writing."""
    original_get_job = repo.get_job
    calls = {"n": 0}

    def get_job_racing(provider: str, job_id: str) -> AtsJob | None:
        calls["n"] += 1
        if calls["n"] == 1:
            found = original_get_job(provider, job_id)
            repo.put_job(AtsJob(provider="greenhouse", job_id="7", department="Sales", updated_at=NOW))
            return found
        return original_get_job(provider, job_id)

    repo.get_job = get_job_racing  # type: ignore[method-assign]  # a race injected into the fake

    apply(repo, bus, post())

    assert stored(repo).vacancy.department == "Sales"
    assert [getattr(e, "department", None) for e in bus.published] == [None, "Sales"]


# ------------------------------------------------------------------------------------------ failures
def test_a_failed_publish_is_repaired_by_the_providers_retry(
    repo: FakeRepository, bus: FakePublisher
) -> None:
    bus.fail = True
    with pytest.raises(TransientError):
        apply(repo, bus, post())
    assert stored(repo).vacancy.status == "published"
    assert len(stored(repo).pending_events) == 1

    bus.fail = False
    apply(repo, bus, post())  # the same delivery, retried

    (event,) = bus.published
    assert isinstance(event, VacancyPublished)
    assert event.occurred_at == NOW  # the event decided then, not a new one
    assert stored(repo).pending_events == ()


def test_a_lost_race_is_read_again_and_retried(repo: FakeRepository, bus: FakePublisher) -> None:
    repo.fail_next_puts = 2

    apply(repo, bus, post())

    assert stored(repo).vacancy.status == "published"
    assert len(bus.published) == 1


def test_a_vacancy_that_keeps_changing_underneath_is_left_to_the_retry(
    repo: FakeRepository, bus: FakePublisher
) -> None:
    repo.fail_next_puts = vacancies.MAX_ATTEMPTS

    with pytest.raises(TransientError):
        apply(repo, bus, post())
    assert repo.get(VID) is None
    assert bus.published == []


# ------------------------------------------------------------------------------------------ reorder
POST_DELIVERIES = [
    post(live=True, at=1, title="v1"),
    post(live=False, at=2, title="v2"),
    post(live=True, at=3, title="v3"),
    post(live=False, at=4, title="v4"),
]


@settings(max_examples=200, deadline=None)
@given(
    order=st.lists(st.sampled_from(range(len(POST_DELIVERIES))), min_size=1, max_size=8),
    with_job=st.sampled_from([None, "first", "last"]),
)
def test_any_order_and_any_repetition_ends_in_the_newest_posts_state(
    order: list[int], with_job: str | None
) -> None:
    repo, bus = FakeRepository(), FakePublisher()
    changes: list[VacancyChange] = [POST_DELIVERIES[i] for i in order]
    if with_job == "first":
        changes.insert(0, job())
    elif with_job == "last":
        changes.append(job())

    for minute, change in enumerate(changes):
        apply(repo, bus, change, now=NOW + timedelta(minutes=minute))

    newest = POST_DELIVERIES[max(order)]
    vacancy = stored(repo).vacancy
    assert vacancy.title == newest.title
    assert vacancy.source_updated_at == newest.updated_at
    assert (vacancy.status == "published") is newest.live
    assert vacancy.department == ("Engineering" if with_job else None)
    assert stored(repo).pending_events == ()
    # Announcements alternate: never two closes in a row, never a close before a publish.
    kinds = [type(e).__name__ for e in bus.published if isinstance(e, VacancyClosed | VacancyPublished)]
    for a, b in itertools.pairwise(kinds):
        assert not (a == b == "VacancyClosed")
    if kinds:
        assert kinds[0] == "VacancyPublished"
    if bus.published:
        last_state = "VacancyPublished" if newest.live else "VacancyClosed"
        assert type(bus.published[-1]).__name__ == last_state


# ------------------------------------------------------------------------------------------ reads
def test_get_vacancy_and_its_absence(repo: FakeRepository, bus: FakePublisher) -> None:
    apply(repo, bus, post())

    assert vacancies.get_vacancy(VID, repository=repo).id == VID  # type: ignore[arg-type]  # the fake repository: see apply()
    with pytest.raises(NotFoundError):
        vacancies.get_vacancy("greenhouse-404", repository=repo)  # type: ignore[arg-type]  # the fake repository: see apply()


def test_list_vacancies_pages_through_the_repository(repo: FakeRepository, bus: FakePublisher) -> None:
    apply(repo, bus, *(post(post_id=str(n)) for n in range(100, 105)))

    first = vacancies.list_vacancies(3, None, repository=repo)  # type: ignore[arg-type]  # the fake repository: see apply()
    second = vacancies.list_vacancies(3, first.cursor, repository=repo)  # type: ignore[arg-type]  # the fake repository: see apply()

    assert [v.id for v in first.items + second.items] == [f"greenhouse-{n}" for n in range(100, 105)]
    assert second.cursor is None

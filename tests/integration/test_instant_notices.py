"""The instant vacancy notice's gathering, from the real fan-out's announcements under moto: a
burst of publications is one batch, redeliveries change nothing, what arrives while a batch is
mailed goes in the next one."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta

import pytest

from kring.dal.instant_notices import InstantNoticeRepository
from kring.dal.vacancies import VacancyRepository
from kring.events import SharesCreated
from kring.mail.instant import InstantBatch, gather, next_batch_id, settle_instant_notice, take_instant_notice
from kring.models.ambassador import Ambassador
from kring.models.common import NETWORKS
from tests.support import digests as dg
from tests.support.fixtures import PUBLIC_BASE_URL, MotoStack

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
INSTANT = {"E1"}


def _wants_instant(ids: Sequence[str]) -> Iterable[str]:
    return INSTANT.intersection(ids)


def _announcement(stack: MotoStack, post: str, minute: int) -> SharesCreated:
    vacancy = dg.put_vacancy(
        post, title=f"Engineer {post}", department="Engineering", published_at=NOW + timedelta(minutes=minute)
    )
    (event,) = [e for e in dg.fan_out(stack, vacancy) if isinstance(e, SharesCreated)]
    assert set(event.ambassador_ids) == {"E1", "E2"}
    return event


@pytest.fixture
def people(moto_stack: MotoStack) -> dict[str, Ambassador]:
    return {a: dg.put_ambassador(a, NOW, interests=["Engineering"], locale="nl") for a in ("E1", "E2")}


def _gather(event: SharesCreated, event_id: str) -> list[InstantBatch]:
    return gather(event, event_id, wants_instant=_wants_instant, now=NOW)


def test_a_burst_is_one_notice_and_what_comes_while_it_is_mailed_the_next(
    moto_stack: MotoStack, people: dict[str, Ambassador]
) -> None:
    first, second = _announcement(moto_stack, "P1", 0), _announcement(moto_stack, "P2", 1)
    assert _gather(first, "ev1") == [InstantBatch("E1", "ev1")]  # E2 did not choose instant
    assert _gather(second, "ev2") == []  # the burst rides along in batch ev1
    assert _gather(first, "ev1") == [InstantBatch("E1", "ev1")]  # redelivered: the same batch again
    assert InstantNoticeRepository().get("E2") is None

    notice = take_instant_notice(people["E1"], "ev1")
    assert notice is not None
    assert (notice.ambassador_id, notice.locale, notice.batch_id) == ("E1", "nl", "ev1")
    assert [v.vacancy_id for v in notice.vacancies] == ["greenhouse-P1", "greenhouse-P2"]
    code = dg.link_code("greenhouse-P1", "E1")
    assert notice.vacancies[0].tracked_url == f"{PUBLIC_BASE_URL}/r/{code}"
    assert [b.url for b in notice.vacancies[0].share_buttons] == [
        f"{PUBLIC_BASE_URL}/s/{code}/{n}" for n in NETWORKS
    ]

    third = _announcement(moto_stack, "P3", 6)  # published while ev1 is being mailed
    assert _gather(third, "ev3") == []  # a batch is open: nothing to schedule yet
    again = take_instant_notice(people["E1"], "ev1")  # the job redelivered: what the first run took
    assert again == notice

    following = InstantBatch("E1", next_batch_id("ev1"))
    assert settle_instant_notice("E1", "ev1") == following  # P3 is pending: the next batch
    assert settle_instant_notice("E1", "ev1") == following  # a redelivered settle says the same
    assert take_instant_notice(people["E1"], "ev1") is None  # the old batch is done
    later = take_instant_notice(people["E1"], following.batch_id)
    assert later is not None
    assert [v.vacancy_id for v in later.vacancies] == ["greenhouse-P3"]
    assert settle_instant_notice("E1", following.batch_id) is None
    assert InstantNoticeRepository().get("E1") is not None
    assert InstantNoticeRepository().get("E1").vacancies == frozenset()  # type: ignore[union-attr]
    # the next publication opens a batch of its own
    assert _gather(_announcement(moto_stack, "P4", 30), "ev4") == [InstantBatch("E1", "ev4")]


def test_a_vacancy_closed_before_the_notice_goes_is_left_out(
    moto_stack: MotoStack, people: dict[str, Ambassador]
) -> None:
    assert _gather(_announcement(moto_stack, "P1", 0), "ev1") == [InstantBatch("E1", "ev1")]
    repository = VacancyRepository()
    stored = repository.get("greenhouse-P1")
    assert stored is not None
    closed = stored.vacancy.model_copy(update={"status": "closed", "closed_at": NOW + timedelta(minutes=2)})
    repository.put(
        type(stored)(vacancy=closed, revision=stored.revision + 1, post_live=False),
        expected_revision=stored.revision,
    )
    assert take_instant_notice(people["E1"], "ev1") is None  # nothing left to share
    assert settle_instant_notice("E1", "ev1") is None
    assert take_instant_notice(people["E1"], "ev1") is None

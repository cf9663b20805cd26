"""The instant vacancy notice's gathering, from the real fan-out's announcements under moto: a
burst of publications is one batch, redeliveries change nothing, what arrives while a batch is
mailed goes in the next one."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kring.dal.instant_notices import InstantNoticeRepository
from kring.dal.vacancies import VacancyRepository
from kring.events import SharesCreated
from kring.mail.instant import InstantBatch, gather, next_batch_id, settle_instant_notice, take_instant_notice
from kring.models.ambassador import Ambassador
from kring.models.common import NETWORKS
from tests.support import digests as dg
from tests.support import hostile
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


def test_a_repeated_announcement_after_its_notice_went_gathers_nothing(
    moto_stack: MotoStack, people: dict[str, Ambassador]
) -> None:
    announcement = _announcement(moto_stack, "P1", 0)
    assert _gather(announcement, "ev1") == [InstantBatch("E1", "ev1")]
    assert take_instant_notice(people["E1"], "ev1") is not None
    assert settle_instant_notice("E1", "ev1") is None
    # the fan-out's page retried: the same links announced again, under a new event id
    assert _gather(announcement, "ev1-again") == []
    assert InstantNoticeRepository().get("E1").vacancies == frozenset()  # type: ignore[union-attr]


# One step of the world around an ambassador's instant notices: an announcement of vacancy n (new,
# under a new event id), the redelivery of an earlier one, a scheduled job's first half (take,
# and send once per batch: the sender's once-only marker) or its second (settle) — each job may run
# either half any number of times, in any order with the rest (redelivery, overlapping runs).
STEPS = st.lists(
    st.one_of(
        st.tuples(st.just("announce"), st.integers(0, 3)),
        st.tuples(st.just("redeliver"), st.integers(0, 20)),
        st.tuples(st.just("take"), st.integers(0, 20)),
        st.tuples(st.just("settle"), st.integers(0, 20)),
    ),
    max_size=16,
)


def test_whatever_the_order_and_redelivery_every_vacancy_is_mailed_once(
    moto_stack: MotoStack, people: dict[str, Ambassador]
) -> None:
    announcements = [_announcement(moto_stack, f"P{n}", n) for n in range(4)]
    runs = iter(range(10_000))

    @hostile.fuzz_settings(examples=25)
    @given(steps=STEPS)
    def property_(steps: list[tuple[str, int]]) -> None:
        ambassador = people["E1"].model_copy(update={"id": f"E1-{next(runs)}"})
        who = ambassador.id
        sent: dict[str, list[str]] = {}  # batch id → the vacancies of its one mail
        scheduled: list[str] = []
        delivered: list[tuple[SharesCreated, str]] = []
        announced: set[str] = set()

        def announce(event: SharesCreated, event_id: str) -> None:
            # the announcement names E1; this example's E1 stands in for them
            for batch in gather(event, event_id, wants_instant=lambda _: [who], now=NOW):
                scheduled.append(batch.batch_id)

        def take(batch_id: str) -> None:
            notice = take_instant_notice(ambassador, batch_id)
            if notice is not None and batch_id not in sent:
                sent[batch_id] = [v.vacancy_id for v in notice.vacancies]

        def settle(batch_id: str) -> None:
            following = settle_instant_notice(who, batch_id)
            if following is not None:
                scheduled.append(following.batch_id)

        for kind, n in steps:
            if kind == "announce":
                event_id = f"ev{len(delivered)}"
                delivered.append((announcements[n], event_id))
                announced.add(announcements[n].vacancy_id)
                announce(announcements[n], event_id)
            elif kind == "redeliver" and delivered:
                announce(*delivered[n % len(delivered)])
            elif kind == "take" and scheduled:
                take(scheduled[n % len(scheduled)])
            elif kind == "settle" and scheduled:
                settle(scheduled[n % len(scheduled)])
        ran = 0
        while ran < len(scheduled):  # every job scheduled runs whole at last (SQS: at least once)
            take(scheduled[ran])
            settle(scheduled[ran])
            ran += 1

        mailed = [v for vacancies in sent.values() for v in vacancies]
        assert sorted(mailed) == sorted(announced)  # each once: none lost, none twice

    property_()

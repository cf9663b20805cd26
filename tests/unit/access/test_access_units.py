"""The pure parts of talent-team access: the role order, the rate-limit windows, paging the audit
trail day by day (against an in-memory trail), and the audit trail's page tokens."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kring.access import audit, mailed_links
from kring.api import pagination
from kring.api.team_access import _audit_scope, _decode_position, _encode_position
from kring.dal.audit_trail import AuditTrailRepository
from kring.dal.items import timestamp
from kring.models.access import ROLES, AuditEntry, Role, allows

FIRST = date(2026, 11, 1)
LAST = date(2026, 11, 10)


@pytest.mark.parametrize("held", ROLES)
@pytest.mark.parametrize("needed", ROLES)
def test_a_role_allows_what_it_needs_and_everything_below(held: Role, needed: Role) -> None:
    # Given the order viewer < recruiter < admin, When asked, Then only equal or higher roles pass
    expected = {"viewer": 0, "recruiter": 1, "admin": 2}
    assert allows(held, needed) == (expected[held] >= expected[needed])


@given(
    moment=st.datetimes(
        min_value=datetime(2020, 1, 1), max_value=datetime(2040, 1, 1), timezones=st.just(UTC)
    ),
    minutes=st.sampled_from([1, 15, 60]),
)
def test_a_rate_window_holds_its_moment_and_its_counter_outlives_it(moment: datetime, minutes: int) -> None:
    length = timedelta(minutes=minutes)
    start, expires = mailed_links.window(moment, length)
    begins = datetime.fromtimestamp(int(start), tz=UTC)
    assert begins <= moment < begins + length
    assert expires == begins + 2 * length


class _Trail(AuditTrailRepository):
    """An in-memory trail with the repository's paging (a day's entries newest first, ``limit``
    at a time, the sort key to go on from)."""

    def __init__(self, entries: list[AuditEntry]) -> None:
        super().__init__()
        self.entries = entries
        self.queries = 0

    def day(self, day: date, limit: int, *, before: str | None = None) -> tuple[list[AuditEntry], str | None]:
        self.queries += 1
        keys = sorted(
            ((f"{timestamp(e.at)}#{e.id}", e) for e in self.entries if e.at.date() == day),
            key=lambda pair: pair[0],
            reverse=True,
        )
        keys = [pair for pair in keys if before is None or pair[0] < before]
        page = keys[:limit]
        more = page[-1][0] if len(keys) > limit else None
        return [e for _, e in page], more


def _entry(n: int, at: datetime) -> AuditEntry:
    return AuditEntry(
        id=f"{n:04d}",
        at=at,
        actor="bootstrap",
        actor_name="bootstrap",
        role="admin",
        method="POST",
        route="/api/x",
        status=200,
        summary="x",
    )


@given(
    offsets=st.lists(st.integers(min_value=0, max_value=14 * 24 * 60 - 1), max_size=30),
    limit=st.integers(min_value=1, max_value=7),
)
def test_paging_the_trail_yields_every_entry_in_range_newest_first_once(
    offsets: list[int], limit: int
) -> None:
    # Given entries over two weeks (some outside the range), When paged through with any limit,
    start = datetime(2026, 10, 29, tzinfo=UTC)
    entries = [_entry(n, start + timedelta(minutes=m)) for n, m in enumerate(offsets)]
    trail = _Trail(entries)
    seen: list[AuditEntry] = []
    position: audit.Position | None = None
    pages = 0
    while True:
        page, position = audit.read(FIRST, LAST, limit, position, repo=trail)
        pages += 1
        assert len(page) <= limit
        seen += page
        if position is None:
            break
    # Then every entry of the range comes once, newest first, with one Query per day and page
    wanted = sorted(
        (e for e in entries if FIRST <= e.at.date() <= LAST),
        key=lambda e: (timestamp(e.at), e.id),
        reverse=True,
    )
    assert [e.id for e in seen] == [e.id for e in wanted]
    assert trail.queries <= (LAST - FIRST).days + 1 + 2 * pages


@given(
    day=st.dates(min_value=FIRST, max_value=LAST),
    before=st.none() | st.from_regex(r"\A2026-11-0[1-9]T[0-9:.]{15}Z#[0-9a-f]{12}\Z"),
)
def test_an_audit_page_token_comes_back_as_it_went(day: date, before: str | None) -> None:
    scope = _audit_scope(FIRST, LAST)
    token = _encode_position(scope, audit.Position(day, before))
    assert _decode_position(token, scope, FIRST, LAST) == audit.Position(day, before)
    with pytest.raises(pagination.InvalidPageTokenError):  # not for another range
        _decode_position(
            token, _audit_scope(FIRST, LAST + timedelta(days=1)), FIRST, LAST + timedelta(days=1)
        )


@given(token=st.text(max_size=300))
def test_any_other_audit_page_token_is_refused_as_a_bad_request(token: str) -> None:
    scope = _audit_scope(FIRST, LAST)
    try:
        decoded = _decode_position(token, scope, FIRST, LAST)
    except pagination.InvalidPageTokenError:
        return
    assert decoded is None or FIRST <= decoded.day <= LAST


def test_a_deeply_nested_audit_page_token_is_a_bad_request_not_a_crash() -> None:
    import base64

    token = base64.urlsafe_b64encode(b"[" * 1500).decode().rstrip("=")
    with pytest.raises(pagination.InvalidPageTokenError):
        _decode_position(token, _audit_scope(FIRST, LAST), FIRST, LAST)

"""The portal's leaderboard page and the leaderboard preference, through the real portal handler
under moto, with points recorded by the real click recorder: the order of the points (the same
logic as the admin API's), names only by choice, my own row marked (in the top or below it), my
points per source with the weights in words, and the form that changes how I am shown."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kring.events import KringEvent
from kring.models.ambassador import AmbassadorInput
from kring.roster.ambassadors import get_ambassador, save_ambassador
from tests.integration.test_portal import _csrf, _sign_in
from tests.support import hostile, mail
from tests.support import link_activity as la
from tests.support.fixtures import HttpResult, MotoStack
from tests.support.pages import get_page as _get
from tests.support.pages import post_form as _post

ME = "E12"
ROW = re.compile(r'<tr( class="me")?><th scope="row">(\d+)</th><td>(.*?)</td><td>(\d+)</td></tr>', re.DOTALL)


@pytest.fixture
def world(moto_stack: MotoStack) -> MotoStack:
    mail.verify_sending_domain()
    return moto_stack


def _ambassador(n: int, *, name: str, department: str | None, location: str | None, display: str) -> str:
    ambassador_id = f"E{n:02d}"
    address = f"{ambassador_id.lower()}@people.example.com"
    save_ambassador(
        AmbassadorInput.model_validate(
            {
                "id": ambassador_id,
                "name": name,
                "email": address,
                "department": department,
                "location": location,
                "leaderboard_display": display,
            }
        )
    )
    return address


def _seed(world: MotoStack, now: datetime, *, colleagues: int = 11) -> str:
    """E01…E11 with 12 - n clicks from as many visitor networks (E01 22 points … E11 2), E01 shown by
    name; me (E12, Sales, Utrecht) one click point (2, tied with E11: the id decides) and a second
    click from the same network that counts for nothing. Sales: E01-E06 and me; Support: E07-E11;
    Amsterdam the odd ones, Utrecht the even (only the first ``colleagues`` of E01…E11). My address."""
    mine = ""
    for n in [*range(1, colleagues + 1), 12]:
        address = _ambassador(
            n,
            name="Eva de Vries" if n == 1 else f"Hidden Person{n}",
            department="Sales" if n <= 6 or n == 12 else "Support",
            location="Amsterdam" if n % 2 else "Utrecht",
            display="name" if n == 1 else "department",
        )
        mine = address if n == 12 else mine
    events: list[KringEvent] = []
    token = 0
    for n in range(1, colleagues + 1):
        for _ in range(12 - n):
            token += 1
            seen = la.visitor(token)
            events.append(la.click(token, at=now, ambassador_id=f"E{n:02d}", visitor_hash=seen, network=seen))
    for repeat in (1, 2):  # my second click: the same network, link and day
        events.append(
            la.click(
                1000 + repeat,
                at=now,
                ambassador_id=ME,
                visitor_hash=la.visitor(1000 + repeat),
                network=la.visitor(999),
            )
        )
    bodies = [la.envelope(e) for e in events]
    for start in range(0, len(bodies), 10):
        got = world.invoke("ClickRecorderFunction", la.sqs_event(bodies[start : start + 10]))
        assert got == {"batchItemFailures": []}
    return mine


def _board(world: MotoStack, cookie: str | None, query: str = "") -> HttpResult:
    return world.http("GET", "/portal/leaderboard", query=query, headers={"cookie": cookie} if cookie else {})


def _rows(page: HttpResult) -> list[tuple[bool, int, str, int]]:
    """(mine, position, who, points) of each row of the leaderboard table."""
    table = page.body.split("<table>")[1]
    return [
        (bool(mark), int(position), re.sub(r"<[^>]+>", "", who).strip(), int(points))
        for mark, position, who, points in ROW.findall(table)
    ]


def test_the_leaderboard_lists_the_top_ten_in_the_points_order_then_my_own_place(world: MotoStack) -> None:
    now = datetime.now(UTC)
    cookie = _sign_in(world, _seed(world, now))
    page = _board(world, cookie)
    assert page.status == 200
    assert 'aria-current="page">Leaderboard</a>' in page.body  # in the navigation
    rows = _rows(page)
    api = world.http(
        "GET", "/api/leaderboards", query=f"period=week&at={now.date()}&limit=12", admin=True
    ).json()["items"]
    assert [(r[1], r[3]) for r in rows] == [(e["position"], e["points"]) for e in api[:10]] + [(12, 2)]
    assert [r[3] for r in rows] == [22, 20, 18, 16, 14, 12, 10, 8, 6, 4, 2]
    assert [e["ambassador_id"] for e in api] == [f"E{n:02d}" for n in range(1, 13)]  # ties: the id
    assert rows[0][2] == "Eva de Vries"  # she chose her name
    assert rows[1][2] == "a colleague in Sales"
    assert rows[6][2] == "a colleague in Support"
    assert "Hidden Person" not in page.body  # nobody else is named
    assert [r for r in rows if r[0]] == [(True, 12, "a colleague in Sales (you)", 2)]  # marked in words too

    # my department's board: I am in its top, marked there
    sales = _rows(_board(world, cookie, "period=week&board=department"))
    assert [(r[1], r[3]) for r in sales] == [(1, 22), (2, 20), (3, 18), (4, 16), (5, 14), (6, 12), (7, 2)]
    assert [r[1] for r in sales if r[0]] == [7]
    utrecht = _board(world, cookie, "board=location&period=quarter")
    assert "My location (Utrecht)" in utrecht.body
    assert [(r[0], r[3]) for r in _rows(utrecht)] == [
        (False, 20),
        (False, 16),
        (False, 12),
        (False, 8),
        (False, 4),
        (True, 2),
    ]
    assert [r[3] for r in _rows(_board(world, cookie, "period=month"))][:2] == [22, 20]


def test_my_points_per_source_with_the_weights_in_words_and_what_counts(world: MotoStack) -> None:
    cookie = _sign_in(world, _seed(world, datetime.now(UTC), colleagues=0))
    body = _board(world, cookie, "period=week").body
    assert "Your points this week" in body
    clicks = body.split("Clicks by people on your links</th>")[1].split("</tr>")[0]
    assert re.findall(r"<td>([^<]*)</td>", clicks) == ["1", "2 points each", "2"]
    shares = body.split("Shares of a vacancy</th>")[1].split("</tr>")[0]
    assert re.findall(r"<td>([^<]*)</td>", shares) == ["0", "1 point each", "0"]
    assert "Your links were clicked 2 times, of which 1 counted." in body
    assert "once per link, day and visitor network" in body
    assert "whoever reached them first ranks higher" in body


def test_the_preference_changes_how_i_am_shown_and_needs_the_csrf_token(world: MotoStack) -> None:
    cookie = _sign_in(world, _seed(world, datetime.now(UTC), colleagues=0))
    assert [r[2] for r in _rows(_board(world, cookie, "board=location")) if r[0]] == [
        "a colleague in Sales (you)"
    ]
    form = _get(world, "/portal/preferences", cookie)
    assert 'value="department" checked' in form.body
    fields = {"digest_frequency": "weekly", "locale": "en", "leaderboard_display": "name"}

    assert _post(world, "/portal/preferences", fields, cookie).status == 403  # no token
    assert _post(world, "/portal/preferences", {**fields, "csrf": "x" * 43}, cookie).status == 403
    assert get_ambassador(ME).leaderboard_display == "department"
    bad = _post(
        world, "/portal/preferences", {**fields, "csrf": _csrf(form), "leaderboard_display": "x"}, cookie
    )
    assert bad.status == 400
    assert get_ambassador(ME).leaderboard_display == "department"

    saved = _post(world, "/portal/preferences", {**fields, "csrf": _csrf(form)}, cookie)
    assert saved.status == 303
    assert get_ambassador(ME).leaderboard_display == "name"
    assert [r[2] for r in _rows(_board(world, cookie, "board=location")) if r[0]] == ["Hidden Person12 (you)"]
    assert 'value="name" checked' in _get(world, "/portal/preferences", cookie).body

    # a form without the choice (an older page) leaves it as it is
    again = _post(world, "/portal/preferences", {"digest_frequency": "weekly", "csrf": _csrf(form)}, cookie)
    assert again.status == 303
    assert get_ambassador(ME).leaderboard_display == "name"


def test_dutch_words_for_a_dutch_ambassador(world: MotoStack) -> None:
    address = _seed(world, datetime.now(UTC), colleagues=0)
    cookie = _sign_in(world, address)
    form = _get(world, "/portal/preferences", cookie)
    fields = {
        "csrf": _csrf(form),
        "digest_frequency": "weekly",
        "locale": "nl",
        "leaderboard_display": "department",
    }
    assert _post(world, "/portal/preferences", fields, cookie).status == 303
    page = _board(world, cookie)
    assert 'lang="nl"' in page.body
    assert [r[2] for r in _rows(page) if r[0]] == ["een collega bij Sales (jij)"]
    assert "Je punten deze week" in page.body


@pytest.mark.parametrize(
    "query", ["period=year", "period=WEEK", "board=team", "board=department:Support", "period=week&board=x"]
)
def test_a_query_that_names_no_leaderboard_is_a_400_page(world: MotoStack, query: str) -> None:
    cookie = _sign_in(world, _ambassador(1, name="Eva", department="Sales", location=None, display="name"))
    got = _board(world, cookie, query)
    assert got.status == 400
    assert got.headers["content-type"].startswith("text/html")
    assert "There is no such leaderboard" in got.body
    # no location on the roster: no location board to link to, and asking for it is a 400
    page = _board(world, cookie)
    assert "board=location" not in page.body
    assert _board(world, cookie, "board=location").status == 400
    assert _board(world, None).status == 303  # signed out: sign in first


def test_hostile_leaderboard_queries_answer_below_500(world: MotoStack) -> None:
    cookie = _sign_in(
        world, _ambassador(1, name="Eva", department="Sales", location="Utrecht", display="name")
    )
    values = st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=40)

    @hostile.fuzz_settings(examples=30)
    @given(period=values, board=values)
    def hostile_query(period: str, board: str) -> None:
        from urllib.parse import urlencode

        got = world.http(
            "GET",
            "/portal/leaderboard",
            query=urlencode({"period": period, "board": board}),
            headers={"cookie": cookie},
        )
        assert got.status in (200, 400), got.status

    hostile_query()


@st.composite
def _rankings(draw: st.DrawFn) -> list[tuple[str, int, str, str]]:
    """(id, points, last scoring day, department) of 1-14 ambassadors: few distinct points and days,
    so ties are common."""
    count = draw(st.integers(1, 14))
    return [
        (
            f"E{n:02d}",
            draw(st.integers(1, 4)),
            draw(st.sampled_from(["2026-11-23", "2026-11-24", "2026-11-25"])),
            draw(st.sampled_from(["Sales", "Support"])),
        )
        for n in range(1, count + 1)
    ]


def test_my_place_below_the_top_is_where_the_whole_ranking_puts_me(moto_stack: MotoStack) -> None:
    """Property: for every ambassador and every size of top, the logic the page and the API share
    gives them their place in the full order (points, then the earlier day, then the id) — in the
    top's entries or as their own entry below it; in another department's ranking, none."""
    from datetime import date

    from kring.dal.points import PointsRepository
    from kring.models.points import CLICKS, PeriodPoints
    from kring.points import leaderboards, ledger, scoring

    at = date(2026, 11, 25)

    @hostile.fuzz_settings(examples=15)
    @given(ranking=_rankings(), top=st.integers(1, 5))
    def places(ranking: list[tuple[str, int, str, str]], top: int) -> None:
        la.clear_table()
        PointsRepository().write(
            ledger.ranked(
                PeriodPoints(
                    ambassador_id=a,
                    period="2026-W48",
                    counts={CLICKS: points},
                    scored_on=day,
                    score=points,
                    department=department,
                    version=1,
                )
            )
            for a, points, day, department in ranking
        )
        for board, members in [
            (leaderboards.OVERALL, ranking),
            *((leaderboards.department(d), [r for r in ranking if r[3] == d]) for d in ("Sales", "Support")),
        ]:
            order = sorted(members, key=lambda r: scoring.rank_key(r[1], r[2], r[0]))
            for a, points, _day, department in ranking:
                got = leaderboards.leaderboard("week", at, board, top, me=a)
                assert [(e.ambassador_id, e.points) for e in got.entries] == [
                    (r[0], r[1]) for r in order[:top]
                ]
                place = [r[0] for r in order].index(a) + 1 if board.value in (None, department) else None
                if place is None or place <= top:
                    assert got.mine is None
                else:
                    assert got.mine is not None
                    assert (got.mine.position, got.mine.ambassador_id, got.mine.points) == (place, a, points)

    places()

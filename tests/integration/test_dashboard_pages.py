"""The dashboard's pages through the real DashboardFunction under moto, as a signed-in browser asks
for them: the programme and vacancy pages and their CSV twins, the navigation a role is given,
bad queries (a 400 page that says what was wrong), unknown vacancies and tables (404), and no
session (to the sign-in page)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from kring.dashboard import programme_overview
from tests.support import team
from tests.support.dashboard import read_csv, read_page
from tests.support.digests import put_ambassador, put_vacancy
from tests.support.fixtures import MotoStack
from tests.support.pages import get_page


@pytest.fixture
def world(moto_stack: MotoStack) -> MotoStack:
    return moto_stack


NOW = datetime.now(UTC)


def test_a_viewer_reads_the_programme_page_and_its_csv(world: MotoStack) -> None:
    put_ambassador("E1", NOW - timedelta(days=3), department="Sales")
    cookie = team.signed_in_as(world, "viewer")
    got = get_page(world, "/dashboard/programme?by=department", cookie)
    assert got.status == 200, got.body
    page = read_page(got.body)
    assert page.lang == "en"
    assert "Programme" in page.headings
    assert ("/dashboard/programme", "Programme") in page.links  # the navigation
    assert ("/dashboard/vacancies", "Vacancies") in page.links
    assert "Signed in as Rita Recruiter (viewer)" in got.body
    assert set(programme_overview.TABLES) >= set(page.tables)

    exported = get_page(world, "/dashboard/programme.csv?table=phases&by=department", cookie)
    assert exported.status == 200
    assert exported.headers["content-type"] == "text/csv; charset=utf-8"
    assert exported.headers["content-disposition"] == 'attachment; filename="programme-phases.csv"'
    assert read_csv(exported.body)[0] == page.tables["phases"][0]


def test_a_bad_query_is_a_400_page_that_names_the_field_and_an_unknown_table_a_404(world: MotoStack) -> None:
    cookie = team.signed_in_as(world, "viewer", locale="nl")
    bad = get_page(world, "/dashboard/programme?by=salary", cookie)
    assert bad.status == 400
    assert "by: department or location" in bad.body
    assert 'lang="nl"' in bad.body
    assert get_page(world, "/dashboard/programme.csv?table=nothing", cookie).status == 404
    assert get_page(world, "/dashboard/vacancies?next=not-a-token", cookie).status == 400
    assert get_page(world, "/dashboard/vacancies?status=sold", cookie).status == 400


def test_the_vacancies_list_one_vacancy_and_their_csv(world: MotoStack) -> None:
    put_vacancy("1", title="Engineer", department="IT", published_at=NOW - timedelta(days=2))
    cookie = team.signed_in_as(world, "recruiter")
    listed = get_page(world, "/dashboard/vacancies", cookie)
    assert listed.status == 200, listed.body
    page = read_page(listed.body)
    assert [row[0] for row in page.tables["vacancies"][1:]] == ["Engineer"]
    href = page.link("Engineer")
    assert href == "/dashboard/vacancies/greenhouse-1"
    one = get_page(world, href, cookie)
    assert one.status == 200
    assert "Engineer" in read_page(one.body).headings
    assert get_page(world, "/dashboard/vacancies/greenhouse-1.csv?table=channels", cookie).status == 200
    assert get_page(world, "/dashboard/vacancies/greenhouse-1.csv?table=nothing", cookie).status == 404
    assert read_csv(get_page(world, "/dashboard/vacancies.csv", cookie).body)[1][0] == "Engineer"
    assert get_page(world, "/dashboard/vacancies/greenhouse-404", cookie).status == 404


@pytest.mark.parametrize(
    "path",
    [
        "/dashboard/programme",
        "/dashboard/programme.csv?table=phases",
        "/dashboard/vacancies",
        "/dashboard/vacancies/greenhouse-1",
    ],
)
def test_without_a_session_every_page_sends_to_sign_in(world: MotoStack, path: str) -> None:
    got = get_page(world, path)
    assert got.status == 303
    assert got.headers["location"] == "/dashboard/sign-in"

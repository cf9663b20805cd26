"""Digest periods in the organisation's time zone: keys, stepping, the period a run reports on,
and — as properties — that consecutive periods tile time, across daylight saving changes."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kring.mail.periods import FREQUENCIES, Frequency, Period, parse_key, period_ending, period_of, zone

AMSTERDAM = zone()
DAYS = st.dates(min_value=date(1990, 1, 1), max_value=date(2100, 12, 31))
FREQUENCY = st.sampled_from(FREQUENCIES)


def test_keys_name_the_period() -> None:
    day = date(2026, 12, 4)  # a Friday in ISO week 49
    assert period_of("daily", day).key == "daily:2026-12-04"
    assert period_of("weekly", day).key == "weekly:2026-W49"
    assert period_of("monthly", day).key == "monthly:2026-12"
    # the ISO year, not the calendar year: 2027-01-01 is in 2026-W53
    assert period_of("weekly", date(2027, 1, 1)).key == "weekly:2026-W53"


def test_the_weekly_run_on_monday_morning_reports_the_previous_iso_week() -> None:
    run = datetime(2026, 12, 7, 8, 30, tzinfo=AMSTERDAM)  # Monday 08:30
    period = period_ending("weekly", run, AMSTERDAM)
    assert (period.start, period.end, period.key) == (
        date(2026, 11, 30),
        date(2026, 12, 7),
        "weekly:2026-W49",
    )


def test_the_run_is_judged_in_the_organisations_zone_not_utc() -> None:
    # Monday 00:30 in Amsterdam is still Sunday in UTC: the week that just ended is the one reported
    run = datetime(2026, 12, 6, 23, 30, tzinfo=UTC)
    assert period_ending("weekly", run, AMSTERDAM).key == "weekly:2026-W49"
    assert period_ending("weekly", run, zone("UTC")).key == "weekly:2026-W48"
    assert period_ending("daily", run, AMSTERDAM).key == "daily:2026-12-06"


def test_monthly_and_daily_runs_report_the_last_complete_period() -> None:
    assert (
        period_ending("monthly", datetime(2027, 1, 1, 8, 30, tzinfo=AMSTERDAM), AMSTERDAM).key
        == "monthly:2026-12"
    )
    assert (
        period_ending("daily", datetime(2026, 3, 1, 8, 30, tzinfo=AMSTERDAM), AMSTERDAM).key
        == "daily:2026-02-28"
    )


def test_a_week_across_the_spring_change_is_167_hours_and_still_tiles() -> None:
    week = period_of("weekly", date(2026, 3, 29))  # clocks go forward on Sunday 29 March 2026
    assert week.ends_at(AMSTERDAM) - week.starts_at(AMSTERDAM) == timedelta(hours=167)
    assert week.next().starts_at(AMSTERDAM) == week.ends_at(AMSTERDAM)
    autumn = period_of("daily", date(2026, 10, 25))  # back on Sunday 25 October
    assert autumn.ends_at(AMSTERDAM) - autumn.starts_at(AMSTERDAM) == timedelta(hours=25)


def test_a_period_must_be_whole_and_a_run_time_aware() -> None:
    with pytest.raises(ValueError, match="not one weekly period"):
        Period("weekly", date(2026, 12, 1), date(2026, 12, 8))  # a Tuesday
    with pytest.raises(ValueError, match="aware"):
        period_ending("weekly", datetime(2026, 12, 7, 8, 30), AMSTERDAM)


@pytest.mark.parametrize(
    "key", ["weekly:2026-W54", "weekly:2026-w49", "daily:20261204", "monthly:2026-13", "hourly:1", ""]
)
def test_a_key_that_names_no_period_is_refused(key: str) -> None:
    with pytest.raises(ValueError, match="not a period key"):
        parse_key(key)


@given(FREQUENCY, DAYS)
def test_consecutive_periods_tile_time_with_no_gap_or_overlap(frequency: Frequency, day: date) -> None:
    period = period_of(frequency, day)
    following = period.next()
    assert period.start <= day < period.end
    assert following.start == period.end  # no gap, no overlap, in local dates
    assert following.starts_at(AMSTERDAM) == period.ends_at(AMSTERDAM)  # and in instants
    assert period.starts_at(AMSTERDAM) < period.ends_at(AMSTERDAM)
    assert following.key != period.key


@given(FREQUENCY, DAYS)
def test_previous_undoes_next_and_keys_round_trip(frequency: Frequency, day: date) -> None:
    period = period_of(frequency, day)
    assert period.next().previous() == period
    assert period.previous().next() == period
    assert parse_key(period.key) == period


@given(
    FREQUENCY,
    st.datetimes(min_value=datetime(1990, 1, 2), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)),
)
def test_a_run_reports_the_period_just_before_its_own(frequency: Frequency, at: datetime) -> None:
    reported = period_ending(frequency, at, AMSTERDAM)
    assert reported.ends_at(AMSTERDAM) <= at < reported.next().ends_at(AMSTERDAM)

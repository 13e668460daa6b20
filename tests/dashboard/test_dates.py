"""Month, week and year arithmetic shared by the calendar, the inbox and the requests list."""

import datetime as dt

import pytest

from dashboard.dates import add_months, month_bounds, month_index, week_bounds, year_bounds


@pytest.mark.parametrize(
    ("day", "months", "first"),
    [
        (dt.date(2025, 1, 31), 1, dt.date(2025, 2, 1)),
        (dt.date(2025, 12, 15), 1, dt.date(2026, 1, 1)),
        (dt.date(2025, 1, 1), -1, dt.date(2024, 12, 1)),
        (dt.date(2025, 3, 31), -13, dt.date(2024, 2, 1)),
        (dt.date(2025, 3, 9), 0, dt.date(2025, 3, 1)),
    ],
)
def test_add_months_gives_the_first_day_of_the_month_reached(day, months, first):
    assert add_months(day, months) == first


def test_month_bounds_know_leap_years():
    assert month_bounds(2024, 2) == (dt.date(2024, 2, 1), dt.date(2024, 2, 29))
    assert month_bounds(2025, 2) == (dt.date(2025, 2, 1), dt.date(2025, 2, 28))
    assert month_bounds(2025, 12) == (dt.date(2025, 12, 1), dt.date(2025, 12, 31))


def test_month_index_counts_the_months_between_two_dates():
    assert month_index(dt.date(2026, 2, 1)) - month_index(dt.date(2025, 11, 30)) == 3


def test_a_week_runs_monday_to_sunday():
    assert week_bounds(dt.date(2025, 3, 5)) == (dt.date(2025, 3, 3), dt.date(2025, 3, 9))
    assert week_bounds(dt.date(2025, 3, 9)) == (dt.date(2025, 3, 3), dt.date(2025, 3, 9))


def test_year_bounds_are_the_first_and_last_day_of_the_year():
    assert year_bounds(dt.date(2025, 6, 15)) == (dt.date(2025, 1, 1), dt.date(2025, 12, 31))

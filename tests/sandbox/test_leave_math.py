from datetime import date, datetime

import pytest

from sandbox.leave_math import (
    add_working_days,
    balance_text,
    conflicts,
    format_number,
    leave_total,
    working_days,
)
from sandbox.models import Leave, Policy

MONDAY = date(2030, 6, 3)


def _leave(start, end=None, **fields):
    values = {
        "id": fields.pop("id", "x"),
        "workspace_id": 1,
        "user_id": 1,
        "policy_id": 1,
        "status": fields.pop("status", "approved"),
        "start_date": start,
        "end_date": end or start,
        "created_by": 1,
        "created_at": datetime(2030, 1, 1),
        "is_paid": True,
    }
    return Leave(**values, **fields)


DAYS = Policy(1, 1, "Annual", "days", 25, 7.5, True, False, False)
HOURS = Policy(1, 1, "Medical", "hours", 24, None, True, False, False)


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        (MONDAY, MONDAY, 1),
        (MONDAY, date(2030, 6, 9), 5),  # Mon..Sun
        (date(2030, 6, 7), date(2030, 6, 10), 2),  # Fri..Mon
        (date(2030, 6, 8), date(2030, 6, 9), 0),  # weekend
        (MONDAY, date(2030, 6, 30), 20),
        (MONDAY, date(2030, 6, 2), 0),
    ],
)
def test_working_days(start, end, expected):
    assert working_days(start, end) == expected


def test_add_working_days_skips_weekends():
    assert add_working_days(date(2030, 6, 7), 2) == date(2030, 6, 10)
    assert add_working_days(date(2030, 6, 8), 1) == date(2030, 6, 10)
    assert add_working_days(MONDAY, 5) == date(2030, 6, 7)


@pytest.mark.parametrize(
    ("value", "text"), [(12, "12"), (6.5, "6.5"), (-1, "-1"), (0, "0"), (-0.0, "0"), (2.25, "2.25")]
)
def test_format_number(value, text):
    assert format_number(value) == text


def test_totals_for_each_shape():
    assert leave_total(_leave(MONDAY, date(2030, 6, 11)), DAYS) == (7, 52.5)
    assert leave_total(_leave(MONDAY, leave_period=2), DAYS) == (0.5, 3.75)
    assert leave_total(_leave(MONDAY, start_time="09:00", end_time="12:00"), HOURS) == (0.375, 3)


def test_balance_converts_hours_with_hours_per_day():
    leaves = [
        _leave(MONDAY, start_time="09:00", end_time="12:45"),  # 3.75 h = 0.5 day at 7.5 h/day
        _leave(date(2030, 6, 4), leave_period=1),
        _leave(date(2030, 6, 5), status="pending"),
    ]
    assert balance_text(DAYS, leaves, date(2030, 1, 1), date(2030, 12, 31)) == "24 days"


def test_balance_in_hours_and_window_clipping():
    leaves = [_leave(date(2030, 12, 30), date(2031, 1, 3))]  # Mon..Fri across new year
    assert balance_text(DAYS, leaves, date(2031, 1, 1), date(2031, 12, 31)) == "22 days"
    assert balance_text(DAYS, leaves, date(2030, 1, 1), date(2030, 12, 31)) == "23 days"
    assert balance_text(HOURS, [_leave(MONDAY, leave_period=1)], MONDAY, MONDAY) == "20 hours"


def test_balance_can_go_negative():
    leaves = [_leave(MONDAY, date(2030, 7, 12))]  # 30 working days
    assert balance_text(DAYS, leaves, date(2030, 1, 1), date(2030, 12, 31)) == "-5 days"


def test_conflicts_respect_halves_and_hours():
    full = _leave(MONDAY, date(2030, 6, 5))
    first_half = _leave(MONDAY, leave_period=1)
    second_half = _leave(MONDAY, leave_period=2)
    morning = _leave(MONDAY, start_time="09:00", end_time="11:00")
    late = _leave(MONDAY, start_time="13:00", end_time="14:00")
    assert conflicts(full, first_half)
    assert not conflicts(first_half, second_half)
    assert conflicts(first_half, morning)
    assert not conflicts(morning, late)
    assert conflicts(second_half, late)
    assert not conflicts(full, _leave(date(2030, 6, 6)))

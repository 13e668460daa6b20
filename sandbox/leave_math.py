"""Working days, leave totals, overlaps and balances: the arithmetic behind the leave endpoints."""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sandbox.models import Leave, Policy

DEFAULT_HOURS_PER_DAY = 8.0
FULL_DAY = (0, 24 * 60)
HALF_DAYS = {1: (0, 12 * 60), 2: (12 * 60, 24 * 60)}


def plain_number(value: float) -> int | float:
    """Return ``value`` rounded to two decimals, as an int when it is whole."""
    value = round(float(value), 2)
    if value == int(value):
        return int(value)
    return value


def format_number(value: float) -> str:
    """Format without trailing zeros: 12 -> "12", 6.50 -> "6.5", -0.0 -> "0"."""
    value = round(float(value), 2)
    if value == 0:
        return "0"
    return f"{value:.2f}".rstrip("0").rstrip(".")


def working_days(start: date, end: date) -> int:
    """Count Monday-to-Friday days in the inclusive range ``start``..``end``."""
    if end < start:
        return 0
    total = (end - start).days + 1
    weeks, rest = divmod(total, 7)
    count = weeks * 5
    weekday = start.weekday()
    for offset in range(rest):
        if (weekday + offset) % 7 < 5:
            count += 1
    return count


def add_working_days(start: date, count: int) -> date:
    """Return the date of the ``count``-th working day counting ``start`` as the first."""
    day = start
    while day.weekday() >= 5:
        day += timedelta(days=1)
    remaining = count - 1
    while remaining > 0:
        day += timedelta(days=1)
        if day.weekday() < 5:
            remaining -= 1
    return day


def minutes(hhmm: str) -> int:
    """Convert ``HH:mm`` to minutes after midnight."""
    hours, mins = hhmm.split(":")
    return int(hours) * 60 + int(mins)


def day_interval(leave: Leave) -> tuple[int, int]:
    """The part of each day the leave takes, in minutes: full day, a half, or its hours."""
    if leave.start_time and leave.end_time:
        return minutes(leave.start_time), minutes(leave.end_time)
    return HALF_DAYS.get(leave.leave_period, FULL_DAY)


def conflicts(a: Leave, b: Leave) -> bool:
    """Tell whether two leaves of the same person overlap in time."""
    if a.start_date > b.end_date or b.start_date > a.end_date:
        return False
    a_from, a_to = day_interval(a)
    b_from, b_to = day_interval(b)
    return a_from < b_to and b_from < a_to


def _hours_per_day(policy: Policy | None) -> float:
    if policy is not None and policy.hours_per_day:
        return float(policy.hours_per_day)
    return DEFAULT_HOURS_PER_DAY


def _days_and_hours(leave: Leave, policy: Policy | None, start: date, end: date):
    """Days and hours the leave takes between ``start`` and ``end`` (working days only)."""
    days_in_range = working_days(max(start, leave.start_date), min(end, leave.end_date))
    per_day = _hours_per_day(policy)
    if leave.start_time and leave.end_time:
        hours = days_in_range * (minutes(leave.end_time) - minutes(leave.start_time)) / 60
        return hours / per_day, hours
    days = days_in_range * (0.5 if leave.leave_period in HALF_DAYS else 1.0)
    return days, days * per_day


def leave_total(leave: Leave, policy: Policy | None) -> tuple[float, float]:
    """Return the leave's ``(days, hours)`` over its whole range."""
    return _days_and_hours(leave, policy, leave.start_date, leave.end_date)


def amount_in_unit(leave: Leave, policy: Policy, start: date, end: date) -> float:
    """Return how much of the policy's allowance the leave uses between ``start`` and ``end``."""
    days, hours = _days_and_hours(leave, policy, start, end)
    return hours if policy.time_unit == "hours" else days


def balance_text(policy: Policy, leaves: list[Leave], start: date, end: date) -> str:
    """Remaining balance text (``"12 days"``) from the APPROVED leaves in the window."""
    used = sum(
        amount_in_unit(leave, policy, start, end)
        for leave in leaves
        if leave.status == "approved" and leave.policy_id == policy.id
    )
    return f"{format_number(policy.duration - used)} {policy.time_unit}"

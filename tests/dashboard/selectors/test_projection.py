"""The balance projection's arithmetic: days, hours and half days, holidays, year boundaries."""

import datetime as dt
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dashboard.read_models.projection import amount_text, projection_view
from dashboard.selectors.projection import (
    leave_amount,
    project_balance,
    working_days,
)
from dashboard.webwork import BalanceAmount, Leave, LeavePeriod, Policy

DAYS = Policy(id=1, name="Annual leave", time_unit="days", hours_per_day=8)
HOURS = Policy(id=2, name="Medical appointment", time_unit="hours")
SHORT_DAYS = Policy(id=3, name="Study leave", time_unit="days", hours_per_day=7.5)
POLICIES = st.sampled_from([DAYS, HOURS, SHORT_DAYS])
DATES = st.dates(min_value=dt.date(2025, 1, 1), max_value=dt.date(2029, 12, 31))
TIMES = st.times().map(lambda t: t.replace(second=0, microsecond=0))


@st.composite
def leaves(draw, user_id: int = 7, policy: Policy | None = None, status: str = "pending"):
    """A full-day, half-day or hour-based leave of up to five weeks."""
    start = draw(DATES)
    end = start + dt.timedelta(days=draw(st.integers(0, 35)))
    kind = draw(st.sampled_from(["full", "half", "hours"]))
    fields = {}
    if kind == "half":
        fields["leave_period"] = draw(
            st.sampled_from([LeavePeriod.FIRST_HALF, LeavePeriod.SECOND_HALF])
        )
    if kind == "hours":
        first, second = sorted([draw(TIMES), draw(TIMES)])
        fields |= {"start_time": first, "end_time": second, "end_date": start}
    return Leave(
        id=draw(st.uuids()).hex,
        user_id=user_id,
        status=status,
        start_date=start,
        end_date=fields.pop("end_date", end),
        policy_id=(policy or DAYS).id,
        **fields,
    )


def _march(*, first: int, last: int) -> Leave:
    """A pending full-day Annual leave of member 7 in March 2026."""
    return Leave(
        id=f"march-{first}-{last}",
        user_id=7,
        status="pending",
        policy_id=DAYS.id,
        start_date=dt.date(2026, 3, first),
        end_date=dt.date(2026, 3, last),
    )


def _balance(text: str) -> BalanceAmount:
    return BalanceAmount.parse(text)


def test_weekends_and_holidays_are_not_counted():
    # Mon 6 - Sun 12 April 2026, with Easter Monday (6th) a holiday.
    holidays = {dt.date(2026, 4, 6): "Easter Monday"}
    assert working_days(dt.date(2026, 4, 6), dt.date(2026, 4, 12), {}) == 5
    assert working_days(dt.date(2026, 4, 6), dt.date(2026, 4, 12), holidays) == 4


def test_half_days_and_hours_in_the_policy_unit():
    day = dt.date(2026, 3, 3)  # a Tuesday
    half = Leave(id="h", start_date=day, end_date=day, leave_period=LeavePeriod.FIRST_HALF)
    assert leave_amount(half, DAYS, holidays={}) == Fraction(1, 2)
    assert leave_amount(half, HOURS, holidays={}) == 4
    three_hours = Leave(
        id="t", start_date=day, end_date=day, start_time=dt.time(9), end_time=dt.time(12)
    )
    assert leave_amount(three_hours, HOURS, holidays={}) == 3
    assert leave_amount(three_hours, SHORT_DAYS, holidays={}) == Fraction(3) / Fraction("7.5")


def test_the_eight_day_sick_leave_of_the_issue_goes_to_minus_four():
    leave = _march(first=2, last=11)
    projection = project_balance(
        leave=leave, policy=DAYS, balances={2026: _balance("4 days")}, pending=[], holidays={}
    )
    assert projection.years[0].after_this == -4
    assert projection.refused_by_policy
    view = projection_view(projection)
    assert view.needs_confirmation
    assert "−4 days" in view.warning
    assert "Annual leave" in view.warning


def test_a_policy_allowing_negative_balances_needs_no_confirmation():
    allowing = Policy(id=1, name="Sick leave", time_unit="days", allow_negative_balance=True)
    leave = _march(first=2, last=11)
    projection = project_balance(
        leave=leave, policy=allowing, balances={2026: _balance("4 days")}, pending=[], holidays={}
    )
    assert projection.goes_negative
    assert not projection.refused_by_policy
    assert projection_view(projection).warning == ""


@pytest.mark.parametrize("text", ["", "lots", "4 fortnights", None])
def test_unreadable_balance_text_is_unknown_never_a_number(text):
    leave = _march(first=2, last=3)
    balances = {2026: None if text is None else _balance(text)}
    projection = project_balance(
        leave=leave, policy=DAYS, balances=balances, pending=[], holidays={}
    )
    year = projection.years[0]
    assert (year.now, year.after_this, year.after_pending) == (None, None, None)
    assert not projection.known
    assert not projection.refused_by_policy
    assert projection_view(projection).lines[0].after_this.text == "unknown"


def test_a_balance_written_in_hours_is_read_in_days():
    leave = _march(first=2, last=2)
    projection = project_balance(
        leave=leave, policy=DAYS, balances={2026: _balance("12 hours")}, pending=[], holidays={}
    )
    assert projection.years[0].now == Fraction(3, 2)
    assert projection.years[0].after_this == Fraction(1, 2)


def test_amount_text_rounds_only_on_screen():
    assert amount_text(Fraction(1), "days") == "1 day"
    assert amount_text(Fraction(-9, 2), "hours") == "\u22124.5 hours"
    assert amount_text(Fraction(2, 3), "hours") == "0.67 hours"
    assert amount_text(None, "days") == "unknown"


@given(leave=leaves(), policy=POLICIES, balance=st.decimals(-50, 50, places=2))
def test_after_this_is_now_less_what_the_leave_uses(leave, policy, balance):
    leave = Leave(**{**leave.__dict__, "policy_id": policy.id})
    balances = {
        year: BalanceAmount(
            text=f"{balance} {policy.time_unit}", value=balance, unit=policy.time_unit
        )
        for year in range(2025, 2031)
    }
    projection = project_balance(
        leave=leave, policy=policy, balances=balances, pending=[leave], holidays={}
    )
    used = sum((y.now - y.after_this for y in projection.years), Fraction(0))
    assert used == leave_amount(leave, policy, holidays={})
    assert all(y.after_pending == y.after_this for y in projection.years)
    assert projection.goes_negative == any(y.after_this < 0 for y in projection.years)


@given(leave=leaves(), policy=POLICIES)
def test_a_leave_split_at_new_year_uses_the_same_in_total(leave, policy):
    years = range(leave.start_date.year, leave.end_date.year + 1)
    parts = [
        leave_amount(leave, policy, holidays={}, start=dt.date(y, 1, 1), end=dt.date(y, 12, 31))
        for y in years
    ]
    assert sum(parts, Fraction(0)) == leave_amount(leave, policy, holidays={})
    assert all(part >= 0 for part in parts)


@given(leave=leaves(), policy=POLICIES)
def test_a_half_day_uses_half_of_the_full_day(leave, policy):
    full = Leave(
        **{
            **leave.__dict__,
            "start_time": None,
            "end_time": None,
            "leave_period": LeavePeriod.FULL_DAY,
        }
    )
    half = Leave(**{**full.__dict__, "leave_period": LeavePeriod.SECOND_HALF})
    assert leave_amount(half, policy, holidays={}) * 2 == leave_amount(full, policy, holidays={})


@given(
    leave=leaves(),
    others=st.lists(
        st.one_of(leaves(), leaves(user_id=8), leaves(policy=HOURS), leaves(status="approved")),
        max_size=6,
    ),
)
def test_only_the_members_other_pending_requests_of_the_policy_count(leave, others):
    balances = {
        y: BalanceAmount(text="10 days", value=Decimal(10), unit="days") for y in range(2025, 2031)
    }
    projection = project_balance(
        leave=leave, policy=DAYS, balances=balances, pending=[leave, *others], holidays={}
    )
    for year in projection.years:
        start, end = dt.date(year.year, 1, 1), dt.date(year.year, 12, 31)
        counted = sum(
            (
                leave_amount(o, DAYS, holidays={}, start=start, end=end)
                for o in others
                if o.user_id == 7 and o.policy_id == DAYS.id and o.is_pending
            ),
            Fraction(0),
        )
        assert year.after_this - year.after_pending == counted


@given(leave=leaves(), holiday=DATES)
def test_a_holiday_never_adds_to_what_a_leave_uses(leave, holiday):
    without = leave_amount(leave, DAYS, holidays={})
    with_holiday = leave_amount(leave, DAYS, holidays={holiday: "Holiday"})
    assert with_holiday <= without
    inside = leave.start_date <= holiday <= leave.end_date and holiday.weekday() < 5
    assert (with_holiday < without) == (inside and without > 0)

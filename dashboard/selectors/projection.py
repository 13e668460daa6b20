"""What a request does to a balance: now, after this request, after all of the member's pending.

Pure arithmetic over what WebWork gives (the remaining-balance text per year, the policy, the
leaves) and the workspace's public holidays: no reads here, so the same functions serve the
inbox, the request detail, the new-request preview and the decision rules, whichever store the
inputs come from. Fractions keep thirds of an hour exact; rounding happens only on screen.

The rule for what a leave uses follows WebWork's totals (and the sandbox's): working days only
(Monday to Friday), public holidays of the workspace's region not counted; a half day is half a
day; hours are converted with the policy's hours per day (8 when WebWork does not say).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from fractions import Fraction

from dashboard.webwork import BalanceAmount, Leave, Policy
from dashboard.webwork.records.policies import TIME_UNIT_DAYS, TIME_UNIT_HOURS

DEFAULT_HOURS_PER_DAY = Fraction(8)


def hours_per_day(policy: Policy) -> Fraction:
    """Working hours in a day of this policy (WebWork's default when it does not say)."""
    if policy.hours_per_day and policy.hours_per_day > 0:
        return Fraction(str(policy.hours_per_day))
    return DEFAULT_HOURS_PER_DAY


def working_days(start: dt.date, end: dt.date, holidays: Mapping[dt.date, str]) -> int:
    """Weekdays from start to end inclusive that are not public holidays."""
    count, day = 0, start
    while day <= end:
        if day.weekday() < 5 and day not in holidays:
            count += 1
        day += dt.timedelta(days=1)
    return count


def leave_amount(
    leave: Leave,
    policy: Policy,
    *,
    holidays: Mapping[dt.date, str],
    start: dt.date | None = None,
    end: dt.date | None = None,
) -> Fraction | None:
    """What the leave uses of the policy's allowance between start and end (its whole range
    by default), in the policy's unit; None when the leave has no dates."""
    first, last = leave.start_date, leave.end_date or leave.start_date
    if first is None or last is None or last < first:
        return None
    days = working_days(max(first, start or first), min(last, end or last), holidays)
    per_day = hours_per_day(policy)
    if leave.start_time is not None and leave.end_time is not None:
        minutes = (leave.end_time.hour * 60 + leave.end_time.minute) - (
            leave.start_time.hour * 60 + leave.start_time.minute
        )
        hours = days * Fraction(max(minutes, 0), 60)
        in_days = hours / per_day
    else:
        in_days = days * (Fraction(1, 2) if leave.is_half_day else Fraction(1))
        hours = in_days * per_day
    return hours if policy.time_unit == TIME_UNIT_HOURS else in_days


def balance_in_unit(amount: BalanceAmount | None, policy: Policy) -> Fraction | None:
    """A balance WebWork wrote ("4.5 hours") in the policy's unit; None when unreadable."""
    if amount is None or amount.value is None:
        return None
    value = Fraction(amount.value)
    unit = amount.unit or policy.time_unit
    if unit == policy.time_unit:
        return value
    if unit == TIME_UNIT_HOURS and policy.time_unit == TIME_UNIT_DAYS:
        return value / hours_per_day(policy)
    if unit == TIME_UNIT_DAYS and policy.time_unit == TIME_UNIT_HOURS:
        return value * hours_per_day(policy)
    return None


@dataclass(frozen=True)
class YearProjection:
    """One calendar year of a projection (None: unknown, never a guess)."""

    year: int
    now: Fraction | None
    after_this: Fraction | None
    after_pending: Fraction | None


@dataclass(frozen=True)
class Projection:
    """A request's effect on its member's balance, per year it touches, in the policy's unit."""

    unit: str
    years: tuple[YearProjection, ...]
    allow_negative: bool
    policy_name: str = ""

    @property
    def known(self) -> bool:
        """Whether every figure could be worked out."""
        return bool(self.years) and all(
            None not in (y.now, y.after_this, y.after_pending) for y in self.years
        )

    @property
    def goes_negative(self) -> bool:
        """Whether approving takes the balance below zero in any year it touches."""
        return any(y.after_this is not None and y.after_this < 0 for y in self.years)

    @property
    def refused_by_policy(self) -> bool:
        """Whether the balance would go negative where the policy does not allow it."""
        return self.goes_negative and not self.allow_negative


def leave_years(leave: Leave) -> list[int]:
    """The calendar years a leave touches (none when its dates are unknown)."""
    first, last = leave.start_date, leave.end_date or leave.start_date
    if first is None or last is None or last < first:
        return []
    return list(range(first.year, last.year + 1))


def _same_claim(other: Leave, leave: Leave, policy: Policy) -> bool:
    """Whether `other` draws on the same member's balance under the same policy."""
    if other.user_id != leave.user_id:
        return False
    if other.policy_id is not None:
        return other.policy_id == policy.id
    return (other.policy_name or "").strip().casefold() == policy.name.strip().casefold()


def project_balance(
    *,
    leave: Leave,
    policy: Policy,
    balances: Mapping[int, BalanceAmount | None],
    pending: Iterable[Leave] | None,
    holidays: Mapping[dt.date, str],
) -> Projection:
    """Now -> after this request -> after all of the member's pending requests, per year.

    `balances` holds the member's remaining balance under the policy by year (WebWork counts
    approved leave only); `pending` may include `leave` itself and anyone else's requests.
    A leave across a year boundary draws each year's part from that year's balance. Without
    the pending list (`None`: it could not be read) the last figure is unknown.
    """
    others = [
        other
        for other in pending or ()
        if other.id != leave.id and other.is_pending and _same_claim(other, leave, policy)
    ]
    years = []
    for year in leave_years(leave):
        start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
        now = balance_in_unit(balances.get(year), policy)
        this = leave_amount(leave, policy, holidays=holidays, start=start, end=end)
        rest = [
            leave_amount(other, policy, holidays=holidays, start=start, end=end) for other in others
        ]
        after_this = None if now is None or this is None else now - this
        after_pending = (
            None
            if after_this is None or pending is None or None in rest
            else after_this - sum(rest, Fraction(0))
        )
        years.append(YearProjection(year, now, after_this, after_pending))
    return Projection(
        unit=policy.time_unit,
        years=tuple(years),
        allow_negative=policy.allow_negative_balance,
        policy_name=policy.name,
    )

"""How leaves read on screen: dates, half days and hours, durations with holidays noted."""

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from dashboard.webwork import Leave, LeavePeriod, Policy
from dashboard.zones import same_clock, zone_named


def _day(d: dt.date, *, year: bool) -> str:
    return f"{d:%a} {d.day} {d:%b}" + (f" {d.year}" if year else "")


def leave_end(leave: Leave) -> dt.date | None:
    """The last day (a missing end date means a one-day leave)."""
    return leave.end_date or leave.start_date


def is_off_on(leave: Leave, day: dt.date) -> bool:
    """Whether the leave keeps its member away on `day`.

    Every day of a one-day or hour-based leave; only the weekdays of a longer one (a week off
    is not a weekend off). The inbox's "Out today" and the calendar's days both ask this, so
    they never disagree.
    """
    start, end = leave.start_date, leave_end(leave)
    if start is None or end is None or not start <= day <= end:
        return False
    return day.weekday() < 5 or leave.is_hour_based or start == end


def hours_text(leave: Leave, zone: str | None = None) -> str:
    """'09:00–13:00', in the member's hours; 'Tokyo time' added when the viewer's clock differs.

    WebWork gives hour-based leave as wall-clock times with no zone: the member's own. Turning
    them into the viewer's hours would move them across midnight, so they stay as given and
    the member's zone is named instead, whenever the viewer's zone shows another time then.
    """
    if leave.start_time is None or leave.end_time is None:
        return ""
    text = f"{leave.start_time:%H:%M}–{leave.end_time:%H:%M}"
    member_zone = zone_named(zone)
    if member_zone is None or leave.start_date is None:
        return text
    at = dt.datetime.combine(leave.start_date, leave.start_time, tzinfo=member_zone)
    if same_clock(member_zone, timezone.get_current_timezone(), at):
        return text
    city = member_zone.key.rsplit("/", 1)[-1].replace("_", " ")
    return f"{text} {city} time"


def leave_dates_text(leave: Leave, *, today: dt.date | None = None, zone: str | None = None) -> str:
    """'Mon 3 – Wed 5 Mar', 'Tue 4 Mar (first half)', 'Tue 4 Mar, 09:00–13:00 Tokyo time'.

    `zone` is the member's (see `hours_text`)."""
    start, end = leave.start_date, leave_end(leave)
    if start is None:
        return "Dates unknown"
    today = today or dt.date.today()
    show_year = start.year != today.year or (end is not None and end.year != today.year)
    if leave.is_hour_based and leave.start_time and leave.end_time:
        return f"{_day(start, year=show_year)}, {hours_text(leave, zone)}"
    if end is None or end == start:
        text = _day(start, year=show_year)
        return (
            f"{text} ({LeavePeriod(leave.leave_period).label.lower()})"
            if leave.is_half_day
            else text
        )
    if start.year == end.year and start.month == end.month:
        first = f"{start:%a} {start.day}"
    else:
        first = _day(start, year=show_year and start.year != end.year)
    return f"{first} – {_day(end, year=show_year)}"


def working_days(start: dt.date, end: dt.date, holidays: dict[dt.date, str]) -> int:
    """Weekdays from start to end inclusive that are not public holidays."""
    days = 0
    day = start
    while day <= end:
        if day.weekday() < 5 and day not in holidays:
            days += 1
        day += dt.timedelta(days=1)
    return days


def _number(value: float) -> str:
    return f"{value:g}"


@dataclass(frozen=True)
class Duration:
    """How long a leave is, and which public holidays fall inside it."""

    text: str
    holidays: tuple[str, ...] = ()

    @property
    def note(self) -> str:
        """'includes 1 public holiday (Good Friday)' or ''."""
        if not self.holidays:
            return ""
        count = len(self.holidays)
        plural = "s" if count != 1 else ""
        return f"includes {count} public holiday{plural} ({', '.join(self.holidays)})"


@dataclass(frozen=True)
class Amount:
    """How much leave, as a number and its unit ("days" or "hours"); None when unknown."""

    unit: str
    value: float | None


def leave_amount(
    leave: Leave, policy: Policy | None, holidays: dict[dt.date, str] | None = None
) -> Amount:
    """The amount as WebWork reports it, else computed (working days, or the hours between)."""
    hour_based = leave.is_hour_based or (policy is not None and policy.is_hour_based)
    if hour_based:
        hours = leave.total_hours
        if hours is None and leave.start_time and leave.end_time:
            minutes = (
                dt.datetime.combine(dt.date.min, leave.end_time)
                - dt.datetime.combine(dt.date.min, leave.start_time)
            ).total_seconds() / 60
            hours = max(minutes, 0) / 60
        if hours is not None:
            return Amount("hours", hours)
    days = leave.total_days
    start, end = leave.start_date, leave_end(leave)
    if days is None and start and end:
        days = 0.5 if leave.is_half_day else working_days(start, end, holidays or {})
    return Amount("days", days)


def leave_duration(
    leave: Leave, policy: Policy | None, holidays: dict[dt.date, str] | None = None
) -> Duration:
    """Duration as WebWork reports it, else computed; public holidays inside are noted."""
    holidays = holidays or {}
    start, end = leave.start_date, leave_end(leave)
    inside: tuple[str, ...] = ()
    if start and end:
        inside = tuple(
            name
            for day, name in sorted(holidays.items())
            if start <= day <= end and day.weekday() < 5
        )
    amount = leave_amount(leave, policy, holidays)
    if amount.value is None:
        return Duration("—", inside)
    unit = amount.unit if amount.value != 1 else amount.unit[:-1]
    return Duration(f"{_number(amount.value)} {unit}", inside)


def waited_text(created_at: dt.datetime | None, now: dt.datetime) -> str:
    """'2 hours', '3 days', '5 weeks' since the request was made."""
    if created_at is None:
        return "—"
    seconds = max((now - created_at).total_seconds(), 0)
    if seconds < 3600:
        minutes = int(seconds // 60)
        return f"{minutes} min" if minutes else "just now"
    if seconds < 86400:
        hours = int(seconds // 3600)
        return f"{hours} hour{'s' if hours != 1 else ''}"
    days = int(seconds // 86400)
    if days < 21:
        return f"{days} day{'s' if days != 1 else ''}"
    weeks = days // 7
    return f"{weeks} weeks"

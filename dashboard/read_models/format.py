"""How leaves read on screen: dates, half days and hours, durations with holidays noted."""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache

from django.utils import timezone
from django.utils.formats import date_format, get_format, number_format
from django.utils.translation import get_language, gettext, ngettext, pgettext

from dashboard.dates import week_bounds
from dashboard.webwork import Leave, LeavePeriod, Policy
from dashboard.zones import same_clock, zone_named


@lru_cache(maxsize=8192)
def _date_written(d: dt.date, fmt: str, language: str | None) -> str:
    """`d` in the format `fmt`, in `language` (the active one: part of the key only). A page
    writes hundreds of dates, mostly the same few: formatting each once per language pays."""
    return date_format(d, fmt)


def date_text(d: dt.date, fmt: str) -> str:
    """`d` as `fmt` (a Django date format) writes it in the active language."""
    return _date_written(d, fmt, get_language())


def day_text(d: dt.date, *, year: bool = False) -> str:
    """'Sat 5 Dec', or 'Tue 4 Mar 2027': in the words and order of the active language."""
    if year:
        return date_text(d, pgettext("date format: weekday day month year", "D j M Y"))
    return date_text(d, pgettext("date format: weekday day month", "D j M"))


def week_of(day: dt.date) -> tuple[dt.date, dt.date]:
    """First and last day of the week of `day`, as the active language starts its weeks
    (FIRST_DAY_OF_WEEK: 0 Sunday, 1 Monday; this product's English is Monday-first)."""
    first = (int(get_format("FIRST_DAY_OF_WEEK")) - 1) % 7  # as Python counts: Monday is 0
    monday, _ = week_bounds(day)
    start = monday + dt.timedelta(days=first - (7 if day.weekday() < first else 0))
    return start, start + dt.timedelta(days=6)


# Languages whose singular covers a fraction of 0 or 1 ("0,5 jour", "1,5 jour"), as CLDR's
# plural rules say; in the others a fraction reads as plural ("0.5 days", "1,5 Tage").
FRACTION_SINGULAR_BELOW_TWO = frozenset({"fr"})


def plural_count(value: float) -> int:
    """The count that picks a plural form for `value` in the active language."""
    value = abs(value)
    if float(value).is_integer():
        return int(value)
    return int(value) if get_language() in FRACTION_SINGULAR_BELOW_TWO else 2


def number_text(value: float, places: int = 2) -> str:
    """A figure as the active language writes it, with no trailing zeros: '2.5', '2,5', '24'."""
    rounded = Decimal(f"{round(value, places):.{places}f}").normalize()
    if rounded == rounded.to_integral():
        rounded = rounded.quantize(Decimal(1))
    return number_format(rounded)


def amount_words(number: str, value: float, unit: str) -> str:
    """'4.5 days', '1 hour': `number` (already written) with its unit, singular or plural
    as `value` asks; a unit other than days or hours is shown as WebWork names it."""
    count = plural_count(value)
    if unit == "days":
        return ngettext("%(number)s day", "%(number)s days", count) % {"number": number}
    if unit == "hours":
        return ngettext("%(number)s hour", "%(number)s hours", count) % {"number": number}
    singular = unit.rstrip("s") if unit.endswith("s") else unit
    return f"{number} {singular if count == 1 else unit}"


def half_in_text(leave: Leave) -> str:
    """Which half of the day, as it reads inside a sentence ("first half"; German keeps its
    capital: "erste Hälfte" would be wrong)."""
    if leave.leave_period == LeavePeriod.SECOND_HALF:
        return pgettext("which half of a day, inside a sentence", "second half")
    return pgettext("which half of a day, inside a sentence", "first half")


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
    return gettext("%(hours)s %(city)s time") % {"hours": text, "city": city}


def leave_dates_text(leave: Leave, *, today: dt.date | None = None, zone: str | None = None) -> str:
    """'Mon 3 – Wed 5 Mar', 'Tue 4 Mar (first half)', 'Tue 4 Mar, 09:00–13:00 Tokyo time'.

    `zone` is the member's (see `hours_text`). Written once per process for each set of the
    inputs below: a page writes the dates of a hundred leaves, many alike."""
    return _dates_written(
        # Only what the text depends on, so that alike leaves share one entry.
        Leave(
            id="",
            start_date=leave.start_date,
            end_date=leave.end_date,
            leave_period=leave.leave_period,
            start_time=leave.start_time if leave.is_hour_based else None,
            end_time=leave.end_time if leave.is_hour_based else None,
        ),
        (today or dt.date.today()).year,
        zone,
        timezone.get_current_timezone_name(),  # the viewer's, for hours_text
        get_language(),
    )


@lru_cache(maxsize=8192)
def _dates_written(
    leave: Leave, this_year: int, zone: str | None, viewer_zone: str, language: str | None
) -> str:
    """`leave_dates_text`; the viewer's zone and the language are part of the key only."""
    start, end = leave.start_date, leave.end_date or leave.start_date
    if start is None:
        return gettext("Dates unknown")
    show_year = start.year != this_year or (end is not None and end.year != this_year)
    if leave.is_hour_based and leave.start_time and leave.end_time:
        return pgettext("a day and the hours of a leave", "%(day)s, %(hours)s") % {
            "day": day_text(start, year=show_year),
            "hours": hours_text(leave, zone),
        }
    if end is None or end == start:
        text = day_text(start, year=show_year)
        if not leave.is_half_day:
            return text
        return pgettext("a day and which half of it", "%(day)s (%(half)s)") % {
            "day": text,
            "half": half_in_text(leave),
        }
    if start.year == end.year and start.month == end.month:
        first = date_text(
            start, pgettext("date format: weekday day, a range's first day in its month", "D j")
        )
    else:
        first = day_text(start, year=show_year and start.year != end.year)
    return pgettext("a range of days", "%(first)s – %(last)s") % {
        "first": first,
        "last": day_text(end, year=show_year),
    }


def working_days(start: dt.date, end: dt.date, holidays: dict[dt.date, str]) -> int:
    """Weekdays from start to end inclusive that are not public holidays."""
    days = 0
    day = start
    while day <= end:
        if day.weekday() < 5 and day not in holidays:
            days += 1
        day += dt.timedelta(days=1)
    return days


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
        return ngettext(
            "includes %(count)s public holiday (%(names)s)",
            "includes %(count)s public holidays (%(names)s)",
            count,
        ) % {"count": count, "names": ", ".join(self.holidays)}


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
    return Duration(amount_words(number_text(amount.value), amount.value, amount.unit), inside)


def waited_text(created_at: dt.datetime | None, now: dt.datetime) -> str:
    """'2 hours', '3 days', '5 weeks' since the request was made."""
    if created_at is None:
        return "—"
    seconds = max((now - created_at).total_seconds(), 0)
    if seconds < 3600:
        minutes = int(seconds // 60)
        if not minutes:
            return gettext("just now")
        return ngettext("%(count)s min", "%(count)s min", minutes) % {"count": minutes}
    if seconds < 86400:
        hours = int(seconds // 3600)
        return ngettext("%(count)s hour", "%(count)s hours", hours) % {"count": hours}
    days = int(seconds // 86400)
    if days < 21:
        return ngettext("%(count)s day", "%(count)s days", days) % {"count": days}
    weeks = days // 7
    return ngettext("%(count)s week", "%(count)s weeks", weeks) % {"count": weeks}

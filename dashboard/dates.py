"""Calendar arithmetic shared by every page: months, weeks and years as their first and last days.

Plain `datetime.date` in, plain `datetime.date` out; nothing here knows about leaves or WebWork.
"""

import datetime as dt


def add_months(day: dt.date, months: int) -> dt.date:
    """The first day of the month `months` after (or before) the month of `day`."""
    index = month_index(day) + months
    return dt.date(index // 12, index % 12 + 1, 1)


def month_index(day: dt.date) -> int:
    """Months since year 0: two dates' indexes differ by the months between them."""
    return day.year * 12 + day.month - 1


def month_bounds(year: int, month: int) -> tuple[dt.date, dt.date]:
    """First and last day of a month."""
    first = dt.date(year, month, 1)
    return first, add_months(first, 1) - dt.timedelta(days=1)


def week_bounds(day: dt.date) -> tuple[dt.date, dt.date]:
    """Monday and Sunday of the week of `day`."""
    monday = day - dt.timedelta(days=day.weekday())
    return monday, monday + dt.timedelta(days=6)


def year_bounds(day: dt.date) -> tuple[dt.date, dt.date]:
    """1 January and 31 December of the year of `day`."""
    return dt.date(day.year, 1, 1), dt.date(day.year, 12, 31)


def parse_month(raw: str | None, today: dt.date) -> dt.date:
    """`YYYY-MM` to its first day; anything else is the current month."""
    return month_or_none(raw) or today.replace(day=1)


def month_or_none(raw: str | None) -> dt.date | None:
    """`YYYY-MM` (years 1900 to 2200) to its first day, else None."""
    try:
        year, month = (int(part) for part in (raw or "").split("-"))
        if 1900 <= year <= 2200:
            return dt.date(year, month, 1)
    except ValueError:
        pass
    return None

"""What the requests list shows when no dates or member are chosen (its default window)."""

import datetime as dt

from dashboard.read_models.leaves import default_window


def window() -> tuple[dt.date, dt.date]:
    """The first and last day the unfiltered list covers."""
    return default_window(dt.date.today())


def in_window(leaves: list[dict]) -> list[dict]:
    """The sandbox leaves that list shows: those overlapping `window()`."""
    start, end = (day.isoformat() for day in window())
    return [
        lv
        for lv in leaves
        if (lv.get("end_date") or lv["start_date"]) >= start and lv["start_date"] <= end
    ]

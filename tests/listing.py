"""What the requests list shows when no dates or member are chosen (its default window)."""

import datetime as dt

from dashboard.read_models.leaves import DEFAULT_WINDOW_DAYS


def window_start() -> dt.date:
    """The first day the unfiltered list covers."""
    return (dt.date.today() - dt.timedelta(days=DEFAULT_WINDOW_DAYS)).replace(day=1)


def in_window(leaves: list[dict]) -> list[dict]:
    """The sandbox leaves that list shows: those ending on `window_start()` or later."""
    start = window_start().isoformat()
    return [lv for lv in leaves if (lv.get("end_date") or lv["start_date"]) >= start]

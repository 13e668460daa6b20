"""What the requests list shows when no dates or member are chosen (its default window)."""

import datetime as dt

from dashboard.read_models.leaves import default_window
from dashboard.selectors.zones import workspace_zone_peek
from dashboard.zones import today_in


def window(workspace_id: int = 1) -> tuple[dt.date, dt.date]:
    """The first and last day the unfiltered list covers: around today in the workspace's zone
    (the zone most of its members have: known once a page has read the members)."""
    return default_window(today_in(workspace_zone_peek(workspace_id=workspace_id)))


def in_window(leaves: list[dict]) -> list[dict]:
    """The sandbox leaves that list shows: those overlapping `window()`."""
    start, end = (day.isoformat() for day in window())
    return [
        lv
        for lv in leaves
        if (lv.get("end_date") or lv["start_date"]) >= start and lv["start_date"] <= end
    ]

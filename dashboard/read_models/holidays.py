"""Public holidays of a workspace: WebWork has none, so each workspace picks a country here."""

import datetime as dt
from functools import lru_cache

import holidays as holiday_calendars

from dashboard.models import WorkspaceSettings


@lru_cache(maxsize=256)
def _calendar(country: str, subdivision: str, year: int) -> dict[dt.date, str]:
    try:
        found = holiday_calendars.country_holidays(country, subdiv=subdivision or None, years=year)
    except (NotImplementedError, KeyError, ValueError):
        return {}
    return dict(found.items())


def holiday_region(*, workspace_id: int) -> tuple[str, str]:
    """The (country, subdivision) chosen for the workspace, or ("", "")."""
    row = (
        WorkspaceSettings.objects.filter(workspace_id=workspace_id)
        .values_list("holiday_country", "holiday_subdivision")
        .first()
    )
    return row or ("", "")


def holidays_between(region: tuple[str, str], start: dt.date, end: dt.date) -> dict[dt.date, str]:
    """Holidays of the region from start to end inclusive."""
    country, subdivision = region
    if not country:
        return {}
    found: dict[dt.date, str] = {}
    for year in range(start.year, end.year + 1):
        for day, name in _calendar(country, subdivision, year).items():
            if start <= day <= end:
                found[day] = name
    return found

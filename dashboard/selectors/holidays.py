"""Public holidays of a workspace: WebWork has none, so each workspace picks a country here.

A selector like the others: the region is read from our own table through the cache, and the
holidays themselves come from the `holidays` package, computed once per region and year.
"""

import datetime as dt
from functools import lru_cache

import holidays as holiday_calendars

from dashboard.models import WorkspaceSettings
from dashboard.platform.cache import cache_delete, cache_peek, cache_put, workspace_key

REGION_KEEP_FOR = 60 * 60


@lru_cache(maxsize=256)
def _calendar(country: str, subdivision: str, year: int) -> dict[dt.date, str]:
    try:
        found = holiday_calendars.country_holidays(country, subdiv=subdivision or None, years=year)
    except (NotImplementedError, KeyError, ValueError):
        return {}
    return dict(found.items())


def _region_key(workspace_id: int) -> str:
    return workspace_key(workspace_id, "holiday-region")


def holiday_region(*, workspace_id: int) -> tuple[str, str]:
    """The (country, subdivision) chosen for the workspace, or ("", "").

    Every calendar and inbox view needs it, so it is cached; saving the settings forgets it.
    """
    cached = cache_peek(_region_key(workspace_id))
    if cached is not None:
        return cached.value
    row = (
        WorkspaceSettings.objects.filter(workspace_id=workspace_id)
        .values_list("holiday_country", "holiday_subdivision")
        .first()
    )
    region = tuple(row) if row else ("", "")
    cache_put(_region_key(workspace_id), region, keep_for=REGION_KEEP_FOR)
    return region


def holiday_region_forget(*, workspace_id: int) -> None:
    """The workspace's holiday settings changed: read them afresh next time."""
    cache_delete(_region_key(workspace_id))


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

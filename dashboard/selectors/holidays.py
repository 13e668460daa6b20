"""Public holidays: WebWork has none, so a workspace picks a country here, and a team or a
member may have their own (a member's wins over their team's, which wins over the workspace's).

A selector like the others: regions are read from our own tables through the cache, and the
holidays themselves come from the `holidays` package, computed once per region and year.
"""

import datetime as dt
from dataclasses import dataclass, field
from functools import lru_cache

import holidays as holiday_calendars
from django.conf import settings
from django.utils.translation import get_language

from dashboard.models import HolidayRegionOverride, WorkspaceSettings
from dashboard.platform.cache import cache_delete, cache_peek, cache_put, workspace_key
from dashboard.webwork import Member

Region = tuple[str, str]  # (ISO country code, subdivision code or "")

REGION_KEEP_FOR = 60 * 60


@lru_cache(maxsize=256)
def _calendar(
    country: str, subdivision: str, year: int, language: str | None
) -> dict[dt.date, str]:
    try:
        found = holiday_calendars.country_holidays(
            country, subdiv=subdivision or None, years=year, language=language
        )
    except (NotImplementedError, KeyError, ValueError):
        return {}
    return dict(found.items())


def _names_language() -> str | None:
    """The language holiday names are read in: the page's where the `holidays` package has it
    for the country (else the country's own); English pages keep each country's own names."""
    language = get_language() or settings.LANGUAGE_CODE
    return None if language == settings.LANGUAGE_CODE else language


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
    cache_delete(_overrides_key(workspace_id))


@dataclass(frozen=True)
class HolidayRegions:
    """Each member's holiday region: their own, else their team's, else the workspace's."""

    workspace: Region
    teams: dict[str, Region] = field(default_factory=dict)
    members: dict[int, Region] = field(default_factory=dict)

    def for_member(self, member: Member | None) -> Region:
        """The region whose holidays the member has off."""
        if member is None:
            return self.workspace
        return (
            self.members.get(member.id) or self.teams.get(member.team_name or "") or self.workspace
        )

    def differs(self, member: Member | None) -> bool:
        """True when the member's holidays are not the workspace's."""
        return self.for_member(member) != self.workspace


def _overrides_key(workspace_id: int) -> str:
    return workspace_key(workspace_id, "holiday-overrides")


def holiday_regions(*, workspace_id: int) -> HolidayRegions:
    """The workspace's region with its teams' and members' own (cached like the region)."""
    cached = cache_peek(_overrides_key(workspace_id))
    if cached is None:
        rows = HolidayRegionOverride.objects.filter(workspace_id=workspace_id).values_list(
            "scope", "key", "country", "subdivision"
        )
        cached = cache_put(_overrides_key(workspace_id), list(rows), keep_for=REGION_KEEP_FOR)
    scopes = HolidayRegionOverride.Scope
    teams = {key: (c, s) for scope, key, c, s in cached.value if scope == scopes.TEAM}
    members = {
        int(key): (c, s)
        for scope, key, c, s in cached.value
        if scope == scopes.MEMBER and key.isdigit()
    }
    return HolidayRegions(holiday_region(workspace_id=workspace_id), teams, members)


def holidays_between(region: tuple[str, str], start: dt.date, end: dt.date) -> dict[dt.date, str]:
    """Holidays of the region from start to end inclusive."""
    country, subdivision = region
    if not country:
        return {}
    found: dict[dt.date, str] = {}
    for year in range(start.year, end.year + 1):
        for day, name in _calendar(country, subdivision, year, _names_language()).items():
            if start <= day <= end:
                found[day] = name
    return found

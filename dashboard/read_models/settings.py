"""The settings page: the workspace's holidays and zone, teams' and members' own holidays."""

from dataclasses import dataclass, field

from dashboard.models import HolidayRegionOverride
from dashboard.read_models.lookup import member_fallback_name
from dashboard.selectors import member_list
from dashboard.selectors.coverage import team_sizes
from dashboard.selectors.zones import members_zone
from dashboard.webwork import Member, WebWorkError
from dashboard.zones import most_used_country


@dataclass(frozen=True)
class RegionRow:
    """A team or member with holidays of their own."""

    id: int
    scope: str
    name: str
    country: str
    subdivision: str


@dataclass(kw_only=True)
class SettingsPage:
    """What the settings page offers and shows."""

    members: list[Member] = field(default_factory=list)
    teams: list[str] = field(default_factory=list)
    members_zone: str | None = None
    proposed_country: str | None = None  # from the zones members have in WebWork
    regions: list[RegionRow] = field(default_factory=list)
    # Active members per team, for coverage minimums; None when WebWork can't list members now.
    team_sizes: dict[str, int] | None = None


def settings_page_get(*, user_id: int, workspace_id: int) -> SettingsPage:
    """The page's data; with WebWork failing and nothing cached, no members to choose from."""
    try:
        members = list(member_list(user_id=user_id, workspace_id=workspace_id).value)
        sizes = team_sizes(members)
    except WebWorkError:
        members, sizes = [], None
    active = sorted(
        (m for m in members if (m.status or "active") == "active"),
        key=lambda m: m.full_name.casefold(),
    )
    names = {str(m.id): m.full_name for m in members}

    def named(key: str) -> str:
        return names[key] if key in names else member_fallback_name(key)

    rows = [
        RegionRow(
            id=row.pk,
            scope=row.scope,
            name=row.key if row.scope == HolidayRegionOverride.Scope.TEAM else named(row.key),
            country=row.country,
            subdivision=row.subdivision,
        )
        for row in HolidayRegionOverride.objects.filter(workspace_id=workspace_id)
    ]
    return SettingsPage(
        members=active,
        teams=sorted({m.team_name for m in active if m.team_name}, key=str.casefold),
        members_zone=members_zone(members),
        proposed_country=most_used_country(m.timezone for m in active),
        regions=rows,
        team_sizes=sizes,
    )

"""Writes about public holidays: a team's or a member's own region."""

from dashboard.models import HolidayRegionOverride
from dashboard.selectors import holiday_region_forget


def holiday_region_override_save(
    *, workspace_id: int, scope: str, key: str, country: str, subdivision: str
) -> HolidayRegionOverride:
    """Give a team or a member their own holiday region (replacing one they had)."""
    row, _ = HolidayRegionOverride.objects.update_or_create(
        workspace_id=workspace_id,
        scope=scope,
        key=key[:200],
        defaults={"country": country, "subdivision": subdivision},
    )
    holiday_region_forget(workspace_id=workspace_id)
    return row


def holiday_region_override_delete(*, workspace_id: int, override_id: int) -> bool:
    """Back to the team's or the workspace's holidays; False when there was nothing to delete."""
    deleted, _ = HolidayRegionOverride.objects.filter(
        workspace_id=workspace_id, pk=override_id
    ).delete()
    holiday_region_forget(workspace_id=workspace_id)
    return deleted > 0

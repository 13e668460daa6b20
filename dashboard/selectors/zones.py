"""Which time zone a workspace counts its days in, and which one a person reads times in.

One rule for "today" everywhere (`workspace_today`): the inbox's "Out today", "this week",
the calendar's today marker, the requests list's window and the feeds all take their date
from it, so two pages can never disagree about what day it is.

- A workspace's reference zone is its setting, else the zone most of its members have in
  WebWork, else the server's `TIME_ZONE`.
- A person's zone is the one they chose, else WebWork's for their member record (kept at
  sign-in), else the reference zone of the workspace they look at.
"""

import datetime as dt
import logging
import zoneinfo
from functools import lru_cache

from django.conf import settings
from django.utils import timezone

from dashboard.models import UserPreference, WorkspaceSettings
from dashboard.platform.cache import cache_delete, cache_peek, cache_put, workspace_key
from dashboard.selectors.readers import member_list_peek
from dashboard.webwork import Member
from dashboard.zones import most_used_zone, today_in, zone_named

logger = logging.getLogger(__name__)

SETTING_KEEP_FOR = 60 * 60


def _setting_key(workspace_id: int) -> str:
    return workspace_key(workspace_id, "reference-zone")


def reference_zone_setting(*, workspace_id: int) -> str:
    """The zone the workspace's settings name ("" for "the zone most members use"); cached."""
    cached = cache_peek(_setting_key(workspace_id))
    if cached is not None:
        return cached.value
    name = (
        WorkspaceSettings.objects.filter(workspace_id=workspace_id)
        .values_list("reference_timezone", flat=True)
        .first()
    ) or ""
    cache_put(_setting_key(workspace_id), name, keep_for=SETTING_KEEP_FOR)
    return name


def reference_zone_forget(*, workspace_id: int) -> None:
    """The workspace's settings changed: read the zone afresh next time."""
    cache_delete(_setting_key(workspace_id))


def members_zone(members: list[Member] | None) -> str | None:
    """The zone most active members have in WebWork (None when no one has a known one)."""
    return most_used_zone(m.timezone for m in members or () if (m.status or "active") == "active")


def _server_zone() -> zoneinfo.ZoneInfo:
    return zone_named(settings.TIME_ZONE) or zoneinfo.ZoneInfo("UTC")


def workspace_zone(*, workspace_id: int) -> zoneinfo.ZoneInfo:
    """The zone the workspace's days are counted in, from our own table and the cache only.

    Never a WebWork call: pages read the members anyway, beside their other reads, and asking
    first would double what a failing WebWork is sent. Until the members have been read once
    (the worker keeps them cached), a workspace without a setting counts in the zone of the
    person looking (usually the team's), else `TIME_ZONE`.
    """
    chosen = zone_named(reference_zone_setting(workspace_id=workspace_id))
    if chosen is not None:
        return chosen
    members = member_list_peek(workspace_id=workspace_id)
    usual = zone_named(members_zone(members.value if members else None))
    return usual or zone_named(timezone.get_current_timezone_name()) or _server_zone()


def workspace_today(*, workspace_id: int, now: dt.datetime | None = None) -> dt.date:
    """Today in the workspace's reference zone: the one "today" every page uses."""
    return today_in(workspace_zone(workspace_id=workspace_id), now)


@lru_cache(maxsize=256)
def _note_unknown_zone(name: str) -> None:
    """Say once per process that WebWork sent a zone nobody knows (it would repeat per page)."""
    logger.warning("unknown time zone from WebWork, using the workspace's", extra={"zone": name})


def viewer_zone(*, user_id: int) -> zoneinfo.ZoneInfo | None:
    """The zone the person reads times in: theirs if they chose one, else WebWork's, else None."""
    row = (
        UserPreference.objects.filter(user_id=user_id)
        .values_list("timezone", "webwork_timezone")
        .first()
    )
    chosen, from_webwork = row or ("", "")
    zone = zone_named(chosen) or zone_named(from_webwork)
    if zone is None and from_webwork.strip():
        _note_unknown_zone(from_webwork.strip()[:64])
    return zone

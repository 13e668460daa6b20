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

from dashboard.models import UserPreference, WorkspaceSettings
from dashboard.platform.cache import cache_delete, cache_peek, cache_put, workspace_key
from dashboard.selectors.readers import member_list
from dashboard.webwork import Member, WebWorkError
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


def members_zone_get(*, user_id: int, workspace_id: int) -> str | None:
    """The zone most of the workspace's members use (None when unknown or WebWork is down)."""
    try:
        return members_zone(member_list(user_id=user_id, workspace_id=workspace_id).value)
    except WebWorkError:
        return None


def _server_zone() -> zoneinfo.ZoneInfo:
    return zone_named(settings.TIME_ZONE) or zoneinfo.ZoneInfo("UTC")


def workspace_zone(*, user_id: int, workspace_id: int) -> zoneinfo.ZoneInfo:
    """The zone the workspace's days are counted in (reads the cached member list if needed)."""
    chosen = zone_named(reference_zone_setting(workspace_id=workspace_id))
    if chosen is not None:
        return chosen
    usual = members_zone_get(user_id=user_id, workspace_id=workspace_id)
    return zone_named(usual) or _server_zone()


def workspace_zone_peek(*, workspace_id: int) -> zoneinfo.ZoneInfo:
    """`workspace_zone` from our own table and the cache only: never a WebWork call."""
    chosen = zone_named(reference_zone_setting(workspace_id=workspace_id))
    if chosen is not None:
        return chosen
    members = cache_peek(workspace_key(workspace_id, "members"))
    return zone_named(members_zone(members.value if members else None)) or _server_zone()


def workspace_today_peek(*, workspace_id: int) -> dt.date:
    """`workspace_today` from our own table and the cache only: never a WebWork call (calendar
    feeds and the read model's sync, which must not spend a person's calls on it)."""
    return today_in(workspace_zone_peek(workspace_id=workspace_id))


def workspace_today(*, user_id: int, workspace_id: int, now: dt.datetime | None = None) -> dt.date:
    """Today in the workspace's reference zone: the one "today" every page uses."""
    return today_in(workspace_zone(user_id=user_id, workspace_id=workspace_id), now)


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

"""What calendar feeds read: a workspace's leave window, the feed of a token, its owner's access.

A feed is read by calendar clients, many times a day and by any number of subscribers, so it
never reads WebWork per subscriber or per feed: every feed of a workspace is drawn from one
cached list of the leaves of the window (3 months back, 12 ahead), fetched with one list call
(its pages fanned out in parallel) and kept fresh by the worker's refresh cycle.
"""

import datetime as dt
import hashlib

from django.contrib.auth import get_user_model

from dashboard.dates import add_months
from dashboard.models import CalendarFeed
from dashboard.platform.cache import Cached, cache_peek, cached_fetch, workspace_key
from dashboard.selectors.access import workspace_list_for_user
from dashboard.selectors.parallel import page_client
from dashboard.selectors.readers import DAY, MINUTE
from dashboard.webwork import Leave, WebWorkError, Workspace

MONTHS_BACK = 3
MONTHS_AHEAD = 12
WINDOW_FRESH_FOR = 30 * MINUTE
WINDOW_KEEP_FOR = 2 * DAY


def _scope(user_id: int) -> str:
    """The breaker's scope: WebWork's rate limit is per person (as in `readers`)."""
    return f"user:{user_id}"


def feed_window(today: dt.date) -> tuple[dt.date, dt.date]:
    """First and last day a feed covers: whole months, 3 back and 12 ahead of this one."""
    first = add_months(today, -MONTHS_BACK)
    last = add_months(today, MONTHS_AHEAD + 1) - dt.timedelta(days=1)
    return first, last


def leave_list_for_window(
    *, user_id: int, workspace_id: int, today: dt.date, force: bool = False
) -> Cached[list[Leave]]:
    """Every leave overlapping the feed window (all statuses), shared by all feeds of it."""
    first, last = feed_window(today)

    def fetch() -> list[Leave]:
        return list(
            page_client(user_id).iter_leaves(
                workspace_id=workspace_id, date_from=first, date_to=last
            )
        )

    try:
        return cached_fetch(
            workspace_key(workspace_id, "window", first.isoformat()),
            fetch,
            fresh_for=WINDOW_FRESH_FOR,
            keep_for=WINDOW_KEEP_FOR,
            breaker_scope=_scope(user_id),
            force=force,
        )
    except WebWorkError:
        # On the first of a month the window moves on. With WebWork failing then, last month's
        # window (all but its newest month) is better than no feed at all.
        previous = cache_peek(
            workspace_key(workspace_id, "window", add_months(first, -1).isoformat())
        )
        if previous is None:
            raise
        return previous


def window_age(*, workspace_id: int, today: dt.date) -> float | None:
    """Seconds since the workspace's window was fetched, or None when it is not cached."""
    entry = cache_peek(workspace_key(workspace_id, "window", feed_window(today)[0].isoformat()))
    return entry.age_seconds if entry is not None else None


def feed_token_hash(token: str) -> str:
    """How a feed token is stored: SHA-256, hex (tokens carry 256 random bits)."""
    return hashlib.sha256(token.encode()).hexdigest()


def feed_by_token(token: str) -> CalendarFeed | None:
    """The feed this secret token opens, or None (unknown, regenerated or deleted)."""
    return (
        CalendarFeed.objects.select_related("owner")
        .filter(token_hash=feed_token_hash(token), owner__is_active=True)
        .first()
    )


def feed_list_for_user(*, user_id: int, workspace_id: int) -> list[CalendarFeed]:
    """The person's feeds of one workspace, oldest first."""
    return list(CalendarFeed.objects.filter(owner_id=user_id, workspace_id=workspace_id))


def feed_owner_workspace(*, user_id: int, workspace_id: int) -> Workspace | None:
    """The workspace, if the feed's owner still manages it by their own WebWork token.

    The owner's list of workspaces is trusted as pages trust it (`ACCESS_RECHECK_SECONDS`);
    past that it is read again, which costs one call, and WebWork failing raises: a feed whose
    owner's access cannot be confirmed is not served. Raises ReauthRequired when the owner's
    token is gone.
    """
    workspaces = workspace_list_for_user(user=get_user_model()(pk=user_id))
    return next((w for w in workspaces if w.id == workspace_id), None)


def feed_owner_ids(*, workspace_id: int | None = None) -> list[int]:
    """Active people who own at least one feed (of one workspace, when given)."""
    rows = CalendarFeed.objects.filter(owner__is_active=True)
    if workspace_id is not None:
        rows = rows.filter(workspace_id=workspace_id)
    return sorted(set(rows.values_list("owner_id", flat=True)))


def feed_workspace_ids() -> list[int]:
    """Workspaces that have at least one feed."""
    return sorted(set(CalendarFeed.objects.values_list("workspace_id", flat=True)))

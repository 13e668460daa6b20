"""What calendar feeds read: a workspace's leave window, the feed of a token, its owner's access.

A feed is read by calendar clients, many times a day and by any number of subscribers, so it
never reads WebWork for its data: every feed of a workspace is drawn from the workspace's read
model (`workspace_dataset`: the leaves of the window, 3 months back and 12 ahead, members and
policies), which the worker keeps in step within its share of the budget. The only call a feed
read can cost is its owner's access check, when the owner's list of workspaces is old.
"""

import datetime as dt
import hashlib

from django.contrib.auth import get_user_model

from dashboard.models import CalendarFeed
from dashboard.platform.cache import Cached, cache_peek, workspace_key
from dashboard.selectors.access import workspace_list_for_user
from dashboard.selectors.readers import MINUTE, member_list_peek
from dashboard.selectors.workspace_dataset import dataset_window, dataset_window_peek
from dashboard.webwork import Leave, Member, Policy, Unavailable, Workspace

# How long a rendered feed is kept (a new dataset stamp is a new key anyway).
WINDOW_FRESH_FOR = 30 * MINUTE


def feed_window(today: dt.date) -> tuple[dt.date, dt.date]:
    """First and last day a feed covers: the read model's window, 3 months back, 12 ahead."""
    return dataset_window(today)


def _not_ready() -> Unavailable:
    return Unavailable(
        "The workspace's leave is still being gathered; try again in a few minutes.",
        request_sent=False,
    )


def leave_list_for_window(
    *, workspace_id: int, today: dt.date
) -> tuple[Cached[list[Leave]], tuple]:
    """Every leave overlapping the feed window (all statuses), from the workspace's read model:
    never read from WebWork here (the worker keeps the model), so feeds cost no call whatever
    the number of subscribers. With the stamps of its parts; raises Unavailable while the
    model lacks a month of it."""
    window = dataset_window_peek(workspace_id=workspace_id, today=today)
    if window is None:
        raise _not_ready()
    return window


def feed_names(*, workspace_id: int) -> tuple[Cached[list[Member]], Cached[list[Policy]]]:
    """Members and policies as the read model holds them (never read here; Unavailable when
    it holds none yet)."""
    members = member_list_peek(workspace_id=workspace_id)
    policies = cache_peek(workspace_key(workspace_id, "policies"))
    if members is None or policies is None:
        raise _not_ready()
    return members, policies


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

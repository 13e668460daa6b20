"""The pending list, oldest first, and what pages learn from it without asking WebWork.

Every page's navigation shows how many requests wait; that count, and a leave the inbox shows,
are read from the cache only (with our recent decisions applied), never fetched.
"""

import datetime as dt
from dataclasses import replace

from dashboard.platform.cache import Cached, cache_peek, cache_put, workspace_key
from dashboard.selectors.overlay import CLOCK_MARGIN, leave_overrides
from dashboard.selectors.readers import LEAVES_KEEP_FOR, LeaveQuery, leave_list, leave_list_key
from dashboard.selectors.shapes import PENDING_SHAPE
from dashboard.webwork import Leave, LeaveStatus

PENDING = LeaveQuery(status=LeaveStatus.PENDING)


def leave_list_pending(
    *, user_id: int, workspace_id: int, force: bool = False
) -> Cached[list[Leave]]:
    """Pending requests, oldest first (before our own recent decisions are applied)."""
    entry = leave_list(
        user_id=user_id, workspace_id=workspace_id, query=PENDING, force=force, shape=PENDING_SHAPE
    )
    _remember_pending_ids(workspace_id, entry)
    return replace(entry, value=sorted(entry.value, key=created_order))


def _remember_pending_ids(workspace_id: int, entry: Cached[list[Leave]]) -> Cached[tuple[str, ...]]:
    """Keep the ids of a pending list beside it, so that the count in every page's navigation
    reads a few kilobytes instead of unpickling hundreds of leaves."""
    key = leave_list_key(workspace_id, PENDING, "ids")
    known = cache_peek(key)
    if known is not None and known.fetched_at == entry.fetched_at:
        return known
    ids = tuple(leave.id for leave in entry.value)
    # Also under a key our own writes don't move: a request filed here starts a new data
    # version, and the navigation's count should not vanish until the next inbox visit.
    cache_put(
        _last_ids_key(workspace_id), ids, keep_for=LEAVES_KEEP_FOR, fetched_at=entry.fetched_at
    )
    return cache_put(key, ids, keep_for=LEAVES_KEEP_FOR, fetched_at=entry.fetched_at)


def _last_ids_key(workspace_id: int) -> str:
    return workspace_key(workspace_id, "pending-ids-last")


def pending_peek(*, workspace_id: int) -> Cached[list[Leave]] | None:
    """The pending list as held (before our decisions are applied), without asking WebWork."""
    return cache_peek(leave_list_key(workspace_id, PENDING))


def _pending_ids_peek(workspace_id: int) -> Cached[tuple[str, ...]] | None:
    """The ids of the cached pending list, and when it was fetched (None when not cached)."""
    ids_entry = cache_peek(leave_list_key(workspace_id, PENDING, "ids"))
    if ids_entry is not None:
        return ids_entry
    entry = pending_peek(workspace_id=workspace_id)
    return _remember_pending_ids(workspace_id, entry) if entry is not None else None


def _last_pending_ids_peek(workspace_id: int) -> Cached[tuple[str, ...]] | None:
    """The pending ids as last fetched, whatever data version they were fetched under."""
    return _pending_ids_peek(workspace_id) or cache_peek(_last_ids_key(workspace_id))


def created_order(leave: Leave) -> tuple:
    """Oldest request first; unknown creation times last."""
    created = leave.created_at or dt.datetime.max.replace(tzinfo=dt.UTC)
    return (created, leave.start_date or dt.date.max, leave.id)


def pending_count_peek(*, workspace_id: int) -> int | None:
    """How many requests are pending, from the cache only (None when never cached).

    After our own write (a new data version) it is the count last fetched, with our decisions
    applied: a request filed here shows once the pending list is next read."""
    ids = _last_pending_ids_peek(workspace_id)
    if ids is None:
        return None
    overrides = leave_overrides(workspace_id=workspace_id)
    return sum(
        1
        for leave_id in ids.value
        if leave_id not in overrides or not overrides[leave_id].newer_than(ids.fetched_at)
    )


def leave_pending_again(*, workspace_id: int, leave_id: str, since: dt.datetime) -> bool:
    """Whether a pending list WebWork gave after `since` (a decision we recorded) lists the leave.

    From the cache only: what the dashboard knows without asking WebWork.
    """
    ids = _pending_ids_peek(workspace_id)
    fresher = ids is not None and ids.fetched_at >= since.timestamp() + CLOCK_MARGIN
    return fresher and leave_id in ids.value


def cached_leave_peek(*, workspace_id: int, leave_id: str) -> Leave | None:
    """A leave from the cached pending list (with our decisions applied), if it is there."""
    entry = pending_peek(workspace_id=workspace_id)
    if entry is None:
        return None
    leave = next((lv for lv in entry.value if lv.id == leave_id), None)
    if leave is None:
        return None
    override = leave_overrides(workspace_id=workspace_id).get(leave_id)
    return override.apply(leave) if override and override.newer_than(entry.fetched_at) else leave

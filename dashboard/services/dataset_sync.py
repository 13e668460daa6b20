"""Keeping a workspace's read model in step with WebWork, within a share of the budget.

Each run of the sync (the worker runs one a minute for every workspace someone is looking at,
or that has calendar feeds) renews the parts of the dataset that are due, most urgent first:
the pending list (every minute), members and policies, balances, then the months of the window,
missing ones first (this month, the next, the last, then outwards) and the rest in rotation,
stalest first. A part that is still fresh is never read. Every call goes through the person's
sync share (`SYNC_BUDGET_PER_MINUTE` in any 60 seconds, `SyncGate`), and a part is only
started when the calls it took last time fit in what is left of it, so a run stops where the
budget does and the next run carries on.
"""

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass

from dashboard.platform.cache import Cached, cache_peek, workspace_key
from dashboard.selectors import balance_list, leave_list_pending, member_list, policy_list
from dashboard.selectors.parallel import reads_through
from dashboard.selectors.pending import pending_peek
from dashboard.selectors.readers import (
    BALANCES_FRESH_FOR,
    MEMBERS_FRESH_FOR,
    POLICIES_FRESH_FOR,
    balance_window,
    member_list_peek,
)
from dashboard.selectors.workspace_dataset import (
    dataset_month,
    month_fresh_for,
    month_peek,
    part_pages,
    window_months,
)
from dashboard.selectors.zones import workspace_today
from dashboard.webwork import OverBudget, WebWorkError
from dashboard.webwork_oauth.allowance import sync_room
from dashboard.webwork_oauth.tokens import client_for_sync

logger = logging.getLogger("dashboard.sync")

# A part is renewed once this share of its freshness has passed, so pages find it fresh.
RENEW_AT = 0.6
PENDING_RENEW_AFTER = 50  # seconds: the minute's run renews it


@dataclass(frozen=True, kw_only=True)
class SyncPart:
    """One part of the dataset the run may renew."""

    name: str
    entry: Cached | None
    renew_after: float
    read: Callable[[], Cached]

    @property
    def due(self) -> bool:
        """Never read, or old enough to renew."""
        return self.entry is None or self.entry.age_seconds >= self.renew_after

    def pages(self, guess: int) -> int:
        """WebWork calls it should take: as many as last time, else `guess`."""
        return part_pages(self.entry) or guess

    @property
    def urgency(self) -> float:
        """How far past its renewal it is (never read: most urgent)."""
        return float("inf") if self.entry is None else self.entry.age_seconds / self.renew_after


def dataset_sync_plan(*, user_id: int, workspace_id: int, today: dt.date) -> list[SyncPart]:
    """The parts due, in the order the run renews them."""
    ws, user = workspace_id, user_id
    slow = [
        SyncPart(
            name="pending",
            entry=pending_peek(workspace_id=ws),
            renew_after=PENDING_RENEW_AFTER,
            read=lambda: leave_list_pending(user_id=user, workspace_id=ws, force=True),
        ),
        SyncPart(
            name="members",
            entry=member_list_peek(workspace_id=ws),
            renew_after=MEMBERS_FRESH_FOR * RENEW_AT,
            read=lambda: member_list(user_id=user, workspace_id=ws, force=True),
        ),
        SyncPart(
            name="policies",
            entry=cache_peek(workspace_key(ws, "policies")),
            renew_after=POLICIES_FRESH_FOR * RENEW_AT,
            read=lambda: policy_list(user_id=user, workspace_id=ws, force=True),
        ),
        SyncPart(
            name="balances",
            entry=cache_peek(workspace_key(ws, "balances", balance_window(today)[0].year)),
            renew_after=BALANCES_FRESH_FOR * RENEW_AT,
            read=lambda: balance_list(user_id=user, workspace_id=ws, force=True),
        ),
    ]
    months = [_month_part(user, ws, month, today) for month in _months_nearest_first(today)]
    due_months = sorted((p for p in months if p.due), key=lambda p: -p.urgency)
    return [part for part in slow if part.due] + due_months


def _month_part(user_id: int, workspace_id: int, month: tuple[int, int], today) -> SyncPart:
    return SyncPart(
        name=f"month {month[0]:04d}-{month[1]:02d}",
        entry=month_peek(workspace_id=workspace_id, month=month),
        renew_after=month_fresh_for(today, month) * RENEW_AT,
        read=lambda: dataset_month(
            user_id=user_id, workspace_id=workspace_id, month=month, today=today, force=True
        ),
    )


def _months_nearest_first(today: dt.date) -> list[tuple[int, int]]:
    """The window's months, this one first, then the next, the last, and outwards (a stable
    sort keeps that order among months equally urgent, such as those never read)."""
    here = today.year * 12 + today.month
    return sorted(window_months(today), key=lambda m: (abs(m[0] * 12 + m[1] - here), m))


def workspace_dataset_sync(
    *, user_id: int, workspace_id: int, today: dt.date | None = None
) -> list[str]:
    """Renew the parts of the workspace's dataset that are due, as far as the person's sync
    share of calls allows; returns the parts renewed. Raises non-retryable WebWork errors."""
    # The workspace's today, as its pages and feeds count it (from our table and the cache).
    today = today or workspace_today(workspace_id=workspace_id)
    plan = dataset_sync_plan(user_id=user_id, workspace_id=workspace_id, today=today)
    if not plan:
        return []
    done: list[str] = []
    guess = 1
    with reads_through(user_id, client_for_sync(user_id=user_id)):
        for part in plan:
            cost = part.pages(guess)
            if cost > sync_room(user_id=user_id):
                break
            try:
                entry = part.read()
            except OverBudget:
                break
            except WebWorkError as exc:
                if not exc.retryable:
                    raise
                entry = None
            if entry is None or entry.error is not None:
                # WebWork failing: what is held stands; the next run tries again.
                logger.info("dataset sync stopped at %s", part.name)
                break
            done.append(part.name)
            if part.name.startswith("month"):  # months never read are guessed from those read
                guess = max(guess, part_pages(entry) or 1)
    return done

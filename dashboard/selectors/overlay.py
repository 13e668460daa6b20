"""Our own recent decisions, laid over cached leave lists so they show at once on every page.

A decision made here is in our `LeaveDecision` table the moment WebWork confirms it; cached
lists learn of it only when they are refetched. Until then, this overlay applies it: only over
lists fetched before the decision. A list fetched after it already says what WebWork holds, and
if that is "pending" again (WebWork can put a decided leave back), the list is right and our
record is out of date (`services.claims` then lets a new decision through).
"""

import datetime as dt
from dataclasses import dataclass, replace

from django.utils import timezone

from dashboard.models import LeaveDecision
from dashboard.platform.cache import Cached
from dashboard.selectors.readers import LEAVES_KEEP_FOR, MINUTE
from dashboard.webwork import Leave, LeaveStatus

# Lists are fetched and decisions recorded by different processes, perhaps on different machines
# whose clocks disagree a little: a list counts as read after a decision only when it was asked
# for this much later. (WebWork putting a leave back takes a person; seconds are nothing to it.)
CLOCK_MARGIN = 5.0


@dataclass(frozen=True, kw_only=True)
class LeaveOverride:
    """A decision we made, applied over cached lists until they are refetched."""

    status: LeaveStatus
    decided_by: int | None
    decided_at: dt.datetime
    reject_reason: str | None = None

    def newer_than(self, fetched_at: float) -> bool:
        """Whether the decision may have been recorded after a list fetched at `fetched_at` was
        asked for (anything but a list asked for `CLOCK_MARGIN` later)."""
        return self.decided_at.timestamp() + CLOCK_MARGIN > fetched_at

    def apply(self, leave: Leave) -> Leave:
        """The leave as it is after our decision."""
        if self.status == LeaveStatus.APPROVED:
            return replace(
                leave,
                status=LeaveStatus.APPROVED,
                approved_by=self.decided_by,
                decided_at=self.decided_at,
            )
        return replace(
            leave,
            status=self.status,
            rejected_by=self.decided_by,
            reject_reason=self.reject_reason,
            decided_at=self.decided_at,
        )


def leave_overrides(*, workspace_id: int) -> dict[str, LeaveOverride]:
    """Recent decisions made through the dashboard, keyed by leave id (from our own table)."""
    since = timezone.now() - dt.timedelta(seconds=LEAVES_KEEP_FOR + MINUTE)
    rows = LeaveDecision.objects.filter(
        workspace_id=workspace_id, state=LeaveDecision.State.DONE, updated_at__gte=since
    ).values_list("leave_id", "result_status", "decided_by_webwork_id", "reason", "updated_at")
    return {
        leave_id: LeaveOverride(
            status=LeaveStatus(status), decided_by=by, decided_at=at, reject_reason=reason or None
        )
        for leave_id, status, by, reason, at in rows
        if status in (LeaveStatus.APPROVED, LeaveStatus.REJECTED)
    }


def leaves_with_overrides(
    entry: Cached[list[Leave]], overrides: dict[str, LeaveOverride], *, status: str | None = None
) -> list[Leave]:
    """A cached list, with our decisions made since it was fetched applied (and re-filtered)."""
    leaves = entry.value
    newer = {key: o for key, o in overrides.items() if o.newer_than(entry.fetched_at)}
    if newer:
        leaves = [newer[lv.id].apply(lv) if lv.id in newer else lv for lv in leaves]
        if status:
            leaves = [leave for leave in leaves if leave.status == status]
    return leaves

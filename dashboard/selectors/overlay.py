"""Our own recent decisions, laid over cached leave lists so they show at once on every page.

A decision made here is in our `LeaveDecision` table the moment WebWork confirms it; cached
lists learn of it only when they are refetched. Until then, this overlay applies it.
"""

import datetime as dt
from dataclasses import dataclass, replace

from django.utils import timezone

from dashboard.models import LeaveDecision
from dashboard.selectors.readers import LEAVES_KEEP_FOR, MINUTE
from dashboard.webwork import Leave, LeaveStatus


@dataclass(frozen=True, kw_only=True)
class LeaveOverride:
    """A decision we made, applied over cached lists until they are refetched."""

    status: LeaveStatus
    decided_by: int | None
    reject_reason: str | None = None
    decided_at: dt.datetime | None = None

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
            status=LeaveStatus(status), decided_by=by, reject_reason=reason or None, decided_at=at
        )
        for leave_id, status, by, reason, at in rows
        if status in (LeaveStatus.APPROVED, LeaveStatus.REJECTED)
    }


def leaves_with_overrides(
    leaves: list[Leave], overrides: dict[str, LeaveOverride], *, status: str | None = None
) -> list[Leave]:
    """Apply our recent decisions over a cached list (and re-filter by status)."""
    if overrides:
        leaves = [overrides[lv.id].apply(lv) if lv.id in overrides else lv for lv in leaves]
        if status:
            leaves = [leave for leave in leaves if leave.status == status]
    return leaves

"""Decisions held for their undo window in a workspace, so every manager sees who is deciding
what ("Mateo García is approving this") and nobody races them. From our own table only."""

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext

from dashboard.models import AuditEntry, LeaveDecision


@dataclass(frozen=True)
class HeldNote:
    """A decision someone has made here and not yet sent to WebWork."""

    leave_id: str
    by_user_id: int | None
    by_name: str
    approving: bool  # else rejecting
    send_at: dt.datetime

    @property
    def seconds_left(self) -> int:
        """Whole seconds until it is sent."""
        return max(int((self.send_at - timezone.now()).total_seconds() + 0.999), 0)


def held_decision_notes(*, workspace_id: int) -> list[HeldNote]:
    """The workspace's held decisions, soonest sent first."""
    rows = LeaveDecision.objects.filter(
        workspace_id=workspace_id, state=LeaveDecision.State.HELD, send_at__isnull=False
    ).order_by("send_at")
    return [
        HeldNote(
            leave_id=row.leave_id,
            by_user_id=row.decided_by_id,
            by_name=row.decided_by_name or gettext("Someone"),
            approving=row.action == AuditEntry.Action.APPROVE,
            send_at=row.send_at,
        )
        for row in rows
    ]

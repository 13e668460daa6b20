"""Our own audit log, read: the decisions taken on a leave through the dashboard."""

from dashboard.models import AuditEntry

HISTORY_LIMIT = 50


def decision_history(*, workspace_id: int, leave_id: str) -> list[AuditEntry]:
    """Audit entries of one leave in the workspace, oldest first (the latest 50)."""
    newest = AuditEntry.objects.filter(workspace_id=workspace_id, leave_id=leave_id).order_by(
        "-created_at", "-id"
    )[:HISTORY_LIMIT]
    return list(reversed(newest))

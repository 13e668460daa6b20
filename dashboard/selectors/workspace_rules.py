"""A workspace's own decision rules, kept in our database (WebWork has no such settings)."""

from dashboard.models import WorkspaceSettings


def self_approval_allowed(*, workspace_id: int) -> bool:
    """Whether an Owner allowed managers of the workspace to approve their own requests."""
    return bool(
        WorkspaceSettings.objects.filter(workspace_id=workspace_id)
        .values_list("allow_self_approval", flat=True)
        .first()
    )

"""The layout's context on every page: current workspace, switcher, pending count."""

from django.http import HttpRequest

from dashboard.selectors import pending_count_peek


def frame(request: HttpRequest) -> dict:
    """Current workspace and, when cached, how many requests wait (never fetches)."""
    workspace = getattr(request, "workspace", None)
    return {
        "workspace": workspace,
        "workspaces": getattr(request, "workspaces", []),
        "pending_count": (
            pending_count_peek(workspace_id=workspace.id) if workspace is not None else None
        ),
    }

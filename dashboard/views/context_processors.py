"""The layout's context on every page: current workspace, switcher, pending count."""

from functools import cache

from django.http import HttpRequest

from dashboard.selectors import pending_count_peek


def frame(request: HttpRequest) -> dict:
    """Current workspace and, when cached, how many requests wait (never fetches).

    The count is worked out only if the page shows it and the view did not already know it
    (the inbox passes its own): templates call a callable when they use it.
    """
    workspace = getattr(request, "workspace", None)
    return {
        "workspace": workspace,
        "workspaces": getattr(request, "workspaces", []),
        "pending_count": (
            cache(lambda: pending_count_peek(workspace_id=workspace.id))
            if workspace is not None
            else None
        ),
    }

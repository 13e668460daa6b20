"""What every workspace page needs: the access check, the frame's context, error rendering."""

import time
from collections.abc import Callable
from functools import wraps

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from dashboard.read_models.common import describe
from dashboard.selectors import workspace_list_for_user
from dashboard.services import workspace_visit_record
from dashboard.webwork import WebWorkError, Workspace


class WorkspaceRequest(HttpRequest):
    """A request to a workspace page, after its access check."""

    workspace: Workspace
    workspaces: list[Workspace]


def workspace_view(view: Callable) -> Callable:
    """Serve `/w/<workspace_id>/...` only to people whose own token lists that workspace.

    Anything else is a 404, before any other upstream call or cached data is touched.
    """

    @wraps(view)
    def wrapper(request: HttpRequest, workspace_id: int, *args, **kwargs) -> HttpResponse:
        try:
            workspaces = workspace_list_for_user(user=request.user)
        except WebWorkError as exc:
            return render_unavailable(request, exc)
        workspace = next((w for w in workspaces if w.id == workspace_id), None)
        if workspace is None:
            raise Http404("not a workspace this person manages")
        request.workspace = workspace
        request.workspaces = workspaces
        if request.method == "GET" and not getattr(request, "htmx", False):
            _note_visit(request, workspace_id)
        return view(request, workspace_id, *args, **kwargs)

    return wrapper


VISIT_GRANULARITY = 600


def _note_visit(request: HttpRequest, workspace_id: int) -> None:
    """Remember the workspace for `/` and for beat, writing at most every ten minutes."""
    seen = request.session.get("workspace_seen", {})
    now = int(time.time())
    if request.session.get("last_workspace_id") == workspace_id and (
        now - seen.get(str(workspace_id), 0) < VISIT_GRANULARITY
    ):
        return
    workspace_visit_record(user=request.user, workspace_id=workspace_id)
    seen[str(workspace_id)] = now
    request.session["workspace_seen"] = seen
    request.session["last_workspace_id"] = workspace_id


def render_unavailable(request: HttpRequest, error: WebWorkError) -> HttpResponse:
    """WebWork failed and nothing usable is cached: say so, with a retry control."""
    return render(
        request,
        "dashboard/unavailable.html",
        {"message": describe(error), "retry_url": request.get_full_path()},
        status=503,
    )

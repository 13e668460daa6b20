"""What every workspace page needs: the access check, the frame's context, error rendering."""

import time
from collections.abc import Callable
from functools import wraps

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django_htmx.http import trigger_client_event

from dashboard.read_models.common import describe
from dashboard.selectors import access_refusals, list_shapes, workspace_list_for_user
from dashboard.services import access_list_renewal_request, workspace_visit_record
from dashboard.webwork import WebWorkError, Workspace


class WorkspaceRequest(HttpRequest):
    """A request to a workspace page, after its access check."""

    workspace: Workspace
    workspaces: list[Workspace]


def workspace_view(view: Callable) -> Callable:
    """Serve `/w/<workspace_id>/...` only to people whose own token lists that workspace.

    Anything else is a 404, before any other upstream call or cached data is touched. When the
    list can't be confirmed (WebWork failing past `ACCESS_RECHECK_SECONDS`) the page says so and
    shows nothing else; when WebWork refuses one of the page's reads (403), the workspace is off
    the person's list and the page is a 404 too.
    """

    @wraps(view)
    def wrapper(request: HttpRequest, workspace_id: int, *args, **kwargs) -> HttpResponse:
        try:
            workspaces = workspace_list_for_user(user=request.user)
        except WebWorkError as exc:
            return render_access_unconfirmed(request, exc, workspace_id=workspace_id)
        workspace = next((w for w in workspaces if w.id == workspace_id), None)
        if workspace is None:
            raise Http404("not a workspace this person manages")
        request.workspace = workspace
        request.workspaces = workspaces
        access_list_renewal_request(user_id=request.user.pk)
        if request.method == "GET" and not getattr(request, "htmx", False):
            _note_visit(request, workspace_id)
        with access_refusals() as refused, list_shapes(workspace_id):
            response = view(request, workspace_id, *args, **kwargs)
        if workspace_id in refused:
            raise Http404("WebWork refused this person a read of the workspace")
        return response

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


def render_access_unconfirmed(
    request: HttpRequest, error: WebWorkError, *, workspace_id: int | None = None
) -> HttpResponse:
    """Which workspaces the person manages can't be confirmed: say so, show nothing else."""
    message = describe(error)
    response = render(
        request,
        "dashboard/access_unconfirmed.html",
        {"message": message, "retry_url": request.get_full_path(), "workspace_id": workspace_id},
        status=503,
    )
    if getattr(request, "htmx", False):  # htmx 2 swaps no 5xx: tell the person in a toast
        trigger_client_event(
            response,
            "toast",
            {
                "message": _("%(problem)s Your access can't be confirmed right now.")
                % {"problem": message},
                "level": "error",
            },
        )
    return response

"""`/inbox/`: the pending requests of every workspace the person manages, on one page.

Each row decides in its own workspace: its buttons post to `/w/<workspace_id>/...`, whose
access check runs per request, as from the workspace's own inbox.
"""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from dashboard.read_models.all_inbox import all_inbox_get
from dashboard.selectors import workspace_list_for_user
from dashboard.views.common import render_access_unconfirmed
from dashboard.webwork import WebWorkError


@require_GET
def inbox_all(request: HttpRequest) -> HttpResponse:
    """Every managed workspace's oldest pending requests, grouped; `?workspace=<id>` for one."""
    try:
        workspaces = workspace_list_for_user(user=request.user)
    except WebWorkError as exc:
        return render_access_unconfirmed(request, exc)
    raw = request.GET.get("workspace") or ""
    chosen = int(raw) if raw.isdigit() and len(raw) < 19 else None
    data = all_inbox_get(user_id=request.user.pk, workspaces=workspaces, chosen=chosen)
    return render(
        request,
        "dashboard/inbox/all.html",
        {"all_inbox": data, "inbox_url": request.path, "cross_workspace": True},
    )

"""Times on every page in the viewer's own time zone.

Django converts each aware datetime a template shows (`|time`, `|date`, the admin's audit log)
to the zone active for the request; this middleware activates the person's: the one they chose,
else WebWork's for them, else (on a workspace page) the workspace's reference zone, read from
our own table and the cache only, before the page's access check.
"""

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dashboard.forms import ViewerZoneForm
from dashboard.models import UserPreference
from dashboard.selectors.zones import viewer_zone, workspace_zone
from dashboard.services.preferences import viewer_zone_choose
from dashboard.views.common import WorkspaceRequest, workspace_view


class ViewerZoneMiddleware:
    """Activate the signed-in person's time zone for the request, and only for it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        """Serve the request; the zone never outlives it (threads serve other people next)."""
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()

    def process_view(self, request, _view_func, _view_args, view_kwargs):
        """Choose the zone once the URL (and so the workspace, if any) is known."""
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        zone = viewer_zone(user_id=user.pk)
        workspace_id = view_kwargs.get("workspace_id")
        if zone is None and isinstance(workspace_id, int):
            zone = workspace_zone(workspace_id=workspace_id)
        if zone is not None:
            timezone.activate(zone)
        return None


def viewer_zone_form(user_id: int, data=None) -> ViewerZoneForm:
    """The person's time-zone form, showing what WebWork says when they chose none."""
    row = (
        UserPreference.objects.filter(user_id=user_id)
        .values_list("timezone", "webwork_timezone")
        .first()
    )
    chosen, from_webwork = row or ("", "")
    return ViewerZoneForm(data, initial={"timezone": chosen}, webwork_zone=from_webwork)


@require_POST
@workspace_view
def viewer_zone_save(request: WorkspaceRequest, workspace_id: int) -> HttpResponse:
    """Save the zone the person reads times in; back to the settings page."""
    form = viewer_zone_form(request.user.pk, request.POST)
    if form.is_valid():
        viewer_zone_choose(user_id=request.user.pk, zone_name=form.cleaned_data["timezone"])
        messages.success(request, _("Your time zone is saved."))
    else:
        messages.error(request, _("That time zone isn't one we know. Nothing was changed."))
    return redirect("workspace_settings", workspace_id=workspace_id)

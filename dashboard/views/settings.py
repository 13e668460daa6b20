"""The settings page: the workspace's holidays and time zone, four eyes and coverage minimums,
teams' and members' own holidays, and the person's own time zone (`zones.viewer_zone_save`)."""

from django.contrib import messages
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from dashboard.forms import CoverageForm, HolidayRegionForm, WorkspaceSettingsForm
from dashboard.read_models.settings import settings_page_get
from dashboard.selectors import holiday_region
from dashboard.selectors.coverage import coverage_minimums
from dashboard.selectors.workspace_rules import self_approval_allowed
from dashboard.selectors.zones import reference_zone_setting
from dashboard.services import coverage_minimums_set, workspace_settings_update
from dashboard.services.holidays import (
    holiday_region_override_delete,
    holiday_region_override_save,
)
from dashboard.views.common import WorkspaceRequest, workspace_view
from dashboard.views.zones import viewer_zone_form


@require_http_methods(["GET", "POST"])
@workspace_view
def workspace_settings(request: WorkspaceRequest, workspace_id: int) -> HttpResponse:
    """Public holidays, the zone of "today", four eyes (an Owner's) and coverage minimums per
    team; saved together, or nothing is saved and the form comes back with what was typed."""
    page = settings_page_get(user_id=request.user.pk, workspace_id=workspace_id)
    owner = request.workspace.is_owner
    data = request.POST or None
    form = _workspace_form(workspace_id, page, data, owner=owner)
    coverage = CoverageForm(
        data, teams=page.team_sizes or {}, minimums=coverage_minimums(workspace_id=workspace_id)
    )
    if request.method == "POST" and form.is_valid() and coverage.is_valid():
        with transaction.atomic():
            workspace_settings_update(
                workspace=request.workspace,
                holiday_country=form.cleaned_data["holiday_country"],
                holiday_subdivision=form.cleaned_data["holiday_subdivision"],
                allow_self_approval=form.cleaned_data["allow_self_approval"] if owner else None,
                reference_timezone=form.cleaned_data["reference_timezone"],
            )
            coverage_minimums_set(workspace_id=workspace_id, minimums=coverage.minimums())
        messages.success(request, _("Settings saved."))
        return redirect("workspace_settings", workspace_id=workspace_id)
    return _render(request, page, form=form, coverage=coverage)


@require_POST
@workspace_view
def holiday_region_add(request: WorkspaceRequest, workspace_id: int) -> HttpResponse:
    """Give a team or a member their own public holidays; errors keep what was chosen."""
    page = settings_page_get(user_id=request.user.pk, workspace_id=workspace_id)
    form = HolidayRegionForm(request.POST, teams=page.teams, members=page.members)
    if not form.is_valid():
        return _render(request, page, region_form=form)
    data = form.cleaned_data
    holiday_region_override_save(
        workspace_id=workspace_id,
        scope=data["scope"],
        key=data["key"],
        country=data["country"],
        subdivision=data["subdivision"],
    )
    messages.success(request, _("Holidays saved."))
    return redirect("workspace_settings", workspace_id=workspace_id)


@require_POST
@workspace_view
def holiday_region_remove(request: WorkspaceRequest, workspace_id: int, override_id: int):
    """Back to the team's or the workspace's holidays."""
    if holiday_region_override_delete(workspace_id=workspace_id, override_id=override_id):
        messages.success(request, _("Removed: the team's or the workspace's holidays apply."))
    return redirect("workspace_settings", workspace_id=workspace_id)


def _workspace_form(workspace_id: int, page, data=None, *, owner: bool) -> WorkspaceSettingsForm:
    """The workspace's form; with no country chosen yet, the one its members' zones suggest."""
    country, subdivision = holiday_region(workspace_id=workspace_id)
    return WorkspaceSettingsForm(
        data,
        owner=owner,
        initial={
            "holiday_country": country or page.proposed_country or "",
            "holiday_subdivision": subdivision,
            "allow_self_approval": self_approval_allowed(workspace_id=workspace_id),
            "reference_timezone": reference_zone_setting(workspace_id=workspace_id),
        },
        members_zone=page.members_zone,
    )


def _render(request, page, *, form=None, region_form=None, coverage=None) -> HttpResponse:
    workspace_id = request.workspace.id
    owner = request.workspace.is_owner
    if coverage is None:
        minimums = coverage_minimums(workspace_id=workspace_id)
        coverage = CoverageForm(teams=page.team_sizes or {}, minimums=minimums)
    context = {
        "page": page,
        "form": form or _workspace_form(workspace_id, page, owner=owner),
        "owner": owner,
        "coverage": coverage,
        "teams_known": page.team_sizes is not None,
        "proposed": not holiday_region(workspace_id=workspace_id)[0] and page.proposed_country,
        "region_form": region_form or HolidayRegionForm(teams=page.teams, members=page.members),
        "zone_form": viewer_zone_form(request.user.pk),
    }
    return render(request, "dashboard/settings/settings.html", context)

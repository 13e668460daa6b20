"""Bulk approve and reject: start a run, follow its progress, undo it within its window,
retry what failed unsent.

The start answers HTMX with the progress panel (which polls until the run ends) and a plain
form POST with a redirect to the run's own page, which survives a reload.
"""

from django.contrib import messages
from django.http import Http404, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from dashboard import services
from dashboard.forms import BulkDecisionForm
from dashboard.read_models.bulk import bulk_matching_ids, bulk_report_get
from dashboard.views.common import WorkspaceRequest, workspace_view
from dashboard.views.pages import filtered_listing


@require_POST
@workspace_view
def bulk_decide(request: WorkspaceRequest, workspace_id: int) -> HttpResponse:
    """Decide the selected leaves (`leave=<uuid>` repeated), or all pending with `scope=all`."""
    form = BulkDecisionForm(request.POST)
    leave_ids = request.POST.getlist("leave")
    if form.is_valid() and form.cleaned_data["scope"] == "all":
        leave_ids = _all_matching(request, workspace_id)
    if form.is_valid() and not leave_ids:
        form.add_error(None, _("Select at least one request."))
    if not form.is_valid():
        return _render_form(request, form, leave_ids)
    run = services.bulk_start(
        user=request.user,
        workspace_id=workspace_id,
        leave_ids=leave_ids,
        action=form.cleaned_data["action"],
        reason=form.cleaned_data["reason"],
    )
    services.bulk_run_begin(run=run)
    if request.htmx:
        return _render_progress(request, workspace_id, run.pk)
    return redirect("bulk_run", workspace_id=workspace_id, run_id=run.pk)


@require_GET
@workspace_view
def bulk_run(request: WorkspaceRequest, workspace_id: int, run_id) -> HttpResponse:
    """A run's progress and report, on its own page (reloadable, bookmarkable)."""
    return _render_progress(request, workspace_id, run_id, page=not request.htmx)


@require_POST
@workspace_view
def bulk_run_poll(request: WorkspaceRequest, workspace_id: int, run_id) -> HttpResponse:
    """The progress panel's poll; with no worker it decides the next slice itself."""
    _report_or_404(request, workspace_id, run_id)
    services.bulk_run_step(run_id=run_id)
    if request.htmx:
        return _render_progress(request, workspace_id, run_id)
    return redirect("bulk_run", workspace_id=workspace_id, run_id=run_id)


@require_POST
@workspace_view
def bulk_run_retry(request: WorkspaceRequest, workspace_id: int, run_id) -> HttpResponse:
    """Try again the leaves that failed without being sent (each is re-checked first)."""
    report = _report_or_404(request, workspace_id, run_id)
    count = services.bulk_run_retry(run=report.run)
    if not request.htmx:
        text = ngettext(
            "Trying %(count)s request again.", "Trying %(count)s requests again.", count
        )
        messages.info(request, text % {"count": count})
        return redirect("bulk_run", workspace_id=workspace_id, run_id=run_id)
    return _render_progress(request, workspace_id, run_id)


def _all_matching(request: WorkspaceRequest, workspace_id: int) -> list[str]:
    """ "All N matching": every pending request of the workspace (the inbox), or the pending
    ones among those the requests list's filters (`filters`, its query string) match."""
    if "filters" not in request.POST:
        return bulk_matching_ids(user_id=request.user.pk, workspace_id=workspace_id)
    params = QueryDict(request.POST["filters"][:2000])
    listing = filtered_listing(request.user.pk, workspace_id, params)[2]
    return [leave.id for leave in listing.leaves if leave.is_pending]


def _report_or_404(request: WorkspaceRequest, workspace_id: int, run_id):
    report = bulk_report_get(user_id=request.user.pk, workspace_id=workspace_id, run_id=run_id)
    if report is None:
        raise Http404("not this person's bulk decision")
    return report


def _render_progress(
    request: WorkspaceRequest, workspace_id: int, run_id, *, page: bool = False
) -> HttpResponse:
    report = _report_or_404(request, workspace_id, run_id)
    template = "dashboard/bulk/run.html" + ("" if page else "#progress")
    return render(request, template, {"report": report})


def _render_form(request: WorkspaceRequest, form: BulkDecisionForm, leave_ids) -> HttpResponse:
    """The choice again with what was wrong; the selection and the reason are kept."""
    context = {"bulk_form": form, "leave_ids": leave_ids[:500]}
    template = "dashboard/bulk/confirm.html" + ("#errors" if request.htmx else "")
    return render(request, template, context)


@require_POST
@workspace_view
def bulk_run_undo(request: WorkspaceRequest, workspace_id: int, run_id) -> HttpResponse:
    """Take back a bulk decision within its undo window: nothing of it is sent."""
    report = _report_or_404(request, workspace_id, run_id)
    count = services.bulk_run_undo(run=report.run)
    if count:
        text = ngettext(
            "Undone: %(count)s request not sent.", "Undone: %(count)s requests not sent.", count
        ) % {"count": count}
    else:
        text = _("Too late to undo: it is being sent.")
    messages.info(request, text)
    if not request.htmx:
        return redirect("bulk_run", workspace_id=workspace_id, run_id=run_id)
    return _render_progress(request, workspace_id, run_id)

"""POST actions (and the row a held decision reloads). HTMX gets the updated row (HTTP 200,
even when WebWork refused); a plain form POST redirects back with a message, so every button
works without JavaScript."""

import time
from functools import wraps
from urllib.parse import urlencode

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from dashboard import services
from dashboard.forms import RejectForm
from dashboard.platform.error_pages import error_page
from dashboard.read_models.inbox import InboxRow, inbox_row_get
from dashboard.selectors import cached_leave_peek, leave_get_or_none
from dashboard.services import DecisionOutcome, DecisionResult
from dashboard.views.common import WorkspaceRequest, workspace_view
from dashboard.views.pages import render_balances
from dashboard.webwork import Leave


def post_only_with_a_way_back(view):
    """Like `require_POST`, but a GET (a followed or bookmarked link) gets a page with a link
    to the request instead of an empty 405; nothing is read or decided."""

    @wraps(view)
    def wrapper(request: HttpRequest, workspace_id: int, leave_id, *args, **kwargs):
        if request.method == "POST":
            return view(request, workspace_id, leave_id, *args, **kwargs)
        if request.method not in ("GET", "HEAD"):
            return HttpResponseNotAllowed(["POST"])
        response = error_page(
            request,
            405,
            _("Decisions are taken with a button"),
            _(
                "This address approves or rejects a request only from its button, so that a "
                "link can never decide for you. Open the request to decide it."
            ),
            back=(reverse("leave_detail", args=[workspace_id, leave_id]), _("Open the request")),
        )
        response["Allow"] = "POST"
        return response

    return wrapper


@post_only_with_a_way_back
@workspace_view
def leave_approve(request: WorkspaceRequest, workspace_id: int, leave_id) -> HttpResponse:
    """Approve in one tap (two when the balance would go below what the policy allows)."""
    result = services.leave_approve(
        user=request.user,
        workspace_id=workspace_id,
        leave_id=str(leave_id),
        confirm_negative=request.POST.get("confirm_negative") == "1",
        hold=True,
    )
    return _decision_response(request, workspace_id, str(leave_id), result)


@post_only_with_a_way_back
@workspace_view
def leave_reject(request: WorkspaceRequest, workspace_id: int, leave_id) -> HttpResponse:
    """Reject with a reason (required)."""
    form = RejectForm(request.POST)
    if not form.is_valid():
        error = form.errors["reason"][0]
        if not request.htmx:
            messages.error(request, error)
            return redirect(_back(request, workspace_id))
        return _render_row(
            request,
            workspace_id,
            str(leave_id),
            row=None,
            result=None,
            reject_form=form,
            open_reject=True,
        )
    result = services.leave_reject(
        user=request.user,
        workspace_id=workspace_id,
        leave_id=str(leave_id),
        reason=form.cleaned_data["reason"],
        hold=True,
    )
    return _decision_response(request, workspace_id, str(leave_id), result, reject_form=form)


@require_POST
@workspace_view
def leave_undo(request: WorkspaceRequest, workspace_id: int, leave_id) -> HttpResponse:
    """Take back a held approve or reject within the undo window (nothing is sent)."""
    result = services.leave_decision_undo(
        user=request.user, workspace_id=workspace_id, leave_id=str(leave_id)
    )
    return _decision_response(request, workspace_id, str(leave_id), result)


@require_GET
@workspace_view
def leave_row(request: WorkspaceRequest, workspace_id: int, leave_id) -> HttpResponse:
    """One inbox row as it is now: a held decision's row asks for it when its window ends."""
    result = services.leave_decision_outcome(
        user=request.user, workspace_id=workspace_id, leave_id=str(leave_id)
    )
    return _render_row(
        request,
        workspace_id,
        str(leave_id),
        row=None,
        result=result,
        reject_form=None,
        open_reject=False,
    )


def _decision_response(
    request: WorkspaceRequest,
    workspace_id: int,
    leave_id: str,
    result: DecisionResult,
    reject_form: RejectForm | None = None,
) -> HttpResponse:
    level = messages.SUCCESS if result.done else _LEVELS.get(result.outcome, messages.ERROR)
    leave = result.leave or cached_leave_peek(workspace_id=workspace_id, leave_id=leave_id)
    row = _row_for(request, workspace_id, leave)
    if result.outcome == DecisionOutcome.HELD:  # the toast offers Undo too
        text = _toast_text(row, result, held=True)
        messages.add_message(request, level, text, extra_tags=f"undo:{leave_id}")
    else:
        messages.add_message(request, level, _toast_text(row, result, held=False))
    if not request.htmx:
        return redirect(_back(request, workspace_id))
    return _render_row(
        request,
        workspace_id,
        leave_id,
        row=row,
        result=result,
        reject_form=reject_form if not result.done else None,
        open_reject=reject_form is not None and not result.done,
    )


_LEVELS = {DecisionOutcome.HELD: messages.SUCCESS, DecisionOutcome.UNDONE: messages.INFO}


def _toast_text(row: InboxRow | None, result: DecisionResult, *, held: bool) -> str:
    """What the decision's toast says: whose request, how it ended, when a held one is sent."""
    values = {"message": result.message, "seconds": result.seconds_left}
    if row is None:
        if held:
            return _("%(message)s · sending in %(seconds)s s") % values
        return result.message
    values |= {"member": row.member_name, "policy": row.policy_name}
    if held:
        return _("%(member)s, %(policy)s: %(message)s · sending in %(seconds)s s") % values
    return _("%(member)s, %(policy)s: %(message)s") % values


def _row_for(request: WorkspaceRequest, workspace_id: int, leave: Leave | None) -> InboxRow | None:
    if leave is None:
        return None
    return inbox_row_get(user_id=request.user.pk, workspace_id=workspace_id, leave=leave)


def _render_row(
    request: WorkspaceRequest,
    workspace_id: int,
    leave_id: str,
    *,
    row: InboxRow | None,
    result: DecisionResult | None,
    reject_form: RejectForm | None,
    open_reject: bool,
) -> HttpResponse:
    if row is None:
        row = _row_for(request, workspace_id, _known_leave(request, workspace_id, leave_id))
    return render(
        request,
        "dashboard/inbox/inbox.html#row",
        {
            "row": row,
            "result": result,
            "reject_form": reject_form,
            "open_reject": open_reject,
            "missing_leave_id": leave_id,
            "oob_pending": True,
            "inbox_url": reverse("inbox", args=[workspace_id]),
        },
    )


def _known_leave(request: WorkspaceRequest, workspace_id: int, leave_id: str) -> Leave | None:
    leave = cached_leave_peek(workspace_id=workspace_id, leave_id=leave_id)
    if leave is not None:
        return leave
    return leave_get_or_none(user_id=request.user.pk, workspace_id=workspace_id, leave_id=leave_id)


def _back(request: HttpRequest, workspace_id: int) -> str:
    target = request.POST.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("inbox", args=[workspace_id])


@require_POST
@workspace_view
def balances_refresh(request: WorkspaceRequest, workspace_id: int) -> HttpResponse:
    """Queue a refresh of the balances; the table polls until fresher data arrives."""
    requested_at = time.time()
    services.balances_refresh_request(user_id=request.user.pk, workspace_id=workspace_id)
    if request.htmx:
        return render_balances(request, workspace_id, params=request.POST, since=requested_at)
    messages.info(request, _("Refreshing balances from WebWork. This takes a few seconds."))
    keys = ("q", "team", "policy", "sort", "dir")
    params = {key: request.POST[key] for key in keys if request.POST.get(key)}
    params["since"] = f"{requested_at:.3f}"
    return redirect(f"{reverse('balances', args=[workspace_id])}?{urlencode(params)}")

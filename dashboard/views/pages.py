"""GET pages. Each parses its input, calls one read model and renders; HTMX gets a partial."""

import re
import time
from urllib.parse import urlencode

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, QueryDict, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from dashboard.dates import month_or_none, parse_month
from dashboard.forms import LeaveCreateForm, LeaveFilterForm
from dashboard.models import UserPreference
from dashboard.read_models.all_inbox import pending_counts_peek
from dashboard.read_models.balances import balance_csv_rows, balance_table_get
from dashboard.read_models.calendar import calendar_get
from dashboard.read_models.export import csv_lines, csv_stream, xlsx_bytes
from dashboard.read_models.inbox import PAGE_SIZE as INBOX_PAGE_SIZE
from dashboard.read_models.inbox import inbox_get
from dashboard.read_models.leave_detail import leave_detail_get
from dashboard.read_models.leaves import (
    LeaveFilters,
    default_window_read,
    filter_options,
    leave_listing_get,
)
from dashboard.read_models.policies import policies_get
from dashboard.read_models.projection import leave_projection_view_get
from dashboard.selectors import workspace_list_for_user, workspace_today
from dashboard.selectors.held import held_decision_notes
from dashboard.services import NewLeave, leave_create, leave_create_and_approve
from dashboard.views.common import WorkspaceRequest, render_access_unconfirmed, workspace_view
from dashboard.views.shell import shell_first
from dashboard.webwork import LeavePeriod, WebWorkError


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """Open the inbox of every workspace when the person manages several; else the one."""
    try:
        workspaces = workspace_list_for_user(user=request.user)
    except WebWorkError as exc:
        return render_access_unconfirmed(request, exc)
    ids = [w.id for w in workspaces]
    if len(ids) > 1:
        return redirect("inbox_all")
    last = (
        UserPreference.objects.filter(user=request.user)
        .values_list("last_workspace_id", flat=True)
        .first()
    )
    if last in ids:
        return redirect("inbox", workspace_id=last)
    if ids:
        return redirect("inbox", workspace_id=ids[0])
    return redirect("workspace_picker")


@require_GET
def workspace_picker(request: HttpRequest) -> HttpResponse:
    """Choose among the workspaces this person manages (also the switcher without JS)."""
    try:
        workspaces = workspace_list_for_user(user=request.user)
    except WebWorkError as exc:
        return render_access_unconfirmed(request, exc)
    if request.GET.get("go") == reverse("inbox_all"):  # the switcher's "All inboxes"
        return redirect("inbox_all")
    go = re.fullmatch(r"/w/(\d{1,18})/", request.GET.get("go") or "")
    chosen = _int_or_none(go.group(1) if go else request.GET.get("workspace"))
    if chosen in {w.id for w in workspaces}:
        return redirect("inbox", workspace_id=chosen)
    choices = pending_counts_peek(workspaces=workspaces)
    return render(request, "dashboard/workspaces/picker.html", {"choices": choices})


@require_GET
@workspace_view
@shell_first(gettext_lazy("Inbox"))
def inbox(request: WorkspaceRequest, workspace_id: int) -> HttpResponse:
    """Pending requests, oldest first, with inline approve and reject.

    A page shows the oldest `PAGE_SIZE`; "Show more" fetches the next slice by HTMX
    (`?start=N`, rows only), or without JavaScript reloads with more shown (`?shown=N`).
    """
    start = _int_or_none(request.GET.get("start"))
    if request.htmx and start is not None:
        data = inbox_get(user_id=request.user.pk, workspace_id=workspace_id, start=start)
        context = {"inbox": data, "inbox_url": request.path, "more": True}
        return render(request, "dashboard/inbox/inbox.html#rows", context)
    shown = _int_or_none(request.GET.get("shown")) or INBOX_PAGE_SIZE
    data = inbox_get(user_id=request.user.pk, workspace_id=workspace_id, count=shown)
    context = {"inbox": data, "inbox_url": request.path, "now": timezone.now()}
    context["held_notes"] = held_decision_notes(workspace_id=workspace_id)
    if not data.unavailable:
        context["pending_count"] = data.pending_count  # the navigation's badge: known here
    return render(request, "dashboard/inbox/inbox.html", context)


@require_GET
@workspace_view
@shell_first(gettext_lazy("Requests"))
def leave_list(request: WorkspaceRequest, workspace_id: int) -> HttpResponse:
    """All requests with filters; HTMX swaps only the results and keeps the URL in sync."""
    form, filters, listing = _filtered_listing(request, workspace_id)
    page = listing.page(filters.page)
    context = {
        "form": form,
        "listing": listing,
        "page": page,
        # For bulk decisions: pending among all that match, and on this page.
        "pending_matching": sum(1 for leave in listing.leaves if leave.is_pending),
        "pending_on_page": sum(1 for row in page.object_list if row.leave.is_pending),
        "query": _query_without_page(request),
        "active_filters": sum(
            1
            for key in ("status", "member", "policy", "paid", "from", "to")
            if request.GET.get(key)
        ),
    }
    return render(
        request, _page_or_partial(request, "dashboard/leaves/list.html", "results"), context
    )


@require_GET
@workspace_view
def leave_export(request: WorkspaceRequest, workspace_id: int) -> HttpResponse:
    """CSV of exactly the filtered list, streamed: UTF-8 with a BOM, ISO dates (export.py)."""
    return _export(request, workspace_id, "csv")


@require_GET
@workspace_view
def leave_export_xlsx(request: WorkspaceRequest, workspace_id: int) -> HttpResponse:
    """The same rows as an Excel workbook, with typed cells."""
    return _export(request, workspace_id, "xlsx")


XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _export(request: WorkspaceRequest, workspace_id: int, extension: str) -> HttpResponse:
    """The filtered list as a download; with WebWork not answering, back to the list."""
    listing = _filtered_listing(request, workspace_id)[2]
    if listing.unavailable:
        messages.error(request, _("The export needs WebWork, which isn't answering. Try again."))
        return redirect(f"{reverse('leave_list', args=[workspace_id])}?{request.GET.urlencode()}")
    if extension == "csv":
        response = StreamingHttpResponse(csv_lines(listing), content_type="text/csv; charset=utf-8")
    else:
        response = HttpResponse(xlsx_bytes(listing), content_type=XLSX_TYPE)
    stamp = timezone.localtime().strftime("%Y-%m-%d")
    response["Content-Disposition"] = (
        f'attachment; filename="leave-requests-{workspace_id}-{stamp}.{extension}"'
    )
    return response


@require_GET
@workspace_view
def leave_detail(request: WorkspaceRequest, workspace_id: int, leave_id) -> HttpResponse:
    """One request in full: a page of its own, or (HTMX) the dialog's content over a page.

    Its approve and reject forms come back to where the person was: the page under the
    dialog, or this page.
    """
    detail = leave_detail_get(
        user_id=request.user.pk, workspace_id=workspace_id, leave_id=str(leave_id)
    )
    if detail.not_found:
        raise Http404("WebWork knows no such leave in this workspace")
    back = request.htmx.current_url_abs_path if request.htmx else None
    context = {"detail": detail, "row": detail.row, "back": back or request.get_full_path()}
    template = _page_or_partial(request, "dashboard/leaves/detail.html", "panel")
    return render(request, template, context)


@require_http_methods(["GET", "POST"])
@workspace_view
def leave_new(request: WorkspaceRequest, workspace_id: int) -> HttpResponse:
    """File a request on a member's behalf; errors appear next to fields, nothing is lost."""
    members, policies = filter_options(user_id=request.user.pk, workspace_id=workspace_id)
    if not members or not policies:
        return render(request, "dashboard/leaves/new.html", {"form": None, "no_options": True})
    data = request.POST if request.method == "POST" else None
    initial = {key: request.GET[key] for key in ("member", "policy") if key in request.GET}
    form = LeaveCreateForm(
        data,
        members=members,
        policies=policies,
        initial=initial,
        member_query=request.POST.get("member_q", ""),
    )
    switching = request.htmx and request.POST.get("_switch")
    if request.method == "POST" and not switching and form.is_valid():
        result, decision = _file(request, workspace_id, form)
        if result.created:
            return _after_filing(request, workspace_id, result.leave, decision)
        form.add_upstream_errors(result.field_errors, result.message)
    preview = leave_projection_view_get(
        user_id=request.user.pk, workspace_id=workspace_id, leave=form.draft_leave()
    )
    template = "dashboard/leaves/new.html"
    if switching:
        form.errors.clear()
        template += "#leave-form"
    context = {"form": form, "policy": form.selected_policy, "preview": preview}
    return render(request, template, context)


@require_GET
@workspace_view
def leave_preview(request: WorkspaceRequest, workspace_id: int) -> HttpResponse:
    """The balance projection of the request being typed (HTMX, as member, policy and dates
    change): now, after it, after all the member's pending requests."""
    members, policies = filter_options(user_id=request.user.pk, workspace_id=workspace_id)
    form = LeaveCreateForm(request.GET, members=members or [], policies=policies or [])
    preview = leave_projection_view_get(
        user_id=request.user.pk, workspace_id=workspace_id, leave=form.draft_leave()
    )
    context = {"preview": preview, "oob": True}  # the approve button follows the preview
    return render(request, "dashboard/leaves/new.html#preview", context)


@require_GET
@workspace_view
@shell_first(gettext_lazy("Policies"))
def policies(request: WorkspaceRequest, workspace_id: int) -> HttpResponse:
    """The workspace's leave policies."""
    data = policies_get(user_id=request.user.pk, workspace_id=workspace_id)
    return render(request, "dashboard/policies/policies.html", {"data": data})


def _filtered_listing(request: WorkspaceRequest, workspace_id: int):
    """The filter form (bound to the query string), the filters and the matching requests."""
    return filtered_listing(request.user.pk, workspace_id, request.GET)


def filtered_listing(user_id: int, workspace_id: int, params: QueryDict):
    """The filter form bound to `params`, the filters and the matching requests (the list
    page's, and those a bulk decision of "all matching" names)."""
    _read_ahead(user_id, workspace_id, params)
    members, policies = filter_options(user_id=user_id, workspace_id=workspace_id)
    form = LeaveFilterForm(params, members=members, policies=policies)
    form.is_valid()
    filters = LeaveFilters.from_values(**form.filters())
    listing = leave_listing_get(user_id=user_id, workspace_id=workspace_id, filters=filters)
    return form, filters, listing


def _read_ahead(user_id: int, workspace_id: int, params: QueryDict) -> None:
    """Without dates or a member chosen, the list's default months are read beside the filter
    form's members and policies: a cold list page asks WebWork in one round, not two."""
    if not any(params.get(name) for name in ("member", "from", "to")):
        default_window_read(user_id=user_id, workspace_id=workspace_id)


def _page_or_partial(request: HttpRequest, template: str, partial: str) -> str:
    """HTMX swaps get the named partial; full loads and history restores get the page."""
    if request.htmx and not request.htmx.history_restore_request:
        return f"{template}#{partial}"
    return template


def _file(request: WorkspaceRequest, workspace_id: int, form: LeaveCreateForm):
    """File the request; with "File and approve", approve it too (the rules apply)."""
    and_approve = request.POST.get("and_approve")
    values = {
        "user": request.user,
        "workspace_id": workspace_id,
        "new": _new_leave(form),
        "request_key": form.cleaned_data.get("request_key") or "",
    }
    if not and_approve:
        return leave_create(**values), None
    return leave_create_and_approve(**values, confirm_negative=and_approve == "anyway")


def _after_filing(request, workspace_id: int, leave, decision) -> HttpResponse:
    """Say how filing (and approving) ended; a request left pending opens its detail."""
    url = reverse("leave_list", args=[workspace_id])
    if leave is not None:
        url += f"?member={leave.user_id}&highlight={leave.id}"
    if decision is None:
        messages.success(request, _("Request filed. It's waiting for approval."))
    elif decision.done:
        messages.success(request, _("Request filed and approved."))
    else:
        messages.warning(
            request,
            _("Request filed but not approved: %(reason)s") % {"reason": decision.message},
        )
        url = reverse("leave_detail", args=[workspace_id, leave.id])
    return redirect(url)


def _new_leave(form: LeaveCreateForm) -> NewLeave:
    data = form.cleaned_data
    return NewLeave(
        member_id=data["member"],
        policy=form.policies[data["policy"]],
        start=data["start"],
        end=data["end"],
        leave_period=LeavePeriod(data.get("leave_period") or 0),
        start_time=data.get("start_time"),
        end_time=data.get("end_time"),
        reason=data.get("reason") or "",
    )


def _query_without_page(request: HttpRequest) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


@require_GET
@workspace_view
@shell_first(gettext_lazy("Calendar"))
def calendar(request: WorkspaceRequest, workspace_id: int) -> HttpResponse:
    """Team leave calendar: a wallchart on wide screens, an agenda on phones."""
    today = workspace_today(workspace_id=workspace_id)
    raw_month = request.GET.get("month")
    first = parse_month(raw_month, today)
    month_not_understood = bool(raw_month) and month_or_none(raw_month) is None
    policy_id = _int_or_none(request.GET.get("policy"))
    team = (request.GET.get("team") or "").strip()[:200] or None
    month = calendar_get(
        user_id=request.user.pk,
        workspace_id=workspace_id,
        first=first,
        team=team,
        policy_id=policy_id,
        today=today,
    )
    context = {
        "cal": month,
        "team": team,
        "policy_id": policy_id,
        "today": today,
        "month_not_understood": raw_month[:20] if month_not_understood else "",
    }
    template = _page_or_partial(request, "dashboard/calendar/calendar.html", "calendar")
    return render(request, template, context)


@require_GET
@workspace_view
@shell_first(gettext_lazy("Balances"))
def balances(request: WorkspaceRequest, workspace_id: int) -> HttpResponse:
    """Balances per member and policy, with their age and a refresh control."""
    return render_balances(
        request, workspace_id, params=request.GET, since=_float_or_none(request.GET.get("since"))
    )


def _balance_table(request, workspace_id: int, params):
    """The balances table for the filters and sort in `params`, and those filters."""
    filters = {
        "q": (params.get("q") or "").strip()[:100],
        "team": (params.get("team") or "").strip()[:200] or None,
        "policy": _int_or_none(params.get("policy")),
    }
    table = balance_table_get(
        user_id=request.user.pk,
        workspace_id=workspace_id,
        q=filters["q"],
        team=filters["team"],
        policy_id=filters["policy"],
        sort=(params.get("sort") or "team")[:20],
        descending=params.get("dir") == "desc",
    )
    return table, filters


def _balance_query(filters: dict, table=None) -> str:
    """The filters (and the table's sort) as a query string."""
    query = {key: value for key, value in filters.items() if value}
    if table is not None:
        query |= {"sort": table.sort, "dir": "desc" if table.descending else "asc"}
    return urlencode(query)


@require_GET
@workspace_view
def balances_export(request: WorkspaceRequest, workspace_id: int) -> HttpResponse:
    """CSV of the balances table exactly as shown: the same filters, columns and order."""
    table, filters = _balance_table(request, workspace_id, request.GET)
    if table.unavailable:
        messages.error(request, _("The export needs WebWork, which isn't answering. Try again."))
        return redirect(f"{reverse('balances', args=[workspace_id])}?{_balance_query(filters)}")
    response = StreamingHttpResponse(
        csv_stream(balance_csv_rows(table)), content_type="text/csv; charset=utf-8"
    )
    stamp = timezone.localtime().strftime("%Y-%m-%d")
    response["Content-Disposition"] = f'attachment; filename="balances-{workspace_id}-{stamp}.csv"'
    return response


def render_balances(request, workspace_id: int, *, params, since: float | None) -> HttpResponse:
    """The balances page, or its table for HTMX; polls while a refresh is awaited."""
    table, filters = _balance_table(request, workspace_id, params)
    q, team = filters["q"], filters["team"]
    waiting = since is not None and (table.fetched_at or 0) < since
    too_long = waiting and time.time() - since > REFRESH_WAIT_SECONDS
    context = {
        "table": table,
        "q": q,
        "team": team,
        "refreshing": waiting and not too_long,
        "refresh_slow": too_long,
        "since": f"{since:.3f}" if since else "",
        "policy_id": filters["policy"],
        "filter_query": _balance_query(filters),
        "table_query": _balance_query(filters, table),
    }
    return render(
        request, _page_or_partial(request, "dashboard/balances/balances.html", "table"), context
    )


REFRESH_WAIT_SECONDS = 60


def _int_or_none(raw: str | None) -> int | None:
    try:
        return int(raw) if raw else None
    except ValueError:
        return None


def _float_or_none(raw: str | None) -> float | None:
    try:
        value = float(raw) if raw else None
    except ValueError:
        return None
    return value if value is not None and value == value and abs(value) < 1e11 else None

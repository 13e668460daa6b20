"""Notification settings (personal, shown in a workspace's frame) and one-click unsubscribe."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from dashboard.models import UserPreference
from dashboard.notifications.mail import mail_configured
from dashboard.read_models.notifications import notifications_page_get
from dashboard.services.notifications import (
    notification_preference_update,
    unsubscribe,
    unsubscribe_read,
)
from dashboard.subscription_forms import NotificationForm
from dashboard.views.common import WorkspaceRequest, workspace_view

WHAT = {"digest": "the digest", "alerts": "new-request alerts"}


@require_GET
def notifications_home(request: HttpRequest) -> HttpResponse:
    """The settings link in e-mails: the notifications page in the last used workspace."""
    last = (
        UserPreference.objects.filter(user=request.user)
        .values_list("last_workspace_id", flat=True)
        .first()
    )
    if last is None:
        return redirect("home")
    return redirect("notifications", workspace_id=last)


@require_http_methods(["GET", "POST"])
@workspace_view
def notifications(request: WorkspaceRequest, workspace_id: int) -> HttpResponse:
    """The person's e-mail choices: a digest at their hour and days, new-request alerts."""
    page = notifications_page_get(user_id=request.user.pk, workspace_id=workspace_id)
    form = NotificationForm(request.POST or None, initial=page.initial)
    if request.method == "POST" and form.is_valid():
        notification_preference_update(user_id=request.user.pk, **form.preference_values())
        messages.success(request, "Notification settings saved.")
        return redirect("notifications", workspace_id=workspace_id)
    context = {
        "form": form,
        "mail_configured": mail_configured(),
        "email": request.user.email,
        "refresh_minutes": settings.WORKSPACE_REFRESH_MINUTES,
    }
    return render(request, "dashboard/notifications/notifications.html", context)


@login_not_required
@csrf_exempt  # the signed token is the authority; mail clients POST without a CSRF token
@require_http_methods(["GET", "POST"])
def unsubscribe_view(request: HttpRequest, token: str) -> HttpResponse:
    """GET asks (link scanners must not unsubscribe anyone); POST, one click, stops the mail."""
    found = unsubscribe_read(token)
    if found is None:
        return render(
            request, "dashboard/notifications/unsubscribe.html", {"bad": True}, status=404
        )
    user_id, kind = found
    done = request.method == "POST"
    if done:
        unsubscribe(user_id=user_id, kind=kind)
    return render(
        request, "dashboard/notifications/unsubscribe.html", {"what": WHAT[kind], "done": done}
    )

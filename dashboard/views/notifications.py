"""Notification settings (personal, shown in a workspace's frame) and one-click unsubscribe."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from dashboard.models import UserPreference
from dashboard.notifications.alerts import webhook_send_test
from dashboard.notifications.mail import mail_configured
from dashboard.read_models.notifications import notifications_page_get
from dashboard.services import alerts
from dashboard.services.notifications import (
    notification_preference_update,
    unsubscribe,
    unsubscribe_read,
)
from dashboard.subscription_forms import NotificationForm, WebhookForm
from dashboard.views.common import WorkspaceRequest, workspace_view


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
        messages.success(request, _("Notification settings saved."))
        return redirect("notifications", workspace_id=workspace_id)
    return _render(request, workspace_id, form, WebhookForm())


@require_POST
@workspace_view
def webhook_save(request: WorkspaceRequest, workspace_id: int) -> HttpResponse:
    """Set the workspace's chat webhook (switched back on if it was off)."""
    form = WebhookForm(request.POST)
    if not form.is_valid():
        page = notifications_page_get(user_id=request.user.pk, workspace_id=workspace_id)
        return _render(request, workspace_id, NotificationForm(initial=page.initial), form)
    alerts.webhook_save(
        workspace_id=workspace_id, url=form.cleaned_data["url"], user_id=request.user.pk
    )
    messages.success(request, _("Webhook saved. New requests will be posted there."))
    return redirect("notifications", workspace_id=workspace_id)


@require_POST
@workspace_view
def webhook_test(request: WorkspaceRequest, workspace_id: int) -> HttpResponse:
    """Post a test message now and say whether it was taken."""
    problem = webhook_send_test(workspace_id=workspace_id, workspace_name=request.workspace.name)
    if problem:
        messages.error(request, problem)
    else:
        messages.success(request, _("Test message sent. Check your chat."))
    return redirect("notifications", workspace_id=workspace_id)


@require_POST
@workspace_view
def webhook_delete(request: WorkspaceRequest, workspace_id: int) -> HttpResponse:
    """Stop posting to the webhook."""
    alerts.webhook_remove(workspace_id=workspace_id)
    messages.success(request, _("Webhook removed."))
    return redirect("notifications", workspace_id=workspace_id)


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
        request,
        "dashboard/notifications/unsubscribe.html",
        {"kind": kind, "done": done},
    )


def _render(request, workspace_id: int, form, webhook_form) -> HttpResponse:
    context = {
        "form": form,
        "webhook_form": webhook_form,
        "webhook": alerts.webhook_status(workspace_id=workspace_id),
        "mail_configured": mail_configured(),
        "email": request.user.email,
        "refresh_minutes": settings.WORKSPACE_REFRESH_MINUTES,
    }
    return render(request, "dashboard/notifications/notifications.html", context)

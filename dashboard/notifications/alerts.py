"""New-request alerts: an e-mail to each manager who asked, a message to the workspace's webhook.

Each delivery is claimed before it is sent. A failure puts it back to wait (the announcement
stays recorded: nothing is announced twice, nothing noticed is forgotten) and is raised for
the task to retry with backoff; after the last try it is marked failed, and a webhook that
keeps failing is switched off with the reason shown on the notifications page.
"""

import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from dashboard.models import AlertDelivery, WorkspaceWebhook
from dashboard.notifications.mail import absolute, mail_build
from dashboard.platform.outbound import WebhookRefused, post_json
from dashboard.read_models.alerts import NewRequests, new_requests_get
from dashboard.selectors.language import mail_language
from dashboard.services.alerts import delivery_claim, delivery_done, webhook_disable
from dashboard.webwork_oauth.crypto import TokenUnreadable, decrypt

logger = logging.getLogger("dashboard.notifications")

State = AlertDelivery.State


def alert_subject(news: NewRequests) -> str:
    """'New leave request: Ana Silva – Annual leave' or '3 new leave requests in Northwind'."""
    count = len(news.rows)
    if count == 1:
        row = news.rows[0]
        return _("New leave request: %(member)s – %(policy)s, %(dates)s") % {
            "member": row.member,
            "policy": row.policy,
            "dates": row.dates,
        }
    return ngettext(
        "%(count)s new leave request in %(workspace)s",
        "%(count)s new leave requests in %(workspace)s",
        count,
    ) % {"count": count, "workspace": news.workspace_name}


def _slack_text(value: str) -> str:
    """Slack and compatible apps read <, > and & as markup: send them as entities."""
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def webhook_payload(news: NewRequests, inbox_url: str) -> dict:
    """A message incoming webhooks of Slack, Mattermost and Teams all accept: {"text": ...}."""
    lines = [f"*{_slack_text(alert_subject(news))}*"]
    lines += [
        _("• %(member)s – %(policy)s, %(dates)s (%(duration)s), balance after %(balance)s")
        % {
            "member": _slack_text(row.member),
            "policy": _slack_text(row.policy),
            "dates": row.dates,
            "duration": row.duration,
            "balance": row.balance_after,
        }
        for row in news.rows
    ]
    lines.append(_("Open the inbox: %(url)s") % {"url": inbox_url})
    return {"text": "\n".join(lines)}


def alert_deliver(*, delivery_id: int) -> str:
    """Send one delivery; returns what happened, in a word. Failures are raised."""
    delivery = delivery_claim(delivery_id=delivery_id)
    if delivery is None:
        return "not-waiting"
    try:
        return _send(delivery)
    except Exception as exc:
        delivery_done(delivery_id=delivery_id, state=State.PENDING, error=_why(exc))
        raise


def alert_give_up(*, delivery_id: int, error: Exception) -> None:
    """The last try failed: mark the delivery failed; a webhook is switched off."""
    delivery = AlertDelivery.objects.get(pk=delivery_id)
    delivery_done(delivery_id=delivery_id, state=State.FAILED, error=_why(error))
    if delivery.channel == AlertDelivery.Channel.WEBHOOK:
        webhook_disable(
            workspace_id=delivery.workspace_id,
            reason=_switched_off_reason(delivery.attempts, error),
        )


def _switched_off_reason(attempts: int, error: Exception) -> str:
    """Why the webhook was switched off, as its notifications page shows it."""
    values = {"count": attempts, "problem": str(error)}
    if isinstance(error, WebhookRefused):
        # Translators: count is the number of tries, always several.
        text = ngettext(
            "Switched off after %(count)s failed tries: the webhook %(problem)s.",
            "Switched off after %(count)s failed tries: the webhook %(problem)s.",
            attempts,
        )
    else:
        values["problem"] = error.__class__.__name__
        # Translators: count is the number of tries, always several.
        text = ngettext(
            "Switched off after %(count)s failed tries: %(problem)s.",
            "Switched off after %(count)s failed tries: %(problem)s.",
            attempts,
        )
    return text % values


def webhook_send_test(*, workspace_id: int, workspace_name: str) -> str | None:
    """Post a test message to the workspace's webhook now; the problem, or None when it worked."""
    hook = WorkspaceWebhook.objects.filter(workspace_id=workspace_id).first()
    if hook is None:
        return _("There is no webhook to test.")
    text = _("Test from the WebWork Leave Dashboard: new requests in %(workspace)s show here.") % {
        "workspace": workspace_name
    }
    try:
        post_json(decrypt(hook.url_encrypted), {"text": _slack_text(text)})
    except TokenUnreadable:
        return _("The webhook address can no longer be read. Set it again.")
    except WebhookRefused as exc:
        return _("The test message was not taken: %(reason)s.") % {"reason": exc}
    return None


def _why(exc: Exception) -> str:
    if isinstance(exc, WebhookRefused):
        return f"the webhook {exc}"
    return exc.__class__.__name__


def _send(delivery: AlertDelivery) -> str:
    """Send in the recipient's language (an e-mail), or the dashboard's (a channel's webhook)."""
    language = (
        settings.LANGUAGE_CODE
        if delivery.channel == AlertDelivery.Channel.WEBHOOK
        else mail_language(user_id=delivery.recipient_id)
    )
    with translation.override(language):
        return _send_now(delivery)


def _send_now(delivery: AlertDelivery) -> str:
    reader = delivery.reader_id or delivery.recipient_id
    news = new_requests_get(
        user_id=reader, workspace_id=delivery.workspace_id, leave_ids=delivery.leave_ids
    )
    if not news.rows:  # all decided before we could tell anyone
        delivery_done(delivery_id=delivery.pk, state=State.DROPPED)
        return "dropped"
    inbox_url = absolute(reverse("inbox", args=[delivery.workspace_id]))
    if delivery.channel == AlertDelivery.Channel.WEBHOOK:
        hook = WorkspaceWebhook.objects.filter(
            workspace_id=delivery.workspace_id, enabled=True
        ).first()
        if hook is None:
            delivery_done(delivery_id=delivery.pk, state=State.DROPPED)
            return "dropped"
        try:
            url = decrypt(hook.url_encrypted)
        except TokenUnreadable as exc:
            raise WebhookRefused(_("address can no longer be read; set it again")) from exc
        post_json(url, webhook_payload(news, inbox_url))
    else:
        user = get_user_model().objects.filter(pk=delivery.recipient_id, is_active=True).first()
        if user is None or not user.email:
            delivery_done(delivery_id=delivery.pk, state=State.DROPPED)
            return "dropped"
        mail_build(
            to=user.email,
            subject=alert_subject(news),
            template="new_requests",
            context={"news": news, "inbox_url": inbox_url, "user": user},
            user_id=user.pk,
            kind="alerts",
        ).send()
    delivery_done(delivery_id=delivery.pk, state=State.SENT)
    logger.info(
        "alert sent",
        extra={"delivery_id": delivery.pk, "channel": delivery.channel, "requests": len(news.rows)},
    )
    return "sent"

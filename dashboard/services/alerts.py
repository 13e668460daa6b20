"""New-request alerts: notice new pending requests in the refresh cycle, announce each once.

WebWork sends no events for leave, so the worker's refresh of a workspace reads its pending
list and compares it with what was seen before. Announcements and their deliveries are
written in one transaction (a unique row per leave decides which worker announces it); the
deliveries are queued only once that transaction has committed, and each is claimed before it
is sent, so a request is announced once across workers and restarts.
"""

import datetime as dt
import logging
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from dashboard.models import (
    AlertDelivery,
    AlertWatch,
    LeaveAnnouncement,
    ManagedWorkspace,
    NotificationPreference,
    WorkspaceWebhook,
)
from dashboard.platform.cache import cache_peek, user_key
from dashboard.platform.queue import enqueue
from dashboard.selectors import leave_list_pending, leave_overrides
from dashboard.webwork_oauth.crypto import encrypt

logger = logging.getLogger("dashboard.alerts")

Channel = AlertDelivery.Channel
State = AlertDelivery.State

# A request that has left the pending list (decided or withdrawn) is not announced again, so
# its row is only history; it is kept a day in case a list was read a moment out of date.
SEEN_KEEP_AFTER_PENDING = dt.timedelta(days=1)
# Deliveries that ended (sent, dropped, failed) are kept this long for support questions.
DELIVERY_HISTORY = dt.timedelta(days=30)


def pending_alerts_scan(*, user_id: int, workspace_id: int) -> list[str]:
    """Read the pending list afresh; announce what is new. Returns the ids announced here."""
    entry = leave_list_pending(user_id=user_id, workspace_id=workspace_id, force=True)
    decided = leave_overrides(workspace_id=workspace_id)
    pending = [leave.id for leave in entry.value if leave.id not in decided]
    with transaction.atomic():
        _, first_look = AlertWatch.objects.get_or_create(workspace_id=workspace_id)
        known = set(
            LeaveAnnouncement.objects.filter(
                workspace_id=workspace_id, leave_id__in=pending
            ).values_list("leave_id", flat=True)
        )
        mine = [
            leave_id
            for leave_id in pending
            if leave_id not in known and _claim(workspace_id, leave_id, silent=first_look)
        ]
        _forget_no_longer_pending(workspace_id, pending)
        if first_look or not mine:
            return []
        deliveries = _deliveries(workspace_id, user_id, mine)
        ids = [delivery.pk for delivery in deliveries]
        transaction.on_commit(lambda: [_queue(delivery_id) for delivery_id in ids])
    logger.info(
        "new requests noticed",
        extra={"workspace_id": workspace_id, "new": len(mine), "deliveries": len(ids)},
    )
    return mine


def _claim(workspace_id: int, leave_id: str, *, silent: bool) -> bool:
    try:
        with transaction.atomic():
            LeaveAnnouncement.objects.create(
                workspace_id=workspace_id, leave_id=leave_id, silent=silent
            )
    except IntegrityError:
        return False  # another worker saw it first
    return True


def _forget_no_longer_pending(workspace_id: int, pending: list[str]) -> int:
    """Drop the rows of requests that are no longer pending, so the table does not grow."""
    cutoff = timezone.now() - SEEN_KEEP_AFTER_PENDING
    deleted, _ = (
        LeaveAnnouncement.objects.filter(workspace_id=workspace_id, seen_at__lt=cutoff)
        .exclude(leave_id__in=pending)
        .delete()
    )
    return deleted


def alert_history_prune() -> int:
    """Delete deliveries that ended more than DELIVERY_HISTORY ago; returns how many."""
    ended = (State.SENT, State.DROPPED, State.FAILED)
    cutoff = timezone.now() - DELIVERY_HISTORY
    deleted, _ = AlertDelivery.objects.filter(state__in=ended, created_at__lt=cutoff).delete()
    return deleted


def _queue(delivery_id: int) -> None:
    enqueue("dashboard.tasks.alert_deliver_task", delivery_id=delivery_id)


def alert_recipients(*, workspace_id: int) -> list[int]:
    """People who manage the workspace and asked for alerts.

    Who manages it comes from our own records and, when cached, from their own latest list of
    workspaces from WebWork (never a call per person): a lost role stops their alerts.
    """
    managers = ManagedWorkspace.objects.filter(workspace_id=workspace_id).values("user_id")
    wanting = NotificationPreference.objects.filter(
        user_id__in=managers, alerts_enabled=True, user__is_active=True
    ).values_list("user_id", flat=True)
    recipients = []
    for user_id in wanting:
        cached = cache_peek(user_key(user_id, "workspaces"))
        if cached is not None and all(w.id != workspace_id for w in cached.value):
            continue
        recipients.append(user_id)
    return sorted(recipients)


def _deliveries(workspace_id: int, reader_id: int, leave_ids: list[str]) -> list[AlertDelivery]:
    """One e-mail delivery per recipient, and one for the webhook if there is one."""
    common = {"workspace_id": workspace_id, "reader_id": reader_id, "leave_ids": leave_ids}
    rows = [
        {**common, "channel": Channel.EMAIL, "recipient_id": user_id}
        for user_id in alert_recipients(workspace_id=workspace_id)
    ]
    if WorkspaceWebhook.objects.filter(workspace_id=workspace_id, enabled=True).exists():
        rows.append({**common, "channel": Channel.WEBHOOK})
    return [AlertDelivery.objects.create(**row) for row in rows]


# --------------------------------------------------------------------------- sending
def delivery_claim(*, delivery_id: int) -> AlertDelivery | None:
    """Take a waiting delivery for sending (once); None when it is not waiting."""
    taken = AlertDelivery.objects.filter(pk=delivery_id, state=State.PENDING).update(
        state=State.SENDING, attempts=F("attempts") + 1
    )
    return AlertDelivery.objects.get(pk=delivery_id) if taken else None


def delivery_done(*, delivery_id: int, state: str, error: str = "") -> None:
    """Record how a sending attempt ended: sent, dropped, failed for good, or to retry."""
    AlertDelivery.objects.filter(pk=delivery_id).update(
        state=state,
        last_error=error[:300],
        sent_at=timezone.now() if state == State.SENT else None,
    )


# --------------------------------------------------------------------------- webhooks
@dataclass(frozen=True)
class WebhookStatus:
    """What the notifications page says about a workspace's webhook (never its URL)."""

    hint: str
    enabled: bool
    disabled_reason: str


def webhook_status(*, workspace_id: int) -> WebhookStatus | None:
    """The workspace's webhook as the page shows it, or None."""
    row = WorkspaceWebhook.objects.filter(workspace_id=workspace_id).first()
    if row is None:
        return None
    return WebhookStatus(row.url_hint, row.enabled, row.disabled_reason)


def url_hint(url: str) -> str:
    """Enough of a webhook URL to recognise it, not to use it: host and last 4 characters."""
    rest = url.split("://", 1)[-1]
    host = rest.split("/", 1)[0]
    return f"{host}/…{url[-4:]}" if "/" in rest else host


def webhook_save(*, workspace_id: int, url: str, user_id: int) -> None:
    """Set (or replace) the workspace's webhook, enabled, its URL encrypted at rest."""
    WorkspaceWebhook.objects.update_or_create(
        workspace_id=workspace_id,
        defaults={
            "url_encrypted": encrypt(url),
            "url_hint": url_hint(url),
            "enabled": True,
            "disabled_reason": "",
            "disabled_at": None,
            "updated_by_id": user_id,
        },
    )


def webhook_remove(*, workspace_id: int) -> None:
    """Stop telling the webhook anything."""
    WorkspaceWebhook.objects.filter(workspace_id=workspace_id).delete()


def webhook_disable(*, workspace_id: int, reason: str) -> None:
    """Switch the webhook off after repeated failures, saying why."""
    WorkspaceWebhook.objects.filter(workspace_id=workspace_id).update(
        enabled=False, disabled_reason=reason[:300], disabled_at=timezone.now()
    )
    logger.warning("webhook disabled", extra={"workspace_id": workspace_id, "reason": reason})

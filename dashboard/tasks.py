"""Celery tasks: thin interfaces that take ids only and call the service of the same name.

Only retryable WebWork errors are retried (honouring Retry-After); sign-in, permission and
not-found errors are final. A lock keeps two refreshes of one workspace from running at once.
"""

import logging
import smtplib
from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.management import call_command
from django.utils import timezone

from dashboard.models import ManagedWorkspace
from dashboard.notifications.alerts import alert_deliver, alert_give_up
from dashboard.notifications.digests import digest_send
from dashboard.platform.health import worker_heartbeat_record
from dashboard.platform.outbound import WebhookRefused
from dashboard.selectors import workspace_list_for_user
from dashboard.selectors.feeds import feed_workspace_ids
from dashboard.selectors.notifications import (
    digests_due,
    local_now,
    notification_preference_for,
)
from dashboard.services import workspace_refresh
from dashboard.services.alerts import alert_history_prune
from dashboard.services.bulk_decisions import bulk_run_advance, bulk_runs_stalled
from dashboard.services.dataset_sync import workspace_dataset_sync
from dashboard.services.held_decisions import held_decision_send, held_decisions_send_due
from dashboard.services.notifications import digest_claim_release
from dashboard.webwork import WebWorkError
from dashboard.webwork_oauth.models import SessionTombstone, WebWorkToken
from dashboard.webwork_oauth.tokens import ReauthRequired, token_refresh

logger = logging.getLogger("dashboard.tasks")

REFRESH_LOCK_SECONDS = 120
MAX_RETRY_COUNTDOWN = 120
ACTIVE_WITHIN = timedelta(days=30)
# A mail server refusing, dropping or not answering: worth another try later.
MAIL_ERRORS = (smtplib.SMTPException, OSError)


def _refresh_lock_key(workspace_id: int) -> str:
    return f"lock:refresh:ws:{workspace_id}"


def _run_refresh(task, *, workspace_id: int, user_id: int, parts: tuple[str, ...]) -> str:
    if not cache.add(
        _refresh_lock_key(workspace_id), task.request.id or "inline", REFRESH_LOCK_SECONDS
    ):
        logger.info("refresh already running", extra={"workspace_id": workspace_id})
        return "skipped"
    try:
        workspace_refresh(user_id=user_id, workspace_id=workspace_id, parts=parts)
        return "refreshed"
    except WebWorkError as exc:
        if not exc.retryable:
            logger.warning("refresh failed for good: %s", exc.__class__.__name__)
            return "failed"
        countdown = min(exc.retry_after or 10 * (task.request.retries + 1), MAX_RETRY_COUNTDOWN)
        raise task.retry(exc=exc, countdown=countdown) from exc
    except ReauthRequired:
        logger.info("refresh skipped: token needs a new sign-in", extra={"user_id": user_id})
        return "reauth"
    finally:
        cache.delete(_refresh_lock_key(workspace_id))


@shared_task(bind=True, max_retries=3, ignore_result=True)
def workspace_balances_refresh_task(self, *, workspace_id: int, user_id: int) -> str:
    """Refetch a workspace's balances (after a decision or a Refresh click)."""
    return _run_refresh(self, workspace_id=workspace_id, user_id=user_id, parts=("balances",))


@shared_task(bind=True, max_retries=3, ignore_result=True)
def workspace_refresh_task(self, *, workspace_id: int, user_id: int) -> str:
    """Refetch a workspace's members, policies and balances (and what its feeds read), and
    announce new pending requests."""
    parts = ("members", "policies", "balances", "pending")
    if workspace_id in feed_workspace_ids():
        # Owners first: each is checked with their own token, whatever befalls this one's.
        parts = ("feed_owners", *parts)
    return _run_refresh(self, workspace_id=workspace_id, user_id=user_id, parts=parts)


@shared_task(ignore_result=True)
def workspace_dataset_sync_task(*, workspace_id: int, user_id: int) -> str:
    """Renew what is due of a workspace's read model, within the person's sync share of calls
    (never retried: the next minute's run carries on where this one stopped)."""
    lock = f"lock:dataset-sync:ws:{workspace_id}"
    if not cache.add(lock, 1, REFRESH_LOCK_SECONDS):
        return "skipped"
    try:
        done = workspace_dataset_sync(user_id=user_id, workspace_id=workspace_id)
        return f"synced {len(done)}"
    except WebWorkError as exc:
        logger.warning("dataset sync failed: %s", exc.__class__.__name__)
        return "failed"
    except ReauthRequired:
        return "reauth"
    finally:
        cache.delete(lock)


@shared_task(ignore_result=True)
def access_list_renew_task(*, user_id: int) -> str:
    """Ask WebWork again which workspaces a person manages, before the list they are using
    runs out (`access_list_renewal_request`); a failure leaves the check to their next page."""
    user = get_user_model().objects.filter(pk=user_id).first()
    if user is None:
        return "gone"
    try:
        workspace_list_for_user(user=user, force=True)
        return "renewed"
    except WebWorkError as exc:
        logger.info("access list renewal failed: %s", exc.__class__.__name__)
        return "failed"
    except ReauthRequired:
        return "reauth"


# Someone looked at a workspace within this long: its read model is kept in step every minute.
WATCHED_WITHIN = timedelta(minutes=15)


@shared_task(ignore_result=True)
def datasets_sync_task() -> int:
    """Beat, every minute: sync the read model of every workspace someone is looking at, or
    that has calendar feeds, with the token of its most recent manager."""
    watched = set(
        ManagedWorkspace.objects.filter(
            last_viewed_at__gte=timezone.now() - WATCHED_WITHIN
        ).values_list("workspace_id", flat=True)
    ) | set(feed_workspace_ids())
    chosen = {ws: user for ws, user in _active_managers().items() if ws in watched}
    for workspace_id, user_id in chosen.items():
        workspace_dataset_sync_task.delay(workspace_id=workspace_id, user_id=user_id)
    return len(chosen)


def _active_managers() -> dict[int, int]:
    """For each workspace, the dashboard user with a live token who used it most recently."""
    since = timezone.now() - ACTIVE_WITHIN
    live = WebWorkToken.objects.filter(revoked_at__isnull=True, last_used_at__gte=since)
    rows = (
        ManagedWorkspace.objects.filter(user_id__in=live.values("user_id"))
        .order_by("workspace_id", "-last_viewed_at", "-updated_at")
        .values_list("workspace_id", "user_id")
    )
    chosen: dict[int, int] = {}
    for workspace_id, user_id in rows:
        chosen.setdefault(workspace_id, user_id)
    return chosen


@shared_task(ignore_result=True)
def workspaces_refresh_task() -> int:
    """Beat: queue a refresh of every workspace that has an active dashboard user."""
    chosen = _active_managers()
    for workspace_id, user_id in chosen.items():
        workspace_refresh_task.delay(workspace_id=workspace_id, user_id=user_id)
    return len(chosen)


@shared_task(ignore_result=True)
def tokens_refresh_task() -> int:
    """Beat: refresh tokens that expire within two days, for people active in the last 30."""
    now = timezone.now()
    due = WebWorkToken.objects.filter(
        revoked_at__isnull=True,
        expires_at__lte=now + timedelta(days=2),
        last_used_at__gte=now - ACTIVE_WITHIN,
    ).values_list("user_id", flat=True)
    refreshed = 0
    for user_id in due:
        try:
            token_refresh(user_id=user_id)
            refreshed += 1
        except (ReauthRequired, WebWorkError) as exc:
            logger.info("token refresh skipped: %s", exc.__class__.__name__)
    return refreshed


@shared_task(bind=True, max_retries=3, ignore_result=True)
def digest_send_task(self, *, user_id: int, scheduled: int = 1) -> str:
    """Send one person's digest; a mail server failure is retried with backoff."""
    try:
        return digest_send(
            user_id=user_id, scheduled=bool(scheduled), claimed=self.request.retries > 0
        )
    except MAIL_ERRORS as exc:
        if self.request.retries >= self.max_retries:
            logger.error("digest not sent: %s", exc.__class__.__name__, extra={"user_id": user_id})
            if scheduled:
                digest_claim_release(user_id=user_id, local_date=_local_today(user_id))
            return "failed"
        countdown = min(30 * 2**self.request.retries, MAX_RETRY_COUNTDOWN)
        raise self.retry(exc=exc, countdown=countdown) from exc


@shared_task(ignore_result=True)
def digests_due_send_task() -> int:
    """Beat, every five minutes: queue the digests due at this local hour."""
    due = digests_due()
    for user_id in due:
        digest_send_task.delay(user_id=user_id)
    return len(due)


def _local_today(user_id: int):
    return local_now(notification_preference_for(user_id=user_id)).date()


@shared_task(bind=True, max_retries=3, ignore_result=True)
def alert_deliver_task(self, *, delivery_id: int) -> str:
    """Send one new-request alert (e-mail or webhook); failures are retried with backoff."""
    try:
        return alert_deliver(delivery_id=delivery_id)
    except (*MAIL_ERRORS, WebhookRefused, WebWorkError, ReauthRequired) as exc:
        if self.request.retries >= self.max_retries:
            alert_give_up(delivery_id=delivery_id, error=exc)
            logger.warning("alert not sent: %s", exc, extra={"delivery_id": delivery_id})
            return "failed"
        countdown = min(15 * 3**self.request.retries, MAX_RETRY_COUNTDOWN)
        raise self.retry(exc=exc, countdown=countdown) from exc


@shared_task(ignore_result=True)
def sessions_clear_task() -> int:
    """Beat, daily: delete expired sessions (Django's clearsessions), and the tombstones of
    sessions whose cached copies have expired too; returns the tombstones deleted."""
    call_command("clearsessions")
    cutoff = timezone.now() - timedelta(seconds=settings.SESSION_COOKIE_AGE)
    deleted, _ = SessionTombstone.objects.filter(created_at__lt=cutoff).delete()
    return deleted


@shared_task(ignore_result=True)
def alert_history_prune_task() -> int:
    """Beat, daily: delete alert deliveries that ended a month ago; returns how many."""
    return alert_history_prune()


@shared_task(ignore_result=True)
def worker_heartbeat_task() -> float:
    """Beat, every minute: a worker took this from the queue; /healthz reports how long ago."""
    return worker_heartbeat_record()


# A bulk run waits at most this long between slices (its allowance is back within a minute).
BULK_MAX_WAIT = 60


@shared_task(bind=True, ignore_result=True)
def bulk_decisions_run_task(self, *, run_id: str) -> str:
    """Decide a bulk run slice by slice; when the person's allowance is spent, come back later
    (a new message with a countdown, not a retry: waiting is normal, not a failure)."""
    while True:
        wait = bulk_run_advance(run_id=run_id)
        if wait is None:
            return "done"
        if wait > 0:
            self.apply_async(kwargs={"run_id": run_id}, countdown=min(wait, BULK_MAX_WAIT))
            return "waiting"


@shared_task(ignore_result=True)
def bulk_runs_resume_task() -> int:
    """Beat: hand stalled bulk runs (a worker restarted mid-run) to the worker again."""
    stalled = bulk_runs_stalled()
    for run_id in stalled:
        bulk_decisions_run_task.delay(run_id=run_id)
    return len(stalled)


@shared_task(ignore_result=True)
def held_decision_send_task(*, row_id: int) -> str:
    """Send a held decision at the end of its undo window (nothing, if it was undone)."""
    result = held_decision_send(row_id=row_id)
    return result.outcome if result is not None else "not held"


@shared_task(ignore_result=True)
def held_decisions_sweep_task() -> int:
    """Beat, every few seconds: send held decisions past their time (a worker restarted, a
    task lost) and finish sends a crash interrupted."""
    return held_decisions_send_due()

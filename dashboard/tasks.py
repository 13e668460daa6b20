"""Celery tasks: thin interfaces that take ids only and call the service of the same name.

Only retryable WebWork errors are retried (honouring Retry-After); sign-in, permission and
not-found errors are final. A lock keeps two refreshes of one workspace from running at once.
"""

import logging
from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.core.cache import cache
from django.core.management import call_command
from django.utils import timezone

from dashboard.models import ManagedWorkspace
from dashboard.platform.health import worker_heartbeat_record
from dashboard.services import workspace_refresh
from dashboard.webwork import WebWorkError
from dashboard.webwork_oauth.models import SessionTombstone, WebWorkToken
from dashboard.webwork_oauth.tokens import ReauthRequired, token_refresh

logger = logging.getLogger("dashboard.tasks")

REFRESH_LOCK_SECONDS = 120
MAX_RETRY_COUNTDOWN = 120
ACTIVE_WITHIN = timedelta(days=30)


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
    """Refetch a workspace's members, policies and balances."""
    return _run_refresh(
        self,
        workspace_id=workspace_id,
        user_id=user_id,
        parts=("members", "policies", "balances"),
    )


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


@shared_task(ignore_result=True)
def sessions_clear_task() -> int:
    """Beat, daily: delete expired sessions (Django's clearsessions), and the tombstones of
    sessions whose cached copies have expired too; returns the tombstones deleted."""
    call_command("clearsessions")
    cutoff = timezone.now() - timedelta(seconds=settings.SESSION_COOKIE_AGE)
    deleted, _ = SessionTombstone.objects.filter(created_at__lt=cutoff).delete()
    return deleted


@shared_task(ignore_result=True)
def worker_heartbeat_task() -> float:
    """Beat, every minute: a worker took this from the queue; /healthz reports how long ago."""
    return worker_heartbeat_record()

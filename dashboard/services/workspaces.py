"""Writes about a workspace rather than a leave: refreshing its data, its settings, who uses it."""

from django.contrib.auth.models import AbstractBaseUser
from django.utils import timezone

from dashboard.models import ManagedWorkspace, UserPreference, WorkspaceSettings
from dashboard.platform.queue import enqueue
from dashboard.selectors import balance_list, holiday_region_forget, member_list, policy_list
from dashboard.services.alerts import pending_alerts_scan
from dashboard.services.feeds import feed_owners_recheck
from dashboard.webwork import Workspace


def workspace_refresh(
    *, user_id: int, workspace_id: int, parts: tuple[str, ...] = ("members", "policies", "balances")
) -> list[str]:
    """Refetch slow-changing data of a workspace into the cache; returns what was refreshed."""
    readers = {
        "members": lambda: member_list(user_id=user_id, workspace_id=workspace_id, force=True),
        "policies": lambda: policy_list(user_id=user_id, workspace_id=workspace_id, force=True),
        "balances": lambda: balance_list(user_id=user_id, workspace_id=workspace_id, force=True),
        # Calendar feeds: their owners' access (their data is the read model's).
        "feed_owners": lambda: feed_owners_recheck(workspace_id=workspace_id),
        # New pending requests, announced once (alerts).
        "pending": lambda: pending_alerts_scan(user_id=user_id, workspace_id=workspace_id),
    }
    done = []
    for part in parts:
        readers[part]()
        done.append(part)
    return done


def balances_refresh_request(*, user_id: int, workspace_id: int) -> None:
    """Balances changed, or someone pressed Refresh: refetch them in the background.

    Inline when there is no broker; with one, queued without holding up the request.
    """
    enqueue(
        "dashboard.tasks.workspace_balances_refresh_task",
        workspace_id=workspace_id,
        user_id=user_id,
    )


def workspace_settings_update(
    *, workspace_id: int, holiday_country: str, holiday_subdivision: str
) -> WorkspaceSettings:
    """Save where the workspace's public holidays come from."""
    row, _ = WorkspaceSettings.objects.update_or_create(
        workspace_id=workspace_id,
        defaults={
            "holiday_country": holiday_country or "",
            "holiday_subdivision": holiday_subdivision or "",
        },
    )
    holiday_region_forget(workspace_id=workspace_id)
    return row


def managed_workspaces_record(*, user: AbstractBaseUser, workspaces: list[Workspace]) -> None:
    """Remember which workspaces this person manages (so beat knows whose token to use)."""
    keep = {w.id for w in workspaces}
    ManagedWorkspace.objects.filter(user=user).exclude(workspace_id__in=keep).delete()
    for workspace in workspaces:
        ManagedWorkspace.objects.update_or_create(
            user=user, workspace_id=workspace.id, defaults={"name": workspace.name[:300]}
        )


def workspace_visit_record(*, user: AbstractBaseUser, workspace_id: int) -> None:
    """`/` opens the workspace used last."""
    UserPreference.objects.update_or_create(user=user, defaults={"last_workspace_id": workspace_id})
    ManagedWorkspace.objects.filter(user=user, workspace_id=workspace_id).update(
        last_viewed_at=timezone.now()
    )

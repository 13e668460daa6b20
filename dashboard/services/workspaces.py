"""Writes about a workspace rather than a leave: refreshing its data, its settings, who uses it."""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from dashboard.models import ManagedWorkspace, TeamCoverage, UserPreference, WorkspaceSettings
from dashboard.platform import shared
from dashboard.platform.cache import user_key
from dashboard.platform.queue import enqueue, enqueue_later
from dashboard.selectors import balance_list, holiday_region_forget, member_list, policy_list
from dashboard.selectors.access import workspace_list_age
from dashboard.selectors.zones import reference_zone_forget
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


_deferred_refreshes: ContextVar[set[tuple[int, int]] | None] = ContextVar(
    "deferred_refreshes", default=None
)


@contextmanager
def balances_refresh_deferred() -> Iterator[None]:
    """Many decisions in a row (bulk): refresh each workspace's balances once, at the end,
    instead of once per decision (each refresh costs WebWork calls from the same allowance).
    Threads started with a copy of this context add to the same set."""
    pending: set[tuple[int, int]] = set()
    marker = _deferred_refreshes.set(pending)
    try:
        yield
    finally:
        _deferred_refreshes.reset(marker)
        for user_id, workspace_id in sorted(pending):
            balances_refresh_request(user_id=user_id, workspace_id=workspace_id)


def balances_refresh_request(*, user_id: int, workspace_id: int) -> None:
    """Balances changed, or someone pressed Refresh: refetch them in the background.

    Inline when there is no broker; with one, queued without holding up the request. Inside
    `balances_refresh_deferred` the refresh waits for the end of the block (once per workspace).
    """
    deferred = _deferred_refreshes.get()
    if deferred is not None:
        deferred.add((user_id, workspace_id))
        return
    enqueue(
        "dashboard.tasks.workspace_balances_refresh_task",
        workspace_id=workspace_id,
        user_id=user_id,
    )


def workspace_settings_update(
    *,
    workspace: Workspace,
    holiday_country: str,
    holiday_subdivision: str,
    allow_self_approval: bool | None = None,
    reference_timezone: str = "",
) -> WorkspaceSettings:
    """Save where the workspace's public holidays come from, the zone of its "today" and (an
    Owner only) whether its managers may approve their own requests; `None` leaves that rule
    as it is."""
    defaults: dict[str, object] = {
        "holiday_country": holiday_country or "",
        "holiday_subdivision": holiday_subdivision or "",
        "reference_timezone": reference_timezone or "",
    }
    if allow_self_approval is not None:
        if not workspace.is_owner:
            raise PermissionDenied("only an Owner may change the four-eyes rule")
        defaults["allow_self_approval"] = allow_self_approval
    row, _ = WorkspaceSettings.objects.update_or_create(
        workspace_id=workspace.id, defaults=defaults
    )
    workspace_id = workspace.id
    holiday_region_forget(workspace_id=workspace_id)
    reference_zone_forget(workspace_id=workspace_id)
    return row


def coverage_minimums_set(*, workspace_id: int, minimums: dict[str, int | None]) -> None:
    """Save each team's minimum present (None removes the team's rule)."""
    for team, minimum in minimums.items():
        if minimum is None:
            TeamCoverage.objects.filter(workspace_id=workspace_id, team_name=team).delete()
        else:
            TeamCoverage.objects.update_or_create(
                workspace_id=workspace_id, team_name=team, defaults={"minimum": minimum}
            )


def managed_workspaces_record(*, user: AbstractBaseUser, workspaces: list[Workspace]) -> None:
    """Remember which workspaces this person manages (so beat knows whose token to use)."""
    keep = {w.id for w in workspaces}
    ManagedWorkspace.objects.filter(user=user).exclude(workspace_id__in=keep).delete()
    for workspace in workspaces:
        ManagedWorkspace.objects.update_or_create(
            user=user, workspace_id=workspace.id, defaults={"name": workspace.name[:300]}
        )


ACCESS_RENEW_TASK = "dashboard.tasks.access_list_renew_task"


def access_list_renewal_request(*, user_id: int) -> None:
    """Once half of `ACCESS_RECHECK_SECONDS` has passed, ask WebWork in the background which
    workspaces the person manages, so that a person using the dashboard never waits on that
    check. Their list is still never trusted past `ACCESS_RECHECK_SECONDS`: this only asks
    sooner, while nobody waits (once a minute at most)."""
    recheck = settings.ACCESS_RECHECK_SECONDS
    age = workspace_list_age(user_id=user_id)
    if recheck <= 0 or age is None or age < recheck / 2:
        return
    if shared.add(user_key(user_id, "workspaces", "renewing"), 1, 60):
        enqueue_later(ACCESS_RENEW_TASK, countdown=0, user_id=user_id)


def workspace_visit_record(*, user: AbstractBaseUser, workspace_id: int) -> None:
    """`/` opens the workspace used last."""
    UserPreference.objects.update_or_create(user=user, defaults={"last_workspace_id": workspace_id})
    ManagedWorkspace.objects.filter(user=user, workspace_id=workspace_id).update(
        last_viewed_at=timezone.now()
    )

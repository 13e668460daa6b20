"""One inbox across workspaces: the oldest pending requests of each workspace the person
manages, grouped by workspace, with each workspace's pending count.

Each group is read as its own inbox would (cached reads, degrading per workspace); rows leave
out the team overlap, which needs each workspace's months of leaves: the workspace's own inbox
shows it.
"""

from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.translation import gettext

from dashboard.read_models.common import Notice, describe, failure_notice
from dashboard.read_models.inbox import InboxRow, build_row
from dashboard.read_models.lookup import Lookup
from dashboard.selectors import (
    balance_list,
    fetch_parallel,
    leave_list_pending,
    leave_overrides,
    leaves_with_overrides,
    member_list,
    pending_count_peek,
    policy_list,
)
from dashboard.webwork import LeaveStatus, Workspace

ROWS_PER_WORKSPACE = 10


@dataclass(frozen=True)
class WorkspaceGroup:
    """One workspace's part of the inbox."""

    workspace: Workspace
    rows: list[InboxRow] = field(default_factory=list)
    pending_count: int | None = None
    notice: Notice | None = None

    @property
    def remaining(self) -> int:
        """Pending requests of the workspace not shown here."""
        return max((self.pending_count or 0) - len(self.rows), 0)


@dataclass(frozen=True)
class AllInbox:
    """The groups shown, and every managed workspace for the filter."""

    groups: list[WorkspaceGroup]
    workspaces: list[Workspace]
    chosen: int | None


def all_inbox_get(
    *, user_id: int, workspaces: list[Workspace], chosen: int | None = None
) -> AllInbox:
    """The pending requests of every workspace in `workspaces` (the person's own, checked by
    the caller), or of `chosen` alone when it is one of them."""
    if chosen not in {w.id for w in workspaces}:
        chosen = None
    shown = [w for w in workspaces if chosen in (None, w.id)]
    groups = [_group(user_id, workspace) for workspace in shown]
    return AllInbox(groups=groups, workspaces=workspaces, chosen=chosen)


def _group(user_id: int, workspace: Workspace) -> WorkspaceGroup:
    ws = workspace.id
    reads = fetch_parallel(
        user_id=user_id,
        pending=lambda: leave_list_pending(user_id=user_id, workspace_id=ws),
        members=lambda: member_list(user_id=user_id, workspace_id=ws),
        policies=lambda: policy_list(user_id=user_id, workspace_id=ws),
        balances=lambda: balance_list(user_id=user_id, workspace_id=ws),
    )
    pending = reads["pending"]
    if pending.entry is None:
        return WorkspaceGroup(
            workspace=workspace,
            pending_count=pending_count_peek(workspace_id=ws),
            notice=failure_notice(
                pending.error, gettext("This workspace's requests can't be shown.")
            ),
        )
    leaves = leaves_with_overrides(
        pending.entry, leave_overrides(workspace_id=ws), status=LeaveStatus.PENDING
    )
    lookup = Lookup.build(reads["members"].value, reads["policies"].value, reads["balances"].value)
    now = timezone.now()
    rows = [
        build_row(leave, lookup=lookup, team_index=None, holidays={}, now=now)
        for leave in leaves[:ROWS_PER_WORKSPACE]
    ]
    stale = None
    if pending.entry.stale and pending.entry.error is not None:
        saved = gettext("Showing saved data.")
        stale = Notice("warning", f"{describe(pending.entry.error)} {saved}")
    return WorkspaceGroup(workspace=workspace, rows=rows, pending_count=len(leaves), notice=stale)


def pending_counts_peek(*, workspaces: list[Workspace]) -> list[tuple[Workspace, int | None]]:
    """Each workspace with its pending count as the cache knows it (None: not cached; never
    fetched): the switcher's and the picker's figures."""
    return [(w, pending_count_peek(workspace_id=w.id)) for w in workspaces]

"""What an alert about new requests says: each request as the inbox shows it.

Read from the lists the refresh that noticed them has just cached, so an alert costs no call
per request or per recipient.
"""

from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext

from dashboard.models import ManagedWorkspace
from dashboard.read_models.digest import DigestRow, digest_row
from dashboard.read_models.inbox import build_row
from dashboard.read_models.lookup import Lookup
from dashboard.selectors import (
    balance_list,
    fetch_parallel,
    leave_list_pending,
    leave_overrides,
    leaves_with_overrides,
    member_list,
    policy_list,
)
from dashboard.webwork import LeaveStatus


@dataclass(frozen=True)
class NewRequests:
    """The requests still pending among those noticed, and where they are."""

    workspace_id: int
    workspace_name: str
    rows: list[DigestRow]


def new_requests_get(*, user_id: int, workspace_id: int, leave_ids: list[str]) -> NewRequests:
    """The noticed requests that still wait (a request decided meanwhile is left out).

    Raises the WebWork error when the pending list cannot be read at all.
    """
    reads = fetch_parallel(
        user_id=user_id,
        pending=lambda: leave_list_pending(user_id=user_id, workspace_id=workspace_id),
        members=lambda: member_list(user_id=user_id, workspace_id=workspace_id),
        policies=lambda: policy_list(user_id=user_id, workspace_id=workspace_id),
        balances=lambda: balance_list(user_id=user_id, workspace_id=workspace_id),
    )
    if reads["pending"].entry is None:
        raise reads["pending"].error
    wanted = set(leave_ids)
    overrides = leave_overrides(workspace_id=workspace_id)
    leaves = [
        leave
        for leave in leaves_with_overrides(
            reads["pending"].entry, overrides, status=LeaveStatus.PENDING
        )
        if leave.id in wanted
    ]
    lookup = Lookup.build(reads["members"].value, reads["policies"].value, reads["balances"].value)
    now = timezone.now()
    rows = [
        digest_row(build_row(leave, lookup=lookup, team_index=None, holidays={}, now=now))
        for leave in leaves
    ]
    name = (
        ManagedWorkspace.objects.filter(workspace_id=workspace_id)
        .values_list("name", flat=True)
        .first()
    )
    return NewRequests(
        workspace_id, name or gettext("Workspace %(id)s") % {"id": workspace_id}, rows
    )

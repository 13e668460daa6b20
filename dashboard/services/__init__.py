"""Writes: the rules around everything the dashboard sends to WebWork or keeps itself.

- `decisions`: approve and reject, one decision per leave (`claims`), never sent twice;
- `leave_requests`: filing a request on a member's behalf, never twice per form;
- `workspaces`: refreshing a workspace's data, its settings, who manages it;
- `audit`: how a write ended (`DecisionOutcome`) and who made it, as the audit log keeps it.
"""

from dashboard.services.audit import DecisionOutcome
from dashboard.services.decisions import DecisionResult, leave_approve, leave_reject
from dashboard.services.leave_requests import CreateResult, NewLeave, leave_create
from dashboard.services.workspaces import (
    balances_refresh_request,
    coverage_minimums_set,
    managed_workspaces_record,
    workspace_refresh,
    workspace_settings_update,
    workspace_visit_record,
)

__all__ = [
    "CreateResult",
    "DecisionOutcome",
    "DecisionResult",
    "NewLeave",
    "balances_refresh_request",
    "coverage_minimums_set",
    "leave_approve",
    "leave_create",
    "leave_reject",
    "managed_workspaces_record",
    "workspace_refresh",
    "workspace_settings_update",
    "workspace_visit_record",
]

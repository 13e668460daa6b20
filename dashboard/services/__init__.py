"""Writes: the rules around everything the dashboard sends to WebWork or keeps itself.

- `decisions`: approve and reject, one decision per leave (`claims`), never sent twice;
- `held_decisions`: the undo window, a held decision sent once when its time comes;
- `bulk_decisions`: many of those at once, re-checked, paced by the person's allowance;
- `leave_requests`: filing a request on a member's behalf, never twice per form;
- `workspaces`: refreshing a workspace's data, its settings, who manages it;
- `audit`: how a write ended (`DecisionOutcome`) and who made it, as the audit log keeps it.
"""

from dashboard.services.audit import DecisionOutcome
from dashboard.services.bulk_decisions import (
    bulk_run_begin,
    bulk_run_retry,
    bulk_run_step,
    bulk_run_undo,
    bulk_start,
)
from dashboard.services.decisions import DecisionResult, leave_approve, leave_reject
from dashboard.services.held_decisions import leave_decision_outcome, leave_decision_undo
from dashboard.services.leave_requests import (
    CreateResult,
    NewLeave,
    leave_create,
    leave_create_and_approve,
)
from dashboard.services.workspaces import (
    access_list_renewal_request,
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
    "access_list_renewal_request",
    "balances_refresh_request",
    "bulk_run_begin",
    "bulk_run_retry",
    "bulk_run_step",
    "bulk_run_undo",
    "bulk_start",
    "coverage_minimums_set",
    "leave_approve",
    "leave_create",
    "leave_create_and_approve",
    "leave_decision_outcome",
    "leave_decision_undo",
    "leave_reject",
    "managed_workspaces_record",
    "workspace_refresh",
    "workspace_settings_update",
    "workspace_visit_record",
]

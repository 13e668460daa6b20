"""Reads: everything a page shows starts here, cached per workspace (see each module).

- `access`: the workspaces a person manages, trusted only while fresh, dropped on a 403;
- `parallel`: several reads of one page at once, each failing on its own;
- `readers`: the cached reads from WebWork, one per kind of data;
- `overlay`: our own recent decisions, applied over cached lists;
- `pending`: the pending list and the cache-only peeks at it (the navigation's count);
- `holidays`: public holidays (WebWork has none): the workspace's, a team's or a member's;
- `zones`: the zone a workspace counts its days in (`workspace_today`), and a person's zone.
- `held`: decisions held for their undo window (who is deciding what).
- `shapes`: how many pages each list had last time, so a cold list is read in one round.
"""

from dashboard.selectors.access import (
    access_refusals,
    workspace_list_for_user,
    workspace_list_prime,
)
from dashboard.selectors.holidays import (
    HolidayRegions,
    holiday_region,
    holiday_region_forget,
    holiday_regions,
    holidays_between,
)
from dashboard.selectors.overlay import leave_overrides, leaves_with_overrides
from dashboard.selectors.parallel import ReadResult, fetch_parallel
from dashboard.selectors.pending import (
    cached_leave_peek,
    leave_list_pending,
    leave_pending_again,
    pending_count_peek,
)
from dashboard.selectors.readers import (
    LeaveQuery,
    balance_list,
    balance_window,
    leave_get,
    leave_get_or_none,
    leave_list,
    leave_list_for_month,
    member_list,
    policy_list,
)
from dashboard.selectors.shapes import list_shapes
from dashboard.selectors.zones import workspace_today

__all__ = [
    "HolidayRegions",
    "LeaveQuery",
    "ReadResult",
    "access_refusals",
    "balance_list",
    "balance_window",
    "cached_leave_peek",
    "fetch_parallel",
    "holiday_region",
    "holiday_region_forget",
    "holiday_regions",
    "holidays_between",
    "leave_get",
    "leave_get_or_none",
    "leave_list",
    "leave_list_for_month",
    "leave_list_pending",
    "leave_overrides",
    "leave_pending_again",
    "leaves_with_overrides",
    "list_shapes",
    "member_list",
    "pending_count_peek",
    "policy_list",
    "workspace_list_for_user",
    "workspace_list_prime",
    "workspace_today",
]

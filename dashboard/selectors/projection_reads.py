"""The inputs of a balance projection, read through the cached readers (no call when warm).

The inbox has most of them at hand already and calls `project_balance` itself; the request
detail, the new-request preview and the decision rules use `leave_projection`.
"""

import datetime as dt
from collections.abc import Iterable, Mapping

from dashboard.selectors.holidays import holiday_regions, holidays_between
from dashboard.selectors.overlay import leave_overrides, leaves_with_overrides
from dashboard.selectors.pending import leave_list_pending
from dashboard.selectors.projection import Projection, leave_years, project_balance
from dashboard.selectors.readers import balance_list, member_list_peek, policy_list
from dashboard.webwork import Balance, BalanceAmount, Leave, LeaveStatus, Policy, WebWorkError


def policy_of(leave: Leave, policies: Iterable[Policy]) -> Policy | None:
    """The leave's policy, by id, else by name."""
    policies = list(policies)
    by_id = next(
        (p for p in policies if leave.policy_id is not None and p.id == leave.policy_id), None
    )
    if by_id is not None:
        return by_id
    wanted = (leave.policy_name or "").strip().casefold()
    return next((p for p in policies if wanted and p.name.strip().casefold() == wanted), None)


def member_balance(
    balances: Iterable[Balance] | None, member_id: int | None, policy: Policy
) -> BalanceAmount | None:
    """A member's remaining balance under a policy, from one year's balance list."""
    if balances is None or member_id is None:
        return None
    entry = next((b for b in balances if b.user_id == member_id), None)
    return entry.for_policy(policy.name) if entry is not None else None


class MemberHolidays:
    """The public holidays each member has off in some years: their own region, else their
    team's, else the workspace's. Regions and the cached members are read once, and each
    region's holidays worked out once, however many leaves ask (no WebWork call)."""

    def __init__(self, workspace_id: int, years: Iterable[int]):
        years = sorted(set(years))
        self._span = (dt.date(years[0], 1, 1), dt.date(years[-1], 12, 31)) if years else None
        self._regions = holiday_regions(workspace_id=workspace_id)
        cached = member_list_peek(workspace_id=workspace_id)
        self._members = {m.id: m for m in cached.value} if cached else {}
        self._by_region: dict[tuple[str, str], dict[dt.date, str]] = {}

    def of(self, member_id: int | None) -> dict[dt.date, str]:
        """The member's holidays (the workspace's when no member is named)."""
        if self._span is None:
            return {}
        region = self._regions.members.get(member_id) or self._regions.for_member(
            self._members.get(member_id)
        )
        if region not in self._by_region:
            self._by_region[region] = holidays_between(region, *self._span)
        return self._by_region[region]


def holidays_of_years(
    workspace_id: int, years: Iterable[int], *, member_id: int | None = None
) -> dict[dt.date, str]:
    """The public holidays one member has off in the given years (see `MemberHolidays`)."""
    return MemberHolidays(workspace_id, years).of(member_id)


def _balances_of_year(user_id: int, workspace_id: int, year: int) -> list[Balance] | None:
    try:
        return balance_list(user_id=user_id, workspace_id=workspace_id, year=year).value
    except WebWorkError:
        return None


def pending_with_decisions(*, user_id: int, workspace_id: int) -> list[Leave] | None:
    """Every pending request, with our own recent decisions applied; None when unreadable."""
    try:
        entry = leave_list_pending(user_id=user_id, workspace_id=workspace_id)
    except WebWorkError:
        return None
    overrides = leave_overrides(workspace_id=workspace_id)
    return leaves_with_overrides(entry, overrides, status=LeaveStatus.PENDING)


def leave_projection(
    *,
    user_id: int,
    workspace_id: int,
    leave: Leave,
    balance_lists: Mapping[int, list[Balance] | None] | None = None,
) -> Projection | None:
    """The projection of one leave (None when its policy can't be known)."""
    try:
        policy = policy_of(leave, policy_list(user_id=user_id, workspace_id=workspace_id).value)
    except WebWorkError:
        return None
    if policy is None:
        return None
    years = leave_years(leave)
    known = balance_lists or {}
    balances = {
        year: member_balance(
            known[year] if year in known else _balances_of_year(user_id, workspace_id, year),
            leave.user_id,
            policy,
        )
        for year in years
    }
    return project_balance(
        leave=leave,
        policy=policy,
        balances=balances,
        pending=pending_with_decisions(user_id=user_id, workspace_id=workspace_id),
        holidays=holidays_of_years(workspace_id, years, member_id=leave.user_id),
    )

"""The inbox: pending requests, oldest first, with what a manager needs to decide each one."""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.utils import timezone

from dashboard.dates import add_months, month_index, week_bounds
from dashboard.read_models.common import Notice, describe, notices_for
from dashboard.read_models.format import (
    Duration,
    is_off_on,
    leave_dates_text,
    leave_duration,
    leave_end,
    waited_text,
)
from dashboard.read_models.lookup import Lookup
from dashboard.selectors import (
    balance_list,
    fetch_parallel,
    holiday_regions,
    holidays_between,
    leave_list_for_month,
    leave_list_pending,
    leave_overrides,
    leaves_with_overrides,
    member_list,
    policy_list,
    workspace_today,
)
from dashboard.webwork import BalanceAmount, Leave, LeaveStatus

# Months of team leave fetched to show who else is off; pending requests further out than
# this are rare, and each month costs WebWork calls.
MAX_OVERLAP_MONTHS = 6
OFF_STATUSES = (LeaveStatus.APPROVED, LeaveStatus.PENDING)
# Rows built and shown at a time, oldest first; "Show more" appends the next slice. A busy
# workspace can have hundreds pending, and nobody decides them all from one long page.
PAGE_SIZE = 25
MAX_SHOWN = 1000


@dataclass(frozen=True, kw_only=True)
class InboxRow:
    """One pending (or just decided) request as the inbox shows it."""

    leave: Leave
    member_name: str
    team: str | None
    policy_name: str
    dates: str
    duration: Duration
    waited: str
    balance: BalanceAmount | None
    team_off: tuple[str, ...]
    team_off_known: bool = True
    decided_by_name: str | None = None


@dataclass(frozen=True)
class OutEntry:
    """Someone out today or this week."""

    name: str
    policy_name: str
    dates: str
    pending: bool
    first: dt.date
    last: dt.date


@dataclass(kw_only=True)
class Inbox:
    """Everything the inbox page shows."""

    rows: list[InboxRow] = field(default_factory=list)
    unavailable: bool = False
    notices: list[Notice] = field(default_factory=list)
    fetched_at: float | None = None
    out_today: list[OutEntry] = field(default_factory=list)
    out_week: list[OutEntry] = field(default_factory=list)
    pending_count: int = 0
    start: int = 0

    @property
    def next_start(self) -> int | None:
        """Where the next slice of rows starts, if any rows remain after these."""
        end = self.start + len(self.rows)
        return end if end < self.pending_count else None

    @property
    def remaining(self) -> int:
        """Pending requests after the rows shown."""
        return max(self.pending_count - self.start - len(self.rows), 0)

    @property
    def next_count(self) -> int:
        """How many rows "Show more" adds."""
        return min(self.remaining, PAGE_SIZE)


def _near_months(today: dt.date) -> list[tuple[int, int]]:
    """The months of the current week, and the next month."""
    following = add_months(today, 1)
    return sorted({(d.year, d.month) for d in (*week_bounds(today), following)})


def _month_reads(user_id: int, workspace_id: int, months) -> dict:
    """Reads of whole months of leave, named m<year>_<month>, for `fetch_parallel`."""
    return {
        f"m{year}_{month}": (
            lambda y=year, m=month: leave_list_for_month(
                user_id=user_id, workspace_id=workspace_id, year=y, month=m
            )
        )
        for year, month in months
    }


def _months_spanned(leaves: list[Leave], today: dt.date) -> list[tuple[int, int]]:
    """Months the pending leaves touch, plus those of the current week, nearest first."""
    months: set[tuple[int, int]] = {(d.year, d.month) for d in week_bounds(today)}
    for leave in leaves:
        start, end = leave.start_date, leave_end(leave)
        if start is None or end is None:
            continue
        cursor = dt.date(start.year, start.month, 1)
        while cursor <= end and len(months) < 24:
            months.add((cursor.year, cursor.month))
            cursor = add_months(cursor, 1)
    ordered = sorted(months, key=lambda ym: abs(month_index(dt.date(*ym, 1)) - month_index(today)))
    return ordered[:MAX_OVERLAP_MONTHS]


class TeamIndex:
    """Leaves that make people 'off', grouped by team, to answer who else is away."""

    def __init__(self, leaves: list[Leave], lookup: Lookup, months: list[tuple[int, int]]):
        self.months = set(months)
        self.by_team: dict[str, list[Leave]] = defaultdict(list)
        seen: set[str] = set()
        for leave in leaves:
            if leave.id in seen or leave.status not in OFF_STATUSES:
                continue
            seen.add(leave.id)
            member = lookup.members.get(leave.user_id)
            if member is not None and member.team_name:
                self.by_team[member.team_name].append(leave)
        self.lookup = lookup

    def covers(self, leave: Leave) -> bool:
        """True when every month of the leave was fetched (so "nobody" means nobody)."""
        start, end = leave.start_date, leave_end(leave)
        if start is None or end is None:
            return False
        return {(start.year, start.month), (end.year, end.month)} <= self.months

    def off_with(self, leave: Leave, team: str | None) -> tuple[str, ...]:
        """Names of teammates off on any day of `leave`."""
        start, end = leave.start_date, leave_end(leave)
        if not team or start is None or end is None:
            return ()
        names = {
            self.lookup.member_name(other.user_id)
            for other in self.by_team.get(team, ())
            if other.user_id != leave.user_id
            and other.id != leave.id
            and other.start_date is not None
            and other.start_date <= end
            and (leave_end(other) or other.start_date) >= start
        }
        return tuple(sorted(names, key=str.casefold))


def build_row(
    leave: Leave,
    *,
    lookup: Lookup,
    team_index: TeamIndex | None,
    holidays: dict[dt.date, str],
    now: dt.datetime,
) -> InboxRow:
    """Compose one inbox row."""
    member = lookup.members.get(leave.user_id) if leave.user_id is not None else None
    policy = lookup.policy_for(leave)
    policy_name = lookup.policy_name(leave)
    balance = lookup.balances.get(leave.user_id) if leave.user_id is not None else None
    team = member.team_name if member else None
    return InboxRow(
        leave=leave,
        member_name=lookup.member_name(leave.user_id),
        team=team,
        policy_name=policy_name,
        dates=leave_dates_text(leave, today=now.date(), zone=lookup.member_zone(leave.user_id)),
        duration=leave_duration(leave, policy, holidays),
        waited=waited_text(leave.created_at, now),
        balance=balance.for_policy(policy_name) if balance else None,
        team_off=team_index.off_with(leave, team) if team_index else (),
        team_off_known=team_index is not None and team_index.covers(leave),
        decided_by_name=lookup.member_name(leave.decided_by) if leave.decided_by else None,
    )


def _out_entries(leaves: list[Leave], lookup: Lookup, start: dt.date, end: dt.date, today):
    entries, seen = [], set()
    for leave in leaves:
        first, last = leave.start_date, leave_end(leave)
        if leave.status not in OFF_STATUSES or first is None or last is None or leave.id in seen:
            continue
        if first <= end and last >= start:
            seen.add(leave.id)
            entries.append(
                OutEntry(
                    name=lookup.member_name(leave.user_id),
                    policy_name=lookup.policy_name(leave),
                    dates=leave_dates_text(
                        leave, today=today, zone=lookup.member_zone(leave.user_id)
                    ),
                    pending=leave.is_pending,
                    first=first,
                    last=last,
                )
            )
    return sorted(entries, key=lambda e: e.name.casefold())


def inbox_get(
    *,
    user_id: int,
    workspace_id: int,
    start: int = 0,
    count: int = PAGE_SIZE,
    today: dt.date | None = None,
) -> Inbox:
    """The inbox page: pending requests `start` to `start + count` (oldest first) and the
    out-today strip, degrading per failed read. Rows are built for that slice only."""
    start = max(start, 0)
    count = min(max(count, 1), MAX_SHOWN)
    now = timezone.now()
    today = today or workspace_today(workspace_id=workspace_id)
    # The months of this week and the next month are needed in any case (the out-today strip,
    # most pending requests): read them beside the pending list instead of after it.
    early = _near_months(today)
    core = fetch_parallel(
        user_id=user_id,
        pending=lambda: leave_list_pending(user_id=user_id, workspace_id=workspace_id),
        members=lambda: member_list(user_id=user_id, workspace_id=workspace_id),
        policies=lambda: policy_list(user_id=user_id, workspace_id=workspace_id),
        balances=lambda: balance_list(user_id=user_id, workspace_id=workspace_id),
        **_month_reads(user_id, workspace_id, early),
    )
    pending = core["pending"]
    if pending.entry is None:
        return Inbox(
            unavailable=True,
            notices=[
                Notice("error", f"{describe(pending.error)} Pending requests can't be shown.")
            ],
        )
    overrides = leave_overrides(workspace_id=workspace_id)
    all_pending = leaves_with_overrides(pending.entry, overrides, status=LeaveStatus.PENDING)
    leaves = all_pending[start : start + count]
    months = sorted(set(_months_spanned(leaves, today)) | set(early))
    month_reads = {name: core[name] for name in _month_reads(user_id, workspace_id, early)}
    month_reads |= fetch_parallel(
        user_id=user_id,
        **_month_reads(user_id, workspace_id, [m for m in months if m not in early]),
    )
    lookup = Lookup.build(core["members"].value, core["policies"].value, core["balances"].value)
    month_leaves = [
        leave
        for outcome in month_reads.values()
        if outcome.entry is not None
        for leave in leaves_with_overrides(outcome.entry, overrides)
    ]
    all_months_ok = all(o.entry is not None for o in month_reads.values())
    team_index = TeamIndex(month_leaves + leaves, lookup, months) if all_months_ok else None
    regions = holiday_regions(workspace_id=workspace_id)
    span_start = min((lv.start_date for lv in leaves if lv.start_date), default=today)
    span_end = max((leave_end(lv) for lv in leaves if leave_end(lv)), default=today)
    rows = [
        build_row(
            leave,
            lookup=lookup,
            team_index=team_index,
            # The member's own public holidays: their region, else their team's or the workspace's.
            holidays=holidays_between(
                regions.for_member(lookup.members.get(leave.user_id)), span_start, span_end
            ),
            now=now,
        )
        for leave in leaves
    ]
    out_week = _out_entries(month_leaves, lookup, *week_bounds(today), today)
    off_today = [leave for leave in month_leaves if is_off_on(leave, today)]
    return Inbox(
        rows=rows,
        notices=notices_for(
            "data",
            pending,
            core["members"],
            core["policies"],
            core["balances"],
            *month_reads.values(),
        ),
        fetched_at=pending.entry.fetched_at,
        out_today=_out_entries(off_today, lookup, today, today, today),
        out_week=out_week,
        pending_count=len(all_pending),
        start=start,
    )


def inbox_row_get(*, user_id: int, workspace_id: int, leave: Leave) -> InboxRow:
    """One row, re-rendered after a decision (from cached data; no overlap lookup needed)."""
    reads = fetch_parallel(
        user_id=user_id,
        members=lambda: member_list(user_id=user_id, workspace_id=workspace_id),
        policies=lambda: policy_list(user_id=user_id, workspace_id=workspace_id),
        balances=lambda: balance_list(user_id=user_id, workspace_id=workspace_id),
    )
    lookup = Lookup.build(reads["members"].value, reads["policies"].value, reads["balances"].value)
    return build_row(leave, lookup=lookup, team_index=None, holidays={}, now=timezone.now())

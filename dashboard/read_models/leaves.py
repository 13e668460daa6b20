"""The requests list: every request with filters, text search, pagination and CSV rows."""

import datetime as dt
from dataclasses import dataclass, field

from django.core.paginator import Page, Paginator
from django.utils import timezone

from dashboard.read_models.common import Notice, describe, notices_for
from dashboard.read_models.format import leave_dates_text, leave_duration, leave_end
from dashboard.read_models.inbox import Lookup
from dashboard.selectors import (
    LeaveQuery,
    fetch_parallel,
    leave_list,
    leave_overrides,
    leaves_with_overrides,
    member_list,
    policy_list,
)
from dashboard.webwork import Leave, Member, Policy

PAGE_SIZE = 25


@dataclass(frozen=True, kw_only=True)
class LeaveFilters:
    """What the person asked for: filters WebWork applies, and `q` over names and notes."""

    query: LeaveQuery = field(default_factory=LeaveQuery)
    q: str = ""
    page: int = 1

    @classmethod
    def from_values(cls, *, q: str = "", page: int = 1, **query) -> "LeaveFilters":
        """Build from the filter form's values."""
        return cls(query=LeaveQuery(**query), q=q, page=page)


@dataclass(frozen=True, kw_only=True)
class LeaveListRow:
    """A request as the list and the CSV export show it."""

    leave: Leave
    member_name: str
    team: str | None
    policy_name: str
    dates: str
    duration: str
    decided_by_name: str | None


@dataclass(kw_only=True)
class LeaveListing:
    """The filtered requests, the lists the filters offer, and notices."""

    rows: list[LeaveListRow] = field(default_factory=list)
    members: list[Member] = field(default_factory=list)
    policies: list[Policy] = field(default_factory=list)
    unavailable: bool = False
    notices: list[Notice] = field(default_factory=list)
    fetched_at: float | None = None

    def page(self, number: int) -> Page:
        """One page of rows (out-of-range numbers give the last page)."""
        return Paginator(self.rows, PAGE_SIZE).get_page(number)


def filter_options(*, user_id: int, workspace_id: int) -> tuple[list[Member], list[Policy]]:
    """Members and policies for the filter and create forms (empty lists when unavailable)."""
    reads = fetch_parallel(
        user_id=user_id,
        members=lambda: member_list(user_id=user_id, workspace_id=workspace_id),
        policies=lambda: policy_list(user_id=user_id, workspace_id=workspace_id),
    )
    return list(reads["members"].value or []), list(reads["policies"].value or [])


def _matches(row: LeaveListRow, needle: str) -> bool:
    haystack = f"{row.member_name}\n{row.leave.note or ''}".casefold()
    return needle in haystack


def leave_listing_get(*, user_id: int, workspace_id: int, filters: LeaveFilters) -> LeaveListing:
    """Requests matching the filters, newest first."""
    reads = fetch_parallel(
        user_id=user_id,
        leaves=lambda: leave_list(user_id=user_id, workspace_id=workspace_id, query=filters.query),
        members=lambda: member_list(user_id=user_id, workspace_id=workspace_id),
        policies=lambda: policy_list(user_id=user_id, workspace_id=workspace_id),
    )
    members = list(reads["members"].value or [])
    policies = list(reads["policies"].value or [])
    result = reads["leaves"]
    if result.entry is None:
        return LeaveListing(
            members=members,
            policies=policies,
            unavailable=True,
            notices=[Notice("error", f"{describe(result.error)} Requests can't be shown.")],
        )
    lookup = Lookup.build(members, policies, None)
    overrides = leave_overrides(workspace_id=workspace_id)
    leaves = leaves_with_overrides(result.entry.value, overrides, status=filters.query.status)
    today = timezone.localdate()
    rows = [_row(leave, lookup, today) for leave in leaves]
    needle = filters.q.casefold().strip()
    if needle:
        rows = [row for row in rows if _matches(row, needle)]
    rows.sort(key=_newest_first)
    return LeaveListing(
        rows=rows,
        members=members,
        policies=policies,
        notices=notices_for("requests", result, reads["members"], reads["policies"]),
        fetched_at=result.entry.fetched_at,
    )


def _row(leave: Leave, lookup: Lookup, today: dt.date) -> LeaveListRow:
    member = lookup.members.get(leave.user_id) if leave.user_id is not None else None
    policy = lookup.policy_for(leave)
    return LeaveListRow(
        leave=leave,
        member_name=lookup.member_name(leave.user_id),
        team=member.team_name if member else None,
        policy_name=policy.name if policy else (leave.policy_name or "Leave"),
        dates=leave_dates_text(leave, today=today),
        duration=leave_duration(leave, policy).text,
        decided_by_name=lookup.member_name(leave.decided_by) if leave.decided_by else None,
    )


def _newest_first(row: LeaveListRow) -> tuple:
    leave = row.leave
    created = leave.created_at.timestamp() if leave.created_at else 0.0
    return (-created, -(leave.start_date or dt.date.min).toordinal(), leave.id)


CSV_HEADER = [
    "id",
    "member_id",
    "member",
    "team",
    "policy",
    "status",
    "paid",
    "start_date",
    "end_date",
    "leave_period",
    "start_time",
    "end_time",
    "duration",
    "note",
    "created_at",
    "decided_by",
    "reject_reason",
]

PERIOD_NAMES = {0: "full day", 1: "first half", 2: "second half"}


def csv_cell(value: object) -> str:
    """Text for a CSV cell; a leading =, +, - or @ is defused so spreadsheets don't run it."""
    text = "" if value is None else str(value)
    if text[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + text
    return text


def csv_rows(listing: LeaveListing):
    """The header, then one list of cells per request (ISO dates)."""
    yield CSV_HEADER
    for row in listing.rows:
        leave = row.leave
        yield [
            csv_cell(v)
            for v in (
                leave.id,
                leave.user_id,
                row.member_name,
                row.team,
                row.policy_name,
                leave.status,
                {True: "yes", False: "no"}.get(leave.is_paid, ""),
                leave.start_date.isoformat() if leave.start_date else "",
                leave_end(leave).isoformat() if leave_end(leave) else "",
                "" if leave.is_hour_based else PERIOD_NAMES.get(leave.leave_period, ""),
                leave.start_time.strftime("%H:%M") if leave.start_time else "",
                leave.end_time.strftime("%H:%M") if leave.end_time else "",
                row.duration,
                leave.note,
                leave.created_at.isoformat() if leave.created_at else "",
                row.decided_by_name,
                leave.reject_reason,
            )
        ]

"""The inbox: pending requests, oldest first, with what a manager needs to decide each one."""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cached_property

from django.utils import timezone
from django.utils.translation import gettext, ngettext

from dashboard.dates import add_months, month_index
from dashboard.read_models.common import DATA, Notice, failure_notice, notices_for
from dashboard.read_models.format import (
    Duration,
    day_text,
    is_off_on,
    leave_dates_text,
    leave_duration,
    leave_end,
    waited_text,
    week_of,
)
from dashboard.read_models.lookup import Lookup
from dashboard.read_models.projection import ProjectionView, projection_view
from dashboard.selectors import (
    balance_list,
    balance_window,
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
from dashboard.selectors.coverage import coverage_minimums, short_days, team_sizes
from dashboard.selectors.pending import created_order, pending_peek
from dashboard.selectors.projection import Projection, leave_years, project_balance
from dashboard.selectors.projection_reads import (
    MemberHolidays,
    member_balance,
    pending_with_decisions,
)
from dashboard.selectors.shapes import (
    list_shapes,
    pending_months_hint,
    pending_months_note,
    shapes_ready,
)
from dashboard.selectors.workspace_rules import self_approval_allowed
from dashboard.webwork import Balance, BalanceAmount, Leave, LeaveStatus
from dashboard.webwork_oauth.tokens import webwork_user_id_for

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
    projection: ProjectionView | None = None
    own_request: bool = False
    approve_blocked: bool = False
    coverage: str = ""  # the days approving takes the team below its minimum, in words


@dataclass(frozen=True)
class CoverageRules:
    """The workspace's coverage minimums and its team sizes, read once per page."""

    minimums: dict[str, int]
    sizes: dict[str, int]

    @classmethod
    def of(cls, *, workspace_id: int, members) -> "CoverageRules":
        """The rules of a workspace, with team sizes from its members (None: unknown)."""
        return cls(coverage_minimums(workspace_id=workspace_id), team_sizes(members or ()))

    def text(self, leave: Leave, team: str | None, team_index: "TeamIndex | None", holidays) -> str:
        """'Below the minimum of 3 present on Tue 1 Jun, Wed 2 Jun', '' when fine or no rule,
        'Can't be checked now' when the team's leave of those days isn't known."""
        if not team or team not in self.minimums or not leave.is_pending:
            return ""
        if team_index is None or not team_index.covers(leave):
            return gettext("Coverage can't be checked right now.")
        minimum = self.minimums[team]
        days = short_days(
            leave=leave,
            team_size=self.sizes.get(team, 0),
            minimum=minimum,
            team_leaves=team_index.by_team.get(team, ()),
            holidays=holidays,
        )
        if not days:
            return ""
        named = ", ".join(day_text(day) for day in days[:10])
        values = {"team": team, "minimum": minimum, "days": named, "more": len(days) - 10}
        if len(days) > 10:
            return (
                ngettext(
                    "Takes %(team)s below its minimum of %(minimum)s present on %(days)s "
                    "and %(more)s more.",
                    "Takes %(team)s below its minimum of %(minimum)s present on %(days)s "
                    "and %(more)s more.",
                    len(days) - 10,
                )
                % values
            )
        return (
            gettext("Takes %(team)s below its minimum of %(minimum)s present on %(days)s.") % values
        )


@dataclass(frozen=True)
class Viewer:
    """Who looks at the inbox, for the four-eyes rule: their WebWork id, and whether an Owner
    allowed self-approval in this workspace."""

    webwork_id: int | None
    self_approval: bool

    @classmethod
    def of(cls, *, user_id: int, workspace_id: int) -> "Viewer":
        """The person with this dashboard user id, in this workspace."""
        return cls(
            webwork_id=webwork_user_id_for(user_id=user_id),
            self_approval=self_approval_allowed(workspace_id=workspace_id),
        )

    def owns(self, leave: Leave) -> bool:
        """Whether the leave is the viewer's own request."""
        return self.webwork_id is not None and leave.user_id == self.webwork_id


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
    return sorted({(d.year, d.month) for d in (*week_of(today), following)})


def month_reads(user_id: int, workspace_id: int, months) -> dict:
    """Reads of whole months of leave, named m<year>_<month>, for `fetch_parallel`."""
    return {
        f"m{year}_{month}": (
            lambda y=year, m=month: leave_list_for_month(
                user_id=user_id, workspace_id=workspace_id, year=y, month=m
            )
        )
        for year, month in months
    }


def months_spanned(leaves: list[Leave], today: dt.date) -> list[tuple[int, int]]:
    """Months the pending leaves touch, plus those of the current week, nearest first."""
    months: set[tuple[int, int]] = {(d.year, d.month) for d in week_of(today)}
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


@dataclass(frozen=True)
class ProjectionInputs:
    """What every row's balance projection is worked out from, read once per page."""

    balance_lists: dict[int, list[Balance] | None]
    pending: list[Leave] | None
    holidays: MemberHolidays

    def project(self, leave: Leave, lookup: Lookup) -> Projection | None:
        """The projection of a pending leave (None when its policy is unknown)."""
        policy = lookup.policy_for(leave)
        if policy is None or not leave.is_pending:
            return None
        balances = {
            year: member_balance(
                self._balances_by_member.get(year, {}).get(leave.user_id), leave.user_id, policy
            )
            for year in leave_years(leave)
        }
        return project_balance(
            leave=leave,
            policy=policy,
            balances=balances,
            # Only the member's own requests draw on their balance: a page's rows look up
            # their member's instead of each going through everyone's.
            pending=None
            if self.pending is None
            else self._pending_by_member.get(leave.user_id, []),
            holidays=self.holidays.of(leave.user_id),
        )

    @cached_property
    def _pending_by_member(self) -> dict[int | None, list[Leave]]:
        by_member: dict[int | None, list[Leave]] = defaultdict(list)
        for other in self.pending or ():
            by_member[other.user_id].append(other)
        return by_member

    @cached_property
    def _balances_by_member(self) -> dict[int, dict[int | None, list[Balance]]]:
        """Each known year's balance list by member (a member's first entry, as WebWork's)."""
        return {
            year: {entry.user_id: [entry] for entry in reversed(entries)}
            for year, entries in self.balance_lists.items()
            if entries is not None
        }


def projection_inputs(
    *,
    user_id: int,
    workspace_id: int,
    leaves: list[Leave],
    pending: list[Leave] | None,
    current: list[Balance] | None,
) -> ProjectionInputs:
    """Balances of every year the leaves touch (this year's already read), holidays of those."""
    this_year = balance_window()[0].year
    years = {year for leave in leaves for year in leave_years(leave)}
    reads = fetch_parallel(
        user_id=user_id,
        **{
            f"y{year}": (
                lambda y=year: balance_list(user_id=user_id, workspace_id=workspace_id, year=y)
            )
            for year in sorted(years - {this_year})
        },
    )
    lists = {int(name[1:]): read.value for name, read in reads.items()}
    return ProjectionInputs(
        balance_lists=lists | {this_year: current},
        pending=pending,
        holidays=MemberHolidays(workspace_id, years),
    )


def leave_projection_inputs(
    *, user_id: int, workspace_id: int, leave: Leave, current: list[Balance] | None
) -> ProjectionInputs:
    """The inputs of one leave's projection (a row after a decision, the request detail)."""
    return projection_inputs(
        user_id=user_id,
        workspace_id=workspace_id,
        leaves=[leave],
        pending=pending_with_decisions(user_id=user_id, workspace_id=workspace_id),
        current=current,
    )


def build_row(
    leave: Leave,
    *,
    lookup: Lookup,
    team_index: TeamIndex | None,
    holidays: dict[dt.date, str],
    now: dt.datetime,
    projections: ProjectionInputs | None = None,
    viewer: Viewer | None = None,
    coverage: CoverageRules | None = None,
) -> InboxRow:
    """Compose one inbox row."""
    own = viewer is not None and viewer.owns(leave)
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
        projection=projection_view(projections.project(leave, lookup)) if projections else None,
        own_request=own,
        approve_blocked=own and viewer is not None and not viewer.self_approval,
        coverage=coverage.text(leave, team, team_index, holidays) if coverage else "",
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
    today = today or workspace_today(workspace_id=workspace_id)
    with list_shapes(workspace_id):
        return _inbox(user_id, workspace_id, start=start, count=count, today=today)


def _pending_months_expected(workspace_id: int, today: dt.date) -> list[tuple[int, int]]:
    """The months the pending requests are expected to touch before the list is read: from
    the list still held, else from what they touched last time (see `shapes.py`)."""
    held = pending_peek(workspace_id=workspace_id)
    if held is not None:
        return months_spanned(sorted(held.value, key=created_order)[:PAGE_SIZE], today)
    shapes_ready()
    return list(pending_months_hint(workspace_id))


def _inbox(user_id: int, workspace_id: int, *, start: int, count: int, today: dt.date) -> Inbox:
    now = timezone.now()
    # The months of this week and the next month are needed in any case (the out-today strip,
    # most pending requests), and those the pending requests touched last time most likely:
    # read them beside the pending list instead of after it (one round to WebWork, not two).
    early = _near_months(today)
    first_round = sorted(set(early) | set(_pending_months_expected(workspace_id, today)))
    core = fetch_parallel(
        user_id=user_id,
        pending=lambda: leave_list_pending(user_id=user_id, workspace_id=workspace_id),
        members=lambda: member_list(user_id=user_id, workspace_id=workspace_id),
        policies=lambda: policy_list(user_id=user_id, workspace_id=workspace_id),
        balances=lambda: balance_list(user_id=user_id, workspace_id=workspace_id),
        **month_reads(user_id, workspace_id, first_round),
    )
    pending = core["pending"]
    if pending.entry is None:
        return Inbox(
            unavailable=True,
            notices=[failure_notice(pending.error, gettext("Pending requests can't be shown."))],
        )
    overrides = leave_overrides(workspace_id=workspace_id)
    all_pending = leaves_with_overrides(pending.entry, overrides, status=LeaveStatus.PENDING)
    leaves = all_pending[start : start + count]
    spanned = months_spanned(leaves, today)
    if start == 0:
        pending_months_note(workspace_id, spanned)
    months = sorted(set(spanned) | set(early))
    read_first = [m for m in first_round if m in months]
    months_read = {name: core[name] for name in month_reads(user_id, workspace_id, read_first)}
    months_read |= fetch_parallel(  # only months the pending list did not touch last time
        user_id=user_id,
        **month_reads(user_id, workspace_id, [m for m in months if m not in first_round]),
    )
    lookup = Lookup.build(core["members"].value, core["policies"].value, core["balances"].value)
    month_leaves = [
        leave
        for outcome in months_read.values()
        if outcome.entry is not None
        for leave in leaves_with_overrides(outcome.entry, overrides)
    ]
    all_months_ok = all(o.entry is not None for o in months_read.values())
    team_index = TeamIndex(month_leaves + leaves, lookup, months) if all_months_ok else None
    regions = holiday_regions(workspace_id=workspace_id)
    span_start = min((lv.start_date for lv in leaves if lv.start_date), default=today)
    span_end = max((leave_end(lv) for lv in leaves if leave_end(lv)), default=today)
    viewer = Viewer.of(user_id=user_id, workspace_id=workspace_id)
    coverage = CoverageRules.of(workspace_id=workspace_id, members=core["members"].value)
    projections = projection_inputs(
        user_id=user_id,
        workspace_id=workspace_id,
        leaves=leaves,
        pending=all_pending,
        current=core["balances"].value,
    )
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
            projections=projections,
            viewer=viewer,
            coverage=coverage,
        )
        for leave in leaves
    ]
    out_week = _out_entries(month_leaves, lookup, *week_of(today), today)
    off_today = [leave for leave in month_leaves if is_off_on(leave, today)]
    return Inbox(
        rows=rows,
        notices=notices_for(
            DATA,
            pending,
            core["members"],
            core["policies"],
            core["balances"],
            *months_read.values(),
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
    projections = None
    if leave.is_pending:
        projections = leave_projection_inputs(
            user_id=user_id, workspace_id=workspace_id, leave=leave, current=reads["balances"].value
        )
    return build_row(
        leave,
        lookup=lookup,
        team_index=None,
        holidays={},
        now=timezone.now(),
        projections=projections,
        viewer=Viewer.of(user_id=user_id, workspace_id=workspace_id),
    )

"""The requests list: every request with filters, text search, pagination (exports: export.py)."""

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field, replace

from django.core.paginator import Page, Paginator
from django.utils.translation import gettext

from dashboard.dates import add_months
from dashboard.read_models.common import REQUESTS, Notice, failure_notice, notices_for
from dashboard.read_models.format import (
    Amount,
    leave_amount,
    leave_dates_text,
    leave_duration,
    leave_end,
)
from dashboard.read_models.lookup import Lookup
from dashboard.selectors import (
    HolidayRegions,
    LeaveQuery,
    fetch_parallel,
    holiday_regions,
    holidays_between,
    leave_list,
    leave_overrides,
    leaves_with_overrides,
    member_list,
    policy_list,
    workspace_today,
)
from dashboard.text import text_matches
from dashboard.webwork import Leave, Member, Policy

PAGE_SIZE = 25
# With no dates and no member chosen, the list covers this month and the one before and
# after it, the months the inbox and calendar read anyway: a year of a large workspace is
# dozens of WebWork pages, most of a person's per-minute allowance, for history nobody pages
# through. Choosing dates lifts the window.
DEFAULT_WINDOW_MONTHS = 1


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

    def windowed(self, today: dt.date) -> "LeaveFilters":
        """These filters, within `default_window` when no dates or member are set."""
        query = self.query
        if query.date_from or query.date_to or query.member_id is not None:
            return self
        start, end = default_window(today)
        return replace(self, query=replace(query, date_from=start, date_to=end))


def default_window(today: dt.date) -> tuple[dt.date, dt.date]:
    """First and last day of the months the unfiltered list covers."""
    after = add_months(today, DEFAULT_WINDOW_MONTHS + 1)  # the month after the window
    return add_months(today, -DEFAULT_WINDOW_MONTHS), after - dt.timedelta(days=1)


@dataclass(frozen=True, kw_only=True)
class LeaveListRow:
    """A request as the list and the CSV export show it."""

    leave: Leave
    member_name: str
    team: str | None
    policy_name: str
    dates: str
    duration: str
    amount: Amount
    decided_by_name: str | None


@dataclass(kw_only=True)
class LeaveListing:
    """The filtered requests, the lists the filters offer, and notices.

    Rows are built on demand: a page builds its 25, the CSV export all of them.
    """

    leaves: list[Leave] = field(default_factory=list)
    lookup: Lookup | None = None
    today: dt.date | None = None
    members: list[Member] = field(default_factory=list)
    policies: list[Policy] = field(default_factory=list)
    unavailable: bool = False
    notices: list[Notice] = field(default_factory=list)
    fetched_at: float | None = None
    window: tuple[dt.date, dt.date] | None = None
    regions: HolidayRegions | None = None

    @property
    def filling(self) -> bool:
        """Whether months of the list are still to be read (the page completes itself)."""
        return any(notice.filling for notice in self.notices)

    @property
    def rows(self) -> Iterator[LeaveListRow]:
        """Every matching request as a row, newest first."""
        return (self._row(leave) for leave in self.leaves)

    def page(self, number: int) -> Page:
        """One page of rows (out-of-range numbers give the last page)."""
        page = Paginator(self.leaves, PAGE_SIZE).get_page(number)
        page.object_list = [self._row(leave) for leave in page.object_list]
        return page

    def _row(self, leave: Leave) -> LeaveListRow:
        return _row(leave, self.lookup, self.today, self.regions)


def filter_options(*, user_id: int, workspace_id: int) -> tuple[list[Member], list[Policy]]:
    """Members and policies for the filter and create forms (empty lists when unavailable)."""
    reads = fetch_parallel(
        user_id=user_id,
        members=lambda: member_list(user_id=user_id, workspace_id=workspace_id),
        policies=lambda: policy_list(user_id=user_id, workspace_id=workspace_id),
    )
    return list(reads["members"].value or []), list(reads["policies"].value or [])


def default_window_read(*, user_id: int, workspace_id: int) -> None:
    """Read the default window's months beside the filter form's members and policies, so a
    cold list page asks WebWork in one round, not two (what is read lands in the cache for
    `filter_options` and `leave_listing_get`)."""
    window = LeaveFilters().windowed(workspace_today(workspace_id=workspace_id)).query
    fetch_parallel(
        user_id=user_id,
        leaves=lambda: leave_list(user_id=user_id, workspace_id=workspace_id, query=window),
        members=lambda: member_list(user_id=user_id, workspace_id=workspace_id),
        policies=lambda: policy_list(user_id=user_id, workspace_id=workspace_id),
    )


def leave_listing_get(*, user_id: int, workspace_id: int, filters: LeaveFilters) -> LeaveListing:
    """Requests matching the filters, newest first (see `LeaveFilters.windowed`)."""
    today = workspace_today(workspace_id=workspace_id)
    windowed = filters.windowed(today)
    reads = fetch_parallel(
        user_id=user_id,
        leaves=lambda: leave_list(user_id=user_id, workspace_id=workspace_id, query=windowed.query),
        members=lambda: member_list(user_id=user_id, workspace_id=workspace_id),
        policies=lambda: policy_list(user_id=user_id, workspace_id=workspace_id),
    )
    members = list(reads["members"].value or [])
    policies = list(reads["policies"].value or [])
    window = (windowed.query.date_from, windowed.query.date_to) if windowed is not filters else None
    result = reads["leaves"]
    if result.entry is None:
        return LeaveListing(
            members=members,
            policies=policies,
            unavailable=True,
            notices=[failure_notice(result.error, gettext("Requests can't be shown."))],
            window=window,
        )
    lookup = Lookup.build(members, policies, None)
    overrides = leave_overrides(workspace_id=workspace_id)
    leaves = leaves_with_overrides(result.entry, overrides, status=filters.query.status)
    if filters.q.strip():  # names and notes, whatever their case and accents
        leaves = [
            leave
            for leave in leaves
            if text_matches(filters.q, lookup.member_name(leave.user_id), leave.note)
        ]
    return LeaveListing(
        leaves=sorted(leaves, key=_newest_first),
        lookup=lookup,
        today=today,
        members=members,
        policies=policies,
        notices=notices_for(REQUESTS, result, reads["members"], reads["policies"]),
        fetched_at=result.entry.fetched_at,
        window=window,
        regions=holiday_regions(workspace_id=workspace_id),
    )


def _row(
    leave: Leave, lookup: Lookup, today: dt.date, regions: HolidayRegions | None
) -> LeaveListRow:
    member = lookup.members.get(leave.user_id) if leave.user_id is not None else None
    policy = lookup.policy_for(leave)
    holidays = {}
    if regions is not None and leave.start_date is not None:  # the member's own holidays
        holidays = holidays_between(regions.for_member(member), leave.start_date, leave_end(leave))
    return LeaveListRow(
        leave=leave,
        member_name=lookup.member_name(leave.user_id),
        team=member.team_name if member else None,
        policy_name=lookup.policy_name(leave),
        dates=leave_dates_text(leave, today=today, zone=lookup.member_zone(leave.user_id)),
        duration=leave_duration(leave, policy, holidays).text,
        amount=leave_amount(leave, policy, holidays),
        decided_by_name=lookup.member_name(leave.decided_by) if leave.decided_by else None,
    )


def _newest_first(leave: Leave) -> tuple:
    created = leave.created_at.timestamp() if leave.created_at else 0.0
    return (-created, -(leave.start_date or dt.date.min).toordinal(), leave.id)

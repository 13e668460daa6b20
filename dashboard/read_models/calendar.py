"""The team leave calendar: a month as a wallchart (members by days) and as a day agenda.

Its cost grows with members + leaves, not members x days: each member row holds only its
leave bars, placed by column classes; day shading is drawn once per month, behind all rows.
"""

import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property

from django.utils import timezone
from django.utils.translation import get_language, gettext, pgettext, pgettext_lazy

from dashboard.dates import add_months, month_bounds
from dashboard.read_models.common import (
    CALENDAR_DATA,
    Notice,
    failure_notice,
    fingerprint,
    notices_for,
)
from dashboard.read_models.format import hours_text, is_off_on, leave_end
from dashboard.read_models.lookup import Lookup, no_team
from dashboard.selectors import (
    HolidayRegions,
    fetch_parallel,
    holiday_regions,
    holidays_between,
    leave_list_for_month,
    leave_overrides,
    leaves_with_overrides,
    member_list,
    policy_list,
    workspace_today,
)
from dashboard.selectors.coverage import coverage_minimums, team_short_days, team_sizes
from dashboard.webwork import Leave, LeavePeriod, LeaveStatus, Member, Policy

KINDS = 6
SHOWN_STATUSES = (LeaveStatus.APPROVED, LeaveStatus.PENDING)
# How the calendar says which half of the day a leave covers: in its detail text, and as the
# bar's modifier class (bar--am, bar--pm).
HALF_DAY_WORDS = {
    LeavePeriod.FIRST_HALF: (pgettext_lazy("half of a day", "morning"), "am"),
    LeavePeriod.SECOND_HALF: (pgettext_lazy("half of a day", "afternoon"), "pm"),
}


@dataclass(frozen=True)
class Day:
    """One day column."""

    date: dt.date
    is_weekend: bool
    holiday: str | None
    is_today: bool
    out_count: int = 0


@dataclass(frozen=True, kw_only=True)
class Bar:
    """One leave on a member's row."""

    leave_id: str
    start: int
    span: int
    kind: int
    label: str
    detail: str
    pending: bool
    half: str | None = None  # "am" or "pm"
    hours: str | None = None
    continues_before: bool = False
    continues_after: bool = False


@dataclass(kw_only=True)
class MemberRow:
    """A member and their bars; their own public holidays when not the workspace's."""

    member_id: int
    name: str
    title: str | None
    bars: list[Bar] = field(default_factory=list)
    holidays: list[tuple[int, str]] = field(default_factory=list)  # (day of month, name)


@dataclass(kw_only=True)
class TeamGroup:
    """Members of one team."""

    name: str
    rows: list[MemberRow] = field(default_factory=list)
    short_days: list[int] = field(default_factory=list)  # day numbers below the minimum
    minimum: int | None = None


@dataclass(frozen=True, kw_only=True)
class AgendaEntry:
    """Someone out on a day, and why."""

    leave_id: str
    name: str
    team: str
    policy: str
    kind: int
    detail: str
    pending: bool


@dataclass(frozen=True)
class AgendaDay:
    """A day of the agenda with who is out."""

    day: Day
    entries: tuple[AgendaEntry, ...]
    short_teams: tuple[str, ...] = ()  # teams below their minimum if pending were approved
    # (member, holiday) for members whose own region has a holiday this day
    member_holidays: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Grid:
    """The month's day columns, team rows and agenda: the slow part to build and render."""

    days: list[Day]
    teams: list[TeamGroup]
    agenda: list[AgendaDay]


@dataclass(kw_only=True)
class CalendarMonth:
    """Everything the calendar page shows.

    The grid is built on first use: the page keeps its rendered grid under `fingerprint`, a
    digest of everything the grid is built from, and a page whose grid is kept never builds it.
    """

    first: dt.date
    legend: list[tuple[int, str]] = field(default_factory=list)
    team_names: list[str] = field(default_factory=list)
    policies: list[Policy] = field(default_factory=list)
    notices: list[Notice] = field(default_factory=list)
    unavailable: bool = False
    fetched_at: float | None = None
    fingerprint: str = ""  # of the inputs of the rendered grid and agenda
    build_grid: Callable[[], Grid] | None = field(default=None, repr=False, compare=False)

    @cached_property
    def grid(self) -> Grid:
        """The grid, built now if it has not been."""
        return self.build_grid() if self.build_grid is not None else Grid([], [], [])

    @property
    def days(self) -> list[Day]:
        """One column per day of the month."""
        return self.grid.days

    @property
    def teams(self) -> list[TeamGroup]:
        """The shown members by team."""
        return self.grid.teams

    @property
    def agenda(self) -> list[AgendaDay]:
        """The days somebody is out, a holiday, or today."""
        return self.grid.agenda

    @property
    def previous(self) -> str:
        """YYYY-MM of the month before."""
        return f"{self.previous_first:%Y-%m}"

    @property
    def previous_first(self) -> dt.date:
        """First day of the month before."""
        return add_months(self.first, -1)

    @property
    def next_first(self) -> dt.date:
        """First day of the month after."""
        return add_months(self.first, 1)

    @property
    def next(self) -> str:
        """YYYY-MM of the month after."""
        return f"{self.next_first:%Y-%m}"

    @property
    def today_shown(self) -> dt.date | None:
        """Today, if it falls in this month."""
        return next((day.date for day in self.days if day.is_today), None)

    @property
    def agenda_earlier(self) -> list[AgendaDay]:
        """Agenda days before today, in the current month (phones show them folded)."""
        today = self.today_shown
        return [item for item in self.agenda if today and item.day.date < today]

    @property
    def agenda_from_today(self) -> list[AgendaDay]:
        """The agenda from today on in the current month; the whole month otherwise."""
        today = self.today_shown
        return [item for item in self.agenda if not today or item.day.date >= today]

    @property
    def member_count(self) -> int:
        """Members shown."""
        return sum(len(team.rows) for team in self.teams)


def _kinds(policies: list[Policy]) -> dict[str, int]:
    ordered = sorted(policies, key=lambda p: p.id)
    return {p.name: index % KINDS + 1 for index, p in enumerate(ordered)}


def _detail(leave: Leave, policy_name: str, zone: str | None) -> str:
    parts = [policy_name]
    if leave.is_hour_based and leave.start_time and leave.end_time:
        parts.append(hours_text(leave, zone))
    elif leave.leave_period in HALF_DAY_WORDS:
        parts.append(str(HALF_DAY_WORDS[leave.leave_period][0]))
    if leave.is_pending:
        parts.append(pgettext("leave status", "pending"))
    return ", ".join(parts)


def _bar(
    leave: Leave, first: dt.date, last: dt.date, kind: int, policy_name: str, zone: str | None
) -> Bar | None:
    start, end = leave.start_date, leave_end(leave)
    if start is None or end is None or end < first or start > last:
        return None
    shown_start, shown_end = max(start, first), min(end, last)
    single = start == end
    hours = None
    if leave.is_hour_based and leave.start_time and leave.end_time:
        hours = hours_text(leave, zone)
    return Bar(
        leave_id=leave.id,
        start=shown_start.day,
        span=(shown_end - shown_start).days + 1,
        kind=kind,
        label=policy_name,
        detail=_detail(leave, policy_name, zone),
        pending=leave.is_pending,
        half=HALF_DAY_WORDS.get(leave.leave_period, (None, None))[1]
        if single and not hours
        else None,
        hours=hours,
        continues_before=start < first,
        continues_after=end > last,
    )


def _visible_members(members: list[Member], team: str | None) -> list[Member]:
    active = [m for m in members if (m.status or "active") == "active"]
    if team:
        active = [m for m in active if (m.team_name or no_team()) == team]
    return active


def calendar_get(
    *,
    user_id: int,
    workspace_id: int,
    first: dt.date,
    team: str | None = None,
    policy_id: int | None = None,
    today: dt.date | None = None,
) -> CalendarMonth:
    """The month starting at `first`, filtered by team and policy."""
    today = today or workspace_today(workspace_id=workspace_id)
    month_start, month_end = month_bounds(first.year, first.month)
    reads = fetch_parallel(
        user_id=user_id,
        leaves=lambda: leave_list_for_month(
            user_id=user_id, workspace_id=workspace_id, year=first.year, month=first.month
        ),
        members=lambda: member_list(user_id=user_id, workspace_id=workspace_id),
        policies=lambda: policy_list(user_id=user_id, workspace_id=workspace_id),
    )
    result = CalendarMonth(first=month_start)
    members = list(reads["members"].value or [])
    policies = list(reads["policies"].value or [])
    result.policies = sorted(policies, key=lambda p: p.name.casefold())
    without_team = no_team()
    result.team_names = sorted({m.team_name or without_team for m in members}, key=str.casefold)
    if reads["leaves"].entry is None or reads["members"].entry is None:
        failed = reads["leaves"] if reads["leaves"].entry is None else reads["members"]
        result.unavailable = True
        result.notices = [failure_notice(failed.error, gettext("The calendar can't be shown."))]
        return result

    lookup = Lookup.build(members, policies, None)
    kinds = _kinds(policies)
    overrides = leave_overrides(workspace_id=workspace_id)
    regions = holiday_regions(workspace_id=workspace_id)
    minimums = coverage_minimums(workspace_id=workspace_id)
    result.legend = sorted(((kind, name) for name, kind in kinds.items()), key=lambda k: k[1])
    result.notices = notices_for(
        CALENDAR_DATA, reads["leaves"], reads["members"], reads["policies"]
    )
    result.fetched_at = reads["leaves"].entry.fetched_at
    result.fingerprint = fingerprint(
        workspace_id,
        get_language(),  # the words and date formats of the rendered HTML
        month_start,
        team,
        policy_id,
        today,
        regions.workspace,
        sorted(regions.teams.items()),
        sorted(regions.members.items()),
        timezone.get_current_timezone_name(),  # hour-based leave names its zone per viewer
        *(reads[name].entry.fetched_at if reads[name].entry else None for name in reads),
        sorted(overrides.items()),
        sorted(minimums.items()),
    )
    month = _MonthInputs(
        start=month_start,
        end=month_end,
        today=today,
        team=team,
        policy_id=policy_id,
        members=members,
        lookup=lookup,
        kinds=kinds,
        leaves=[
            leave
            for leave in leaves_with_overrides(reads["leaves"].entry, overrides)
            if leave.status in SHOWN_STATUSES
        ],
        regions=regions,
        minimums=minimums,
    )
    result.build_grid = lambda: _grid(month)
    return result


@dataclass(frozen=True, kw_only=True)
class _MonthInputs:
    """What the grid of a month is built from (everything its fingerprint names)."""

    start: dt.date
    end: dt.date
    today: dt.date
    team: str | None
    policy_id: int | None
    members: list[Member]
    lookup: Lookup
    kinds: dict[str, int]
    leaves: list[Leave]  # every shown leave of the month, whatever the policy filter
    regions: HolidayRegions
    minimums: dict[str, int]


def _grid(month: _MonthInputs) -> Grid:
    """Day columns, a row per shown member with their bars, and the agenda."""
    without_team = no_team()
    leaves = month.leaves
    if month.policy_id is not None:
        leaves = [lv for lv in leaves if lv.policy_id == month.policy_id]
    regions = month.regions
    holidays = holidays_between(regions.workspace, month.start, month.end)

    visible = _visible_members(month.members, month.team)
    visible_ids = {m.id for m in visible}
    by_member: dict[int, list[Leave]] = defaultdict(list)
    for leave in leaves:
        if leave.user_id in visible_ids:
            by_member[leave.user_id].append(leave)

    out_by_day: dict[dt.date, list[AgendaEntry]] = defaultdict(list)
    own_holidays_by_day: dict[dt.date, list[tuple[str, str]]] = defaultdict(list)
    groups: dict[str, TeamGroup] = {}
    for member in sorted(
        visible, key=lambda m: ((m.team_name or without_team).casefold(), m.full_name.casefold())
    ):
        team_name = member.team_name or without_team
        group = groups.setdefault(team_name, TeamGroup(name=team_name))
        row = MemberRow(member_id=member.id, name=member.full_name, title=member.title)
        if regions.differs(member):  # the day columns shade the workspace's holidays
            own = holidays_between(regions.for_member(member), month.start, month.end)
            row.holidays = [(day.day, name) for day, name in sorted(own.items())]
            for day, name in own.items():
                own_holidays_by_day[day].append((member.full_name, name))
        for leave in sorted(
            by_member.get(member.id, ()), key=lambda lv: lv.start_date or month.start
        ):
            name = month.lookup.policy_name(leave)
            kind = month.kinds.get(name, KINDS)
            bar = _bar(leave, month.start, month.end, kind, name, member.timezone)
            if bar is None:
                continue
            row.bars.append(bar)
            entry = AgendaEntry(
                leave_id=leave.id,
                name=member.full_name,
                team=team_name,
                policy=name,
                kind=bar.kind,
                detail=_detail(leave, name, member.timezone),
                pending=bar.pending,
            )
            for offset in range(bar.span):
                day = month.start + dt.timedelta(days=bar.start - 1 + offset)
                if is_off_on(leave, day):
                    out_by_day[day].append(entry)
        group.rows.append(row)

    teams = sorted(groups.values(), key=lambda g: (g.name == without_team, g.name.casefold()))
    short_teams = _mark_coverage(
        teams, month.minimums, month.members, month.leaves, (month.start, month.end), holidays
    )
    days = [
        Day(
            date=day,
            is_weekend=day.weekday() >= 5,
            holiday=holidays.get(day),
            is_today=day == month.today,
            out_count=len({e.name for e in out_by_day.get(day, ())}),
        )
        for day in (month.start + dt.timedelta(days=n) for n in range(month.end.day))
    ]
    agenda = [
        AgendaDay(
            day,
            tuple(sorted(out_by_day.get(day.date, ()), key=lambda e: e.name.casefold())),
            tuple(short_teams.get(day.date, ())),
            tuple(own_holidays_by_day.get(day.date, ())),
        )
        for day in days
        if out_by_day.get(day.date)
        or day.holiday
        or day.is_today
        or own_holidays_by_day.get(day.date)
    ]
    return Grid(days, teams, agenda)


def _mark_coverage(teams, minimums, members, leaves, month, holidays) -> dict:
    """Mark each team's days below its minimum if its pending requests were approved; return
    the teams short on each day (for the agenda)."""
    sizes = team_sizes(members)
    team_of = {m.id: m.team_name for m in members}
    short: dict[dt.date, list[str]] = defaultdict(list)
    for group in teams:
        minimum = minimums.get(group.name)
        if minimum is None:
            continue
        group.minimum = minimum
        days = team_short_days(
            team_leaves=[lv for lv in leaves if team_of.get(lv.user_id) == group.name],
            team_size=sizes.get(group.name, 0),
            minimum=minimum,
            start=month[0],
            end=month[1],
            holidays=holidays,
        )
        group.short_days = [day.day for day in days]
        for day in days:
            short[day].append(group.name)
    return short

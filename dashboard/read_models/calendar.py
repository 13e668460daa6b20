"""The team leave calendar: a month as a wallchart (members by days) and as a day agenda.

Its cost grows with members + leaves, not members x days: each member row holds only its
leave bars, placed by column classes; day shading is drawn once per month, behind all rows.
"""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

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


@dataclass(kw_only=True)
class CalendarMonth:
    """Everything the calendar page shows."""

    first: dt.date
    days: list[Day] = field(default_factory=list)
    teams: list[TeamGroup] = field(default_factory=list)
    agenda: list[AgendaDay] = field(default_factory=list)
    legend: list[tuple[int, str]] = field(default_factory=list)
    team_names: list[str] = field(default_factory=list)
    policies: list[Policy] = field(default_factory=list)
    notices: list[Notice] = field(default_factory=list)
    unavailable: bool = False
    fetched_at: float | None = None
    fingerprint: str = ""  # of the inputs of the rendered grid and agenda

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
    leaves = [
        leave
        for leave in leaves_with_overrides(reads["leaves"].entry, overrides)
        if leave.status in SHOWN_STATUSES
    ]
    every_leave = leaves
    if policy_id is not None:
        leaves = [lv for lv in leaves if lv.policy_id == policy_id]
    regions = holiday_regions(workspace_id=workspace_id)
    region = regions.workspace
    holidays = holidays_between(region, month_start, month_end)
    minimums = coverage_minimums(workspace_id=workspace_id)

    visible = _visible_members(members, team)
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
            own = holidays_between(regions.for_member(member), month_start, month_end)
            row.holidays = [(day.day, name) for day, name in sorted(own.items())]
            for day, name in own.items():
                own_holidays_by_day[day].append((member.full_name, name))
        for leave in sorted(
            by_member.get(member.id, ()), key=lambda lv: lv.start_date or month_start
        ):
            name = lookup.policy_name(leave)
            kind = kinds.get(name, KINDS)
            bar = _bar(leave, month_start, month_end, kind, name, member.timezone)
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
                day = month_start + dt.timedelta(days=bar.start - 1 + offset)
                if is_off_on(leave, day):
                    out_by_day[day].append(entry)
        group.rows.append(row)

    result.teams = sorted(
        groups.values(), key=lambda g: (g.name == without_team, g.name.casefold())
    )
    short_teams = _mark_coverage(
        result.teams, minimums, members, every_leave, (month_start, month_end), holidays
    )
    result.days = [
        Day(
            date=day,
            is_weekend=day.weekday() >= 5,
            holiday=holidays.get(day),
            is_today=day == today,
            out_count=len({e.name for e in out_by_day.get(day, ())}),
        )
        for day in (month_start + dt.timedelta(days=n) for n in range(month_end.day))
    ]
    result.agenda = [
        AgendaDay(
            day,
            tuple(sorted(out_by_day.get(day.date, ()), key=lambda e: e.name.casefold())),
            tuple(short_teams.get(day.date, ())),
            tuple(own_holidays_by_day.get(day.date, ())),
        )
        for day in result.days
        if out_by_day.get(day.date)
        or day.holiday
        or day.is_today
        or own_holidays_by_day.get(day.date)
    ]
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
        region,
        sorted(regions.teams.items()),
        sorted(regions.members.items()),
        timezone.get_current_timezone_name(),  # hour-based leave names its zone per viewer
        *(reads[name].entry.fetched_at if reads[name].entry else None for name in reads),
        sorted(overrides.items()),
        sorted(minimums.items()),
    )
    return result


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

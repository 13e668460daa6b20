"""Coverage: the fewest people of a team that must be present, and the days a leave breaks it.

The minimums are ours (WebWork has no teams, only `team_name` on members); the arithmetic is
pure, over the leaves the page already read. A day counts when it is a working day (Monday to
Friday, not a public holiday); anyone with leave that day is away, half days and hours too.
"""

import datetime as dt
from collections.abc import Iterable, Mapping

from dashboard.models import TeamCoverage
from dashboard.webwork import Leave, LeaveStatus, Member


def coverage_minimums(*, workspace_id: int) -> dict[str, int]:
    """The workspace's minimum number present, by team name (teams without one are absent)."""
    return dict(
        TeamCoverage.objects.filter(workspace_id=workspace_id).values_list("team_name", "minimum")
    )


def team_sizes(members: Iterable[Member]) -> dict[str, int]:
    """Active members per team."""
    sizes: dict[str, int] = {}
    for member in members:
        if member.team_name and (member.status or "active") == "active":
            sizes[member.team_name] = sizes.get(member.team_name, 0) + 1
    return sizes


def _working_days(start: dt.date, end: dt.date, holidays: Mapping[dt.date, str]):
    day = start
    while day <= end:
        if day.weekday() < 5 and day not in holidays:
            yield day
        day += dt.timedelta(days=1)


def away_on(day: dt.date, leaves: Iterable[Leave], statuses: Iterable[str]) -> set[int]:
    """Who of these leaves is away on `day` (leaves of the given statuses)."""
    wanted = set(statuses)
    return {
        leave.user_id
        for leave in leaves
        if leave.user_id is not None
        and leave.status in wanted
        and leave.start_date is not None
        and leave.start_date <= day <= (leave.end_date or leave.start_date)
    }


def short_days(
    *,
    leave: Leave,
    team_size: int,
    minimum: int,
    team_leaves: Iterable[Leave],
    holidays: Mapping[dt.date, str],
) -> list[dt.date]:
    """Working days of `leave` on which approving it leaves fewer than `minimum` present,
    counting the team's approved leave (requests still pending take nobody away yet)."""
    start, end = leave.start_date, leave.end_date or leave.start_date
    if start is None or end is None:
        return []
    others = [other for other in team_leaves if other.id != leave.id]
    days = []
    for day in _working_days(start, end, holidays):
        away = away_on(day, others, [LeaveStatus.APPROVED]) | {leave.user_id}
        if team_size - len(away) < minimum:
            days.append(day)
    return days


def team_short_days(
    *,
    team_leaves: Iterable[Leave],
    team_size: int,
    minimum: int,
    start: dt.date,
    end: dt.date,
    holidays: Mapping[dt.date, str],
) -> list[dt.date]:
    """Working days from start to end on which approving the team's pending requests would
    leave fewer than `minimum` present (days already short without them are not the
    decision's doing, and are not named)."""
    leaves = list(team_leaves)
    days = []
    for day in _working_days(start, end, holidays):
        approved = away_on(day, leaves, [LeaveStatus.APPROVED])
        with_pending = approved | away_on(day, leaves, [LeaveStatus.PENDING])
        if with_pending != approved and team_size - len(with_pending) < minimum:
            days.append(day)
    return days

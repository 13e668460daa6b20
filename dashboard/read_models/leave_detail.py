"""One leave request in full: what it does to the balance and the team, the member's year of
leave, and the decisions taken on it here. Built from the same cached reads as the inbox."""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from fractions import Fraction

from django.utils import timezone
from django.utils.translation import gettext, ngettext, pgettext

from dashboard.models import AuditEntry
from dashboard.read_models.common import DATA, Notice, failure_notice, notices_for
from dashboard.read_models.format import leave_end
from dashboard.read_models.inbox import (
    CoverageRules,
    InboxRow,
    TeamIndex,
    Viewer,
    build_row,
    leave_projection_inputs,
    month_reads,
    months_spanned,
)
from dashboard.read_models.lookup import Lookup
from dashboard.read_models.projection import amount_text
from dashboard.selectors import (
    LeaveQuery,
    balance_list,
    cached_leave_peek,
    fetch_parallel,
    holiday_region,
    holidays_between,
    leave_get,
    leave_list,
    leave_overrides,
    leaves_with_overrides,
    member_list,
    policy_list,
    workspace_today,
)
from dashboard.selectors.audit import decision_history
from dashboard.selectors.projection import leave_amount, working_days
from dashboard.webwork import Leave, LeaveStatus, NotFound, WebWorkError

LOOK_BACK_DAYS = 365


@dataclass(frozen=True)
class PolicyUse:
    """Approved leave of one policy in the last twelve months."""

    policy_name: str
    amount: str
    requests: int


@dataclass(kw_only=True)
class LeaveDetail:
    """Everything the request detail shows."""

    row: InboxRow | None = None
    not_found: bool = False
    notices: list[Notice] = field(default_factory=list)
    working_days: int | None = None

    @property
    def length_text(self) -> str:
        """'4 working days', or with the duration when it says more ('1 working day · 3 hours')."""
        if self.row is None:
            return ""
        duration = self.row.duration.text
        if self.working_days is None:
            return duration
        days = ngettext("%(count)s working day", "%(count)s working days", self.working_days) % {
            "count": self.working_days
        }
        same = duration == amount_text(Fraction(self.working_days), "days")
        if same or duration == "—":
            return days
        return pgettext("working days and a duration", "%(days)s · %(duration)s") % {
            "days": days,
            "duration": duration,
        }

    holidays: list[tuple[dt.date, str]] = field(default_factory=list)
    last_year: list[PolicyUse] = field(default_factory=list)
    last_year_known: bool = False
    history: list[AuditEntry] = field(default_factory=list)


def _leave(user_id: int, workspace_id: int, leave_id: str) -> Leave:
    """From the cached pending list when it is there, else from WebWork (raises its errors)."""
    cached = cached_leave_peek(workspace_id=workspace_id, leave_id=leave_id)
    if cached is not None:
        return cached
    return leave_get(user_id=user_id, workspace_id=workspace_id, leave_id=leave_id)


def _last_year(
    leaves: list[Leave],
    member_id: int | None,
    lookup: Lookup,
    region: tuple[str, str],
    today: dt.date,
) -> list[PolicyUse]:
    """Approved leave of the member over the last twelve months, per policy, in its unit."""
    since = today - dt.timedelta(days=LOOK_BACK_DAYS)
    holidays = holidays_between(region, since, today)
    totals: dict[str, Fraction] = defaultdict(Fraction)
    counts: dict[str, int] = defaultdict(int)
    units: dict[str, str] = {}
    for leave in leaves:
        policy = lookup.policy_for(leave)
        if leave.user_id != member_id or leave.status != LeaveStatus.APPROVED or policy is None:
            continue
        amount = leave_amount(leave, policy, holidays=holidays, start=since, end=today)
        if amount is None:
            continue
        totals[policy.name] += amount
        counts[policy.name] += 1
        units[policy.name] = policy.time_unit
    return [
        PolicyUse(name, amount_text(totals[name], units[name]), counts[name])
        for name in sorted(totals, key=str.casefold)
    ]


def leave_detail_get(
    *, user_id: int, workspace_id: int, leave_id: str, today: dt.date | None = None
) -> LeaveDetail:
    """The request detail, degrading per failed read (never an error page for WebWork)."""
    today = today or workspace_today(workspace_id=workspace_id)
    try:
        leave = _leave(user_id, workspace_id, leave_id)
    except NotFound:
        return LeaveDetail(not_found=True)
    except WebWorkError as exc:
        return LeaveDetail(notices=[failure_notice(exc, gettext("This request can't be shown."))])
    overrides = leave_overrides(workspace_id=workspace_id)
    override = overrides.get(leave.id)
    leave = override.apply(leave) if override is not None and leave.is_pending else leave
    months = months_spanned([leave], today)
    history_query = LeaveQuery(
        member_id=leave.user_id,
        date_from=today - dt.timedelta(days=LOOK_BACK_DAYS),
        date_to=today,
    )
    reads = fetch_parallel(
        user_id=user_id,
        members=lambda: member_list(user_id=user_id, workspace_id=workspace_id),
        policies=lambda: policy_list(user_id=user_id, workspace_id=workspace_id),
        balances=lambda: balance_list(user_id=user_id, workspace_id=workspace_id),
        member_year=lambda: leave_list(
            user_id=user_id, workspace_id=workspace_id, query=history_query
        ),
        **month_reads(user_id, workspace_id, months),
    )
    lookup = Lookup.build(reads["members"].value, reads["policies"].value, reads["balances"].value)
    month_outcomes = [reads[name] for name in month_reads(user_id, workspace_id, months)]
    month_leaves = [
        other
        for outcome in month_outcomes
        if outcome.entry is not None
        for other in leaves_with_overrides(outcome.entry, overrides)
    ]
    team_index = None
    if all(outcome.entry is not None for outcome in month_outcomes):
        team_index = TeamIndex([*month_leaves, leave], lookup, months)
    start, end = leave.start_date, leave_end(leave)
    region = holiday_region(workspace_id=workspace_id)
    holidays = holidays_between(region, start, end) if (start and end) else {}
    row = build_row(
        leave,
        lookup=lookup,
        team_index=team_index,
        holidays=holidays,
        now=timezone.now(),
        projections=leave_projection_inputs(
            user_id=user_id, workspace_id=workspace_id, leave=leave, current=reads["balances"].value
        ),
        viewer=Viewer.of(user_id=user_id, workspace_id=workspace_id),
        coverage=CoverageRules.of(workspace_id=workspace_id, members=reads["members"].value),
    )
    member_year = reads["member_year"].value
    return LeaveDetail(
        row=row,
        notices=notices_for(
            DATA, reads["members"], reads["policies"], reads["balances"], *month_outcomes
        ),
        working_days=working_days(start, end, holidays) if start and end else None,
        holidays=sorted((day, name) for day, name in holidays.items() if day.weekday() < 5),
        last_year=_last_year(member_year or [], leave.user_id, lookup, region, today),
        last_year_known=member_year is not None,
        history=decision_history(workspace_id=workspace_id, leave_id=leave.id),
    )

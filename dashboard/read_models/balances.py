"""The balances page: members by policies, parsed values, negatives standing out.

All policies: the remaining balance of each (WebWork's text). One policy: allowance, used,
pending and remaining, in the policy's unit. Either is sorted on the server by any column
(`sort`, `dir`), so it works without JavaScript, and `balance_csv_rows` exports exactly it.

WebWork gives only the remaining balance. The allowance is the policy's duration; used is the
allowance less the remaining (WebWork counts approved leave only); pending is worked out from
the pending list as the projection does (working days, holidays not counted, this year only).
"""

import datetime as dt
import time
from collections import defaultdict
from dataclasses import dataclass, field
from fractions import Fraction

from django.utils import timezone
from django.utils.translation import get_language, gettext, pgettext, pgettext_lazy

from dashboard.read_models.common import (
    BALANCES,
    Notice,
    age_text,
    failure_notice,
    fingerprint,
    notices_for,
)
from dashboard.read_models.export import csv_cell
from dashboard.read_models.lookup import Lookup, no_team
from dashboard.read_models.projection import amount_text
from dashboard.selectors import (
    balance_list,
    balance_window,
    fetch_parallel,
    leave_list_pending,
    leave_overrides,
    leaves_with_overrides,
    member_list,
    policy_list,
)
from dashboard.selectors.projection import balance_in_unit, leave_amount
from dashboard.selectors.projection_reads import MemberHolidays, policy_of
from dashboard.text import search_key, text_matches
from dashboard.webwork import Balance, BalanceAmount, Leave, LeaveStatus, Policy

FIGURES = ("allowance", "used", "pending", "remaining")
FIGURE_LABELS = {
    "allowance": pgettext_lazy("balance column", "Allowance"),
    "used": pgettext_lazy("balance column", "Used"),
    "pending": pgettext_lazy("balance column", "Pending"),
    "remaining": pgettext_lazy("balance column", "Remaining"),
}


@dataclass(frozen=True)
class Figures:
    """A member's allowance, used, pending and remaining under one policy (None: unknown)."""

    unit: str
    allowance: Fraction | None
    used: Fraction | None
    pending: Fraction | None
    remaining: Fraction | None

    def value(self, name: str) -> Fraction | None:
        """One figure by its name."""
        return getattr(self, name)

    def text(self, name: str) -> str:
        """One figure as people read it ('4.5 days', 'unknown')."""
        return amount_text(self.value(name), self.unit)

    @property
    def cells(self) -> list[tuple[str, bool]]:
        """(text, negative) of each figure, in column order."""
        return [(self.text(name), (self.value(name) or 0) < 0) for name in FIGURES]


@dataclass(frozen=True)
class Column:
    """A sortable column of the table."""

    key: str
    label: str


@dataclass(frozen=True, kw_only=True)
class BalanceRow:
    """One member's remaining balance per policy (None where WebWork gave none)."""

    member_id: int
    name: str
    team: str
    amounts: tuple[BalanceAmount | None, ...]
    figures: Figures | None = None

    @property
    def has_negative(self) -> bool:
        """True if any balance is below zero."""
        if self.figures is not None:
            return (self.figures.remaining or 0) < 0
        return any(a is not None and a.value is not None and a.value < 0 for a in self.amounts)

    def sort_value(self, key: str):
        """The value the column `key` sorts by (None: unknown, always last)."""
        if key == "name":
            return self.name.casefold()
        if key == "team":
            return (self.team.casefold(), self.name.casefold())
        if self.figures is not None and key in FIGURES:
            return self.figures.value(key)
        if key.startswith("p") and key[1:].isdigit() and int(key[1:]) < len(self.amounts):
            amount = self.amounts[int(key[1:])]
            return amount.value if amount is not None else None
        return None


@dataclass(kw_only=True)
class BalanceTable:
    """The balances table and its freshness."""

    policy_names: list[str] = field(default_factory=list)
    rows: list[BalanceRow] = field(default_factory=list)
    team_names: list[str] = field(default_factory=list)
    total_members: int = 0
    unavailable: bool = False
    notices: list[Notice] = field(default_factory=list)
    fetched_at: float | None = None
    fingerprint: str = ""  # of the inputs of the rendered table
    policies: list[Policy] = field(default_factory=list)
    policy: Policy | None = None  # one policy chosen: its four figures
    columns: list[Column] = field(default_factory=list)
    sort: str = "team"
    descending: bool = False

    @property
    def fetched_at_time(self) -> dt.datetime | None:
        """When the balances were fetched, as a local datetime."""
        if not self.fetched_at:
            return None
        return timezone.localtime(dt.datetime.fromtimestamp(self.fetched_at, tz=dt.UTC))

    @property
    def age(self) -> str:
        """'5 minutes ago'."""
        return age_text(time.time() - self.fetched_at) if self.fetched_at else ""

    @property
    def negative_count(self) -> int:
        """Members with at least one negative balance (after filters)."""
        return sum(1 for row in self.rows if row.has_negative)


def _columns(policy: Policy | None, policy_names: list[str]) -> list[Column]:
    """The sortable columns: member and team, then four figures or one per policy."""
    first = [
        Column("name", pgettext("balance column", "Member")),
        Column("team", pgettext("balance column", "Team")),
    ]
    if policy is not None:
        return first + [Column(name, str(FIGURE_LABELS[name])) for name in FIGURES]
    return first + [Column(f"p{i}", name) for i, name in enumerate(policy_names)]


def _pending_by_member(
    pending: list[Leave] | None,
    policy: Policy,
    policies: list[Policy],
    workspace_id: int,
    year: int,
) -> dict[int, Fraction] | None:
    """What each member's pending requests under `policy` take this year (each member's own
    public holidays not counted)."""
    if pending is None:
        return None
    totals: dict[int, Fraction] = defaultdict(Fraction)
    start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    holidays = MemberHolidays(workspace_id, [year])
    for leave in pending:
        if leave.user_id is None or policy_of(leave, policies) != policy:
            continue
        amount = leave_amount(
            leave, policy, holidays=holidays.of(leave.user_id), start=start, end=end
        )
        totals[leave.user_id] += amount or 0
    return totals


def _figures(balance: Balance, policy: Policy, pending: dict[int, Fraction] | None) -> Figures:
    remaining = balance_in_unit(balance.for_policy(policy.name), policy)
    allowance = Fraction(str(policy.duration)) if policy.duration is not None else None
    used = None if allowance is None or remaining is None else allowance - remaining
    return Figures(
        unit=policy.time_unit,
        allowance=allowance,
        used=used,
        pending=None if pending is None else pending.get(balance.user_id, Fraction(0)),
        remaining=remaining,
    )


def _sorted(rows: list[BalanceRow], key: str, descending: bool) -> list[BalanceRow]:
    """Rows by the column, unknown values last whichever the direction."""
    known = [row for row in rows if row.sort_value(key) is not None]
    unknown = [row for row in rows if row.sort_value(key) is None]
    known.sort(key=lambda row: (row.sort_value(key), row.name.casefold()), reverse=descending)
    return known + sorted(unknown, key=lambda row: row.name.casefold())


def balance_table_get(
    *,
    user_id: int,
    workspace_id: int,
    q: str = "",
    team: str | None = None,
    policy_id: int | None = None,
    sort: str = "team",
    descending: bool = False,
) -> BalanceTable:
    """Balances for the current year, filtered by name search and team, sorted by a column;
    with `policy_id`, that policy's allowance, used, pending and remaining."""
    reads = fetch_parallel(
        user_id=user_id,
        balances=lambda: balance_list(user_id=user_id, workspace_id=workspace_id),
        members=lambda: member_list(user_id=user_id, workspace_id=workspace_id),
        policies=lambda: policy_list(user_id=user_id, workspace_id=workspace_id),
    )
    outcome = reads["balances"]
    members = list(reads["members"].value or [])
    policies = sorted(reads["policies"].value or [], key=lambda p: p.id)
    policy = next((p for p in policies if p.id == policy_id), None)
    without_team = no_team()
    team_names = sorted({m.team_name or without_team for m in members}, key=str.casefold)
    if outcome.entry is None:
        return BalanceTable(
            team_names=team_names,
            policies=policies,
            policy=policy,
            unavailable=True,
            notices=[failure_notice(outcome.error, gettext("Balances can't be shown."))],
        )
    lookup = Lookup.build(members, policies, None)
    balances = outcome.entry.value
    policy_names = [p.name for p in policies]
    for balance in balances:
        for line in balance.amounts:
            if line.policy_name not in policy_names:
                policy_names.append(line.policy_name)
    pending_read, pending = None, None
    if policy is not None:
        pending_read = fetch_parallel(
            user_id=user_id,
            pending=lambda: leave_list_pending(user_id=user_id, workspace_id=workspace_id),
        )["pending"]
        year = balance_window()[0].year
        if pending_read.entry is not None:
            pending = _pending_by_member(
                leaves_with_overrides(
                    pending_read.entry,
                    leave_overrides(workspace_id=workspace_id),
                    status=LeaveStatus.PENDING,
                ),
                policy,
                policies,
                workspace_id,
                year,
            )
    rows = []
    for balance in balances:
        member = lookup.members.get(balance.user_id)
        rows.append(
            BalanceRow(
                member_id=balance.user_id,
                name=member.full_name if member else balance.user_name,
                team=(member.team_name if member else None) or without_team,
                amounts=tuple(balance.for_policy(name) for name in policy_names),
                figures=_figures(balance, policy, pending) if policy is not None else None,
            )
        )
    total = len(rows)
    if q.strip():
        rows = [row for row in rows if text_matches(q, row.name)]
    if team:
        rows = [row for row in rows if row.team == team]
    columns = _columns(policy, policy_names)
    if sort not in {column.key for column in columns}:
        sort, descending = "team", False
    rows = _sorted(rows, sort, descending)
    pending_at = pending_read.entry.fetched_at if pending_read and pending_read.entry else None
    return BalanceTable(
        policy_names=policy_names,
        rows=rows,
        team_names=team_names,
        total_members=total,
        notices=notices_for(BALANCES, outcome, reads["members"], reads["policies"], pending_read),
        fetched_at=outcome.entry.fetched_at,
        policies=policies,
        policy=policy,
        columns=columns,
        sort=sort,
        descending=descending,
        fingerprint=fingerprint(
            workspace_id,
            get_language(),  # the words and date formats of the rendered HTML
            search_key(q),
            team,
            policy_id,
            sort,
            descending,
            pending_at,
            sorted(leave_overrides(workspace_id=workspace_id)) if policy is not None else (),
            *(reads[name].entry.fetched_at if reads[name].entry else None for name in reads),
        ),
    )


def balance_csv_rows(table: BalanceTable):
    """The table as shown (filters, sort, columns): a header, then one list per member."""
    yield [column.label for column in table.columns]
    for row in table.rows:
        cells = [csv_cell(row.name), csv_cell(row.team)]
        if row.figures is not None:
            # Our own numbers, plain (a spreadsheet reads them as numbers, never as formulas).
            cells += [_csv_number(row.figures.value(name)) for name in FIGURES]
        else:
            cells += [
                _csv_number(amount.value)
                if amount and amount.value is not None
                else csv_cell(amount.text if amount else "")
                for amount in row.amounts
            ]
        yield cells


def _csv_number(value) -> str:
    if value is None:
        return ""
    number = round(float(value), 2)
    return f"{number:.2f}".rstrip("0").rstrip(".") if number else "0"

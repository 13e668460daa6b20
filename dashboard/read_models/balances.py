"""The balances page: members by policies, parsed values, negatives standing out."""

import datetime as dt
import time
from dataclasses import dataclass, field

from django.utils import timezone

from dashboard.read_models.common import Notice, age_text, describe, fingerprint, notices_for
from dashboard.read_models.lookup import Lookup
from dashboard.selectors import balance_list, fetch_parallel, member_list, policy_list
from dashboard.text import search_key, text_matches
from dashboard.webwork import BalanceAmount

NO_TEAM = "No team"


@dataclass(frozen=True, kw_only=True)
class BalanceRow:
    """One member's remaining balance per policy (None where WebWork gave none)."""

    member_id: int
    name: str
    team: str
    amounts: tuple[BalanceAmount | None, ...]

    @property
    def has_negative(self) -> bool:
        """True if any balance is below zero."""
        return any(a is not None and a.value is not None and a.value < 0 for a in self.amounts)


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


def balance_table_get(
    *, user_id: int, workspace_id: int, q: str = "", team: str | None = None
) -> BalanceTable:
    """Balances for the current year, filtered by name search and team."""
    reads = fetch_parallel(
        user_id=user_id,
        balances=lambda: balance_list(user_id=user_id, workspace_id=workspace_id),
        members=lambda: member_list(user_id=user_id, workspace_id=workspace_id),
        policies=lambda: policy_list(user_id=user_id, workspace_id=workspace_id),
    )
    outcome = reads["balances"]
    members = list(reads["members"].value or [])
    team_names = sorted({m.team_name or NO_TEAM for m in members}, key=str.casefold)
    if outcome.entry is None:
        return BalanceTable(
            team_names=team_names,
            unavailable=True,
            notices=[Notice("error", f"{describe(outcome.error)} Balances can't be shown.")],
        )
    lookup = Lookup.build(members, reads["policies"].value, None)
    balances = outcome.entry.value
    policy_names = [p.name for p in sorted(reads["policies"].value or [], key=lambda p: p.id)]
    for balance in balances:
        for line in balance.amounts:
            if line.policy_name not in policy_names:
                policy_names.append(line.policy_name)
    rows = []
    for balance in balances:
        member = lookup.members.get(balance.user_id)
        rows.append(
            BalanceRow(
                member_id=balance.user_id,
                name=member.full_name if member else balance.user_name,
                team=(member.team_name if member else None) or NO_TEAM,
                amounts=tuple(balance.for_policy(name) for name in policy_names),
            )
        )
    total = len(rows)
    if q.strip():
        rows = [row for row in rows if text_matches(q, row.name)]
    if team:
        rows = [row for row in rows if row.team == team]
    rows.sort(key=lambda row: (row.team.casefold(), row.name.casefold()))
    return BalanceTable(
        policy_names=policy_names,
        rows=rows,
        team_names=team_names,
        total_members=total,
        notices=notices_for("balances", outcome, reads["members"], reads["policies"]),
        fetched_at=outcome.entry.fetched_at,
        fingerprint=fingerprint(
            workspace_id,
            search_key(q),
            team,
            *(reads[name].entry.fetched_at if reads[name].entry else None for name in reads),
        ),
    )

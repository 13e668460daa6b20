"""The digest e-mail: for each workspace a person manages, what waits and who is out.

Each workspace's part is the inbox as its page shows it (oldest requests first, who is out
today and this week), read with the person's own token from the same cached lists, so a
digest costs what an inbox view costs and nothing per row.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.utils.translation import gettext

from dashboard.read_models.common import failure_notice
from dashboard.read_models.format import amount_words, number_text
from dashboard.read_models.inbox import InboxRow, OutEntry, inbox_get
from dashboard.selectors import workspace_list_for_user
from dashboard.webwork import BalanceAmount, WebWorkError, Workspace

# Requests listed per workspace; the rest are counted, with a link to the inbox.
DIGEST_ROWS = 15


@dataclass(frozen=True)
class DigestRow:
    """One waiting request as the digest lists it."""

    member: str
    policy: str
    dates: str
    duration: str
    waited: str
    balance_after: str


@dataclass(kw_only=True)
class WorkspaceDigest:
    """One workspace's part of the digest."""

    workspace: Workspace
    rows: list[DigestRow] = field(default_factory=list)
    pending_count: int = 0
    out_today: list[OutEntry] = field(default_factory=list)
    out_week: list[OutEntry] = field(default_factory=list)
    problem: str = ""

    @property
    def more(self) -> int:
        """Waiting requests not listed."""
        return max(self.pending_count - len(self.rows), 0)


@dataclass(kw_only=True)
class Digest:
    """Everything one person's digest says."""

    workspaces: list[WorkspaceDigest] = field(default_factory=list)
    problem: str = ""

    @property
    def pending_count(self) -> int:
        """Requests waiting in all the person's workspaces."""
        return sum(part.pending_count for part in self.workspaces)

    @property
    def is_empty(self) -> bool:
        """Nothing waits anywhere (and nothing failed to be read)."""
        return (
            self.pending_count == 0
            and not self.problem
            and not any(part.problem for part in self.workspaces)
        )


def balance_after(row: InboxRow) -> str:
    """The member's balance once this request is approved ("12 days"), or "—" when unknown.

    WebWork's balances count approved leave only, so a pending request is not in them yet.
    """
    balance: BalanceAmount | None = row.balance
    if balance is None or balance.value is None:
        return "—" if balance is None else balance.text
    amount = row.leave.total_hours if balance.unit == "hours" else row.leave.total_days
    if amount is None:
        return balance.text
    left = balance.value - Decimal(str(amount))
    return amount_words(number_text(float(left)), float(left), balance.unit or "").strip()


def digest_row(row: InboxRow) -> DigestRow:
    """An inbox row as mail and chat messages list it."""
    return DigestRow(
        member=row.member_name,
        policy=row.policy_name,
        dates=row.dates,
        duration=row.duration.text,
        waited=row.waited,
        balance_after=balance_after(row),
    )


def _part(user_id: int, workspace: Workspace) -> WorkspaceDigest:
    # "Out today" is the workspace's today, as on the inbox page, not the reader's.
    inbox = inbox_get(user_id=user_id, workspace_id=workspace.id, count=DIGEST_ROWS)
    if inbox.unavailable:
        message = (
            inbox.notices[0].message
            if inbox.notices
            else gettext("Pending requests can't be read.")
        )
        return WorkspaceDigest(workspace=workspace, problem=message)
    return WorkspaceDigest(
        workspace=workspace,
        rows=[digest_row(row) for row in inbox.rows],
        pending_count=inbox.pending_count,
        out_today=inbox.out_today,
        out_week=inbox.out_week,
    )


def digest_get(*, user_id: int) -> Digest:
    """The digest of every workspace the person manages now (by their own WebWork token)."""
    try:
        workspaces = workspace_list_for_user(user=get_user_model()(pk=user_id))
    except WebWorkError as exc:
        return Digest(
            problem=failure_notice(exc, gettext("Your workspaces can't be listed.")).message
        )
    return Digest(workspaces=[_part(user_id, workspace) for workspace in workspaces])

"""A bulk decision's progress and report: one row per leave it named, and how each ended."""

import uuid
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext

from dashboard.models import BulkItem, BulkRun
from dashboard.selectors import leave_list_pending
from dashboard.webwork import WebWorkError

Outcome = BulkItem.Outcome
OPEN = (Outcome.QUEUED, Outcome.WORKING)


@dataclass(frozen=True)
class BulkRow:
    """One leave of the run: who, and what happened to it."""

    leave_id: str
    label: str
    outcome: str
    outcome_label: str
    message: str
    retryable: bool


@dataclass(frozen=True)
class BulkReport:
    """Where a bulk run stands, for the progress bar and the report."""

    run: BulkRun
    rows: list[BulkRow]
    counts: list[tuple[str, str, int]]  # (outcome, label, how many), in the report's order
    waiting_seconds: int

    @property
    def total(self) -> int:
        """Leaves the run named."""
        return len(self.rows)

    @property
    def done_count(self) -> int:
        """Leaves that have ended one way or another."""
        return sum(1 for row in self.rows if row.outcome not in OPEN)

    @property
    def finished(self) -> bool:
        """True when no leave waits any more."""
        return self.done_count == self.total

    @property
    def percent(self) -> int:
        """How far along, 0-100."""
        return 100 if not self.total else round(100 * self.done_count / self.total)

    @property
    def retryable_count(self) -> int:
        """Leaves that failed without being sent and may be tried again."""
        return sum(1 for row in self.rows if row.retryable)

    @property
    def undo_seconds(self) -> int:
        """While the run waits out its undo window with nothing sent: seconds left, else 0."""
        started = any(row.outcome not in (Outcome.QUEUED, Outcome.REFUSED) for row in self.rows)
        return 0 if started else self.waiting_seconds


REPORT_ORDER = [
    Outcome.DECIDED,
    Outcome.UNDONE,
    Outcome.ALREADY,
    Outcome.SKIPPED,
    Outcome.REFUSED,
    Outcome.FAILED,
    Outcome.UNKNOWN,
    Outcome.WORKING,
    Outcome.QUEUED,
]


def bulk_report_get(*, user_id: int, workspace_id: int, run_id: uuid.UUID) -> BulkReport | None:
    """The run, if it is this person's in this workspace (None otherwise)."""
    run = BulkRun.objects.filter(pk=run_id, user_id=user_id, workspace_id=workspace_id).first()
    if run is None:
        return None
    labels = dict(Outcome.choices)
    rows = [
        BulkRow(
            leave_id=item.leave_id,
            label=item.label or _fallback_label(item.leave_id),
            outcome=item.outcome,
            outcome_label=labels[item.outcome],
            message=item.message,
            retryable=item.retryable and item.outcome == Outcome.FAILED,
        )
        for item in run.items.order_by("position")
    ]
    tally = {outcome: 0 for outcome in REPORT_ORDER}
    for row in rows:
        tally[row.outcome] += 1
    counts = [(o, labels[o], n) for o, n in tally.items() if n]
    waiting = 0
    if run.not_before and run.not_before > timezone.now():
        waiting = int((run.not_before - timezone.now()).total_seconds()) + 1
    return BulkReport(run=run, rows=rows, counts=counts, waiting_seconds=waiting)


def _fallback_label(leave_id: str) -> str:
    if leave_id.startswith("#"):  # not an id at all: show what was sent, shortened
        return f"“{leave_id.split(':', 1)[-1][:40]}”"
    return gettext("Request %(id)s") % {"id": leave_id[:8]}


def bulk_matching_ids(*, user_id: int, workspace_id: int) -> list[str]:
    """Every pending request of the workspace, oldest first ("select all N matching" in the
    inbox); each is re-checked before it is decided. Empty when WebWork can't list them."""
    try:
        entry = leave_list_pending(user_id=user_id, workspace_id=workspace_id)
    except WebWorkError:
        return []
    return [leave.id for leave in entry.value]

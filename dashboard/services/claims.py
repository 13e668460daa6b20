"""One decision per leave: the `LeaveDecision` row a decision claims before it goes to WebWork.

The row's unique constraint serialises concurrent taps and managers across processes (WebWork
offers no idempotency key or version to do it for us). A claim ends as done (how the leave was
decided, and by whom) or failed (free to try again); one left sending by a crash is taken over
once it is stale. A held claim (the undo window) waits for its send time; undoing it deletes
it. A done row answers repeat taps only while WebWork agrees with it: once a
pending list fetched after it shows the leave pending again (WebWork can put a decided leave
back), the row is superseded, which the audit log records, and a new decision may be made.
"""

import datetime as dt

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.utils import timezone

from dashboard.models import AuditEntry, LeaveDecision
from dashboard.selectors import leave_pending_again
from dashboard.services.audit import actor_name
from dashboard.webwork import Leave

# A claim older than this whose process never finished (crash, kill) may be taken over.
STALE_CLAIM = dt.timedelta(seconds=60)


def take(
    *,
    user: AbstractBaseUser,
    workspace_id: int,
    leave_id: str,
    action: AuditEntry.Action,
    reason: str,
    hold_for: int = 0,
) -> tuple[LeaveDecision, bool]:
    """Take the right to decide this leave; (row, False) when someone else holds or used it.

    With `hold_for` the claim is held (undo window) and its decision is to be sent then.
    """
    held = hold_for > 0
    values = {
        "action": action,
        "state": LeaveDecision.State.HELD if held else LeaveDecision.State.SENDING,
        "decided_by": user,
        "decided_by_name": actor_name(user),
        "reason": reason,
        "result_status": "",
        "send_at": timezone.now() + dt.timedelta(seconds=hold_for) if held else None,
    }
    try:
        with transaction.atomic():
            row = LeaveDecision.objects.create(
                workspace_id=workspace_id, leave_id=leave_id, **values
            )
        return row, True
    except IntegrityError:
        pass
    with transaction.atomic():
        row = LeaveDecision.objects.select_for_update().get(
            workspace_id=workspace_id, leave_id=leave_id
        )
        stale = (
            row.state == LeaveDecision.State.SENDING
            and row.updated_at < timezone.now() - STALE_CLAIM
        )
        superseded = row.state == LeaveDecision.State.DONE and leave_pending_again(
            workspace_id=workspace_id, leave_id=leave_id, since=row.updated_at
        )
        if superseded:
            _record_superseded(row)
        if row.state == LeaveDecision.State.FAILED or stale or superseded:
            for name, value in values.items():
                setattr(row, name, value)
            row.save()
            return row, True
    return row, False


def _record_superseded(row: LeaveDecision) -> None:
    """Keep in the audit log that a decision recorded here no longer holds in WebWork."""
    when = timezone.localtime(row.updated_at)
    AuditEntry.objects.create(
        actor_id=row.decided_by_id,
        actor_name=row.decided_by_name,
        workspace_id=row.workspace_id,
        leave_id=row.leave_id,
        action=row.action,
        outcome=AuditEntry.Outcome.SUPERSEDED,
        reason=row.reason,
        detail=(
            f"{row.result_status or 'decided'} at {when:%Y-%m-%d %H:%M %Z}; "
            "WebWork shows the leave pending again"
        ),
    )


def finish(row: LeaveDecision, leave: Leave, *, by_name: str | None = None) -> None:
    """The leave is decided (by us, or by `by_name`): keep how, for repeat taps and the overlay."""
    row.state = LeaveDecision.State.DONE
    row.result_status = leave.status
    row.decided_by_webwork_id = leave.decided_by
    if by_name is not None:
        row.decided_by_name = by_name
    if leave.reject_reason:
        row.reason = leave.reject_reason
    row.save()


def release(row: LeaveDecision) -> None:
    """Nothing was decided: the next tap may try again."""
    row.state = LeaveDecision.State.FAILED
    row.save(update_fields=["state", "updated_at"])


def release_held(*, user: AbstractBaseUser, workspace_id: int, leave_id: str) -> bool:
    """Undo: drop this person's held claim, if it is still held (nothing was sent)."""
    deleted, _ = LeaveDecision.objects.filter(
        workspace_id=workspace_id,
        leave_id=leave_id,
        decided_by=user,
        state=LeaveDecision.State.HELD,
    ).delete()
    return bool(deleted)


def take_held(row_id: int) -> LeaveDecision | None:
    """Move a held claim whose time has come to sending; None when undone or already taken
    (by another worker, the sweep or the web process's sender)."""
    taken = LeaveDecision.objects.filter(
        pk=row_id, state=LeaveDecision.State.HELD, send_at__lte=timezone.now()
    ).update(state=LeaveDecision.State.SENDING, updated_at=timezone.now())
    return LeaveDecision.objects.select_related("decided_by").get(pk=row_id) if taken else None


def hold_again(row: LeaveDecision, *, seconds: float) -> bool:
    """Nothing was sent (rate limit): hold the decision again, unless someone took the leave."""
    return bool(
        LeaveDecision.objects.filter(pk=row.pk, state=LeaveDecision.State.FAILED).update(
            state=LeaveDecision.State.HELD,
            send_at=timezone.now() + dt.timedelta(seconds=seconds),
            updated_at=timezone.now(),
        )
    )

"""The undo window: a held decision is sent when its time comes, once, or undone before.

A held decision is a `LeaveDecision` claim in the held state with its `send_at`, so it
survives any process: the worker's countdown task, the web process's timer (no broker) and
beat's sweep may all try to send it, and the move from held to sending lets only one through.
A send that a crash interrupted (the claim left sending) is read back from WebWork by the
sweep: sent again only if the leave is still pending, finished if our PUT was applied.
"""

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext, pgettext

from dashboard.models import LeaveDecision
from dashboard.services import claims
from dashboard.services.audit import DecisionOutcome, actor_name, decided_message, status_text
from dashboard.services.decisions import (
    Decision,
    DecisionResult,
    decision_resume,
    decision_send,
    held_result,
)
from dashboard.webwork import WebWorkError

State = LeaveDecision.State


def held_decision_send(*, row_id: int) -> DecisionResult | None:
    """Send a held decision whose time has come; None when it was undone or is sent already."""
    row = claims.take_held(row_id)
    if row is None:
        return None
    if row.decided_by is None:  # the person's account is gone: nobody to send it as
        claims.release(row)
        return DecisionResult(outcome=DecisionOutcome.FAILED, message=gettext("Its maker is gone."))
    result = decision_send(row, _decision_of(row))
    if result.retry_after:  # nothing was sent (rate limit): hold it again, don't drop it
        claims.hold_again(row, seconds=result.retry_after)
    return result


def held_decisions_send_due() -> int:
    """Beat's sweep: send every held decision past its time, and finish those whose sending a
    crash interrupted. Returns how many were handled."""
    now = timezone.now()
    due = LeaveDecision.objects.filter(
        Q(state=State.HELD, send_at__lte=now)
        | Q(
            state=State.SENDING,
            send_at__isnull=False,
            updated_at__lt=now - claims.STALE_CLAIM,
        )
    ).values_list("pk", "state")
    handled = 0
    for row_id, state in due:
        if state == State.HELD:
            handled += held_decision_send(row_id=row_id) is not None
        else:
            handled += _resume_interrupted(row_id) is not None
    return handled


def _resume_interrupted(row_id: int) -> DecisionResult | None:
    """A held decision whose sending stopped midway: ask WebWork what it holds first."""
    stale = timezone.now() - claims.STALE_CLAIM
    # Take it over (another sweep may be at it too): the update lets one through.
    if not LeaveDecision.objects.filter(
        pk=row_id, state=State.SENDING, updated_at__lt=stale
    ).update(updated_at=timezone.now()):
        return None
    row = LeaveDecision.objects.select_related("decided_by").get(pk=row_id)
    try:
        return decision_resume(row, _decision_of(row))
    except WebWorkError:
        return None  # WebWork can't say now: the next sweep asks again, the claim stays


def _decision_of(row: LeaveDecision) -> Decision:
    return Decision(
        user=row.decided_by,
        workspace_id=row.workspace_id,
        leave_id=row.leave_id,
        action=row.action,
        reason=row.reason,
    )


def leave_decision_undo(
    *, user: AbstractBaseUser, workspace_id: int, leave_id: str
) -> DecisionResult:
    """Take back a held decision within its window: nothing is sent to WebWork.

    After the window, say that it was sent and what WebWork answered.
    """
    if claims.release_held(user=user, workspace_id=workspace_id, leave_id=leave_id):
        return DecisionResult(
            outcome=DecisionOutcome.UNDONE, message=gettext("Undone: nothing was sent to WebWork.")
        )
    row = LeaveDecision.objects.filter(workspace_id=workspace_id, leave_id=leave_id).first()
    if row is None or row.state == State.FAILED:
        return DecisionResult(
            outcome=DecisionOutcome.FAILED, message=gettext("There is nothing to undo.")
        )
    if row.state == State.HELD:
        return DecisionResult(
            outcome=DecisionOutcome.IN_PROGRESS,
            message=gettext("Only %(name)s can undo this.") % {"name": row.decided_by_name}
            if row.decided_by_name
            else gettext("Only the person who decided can undo this."),
            send_at=row.send_at,
        )
    if row.state == State.SENDING:
        return DecisionResult(
            outcome=DecisionOutcome.IN_PROGRESS,
            message=gettext("Too late to undo: it is being sent to WebWork right now."),
        )
    values = {
        "status": status_text(row.result_status),
        "name": row.decided_by_name or pgettext("who decided a request", "someone else"),
        "time": f"{timezone.localtime(row.updated_at):%H:%M}",
    }
    if row.decided_by_id == user.pk:
        message = gettext(
            "Too late to undo: already sent. WebWork answered %(status)s (by you, %(time)s)."
        )
    else:
        message = gettext(
            "Too late to undo: already sent. WebWork answered %(status)s (by %(name)s, %(time)s)."
        )
    return DecisionResult(
        outcome=DecisionOutcome.ALREADY_DECIDED,
        message=message % values,
        decided_by_you=row.decided_by_id == user.pk,
        decided_at=row.updated_at,
    )


def leave_decision_outcome(
    *, user: AbstractBaseUser, workspace_id: int, leave_id: str
) -> DecisionResult | None:
    """What became of this person's latest decision of the leave, for its row after the undo
    window: still held, being sent, done, or not taken (None when there is nothing to say)."""
    row = LeaveDecision.objects.filter(
        workspace_id=workspace_id, leave_id=leave_id, decided_by=user
    ).first()
    if row is None:
        return None
    if row.state == State.HELD:
        return held_result(row)
    if row.state == State.SENDING:
        return DecisionResult(
            outcome=DecisionOutcome.IN_PROGRESS,
            message=gettext("Sending to WebWork…"),
            send_at=row.send_at,
        )
    if row.state == State.DONE:
        return DecisionResult(
            outcome=DecisionOutcome.DONE,
            message=decided_message(row.result_status),
            decided_by_you=row.decided_by_name == actor_name(user),
            decided_at=row.updated_at,
        )
    return DecisionResult(
        outcome=DecisionOutcome.FAILED,
        message=gettext(
            "WebWork didn't take the decision, so the request is still pending. Try again."
        ),
    )

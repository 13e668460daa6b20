"""Approve and reject: one decision per leave, never sent twice, always audited.

WebWork has no idempotency key and no version on leaves, so safety comes from here:
- a decision is claimed in our own table first (`claims`), so concurrent taps and managers
  send at most one PUT;
- a PUT is never repeated: after a timeout, reset or 5xx the leave is read back and the
  person is told what really happened;
- every decision that reaches WebWork leaves an audit entry;
- with an undo window (`DECISION_UNDO_SECONDS`) a tap holds its claim instead of sending: the
  held decision is stored with its send time and sent then by the worker (or the web
  process's own timer without a broker, or the beat sweep after a restart); undone within the
  window it is never sent.
"""

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.utils import timezone
from django.utils.translation import gettext, ngettext, pgettext

from dashboard.models import AuditEntry, LeaveDecision
from dashboard.platform.cache import cache_delete, user_key
from dashboard.platform.queue import enqueue_later
from dashboard.selectors import leave_get, leave_get_or_none, member_list
from dashboard.selectors.workspace_dataset import dataset_leave_replace
from dashboard.services import claims
from dashboard.services.audit import (
    DecisionOutcome,
    actor_name,
    already_message,
    decided_message,
    error_detail,
)
from dashboard.services.decision_rules import Refusal, decision_refusal, leave_for_rules
from dashboard.services.workspaces import balances_refresh_request
from dashboard.text import normalise_text, shows_something
from dashboard.webwork import (
    BadResponse,
    Forbidden,
    Leave,
    LeaveStatus,
    NoLongerPending,
    NotFound,
    RateLimited,
    Unavailable,
    WebWorkError,
)
from dashboard.webwork_oauth.tokens import client_for, webwork_user_id_for

Action = AuditEntry.Action
HELD_SEND_TASK = "dashboard.tasks.held_decision_send_task"


@dataclass(frozen=True, kw_only=True)
class DecisionResult:
    """What happened to an approve or reject, in terms a person can act on."""

    outcome: DecisionOutcome
    message: str
    leave: Leave | None = None
    decided_by_you: bool = False
    decided_at: dt.datetime | None = None
    refusal: Refusal | None = None
    # Set when nothing was sent because of the rate limit: seconds until a call may go again.
    retry_after: float | None = None
    # Set while the decision is held for the undo window: when it is to be sent.
    send_at: dt.datetime | None = None

    @property
    def seconds_left(self) -> int:
        """Whole seconds until a held decision is sent (0 when not held)."""
        if self.send_at is None:
            return 0
        return max(int((self.send_at - timezone.now()).total_seconds() + 0.999), 0)

    @property
    def done(self) -> bool:
        """True when the leave is now decided (by us or someone else)."""
        return self.outcome in (DecisionOutcome.DONE, DecisionOutcome.ALREADY_DECIDED)


@dataclass(frozen=True, kw_only=True)
class Decision:
    """One approve or reject on its way to WebWork: what each of its audit entries records."""

    user: AbstractBaseUser
    workspace_id: int
    leave_id: str
    action: AuditEntry.Action
    reason: str

    @property
    def target(self) -> LeaveStatus:
        """The status the leave has once the decision is applied."""
        return LeaveStatus.APPROVED if self.action == Action.APPROVE else LeaveStatus.REJECTED

    def audit(
        self, outcome: DecisionOutcome, *, member_id: int | None = None, detail: str = ""
    ) -> AuditEntry:
        """Write the audit entry saying how this decision ended."""
        return AuditEntry.objects.create(
            actor=self.user,
            actor_name=actor_name(self.user),
            workspace_id=self.workspace_id,
            leave_id=self.leave_id,
            member_id=member_id,
            action=self.action,
            outcome=outcome,
            reason=self.reason,
            detail=detail[:300],
        )


def leave_approve(
    *,
    user: AbstractBaseUser,
    workspace_id: int,
    leave_id: str,
    confirm_negative: bool = False,
    hold: bool = False,
) -> DecisionResult:
    """Approve a pending leave request, if the decision rules let it through (with `hold`:
    after the undo window).

    `confirm_negative` is the second, explicit tap that approves a request taking the balance
    below zero under a policy that does not allow it.
    """
    decision = Decision(
        user=user, workspace_id=workspace_id, leave_id=leave_id, action=Action.APPROVE, reason=""
    )
    try:
        leave = leave_for_rules(user_id=user.pk, workspace_id=workspace_id, leave_id=leave_id)
    except NotFound as exc:
        decision.audit(DecisionOutcome.FAILED, detail=error_detail(exc))
        return DecisionResult(
            outcome=DecisionOutcome.FAILED,
            message=gettext("This request no longer exists in WebWork."),
        )
    except RateLimited as exc:
        return _busy(decision, exc)
    refusal = decision_refusal(
        user=user,
        workspace_id=workspace_id,
        leave=leave,
        approve=True,
        confirm_negative=confirm_negative,
    )
    if refusal is not None:
        decision.audit(
            DecisionOutcome.REFUSED,
            member_id=leave.user_id if leave else None,
            detail=refusal.code,
        )
        return DecisionResult(
            outcome=DecisionOutcome.REFUSED, message=refusal.message, leave=leave, refusal=refusal
        )
    return _decide(decision, hold=hold)


def leave_reject(
    *, user: AbstractBaseUser, workspace_id: int, leave_id: str, reason: str, hold: bool = False
) -> DecisionResult:
    """Reject a pending leave request with a reason the member will see (with `hold`: after
    the undo window)."""
    reason = normalise_text(reason)
    if not shows_something(reason):
        raise ValueError("a reason is required to reject a request")
    return _decide(
        Decision(
            user=user,
            workspace_id=workspace_id,
            leave_id=leave_id,
            action=Action.REJECT,
            reason=reason,
        ),
        hold=hold,
    )


def _decide(decision: Decision, *, hold: bool = False) -> DecisionResult:
    window = settings.DECISION_UNDO_SECONDS if hold else 0
    row, claimed = claims.take(
        user=decision.user,
        workspace_id=decision.workspace_id,
        leave_id=decision.leave_id,
        action=decision.action,
        reason=decision.reason,
        hold_for=window,
    )
    if not claimed:
        return _already_decided(user=decision.user, row=row)
    if window:
        enqueue_later(HELD_SEND_TASK, countdown=window, row_id=row.pk)
        return held_result(row)
    return decision_send(row, decision)


def decision_send(row: LeaveDecision, decision: Decision) -> DecisionResult:
    """The one PUT of a claimed decision, and what came of it."""
    user, workspace_id, leave_id = decision.user, decision.workspace_id, decision.leave_id
    try:
        client = client_for(user_id=user.pk)
        if decision.action == Action.APPROVE:
            leave = client.approve_leave(workspace_id=workspace_id, leave_id=leave_id)
        else:
            leave = client.reject_leave(
                workspace_id=workspace_id, leave_id=leave_id, reason=decision.reason
            )
    except NoLongerPending:
        return _settle_elsewhere(row=row, decision=decision)
    except (Unavailable, BadResponse) as exc:
        if isinstance(exc, Unavailable) and not exc.request_sent:
            claims.release(row)
            decision.audit(DecisionOutcome.FAILED, detail=error_detail(exc))
            return DecisionResult(
                outcome=DecisionOutcome.FAILED,
                message=gettext("WebWork didn't answer, so nothing was changed. Try again."),
            )
        return _reconcile(row=row, decision=decision, error=exc)
    except RateLimited as exc:
        claims.release(row)
        return _busy(decision, exc)
    except NotFound as exc:
        row.delete()
        decision.audit(DecisionOutcome.FAILED, detail=error_detail(exc))
        return DecisionResult(
            outcome=DecisionOutcome.FAILED,
            message=gettext("This request no longer exists in WebWork."),
        )
    except Forbidden as exc:
        row.delete()
        cache_delete(user_key(user.pk, "workspaces"))
        decision.audit(DecisionOutcome.FAILED, detail=error_detail(exc))
        return DecisionResult(
            outcome=DecisionOutcome.FAILED,
            message=gettext(
                "WebWork no longer lets you manage this workspace, so nothing was changed."
            ),
        )
    except BaseException:
        # AuthExpired, sign-in required or anything unexpected: nothing was applied.
        row.delete()
        raise
    target = decision.target
    if leave is None or leave.status != target:
        leave = (
            leave_get_or_none(user_id=user.pk, workspace_id=workspace_id, leave_id=leave_id)
            or leave
        )
    if leave is None:
        return _reconcile(row=row, decision=decision, error=None)
    return _applied(row=row, decision=decision, leave=leave)


def _busy(decision: Decision, exc: RateLimited) -> DecisionResult:
    """No call left for the decision this minute (or WebWork says too many): nothing sent."""
    decision.audit(DecisionOutcome.FAILED, detail=error_detail(exc))
    if exc.retry_after:
        seconds = int(exc.retry_after) + 1
        message = ngettext(
            "WebWork is busy (too many requests). Nothing was changed; try again in "
            "%(seconds)s second.",
            "WebWork is busy (too many requests). Nothing was changed; try again in "
            "%(seconds)s seconds.",
            seconds,
        ) % {"seconds": seconds}
    else:
        message = gettext(
            "WebWork is busy (too many requests). Nothing was changed; try again shortly."
        )
    return DecisionResult(
        outcome=DecisionOutcome.FAILED,
        message=message,
        retry_after=exc.retry_after or 1.0,
    )


def decision_resume(row: LeaveDecision, decision: Decision) -> DecisionResult:
    """A claimed decision whose sending a crash interrupted: read the leave back, and send
    only if WebWork still has it pending (else record how it ended). Raises WebWorkError when
    WebWork can't say; the claim then stays as it is."""
    leave = leave_get_or_none(
        user_id=decision.user.pk, workspace_id=decision.workspace_id, leave_id=decision.leave_id
    )
    if leave is not None and leave.is_pending:
        return decision_send(row, decision)
    return _reconcile(row=row, decision=decision, error=None)


def held_result(row: LeaveDecision) -> DecisionResult:
    """A held decision, as its maker is told: what it will do, and when it is sent."""
    if row.action == Action.APPROVE:
        verb = pgettext("a decision waiting to be sent", "Approved")
    else:
        verb = pgettext("a decision waiting to be sent", "Rejected")
    return DecisionResult(
        outcome=DecisionOutcome.HELD,
        message=verb,
        decided_by_you=True,
        send_at=row.send_at,
    )


def _already_decided(*, user: AbstractBaseUser, row: LeaveDecision) -> DecisionResult:
    if row.state == LeaveDecision.State.HELD:
        if row.decided_by_id == user.pk:
            return held_result(row)
        values = {"name": row.decided_by_name or gettext("Someone")}
        if row.action == Action.APPROVE:
            message = gettext("%(name)s is approving this request.") % values
        else:
            message = gettext("%(name)s is rejecting this request.") % values
        return DecisionResult(
            outcome=DecisionOutcome.IN_PROGRESS,
            message=message,
            send_at=row.send_at,
        )
    if row.state == LeaveDecision.State.SENDING:
        return DecisionResult(
            outcome=DecisionOutcome.IN_PROGRESS,
            message=gettext("%(name)s is deciding this request right now.")
            % {"name": row.decided_by_name or gettext("Someone")},
        )
    verb = (
        LeaveStatus.APPROVED if row.result_status == LeaveStatus.APPROVED else LeaveStatus.REJECTED
    )
    by_you = row.decided_by_id == user.pk
    # No upstream call: our own record says how it ended (repeat taps cost WebWork nothing).
    return DecisionResult(
        outcome=DecisionOutcome.ALREADY_DECIDED,
        message=already_message(verb, by=row.decided_by_name, by_you=by_you),
        decided_by_you=by_you,
        decided_at=row.updated_at,
    )


def _settle_elsewhere(*, row: LeaveDecision, decision: Decision) -> DecisionResult:
    """WebWork says the leave is no longer pending: learn who decided it."""
    user, workspace_id = decision.user, decision.workspace_id
    leave = leave_get_or_none(user_id=user.pk, workspace_id=workspace_id, leave_id=row.leave_id)
    if leave is None or leave.is_pending:
        claims.release(row)
        decision.audit(DecisionOutcome.ALREADY_DECIDED, detail="422, state unknown")
        return DecisionResult(
            outcome=DecisionOutcome.ALREADY_DECIDED,
            message=gettext("WebWork says this request was already decided. Refresh to see it."),
            leave=leave,
        )
    return _decided_by_someone_else(row=row, decision=decision, leave=leave, detail="422")


def _reconcile(
    *, row: LeaveDecision, decision: Decision, error: WebWorkError | None
) -> DecisionResult:
    """The PUT may or may not have been applied: read the leave back, never send it again."""
    user, workspace_id, target = decision.user, decision.workspace_id, decision.target
    detail = error_detail(error) if error else "no leave in answer"
    try:
        leave = leave_get(user_id=user.pk, workspace_id=workspace_id, leave_id=row.leave_id)
    except WebWorkError:
        claims.release(row)
        decision.audit(DecisionOutcome.UNKNOWN, detail=detail)
        return DecisionResult(
            outcome=DecisionOutcome.UNKNOWN,
            message=gettext(
                "WebWork didn't confirm the decision. Refresh in a moment to see its state."
            ),
        )
    me = webwork_user_id_for(user_id=user.pk)
    if leave.status == target and leave.decided_by == me:
        return _applied(
            row=row,
            decision=decision,
            leave=leave,
            detail=detail,
            slow=True,
        )
    if leave.is_pending and _may_still_arrive(error):
        # A timeout or a reset: the PUT may still be on its way and be applied after our read.
        claims.release(row)
        decision.audit(DecisionOutcome.UNKNOWN, member_id=leave.user_id, detail=detail)
        return DecisionResult(
            outcome=DecisionOutcome.UNKNOWN,
            message=gettext(
                "WebWork didn't confirm in time and may still approve it. "
                "Refresh in a moment before trying again."
            )
            if target == LeaveStatus.APPROVED
            else gettext(
                "WebWork didn't confirm in time and may still reject it. "
                "Refresh in a moment before trying again."
            ),
            leave=leave,
        )
    if leave.is_pending:
        claims.release(row)
        decision.audit(DecisionOutcome.FAILED, member_id=leave.user_id, detail=detail)
        return DecisionResult(
            outcome=DecisionOutcome.FAILED,
            message=gettext("Not approved: WebWork didn't take the decision. Try again.")
            if target == LeaveStatus.APPROVED
            else gettext("Not rejected: WebWork didn't take the decision. Try again."),
            leave=leave,
        )
    return _decided_by_someone_else(row=row, decision=decision, leave=leave, detail=detail)


def _applied(
    *, row: LeaveDecision, decision: Decision, leave: Leave, detail: str = "", slow: bool = False
) -> DecisionResult:
    """WebWork applied our decision: record it, refresh balances in the background, say so."""
    claims.finish(row, leave)
    dataset_leave_replace(workspace_id=decision.workspace_id, leave=leave)
    decision.audit(DecisionOutcome.DONE, member_id=leave.user_id, detail=detail)
    balances_refresh_request(workspace_id=decision.workspace_id, user_id=decision.user.pk)
    return DecisionResult(
        outcome=DecisionOutcome.DONE,
        message=decided_message(decision.target, slow=slow),
        leave=leave,
        decided_by_you=True,
        decided_at=row.updated_at,
    )


def _decided_by_someone_else(
    *, row: LeaveDecision, decision: Decision, leave: Leave, detail: str
) -> DecisionResult:
    """The leave was decided in WebWork by someone else: record who, and say so."""
    name = _member_name(
        user_id=decision.user.pk, workspace_id=decision.workspace_id, member_id=leave.decided_by
    )
    claims.finish(row, leave, by_name=name or gettext("someone else in WebWork"))
    dataset_leave_replace(workspace_id=decision.workspace_id, leave=leave)
    decision.audit(DecisionOutcome.ALREADY_DECIDED, member_id=leave.user_id, detail=detail)
    return DecisionResult(
        outcome=DecisionOutcome.ALREADY_DECIDED,
        message=already_message(leave.status, by=name),
        leave=leave,
        decided_at=leave.decided_at,
    )


def _member_name(*, user_id: int, workspace_id: int, member_id: int | None) -> str | None:
    if member_id is None:
        return None
    try:
        members = member_list(user_id=user_id, workspace_id=workspace_id).value
    except WebWorkError:
        return None
    return next((m.full_name for m in members if m.id == member_id), None)


def _may_still_arrive(error: WebWorkError | None) -> bool:
    """True when no answer came back at all (timeout, reset): the request may be in flight."""
    return isinstance(error, Unavailable) and error.request_sent and error.status is None

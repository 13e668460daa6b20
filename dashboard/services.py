"""Writes to WebWork and the rules around them: one decision per leave, no blind replays, audit.

WebWork has no idempotency key and no version on leaves, so safety comes from here:
- a decision is claimed in our own table first (unique per leave), so concurrent taps and
  managers send at most one PUT;
- a PUT or POST is never repeated: after a timeout, reset or 5xx the leave is read back and
  the person is told what really happened;
- every write that reaches WebWork leaves an audit entry.
"""

import contextlib
import datetime as dt
import logging
from dataclasses import dataclass, field

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.utils import timezone

from dashboard.models import (
    AuditEntry,
    LeaveDecision,
    ManagedWorkspace,
    UserPreference,
    WorkspaceSettings,
)
from dashboard.platform.cache import cache_delete, data_version_bump, user_key
from dashboard.platform.queue import enqueue
from dashboard.selectors import (
    balance_list,
    holiday_region_forget,
    leave_get,
    member_list,
    policy_list,
)
from dashboard.webwork import (
    BadResponse,
    Forbidden,
    Leave,
    LeavePeriod,
    LeaveStatus,
    NoLongerPending,
    NotFound,
    Policy,
    RateLimited,
    Unavailable,
    ValidationFailed,
    WebWorkError,
    Workspace,
)
from dashboard.webwork_oauth.tokens import client_for, webwork_user_id_for

logger = logging.getLogger("dashboard.services")

Outcome = AuditEntry.Outcome
Action = AuditEntry.Action

# A claim older than this whose process never finished (crash, kill) may be taken over.
STALE_CLAIM = dt.timedelta(seconds=60)


@dataclass(frozen=True, kw_only=True)
class DecisionResult:
    """What happened to an approve or reject, in terms a person can act on."""

    outcome: str  # an AuditEntry.Outcome value, or "in_progress"
    message: str
    leave: Leave | None = None
    decided_by_you: bool = False
    decided_at: dt.datetime | None = None

    @property
    def done(self) -> bool:
        """True when the leave is now decided (by us or someone else)."""
        return self.outcome in (Outcome.DONE, Outcome.ALREADY_DECIDED)


def _display_name(user: AbstractBaseUser) -> str:
    return user.get_full_name() or user.email or f"user {user.pk}"


def _audit(
    *,
    user: AbstractBaseUser,
    workspace_id: int,
    action: str,
    outcome: str,
    leave_id: str = "",
    member_id: int | None = None,
    reason: str = "",
    detail: str = "",
    request_key: str = "",
) -> AuditEntry:
    return AuditEntry.objects.create(
        actor=user,
        actor_name=_display_name(user),
        workspace_id=workspace_id,
        leave_id=leave_id,
        member_id=member_id,
        action=action,
        outcome=outcome,
        reason=reason,
        detail=detail[:300],
        request_key=request_key,
    )


def _error_detail(exc: WebWorkError) -> str:
    return f"{exc.__class__.__name__} status={exc.status}"


# --------------------------------------------------------------------------- decisions
def _claim(
    *, user: AbstractBaseUser, workspace_id: int, leave_id: str, action: str, reason: str
) -> tuple[LeaveDecision, bool]:
    """Take the right to decide this leave; (row, False) when someone else holds or used it."""
    values = {
        "action": action,
        "state": LeaveDecision.State.SENDING,
        "decided_by": user,
        "decided_by_name": _display_name(user),
        "reason": reason,
        "result_status": "",
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
        if row.state == LeaveDecision.State.FAILED or stale:
            for name, value in values.items():
                setattr(row, name, value)
            row.save()
            return row, True
    return row, False


def _finish(row: LeaveDecision, leave: Leave, *, by_name: str | None = None) -> None:
    row.state = LeaveDecision.State.DONE
    row.result_status = leave.status
    row.decided_by_webwork_id = leave.decided_by
    if by_name is not None:
        row.decided_by_name = by_name
    if leave.reject_reason:
        row.reason = leave.reject_reason
    row.save()


def _release(row: LeaveDecision) -> None:
    row.state = LeaveDecision.State.FAILED
    row.save(update_fields=["state", "updated_at"])


def _member_name(*, user_id: int, workspace_id: int, member_id: int | None) -> str | None:
    if member_id is None:
        return None
    try:
        members = member_list(user_id=user_id, workspace_id=workspace_id).value
    except WebWorkError:
        return None
    return next((m.full_name for m in members if m.id == member_id), None)


def _already_decided(
    *, user: AbstractBaseUser, row: LeaveDecision, workspace_id: int
) -> DecisionResult:
    if row.state == LeaveDecision.State.SENDING:
        return DecisionResult(
            outcome="in_progress",
            message=f"{row.decided_by_name or 'Someone'} is deciding this request right now.",
        )
    verb = (
        LeaveStatus.APPROVED if row.result_status == LeaveStatus.APPROVED else LeaveStatus.REJECTED
    )
    by_you = row.decided_by_id == user.pk
    who = "you" if by_you else (row.decided_by_name or "someone else")
    # No upstream call: our own record says how it ended (repeat taps cost WebWork nothing).
    return DecisionResult(
        outcome=Outcome.ALREADY_DECIDED,
        message=f"Already {verb} by {who}.",
        decided_by_you=by_you,
        decided_at=row.updated_at,
    )


def _read_back(*, user: AbstractBaseUser, workspace_id: int, leave_id: str) -> Leave | None:
    try:
        return leave_get(user_id=user.pk, workspace_id=workspace_id, leave_id=leave_id)
    except WebWorkError:
        return None


def leave_approve(*, user: AbstractBaseUser, workspace_id: int, leave_id: str) -> DecisionResult:
    """Approve a pending leave request."""
    return _decide(
        user=user, workspace_id=workspace_id, leave_id=leave_id, action=Action.APPROVE, reason=""
    )


def leave_reject(
    *, user: AbstractBaseUser, workspace_id: int, leave_id: str, reason: str
) -> DecisionResult:
    """Reject a pending leave request with a reason the member will see."""
    reason = reason.strip()
    if not reason:
        raise ValueError("a reason is required to reject a request")
    return _decide(
        user=user,
        workspace_id=workspace_id,
        leave_id=leave_id,
        action=Action.REJECT,
        reason=reason,
    )


def _decide(
    *, user: AbstractBaseUser, workspace_id: int, leave_id: str, action: str, reason: str
) -> DecisionResult:
    row, claimed = _claim(
        user=user, workspace_id=workspace_id, leave_id=leave_id, action=action, reason=reason
    )
    if not claimed:
        return _already_decided(user=user, row=row, workspace_id=workspace_id)
    target = LeaveStatus.APPROVED if action == Action.APPROVE else LeaveStatus.REJECTED
    audit = {
        "user": user,
        "workspace_id": workspace_id,
        "leave_id": leave_id,
        "action": action,
        "reason": reason,
    }
    try:
        client = client_for(user_id=user.pk)
        if action == Action.APPROVE:
            leave = client.approve_leave(workspace_id=workspace_id, leave_id=leave_id)
        else:
            leave = client.reject_leave(workspace_id=workspace_id, leave_id=leave_id, reason=reason)
    except NoLongerPending:
        return _settle_elsewhere(row=row, user=user, audit=audit, target=target)
    except (Unavailable, BadResponse) as exc:
        if isinstance(exc, Unavailable) and not exc.request_sent:
            _release(row)
            _audit(**audit, outcome=Outcome.FAILED, detail=_error_detail(exc))
            return DecisionResult(
                outcome=Outcome.FAILED,
                message="WebWork didn't answer, so nothing was changed. Try again.",
            )
        return _reconcile(row=row, user=user, audit=audit, target=target, error=exc)
    except RateLimited as exc:
        _release(row)
        _audit(**audit, outcome=Outcome.FAILED, detail=_error_detail(exc))
        wait = f" in {int(exc.retry_after) + 1} seconds" if exc.retry_after else " shortly"
        return DecisionResult(
            outcome=Outcome.FAILED,
            message=f"WebWork is busy (too many requests). Nothing was changed; try again{wait}.",
        )
    except NotFound as exc:
        row.delete()
        _audit(**audit, outcome=Outcome.FAILED, detail=_error_detail(exc))
        return DecisionResult(
            outcome=Outcome.FAILED, message="This request no longer exists in WebWork."
        )
    except Forbidden as exc:
        row.delete()
        cache_delete(user_key(user.pk, "workspaces"))
        _audit(**audit, outcome=Outcome.FAILED, detail=_error_detail(exc))
        return DecisionResult(
            outcome=Outcome.FAILED,
            message="WebWork no longer lets you manage this workspace, so nothing was changed.",
        )
    except BaseException:
        # AuthExpired, sign-in required or anything unexpected: nothing was applied.
        row.delete()
        raise
    if leave is None or leave.status != target:
        leave = _read_back(user=user, workspace_id=workspace_id, leave_id=leave_id) or leave
    if leave is None:
        return _reconcile(row=row, user=user, audit=audit, target=target, error=None)
    _finish(row, leave)
    _audit(**audit, member_id=leave.user_id, outcome=Outcome.DONE)
    _after_write(workspace_id=workspace_id, user_id=user.pk)
    return DecisionResult(
        outcome=Outcome.DONE,
        message=f"{target.capitalize()}.",
        leave=leave,
        decided_by_you=True,
        decided_at=row.updated_at,
    )


def _settle_elsewhere(
    *, row: LeaveDecision, user: AbstractBaseUser, audit: dict, target: str
) -> DecisionResult:
    """WebWork says the leave is no longer pending: learn who decided it."""
    workspace_id = audit["workspace_id"]
    leave = _read_back(user=user, workspace_id=workspace_id, leave_id=row.leave_id)
    if leave is None or leave.is_pending:
        _release(row)
        _audit(**audit, outcome=Outcome.ALREADY_DECIDED, detail="422, state unknown")
        return DecisionResult(
            outcome=Outcome.ALREADY_DECIDED,
            message="WebWork says this request was already decided. Refresh to see it.",
            leave=leave,
        )
    name = _member_name(user_id=user.pk, workspace_id=workspace_id, member_id=leave.decided_by)
    _finish(row, leave, by_name=name or "someone else in WebWork")
    _audit(**audit, member_id=leave.user_id, outcome=Outcome.ALREADY_DECIDED, detail="422")
    return DecisionResult(
        outcome=Outcome.ALREADY_DECIDED,
        message=f"Already {leave.status} by {name or 'someone else'}.",
        leave=leave,
        decided_at=leave.decided_at,
    )


def _reconcile(
    *,
    row: LeaveDecision,
    user: AbstractBaseUser,
    audit: dict,
    target: str,
    error: WebWorkError | None,
) -> DecisionResult:
    """The PUT may or may not have been applied: read the leave back, never send it again."""
    workspace_id = audit["workspace_id"]
    detail = _error_detail(error) if error else "no leave in answer"
    try:
        leave = leave_get(user_id=user.pk, workspace_id=workspace_id, leave_id=row.leave_id)
    except WebWorkError:
        _release(row)
        _audit(**audit, outcome=Outcome.UNKNOWN, detail=detail)
        return DecisionResult(
            outcome=Outcome.UNKNOWN,
            message="WebWork didn't confirm the decision. Refresh in a moment to see its state.",
        )
    me = webwork_user_id_for(user_id=user.pk)
    if leave.status == target and leave.decided_by == me:
        _finish(row, leave)
        _audit(**audit, member_id=leave.user_id, outcome=Outcome.DONE, detail=detail)
        _after_write(workspace_id=workspace_id, user_id=user.pk)
        return DecisionResult(
            outcome=Outcome.DONE,
            message=f"{target.capitalize()} (confirmed after a slow answer from WebWork).",
            leave=leave,
            decided_by_you=True,
            decided_at=row.updated_at,
        )
    if leave.is_pending and _may_still_arrive(error):
        # A timeout or a reset: the PUT may still be on its way and be applied after our read.
        _release(row)
        _audit(**audit, member_id=leave.user_id, outcome=Outcome.UNKNOWN, detail=detail)
        return DecisionResult(
            outcome=Outcome.UNKNOWN,
            message=(
                f"WebWork didn't confirm in time and may still {target[:-1]} it. "
                "Refresh in a moment before trying again."
            ),
            leave=leave,
        )
    if leave.is_pending:
        _release(row)
        _audit(**audit, member_id=leave.user_id, outcome=Outcome.FAILED, detail=detail)
        return DecisionResult(
            outcome=Outcome.FAILED,
            message=f"Not {target}: WebWork didn't take the decision. Try again.",
            leave=leave,
        )
    name = _member_name(user_id=user.pk, workspace_id=workspace_id, member_id=leave.decided_by)
    _finish(row, leave, by_name=name or "someone else in WebWork")
    _audit(**audit, member_id=leave.user_id, outcome=Outcome.ALREADY_DECIDED, detail=detail)
    return DecisionResult(
        outcome=Outcome.ALREADY_DECIDED,
        message=f"Already {leave.status} by {name or 'someone else'}.",
        leave=leave,
        decided_at=leave.decided_at,
    )


def _may_still_arrive(error: WebWorkError | None) -> bool:
    """True when no answer came back at all (timeout, reset): the request may be in flight."""
    return isinstance(error, Unavailable) and error.request_sent and error.status is None


def _after_write(*, workspace_id: int, user_id: int) -> None:
    """Balances changed: refresh them in the background."""
    enqueue(
        "dashboard.tasks.workspace_balances_refresh_task",
        workspace_id=workspace_id,
        user_id=user_id,
    )


# --------------------------------------------------------------------------- creation
@dataclass(frozen=True, kw_only=True)
class NewLeave:
    """A leave request to file on a member's behalf."""

    member_id: int
    policy: Policy
    start: dt.date
    end: dt.date
    leave_period: LeavePeriod = LeavePeriod.FULL_DAY
    start_time: dt.time | None = None
    end_time: dt.time | None = None
    reason: str = ""


@dataclass(frozen=True, kw_only=True)
class CreateResult:
    """How filing a request ended: created (with the leave when found), refused, or unknown."""

    outcome: str
    message: str = ""
    leave: Leave | None = None
    field_errors: dict[str, list[str]] = field(default_factory=dict)

    @property
    def created(self) -> bool:
        """True when WebWork has the new request."""
        return self.outcome == Outcome.DONE


def _find_created(*, user_id: int, workspace_id: int, new: NewLeave) -> Leave | None:
    """WebWork answers 201 without an id: find the request we just filed."""
    client = client_for(user_id=user_id)
    matches = [
        leave
        for leave in client.iter_leaves(
            workspace_id=workspace_id,
            user_id=new.member_id,
            policy_id=new.policy.id,
            date_from=new.start,
            date_to=new.end,
        )
        if leave.start_date == new.start and (leave.end_date or leave.start_date) == new.end
    ]
    matches.sort(key=lambda leave: leave.created_at or timezone.now(), reverse=True)
    return matches[0] if matches else None


def leave_create(
    *, user: AbstractBaseUser, workspace_id: int, new: NewLeave, request_key: str
) -> CreateResult:
    """File a leave request for a member; a repeated form submit never files it twice."""
    audit_values = {
        "actor": user,
        "actor_name": _display_name(user),
        "workspace_id": workspace_id,
        "member_id": new.member_id,
        "action": Action.CREATE,
        "reason": new.reason,
        "outcome": Outcome.SENDING,
        "request_key": request_key,
    }
    try:
        with transaction.atomic():
            entry = AuditEntry.objects.create(**audit_values)
    except IntegrityError:
        return _repeat_submit(user=user, workspace_id=workspace_id, new=new, key=request_key)
    try:
        client_for(user_id=user.pk).create_leave(
            workspace_id=workspace_id,
            user_id=new.member_id,
            policy_id=new.policy.id,
            start=new.start,
            end=new.end,
            leave_period=new.leave_period if not new.policy.is_hour_based else None,
            start_time=new.start_time,
            end_time=new.end_time,
            reason=new.reason or None,
        )
    except ValidationFailed as exc:
        _close(entry, Outcome.INVALID, _error_detail(exc), free_key=True)
        return CreateResult(
            outcome=Outcome.INVALID,
            message=exc.message or "WebWork refused the request.",
            field_errors=exc.field_errors,
        )
    except (Unavailable, BadResponse) as exc:
        if isinstance(exc, Unavailable) and not exc.request_sent:
            _close(entry, Outcome.FAILED, _error_detail(exc), free_key=True)
            return CreateResult(
                outcome=Outcome.FAILED,
                message="WebWork didn't answer, so nothing was filed. Try again.",
            )
        return _confirm_unknown_create(
            user=user, workspace_id=workspace_id, new=new, entry=entry, detail=_error_detail(exc)
        )
    except (RateLimited, Forbidden, NotFound) as exc:
        _close(entry, Outcome.FAILED, _error_detail(exc), free_key=True)
        return CreateResult(outcome=Outcome.FAILED, message=_refusal_message(exc))
    except BaseException:
        entry.delete()
        raise
    data_version_bump(workspace_id)
    _after_write(workspace_id=workspace_id, user_id=user.pk)
    leave = None
    try:
        leave = _find_created(user_id=user.pk, workspace_id=workspace_id, new=new)
    except WebWorkError:
        logger.info("created leave not found yet")
    _close(entry, Outcome.DONE, "", leave_id=leave.id if leave else "")
    return CreateResult(outcome=Outcome.DONE, message="Request filed.", leave=leave)


def _refusal_message(exc: WebWorkError) -> str:
    if isinstance(exc, RateLimited):
        return "WebWork is busy (too many requests). Nothing was filed; try again in a minute."
    if isinstance(exc, Forbidden):
        return "WebWork no longer lets you manage this workspace."
    return "WebWork doesn't know this member or policy any more. Reload the form."


def _close(
    entry: AuditEntry, outcome: str, detail: str, *, free_key: bool = False, leave_id: str = ""
) -> None:
    entry.outcome = outcome
    entry.detail = detail[:300]
    entry.leave_id = leave_id or entry.leave_id
    if free_key:
        entry.request_key = ""
    entry.save()


def _confirm_unknown_create(
    *, user: AbstractBaseUser, workspace_id: int, new: NewLeave, entry: AuditEntry, detail: str
) -> CreateResult:
    """The POST may have been applied: look for the request instead of sending it again."""
    try:
        leave = _find_created(user_id=user.pk, workspace_id=workspace_id, new=new)
    except WebWorkError:
        leave = None
    if leave is not None:
        data_version_bump(workspace_id)
        _close(entry, Outcome.DONE, detail, leave_id=leave.id)
        return CreateResult(outcome=Outcome.DONE, message="Request filed.", leave=leave)
    _close(entry, Outcome.UNKNOWN, detail)
    return CreateResult(
        outcome=Outcome.UNKNOWN,
        message=(
            "WebWork didn't confirm the request and it isn't in the list yet. "
            "Submit again in a moment: it will be checked before anything is sent twice."
        ),
    )


def _repeat_submit(
    *, user: AbstractBaseUser, workspace_id: int, new: NewLeave, key: str
) -> CreateResult:
    """The same form was submitted again: never POST twice."""
    entry = AuditEntry.objects.get(request_key=key)
    if entry.outcome == Outcome.DONE:
        leave = None
        if entry.leave_id:
            leave = _read_back(user=user, workspace_id=workspace_id, leave_id=entry.leave_id)
        return CreateResult(outcome=Outcome.DONE, message="Request filed.", leave=leave)
    if entry.outcome == Outcome.UNKNOWN:
        leave = None
        with contextlib.suppress(WebWorkError):
            leave = _find_created(user_id=user.pk, workspace_id=workspace_id, new=new)
        if leave is not None:
            _close(entry, Outcome.DONE, entry.detail, leave_id=leave.id)
            return CreateResult(outcome=Outcome.DONE, message="Request filed.", leave=leave)
        # Confirmed absent: free the key so the next submit sends it.
        _close(entry, Outcome.FAILED, entry.detail, free_key=True)
        return CreateResult(
            outcome=Outcome.FAILED,
            message="The earlier attempt didn't reach WebWork. Submit again to file it.",
        )
    return CreateResult(
        outcome="in_progress", message="This request is being sent already. Wait a moment."
    )


# --------------------------------------------------------------------------- refresh and prefs
def workspace_refresh(
    *, user_id: int, workspace_id: int, parts: tuple[str, ...] = ("members", "policies", "balances")
) -> list[str]:
    """Refetch slow-changing data of a workspace into the cache; returns what was refreshed."""
    readers = {"members": member_list, "policies": policy_list, "balances": balance_list}
    done = []
    for part in parts:
        readers[part](user_id=user_id, workspace_id=workspace_id, force=True)
        done.append(part)
    return done


def managed_workspaces_record(*, user: AbstractBaseUser, workspaces: list[Workspace]) -> None:
    """Remember which workspaces this person manages (so beat knows whose token to use)."""
    keep = {w.id for w in workspaces}
    ManagedWorkspace.objects.filter(user=user).exclude(workspace_id__in=keep).delete()
    for workspace in workspaces:
        ManagedWorkspace.objects.update_or_create(
            user=user, workspace_id=workspace.id, defaults={"name": workspace.name[:300]}
        )


def workspace_visit_record(*, user: AbstractBaseUser, workspace_id: int) -> None:
    """`/` opens the workspace used last."""
    UserPreference.objects.update_or_create(user=user, defaults={"last_workspace_id": workspace_id})
    ManagedWorkspace.objects.filter(user=user, workspace_id=workspace_id).update(
        last_viewed_at=timezone.now()
    )


def workspace_settings_update(
    *, workspace_id: int, holiday_country: str, holiday_subdivision: str
) -> WorkspaceSettings:
    """Save where the workspace's public holidays come from."""
    row, _ = WorkspaceSettings.objects.update_or_create(
        workspace_id=workspace_id,
        defaults={
            "holiday_country": holiday_country or "",
            "holiday_subdivision": holiday_subdivision or "",
        },
    )
    holiday_region_forget(workspace_id=workspace_id)
    return row


def balances_refresh_request(*, user_id: int, workspace_id: int) -> None:
    """Someone pressed Refresh: refetch balances in the background (inline without a broker)."""
    enqueue(
        "dashboard.tasks.workspace_balances_refresh_task",
        workspace_id=workspace_id,
        user_id=user_id,
    )

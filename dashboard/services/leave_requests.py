"""Filing a leave request on a member's behalf: a repeated form submit never files it twice.

The form carries a one-time key, held by the audit entry's unique constraint while the request
is on its way. WebWork answers 201 without an id, so the new request is looked up afterwards;
a POST that may have been applied is looked for, never sent again.
"""

import contextlib
import datetime as dt
import logging
from dataclasses import dataclass, field

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext, ngettext

from dashboard.models import AuditEntry
from dashboard.platform.cache import data_version_bump
from dashboard.selectors import leave_get_or_none
from dashboard.selectors.workspace_dataset import dataset_leave_replace, dataset_months_forget
from dashboard.services.audit import DecisionOutcome, actor_name, error_detail
from dashboard.services.decisions import DecisionResult, leave_approve
from dashboard.services.workspaces import balances_refresh_request
from dashboard.webwork import (
    BadResponse,
    Forbidden,
    Leave,
    LeavePeriod,
    NotFound,
    Policy,
    RateLimited,
    Unavailable,
    ValidationFailed,
    WebWorkError,
)
from dashboard.webwork_oauth.tokens import client_for

logger = logging.getLogger("dashboard.services")


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

    outcome: DecisionOutcome
    message: str = ""
    leave: Leave | None = None
    field_errors: dict[str, list[str]] = field(default_factory=dict)

    @property
    def created(self) -> bool:
        """True when WebWork has the new request."""
        return self.outcome == DecisionOutcome.DONE


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
        "actor_name": actor_name(user),
        "workspace_id": workspace_id,
        "member_id": new.member_id,
        "action": AuditEntry.Action.CREATE,
        "reason": new.reason,
        "outcome": AuditEntry.Outcome.SENDING,
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
        _close(entry, DecisionOutcome.INVALID, error_detail(exc), free_key=True)
        return CreateResult(
            outcome=DecisionOutcome.INVALID,
            message=exc.message or gettext("WebWork refused the request."),
            field_errors=exc.field_errors,
        )
    except (Unavailable, BadResponse) as exc:
        if isinstance(exc, Unavailable) and not exc.request_sent:
            _close(entry, DecisionOutcome.FAILED, error_detail(exc), free_key=True)
            return CreateResult(
                outcome=DecisionOutcome.FAILED,
                message=gettext("WebWork didn't answer, so nothing was filed. Try again."),
            )
        return _confirm_unknown_create(
            user=user, workspace_id=workspace_id, new=new, entry=entry, detail=error_detail(exc)
        )
    except (RateLimited, Forbidden, NotFound) as exc:
        _close(entry, DecisionOutcome.FAILED, error_detail(exc), free_key=True)
        return CreateResult(outcome=DecisionOutcome.FAILED, message=_refusal_message(exc))
    except BaseException:
        entry.delete()
        raise
    data_version_bump(workspace_id)
    balances_refresh_request(workspace_id=workspace_id, user_id=user.pk)
    leave = None
    try:
        leave = _find_created(user_id=user.pk, workspace_id=workspace_id, new=new)
    except WebWorkError:
        logger.info("created leave not found yet")
    _note_filed(workspace_id, new, leave)
    _close(entry, DecisionOutcome.DONE, "", leave_id=leave.id if leave else "")
    return CreateResult(
        outcome=DecisionOutcome.DONE, message=gettext("Request filed."), leave=leave
    )


def _note_filed(workspace_id: int, new: NewLeave, leave: Leave | None) -> None:
    """Put the new request into the read model (or, not found yet, have its months re-read)."""
    if leave is not None:
        dataset_leave_replace(workspace_id=workspace_id, leave=leave)
    else:
        dataset_months_forget(workspace_id=workspace_id, date_from=new.start, date_to=new.end)


def _refusal_message(exc: WebWorkError) -> str:
    if isinstance(exc, RateLimited):
        if not exc.retry_after:
            return gettext(
                "WebWork is busy (too many requests). Nothing was filed; try again in a minute."
            )
        seconds = int(exc.retry_after) + 1
        return ngettext(
            "WebWork is busy (too many requests). Nothing was filed; try again in "
            "%(seconds)s second.",
            "WebWork is busy (too many requests). Nothing was filed; try again in "
            "%(seconds)s seconds.",
            seconds,
        ) % {"seconds": seconds}
    if isinstance(exc, Forbidden):
        return gettext("WebWork no longer lets you manage this workspace.")
    return gettext("WebWork doesn't know this member or policy any more. Reload the form.")


def _close(
    entry: AuditEntry,
    outcome: DecisionOutcome,
    detail: str,
    *,
    free_key: bool = False,
    leave_id: str = "",
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
        _note_filed(workspace_id, new, leave)
        _close(entry, DecisionOutcome.DONE, detail, leave_id=leave.id)
        return CreateResult(
            outcome=DecisionOutcome.DONE, message=gettext("Request filed."), leave=leave
        )
    _close(entry, DecisionOutcome.UNKNOWN, detail)
    return CreateResult(
        outcome=DecisionOutcome.UNKNOWN,
        message=gettext(
            "WebWork didn't confirm the request and it isn't in the list yet. "
            "Submit again in a moment: it will be checked before anything is sent twice."
        ),
    )


def _repeat_submit(
    *, user: AbstractBaseUser, workspace_id: int, new: NewLeave, key: str
) -> CreateResult:
    """The same form was submitted again: never POST twice."""
    entry = AuditEntry.objects.get(request_key=key)
    if entry.outcome == DecisionOutcome.DONE:
        leave = None
        if entry.leave_id:
            leave = leave_get_or_none(
                user_id=user.pk, workspace_id=workspace_id, leave_id=entry.leave_id
            )
        return CreateResult(
            outcome=DecisionOutcome.DONE, message=gettext("Request filed."), leave=leave
        )
    if entry.outcome == DecisionOutcome.UNKNOWN:
        leave = None
        with contextlib.suppress(WebWorkError):
            leave = _find_created(user_id=user.pk, workspace_id=workspace_id, new=new)
        if leave is not None:
            _close(entry, DecisionOutcome.DONE, entry.detail, leave_id=leave.id)
            return CreateResult(
                outcome=DecisionOutcome.DONE, message=gettext("Request filed."), leave=leave
            )
        # Confirmed absent: free the key so the next submit sends it.
        _close(entry, DecisionOutcome.FAILED, entry.detail, free_key=True)
        return CreateResult(
            outcome=DecisionOutcome.FAILED,
            message=gettext("The earlier attempt didn't reach WebWork. Submit again to file it."),
        )
    return CreateResult(
        outcome=DecisionOutcome.IN_PROGRESS,
        message=gettext("This request is being sent already. Wait a moment."),
    )


def leave_create_and_approve(
    *,
    user: AbstractBaseUser,
    workspace_id: int,
    new: NewLeave,
    request_key: str,
    confirm_negative: bool = False,
) -> tuple[CreateResult, DecisionResult | None]:
    """File a request for a member and approve it at once ("File and approve").

    The approval passes the same rules as any other (four eyes, the balance), so a manager's
    own request, or one taking the balance below zero without `confirm_negative`, is filed and
    left pending. None as the decision: nothing to approve (not filed, or not found after).
    """
    created = leave_create(user=user, workspace_id=workspace_id, new=new, request_key=request_key)
    if not created.created or created.leave is None:
        return created, None
    decision = leave_approve(
        user=user,
        workspace_id=workspace_id,
        leave_id=created.leave.id,
        confirm_negative=confirm_negative,
    )
    return created, decision

"""The rules a decision must pass before it goes to WebWork, in one place for every caller.

The single approve, and any bulk decision, ask `decision_refusal`; a direct POST meets the same
rules as the buttons. Reads go through the cached readers: a decision taken from a page that
showed the leave costs no extra WebWork call.
"""

from dataclasses import dataclass
from enum import StrEnum

from django.contrib.auth.models import AbstractBaseUser
from django.utils.translation import gettext

from dashboard.selectors import cached_leave_peek, leave_get
from dashboard.selectors.projection_reads import leave_projection
from dashboard.selectors.workspace_rules import self_approval_allowed
from dashboard.webwork import Leave, NotFound, RateLimited, WebWorkError
from dashboard.webwork_oauth.tokens import webwork_user_id_for


class RefusalCode(StrEnum):
    """Why a decision was refused before reaching WebWork."""

    NEGATIVE_BALANCE = "negative_balance"
    OWN_REQUEST = "own_request"
    UNCONFIRMED = "unconfirmed"


@dataclass(frozen=True, kw_only=True)
class Refusal:
    """A decision the rules do not let through, with the words the person reads."""

    code: RefusalCode
    message: str

    @property
    def needs_confirmation(self) -> bool:
        """Whether one more explicit tap lets the decision through."""
        return self.code == RefusalCode.NEGATIVE_BALANCE


def is_own_request(*, user: AbstractBaseUser, leave: Leave) -> bool:
    """Whether the leave is the deciding person's own (by their WebWork user id)."""
    me = webwork_user_id_for(user_id=user.pk)
    return me is not None and leave.user_id == me


def leave_for_rules(*, user_id: int, workspace_id: int, leave_id: str) -> Leave | None:
    """The leave as the rules judge it: from the cached pending list, else from WebWork; None
    when WebWork can't say now. Raises `NotFound` when WebWork knows no such leave here, and
    `RateLimited` (or `OverBudget`) when the calls kept for decisions are spent."""
    cached = cached_leave_peek(workspace_id=workspace_id, leave_id=leave_id)
    if cached is not None:
        return cached
    try:
        return leave_get(
            user_id=user_id, workspace_id=workspace_id, leave_id=leave_id, for_decision=True
        )
    except (NotFound, RateLimited):
        raise  # the decision says so: no such leave, or when to try again
    except WebWorkError:
        return None


def decision_refusal(
    *,
    user: AbstractBaseUser,
    workspace_id: int,
    leave: Leave | None,
    approve: bool,
    confirm_negative: bool = False,
) -> Refusal | None:
    """Why this decision may not go to WebWork as it stands, or None when it may.

    - four eyes: nobody approves their own request, unless an Owner allowed self-approval for
      the workspace; a leave whose requester can't be read is not approved (fail closed);
    - approving a request that takes the balance below zero under a policy that does not allow
      it needs `confirm_negative` (the second, explicit tap).
    Rejecting is never refused here: it takes nothing from anyone.
    """
    if not approve:
        return None
    if leave is None:
        return Refusal(
            code=RefusalCode.UNCONFIRMED,
            message=gettext(
                "WebWork can't tell us whose request this is right now, so nothing was "
                "changed. Try again in a moment."
            ),
        )
    if not leave.is_pending:
        return None  # WebWork says how it ended; `_decide` reports it without a PUT.
    if is_own_request(user=user, leave=leave) and not self_approval_allowed(
        workspace_id=workspace_id
    ):
        return Refusal(
            code=RefusalCode.OWN_REQUEST,
            message=gettext("This is your own request: another manager has to approve it."),
        )
    if not confirm_negative:
        projection = leave_projection(user_id=user.pk, workspace_id=workspace_id, leave=leave)
        if projection is not None and projection.refused_by_policy:
            return Refusal(
                code=RefusalCode.NEGATIVE_BALANCE,
                message=gettext(
                    "This takes the balance below zero, which the policy does not allow. "
                    "Tap “Approve anyway” to approve it all the same."
                ),
            )
    return None

"""The rules a decision must pass before it goes to WebWork, in one place for every caller.

The single approve, and any bulk decision, ask `decision_refusal`; a direct POST meets the same
rules as the buttons. Reads go through the cached readers: a decision taken from a page that
showed the leave costs no extra WebWork call.
"""

from dataclasses import dataclass
from enum import StrEnum

from django.contrib.auth.models import AbstractBaseUser

from dashboard.selectors import cached_leave_peek, leave_get_or_none
from dashboard.selectors.projection_reads import leave_projection
from dashboard.webwork import Leave


class RefusalCode(StrEnum):
    """Why a decision was refused before reaching WebWork."""

    NEGATIVE_BALANCE = "negative_balance"


@dataclass(frozen=True, kw_only=True)
class Refusal:
    """A decision the rules do not let through, with the words the person reads."""

    code: RefusalCode
    message: str

    @property
    def needs_confirmation(self) -> bool:
        """Whether one more explicit tap lets the decision through."""
        return self.code == RefusalCode.NEGATIVE_BALANCE


def leave_for_rules(*, user_id: int, workspace_id: int, leave_id: str) -> Leave | None:
    """The leave as the rules judge it: from the cached pending list, else from WebWork."""
    return cached_leave_peek(workspace_id=workspace_id, leave_id=leave_id) or leave_get_or_none(
        user_id=user_id, workspace_id=workspace_id, leave_id=leave_id
    )


def decision_refusal(
    *,
    user: AbstractBaseUser,
    workspace_id: int,
    leave: Leave | None,
    approve: bool,
    confirm_negative: bool = False,
) -> Refusal | None:
    """Why this decision may not go to WebWork as it stands, or None when it may.

    - approving a request that takes the balance below zero under a policy that does not allow
      it needs `confirm_negative` (the second, explicit tap);
    Rejecting is never refused here: it takes nothing from anyone.
    """
    if not approve or leave is None or not leave.is_pending:
        return None
    if not confirm_negative:
        projection = leave_projection(user_id=user.pk, workspace_id=workspace_id, leave=leave)
        if projection is not None and projection.refused_by_policy:
            return Refusal(
                code=RefusalCode.NEGATIVE_BALANCE,
                message=(
                    "This takes the balance below zero, which the policy does not allow. "
                    "Tap “Approve anyway” to approve it all the same."
                ),
            )
    return None

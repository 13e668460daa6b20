"""The audit log's vocabulary for a write: how it ended, who made it, and why it failed."""

from enum import StrEnum

from django.contrib.auth.models import AbstractBaseUser
from django.utils.translation import gettext, pgettext

from dashboard.webwork import LeaveStatus, WebWorkError


class DecisionOutcome(StrEnum):
    """How an approve, reject or new request ended, as the person is told and the log keeps it.

    `IN_PROGRESS`, `HELD` and `UNDONE` are only ever told (someone else's attempt is under way,
    the undo window); the others are also
    the outcome of the audit entry, which stores the same text.
    """

    DONE = "done"
    ALREADY_DECIDED = "already_decided"
    INVALID = "invalid"
    FAILED = "failed"
    UNKNOWN = "unknown"
    REFUSED = "refused"
    IN_PROGRESS = "in_progress"
    # Only told: the decision waits out the undo window, or was undone within it.
    HELD = "held"
    UNDONE = "undone"


def actor_name(user: AbstractBaseUser) -> str:
    """The name the audit log and other managers see for `user`."""
    return user.get_full_name() or user.email or f"user {user.pk}"


def error_detail(exc: WebWorkError) -> str:
    """A short, secret-free note of what WebWork answered, for the audit entry."""
    return f"{exc.__class__.__name__} status={exc.status}"


def status_text(status: str) -> str:
    """'approved', 'rejected', 'pending' in the active language; a status WebWork added later
    as it came."""
    if status == LeaveStatus.APPROVED:
        return pgettext("leave status", "approved")
    if status == LeaveStatus.REJECTED:
        return pgettext("leave status", "rejected")
    if status == LeaveStatus.PENDING:
        return pgettext("leave status", "pending")
    return status


def decided_message(status: str, *, slow: bool = False) -> str:
    """'Approved.', 'Rejected.', 'Approved (confirmed after a slow answer from WebWork).'"""
    if status == LeaveStatus.APPROVED:
        if slow:
            return gettext("Approved (confirmed after a slow answer from WebWork).")
        return gettext("Approved.")
    if status == LeaveStatus.REJECTED:
        if slow:
            return gettext("Rejected (confirmed after a slow answer from WebWork).")
        return gettext("Rejected.")
    return f"{status.capitalize()}."


def already_message(status: str, *, by: str | None, by_you: bool = False) -> str:
    """'Already approved by you.', 'Already rejected by Ana Silva.', 'Already decided by
    someone else.': a decision taken before this one, as a whole sentence."""
    values = {"name": by or pgettext("who decided a request", "someone else")}
    if status == LeaveStatus.APPROVED:
        if by_you:
            return gettext("Already approved by you.")
        return gettext("Already approved by %(name)s.") % values
    if status == LeaveStatus.REJECTED:
        if by_you:
            return gettext("Already rejected by you.")
        return gettext("Already rejected by %(name)s.") % values
    if not status:
        if by_you:
            return gettext("Already decided by you.")
        return gettext("Already decided by %(name)s.") % values
    if by_you:
        return gettext("Already %(status)s by you.") % {"status": status}
    return gettext("Already %(status)s by %(name)s.") % {**values, "status": status}

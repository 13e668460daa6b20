"""The audit log's vocabulary for a write: how it ended, who made it, and why it failed."""

from enum import StrEnum

from django.contrib.auth.models import AbstractBaseUser

from dashboard.webwork import WebWorkError


class DecisionOutcome(StrEnum):
    """How an approve, reject or new request ended, as the person is told and the log keeps it.

    `IN_PROGRESS` is only ever told (someone else's attempt is under way); the others are also
    the outcome of the audit entry, which stores the same text.
    """

    DONE = "done"
    ALREADY_DECIDED = "already_decided"
    INVALID = "invalid"
    FAILED = "failed"
    UNKNOWN = "unknown"
    REFUSED = "refused"
    IN_PROGRESS = "in_progress"


def actor_name(user: AbstractBaseUser) -> str:
    """The name the audit log and other managers see for `user`."""
    return user.get_full_name() or user.email or f"user {user.pk}"


def error_detail(exc: WebWorkError) -> str:
    """A short, secret-free note of what WebWork answered, for the audit entry."""
    return f"{exc.__class__.__name__} status={exc.status}"

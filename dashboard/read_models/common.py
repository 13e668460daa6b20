"""Notices about data freshness and failures, shared by every page."""

import datetime as dt
import hashlib
from dataclasses import dataclass

from django.utils import timezone

from dashboard.platform.cache import Cached
from dashboard.selectors import ReadResult
from dashboard.webwork import (
    BadResponse,
    Forbidden,
    NotFound,
    OverBudget,
    RateLimited,
    Unavailable,
    WebWorkError,
)


def fingerprint(*parts: object) -> str:
    """A digest of everything a rendered fragment depends on, to key its cached HTML.

    Large fragments (the wallchart, the balances table) take longer to render than to read;
    their parts are ids, filters, `fetched_at` times and our own recent decisions.
    """
    return hashlib.blake2b(repr(parts).encode(), digest_size=16).hexdigest()


@dataclass(frozen=True)
class Notice:
    """A message above the page: stale data, a failed read, a busy WebWork."""

    level: str  # "warning" or "error"
    message: str
    retry: bool = True


def describe(error: WebWorkError) -> str:
    """A human sentence for a WebWork failure (never upstream text or internals)."""
    if isinstance(error, OverBudget):
        at = timezone.localtime() + dt.timedelta(seconds=error.retry_after or 60)
        return (
            f"This minute's allowance of WebWork calls is used up; fresh data after {at:%H:%M:%S}."
        )
    if isinstance(error, RateLimited):
        if error.retry_after:
            at = timezone.localtime() + dt.timedelta(seconds=error.retry_after)
            return f"WebWork is limiting requests; trying again after {at:%H:%M}."
        return "WebWork is limiting requests; trying again shortly."
    if isinstance(error, Unavailable):
        return "WebWork isn't answering right now."
    if isinstance(error, BadResponse):
        return "WebWork sent an answer we couldn't read."
    if isinstance(error, Forbidden):
        return "WebWork says you can't see this any more."
    if isinstance(error, NotFound):
        return "WebWork doesn't know this any more."
    return "Something went wrong talking to WebWork."


def age_text(seconds: float) -> str:
    """'just now', '1 minute ago', '5 minutes ago', '2 hours ago'."""
    minutes = int(seconds // 60)
    if minutes < 1:
        return "just now"
    if minutes < 60:
        return f"{minutes} minute{'s' if minutes != 1 else ''} ago"
    hours = minutes // 60
    return f"{hours} hour{'s' if hours != 1 else ''} ago"


def notices_for(what: str, *outcomes: ReadResult | Cached | None) -> list[Notice]:
    """Notices for reads that failed or served stale data."""
    notices = []
    for item in outcomes:
        if item is None:
            continue
        entry = item.entry if isinstance(item, ReadResult) else item
        error = item.error if isinstance(item, ReadResult) else None
        if entry is None and error is not None:
            notices.append(Notice("error", f"{describe(error)} Some {what} could not be loaded."))
        elif entry is not None and entry.missing:
            months = ", ".join(entry.missing)
            notices.append(
                Notice("warning", f"{describe(entry.error)} Not shown yet: {what} of {months}.")
            )
        elif entry is not None and entry.stale:
            reason = describe(entry.error) if entry.error else "Updating in the background."
            notices.append(
                Notice(
                    "warning",
                    f"Showing {what} from {age_text(entry.age_seconds)}. {reason}",
                )
            )
    # One notice per distinct message is enough.
    unique = {n.message: n for n in notices}
    return list(unique.values())

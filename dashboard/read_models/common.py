"""Notices about data freshness and failures, shared by every page."""

import datetime as dt
import hashlib
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy, ngettext

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
    # Part of the data is still to be read (a new workspace, the minute's allowance spent):
    # the page reads the rest again by itself until it is whole.
    filling: bool = False


def describe(error: WebWorkError) -> str:
    """A human sentence for a WebWork failure (never upstream text or internals)."""
    if isinstance(error, OverBudget):
        at = timezone.localtime() + dt.timedelta(seconds=error.retry_after or 60)
        return gettext(
            "This minute's allowance of WebWork calls is used up; fresh data after %(time)s."
        ) % {"time": f"{at:%H:%M:%S}"}
    if isinstance(error, RateLimited):
        if error.retry_after:
            at = timezone.localtime() + dt.timedelta(seconds=error.retry_after)
            return gettext("WebWork is limiting requests; trying again after %(time)s.") % {
                "time": f"{at:%H:%M}"
            }
        return gettext("WebWork is limiting requests; trying again shortly.")
    if isinstance(error, Unavailable):
        return gettext("WebWork isn't answering right now.")
    if isinstance(error, BadResponse):
        return gettext("WebWork sent an answer we couldn't read.")
    if isinstance(error, Forbidden):
        return gettext("WebWork says you can't see this any more.")
    if isinstance(error, NotFound):
        return gettext("WebWork doesn't know this any more.")
    return gettext("Something went wrong talking to WebWork.")


def failure_notice(error: WebWorkError, sentence: str) -> Notice:
    """An error notice: why WebWork failed, then what can't be shown because of it."""
    return Notice("error", f"{describe(error)} {sentence}")


def age_text(seconds: float) -> str:
    """'just now', '1 minute ago', '5 minutes ago', '2 hours ago'."""
    minutes = int(seconds // 60)
    if minutes < 1:
        return gettext("just now")
    if minutes < 60:
        return ngettext("%(count)s minute ago", "%(count)s minutes ago", minutes) % {
            "count": minutes
        }
    hours = minutes // 60
    return ngettext("%(count)s hour ago", "%(count)s hours ago", hours) % {"count": hours}


@dataclass(frozen=True)
class Subject:
    """What a page reads, in the whole sentences its notices say about it (so each language
    words them its own way)."""

    failed: str  # 'Some balances could not be loaded.'
    missing: str  # 'Not shown yet: balances of %(months)s.'
    stale: str  # 'Showing balances from %(age)s.' (age: '5 minutes ago')


DATA = Subject(
    gettext_lazy("Some data could not be loaded."),
    gettext_lazy("Not shown yet: data of %(months)s."),
    gettext_lazy("Showing data from %(age)s."),
)
CALENDAR_DATA = Subject(
    gettext_lazy("Some calendar data could not be loaded."),
    gettext_lazy("Not shown yet: calendar data of %(months)s."),
    gettext_lazy("Showing calendar data from %(age)s."),
)
BALANCES = Subject(
    gettext_lazy("Some balances could not be loaded."),
    gettext_lazy("Not shown yet: balances of %(months)s."),
    gettext_lazy("Showing balances from %(age)s."),
)
POLICIES = Subject(
    gettext_lazy("Some policies could not be loaded."),
    gettext_lazy("Not shown yet: policies of %(months)s."),
    gettext_lazy("Showing policies from %(age)s."),
)
REQUESTS = Subject(
    gettext_lazy("Some requests could not be loaded."),
    gettext_lazy("Not shown yet: requests of %(months)s."),
    gettext_lazy("Showing requests from %(age)s."),
)
TEAMS_AND_POLICIES = Subject(
    gettext_lazy("Some teams and policies could not be loaded."),
    gettext_lazy("Not shown yet: teams and policies of %(months)s."),
    gettext_lazy("Showing teams and policies from %(age)s."),
)


def notices_for(what: Subject, *outcomes: ReadResult | Cached | None) -> list[Notice]:
    """Notices for reads that failed or served stale data."""
    notices = []
    for item in outcomes:
        if item is None:
            continue
        entry = item.entry if isinstance(item, ReadResult) else item
        error = item.error if isinstance(item, ReadResult) else None
        if entry is None and error is not None:
            notices.append(failure_notice(error, str(what.failed)))
        elif entry is not None and entry.missing:
            missing = str(what.missing) % {"months": ", ".join(entry.missing)}
            notices.append(Notice("warning", f"{describe(entry.error)} {missing}", filling=True))
        elif entry is not None and entry.stale:
            reason = (
                describe(entry.error) if entry.error else gettext("Updating in the background.")
            )
            showing = str(what.stale) % {"age": age_text(entry.age_seconds)}
            notices.append(Notice("warning", f"{showing} {reason}"))
    # One notice per distinct message is enough.
    unique = {n.message: n for n in notices}
    return list(unique.values())

"""A calendar feed as an iCalendar document (RFC 5545), built with the `icalendar` package.

One event per leave: approved leave always, pending leave when the feed asks for it (marked
TENTATIVE). Day-based leave is an all-day event (DATE values, DTEND the day after the last
day, as RFC 5545 says DTEND is exclusive); hour-based leave is a timed event in the member's
own time zone, described by a VTIMEZONE (UTC when WebWork does not know the member's zone).
Each leave keeps one UID for ever; SEQUENCE and LAST-MODIFIED move when it is decided, so
subscribed calendars update the event rather than adding another. The workspace's public
holidays can come along as events of their own.

The document depends only on cached data, so it is rendered once per change of that data and
the rendered bytes are cached; its ETag is a digest of those bytes.
"""

import datetime as dt
import hashlib
import zoneinfo
from dataclasses import dataclass

from django.utils.translation import get_language, gettext
from icalendar import Calendar, Event

from dashboard.models import CalendarFeed
from dashboard.platform.cache import cache_peek, cache_put, workspace_key
from dashboard.read_models.common import fingerprint
from dashboard.read_models.format import half_in_text, leave_duration, leave_end
from dashboard.read_models.lookup import Lookup
from dashboard.selectors import (
    holiday_regions,
    holidays_between,
    leave_overrides,
    leaves_with_overrides,
)
from dashboard.selectors.feeds import (
    WINDOW_FRESH_FOR,
    feed_names,
    feed_window,
    leave_list_for_window,
)
from dashboard.webwork import Leave, LeaveStatus

PRODID = "-//WebWork Leave Dashboard//Leave feed//EN"
UID_DOMAIN = "webwork-leave-dashboard"
# Calendar clients that honour it (Apple, Outlook, Thunderbird) poll this often.
REFRESH_INTERVAL = dt.timedelta(hours=1)


@dataclass(frozen=True)
class FeedDocument:
    """The rendered feed and its validator."""

    body: bytes
    etag: str
    events: int


def feed_document_get(*, feed: CalendarFeed, workspace_name: str, today: dt.date) -> FeedDocument:
    """The feed's iCalendar document, from the workspace's read model (raises Unavailable
    while the model lacks part of what it shows)."""
    workspace_id = feed.workspace_id
    window, stamps = leave_list_for_window(workspace_id=workspace_id, today=today)
    members, policies = feed_names(workspace_id=workspace_id)
    overrides = leave_overrides(workspace_id=workspace_id)
    region = _holiday_region_of(feed) if feed.include_holidays else ("", "")
    key = workspace_key(
        workspace_id,
        "feed-ics",
        fingerprint(
            feed.pk,
            feed.updated_at,
            workspace_name,
            feed_window(today),
            stamps,
            members.fetched_at,
            policies.fetched_at,
            sorted((k, repr(v)) for k, v in overrides.items()),
            region,
            get_language(),  # the words of its summaries and descriptions
        ),
    )
    cached = cache_peek(key)
    if cached is not None:
        return cached.value
    lookup = Lookup.build(members.value, policies.value, None)
    leaves = leaves_with_overrides(window, overrides)
    document = _render(feed, workspace_name, today, leaves, lookup, region)
    cache_put(key, document, keep_for=WINDOW_FRESH_FOR)
    return document


def _holiday_region_of(feed: CalendarFeed) -> tuple[str, str]:
    """A team's feed has its team's holidays (when the team has a region of its own); any
    other feed the workspace's."""
    regions = holiday_regions(workspace_id=feed.workspace_id)
    return regions.teams.get(feed.team or "") or regions.workspace


def _render(feed, workspace_name, today, leaves, lookup: Lookup, region) -> FeedDocument:
    first, last = feed_window(today)
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    title = f"{feed.name} · {workspace_name}"
    calendar.add("name", title)
    calendar.add("x-wr-calname", title)
    calendar.add("x-wr-caldesc", gettext("Who is off, from the WebWork Leave Dashboard"))
    calendar.add("refresh-interval", REFRESH_INTERVAL, parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", REFRESH_INTERVAL)
    events = [
        event
        for leave in leaves
        if _wanted(feed, leave, lookup, first, last)
        for event in [_leave_event(leave, lookup)]
        if event is not None
    ]
    if region[0]:
        events += [
            _holiday_event(day, name, region) for day, name in _holidays(region, first, last)
        ]
    events.sort(key=lambda event: (str(event["DTSTART"].to_ical()), str(event["UID"])))
    for event in events:
        calendar.add_component(event)
    calendar.add_missing_timezones(first_date=first, last_date=last)
    body = calendar.to_ical()
    etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    return FeedDocument(body=body, etag=etag, events=len(events))


def _wanted(feed, leave: Leave, lookup: Lookup, first: dt.date, last: dt.date) -> bool:
    """Approved (and pending, if asked) leave of the feed's team and policy, in the window."""
    if leave.status == LeaveStatus.PENDING:
        if not feed.include_pending:
            return False
    elif leave.status != LeaveStatus.APPROVED:
        return False
    start, end = leave.start_date, leave_end(leave)
    if start is None or end is None or end < first or start > last:
        return False
    if feed.policy_id is not None:
        policy = lookup.policy_for(leave)
        if (policy.id if policy else leave.policy_id) != feed.policy_id:
            return False
    if feed.team:
        member = lookup.members.get(leave.user_id) if leave.user_id is not None else None
        if member is None or member.team_name != feed.team:
            return False
    return True


def member_zone(name: str | None) -> dt.tzinfo:
    """The member's IANA time zone; UTC when WebWork has none or one we cannot read."""
    if not name:
        return dt.UTC
    try:
        return zoneinfo.ZoneInfo(name.strip())
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
        return dt.UTC


def _stamp(leave: Leave) -> dt.datetime:
    """When the leave last changed as far as we know; stable, so the document's ETag is."""
    moment = leave.decided_at or leave.created_at
    if moment is None:
        return dt.datetime.combine(leave.start_date, dt.time(), tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC)


def _leave_event(leave: Leave, lookup: Lookup) -> Event | None:
    start, end = leave.start_date, leave_end(leave)
    member = lookup.members.get(leave.user_id) if leave.user_id is not None else None
    policy = lookup.policy_for(leave)
    policy_name = lookup.policy_name(leave)
    pending = leave.status == LeaveStatus.PENDING
    summary = _summary(leave, lookup.member_name(leave.user_id), policy_name, pending)
    event = Event()
    event.add("uid", f"leave-{leave.id}@{UID_DOMAIN}")
    event.add("dtstamp", _stamp(leave))
    if leave.decided_at or leave.created_at:
        event.add("last-modified", _stamp(leave))
    if leave.created_at:
        event.add("created", leave.created_at.astimezone(dt.UTC))
    event.add("sequence", 0 if pending else 1)
    event.add("summary", summary)
    if leave.is_hour_based:
        zone = member_zone(member.timezone if member else None)
        begins = dt.datetime.combine(start, leave.start_time, tzinfo=zone)
        ends = dt.datetime.combine(end, leave.end_time, tzinfo=zone)
        if ends <= begins:
            return None
        event.add("dtstart", begins)
        event.add("dtend", ends)
    else:
        event.add("dtstart", start)
        event.add("dtend", end + dt.timedelta(days=1))
    event.add("status", "TENTATIVE" if pending else "CONFIRMED")
    event.add("transp", "TRANSPARENT")  # someone else's leave never makes the subscriber busy
    event.add("categories", ["Leave"])
    duration = leave_duration(leave, policy)
    values = {"policy": policy_name, "duration": duration.text}
    if pending:
        description = gettext("%(policy)s, %(duration)s. Pending approval.") % values
    else:
        description = gettext("%(policy)s, %(duration)s. Approved.") % values
    event.add("description", description)
    return event


def _summary(leave: Leave, member_name: str, policy_name: str, pending: bool) -> str:
    """'Ana Silva – Holiday (first half) (pending)': what a calendar shows of the event."""
    values = {"member": member_name, "policy": policy_name}
    if leave.is_half_day:
        values["half"] = half_in_text(leave)
        if pending:
            return gettext("%(member)s – %(policy)s (%(half)s) (pending)") % values
        return gettext("%(member)s – %(policy)s (%(half)s)") % values
    if pending:
        return gettext("%(member)s – %(policy)s (pending)") % values
    return gettext("%(member)s – %(policy)s") % values


def _holidays(region, first: dt.date, last: dt.date):
    return sorted(holidays_between(region, first, last).items())


def _holiday_event(day: dt.date, name: str, region: tuple[str, str]) -> Event:
    country, subdivision = region
    place = f"{country}-{subdivision}" if subdivision else country
    event = Event()
    event.add("uid", f"holiday-{day.isoformat()}-{place}@{UID_DOMAIN}")
    event.add("dtstamp", dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC))
    event.add("summary", gettext("%(name)s (public holiday)") % {"name": name})
    event.add("dtstart", day)
    event.add("dtend", day + dt.timedelta(days=1))
    event.add("transp", "TRANSPARENT")
    event.add("categories", ["Public holiday"])
    return event

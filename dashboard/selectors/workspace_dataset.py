"""The workspace read model: a workspace's leaves kept as month parts, filtered here.

WebWork answers a filtered list with one call per 100 leaves, and a 500-person workspace's
filters, months and pages add up to most of a manager's 60 calls a minute. So the dashboard
keeps, per workspace, the leaves of a window (whole months, 3 back and 12 ahead, the window the
calendar feeds publish) as one part per month, each with its own freshness stamp: the worker's
sync (`services/dataset_sync.py`) renews them in rotation within its share of the budget, and
every page reads them here and filters locally (status, member, policy, paid, dates), so a page
whose months are held costs WebWork nothing whatever the filter. Beside them the dataset holds
the pending list, members, policies and balances, under the keys `readers` and `pending` cache
them by.

A month part holds every leave overlapping that month (any status), as WebWork's own
`date_from`/`date_to` filter gives it; a leave spanning months sits in each.
"""

import contextvars
import datetime as dt
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

from django.utils.formats import date_format

from dashboard.dates import add_months, month_bounds
from dashboard.platform.cache import (
    SERVE_STALE_ON,
    Cached,
    NotCached,
    cache_delete,
    cache_only_active,
    cache_peek,
    cache_put,
    cached_fetch,
    workspace_key,
)
from dashboard.selectors.access import guarded, person_scope
from dashboard.selectors.parallel import page_client, reads_through
from dashboard.selectors.shapes import list_shapes, month_shape, read_list, shapes_ready
from dashboard.webwork import Leave, WebWorkError

MINUTE = 60
DAY = 24 * 60 * MINUTE
MONTHS_BACK = 3
MONTHS_AHEAD = 12
# How long a month part is kept, served stale while WebWork fails.
MONTH_KEEP_FOR = 2 * DAY
# Age at which a page reads a month again itself (without a worker, the only renewal); the
# sync renews parts well before (see `month_renew_after`), so with a worker pages never do.
NEAR_MONTH_FRESH_FOR = 10 * MINUTE
FAR_MONTH_FRESH_FOR = 30 * MINUTE

type Month = tuple[int, int]


def dataset_window(today: dt.date) -> tuple[dt.date, dt.date]:
    """First and last day the dataset covers: whole months, 3 back and 12 ahead of this one."""
    first = add_months(today, -MONTHS_BACK)
    last = add_months(today, MONTHS_AHEAD + 1) - dt.timedelta(days=1)
    return first, last


def months_between(first: dt.date, last: dt.date) -> list[Month]:
    """The months a range of days touches, in order."""
    months, cursor = [], dt.date(first.year, first.month, 1)
    while cursor <= last:
        months.append((cursor.year, cursor.month))
        cursor = add_months(cursor, 1)
    return months


def window_months(today: dt.date) -> list[Month]:
    """The months of the window, in order."""
    return months_between(*dataset_window(today))


def covers(today: dt.date, date_from: dt.date | None, date_to: dt.date | None) -> bool:
    """Whether a date range lies within the window (an open range never does)."""
    first, last = dataset_window(today)
    return date_from is not None and date_to is not None and first <= date_from <= date_to <= last


def month_fresh_for(today: dt.date, month: Month) -> int:
    """Seconds a month part counts as fresh: months near today change more often."""
    distance = abs((month[0] - today.year) * 12 + month[1] - today.month)
    return NEAR_MONTH_FRESH_FOR if distance <= 1 else FAR_MONTH_FRESH_FOR


def month_key(workspace_id: int, month: Month) -> str:
    """Where a month part is kept."""
    return workspace_key(workspace_id, "ds", "month", f"{month[0]:04d}-{month[1]:02d}")


def month_peek(*, workspace_id: int, month: Month) -> Cached[list[Leave]] | None:
    """A month part as held, without asking WebWork."""
    return cache_peek(month_key(workspace_id, month))


def dataset_month(
    *, user_id: int, workspace_id: int, month: Month, today: dt.date, force: bool = False
) -> Cached[list[Leave]]:
    """Every leave overlapping a month (all statuses): held, else read from WebWork."""
    first, last = month_bounds(*month)

    def fetch() -> list[Leave]:
        # As many pages as last time are asked for at once: one round instead of two.
        return read_list(
            workspace_id,
            month_shape(month),
            lambda expect: page_client(user_id).iter_leaves(
                workspace_id=workspace_id, date_from=first, date_to=last, expect_pages=expect
            ),
            held=month_peek(workspace_id=workspace_id, month=month),
        )

    return cached_fetch(
        month_key(workspace_id, month),
        guarded(user_id, workspace_id, fetch),
        fresh_for=month_fresh_for(today, month),
        keep_for=MONTH_KEEP_FOR,
        breaker_scope=person_scope(user_id),
        force=force,
    )


def dataset_leaves(
    *, user_id: int, workspace_id: int, date_from: dt.date, date_to: dt.date, today: dt.date
) -> Cached[list[Leave]]:
    """Every leave overlapping the range, from the month parts (months not held are read from
    WebWork at once, in parallel). As old as its oldest part; stale if any part is."""
    months = months_between(date_from, date_to)
    read = _read_months(user_id, workspace_id, months, today)
    parts = [part for part in read.values() if isinstance(part, Cached)]
    failed = {m: error for m, error in read.items() if isinstance(error, WebWorkError)}
    if not parts:
        raise next(iter(failed.values()))
    leaves = overlapping(_distinct(lv for part in parts for lv in part.value), date_from, date_to)
    error = next((part.error for part in parts if part.error is not None), None)
    return Cached(
        value=leaves,
        fetched_at=min(part.fetched_at for part in parts),
        stale=any(part.stale for part in parts),
        error=next(iter(failed.values()), error),
        missing=tuple(date_format(dt.date(*m, 1), "YEAR_MONTH_FORMAT") for m in failed),
    )


def _read_months(
    user_id: int, workspace_id: int, months: list[Month], today: dt.date
) -> dict[Month, Cached[list[Leave]] | WebWorkError]:
    """Each month's part, or why it could not be read (WebWork failing, the minute's allowance
    spent: the others still count); those WebWork must be asked for are asked at once."""

    def read(month: Month) -> Cached[list[Leave]] | WebWorkError:
        try:
            return dataset_month(
                user_id=user_id, workspace_id=workspace_id, month=month, today=today
            )
        except SERVE_STALE_ON as exc:
            return exc

    held = {m: month_peek(workspace_id=workspace_id, month=m) for m in months}
    missing = [
        m
        for m, part in held.items()
        if part is None or part.age_seconds >= month_fresh_for(today, m)
    ]
    if missing and cache_only_active():
        raise NotCached(month_key(workspace_id, missing[0]))
    if len(missing) > 1:
        # The person's client chosen here, before any thread starts (threads read no token),
        # and the months' shapes read (threads read no database).
        with (
            list_shapes(workspace_id),
            reads_through(user_id, page_client(user_id)),
            ThreadPoolExecutor(len(missing), thread_name_prefix="month") as pool,
        ):
            shapes_ready()
            futures = [pool.submit(contextvars.copy_context().run, read, m) for m in missing]
            held |= dict(zip(missing, (f.result() for f in futures), strict=True))
    elif missing:
        with list_shapes(workspace_id):
            held[missing[0]] = read(missing[0])
    return {m: held[m] for m in months}


def _distinct(leaves: Iterable[Leave]) -> list[Leave]:
    """Each leave once (a leave spanning months sits in each month's part)."""
    return list({leave.id: leave for leave in leaves}.values())


def overlapping(leaves: Iterable[Leave], date_from: dt.date, date_to: dt.date) -> list[Leave]:
    """Leaves overlapping the range, as WebWork's `date_from`/`date_to` filter keeps them."""
    return [
        leave
        for leave in leaves
        if leave.start_date is not None
        and leave.start_date <= date_to
        and (leave.end_date or leave.start_date) >= date_from
    ]


def leaves_matching(
    leaves: Iterable[Leave],
    *,
    status: str | None = None,
    member_id: int | None = None,
    policy_id: int | None = None,
    is_paid: bool | None = None,
) -> list[Leave]:
    """The leaves WebWork's own filters of the same values would give."""
    return [
        leave
        for leave in leaves
        if (status is None or leave.status == status)
        and (member_id is None or leave.user_id == member_id)
        and (policy_id is None or leave.policy_id == policy_id)
        and (is_paid is None or leave.is_paid is is_paid)
    ]


def dataset_window_peek(
    *, workspace_id: int, today: dt.date
) -> tuple[Cached[list[Leave]], tuple] | None:
    """The leaves of the whole window from the parts held, without asking WebWork, and the
    stamps of those parts (what a rendering of them depends on); None when a month of it (other
    than its newest, which a new month brings) is not held."""
    months = window_months(today)
    parts = {m: month_peek(workspace_id=workspace_id, month=m) for m in months}
    if any(parts[m] is None for m in months[:-1]):
        return None
    held = [part for part in parts.values() if part is not None]
    window = Cached(
        value=_distinct(lv for part in held for lv in part.value),
        fetched_at=min(part.fetched_at for part in held),
    )
    return window, tuple((part.fetched_at, len(part.value)) for part in held)


def dataset_leave_replace(*, workspace_id: int, leave: Leave) -> None:
    """A write of ours changed a leave (or filed it): put it into each month part held that it
    overlaps, so the next view shows it without asking WebWork (the parts keep their freshness
    stamps). A leave already held takes only the decision's fields from `leave`, which may be
    WebWork's short echo of a decision."""
    if leave.start_date is None:
        return
    for month in months_between(leave.start_date, leave.end_date or leave.start_date):
        key = month_key(workspace_id, month)
        part = cache_peek(key)
        if part is None:
            continue
        held = next((lv for lv in part.value if lv.id == leave.id), None)
        updated = leave if held is None else _decided(held, leave)
        leaves = [updated if lv.id == leave.id else lv for lv in part.value]
        if held is None:
            leaves.append(updated)
        cache_put(key, leaves, keep_for=MONTH_KEEP_FOR, fetched_at=part.fetched_at)


# What a decision changes in a leave (WebWork's echo of it may carry little else).
DECISION_FIELDS = ("status", "approved_by", "rejected_by", "reject_reason")


def _decided(held: Leave, news: Leave) -> Leave:
    changes = {name: getattr(news, name) for name in DECISION_FIELDS}
    return replace(held, **changes, decided_at=news.decided_at or held.decided_at)


def dataset_months_forget(*, workspace_id: int, date_from: dt.date, date_to: dt.date) -> None:
    """Something changed in these days that we could not read back: their months are read
    again when next asked for."""
    for month in months_between(date_from, date_to):
        cache_delete(month_key(workspace_id, month))


def part_pages(entry: Cached[list] | None) -> int | None:
    """WebWork calls the part took last time (100 to a page), or None when never read."""
    return None if entry is None else max((len(entry.value) + 99) // 100, 1)

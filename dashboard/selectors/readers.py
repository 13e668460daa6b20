"""Cached reads from WebWork, one per kind of data, scoped per workspace.

Freshness (see docs/architecture.md): members and policies change rarely; balances are
refreshed by Celery beat and after each decision; leave lists are short-lived and bumped by
our own writes through the workspace's data version.
"""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, replace

from django.utils import timezone

from dashboard.dates import month_bounds, year_bounds
from dashboard.platform.cache import Cached, cache_peek, cached_fetch, data_version, workspace_key
from dashboard.selectors.access import guarded, person_scope
from dashboard.selectors.parallel import page_client
from dashboard.selectors.shapes import MEMBERS_SHAPE, balances_shape, read_list
from dashboard.selectors.workspace_dataset import covers, dataset_leaves, leaves_matching
from dashboard.webwork import Balance, Leave, LeaveStatus, Member, Policy, WebWorkError

MINUTE = 60
HOUR = 60 * MINUTE
DAY = 24 * HOUR

MEMBERS_FRESH_FOR = 15 * MINUTE
POLICIES_FRESH_FOR = 15 * MINUTE
BALANCES_FRESH_FOR = 10 * MINUTE
LEAVES_FRESH_FOR = 1 * MINUTE
KEEP_FOR = 1 * DAY
LEAVES_KEEP_FOR = 15 * MINUTE


# --------------------------------------------------------------------------- slow-changing data
def member_list(*, user_id: int, workspace_id: int, force: bool = False) -> Cached[list[Member]]:
    """All members of the workspace."""
    return cached_fetch(
        workspace_key(workspace_id, "members"),
        guarded(
            user_id,
            workspace_id,
            lambda: read_list(
                workspace_id,
                MEMBERS_SHAPE,
                lambda expect: page_client(user_id).iter_members(
                    workspace_id=workspace_id, expect_pages=expect
                ),
                held=member_list_peek(workspace_id=workspace_id),
                ahead=not force,
            ),
        ),
        fresh_for=MEMBERS_FRESH_FOR,
        keep_for=KEEP_FOR,
        breaker_scope=person_scope(user_id),
        force=force,
    )


def member_list_peek(*, workspace_id: int) -> Cached[list[Member]] | None:
    """The workspace's members as cached, or None: never a WebWork call."""
    return cache_peek(workspace_key(workspace_id, "members"))


def policy_list(*, user_id: int, workspace_id: int, force: bool = False) -> Cached[list[Policy]]:
    """The workspace's leave policies."""
    return cached_fetch(
        workspace_key(workspace_id, "policies"),
        guarded(
            user_id,
            workspace_id,
            lambda: page_client(user_id).list_policies(workspace_id=workspace_id),
        ),
        fresh_for=POLICIES_FRESH_FOR,
        keep_for=KEEP_FOR,
        breaker_scope=person_scope(user_id),
        force=force,
    )


def balance_window(today: dt.date | None = None) -> tuple[dt.date, dt.date]:
    """Balances are annual: the current calendar year."""
    return year_bounds(today or dt.date.today())


def balance_list(
    *, user_id: int, workspace_id: int, force: bool = False, year: int | None = None
) -> Cached[list[Balance]]:
    """Remaining balance of every member per policy, for the current year (or `year`)."""
    date_from, date_to = balance_window(None if year is None else dt.date(year, 1, 1))
    key = workspace_key(workspace_id, "balances", date_from.year)
    return cached_fetch(
        key,
        guarded(
            user_id,
            workspace_id,
            lambda: read_list(
                workspace_id,
                balances_shape(date_from.year),
                lambda expect: page_client(user_id).iter_balances(
                    workspace_id=workspace_id,
                    date_from=date_from,
                    date_to=date_to,
                    expect_pages=expect,
                ),
                held=cache_peek(key),
                ahead=not force,
            ),
        ),
        fresh_for=BALANCES_FRESH_FOR,
        keep_for=KEEP_FOR,
        breaker_scope=person_scope(user_id),
        force=force,
    )


# --------------------------------------------------------------------------- leaves
@dataclass(frozen=True, kw_only=True)
class LeaveQuery:
    """Filters WebWork applies itself (text search is applied here, after fetching)."""

    status: LeaveStatus | None = None
    member_id: int | None = None
    policy_id: int | None = None
    is_paid: bool | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None

    def cache_part(self) -> str:
        """A stable fragment of the cache key."""
        return "|".join(
            "" if v is None else str(v)
            for v in (
                self.status,
                self.member_id,
                self.policy_id,
                self.is_paid,
                self.date_from,
                self.date_to,
            )
        )


def leave_list(
    *,
    user_id: int,
    workspace_id: int,
    query: LeaveQuery,
    force: bool = False,
    shape: str | None = None,
) -> Cached[list[Leave]]:
    """Leaves matching `query`: from the workspace's read model when its dates lie within the
    model's window (filtered here, no call when its months are held), else from WebWork (every
    page, fetched in parallel). `shape`: the name its page count is kept under (see
    `shapes.py`), for a list read often enough to be worth it."""
    today = timezone.localdate()
    if not force and covers(today, query.date_from, query.date_to):
        entry = dataset_leaves(
            user_id=user_id,
            workspace_id=workspace_id,
            date_from=query.date_from,
            date_to=query.date_to,
            today=today,
        )
        return replace(
            entry,
            value=leaves_matching(
                entry.value,
                status=query.status,
                member_id=query.member_id,
                policy_id=query.policy_id,
                is_paid=query.is_paid,
            ),
        )

    key = leave_list_key(workspace_id, query)

    def read(expect: int) -> Iterable[Leave]:
        return page_client(user_id).iter_leaves(
            workspace_id=workspace_id,
            status=query.status,
            user_id=query.member_id,
            policy_id=query.policy_id,
            is_paid=query.is_paid,
            date_from=query.date_from,
            date_to=query.date_to,
            expect_pages=expect,
        )

    def fetch() -> list[Leave]:
        if shape is None:
            return list(read(1))
        return read_list(workspace_id, shape, read, held=cache_peek(key), ahead=not force)

    return cached_fetch(
        key,
        guarded(user_id, workspace_id, fetch),
        fresh_for=LEAVES_FRESH_FOR,
        keep_for=LEAVES_KEEP_FOR,
        breaker_scope=person_scope(user_id),
        force=force,
    )


def leave_list_key(workspace_id: int, query: LeaveQuery, *suffix: str) -> str:
    """Where `leave_list` caches `query` (a new data version is a new key)."""
    return workspace_key(
        workspace_id, "leaves", data_version(workspace_id), query.cache_part(), *suffix
    )


def leave_list_for_month(*, user_id: int, workspace_id: int, year: int, month: int) -> Cached:
    """Every leave overlapping a month (pending and decided)."""
    first, last = month_bounds(year, month)
    return leave_list(
        user_id=user_id,
        workspace_id=workspace_id,
        query=LeaveQuery(date_from=first, date_to=last),
    )


def leave_get(
    *, user_id: int, workspace_id: int, leave_id: str, for_decision: bool = False
) -> Leave:
    """One leave, read straight from WebWork (never cached: used to learn the truth).

    `for_decision`: read for a decision's rules, from the calls kept for decisions."""
    read = guarded(
        user_id,
        workspace_id,
        lambda: page_client(user_id).get_leave(
            workspace_id=workspace_id, leave_id=leave_id, for_decision=for_decision
        ),
    )
    return read()


def leave_get_or_none(*, user_id: int, workspace_id: int, leave_id: str) -> Leave | None:
    """One leave as `leave_get` reads it, or None when WebWork can't tell us now."""
    try:
        return leave_get(user_id=user_id, workspace_id=workspace_id, leave_id=leave_id)
    except WebWorkError:
        return None

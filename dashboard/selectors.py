"""Reads from WebWork, cached per workspace; everything a page shows starts here.

Freshness (see docs/architecture.md): members and policies change rarely; balances are
refreshed by Celery beat and after each decision; leave lists are short-lived and bumped by
our own writes through the workspace's data version.
"""

import contextvars
import datetime as dt
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextvars import ContextVar
from dataclasses import dataclass, replace

from django.contrib.auth.models import AbstractBaseUser
from django.db import connections
from django.utils import timezone

from dashboard.models import LeaveDecision
from dashboard.platform.cache import (
    Cached,
    NotCached,
    cache_only,
    cache_peek,
    cache_put,
    cached_fetch,
    data_version,
    user_key,
    workspace_key,
)
from dashboard.webwork import (
    AuthExpired,
    Balance,
    Leave,
    LeaveStatus,
    Member,
    Policy,
    WebWorkClient,
    WebWorkError,
    Workspace,
)
from dashboard.webwork_oauth.tokens import (
    ReauthRequired,
    client_for,
    client_without_refresh,
    token_refresh,
)

MINUTE = 60
HOUR = 60 * MINUTE
DAY = 24 * HOUR

WORKSPACES_FRESH_FOR = 5 * MINUTE
MEMBERS_FRESH_FOR = 15 * MINUTE
POLICIES_FRESH_FOR = 15 * MINUTE
BALANCES_FRESH_FOR = 10 * MINUTE
LEAVES_FRESH_FOR = 1 * MINUTE
KEEP_FOR = 1 * DAY
LEAVES_KEEP_FOR = 15 * MINUTE


def _scope(user_id: int) -> str:
    return f"user:{user_id}"


_clients: ContextVar[dict[int, WebWorkClient] | None] = ContextVar("clients", default=None)


def _client(user_id: int) -> WebWorkClient:
    """The person's client, shared by the fetches of one page (see `fetch_parallel`)."""
    memo = _clients.get()
    if memo is not None and user_id in memo:
        return memo[user_id]
    return client_for(user_id=user_id)


@dataclass(frozen=True)
class Outcome[T]:
    """What one of several parallel reads gave: a cached value, or the error it raised."""

    entry: Cached[T] | None
    error: WebWorkError | None

    @property
    def value(self) -> T | None:
        """The value, or None when the read failed."""
        return self.entry.value if self.entry is not None else None


def fetch_parallel(*, user_id: int, **reads: Callable[[], Cached]) -> dict[str, Outcome]:
    """Run independent reads at the same time; a failed read is reported, not raised.

    What the cache holds fresh is answered first, in the request's thread (a thread per read
    only pays off while waiting for WebWork). The rest run in worker threads, which touch only
    WebWork and the cache: the token is read here, in the request's thread, and if WebWork
    answers 401 the token is refreshed here too and the failed reads are repeated once. A
    second 401 means the person must sign in again.
    """
    results, missing = _run_cached(reads)
    if not missing:
        return results
    client, token = client_without_refresh(user_id=user_id)
    results.update(_run_all(user_id, client, missing))
    expired = [name for name, out in results.items() if isinstance(out.error, AuthExpired)]
    if expired:
        token_refresh(user_id=user_id, rejected_access_token=token)
        client, _ = client_without_refresh(user_id=user_id)
        retried = _run_all(user_id, client, {name: reads[name] for name in expired})
        if any(isinstance(out.error, AuthExpired) for out in retried.values()):
            raise ReauthRequired("WebWork refused a freshly refreshed token")
        results.update(retried)
    return {name: results[name] for name in reads}


def _run_all(
    user_id: int, client: WebWorkClient, reads: dict[str, Callable[[], Cached]]
) -> dict[str, Outcome]:
    """Run reads that must ask WebWork: one in this thread, several in worker threads."""
    marker = _clients.set({user_id: client})
    try:
        if len(reads) == 1:
            ((name, read),) = reads.items()
            return {name: _run_read(read)}
        with ThreadPoolExecutor(max_workers=len(reads), thread_name_prefix="read") as pool:
            futures = {
                name: pool.submit(contextvars.copy_context().run, _run_in_thread, read)
                for name, read in reads.items()
            }
            return {name: future.result() for name, future in futures.items()}
    finally:
        _clients.reset(marker)


def _run_cached(
    reads: dict[str, Callable[[], Cached]],
) -> tuple[dict[str, Outcome], dict[str, Callable[[], Cached]]]:
    """Answer what the cache holds fresh, here and now; return the reads that must fetch."""
    results: dict[str, Outcome] = {}
    missing: dict[str, Callable[[], Cached]] = {}
    with cache_only():
        for name, read in reads.items():
            try:
                results[name] = Outcome(entry=read(), error=None)
            except NotCached:
                missing[name] = read
    return results, missing


def _run_read(read: Callable[[], Cached]) -> Outcome:
    try:
        return Outcome(entry=read(), error=None)
    except WebWorkError as exc:
        return Outcome(entry=None, error=exc)


def _run_in_thread(read: Callable[[], Cached]) -> Outcome:
    try:
        return _run_read(read)
    finally:
        connections.close_all()  # this thread's own connections, if a refresh opened one


# --------------------------------------------------------------------------- workspaces
def workspace_list_for_user(*, user: AbstractBaseUser, force: bool = False) -> list[Workspace]:
    """The workspaces this person manages, from their own token (cached briefly)."""
    entry = cached_fetch(
        user_key(user.pk, "workspaces"),
        lambda: [w for w in _client(user.pk).list_workspaces() if w.can_manage],
        fresh_for=WORKSPACES_FRESH_FOR,
        keep_for=KEEP_FOR,
        breaker_scope=_scope(user.pk),
        force=force,
    )
    return entry.value


def workspace_list_prime(*, user_id: int, workspaces: list[Workspace]) -> None:
    """Remember the manageable workspaces learnt at sign-in (saves a call)."""
    cache_put(user_key(user_id, "workspaces"), list(workspaces), keep_for=KEEP_FOR)


# --------------------------------------------------------------------------- slow-changing data
def member_list(*, user_id: int, workspace_id: int, force: bool = False) -> Cached[list[Member]]:
    """All members of the workspace."""
    return cached_fetch(
        workspace_key(workspace_id, "members"),
        lambda: list(_client(user_id).iter_members(workspace_id=workspace_id)),
        fresh_for=MEMBERS_FRESH_FOR,
        keep_for=KEEP_FOR,
        breaker_scope=_scope(user_id),
        force=force,
    )


def policy_list(*, user_id: int, workspace_id: int, force: bool = False) -> Cached[list[Policy]]:
    """The workspace's leave policies."""
    return cached_fetch(
        workspace_key(workspace_id, "policies"),
        lambda: _client(user_id).list_policies(workspace_id=workspace_id),
        fresh_for=POLICIES_FRESH_FOR,
        keep_for=KEEP_FOR,
        breaker_scope=_scope(user_id),
        force=force,
    )


def balance_window(today: dt.date | None = None) -> tuple[dt.date, dt.date]:
    """Balances are annual: the current calendar year."""
    today = today or dt.date.today()
    return dt.date(today.year, 1, 1), dt.date(today.year, 12, 31)


def balance_list(*, user_id: int, workspace_id: int, force: bool = False) -> Cached[list[Balance]]:
    """Remaining balance of every member per policy, for the current year."""
    date_from, date_to = balance_window()
    return cached_fetch(
        workspace_key(workspace_id, "balances", date_from.year),
        lambda: list(
            _client(user_id).iter_balances(
                workspace_id=workspace_id, date_from=date_from, date_to=date_to
            )
        ),
        fresh_for=BALANCES_FRESH_FOR,
        keep_for=KEEP_FOR,
        breaker_scope=_scope(user_id),
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
    *, user_id: int, workspace_id: int, query: LeaveQuery, force: bool = False
) -> Cached[list[Leave]]:
    """Leaves matching `query` (every page, fetched in parallel)."""

    def fetch() -> list[Leave]:
        return list(
            _client(user_id).iter_leaves(
                workspace_id=workspace_id,
                status=query.status,
                user_id=query.member_id,
                policy_id=query.policy_id,
                is_paid=query.is_paid,
                date_from=query.date_from,
                date_to=query.date_to,
            )
        )

    return cached_fetch(
        workspace_key(workspace_id, "leaves", data_version(workspace_id), query.cache_part()),
        fetch,
        fresh_for=LEAVES_FRESH_FOR,
        keep_for=LEAVES_KEEP_FOR,
        breaker_scope=_scope(user_id),
        force=force,
    )


def leaves_with_overrides(
    leaves: list[Leave], overrides: dict[str, "LeaveOverride"], *, status: str | None = None
) -> list[Leave]:
    """Apply our recent decisions over a cached list (and re-filter by status)."""
    if overrides:
        leaves = [overrides[lv.id].apply(lv) if lv.id in overrides else lv for lv in leaves]
        if status:
            leaves = [leave for leave in leaves if leave.status == status]
    return leaves


@dataclass(frozen=True, kw_only=True)
class LeaveOverride:
    """A decision we made, applied over cached lists until they are refetched."""

    status: LeaveStatus
    decided_by: int | None
    reject_reason: str | None = None
    decided_at: dt.datetime | None = None

    def apply(self, leave: Leave) -> Leave:
        """The leave as it is after our decision."""
        if self.status == LeaveStatus.APPROVED:
            return replace(
                leave,
                status=LeaveStatus.APPROVED,
                approved_by=self.decided_by,
                decided_at=self.decided_at,
            )
        return replace(
            leave,
            status=self.status,
            rejected_by=self.decided_by,
            reject_reason=self.reject_reason,
            decided_at=self.decided_at,
        )


def leave_overrides(*, workspace_id: int) -> dict[str, LeaveOverride]:
    """Recent decisions made through the dashboard, keyed by leave id (from our own table)."""
    since = timezone.now() - dt.timedelta(seconds=LEAVES_KEEP_FOR + MINUTE)
    rows = LeaveDecision.objects.filter(
        workspace_id=workspace_id, state=LeaveDecision.State.DONE, updated_at__gte=since
    ).values_list("leave_id", "result_status", "decided_by_webwork_id", "reason", "updated_at")
    return {
        leave_id: LeaveOverride(
            status=LeaveStatus(status), decided_by=by, reject_reason=reason or None, decided_at=at
        )
        for leave_id, status, by, reason, at in rows
        if status in (LeaveStatus.APPROVED, LeaveStatus.REJECTED)
    }


def _pending_key(workspace_id: int, *suffix: str) -> str:
    return workspace_key(
        workspace_id,
        "leaves",
        data_version(workspace_id),
        LeaveQuery(status=LeaveStatus.PENDING).cache_part(),
        *suffix,
    )


def leave_list_pending(*, user_id: int, workspace_id: int) -> Cached[list[Leave]]:
    """Pending requests, oldest first (before our own recent decisions are applied)."""
    entry = leave_list(
        user_id=user_id, workspace_id=workspace_id, query=LeaveQuery(status=LeaveStatus.PENDING)
    )
    _remember_pending_ids(workspace_id, entry)
    return replace(entry, value=sorted(entry.value, key=created_order))


def _remember_pending_ids(workspace_id: int, entry: Cached[list[Leave]]) -> tuple[str, ...]:
    """Keep the ids of a pending list beside it, so that the count in every page's navigation
    reads a few kilobytes instead of unpickling hundreds of leaves."""
    key = _pending_key(workspace_id, "ids")
    known = cache_peek(key)
    if known is not None and known.fetched_at == entry.fetched_at:
        return known.value
    ids = tuple(leave.id for leave in entry.value)
    cache_put(key, ids, keep_for=LEAVES_KEEP_FOR, fetched_at=entry.fetched_at)
    return ids


def add_months(day: dt.date, months: int) -> dt.date:
    """The first day of the month `months` after (or before) the month of `day`."""
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def month_bounds(year: int, month: int) -> tuple[dt.date, dt.date]:
    """First and last day of a month."""
    first = dt.date(year, month, 1)
    return first, add_months(first, 1) - dt.timedelta(days=1)


def leave_list_for_month(*, user_id: int, workspace_id: int, year: int, month: int) -> Cached:
    """Every leave overlapping a month (pending and decided)."""
    first, last = month_bounds(year, month)
    return leave_list(
        user_id=user_id,
        workspace_id=workspace_id,
        query=LeaveQuery(date_from=first, date_to=last),
    )


def leave_get(*, user_id: int, workspace_id: int, leave_id: str) -> Leave:
    """One leave, read straight from WebWork (never cached: used to learn the truth)."""
    return _client(user_id).get_leave(workspace_id=workspace_id, leave_id=leave_id)


def created_order(leave: Leave) -> tuple:
    """Oldest request first; unknown creation times last."""
    created = leave.created_at or dt.datetime.max.replace(tzinfo=dt.UTC)
    return (created, leave.start_date or dt.date.max, leave.id)


def pending_count_peek(*, workspace_id: int) -> int | None:
    """How many requests are pending, from the cache only (None when not cached)."""
    ids_entry = cache_peek(_pending_key(workspace_id, "ids"))
    if ids_entry is not None:
        ids = ids_entry.value
    else:
        entry = cache_peek(_pending_key(workspace_id))
        if entry is None:
            return None
        ids = _remember_pending_ids(workspace_id, entry)
    overrides = leave_overrides(workspace_id=workspace_id)
    return sum(1 for leave_id in ids if leave_id not in overrides)


def cached_leave_peek(*, workspace_id: int, leave_id: str) -> Leave | None:
    """A leave from the cached pending list (with our decisions applied), if it is there."""
    entry = cache_peek(_pending_key(workspace_id))
    if entry is None:
        return None
    leave = next((lv for lv in entry.value if lv.id == leave_id), None)
    if leave is None:
        return None
    override = leave_overrides(workspace_id=workspace_id).get(leave_id)
    return override.apply(leave) if override else leave

"""Caching of WebWork reads: keys scoped by workspace, stale-while-error, single flight, breaker.

Every cached value remembers when it was fetched, so pages can say how old their data is.
While fresh it is served as is; once past `fresh_for` it is refetched, and if WebWork fails the
last good value is served (marked stale, with the error) until `keep_for` runs out. Identical
concurrent fetches wait for one another instead of spending WebWork's rate budget twice, and
after repeated failures WebWork is left alone for a while (the breaker) rather than hammered.
"""

import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, replace

from dashboard.platform import shared
from dashboard.webwork import OverBudget, RateLimited, Unavailable, WebWorkError
from dashboard.webwork.errors import BadResponse

logger = logging.getLogger("dashboard.cache")

# Errors after which the last good value may still be shown; others (401/403/404) may not.
SERVE_STALE_ON = (Unavailable, RateLimited, BadResponse)

BREAKER_THRESHOLD = 5  # consecutive failures
BREAKER_OPEN_SECONDS = 30
# Once the breaker has opened, it stays "half-open" after each open period until a call
# succeeds: one request probes WebWork at a time, and a failed probe reopens it at once.
TRIPPED_MEMORY = 10 * 60
# WebWork's window is a minute: a longer Retry-After (or a broken one) never silences us for long.
RATE_LIMIT_MAX_BACKOFF = 120
LOCK_SECONDS = 15
PEER_WAIT_SECONDS = 3.0


@dataclass(frozen=True)
class Cached[T]:
    """A value read from WebWork, when it was fetched, and whether it is stale.

    A value put together from parts (the read model's months) may lack some that could not be
    read: `missing` names them, and `error` says why.
    """

    value: T
    fetched_at: float
    stale: bool = False
    error: WebWorkError | None = None
    missing: tuple[str, ...] = ()

    @property
    def age_seconds(self) -> float:
        """Seconds since the value was fetched from WebWork."""
        return max(time.time() - self.fetched_at, 0.0)


def workspace_key(workspace_id: int, *parts: object) -> str:
    """A cache key scoped to one workspace."""
    return ":".join(["ws", str(workspace_id), *(str(p) for p in parts)])


def user_key(user_id: int, *parts: object) -> str:
    """A cache key scoped to one dashboard user."""
    return ":".join(["user", str(user_id), *(str(p) for p in parts)])


def data_version(workspace_id: int) -> int:
    """The workspace's data version; our own writes bump it to invalidate leave lists."""
    version = shared.get(workspace_key(workspace_id, "version"))
    if version is None:
        version = int(time.time() * 1000)
        shared.add(workspace_key(workspace_id, "version"), version, None)
    return int(version)


def data_version_bump(workspace_id: int) -> None:
    """Invalidate every leave list of the workspace."""
    shared.put(workspace_key(workspace_id, "version"), int(time.time() * 1000), None)


def cache_delete(key: str) -> None:
    """Forget one cached value."""
    shared.delete(key)


def cache_peek(key: str) -> Cached | None:
    """The cached value, fresh or not, without fetching."""
    return shared.get(key)


def cache_put(key: str, value: object, *, keep_for: int, fetched_at: float | None = None) -> Cached:
    """Store a value fetched just now (or at `fetched_at`, for a value derived from another)."""
    entry = Cached(value=value, fetched_at=time.time() if fetched_at is None else fetched_at)
    shared.put(key, entry, keep_for)
    return entry


# --------------------------------------------------------------------------- breaker
def _breaker_key(scope: str) -> str:
    return f"breaker:{scope}"


def _breaker_state(scope: str) -> tuple[float | None, bool]:
    """(when the breaker closes, whether WebWork asked us to slow down), if it is open."""
    value = shared.get(_breaker_key(scope) + ":open")
    until, rate_limited = value if isinstance(value, tuple) else (value, False)
    if until is not None and until > time.time():
        return float(until), bool(rate_limited)
    return None, False


def _open(scope: str, seconds: float, *, rate_limited: bool = False) -> None:
    key = _breaker_key(scope)
    shared.put(key + ":open", (time.time() + seconds, rate_limited), int(seconds) + 1)
    shared.put(key + ":tripped", 1, TRIPPED_MEMORY)
    shared.delete_many([key + ":fails", key + ":probe"])


def _note_failure(scope: str, error: WebWorkError) -> None:
    key = _breaker_key(scope)
    if isinstance(error, RateLimited):
        wait = error.retry_after if error.retry_after is not None else BREAKER_OPEN_SECONDS
        _open(scope, min(max(wait, 1.0), RATE_LIMIT_MAX_BACKOFF), rate_limited=True)
        return
    if shared.get(key + ":tripped"):
        logger.warning("WebWork still failing; backing off again", extra={"scope": scope})
        _open(scope, BREAKER_OPEN_SECONDS)
        return
    fails_key = key + ":fails"
    shared.add(fails_key, 0, 60)
    try:
        fails = shared.incr(fails_key)
    except ValueError:
        fails = 1
    if fails >= BREAKER_THRESHOLD:
        logger.warning("WebWork failing; backing off", extra={"scope": scope, "failures": fails})
        _open(scope, BREAKER_OPEN_SECONDS)


def _note_success(scope: str) -> None:
    key = _breaker_key(scope)
    shared.delete_many([key + ":fails", key + ":open", key + ":tripped", key + ":probe"])


def _blocked(scope: str) -> tuple[WebWorkError | None, bool]:
    """The error to answer with while the breaker holds calls back, and whether we probe."""
    until, rate_limited = _breaker_state(scope)
    probing = False
    if until is None:
        key = _breaker_key(scope)
        if not shared.get(key + ":tripped"):
            return None, False
        probing = shared.add(key + ":probe", 1, LOCK_SECONDS)
        if probing:
            return None, True
        until = time.time() + 1  # another request is probing WebWork right now
    if rate_limited:
        return RateLimited(
            "WebWork asked us to slow down; trying again shortly",
            retry_after=until - time.time(),
        ), False
    return Unavailable(
        "WebWork is not answering right now; trying again shortly",
        retry_after=until - time.time(),
        request_sent=False,
    ), False


# --------------------------------------------------------------------------- fetching
class NotCached(Exception):
    """Raised inside `cache_only()` by a read that would have to fetch."""


_cache_only: ContextVar[bool] = ContextVar("cache_only", default=False)


@contextmanager
def cache_only() -> Iterator[None]:
    """Inside the block, `cached_fetch` answers from fresh cache or raises `NotCached`.

    Pages read several lists at once; when all are cached, reading them one after another
    in the request's thread is cheaper than a thread each (see `selectors.fetch_parallel`).
    """
    marker = _cache_only.set(True)
    try:
        yield
    finally:
        _cache_only.reset(marker)


def cache_only_active() -> bool:
    """Whether reads must answer from fresh cache now (inside `cache_only()`)."""
    return _cache_only.get()


def cached_fetch[T](
    key: str,
    fetch: Callable[[], T],
    *,
    fresh_for: int,
    keep_for: int,
    breaker_scope: str,
    force: bool = False,
    serve_stale: bool = True,
) -> Cached[T]:
    """Serve `key` from the cache while fresh, else fetch it (once, however many ask).

    Raises the WebWork error when nothing usable is cached. With `serve_stale=False` (data that
    must not outlive `fresh_for`, such as who may see what) a value past `fresh_for` is never
    usable: WebWork failing raises, and a peer's fetch is waited for, not pre-empted.
    """
    entry: Cached | None = shared.get(key)
    if entry is not None and not force and entry.age_seconds < fresh_for:
        return entry
    if _cache_only.get():
        raise NotCached(key)

    if not serve_stale:
        entry = None
    error, probing = _blocked(breaker_scope)
    if error is not None:
        if entry is not None:
            return replace(entry, stale=True, error=error)
        raise error
    try:
        return _fetch_once(
            key, fetch, entry, fresh_for=fresh_for, keep_for=keep_for, breaker_scope=breaker_scope
        )
    finally:
        if probing:
            shared.delete(_breaker_key(breaker_scope) + ":probe")


def _fetch_once[T](
    key: str,
    fetch: Callable[[], T],
    entry: Cached | None,
    *,
    fresh_for: int,
    keep_for: int,
    breaker_scope: str,
) -> Cached[T]:
    """Fetch `key` unless a peer is already fetching it; note how WebWork did."""
    lock_key = f"lock:{key}"
    have_lock = shared.add(lock_key, 1, LOCK_SECONDS)
    if not have_lock:
        if entry is not None:
            return replace(entry, stale=True)
        waited = _wait_for_peer(key, fresh_for=fresh_for)
        if isinstance(waited, WebWorkError):
            raise waited  # the peer's failure is ours: WebWork is not asked twice for it
        if waited is not None:
            return waited
    # A value is as old as the moment it was asked for: an answer that took a while may predate
    # a change made meanwhile (our own decisions are laid over lists by this time).
    asked_at = time.time()
    try:
        try:
            value = fetch()
        except SERVE_STALE_ON as exc:
            if not isinstance(exc, OverBudget):  # our own allowance, not WebWork failing
                _note_failure(breaker_scope, exc)
            if have_lock:  # peers waiting for this fetch take its failure as theirs
                shared.put(f"failed:{key}", (time.time(), exc), PEER_WAIT_SECONDS + 1)
            if entry is not None:
                logger.info(
                    "serving stale data", extra={"key": key, "error": exc.__class__.__name__}
                )
                return replace(entry, stale=True, error=exc)
            raise
        # Stored before the lock goes, so that peers waiting for it find the value.
        stored = cache_put(key, value, keep_for=keep_for, fetched_at=asked_at)
    finally:
        if have_lock:
            shared.delete(lock_key)
    _note_success(breaker_scope)
    return stored


def _wait_for_peer(key: str, *, fresh_for: int) -> Cached | WebWorkError | None:
    """What a peer's fetch gave meanwhile: its value, or how WebWork failed it (None: the peer
    took too long or vanished, so fetch it yourself)."""
    started = time.time()
    deadline = time.monotonic() + PEER_WAIT_SECONDS
    while time.monotonic() < deadline:
        time.sleep(0.05)
        entry = shared.get(key)
        if entry is not None and entry.age_seconds < fresh_for:
            return entry
        if shared.get(f"lock:{key}") is None:
            # The peer is done: its value is there now, unless it failed.
            entry = shared.get(key)
            if entry is not None and entry.age_seconds < fresh_for:
                return entry
            failed = shared.get(f"failed:{key}")
            if isinstance(failed, tuple) and failed[0] >= started:
                return failed[1]
            return None
    return None

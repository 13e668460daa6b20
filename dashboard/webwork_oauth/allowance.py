"""Each person's allowance of WebWork calls: under WebWork's 60 a minute, across every process.

WebWork allows 60 calls a minute per person and answers 429 past that. Every call made as a
person (pages, actions, Celery tasks; retries and extra pages included) first takes a token
from that person's bucket here. A token comes back 60 seconds after it was taken, which is
WebWork's own sliding window, so no 60 seconds ever hold more than `WEBWORK_CALLS_PER_MINUTE`
calls of one person. Reads stop `WEBWORK_WRITE_RESERVE` short of that, so approvals,
rejections and new requests always find room; a write that finds none waits a moment (within the
request's deadline) and otherwise says when to try again. An empty bucket raises `OverBudget`:
nothing was sent, and pages show what they have cached with its age.

The bucket is kept in Redis (the cache's own server), so every web process and worker counts
together. While Redis is down each process keeps it in its own memory: the same limits, per
process. The `limits` library provides the window: an atomic Lua script in Redis, a locked list
in memory.
"""

import logging
import threading
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from limits.storage import MemoryStorage, RedisStorage
from redis.exceptions import RedisError

from dashboard.webwork import OverBudget

logger = logging.getLogger("dashboard.allowance")

WINDOW_SECONDS = 60
# Longest a write waits for a token (the rest of the request's deadline permitting).
WRITE_WAIT_SECONDS = 2.0
REDIS_BREAKER_SECONDS = 5.0
WRITES = ("write", "decision")

_memory = MemoryStorage()
_redis: dict[tuple[str, str], RedisStorage] = {}
_redis_down_until = 0.0
_guard = threading.Lock()


@dataclass(frozen=True)
class PersonGate:
    """The `CallGate` of a client acting as one person."""

    user_id: int

    def admit(self, kind: str, *, deadline: float | None) -> None:
        """Take a token for one call of `kind`, or raise OverBudget."""
        allowance_take(user_id=self.user_id, kind=kind, deadline=deadline)


def allowance_take(*, user_id: int, kind: str = "read", deadline: float | None = None) -> None:
    """Take one of the person's tokens for a call; wait briefly for a write, else OverBudget."""
    if settings.WEBWORK_CALLS_PER_MINUTE <= 0:  # 0 turns the allowance off
        return
    is_write = kind in WRITES
    limit = settings.WEBWORK_CALLS_PER_MINUTE
    if not is_write:
        limit -= settings.WEBWORK_WRITE_RESERVE
    key = f"allowance:{user_id}"
    give_up = time.monotonic() + WRITE_WAIT_SECONDS if is_write else 0.0
    if deadline is not None:
        give_up = min(give_up, deadline)
    while True:
        wait = _take(key, limit)
        if wait is None:
            return
        if time.monotonic() + wait > give_up:
            _note_refusal(user_id, kind)
            raise OverBudget(retry_after=wait)
        time.sleep(wait)


@dataclass(frozen=True)
class SyncGate:
    """The `CallGate` of the worker's dataset sync acting as one person: each call takes a
    token from the person's sync share (`SYNC_BUDGET_PER_MINUTE` in any 60 seconds) and then
    from their allowance, never waiting for either (the sync tries again next minute)."""

    user_id: int

    def admit(self, kind: str, *, deadline: float | None) -> None:
        """Take a token of the sync share and one of the allowance, or raise OverBudget."""
        wait = _take(_sync_key(self.user_id), settings.SYNC_BUDGET_PER_MINUTE)
        if wait is not None:
            raise OverBudget(retry_after=wait)
        allowance_take(user_id=self.user_id, kind=kind)


def _sync_key(user_id: int) -> str:
    return f"sync:{user_id}"


def sync_room(*, user_id: int) -> int:
    """Calls the sync may still make as the person in the current 60 seconds: what is left of
    its share, and of the allowance's reads."""
    limit = settings.SYNC_BUDGET_PER_MINUTE
    sync_left = limit - _window_count(_sync_key(user_id), limit)
    if settings.WEBWORK_CALLS_PER_MINUTE <= 0:
        return sync_left
    reads = settings.WEBWORK_CALLS_PER_MINUTE - settings.WEBWORK_WRITE_RESERVE
    return max(min(sync_left, reads - _window_count(f"allowance:{user_id}", reads)), 0)


def _window_count(key: str, limit: int) -> int:
    """Tokens taken under `key` in the last 60 seconds."""
    storage = _storage()
    try:
        return int(storage.get_moving_window(key, limit, WINDOW_SECONDS)[1])
    except RedisError:
        _redis_failed()
        return _window_count(key, limit)


def allowance_spent(*, user_id: int, calls: int) -> None:
    """Count reads already made as the person before they were known (signing in), as far as
    the bucket has room for reads: they are WebWork's to count too."""
    if settings.WEBWORK_CALLS_PER_MINUTE <= 0:
        return
    limit = settings.WEBWORK_CALLS_PER_MINUTE - settings.WEBWORK_WRITE_RESERVE
    for _ in range(calls):
        if _take(f"allowance:{user_id}", limit) is not None:
            return


def allowance_room(*, user_id: int) -> tuple[int, float]:
    """How many calls the person may still make this minute, and seconds until one more
    comes back: for work that paces itself (bulk decisions) instead of waiting on each call."""
    limit = settings.WEBWORK_CALLS_PER_MINUTE
    if limit <= 0:
        return 1_000_000, 0.0
    storage = _storage()
    try:
        oldest, used = storage.get_moving_window(f"allowance:{user_id}", limit, WINDOW_SECONDS)
    except RedisError:
        _redis_failed()
        return allowance_room(user_id=user_id)
    wait = max(oldest + WINDOW_SECONDS - time.time(), 0.05) if used else 0.0
    return max(limit - used, 0), wait


def _take(key: str, limit: int) -> float | None:
    """Take a token: None when taken, else seconds until one comes back."""
    storage = _storage()
    try:
        if storage.acquire_entry(key, limit, WINDOW_SECONDS):
            return None
        oldest, _ = storage.get_moving_window(key, limit, WINDOW_SECONDS)
    except RedisError:
        _redis_failed()
        return _take(key, limit)
    return max(oldest + WINDOW_SECONDS - time.time(), 0.05)


def _storage() -> MemoryStorage | RedisStorage:
    """The cache's Redis while it answers, else this process's memory."""
    config = settings.CACHES["default"]
    if not config["BACKEND"].endswith("FailSoftRedisCache"):
        return _memory
    if getattr(cache, "is_down", False) or time.monotonic() < _redis_down_until:
        return _memory
    location = config["LOCATION"]
    location = location if isinstance(location, str) else location[0]
    prefix = f"{config.get('KEY_PREFIX', '')}:allowance"
    with _guard:
        storage = _redis.get((location, prefix))
        if storage is None:
            options = config.get("OPTIONS", {})
            timeout = options.get("socket_timeout", settings.CACHE_SOCKET_TIMEOUT)
            storage = RedisStorage(
                location,
                key_prefix=prefix,
                socket_timeout=timeout,
                socket_connect_timeout=options.get("socket_connect_timeout", timeout),
            )
            _redis[(location, prefix)] = storage
    return storage


def _redis_failed() -> None:
    """Count in this process's memory for a while, rather than wait on Redis every call."""
    global _redis_down_until  # one breaker per process, like the cache's
    with _guard:
        already = time.monotonic() < _redis_down_until
        _redis_down_until = time.monotonic() + REDIS_BREAKER_SECONDS
    if not already:
        logger.warning("allowance kept in process memory: Redis unavailable")


_refused_windows: set[tuple[int, int]] = set()


def _note_refusal(user_id: int, kind: str) -> None:
    """Log the first refusal per person and minute."""
    window = (user_id, int(time.time() // WINDOW_SECONDS))
    if window in _refused_windows:
        return
    _refused_windows.add(window)
    if len(_refused_windows) > 10_000:
        _refused_windows.clear()
    logger.warning("WebWork allowance spent", extra={"user_id": user_id, "kind": kind})


def allowance_local_reset() -> None:
    """Forget the buckets kept in this process's memory (tests start from full buckets)."""
    global _redis_down_until  # see _redis_failed
    _memory.reset()
    _refused_windows.clear()
    _redis_down_until = 0.0

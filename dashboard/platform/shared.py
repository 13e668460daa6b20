"""State every process should share: Redis while it answers, this process's memory while not.

The cache's bookkeeping (each person's breaker and Retry-After back-off, single-flight locks,
the values pages read) lives in the shared cache. The fail-soft Redis backend turns a Redis
outage into misses, which would make all of it vanish at once: every read a fetch, no breaker,
no single flight. Through this module the same operations fall back to a cache in the process's
own memory instead, so a failing WebWork gets the same bounded traffic with or without Redis
(per process, rather than in all together, while Redis is down).

Sessions never come here: a copy kept in one process's memory could outlive a sign-out handled
by another.
"""

from django.core.cache import cache
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.locmem import LocMemCache

# Bounded: large cached lists come here too while Redis is down.
_local = LocMemCache("wwld-shared-fallback", {"OPTIONS": {"MAX_ENTRIES": 1000}})


def _redis_down() -> bool:
    """True while the shared cache is a Redis that has just failed (see FailSoftRedisCache)."""
    return bool(getattr(cache, "is_down", False))


def _either(method: str, *args):
    """Call `method` on the shared cache; on this process's memory when that is down (or just
    went down during the call, having answered with its failure default)."""
    if not _redis_down():
        result = getattr(cache, method)(*args)
        if not _redis_down():
            return result
    return getattr(_local, method)(*args)


def get(key: str, default=None):
    """The value under `key`, or `default`."""
    return _either("get", key, default)


def add(key: str, value, timeout=DEFAULT_TIMEOUT) -> bool:
    """Set `key` unless it is set; True when this call set it (atomic where it is kept)."""
    return _either("add", key, value, timeout)


def put(key: str, value, timeout=DEFAULT_TIMEOUT) -> None:
    """Set `key` to `value` (the cache's `set`)."""
    _either("set", key, value, timeout)


def delete(key: str) -> None:
    """Forget `key`."""
    _either("delete", key)


def delete_many(keys: list[str]) -> None:
    """Forget several keys."""
    _either("delete_many", keys)


def incr(key: str) -> int:
    """Add one to the number under `key`; ValueError when there is none."""
    if not _redis_down():
        try:
            return cache.incr(key)
        except ValueError:
            if not _redis_down():
                raise
    return _local.incr(key)


def local_clear() -> None:
    """Forget what this process kept while Redis was down (tests start from nothing)."""
    _local.clear()

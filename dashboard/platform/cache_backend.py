"""Django's RedisCache, made to fail soft: Redis down or stalled never becomes a 500.

A failed call counts as a miss (or a no-op write) and opens a short process-wide breaker, so
that while Redis is unreachable the process pays one socket timeout per breaker period instead
of one per cache call. Django keeps one cache object per thread (and pages read in parallel
threads), so the breaker lives at module level, per Redis location, not on the object.
See docs/reliability.md (R-13).
"""

import hashlib
import logging
import re
import threading
import time
from collections import OrderedDict

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache, RedisSerializer
from redis.exceptions import RedisError

logger = logging.getLogger("dashboard.cache")

BREAKER_SECONDS = 5.0

# Redis location -> time.monotonic() until which it is skipped; shared by every thread.
_down_until: dict[str, float] = {}
_lock = threading.Lock()


class FailSoftRedisCache(RedisCache):
    """A RedisCache whose failures are misses, with a breaker that skips Redis for a while."""

    def __init__(self, server, params):
        super().__init__(server, params)
        self._location = ",".join(self._servers)

    @property
    def is_down(self) -> bool:
        """True while the breaker is open after a recent failure."""
        return time.monotonic() < _down_until.get(self._location, 0.0)

    def _call(self, method, default, *args, **kwargs):
        if self.is_down:
            return default
        try:
            return method(*args, **kwargs)
        except RedisError as exc:
            with _lock:
                already_down = self.is_down
                _down_until[self._location] = time.monotonic() + BREAKER_SECONDS
            if not already_down:  # several threads may fail at once: say it once
                logger.warning("cache unavailable: %s", exc.__class__.__name__)
            return default

    def ping(self) -> bool:
        """Ask Redis directly, bypassing the breaker (for /healthz)."""
        try:
            return bool(self._cache.get_client(write=True).ping())
        except RedisError:
            return False

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        """Add, or False when Redis is unavailable."""
        return self._call(super().add, False, key, value, timeout, version)

    def get(self, key, default=None, version=None):
        """Get, or `default` when Redis is unavailable."""
        return self._call(super().get, default, key, default, version)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        """Set; a no-op when Redis is unavailable."""
        return self._call(super().set, None, key, value, timeout, version)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        """Touch, or False when Redis is unavailable."""
        return self._call(super().touch, False, key, timeout, version)

    def delete(self, key, version=None):
        """Delete, or False when Redis is unavailable."""
        return self._call(super().delete, False, key, version)

    def get_many(self, keys, version=None):
        """Get many, or nothing when Redis is unavailable."""
        return self._call(super().get_many, {}, keys, version)

    def has_key(self, key, version=None):
        """Has key, or False when Redis is unavailable."""
        return self._call(super().has_key, False, key, version)

    def incr(self, key, delta=1, version=None):
        """Increment; raises ValueError (as for a missing key) when Redis is unavailable."""
        result = self._call(super().incr, None, key, delta, version)
        if result is None:
            raise ValueError(f"Key '{key}' not available")
        return result

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        """Set many; reports every key as failed when Redis is unavailable."""
        return self._call(super().set_many, list(data), data, timeout, version)

    def delete_many(self, keys, version=None):
        """Delete many; a no-op when Redis is unavailable."""
        return self._call(super().delete_many, None, keys, version)

    def clear(self):
        """Delete this cache's own keys (its KEY_PREFIX), never the whole Redis database.

        Django's RedisCache.clear() is FLUSHDB: it would also empty the Celery broker or any
        other application that shares the database. False when Redis is unavailable.
        """
        return self._call(self._delete_own_keys, False)

    def _delete_own_keys(self) -> bool:
        client = self._cache.get_client(write=True)
        pattern = _glob_escape(self.key_prefix) + ":*"
        batch: list[bytes] = []
        for key in client.scan_iter(match=pattern, count=1000):
            batch.append(key)
            if len(batch) >= 1000:
                client.unlink(*batch)
                batch.clear()
        if batch:
            client.unlink(*batch)
        return True


def _glob_escape(text: str) -> str:
    """`text` as a literal in a Redis MATCH pattern."""
    return re.sub(r"([*?\[\]\\])", r"\\\1", text)


class SharedUnpickler(RedisSerializer):
    """Unpickles each distinct large value once per process, then hands out the same object.

    Warm pages read the same lists (hundreds of leaves, members, balances) and rendered
    fragments on every view; unpickling them cost more than the rest of the request. A value
    is recognised by a digest of its bytes, so any change in Redis is a new value: nothing
    can be served stale. Values read from the cache are therefore shared between requests
    and threads: treat them as read-only (records are frozen; never mutate a cached list).
    """

    MIN_BYTES = 8 * 1024  # small values unpickle faster than they hash
    MAX_VALUES = 64

    def __init__(self, protocol=None):
        super().__init__(protocol)
        self._values: OrderedDict[bytes, object] = OrderedDict()
        self._values_lock = threading.Lock()

    def loads(self, data):
        """The value pickled in `data`; the same object as last time for the same bytes."""
        if isinstance(data, int) or len(data) < self.MIN_BYTES:
            return super().loads(data)
        digest = hashlib.blake2b(data, digest_size=16).digest()
        with self._values_lock:
            if digest in self._values:
                self._values.move_to_end(digest)
                return self._values[digest]
        value = super().loads(data)
        with self._values_lock:
            self._values[digest] = value
            while len(self._values) > self.MAX_VALUES:
                self._values.popitem(last=False)
        return value

"""Sessions read from the cache, written to it and the database: never revived by a stale copy.

Django's cached_db engine deletes a session from the database and then from the cache. With a
fail-soft Redis the second delete can fail unseen (Redis stalled, or skipped by the backend's
breaker after a blip), and the copy left in Redis would sign the person back in once Redis
answers again, for the rest of the copy's life. Here a delete that cannot reach the cache leaves
a tombstone in the database, and a session read from the cache is refused while a tombstone
names it. Whether any tombstone exists is asked at most once a second per process, so an
ordinary request still reads its session from the cache alone.
"""

import threading
import time

from django.contrib.sessions.backends import cached_db
from django.contrib.sessions.backends.db import SessionStore as DBStore

from .models import SessionTombstone

TOMBSTONE_CHECK_SECONDS = 1.0

_known = {"checked_at": float("-inf"), "any": False}
_known_lock = threading.Lock()


def _any_tombstone() -> bool:
    """Whether any tombstone exists (asked of the database at most once a second)."""
    with _known_lock:
        if time.monotonic() - _known["checked_at"] < TOMBSTONE_CHECK_SECONDS:
            return _known["any"]
    found = SessionTombstone.objects.exists()
    with _known_lock:
        _known.update(checked_at=time.monotonic(), any=found)
    return found


def _buried(session_key: str) -> bool:
    """Whether a tombstone says the cached copy of this session must not be used."""
    return _any_tombstone() and SessionTombstone.objects.filter(session_key=session_key).exists()


def _cache_down(store: "SessionStore") -> bool:
    return bool(getattr(store._cache, "is_down", False))


class SessionStore(cached_db.SessionStore):
    """cached_db, refusing cached copies of sessions whose removal from the cache failed."""

    def load(self):
        """The session's data, from the cache unless a tombstone says the copy there is dead."""
        key = self._get_or_create_session_key()
        data = None
        try:
            data = self._cache.get(self.cache_key)
        except Exception:  # as Django's: some backends raise on invalid keys
            data = None
        if data is not None and _buried(key):
            self._cache.delete(self.cache_key)
            if not _cache_down(self):
                SessionTombstone.objects.filter(session_key=key).delete()
            data = None
        if data is None:
            session = self._get_session_from_db()
            if session is None:
                return {}
            data = self.decode(session.session_data)
            self._cache.set(self.cache_key, data, self.get_expiry_age(expiry=session.expire_date))
        return data

    def delete(self, session_key=None):
        """Delete from the database first, then from the cache; a failure there is remembered."""
        DBStore.delete(self, session_key)
        if session_key is None:
            if self.session_key is None:
                return
            session_key = self.session_key
        self._cache.delete(self.cache_key_prefix + session_key)
        if _cache_down(self):
            SessionTombstone.objects.get_or_create(session_key=session_key)
            with _known_lock:
                _known.update(checked_at=time.monotonic(), any=True)

"""A canary in Redis that is not the tests' own: the run fails if anything deletes it.

Tests keep to their own key prefix in the database REDIS_URL names. The canary sits beside
them (same database, no prefix) and in the next database: a FLUSHDB, a FLUSHALL or a clear of
another database during the run loses one of them, and the run fails saying so.
"""

from __future__ import annotations

import secrets
from urllib.parse import urlsplit, urlunsplit

KEY = "wwld-canary-not-a-test-key"


class RedisCanary:
    """Canary keys planted before the run and looked for after it."""

    def __init__(self, urls: list[str], value: str) -> None:
        self.urls = urls
        self.value = value

    @classmethod
    def plant(cls, redis_url: str) -> RedisCanary | None:
        """Plant the canaries (None when there is no Redis to guard)."""
        if not redis_url:
            return None
        import redis

        db = int(urlsplit(redis_url).path.lstrip("/") or 0)
        other = urlunsplit(urlsplit(redis_url)._replace(path=f"/{(db + 1) % 16}"))
        canary = cls([redis_url, other], secrets.token_hex(8))
        for url in canary.urls:
            with redis.Redis.from_url(url, socket_timeout=2) as client:
                client.set(f"{KEY}:{canary.value}", canary.value, ex=3600)
        return canary

    def check_and_remove(self) -> list[str]:
        """Where the canary was lost (empty when all survived); removes the survivors."""
        import redis

        lost = []
        for url in self.urls:
            with redis.Redis.from_url(url, socket_timeout=2) as client:
                if client.getdel(f"{KEY}:{self.value}") is None:
                    lost.append(f"a key outside the tests' prefix in {url} was deleted")
        return lost

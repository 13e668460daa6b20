"""Clearing the cache deletes the dashboard's own keys only, never a whole Redis database.

Redis is often shared: the Celery broker uses the same database, and a developer's Redis
holds other work. Django's RedisCache.clear() is FLUSHDB; ours deletes by key prefix.
"""

import secrets
from urllib.parse import urlsplit, urlunsplit

import pytest
import redis
from django.core.cache import cache, caches

from dashboard.platform.cache_backend import FailSoftRedisCache

pytestmark = pytest.mark.redis


def _other_database(url: str) -> str:
    db = int(urlsplit(url).path.lstrip("/") or 0)
    return urlunsplit(urlsplit(url)._replace(path=f"/{(db + 1) % 16}"))


@pytest.fixture
def raw(redis_url):
    """Plain clients of the test database and of the next one; canary keys removed after."""
    same = redis.Redis.from_url(redis_url, socket_timeout=2)
    other = redis.Redis.from_url(_other_database(redis_url), socket_timeout=2)
    planted: list[tuple[redis.Redis, str]] = []

    def plant(client: redis.Redis, key: str) -> str:
        client.set(key, "canary", ex=300)
        planted.append((client, key))
        return key

    yield same, other, plant
    for client, key in planted:
        client.delete(key)
    same.close()
    other.close()


def test_clear_deletes_this_caches_keys_and_leaves_everything_else(raw):
    same, other, plant = raw
    assert isinstance(caches["default"], FailSoftRedisCache), "this test needs the Redis cache"
    tag = secrets.token_hex(4)
    in_same = plant(same, f"celery-queue-{tag}")  # the broker's keys live beside the cache's
    in_other = plant(other, f"someone-elses-{tag}")
    lookalike = plant(same, f"{cache.key_prefix}x:1:{tag}")  # a longer prefix: not ours
    cache.set(f"mine-{tag}", 1)
    cache.set(f"mine-too-{tag}", 2, version=7)

    assert cache.clear() is True

    assert cache.get(f"mine-{tag}") is None
    assert cache.get(f"mine-too-{tag}", version=7) is None
    assert same.get(in_same) == b"canary"
    assert same.get(lookalike) == b"canary"
    assert other.get(in_other) == b"canary"


def test_a_prefix_with_pattern_characters_matches_only_itself(raw, redis_url):
    same, _, plant = raw
    tag = secrets.token_hex(4)
    odd = FailSoftRedisCache(redis_url, {"KEY_PREFIX": f"wwld-test-[{tag}]*?"})
    bystander = plant(same, f"wwld-test-{tag[0]}XY:1:k")  # what an unescaped glob would match
    odd.set("k", 1)

    odd.clear()

    assert odd.get("k") is None
    assert same.get(bystander) == b"canary"

"""Dependency checks for /healthz, each bounded by a short timeout.

The database is essential: without it no page can be served (sessions, users, tokens), so
/healthz answers 503 when it is down. The cache, the broker and WebWork are not: pages fall
back to fetching directly, tasks wait, cached data is shown with a notice. When one of those
is down /healthz still answers 200 with `"status": "degraded"`, so that a load balancer keeps
sending traffic to a process that can serve it.

A worker is known to be consuming when beat's heartbeat task, run by a worker every minute,
has written its time recently; before the first heartbeat the worker is "unknown" (not down).

WebWork is probed with one unauthenticated GET to the API base, at most once per
`WEBWORK_PROBE_TTL` seconds per process and, through the shared cache, across processes:
load-balancer probes every few seconds never turn into calls to WebWork.
"""

import hashlib
import threading
import time

from django.conf import settings
from django.core.cache import cache
from django.db import connection

from dashboard.webwork import probe

ESSENTIAL = ("database",)
WORKER_HEARTBEAT_KEY = "healthz:worker-heartbeat"
WORKER_STALE_AFTER = 180  # seconds: three missed heartbeats
WEBWORK_PROBE_TIMEOUT = 1.0  # seconds, for connecting and for the answer
WEBWORK_PROBE_TTL = 30.0  # seconds a probe result is reused

# Per process: base URL -> (time.time() of the probe, reachable). Guards against probing once
# per request when the shared cache is down.
_webwork_seen: dict[str, tuple[float, bool]] = {}
_webwork_lock = threading.Lock()


def _timed(check) -> dict:
    started = time.perf_counter()
    extra: dict = {}
    try:
        status, detail, *rest = check()
        if rest:
            extra = rest[0]
    except Exception as exc:  # a health check must report, never raise
        status, detail = "down", exc.__class__.__name__
    result = {"status": status, "ms": round((time.perf_counter() - started) * 1000, 1)}
    if detail:
        result["detail"] = detail
    result.update(extra)
    return result


def _database():
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return "ok", connection.vendor


def _cache():
    ping = getattr(cache, "ping", None)
    if ping is not None:
        return ("ok", "redis") if ping() else ("down", "redis unreachable")
    cache.set("healthz", "1", 5)
    return ("ok", "in-process") if cache.get("healthz") == "1" else ("down", "in-process")


def _broker():
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return "ok", "inline tasks (no broker)"
    from config.celery import app

    with app.connection_for_write() as conn:
        # One retry, at once: kombu would otherwise wait 2 s between attempts.
        conn.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=0.5)
    return "ok", "redis"


def worker_heartbeat_record() -> float:
    """A worker ran the heartbeat task: remember when (see `_worker`)."""
    now = time.time()
    cache.set(WORKER_HEARTBEAT_KEY, now, 24 * 3600)
    return now


def _worker():
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return "ok", "inline tasks (no worker)"
    beat = cache.get(WORKER_HEARTBEAT_KEY)
    if not isinstance(beat, int | float):
        return "unknown", "no heartbeat seen yet (beat sends one a minute)"
    age = max(time.time() - beat, 0.0)
    extra = {"age_s": round(age, 1)}
    if age > WORKER_STALE_AFTER:
        return "down", f"no heartbeat for {int(age)} s", extra
    return "ok", "heartbeat", extra


def _webwork_cache_key(base_url: str) -> str:
    return "healthz:webwork:" + hashlib.sha256(base_url.encode()).hexdigest()[:16]


def webwork_reachable(base_url: str | None = None) -> tuple[bool, float]:
    """(reachable, age in seconds of that answer), probing WebWork only when no answer is fresh.

    Fresh means younger than WEBWORK_PROBE_TTL, here in this process or in the shared cache.
    Concurrent callers in one process wait for one probe instead of starting their own.
    """
    base_url = base_url or settings.WEBWORK_API_URL
    seen = _webwork_seen.get(base_url)
    if seen is not None and time.time() - seen[0] < WEBWORK_PROBE_TTL:
        return seen[1], time.time() - seen[0]
    with _webwork_lock:
        seen = _webwork_seen.get(base_url)
        if seen is not None and time.time() - seen[0] < WEBWORK_PROBE_TTL:
            return seen[1], time.time() - seen[0]
        key = _webwork_cache_key(base_url)
        shared = cache.get(key)
        if (
            isinstance(shared, tuple)
            and len(shared) == 2
            and time.time() - shared[0] < WEBWORK_PROBE_TTL
        ):
            checked_at, reachable = shared
        else:
            reachable = probe(base_url, timeout=WEBWORK_PROBE_TIMEOUT)
            checked_at = time.time()
            cache.set(key, (checked_at, reachable), WEBWORK_PROBE_TTL)
        _webwork_seen[base_url] = (checked_at, reachable)
        return reachable, time.time() - checked_at


def forget_webwork_probes() -> None:
    """Drop this process's remembered probe results (the shared cache keeps its own)."""
    with _webwork_lock:
        _webwork_seen.clear()


def _webwork():
    reachable, age = webwork_reachable()
    extra = {"age_s": round(age, 1)}
    return ("ok", "reachable", extra) if reachable else ("down", "unreachable", extra)


CHECKS = {
    "database": _database,
    "cache": _cache,
    "broker": _broker,
    "worker": _worker,
    "webwork": _webwork,
}


def health_report() -> dict:
    """Status of each dependency.

    `status` is "ok" when all are up, "degraded" when only non-essential ones are down, and
    "down" when an essential one is (the process cannot serve pages). A check may also be
    "unknown" (no worker heartbeat seen yet), which counts as neither.
    """
    checks = {name: _timed(check) for name, check in CHECKS.items()}
    down = [name for name, result in checks.items() if result["status"] == "down"]
    status = "down" if any(name in ESSENTIAL for name in down) else "degraded" if down else "ok"
    return {"status": status, "down": down, "checks": checks}

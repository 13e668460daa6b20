"""Dependency checks for /healthz, each bounded by a short timeout."""

import time

from django.conf import settings
from django.core.cache import cache
from django.db import connection


def _timed(check) -> dict:
    started = time.perf_counter()
    try:
        status, detail = check()
    except Exception as exc:  # a health check must report, never raise
        status, detail = "down", exc.__class__.__name__
    result = {"status": status, "ms": round((time.perf_counter() - started) * 1000, 1)}
    if detail:
        result["detail"] = detail
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
        conn.ensure_connection(max_retries=1, timeout=0.5)
    return "ok", "redis"


def health_report() -> dict:
    """Status of each dependency; `status` is "ok" only when all are."""
    checks = {"database": _timed(_database), "cache": _timed(_cache), "broker": _timed(_broker)}
    down = [name for name, result in checks.items() if result["status"] != "ok"]
    return {"status": "degraded" if down else "ok", "down": down, "checks": checks}

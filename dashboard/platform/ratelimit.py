"""Per-person limits on our own workspace pages and actions (S-24).

Each signed-in person may make `RATE_LIMIT_WRITES` POSTs and `RATE_LIMIT_PAGES` other
requests per minute under `/w/`; beyond that the answer is 429 with `Retry-After`. The limits
protect WebWork's allowance (60 calls a minute per person) and the dashboard itself from a
runaway script or a stuck key. Sign-in pages are limited by allauth (`ACCOUNT_RATE_LIMITS`).

Counters are one-minute windows in the shared cache, so every web process counts together.
With Redis down each process counts in its own memory: the same limits, per process.
A hand-written middleware rather than a decorator library: one rule for every workspace
route, and that in-process fallback, which the libraries do not offer.
"""

import logging
import threading
import time
from collections import OrderedDict

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse

from dashboard.platform.error_pages import error_page

logger = logging.getLogger("dashboard.ratelimit")

WINDOW_SECONDS = 60
LIMITED_PREFIX = "/w/"

_local: OrderedDict[str, int] = OrderedDict()
_local_lock = threading.Lock()
_LOCAL_KEYS = 10_000


def _count_locally(key: str) -> int:
    with _local_lock:
        count = _local.pop(key, 0) + 1
        _local[key] = count
        while len(_local) > _LOCAL_KEYS:
            _local.popitem(last=False)
        return count


def hit(key: str) -> int:
    """Count one request against `key` in the current window; return the window's count."""
    if getattr(cache, "is_down", False):
        return _count_locally(key)
    try:
        count = cache.incr(key)  # one round trip for every request but a window's first
    except ValueError:  # no counter yet in this window
        count = 1 if cache.add(key, 1, WINDOW_SECONDS + 10) else _incr_or_none(key)
    if not isinstance(count, int):  # Redis failed softly
        return _count_locally(key)
    return count


def _incr_or_none(key: str) -> int | None:
    try:
        return cache.incr(key)
    except ValueError:
        return None


def _limit_for(request: HttpRequest) -> tuple[str, int]:
    if request.method == "POST":
        return "write", settings.RATE_LIMIT_WRITES
    return "page", settings.RATE_LIMIT_PAGES


class RateLimitMiddleware:
    """429 with Retry-After past a person's per-minute limits on workspace routes."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        """Count, then pass through or refuse."""
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or not request.path.startswith(LIMITED_PREFIX):
            return self.get_response(request)
        kind, limit = _limit_for(request)
        if limit <= 0:  # 0 turns the limit off
            return self.get_response(request)
        now = time.time()
        window = int(now // WINDOW_SECONDS)
        count = hit(f"ratelimit:{kind}:{user.pk}:{window}")
        if count <= limit:
            return self.get_response(request)
        retry_after = max(1, int(WINDOW_SECONDS - now % WINDOW_SECONDS) + 1)
        if count == limit + 1:  # once per window and person
            logger.warning(
                "rate limit reached",
                extra={"kind": kind, "user_id": user.pk, "limit": limit, "path": request.path},
            )
        response = _too_many_requests(request, kind=kind)
        response["Retry-After"] = str(retry_after)
        return response


def _too_many_requests(request: HttpRequest, *, kind: str) -> HttpResponse:
    """429: the person's per-minute limit on our own pages or actions."""
    what = "actions" if kind == "write" else "page views"
    return error_page(
        request,
        429,
        "Slow down a little",
        f"Too many {what} in the last minute. Wait a moment, then try again.",
    )

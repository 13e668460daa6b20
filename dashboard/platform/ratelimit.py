"""Per-person limits on our own workspace pages and actions, per-address limits on sign-in (S-24).

Each signed-in person may make `RATE_LIMIT_WRITES` POSTs and `RATE_LIMIT_PAGES` other
requests per minute under `/w/`; beyond that the answer is 429 with `Retry-After`. The limits
protect WebWork's allowance (60 calls a minute per person) and the dashboard itself from a
runaway script or a stuck key. Starting "Sign in with WebWork", OAuth callbacks and the
admin's password form are limited per client address (`RATE_LIMIT_SIGN_IN`): each callback
costs a token exchange and two WebWork calls, and each admin attempt a password check
(django-axes also locks a username out after five wrong passwords).

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
from django.utils.translation import gettext as _

from dashboard.platform.error_pages import error_page

logger = logging.getLogger("dashboard.ratelimit")

WINDOW_SECONDS = 60
LIMITED_PREFIX = "/w/"
OAUTH_START = "/accounts/webwork/login/"
OAUTH_CALLBACK = "/accounts/webwork/login/callback/"
ADMIN_SIGN_IN = "/admin/login/"

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


def _limit_for(request: HttpRequest) -> tuple[str, str, int] | None:
    """(kind, whose count, limit) for a request that is counted, else None."""
    path = request.path
    is_post = request.method == "POST"
    if path == OAUTH_CALLBACK or (is_post and path in (OAUTH_START, ADMIN_SIGN_IN)):
        return "sign-in", request.META.get("REMOTE_ADDR", ""), settings.RATE_LIMIT_SIGN_IN
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not path.startswith(LIMITED_PREFIX):
        return None
    if is_post:
        return "write", str(user.pk), settings.RATE_LIMIT_WRITES
    return "page", str(user.pk), settings.RATE_LIMIT_PAGES


class RateLimitMiddleware:
    """429 with Retry-After past a person's per-minute limits on workspace routes, or an
    address's on sign-in."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        """Count, then pass through or refuse."""
        limited = _limit_for(request)
        if limited is None:
            return self.get_response(request)
        kind, whose, limit = limited
        if limit <= 0:  # 0 turns the limit off
            return self.get_response(request)
        now = time.time()
        window = int(now // WINDOW_SECONDS)
        count = hit(f"ratelimit:{kind}:{whose}:{window}")
        if count <= limit:
            return self.get_response(request)
        retry_after = max(1, int(WINDOW_SECONDS - now % WINDOW_SECONDS) + 1)
        if count == limit + 1:  # once per window and person
            logger.warning(
                "rate limit reached",
                extra={"kind": kind, "whose": whose, "limit": limit, "path": request.path},
            )
        response = _too_many_requests(request, kind=kind)
        response["Retry-After"] = str(retry_after)
        return response


def _too_many_requests(request: HttpRequest, *, kind: str) -> HttpResponse:
    """429: the person's per-minute limit on our own pages or actions, or sign-in's."""
    message = {
        "write": _("Too many actions in the last minute. Wait a moment, then try again."),
        "page": _("Too many page views in the last minute. Wait a moment, then try again."),
        "sign-in": _(
            "Too many sign-in attempts in the last minute. Wait a moment, then try again."
        ),
    }[kind]
    return error_page(request, 429, _("Slow down a little"), message)

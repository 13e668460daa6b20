"""Cross-cutting request handling: request log, session timeouts, HTMX plumbing, no-store."""

import logging
import re
import time
import uuid
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.middleware import LoginRequiredMiddleware
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.urls import Resolver404, resolve
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django_htmx.http import HttpResponseClientRedirect

from dashboard.webwork import AuthExpired, record_calls
from dashboard.webwork_oauth.signals import SESSION_AUTH_AT
from dashboard.webwork_oauth.tokens import ReauthRequired, upstream_deadline

logger = logging.getLogger("dashboard.request")

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")

SESSION_SEEN_AT = "seen_at"
# Refresh the idle clock at most this often, to avoid a session write on every request.
SEEN_AT_GRANULARITY = 60


def page_to_return_to(request: HttpRequest) -> str:
    """Where someone asked to sign in (again) goes back to afterwards.

    The page itself for a GET. An action (approve, reject, refresh...) answers POST only, so a
    `next` pointing at it would land on an empty 405: instead, the page the action came from
    (htmx's `HX-Current-URL`, else the `Referer`, on this site only), else its workspace's inbox.
    """
    if request.method in ("GET", "HEAD"):
        return request.get_full_path()
    for url in (request.headers.get("HX-Current-URL"), request.headers.get("Referer")):
        if url and url_has_allowed_host_and_scheme(
            url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            parts = urlsplit(url)
            return (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    try:
        workspace_id = resolve(request.path_info).kwargs.get("workspace_id")
    except Resolver404:
        workspace_id = None
    return f"/w/{workspace_id}/" if workspace_id else "/"


class SignInRequiredMiddleware(LoginRequiredMiddleware):
    """Django's LoginRequiredMiddleware, sending an action's POST back to its page after sign-in."""

    def handle_no_permission(self, request: HttpRequest, view_func) -> HttpResponse:
        """Redirect to sign in, with `next` the page to come back to."""
        return redirect_to_login(
            page_to_return_to(request),
            self.get_login_url(view_func),
            self.get_redirect_field_name(view_func),
        )


class RequestLogMiddleware:
    """Log one JSON line per request with its id, user, workspace and upstream calls.

    It also bounds the request's time with WebWork: every call made while the request runs
    shares one deadline, so a hanging WebWork costs a page seconds, not minutes of retries.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        """Time the request, collect upstream calls and log them."""
        incoming = request.headers.get("X-Request-Id", "")
        request.request_id = incoming if _REQUEST_ID.match(incoming) else uuid.uuid4().hex
        started = time.perf_counter()
        # Seconds this request may spend waiting for WebWork in all, retries included.
        with record_calls() as calls, upstream_deadline(settings.WEBWORK_REQUEST_BUDGET):
            response = self.get_response(request)
        response["X-Request-Id"] = request.request_id
        elapsed_ms = (time.perf_counter() - started) * 1000
        # Server time for browsers' dev tools and the benchmark; no details beyond durations.
        response["Server-Timing"] = (
            f"app;dur={elapsed_ms:.1f}, "
            f'upstream;dur={sum(c.elapsed_ms for c in calls):.1f};desc="{len(calls)} calls"'
        )
        if request.path.startswith(settings.STATIC_URL):
            return response
        user = getattr(request, "user", None)
        match = getattr(request, "resolver_match", None)
        logger.info(
            "%s %s %s",
            request.method,
            request.path,
            response.status_code,
            extra={
                "request_id": request.request_id,
                "method": request.method,
                "path": request.path,
                "status": response.status_code,
                "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                "user_id": user.pk if user is not None and user.is_authenticated else None,
                "workspace_id": match.kwargs.get("workspace_id") if match else None,
                "htmx": bool(request.headers.get("HX-Request")),
                "upstream_calls": len(calls),
                "upstream_ms": round(sum(c.elapsed_ms for c in calls), 1),
                "upstream": [f"{c.method} {c.path} {c.status}" for c in calls][:20],
            },
        )
        return response


class SessionTimeoutMiddleware:
    """Sign people out after an idle period and after an absolute session lifetime."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        """Check both clocks before the view runs."""
        if request.user.is_authenticated:
            now = int(time.time())
            session = request.session
            auth_at = session.setdefault(SESSION_AUTH_AT, now)
            # Idle time counts from sign-in until the first request has been seen.
            seen_at = session.get(SESSION_SEEN_AT, auth_at)
            idle = now - seen_at > settings.SESSION_IDLE_TIMEOUT
            expired = now - auth_at > settings.SESSION_ABSOLUTE_TIMEOUT
            if idle or expired:
                logout(request)
                messages.info(request, _("Your session expired. Sign in again to continue."))
                return redirect_to_login(page_to_return_to(request), settings.LOGIN_URL)
            if now - seen_at >= SEEN_AT_GRANULARITY or SESSION_SEEN_AT not in session:
                session[SESSION_SEEN_AT] = now
        return self.get_response(request)


class HtmxMessagesMiddleware:
    """For HTMX requests: send messages out of band and turn redirects into client redirects.

    htmx follows a 302 inside the XHR, which would swap a login page into a table row; an
    `HX-Redirect` makes the browser navigate instead.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        """Post-process HTMX responses."""
        response = self.get_response(request)
        if not getattr(request, "htmx", False):
            return response
        patch_vary_headers(response, ("HX-Request",))
        if 300 <= response.status_code < 400 and response.has_header("Location"):
            return HttpResponseClientRedirect(response["Location"])
        if response.status_code >= 300 or response.streaming:
            return response
        if "text/html" not in response.get("Content-Type", ""):
            return response
        pending = list(messages.get_messages(request))
        if pending:
            response.write(
                render_to_string(
                    "partials/toasts.html", {"toasts": pending, "oob": True}, request=request
                )
            )
        return response


class NoStoreMiddleware:
    """Signed-in pages must not be kept by browsers or proxies (shared phones, back button)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        """Mark responses to signed-in users as no-store."""
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            patch_cache_control(response, no_store=True, private=True)
        return response


class ReauthMiddleware:
    """WebWork no longer accepts this person's sign-in: end the session and ask again.

    Raised from deep inside a page (token refresh refused, token unreadable, a 401 after a
    fresh token); HTMX requests get a client redirect via HtmxMessagesMiddleware.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        """Pass through."""
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception):
        """Sign out and send to the sign-in page with a message."""
        if not isinstance(exception, (ReauthRequired, AuthExpired)):
            return None
        logger.info(
            "sign-in with WebWork required again",
            extra={"reason": exception.__class__.__name__},
        )
        logout(request)
        messages.warning(
            request, _("Your WebWork sign-in has expired. Sign in with WebWork again.")
        )
        return redirect_to_login(page_to_return_to(request), settings.LOGIN_URL)

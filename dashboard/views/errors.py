"""Friendly error pages (and HTMX-aware CSRF failures) that never show internals."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.csrf import requires_csrf_token

from dashboard.views.htmx import toast_trigger


def _error(request: HttpRequest, status: int, title: str, message: str) -> HttpResponse:
    response = render(
        request,
        "errors/error.html",
        {
            "status": status,
            "title": title,
            "message": message,
            "request_id": getattr(request, "request_id", ""),
        },
        status=status,
    )
    if getattr(request, "htmx", False):
        toast_trigger(response, message, level="error")
    return response


@requires_csrf_token
def bad_request(request: HttpRequest, exception=None) -> HttpResponse:
    """400."""
    return _error(
        request, 400, "That request didn't look right", "Check the address and try again."
    )


@requires_csrf_token
def permission_denied(request: HttpRequest, exception=None) -> HttpResponse:
    """403."""
    return _error(
        request, 403, "You can't open this", "Your account doesn't have access to this page."
    )


@requires_csrf_token
def page_not_found(request: HttpRequest, exception=None) -> HttpResponse:
    """404: also what a workspace you don't manage looks like."""
    return _error(
        request,
        404,
        "Page not found",
        "This page doesn't exist, or it belongs to a workspace you don't manage.",
    )


@requires_csrf_token
def server_error(request: HttpRequest) -> HttpResponse:
    """500: no traceback, just the request id to quote."""
    return _error(
        request,
        500,
        "Something went wrong on our side",
        "The problem has been logged. Try again in a moment.",
    )


def too_many_requests(request: HttpRequest, *, kind: str) -> HttpResponse:
    """429: the person's per-minute limit on our own pages or actions (dashboard.ratelimit)."""
    what = "actions" if kind == "write" else "page views"
    return _error(
        request,
        429,
        "Slow down a little",
        f"Too many {what} in the last minute. Wait a moment, then try again.",
    )


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """403 on a missing or stale CSRF token: say so, and for HTMX show a toast to reload."""
    return _error(
        request,
        403,
        "This page was open too long",
        "Your session changed since this page loaded. Reload the page and try again.",
    )

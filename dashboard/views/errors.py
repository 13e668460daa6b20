"""Friendly error pages (and HTMX-aware CSRF failures) that never show internals."""

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import requires_csrf_token

from dashboard.platform.error_pages import error_page


@requires_csrf_token
def bad_request(request: HttpRequest, exception=None) -> HttpResponse:
    """400."""
    return error_page(
        request, 400, _("That request didn't look right"), _("Check the address and try again.")
    )


@requires_csrf_token
def permission_denied(request: HttpRequest, exception=None) -> HttpResponse:
    """403."""
    return error_page(
        request,
        403,
        _("You can't open this"),
        _("Your account doesn't have access to this page."),
    )


@requires_csrf_token
def page_not_found(request: HttpRequest, exception=None) -> HttpResponse:
    """404: also what a workspace you don't manage looks like."""
    return error_page(
        request,
        404,
        _("Page not found"),
        _("This page doesn't exist, or it belongs to a workspace you don't manage."),
    )


@requires_csrf_token
def server_error(request: HttpRequest) -> HttpResponse:
    """500: no traceback, just the request id to quote."""
    return error_page(
        request,
        500,
        _("Something went wrong on our side"),
        _("The problem has been logged. Try again in a moment."),
    )


def admin_locked_out(request: HttpRequest, *_axes_arguments) -> HttpResponse:
    """429 from django-axes (which also passes its response and the credentials, unused): too
    many wrong passwords on the admin's sign-in."""
    return error_page(
        request,
        429,
        _("Too many wrong passwords"),
        _("Signing in here is locked for an hour after five wrong passwords. Try again later."),
    )


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """403 on a missing or stale CSRF token: say so, and for HTMX show a toast to reload."""
    return error_page(
        request,
        403,
        _("This page was open too long"),
        _("Your session changed since this page loaded. Reload the page and try again."),
    )

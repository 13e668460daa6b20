"""Error pages in the site's own frame that never show internals; HTMX callers also get a toast.

htmx 2 does not swap 4xx/5xx answers, so a toast (sent through HX-Trigger, which htmx reads on
any status) is how an HTMX request learns what went wrong.
"""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django_htmx.http import trigger_client_event


def error_page(
    request: HttpRequest,
    status: int,
    title: str,
    message: str,
    back: tuple[str, str] | None = None,
) -> HttpResponse:
    """The error page with `status`, and for HTMX a toast carrying `message`; `back` is a
    (url, label) link to where the person most likely wants to go."""
    response = render(
        request,
        "errors/error.html",
        {
            "status": status,
            "title": title,
            "message": message,
            "back": back,
            "request_id": getattr(request, "request_id", ""),
        },
        status=status,
    )
    if getattr(request, "htmx", False):
        trigger_client_event(response, "toast", {"message": str(message), "level": "error"})
    return response

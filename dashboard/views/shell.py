"""Shell first: a page whose data is not all held answers at once with its frame, then fills in.

A browser that runs the dashboard's script carries the `wwld_js` cookie (set by app.js). When
such a browser opens a page whose data would have to be read from WebWork, the page is
answered at once with the frame (navigation, heading, skeleton of reserved size) and no call to
WebWork; the skeleton asks htmx for the page again with `X-Shell-Fill`, and that request is
answered as the full page, read from WebWork as before, whose `<main>` replaces the skeleton.

Without the cookie (no JavaScript, or its first page) nothing changes: the page is rendered in
full, server-side, in one response. A page whose data is held is always rendered in full.
"""

from collections.abc import Callable
from functools import wraps

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django_htmx.middleware import HtmxDetails

from dashboard.platform.cache import NotCached, cache_only

JS_COOKIE = "wwld_js"
FILL_HEADER = "X-Shell-Fill"
FULL_PARAMETER = "full"  # ?full=1: render in full (the shell's no-script fallback)


def shell_first(title: str) -> Callable[[Callable], Callable]:
    """Answer the page with its frame while its data is not held (see the module's docstring).

    `title` names the page in the shell's heading and title until the data arrives.
    """

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(request: HttpRequest, workspace_id: int, *args, **kwargs) -> HttpResponse:
            if request.headers.get(FILL_HEADER) == "1":
                _as_full_page(request)
                return view(request, workspace_id, *args, **kwargs)
            if not _may_answer_with_shell(request):
                return view(request, workspace_id, *args, **kwargs)
            try:
                with cache_only():  # a read that would ask WebWork raises NotCached
                    return view(request, workspace_id, *args, **kwargs)
            except NotCached:
                return _shell(request, title)

        return wrapper

    return decorate


def _may_answer_with_shell(request: HttpRequest) -> bool:
    return (
        request.method == "GET"
        and not request.htmx
        and request.COOKIES.get(JS_COOKIE) == "1"
        and FULL_PARAMETER not in request.GET
    )


def _as_full_page(request: HttpRequest) -> None:
    """The fill is an htmx request that wants the whole page (htmx picks its `<main>`)."""
    request.META.pop("HTTP_HX_REQUEST", None)
    request.__dict__.pop("headers", None)  # HttpRequest.headers is cached
    request.htmx = HtmxDetails(request)


def _shell(request: HttpRequest, title: str) -> HttpResponse:
    query = request.GET.copy()
    query[FULL_PARAMETER] = "1"
    context = {
        "page_title": title,
        "fill_url": request.get_full_path(),
        "full_url": f"{request.path}?{query.urlencode()}",
        "fill_header": FILL_HEADER,
    }
    return render(request, "dashboard/shell.html", context)

"""Small HTMX helpers shared by views."""

from django.http import HttpRequest, HttpResponse
from django_htmx.http import trigger_client_event


class HtmxHttpRequest(HttpRequest):
    """A request with django-htmx's `htmx` attribute (for type checkers)."""

    from django_htmx.middleware import HtmxDetails

    htmx: HtmxDetails


def toast_trigger(response: HttpResponse, message: str, *, level: str = "info") -> HttpResponse:
    """Ask the page to show a toast; htmx processes HX-Trigger even on error statuses."""
    return trigger_client_event(response, "toast", {"message": message, "level": level})

"""Small HTMX helpers shared by views."""

from django.http import HttpResponse
from django_htmx.http import trigger_client_event


def toast_trigger(response: HttpResponse, message: str, *, level: str = "info") -> HttpResponse:
    """Ask the page to show a toast; htmx processes HX-Trigger even on error statuses."""
    return trigger_client_event(response, "toast", {"message": message, "level": level})

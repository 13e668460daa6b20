"""Django's LocaleMiddleware, deaf to an Accept-Language header no browser would send."""

from django.http import HttpRequest
from django.middleware.locale import LocaleMiddleware

# Browsers send a few dozen characters. Django reads the first 500 of a longer header; one of
# several kilobytes is noise or an attack, so the page is simply in the default language.
ACCEPT_LANGUAGE_MAX_LENGTH = 500


class BoundedLocaleMiddleware(LocaleMiddleware):
    """Choose the language as Django does, ignoring an oversized Accept-Language header."""

    def process_request(self, request: HttpRequest) -> None:
        """Drop an oversized header, then let Django choose (cookie, header, default)."""
        if len(request.META.get("HTTP_ACCEPT_LANGUAGE", "")) > ACCEPT_LANGUAGE_MAX_LENGTH:
            del request.META["HTTP_ACCEPT_LANGUAGE"]
        super().process_request(request)

"""The language a person reads the dashboard in: their pick, else their browser's.

Django's LocaleMiddleware reads the language cookie, else Accept-Language (a header that is
too long or unreadable gives English). The picker sets the cookie for this browser and, for a
signed-in person, saves the choice so that it follows them to other devices and into e-mails.
The saved choice rides in the session (copied there at sign-in, `dashboard/signals.py`), so no
request reads the database for it.
"""

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from dashboard.selectors.language import SESSION_LANGUAGE, supported_language
from dashboard.services.preferences import viewer_language_choose


class ViewerLanguageMiddleware:
    """Activate a signed-in person's saved language for the request (after LocaleMiddleware),
    from their session."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        """Serve the request in the saved language, if the person saved one."""
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            chosen = supported_language(request.session.get(SESSION_LANGUAGE))
            if chosen is not None and chosen != request.LANGUAGE_CODE:
                translation.activate(chosen)
                request.LANGUAGE_CODE = chosen
        return self.get_response(request)


def _back_to(request: HttpRequest) -> str:
    """The page the picker was on (this site only), else the home page."""
    for url in (request.POST.get("next"), request.headers.get("Referer")):
        if url and url_has_allowed_host_and_scheme(
            url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            return url
    return "/"


@login_not_required
@require_POST
def language_choose(request: HttpRequest) -> HttpResponse:
    """Save the language picked ("" goes back to the browser's); back to the same page.

    A code the dashboard does not offer changes nothing.
    """
    response = HttpResponseRedirect(_back_to(request))
    picked = request.POST.get("language", "")
    if picked and supported_language(picked) is None:
        return response
    if request.user.is_authenticated:
        viewer_language_choose(user_id=request.user.pk, language=picked)
        request.session[SESSION_LANGUAGE] = picked
    if picked:
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            picked,
            max_age=settings.LANGUAGE_COOKIE_AGE,
            path=settings.LANGUAGE_COOKIE_PATH,
            secure=settings.LANGUAGE_COOKIE_SECURE,
            httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
            samesite=settings.LANGUAGE_COOKIE_SAMESITE,
        )
    else:
        response.delete_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            path=settings.LANGUAGE_COOKIE_PATH,
            samesite=settings.LANGUAGE_COOKIE_SAMESITE,
        )
    return response

"""System checks for settings that `check --deploy` does not cover."""

from django.conf import settings
from django.core.checks import Error, Warning, register


@register(deploy=True)
def security_settings_check(app_configs, **kwargs):
    """CSP, PKCE, login-on-GET, the encryption key and socket timeouts must be in place."""
    problems = []
    if not settings.SECURE_CSP:
        problems.append(
            Error("SECURE_CSP is empty: no Content-Security-Policy header", id="dashboard.E001")
        )
    if not settings.WEBWORK_PKCE:
        problems.append(
            Warning("WEBWORK_PKCE is off: sign-in runs without PKCE", id="dashboard.W002")
        )
    if settings.SOCIALACCOUNT_LOGIN_ON_GET:
        problems.append(
            Error("SOCIALACCOUNT_LOGIN_ON_GET must stay False (login CSRF)", id="dashboard.E003")
        )
    if not settings.TOKEN_ENCRYPTION_KEY:
        problems.append(Error("TOKEN_ENCRYPTION_KEY is not set", id="dashboard.E004"))
    options = settings.CACHES["default"].get("OPTIONS", {})
    if "redis" in settings.CACHES["default"]["BACKEND"].lower() and not options.get(
        "socket_timeout"
    ):
        problems.append(Warning("Redis cache without socket_timeout", id="dashboard.W005"))
    return problems

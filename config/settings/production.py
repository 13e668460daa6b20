"""Production settings: refuse to start without real secrets, HTTPS everywhere."""

from django.core.exceptions import ImproperlyConfigured

from .base import *

DEBUG = env_bool("DEBUG", False)

_missing = [
    name
    for name, value in {
        "SECRET_KEY": SECRET_KEY,
        "TOKEN_ENCRYPTION_KEY": TOKEN_ENCRYPTION_KEY,
        "WEBWORK_CLIENT_ID": WEBWORK_CLIENT_ID,
        "WEBWORK_CLIENT_SECRET": WEBWORK_CLIENT_SECRET,
        "ALLOWED_HOSTS": env.str("ALLOWED_HOSTS", default=""),
    }.items()
    if not value
]
if _missing:
    raise ImproperlyConfigured(
        "Production settings need these environment variables: " + ", ".join(_missing)
    )
if len(SECRET_KEY) < 50 or SECRET_KEY.startswith(("django-insecure", "change-me")):
    raise ImproperlyConfigured("SECRET_KEY must be a random value of at least 50 characters")

# Behind a TLS-terminating proxy: trust its X-Forwarded-Proto so that the OAuth redirect URI
# is built with https (WebWork requires an exact match).
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
# /healthz is probed over plain HTTP by load balancers and container health checks.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = 31536000
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SESSION_COOKIE_NAME = "__Host-sessionid"
CSRF_COOKIE_NAME = "__Host-csrftoken"
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https"

STORAGES["staticfiles"]["BACKEND"] = "whitenoise.storage.CompressedManifestStaticFilesStorage"

# Django 6.1 checks for a mail backend that can actually deliver (mail.E001).
EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.smtp.EmailBackend")

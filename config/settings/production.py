"""Production settings: refuse to start without real secrets, HTTPS everywhere.

One exception exists, for `docker compose --profile demo up` on a laptop: compose.yaml falls
back to demo-only values (a SECRET_KEY and a TOKEN_ENCRYPTION_KEY marked `demo-only`, the
sandbox's client id and secret). With any of them the dashboard runs as that demo: plain HTTP,
answering only to localhost, talking to a WebWork over plain http (the sandbox). Anywhere else
those values are refused, naming each one.
"""

import base64
import binascii
from urllib.parse import urlsplit

from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured

from .base import *

DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = [host.strip() for host in ALLOWED_HOSTS if host.strip()]

# --------------------------------------------------------------------------- required values
_missing = [
    name
    for name, value in {
        "SECRET_KEY": SECRET_KEY,
        "TOKEN_ENCRYPTION_KEY": TOKEN_ENCRYPTION_KEY.strip(" ,"),
        "WEBWORK_CLIENT_ID": WEBWORK_CLIENT_ID,
        "WEBWORK_CLIENT_SECRET": WEBWORK_CLIENT_SECRET,
        # Set explicitly: base's default (localhost) is for development only.
        "ALLOWED_HOSTS": env.str("ALLOWED_HOSTS", default="").strip(" ,"),
    }.items()
    if not value
]
if _missing:
    raise ImproperlyConfigured(
        "Production settings need these environment variables: " + ", ".join(_missing)
    )
if len(SECRET_KEY) < 50 or SECRET_KEY.startswith(("django-insecure", "change-me")):
    raise ImproperlyConfigured("SECRET_KEY must be a random value of at least 50 characters")

_token_keys = [key.strip() for key in TOKEN_ENCRYPTION_KEY.split(",") if key.strip()]
try:
    for _key in _token_keys:
        Fernet(_key.encode())
except ValueError:
    raise ImproperlyConfigured(
        "TOKEN_ENCRYPTION_KEY must be comma-separated Fernet keys (32 url-safe base64-encoded "
        'bytes each); generate one with: python -c "from cryptography.fernet import Fernet; '
        'print(Fernet.generate_key().decode())"'
    ) from None

# --------------------------------------------------------------------------- the local demo
DEMO_MARK = "demo-only"
SANDBOX_CLIENT_ID = "sandbox-client"
SANDBOX_CLIENT_SECRET = "sandbox-secret"  # noqa: S105 - the sandbox's public demo client
LOOPBACK_HOSTS = {"localhost", "127.0.0.1", "[::1]"}


def _is_demo_fernet_key(key: str) -> bool:
    try:
        return base64.urlsafe_b64decode(key.encode()).startswith(DEMO_MARK.encode())
    except (binascii.Error, ValueError):
        return False


_demo_values = [
    name
    for name, is_demo in {
        "SECRET_KEY": DEMO_MARK in SECRET_KEY,
        "TOKEN_ENCRYPTION_KEY": any(_is_demo_fernet_key(key) for key in _token_keys),
        "WEBWORK_CLIENT_ID": WEBWORK_CLIENT_ID == SANDBOX_CLIENT_ID,
        "WEBWORK_CLIENT_SECRET": WEBWORK_CLIENT_SECRET == SANDBOX_CLIENT_SECRET,
    }.items()
    if is_demo
]
DEMO = bool(_demo_values)
if DEMO:
    _webwork_urls = [WEBWORK_API_URL, WEBWORK_OAUTH_URL, WEBWORK_OAUTH_BROWSER_URL]
    _local_only = all(host in LOOPBACK_HOSTS for host in ALLOWED_HOSTS)
    _sandbox_only = all(urlsplit(url).scheme == "http" for url in _webwork_urls if url)
    if not (_local_only and _sandbox_only):
        raise ImproperlyConfigured(
            f"{', '.join(_demo_values)}: demo-only values, accepted only for the local demo "
            "(ALLOWED_HOSTS of localhost/127.0.0.1 only, WebWork reached over plain http: the "
            "sandbox). Set real values; see docs/operations.md."
        )

# --------------------------------------------------------------------------- HTTPS
# Behind a TLS-terminating proxy: trust its X-Forwarded-Proto so that the OAuth redirect URI
# is built with https (WebWork requires an exact match). The proxy must set the header itself
# (overwriting any the client sent), and the app port must be reachable only through it.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# /healthz is probed over plain HTTP by load balancers and container health checks.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
if DEMO:
    # http://localhost:8000 in a browser: no TLS, so no redirect, no Secure cookies, no HSTS.
    SECURE_SSL_REDIRECT = False
    SECURE_HSTS_SECONDS = 0
    ACCOUNT_DEFAULT_HTTP_PROTOCOL = "http"
else:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = 31536000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"
    LANGUAGE_COOKIE_SECURE = True
    LANGUAGE_COOKIE_NAME = "__Host-language"
    ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https"

# --------------------------------------------------------------------------- services
# Hashed, compressed file names collected at image build time; whitenoise serves them.
STORAGES["staticfiles"]["BACKEND"] = "whitenoise.storage.CompressedManifestStaticFilesStorage"

if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # A database that does not answer must fail a request (and /healthz) in seconds, not hang.
    # `?connect_timeout=N` in DATABASE_URL overrides it.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("connect_timeout", 5)

# Worker and beat keep logging through LOGGING (JSON lines), not Celery's own text format.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False

# The dashboard sends no email: sign-in is WebWork's, with no verification or password mail,
# and ADMINS is empty. Django 6.1 configures mail through MAILERS (the EMAIL_* settings are
# deprecated) and `check --deploy` refuses development backends there (mail.E001). Should
# anything ever send, it goes to an SMTP server on localhost:25 and fails loudly without one;
# it is never silently dropped or printed.
MAILERS = {"default": {"BACKEND": "django.core.mail.backends.smtp.EmailBackend"}}

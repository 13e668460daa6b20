"""Settings shared by every environment, each read from the environment once.

`local`, `test` and `production` override a handful of values. Every variable is listed with a
comment in `.env.example`; `docs/operations.md` explains each in more depth.
"""

from pathlib import Path
from urllib.parse import urlsplit

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

from dashboard.platform.static_headers import add_static_headers

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
# A `.env` file at the repository root is read when present; real environment variables win.
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)


def env_bool(name: str, default: bool) -> bool:
    """Read a strict boolean: 1/0, true/false, yes/no, on/off; anything else is an error."""
    raw = env.str(name, default="").strip().lower()
    if raw == "":
        return default
    if raw in {"1", "true", "yes", "on"}:
        return True
    if raw in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (true/false), not {raw!r}")


def env_int(name: str, default: int, *, minimum: int = 0) -> int:
    """Read an integer not below `minimum`, naming the variable when it is malformed."""
    raw = env.str(name, default="").strip()
    if raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be an integer, not {raw!r}") from None
    if value < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}, not {value}")
    return value


def env_url(name: str, default: str) -> str:
    """Read an http(s) URL without a trailing slash."""
    value = env.str(name, default=default).strip().rstrip("/")
    parts = urlsplit(value)
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        raise ImproperlyConfigured(f"{name} must be an http(s) URL, not {value!r}")
    return value


def origin_of(url: str) -> str:
    """Return scheme://host[:port] of a URL (for CSP form-action)."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


# --------------------------------------------------------------------------- core
SECRET_KEY = env.str("SECRET_KEY", default="")
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
    "axes",
    "dashboard.webwork_oauth",
    "dashboard",
]

MIDDLEWARE = [
    "dashboard.platform.middleware.RequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Pages compressed for browsers that accept it (the calendar's 700 KB of HTML is about 40 KB
    # on a phone's link); below whitenoise, whose static files come compressed already. Django
    # pads each response against BREACH, and CSRF tokens are masked per response.
    "django.middleware.gzip.GZipMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # The language: the person's pick (a cookie) else the browser's Accept-Language, else English.
    "dashboard.platform.locale.BoundedLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # A signed-in person's saved language wins over the browser's (any device, and e-mails).
    "dashboard.views.language.ViewerLanguageMiddleware",
    # Times shown in the signed-in person's zone (their choice, else WebWork's).
    "dashboard.views.zones.ViewerZoneMiddleware",
    # Inside the messages middleware and outside everything that may redirect or add messages.
    "dashboard.platform.middleware.HtmxMessagesMiddleware",
    "dashboard.platform.middleware.NoStoreMiddleware",
    # Django's LoginRequiredMiddleware; an action's POST comes back to its page after sign-in.
    "dashboard.platform.middleware.SignInRequiredMiddleware",
    "dashboard.platform.middleware.SessionTimeoutMiddleware",
    "dashboard.platform.ratelimit.RateLimitMiddleware",
    "dashboard.platform.middleware.ReauthMiddleware",
    # Last, as django-axes asks: refuses the admin's sign-in while it is locked out.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "dashboard.views.context_processors.frame",
            ],
            "libraries": {"fragments": "dashboard.views.fragments"},
        },
    },
]

# --------------------------------------------------------------------------- database
# SQLite by default so the product runs with no services; DATABASE_URL switches to PostgreSQL.
DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["CONN_MAX_AGE"] = env_int("DATABASE_CONN_MAX_AGE", 60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers work while one request writes (runserver and gunicorn use threads).
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --------------------------------------------------------------------------- cache and jobs
# No REDIS_URL: in-process cache and Celery tasks run inline. With REDIS_URL: Django's RedisCache
# (short socket timeouts, failing soft) and a Celery worker and beat on the same Redis.
REDIS_URL = env.str("REDIS_URL", default="").strip()
CACHE_SOCKET_TIMEOUT = float(env.str("CACHE_SOCKET_TIMEOUT", default="0.5"))

if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "dashboard.platform.cache_backend.FailSoftRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "wwld",
            # Bump when the shape of cached records changes, so an upgrade never reads
            # values pickled by the previous release.
            "VERSION": 2,
            "OPTIONS": {
                "serializer": "dashboard.platform.cache_backend.SharedUnpickler",
                "socket_timeout": CACHE_SOCKET_TIMEOUT,
                "socket_connect_timeout": CACHE_SOCKET_TIMEOUT,
                "retry_on_timeout": False,
            },
        }
    }
    # Sessions are read from Redis and written to both it and the database: one query less
    # per request, and nobody is signed out while Redis is down (the database still answers).
    # A copy left in Redis by a sign-out that could not reach it is refused (S-12).
    SESSION_ENGINE = "dashboard.webwork_oauth.sessions"
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "wwld",
            "OPTIONS": {"MAX_ENTRIES": 5000},
        }
    }

CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="") or REDIS_URL or "memory://"
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = "UTC"
# Enqueueing must never hold up a web request for long (a paused broker would block for 15 s).
CELERY_BROKER_CONNECTION_TIMEOUT = 0.5
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "socket_timeout": 0.5,
    "socket_connect_timeout": 0.5,
    "visibility_timeout": 3600,
    "max_retries": 1,
}
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.1,
    "interval_max": 0.2,
}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# How often beat refreshes balances, members and policies of every active workspace.
WORKSPACE_REFRESH_MINUTES = env_int("WORKSPACE_REFRESH_MINUTES", 10, minimum=1)
CELERY_BEAT_SCHEDULE = {
    "refresh-active-workspaces": {
        "task": "dashboard.tasks.workspaces_refresh_task",
        "schedule": WORKSPACE_REFRESH_MINUTES * 60.0,
    },
    # The read model of every workspace someone is looking at (or with calendar feeds) is
    # brought in step every minute, within SYNC_BUDGET_PER_MINUTE.
    "sync-watched-datasets": {
        "task": "dashboard.tasks.datasets_sync_task",
        "schedule": 60.0,
        "options": {"expires": 50},
    },
    "refresh-expiring-tokens": {
        "task": "dashboard.tasks.tokens_refresh_task",
        "schedule": 6 * 3600.0,
    },
    # Digests are due at each person's chosen local hour: look every five minutes.
    "send-due-digests": {
        "task": "dashboard.tasks.digests_due_send_task",
        "schedule": 300.0,
        "options": {"expires": 280},
    },
    # Expired sessions (Django's clearsessions) and old session tombstones.
    "clear-sessions": {
        "task": "dashboard.tasks.sessions_clear_task",
        "schedule": 24 * 3600.0,
    },
    # Alert deliveries that ended more than 30 days ago.
    "prune-alert-history": {
        "task": "dashboard.tasks.alert_history_prune_task",
        "schedule": 24 * 3600.0,
    },
    # Held decisions past their undo window whose countdown task was lost (worker restart).
    "send-held-decisions": {
        "task": "dashboard.tasks.held_decisions_sweep_task",
        "schedule": 5.0,
        "options": {"expires": 4},
    },
    # Bulk decisions a restarted worker left half done.
    "resume-bulk-decisions": {
        "task": "dashboard.tasks.bulk_runs_resume_task",
        "schedule": 30.0,
        "options": {"expires": 25},
    },
    # /healthz reports the worker down when no heartbeat arrived for three minutes.
    "worker-heartbeat": {
        "task": "dashboard.tasks.worker_heartbeat_task",
        "schedule": 60.0,
        "options": {"expires": 50},
    },
}

# --------------------------------------------------------------------------- WebWork
WEBWORK_API_URL = env_url("WEBWORK_API_URL", "https://api.webwork-tracker.com/api/v2")
WEBWORK_OAUTH_URL = env_url("WEBWORK_OAUTH_URL", "https://webwork-tracker.com/oauth")
# Where browsers are sent to sign in ({...}/authorize), when they reach WebWork at another
# address than this server does (the compose demo: the sandbox is http://localhost:8001 for
# browsers, http://sandbox:8001 for the dashboard). Empty: WEBWORK_OAUTH_URL.
WEBWORK_OAUTH_BROWSER_URL = (
    env_url("WEBWORK_OAUTH_BROWSER_URL", "")
    if env.str("WEBWORK_OAUTH_BROWSER_URL", default="").strip()
    else ""
)
WEBWORK_CLIENT_ID = env.str("WEBWORK_CLIENT_ID", default="")
WEBWORK_CLIENT_SECRET = env.str("WEBWORK_CLIENT_SECRET", default="")
# PKCE is not documented by WebWork; sending it is harmless where ignored. Off only if refused.
WEBWORK_PKCE = env_bool("WEBWORK_PKCE", True)
# Seconds to wait for WebWork to accept a connection and to answer (per call).
WEBWORK_CONNECT_TIMEOUT = float(env.str("WEBWORK_CONNECT_TIMEOUT", default="3"))
WEBWORK_READ_TIMEOUT = float(env.str("WEBWORK_READ_TIMEOUT", default="5"))
# Seconds one web request may spend on WebWork in all, retries included; then cached data shows.
WEBWORK_REQUEST_BUDGET = float(env.str("WEBWORK_REQUEST_BUDGET", default="6"))
# Seconds the list of workspaces a person manages is trusted without asking WebWork again. Past
# it, with WebWork failing, workspace pages say access cannot be confirmed (authorisation data
# is never served stale).
ACCESS_RECHECK_SECONDS = env_int("ACCESS_RECHECK_SECONDS", 300)
# Seconds an approve or reject is held before it goes to WebWork, during which the person may
# undo it (WebWork has no undo). The held decision is kept in the database and sent by the
# worker, or without a broker by a thread of the web process. 0 sends at once.
DECISION_UNDO_SECONDS = env_int("DECISION_UNDO_SECONDS", 8)
# Calls to WebWork one person may make in any 60 seconds, from all processes together (WebWork
# allows 60; the rest is margin). Reads stop WEBWORK_WRITE_RESERVE short of it, so decisions
# always find room. 0 turns the allowance off.
WEBWORK_CALLS_PER_MINUTE = env_int("WEBWORK_CALLS_PER_MINUTE", 58)
WEBWORK_WRITE_RESERVE = env_int("WEBWORK_WRITE_RESERVE", 8)
if WEBWORK_CALLS_PER_MINUTE and WEBWORK_WRITE_RESERVE >= WEBWORK_CALLS_PER_MINUTE:
    raise ImproperlyConfigured("WEBWORK_WRITE_RESERVE must be below WEBWORK_CALLS_PER_MINUTE")
# Calls the worker's dataset sync may make as one person in any 60 seconds (its share of the
# reads above; pages keep the rest). See docs/architecture.md, "The workspace read model".
SYNC_BUDGET_PER_MINUTE = env_int("SYNC_BUDGET_PER_MINUTE", 30, minimum=1)
# Longest Retry-After a web request waits before retrying a read; longer ones show cached data.
WEBWORK_WEB_MAX_RETRY_WAIT = 2.0
# Fernet keys, comma-separated; the first encrypts, all decrypt (rotation).
TOKEN_ENCRYPTION_KEY = env.str("TOKEN_ENCRYPTION_KEY", default="")

# --------------------------------------------------------------------------- sign in (allauth)
AUTHENTICATION_BACKENDS = [
    # First: refuses password sign-in (the admin's) while it is locked out.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/"
ACCOUNT_LOGOUT_REDIRECT_URL = "/accounts/login/"
ACCOUNT_LOGIN_METHODS = {"username"}
ACCOUNT_SIGNUP_FIELDS = ["username*", "email"]
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_UNIQUE_EMAIL = False
ACCOUNT_LOGOUT_ON_GET = False
ACCOUNT_SESSION_REMEMBER = False
SOCIALACCOUNT_ONLY = True
SOCIALACCOUNT_LOGIN_ON_GET = False
SOCIALACCOUNT_AUTO_SIGNUP = True
SOCIALACCOUNT_EMAIL_AUTHENTICATION = False
SOCIALACCOUNT_EMAIL_AUTHENTICATION_AUTO_CONNECT = False
# Tokens are kept encrypted in our own table (dashboard.webwork_oauth), never in allauth's.
SOCIALACCOUNT_STORE_TOKENS = False
SOCIALACCOUNT_ADAPTER = "dashboard.webwork_oauth.adapter.WebWorkSocialAccountAdapter"
SOCIALACCOUNT_REQUESTS_TIMEOUT = 5
SOCIALACCOUNT_PROVIDERS = {
    "webwork": {
        "APPS": [{"client_id": WEBWORK_CLIENT_ID, "secret": WEBWORK_CLIENT_SECRET, "key": ""}],
        "SCOPE": ["read", "write"],
        "OAUTH_PKCE_ENABLED": WEBWORK_PKCE,
    }
}

# --------------------------------------------------------------------------- mail
# EMAIL_URL in django-environ's syntax: smtp://user:password@host:25 (plain), smtp+tls:// or
# submission:// (STARTTLS; submission defaults to port 587), smtp+ssl:// (TLS from the start),
# consolemail:// (printed by the process that sends), filemail:///path (a file per message
# in that folder). Unset: no mail is sent, and the notification settings say so. Special
# characters in the user or password: %-encode them.
# https://django-environ.readthedocs.io/en/latest/types.html#environ-env-email-url
EMAIL_URL = env.str("EMAIL_URL", default="").strip()
# An SMTP server that stops answering never holds up a worker for long.
MAIL_TIMEOUT = env_int("MAIL_TIMEOUT", 10, minimum=1)


def mailers_from_url(url: str, *, timeout: int) -> dict:
    """Django's MAILERS from EMAIL_URL (django-environ reads the URL; `submission` is ours)."""
    if not url:
        return {"default": {"BACKEND": "django.core.mail.backends.dummy.EmailBackend"}}
    parts = urlsplit(url)
    if parts.scheme == "submission":
        port = "" if parts.port else ":587"
        parts = parts._replace(scheme="smtp+tls", netloc=parts.netloc + port)
    try:
        config = environ.Env.email_url_config(parts.geturl())
    except (ImproperlyConfigured, ValueError) as exc:
        raise ImproperlyConfigured(f"EMAIL_URL is not a mail URL: {exc}") from None
    backend = config["EMAIL_BACKEND"]
    if backend.endswith(".smtp.EmailBackend"):
        options = {
            "host": config["EMAIL_HOST"] or "localhost",
            "port": config["EMAIL_PORT"] or 25,
            "username": config["EMAIL_HOST_USER"] or None,
            "password": config["EMAIL_HOST_PASSWORD"] or None,
            "use_tls": bool(config.get("EMAIL_USE_TLS")),
            "use_ssl": bool(config.get("EMAIL_USE_SSL")),
            "timeout": timeout,
        }
    elif backend.endswith(".filebased.EmailBackend"):
        options = {"file_path": "/" + config["EMAIL_FILE_PATH"].lstrip("/")}
    else:
        options = {}
    return {"default": {"BACKEND": backend, "OPTIONS": options}}


MAILERS = mailers_from_url(EMAIL_URL, timeout=MAIL_TIMEOUT)
DEFAULT_FROM_EMAIL = env.str(
    "DEFAULT_FROM_EMAIL", default="WebWork Leave Dashboard <leave@localhost>"
)
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Development and tests only: let chat webhooks be plain http and on this machine or a
# private network (they must be https on a public address otherwise).
WEBHOOK_ALLOW_LOCAL = env_bool("WEBHOOK_ALLOW_LOCAL", False)
# Where people open the dashboard: the links in e-mails (digests, alerts, unsubscribe) start
# with it. Empty: https:// and the first of ALLOWED_HOSTS.
SITE_URL = env.str("SITE_URL", default="").strip().rstrip("/") or (
    f"https://{ALLOWED_HOSTS[0]}" if ALLOWED_HOSTS else ""
)

# --------------------------------------------------------------------------- sessions
# Idle and absolute timeouts are enforced by dashboard.platform.middleware.SessionTimeoutMiddleware.
SESSION_IDLE_TIMEOUT = env_int("SESSION_IDLE_TIMEOUT", 30 * 60, minimum=60)
SESSION_ABSOLUTE_TIMEOUT = env_int("SESSION_ABSOLUTE_TIMEOUT", 12 * 3600, minimum=60)
SESSION_COOKIE_AGE = SESSION_ABSOLUTE_TIMEOUT
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"  # Strict would drop the cookie on the OAuth return.
CSRF_COOKIE_SAMESITE = "Lax"
# Django's default keeps the CSRF cookie a year; no page outlives the session, so neither does it.
CSRF_COOKIE_AGE = SESSION_ABSOLUTE_TIMEOUT

# --------------------------------------------------------------------------- rate limits
# Per person and minute on workspace routes (dashboard.platform.ratelimit); 0 turns a limit off.
RATE_LIMIT_WRITES = env_int("RATE_LIMIT_WRITES", 30)
RATE_LIMIT_PAGES = env_int("RATE_LIMIT_PAGES", 120)
# Reads of one calendar feed (one secret URL) per minute, whoever reads it; 0 turns it off.
RATE_LIMIT_FEEDS = env_int("RATE_LIMIT_FEEDS", 60)
# Per client address and minute: starts of "Sign in with WebWork", OAuth callbacks and the
# admin's password form. 0 turns it off.
RATE_LIMIT_SIGN_IN = env_int("RATE_LIMIT_SIGN_IN", 20)
# The admin's password sign-in (the only one) is locked for an hour after five wrong passwords
# for one username from one address (django-axes, counted in the database).
AXES_ONLY_ADMIN_SITE = True
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = 1  # hour
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "dashboard.views.errors.admin_locked_out"

# --------------------------------------------------------------------------- security headers
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
CSRF_FAILURE_VIEW = "dashboard.views.errors.csrf_failure"
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF, CSP.NONCE],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "frame-ancestors": [CSP.NONE],
    # The sign-in form POSTs to us and is redirected to WebWork: Chromium checks form-action
    # against the final destination, so WebWork's origin must be listed.
    "form-action": [CSP.SELF, origin_of(WEBWORK_OAUTH_BROWSER_URL or WEBWORK_OAUTH_URL)],
}

# --------------------------------------------------------------------------- static files
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
# whitenoise answers before the CSP middleware runs: static files get their own strict policy.
WHITENOISE_ADD_HEADERS_FUNCTION = add_static_headers
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# --------------------------------------------------------------------------- i18n
LANGUAGE_CODE = "en"
# Each named in its own language: the picker is read by someone who may not read the current one.
LANGUAGES = [("en", "English"), ("de", "Deutsch"), ("fr", "Français"), ("es", "Español")]
LOCALE_PATHS = [BASE_DIR / "dashboard" / "locale"]
LANGUAGE_COOKIE_AGE = 365 * 24 * 60 * 60
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
# Dates and week starts per language; English's own (weeks start on Monday) in dashboard/formats.
FORMAT_MODULE_PATH = ["dashboard.formats"]
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"

# --------------------------------------------------------------------------- logging
# One JSON line per request (RequestLogMiddleware, dashboard.platform.middleware); never a token
# or cookie.
LOG_LEVEL = env.str("LOG_LEVEL", default="INFO").upper()
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact": {"()": "dashboard.platform.logging.RedactSecretsFilter"}},
    "formatters": {"json": {"()": "dashboard.platform.logging.JsonFormatter"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "json",
            "filters": ["redact"],
        }
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    # Django's own loggers lose the handlers Django gives them (a console one under DEBUG, and
    # runserver's request lines), so that everything goes through the redacting handler above:
    # a feed's or unsubscribe link's secret path is masked there too.
    "loggers": {
        "django": {"handlers": [], "level": "INFO", "propagate": True},
        "django.server": {"handlers": [], "level": "WARNING", "propagate": True},
        "urllib3": {"level": "WARNING"},
    },
}

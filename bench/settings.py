"""Production settings, relaxed only as far as plain HTTP on loopback needs.

The benchmark talks to gunicorn over http://127.0.0.1 with no TLS proxy in front, so HTTPS
redirects, Secure cookies and `__Host-` cookie names (which browsers and `requests` only honour
over HTTPS) are turned off, and so are the per-person rate limits (one person drives the
whole run). Everything else is `config.settings.production`: DEBUG off, the
cached template loader, manifest static files served by whitenoise, the Redis cache and
PostgreSQL when the environment points at them. The harness (`python -m bench`) generates every
required value (SECRET_KEY, TOKEN_ENCRYPTION_KEY, client id and secret, ALLOWED_HOSTS).
"""

import os

from config.settings.production import *  # noqa: F403

SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
SESSION_COOKIE_NAME = "sessionid"
CSRF_COOKIE_NAME = "csrftoken"
# One signed-in person drives every series and the load runs: per-person limits (120 page
# views a minute) would turn the measurement into 429s.
RATE_LIMIT_WRITES = 0
RATE_LIMIT_PAGES = 0

# collectstatic runs into a directory of the benchmark's own (the image does it at build time).
if os.environ.get("BENCH_STATIC_ROOT"):
    STATIC_ROOT = os.environ["BENCH_STATIC_ROOT"]

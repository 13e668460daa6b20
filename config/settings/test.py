"""Settings for `make test`: fast hashing, sandbox credentials, a fixed encryption key."""

import os
import secrets
import tempfile

os.environ.setdefault("WEBWORK_CLIENT_ID", "sandbox-client")
os.environ.setdefault("WEBWORK_CLIENT_SECRET", "sandbox-secret")
os.environ.setdefault("WEBWORK_API_URL", "http://127.0.0.1:9/api/v2")
os.environ.setdefault("WEBWORK_OAUTH_URL", "http://127.0.0.1:9/oauth")

from .base import *

DEBUG = False
SECRET_KEY = "test-only-secret-key-" + "t" * 40
# Two keys, so every test exercises decryption through MultiFernet's rotation path.
TOKEN_ENCRYPTION_KEY = ",".join(
    [
        "kJ8a4mC2Vq1n0Zb7Lr3xYtP9sW6eUoH5gFdA2cBvN1E=",
        "3vQ9sL2mXa7Kp1Ty8Rw4Ze6Nb0Uc5Hf2Gd7Jk9Mo3Pq=",
    ]
)
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"
LOGGING["root"]["level"] = "WARNING"
# Fault tests wait for timeouts: keep them short.
WEBWORK_READ_TIMEOUT = 1.5
# Per-person and sign-in limits are off: suites drive hundreds of requests a minute as one
# person and sign in dozens of times a minute from one address.
# tests/security/test_rate_limits.py turns them on.
RATE_LIMIT_WRITES = 0
RATE_LIMIT_PAGES = 0
# The webhook receivers of the tests listen on 127.0.0.1, over plain http.
WEBHOOK_ALLOW_LOCAL = True
RATE_LIMIT_SIGN_IN = 0
# Decisions are sent at once, as the suites expect; the undo window's tests turn it on.
DECISION_UNDO_SECONDS = 0
# A file, not shared memory: threaded tests (token refresh, live servers) need real locking.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # One file per test process, so parallel runs on one machine never share a database.
    DATABASES["default"]["TEST"] = {
        "NAME": os.path.join(tempfile.gettempdir(), f"wwld-test-{os.getpid()}.sqlite3")
    }

# With REDIS_URL (as in CI) the cache is real Redis, in the database REDIS_URL names and no
# other. Each test process has its own key prefix (this run, this xdist worker), and clearing
# the cache deletes only keys under that prefix: a developer's other Redis data is never
# touched. The run id is set once by the first process and inherited by xdist workers and any
# subprocess a test starts (a Celery worker), so they share the prefix of their test process.
TEST_RUN_ID = os.environ.setdefault("WWLD_TEST_RUN", secrets.token_hex(3))
TEST_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "main")
TEST_KEY_PREFIX = f"wwld-test-{TEST_RUN_ID}-{TEST_WORKER}"
if REDIS_URL:
    CACHES["default"]["KEY_PREFIX"] = TEST_KEY_PREFIX
# Tasks run inline in tests. The Celery integration test starts a real worker with
# TEST_CELERY_WORKER set, and switches the publishing side over to REDIS_URL for its own
# duration; there, broker keys carry the same per-process prefix (TEST_BROKER_OPTIONS).
CELERY_TASK_ALWAYS_EAGER = not os.environ.get("TEST_CELERY_WORKER")
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL") or "memory://"
TEST_BROKER_OPTIONS = {
    **CELERY_BROKER_TRANSPORT_OPTIONS,
    "global_keyprefix": f"{TEST_KEY_PREFIX}:celery:",
}
if os.environ.get("TEST_CELERY_WORKER"):
    CELERY_BROKER_TRANSPORT_OPTIONS = TEST_BROKER_OPTIONS

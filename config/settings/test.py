"""Settings for `make test`: fast hashing, sandbox credentials, a fixed encryption key."""

import os

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
# A file, not shared memory: threaded tests (token refresh, live servers) need real locking.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["TEST"] = {"NAME": str(BASE_DIR / ".test-db.sqlite3")}

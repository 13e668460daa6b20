"""Settings for running the dashboard on a laptop: `make run` (SQLite, sandbox, DEBUG on)."""

import base64
import hashlib
import os

# Before base reads them: a fresh checkout talks to the local sandbox with its demo client.
os.environ.setdefault("WEBWORK_API_URL", "http://127.0.0.1:8001/api/v2")
os.environ.setdefault("WEBWORK_OAUTH_URL", "http://127.0.0.1:8001/oauth")
os.environ.setdefault("WEBWORK_CLIENT_ID", "sandbox-client")
os.environ.setdefault("WEBWORK_CLIENT_SECRET", "sandbox-secret")
os.environ.setdefault("DEBUG", "true")

from .base import *

SECRET_KEY = SECRET_KEY or "local-development-only-not-secret-" + "x" * 20
if not TOKEN_ENCRYPTION_KEY:
    # A stable development key derived from SECRET_KEY; production requires a real one.
    TOKEN_ENCRYPTION_KEY = base64.urlsafe_b64encode(
        hashlib.sha256(SECRET_KEY.encode()).digest()
    ).decode()

"""Settings for running the dashboard on a laptop: `make run` (SQLite, sandbox, DEBUG on)."""

import base64
import hashlib
import os
from pathlib import Path

import environ

# Before base reads them: a fresh checkout talks to the local sandbox (on SANDBOX_PORT, as
# `make run` starts it) with its demo client. .env is read first, so that its values win over
# these defaults (and the environment over both).
environ.Env.read_env(Path(__file__).resolve().parents[2] / ".env", overwrite=False)
_SANDBOX = f"http://127.0.0.1:{os.environ.get('SANDBOX_PORT') or '8001'}"
os.environ.setdefault("WEBWORK_API_URL", f"{_SANDBOX}/api/v2")
os.environ.setdefault("WEBWORK_OAUTH_URL", f"{_SANDBOX}/oauth")
os.environ.setdefault("WEBWORK_CLIENT_ID", "sandbox-client")
os.environ.setdefault("WEBWORK_CLIENT_SECRET", "sandbox-secret")
os.environ.setdefault("DEBUG", "true")
# Mail is printed by the process that sends it (web, or worker): honcho prefixes its lines.
os.environ.setdefault("EMAIL_URL", "consolemail://")
os.environ.setdefault("WEBHOOK_ALLOW_LOCAL", "true")
os.environ.setdefault("SITE_URL", f"http://127.0.0.1:{os.environ.get('DASHBOARD_PORT') or '8000'}")

from .base import *  # noqa: E402 - after the defaults above

SECRET_KEY = SECRET_KEY or "local-development-only-not-secret-" + "x" * 20
if not TOKEN_ENCRYPTION_KEY:
    # A stable development key derived from SECRET_KEY; production requires a real one.
    TOKEN_ENCRYPTION_KEY = base64.urlsafe_b64encode(
        hashlib.sha256(SECRET_KEY.encode()).digest()
    ).decode()

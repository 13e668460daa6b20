"""One HTTP exchange with WebWork: the shared session, the User-Agent, timeouts, the call log.

With `error_mapping`, the only code that imports `requests`. The session is shared by every
person and thread, so it keeps no cookies, and it never retries by itself: whether a call may
be repeated is decided above it (GETs only, see `requester`).
"""

from __future__ import annotations

import logging
import threading
import time
from http import cookiejar
from importlib import metadata
from typing import Any

import requests
from requests.adapters import HTTPAdapter

from .calls import CallRecord, add_call
from .error_mapping import Kind, error_for

logger = logging.getLogger("dashboard.webwork")

DEFAULT_TIMEOUT: tuple[float, float] = (3.0, 5.0)  # (connect, read) seconds
POOL_SIZE = 32

Timeout = float | tuple[float, float]


def _version() -> str:
    try:
        return metadata.version("webwork-leave-dashboard")
    except metadata.PackageNotFoundError:
        return "0"


USER_AGENT = f"webwork-leave-dashboard/{_version()}"


# --------------------------------------------------------------------------- the shared session


class _NoCookies(cookiejar.DefaultCookiePolicy):
    """Refuse all cookies: the session is shared by every user, so it must carry no state."""

    def set_ok(self, cookie: cookiejar.Cookie, request: Any) -> bool:
        """Never store a cookie."""
        return False

    def return_ok(self, cookie: cookiejar.Cookie, request: Any) -> bool:
        """Never send a cookie."""
        return False


class BearerAuth(requests.auth.AuthBase):
    """Adds the bearer token to one request; its repr hides the token."""

    def __init__(self, token: str) -> None:
        self._token = token

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        """Add the Authorization header."""
        request.headers["Authorization"] = f"Bearer {self._token}"
        return request

    def __repr__(self) -> str:
        return "BearerAuth('***')"


class NoAuth(requests.auth.AuthBase):
    """Explicitly no auth header, so that requests does not fall back to ~/.netrc."""

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        """Leave the request as it is."""
        return request


_session: requests.Session | None = None
_session_lock = threading.Lock()


def _get_session() -> requests.Session:
    """Return the process-wide session, creating it on first use."""
    global _session  # one pooled session per process, created lazily
    if _session is None:
        with _session_lock:
            if _session is None:
                session = requests.Session()
                # Retries are ours (GET only, with backoff); urllib3 must never replay a write.
                adapter = HTTPAdapter(pool_connections=4, pool_maxsize=POOL_SIZE, max_retries=0)
                session.mount("https://", adapter)
                session.mount("http://", adapter)
                session.headers["User-Agent"] = USER_AGENT
                session.headers["Accept"] = "application/json"
                session.cookies.set_policy(_NoCookies())
                _session = session
    return _session


# --------------------------------------------------------------------------- one HTTP exchange


def loggable_path(path: str, params: dict[str, Any] | None) -> str:
    """The path with query parameter names only: values may be personal (an email address)."""
    if not params:
        return path
    return f"{path}?{'&'.join(params)}"


def send(
    method: str,
    url: str,
    *,
    label: str,
    auth: requests.auth.AuthBase,
    timeout: Timeout,
    kind: Kind,
    params: dict[str, Any] | None = None,
    json_body: dict[str, Any] | None = None,
    form: dict[str, str] | None = None,
) -> requests.Response:
    """Make one HTTP call, record and log it; transport failures become `Unavailable`."""
    started = time.perf_counter()
    status: int | None = None
    error: str | None = None
    try:
        response = _get_session().request(
            method,
            url,
            params=params,
            json=json_body,
            data=form,
            auth=auth,
            timeout=timeout,
            allow_redirects=False,
        )
        status = response.status_code
        return response
    except requests.RequestException as exc:
        error = type(exc).__name__
        raise error_for(exc=exc, kind=kind) from exc
    finally:
        elapsed_ms = (time.perf_counter() - started) * 1000
        add_call(
            CallRecord(method=method, path=label, status=status, elapsed_ms=elapsed_ms, error=error)
        )
        logger.debug("webwork %s %s -> %s in %.0f ms", method, label, status or error, elapsed_ms)

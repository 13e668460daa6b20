"""HTTP client for WebWork's REST API v2 and its OAuth token endpoint: the one door to WebWork.

Only this module imports `requests`. It owns the shared session, the timeouts, the one function
that turns HTTP failures into typed errors, the retry policy (GET only) and pagination.
"""

from __future__ import annotations

import contextvars
import email.utils
import json
import logging
import math
import random
import re
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date
from datetime import time as clock_time
from http import cookiejar
from importlib import metadata
from typing import Any, Literal
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.exceptions import ConnectTimeoutError, MaxRetryError

from .calls import CallRecord, add_call
from .errors import (
    AuthExpired,
    BadResponse,
    Forbidden,
    NoLongerPending,
    NotFound,
    RateLimited,
    Unavailable,
    ValidationFailed,
    WebWorkError,
)
from .records import (
    Balance,
    Leave,
    Member,
    Policy,
    RateLimitStatus,
    TokenSet,
    Workspace,
    items_from_api,
)
from .records import _int as _to_int

logger = logging.getLogger("dashboard.webwork")

DEFAULT_TIMEOUT: tuple[float, float] = (3.0, 5.0)  # (connect, read) seconds
PER_PAGE = 100  # WebWork's maximum page size
MAX_PAGES = 200  # a list announcing more pages than this is refused, not followed
MAX_RETRY_AFTER = 3600.0  # seconds; longer Retry-After values are capped to this
POOL_SIZE = 32

Timeout = float | tuple[float, float]
# How a response is judged: reads need a JSON body; writes may answer with an empty one;
# decisions (approve/reject) read a 422 as "no longer pending"; the token endpoint speaks OAuth.
_Kind = Literal["read", "write", "decision", "token"]

_LEAVE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,127}")


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


class _BearerAuth(requests.auth.AuthBase):
    """Adds the bearer token to one request; its repr hides the token."""

    def __init__(self, token: str) -> None:
        self._token = token

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers["Authorization"] = f"Bearer {self._token}"
        return request

    def __repr__(self) -> str:
        return "_BearerAuth('***')"


class _NoAuth(requests.auth.AuthBase):
    """Explicitly no auth header, so that requests does not fall back to ~/.netrc."""

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
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


# --------------------------------------------------------------------------- error mapping


def parse_retry_after(value: str | None, *, now: float | None = None) -> float | None:
    """Read a Retry-After header (seconds or HTTP-date) as seconds, capped; garbage gives None."""
    if value is None:
        return None
    text = value.strip()
    if re.fullmatch(r"\d{1,30}(\.\d{1,9})?", text):
        seconds = float(text)
    else:
        try:
            when = email.utils.parsedate_to_datetime(text)
            if when.tzinfo is None:
                when = when.replace(tzinfo=UTC)
            seconds = when.timestamp() - (time.time() if now is None else now)
        except (TypeError, ValueError, IndexError, OverflowError):
            return None
    if math.isnan(seconds):
        return None
    return min(max(seconds, 0.0), MAX_RETRY_AFTER)


def _decode(response: requests.Response) -> Any:
    """Return the JSON body; raise ValueError when there is none or it is not JSON."""
    try:
        return json.loads(response.content)
    except (ValueError, RecursionError) as exc:
        raise ValueError("not JSON") from exc


def _field_errors(value: Any) -> dict[str, list[str]]:
    """Read a Laravel-style `errors` map ({field: [message]}), tolerating a bare message."""
    if not isinstance(value, dict):
        return {}
    result: dict[str, list[str]] = {}
    for field, messages in value.items():
        items = messages if isinstance(messages, list) else [messages]
        texts = [item for item in items if isinstance(item, str)]
        if texts:
            result[str(field)] = texts
    return result


def _transport_request_sent(exc: requests.RequestException) -> bool:
    """Whether WebWork may have received the request before `exc` happened."""
    if isinstance(
        exc,
        requests.ConnectTimeout
        | requests.exceptions.SSLError
        | requests.exceptions.ProxyError
        | requests.exceptions.InvalidURL
        | requests.exceptions.MissingSchema
        | requests.exceptions.InvalidSchema
        | requests.exceptions.InvalidHeader,
    ):
        return False
    if isinstance(exc, requests.ConnectionError):
        reason = exc.args[0] if exc.args else None
        if isinstance(reason, MaxRetryError):
            reason = reason.reason
        # NewConnectionError (refused, DNS) is a ConnectTimeoutError in urllib3 2.
        return not isinstance(reason, ConnectTimeoutError)
    # Read timeouts, resets after sending, broken chunked bodies: the request went out.
    return True


def _error_for(
    *,
    response: requests.Response | None = None,
    exc: requests.RequestException | None = None,
    kind: _Kind = "read",
    secrets: tuple[str | None, ...] = (),
) -> WebWorkError:
    """Map a failed response or a transport exception to the typed error callers branch on."""
    if response is None:
        sent = _transport_request_sent(exc) if exc is not None else True
        if isinstance(exc, requests.exceptions.InvalidURL | requests.exceptions.MissingSchema):
            return Unavailable(
                "The WebWork address is not valid.", request_sent=False, retryable=False
            )
        if isinstance(exc, requests.ReadTimeout):
            message = "WebWork did not answer in time."
        elif not sent:
            message = "WebWork could not be reached."
        else:
            message = "The connection to WebWork broke off."
        return Unavailable(message, request_sent=sent)

    status = response.status_code
    try:
        body = _decode(response)
        readable = True
    except ValueError:
        body, readable = None, False
    fields = body if isinstance(body, dict) else {}
    code = fields.get("error") if isinstance(fields.get("error"), str) else None
    message = fields.get("message")
    if kind == "token" and isinstance(fields.get("error_description"), str):
        message = fields["error_description"]
    common: dict[str, Any] = {
        "status": status,
        "code": code,
        "request_id": response.headers.get("X-Request-Id"),
        "secrets": secrets,
        "field_errors": _field_errors(fields.get("errors")),
    }
    message = message if isinstance(message, str) else None

    if 200 <= status < 300:
        if not readable:
            return BadResponse("WebWork sent an answer that is not JSON.", **common)
        if not isinstance(body, dict):
            return BadResponse("WebWork sent an answer that is not a JSON object.", **common)
        # 2xx with `success: false`: WebWork says it did not do what was asked.
        return BadResponse(message or "WebWork reported that the request failed.", **common)
    if status == 429:
        retry_after = parse_retry_after(response.headers.get("Retry-After"))
        return RateLimited(message, retry_after=retry_after, **common)
    if status >= 500:
        retry_after = parse_retry_after(response.headers.get("Retry-After"))
        return Unavailable(message, request_sent=True, retry_after=retry_after, **common)
    if kind == "token" and status in (400, 401):
        # OAuth: invalid_grant (refresh token revoked, expired or reused), invalid_client ...
        return AuthExpired(message, **common)
    if status == 401:
        return AuthExpired(message, **common)
    if status == 403:
        return Forbidden(message, **common)
    if status == 404:
        return NotFound(message, **common)
    if kind == "decision" and status in (409, 422):
        return NoLongerPending(message, **common)
    if status in (400, 422):
        return ValidationFailed(message, **common)
    if 300 <= status < 400:
        # Redirects are not followed: an API that redirects is misconfigured or a login page.
        return BadResponse("WebWork answered with a redirect.", **common)
    return WebWorkError(message, **common)


def _payload(
    response: requests.Response, *, kind: _Kind, secrets: tuple[str | None, ...]
) -> dict[str, Any]:
    """Return the JSON object of a successful response, or raise the mapped error."""
    if 200 <= response.status_code < 300:
        if kind in ("write", "decision") and not response.content.strip():
            return {}
        try:
            body = _decode(response)
        except ValueError:
            body = None
        if isinstance(body, dict) and body.get("success") not in (False, "false"):
            return body
    raise _error_for(response=response, kind=kind, secrets=secrets)


# --------------------------------------------------------------------------- one HTTP exchange


def _loggable_path(path: str, params: dict[str, Any] | None) -> str:
    """The path with query parameter names only: values may be personal (an email address)."""
    if not params:
        return path
    return f"{path}?{'&'.join(params)}"


def _send(
    method: str,
    url: str,
    *,
    label: str,
    auth: requests.auth.AuthBase,
    timeout: Timeout,
    kind: _Kind,
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
        raise _error_for(exc=exc, kind=kind) from exc
    finally:
        elapsed_ms = (time.perf_counter() - started) * 1000
        add_call(
            CallRecord(method=method, path=label, status=status, elapsed_ms=elapsed_ms, error=error)
        )
        logger.debug("webwork %s %s -> %s in %.0f ms", method, label, status or error, elapsed_ms)


def _header_int(value: str | None) -> int | None:
    if value is None or not re.fullmatch(r"\s*\d{1,12}\s*", value):
        return None
    return int(value)


def _check_leave_id(leave_id: str) -> str:
    """Refuse anything but a plain id before it goes into a URL path (no "../", "/", "?")."""
    if not isinstance(leave_id, str) or not _LEAVE_ID.fullmatch(leave_id):
        raise NotFound("This is not a valid leave request id.")
    return leave_id


def _check_int(name: str, value: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int")
    return value


def _single_object(data: Any) -> dict[str, Any] | None:
    """Return the one object of a single-item payload (an object, or a list of one)."""
    if isinstance(data, list):
        data = data[0] if len(data) == 1 else None
    return data if isinstance(data, dict) and data else None


def _hhmm(value: clock_time) -> str:
    return value.strftime("%H:%M")


# --------------------------------------------------------------------------- the client


class WebWorkClient:
    """WebWork's REST API v2, called as one account (one access token).

    `on_unauthorized` is called at most once per client, on a 401, to get a fresh access token;
    the refused call is then repeated once with it. GETs are retried up to `max_attempts` in
    total on `Unavailable` and `RateLimited` with full-jitter backoff; a `Retry-After` longer
    than `max_retry_wait` is raised at once. Writes are never retried. `deadline` (a
    `time.monotonic()` instant) bounds the whole budget: timeouts shrink to fit it, no retry
    wait runs past it, and no call starts after it. Once a list's first page tells how many
    there are, up to `page_workers` of the rest are fetched at once (a month of a 500-person
    workspace is about six pages: one round after the first).
    """

    def __init__(
        self,
        *,
        base_url: str,
        access_token: str,
        on_unauthorized: Callable[[], str | None] | None = None,
        timeout: Timeout = DEFAULT_TIMEOUT,
        max_attempts: int = 3,
        max_retry_wait: float = 2.0,
        backoff_base: float = 0.25,
        backoff_cap: float = 2.0,
        sleep: Callable[[float], None] = time.sleep,
        page_workers: int = 6,
        rng: random.Random | None = None,
        deadline: float | None = None,
    ) -> None:
        scheme = urlsplit(base_url).scheme
        if scheme not in ("http", "https"):
            raise ValueError("base_url must be an http(s) URL")
        self._base_url = base_url.rstrip("/")
        self._access_token = access_token
        self._known_tokens: tuple[str, ...] = (access_token,)  # masked in error messages
        self._on_unauthorized = on_unauthorized
        self._reauthorize_spent = False
        self._auth_lock = threading.Lock()
        self._timeout: tuple[float, float] = (
            timeout if isinstance(timeout, tuple) else (float(timeout), float(timeout))
        )
        self._max_attempts = max(1, max_attempts)
        self._max_retry_wait = max(0.0, max_retry_wait)
        self._backoff_base = backoff_base
        self._backoff_cap = backoff_cap
        self._sleep = sleep
        self._page_workers = max(1, page_workers)
        self._rng = rng or random.Random()  # noqa: S311 - jitter, not cryptography
        self._deadline = deadline
        self.rate_limit: RateLimitStatus | None = None

    def __repr__(self) -> str:
        return f"WebWorkClient(base_url={self._base_url!r})"

    # ----------------------------------------------------------------------- reads

    def list_workspaces(self) -> list[Workspace]:
        """Return the workspaces of the signed-in account, with its role in each."""
        return [Workspace.from_api(item) for item in self._iter_pages("/workspaces", {})]

    def get_member(self, *, workspace_id: int, user_id: int) -> Member:
        """Return one member of a workspace."""
        user_id = _check_int("user_id", user_id)
        body = self._request(
            "GET",
            f"/members/{user_id}",
            params={"workspace_id": _check_int("workspace_id", workspace_id)},
        )
        data = _single_object(body.get("data"))
        if data is None:
            raise NotFound("WebWork has no such member.")
        return Member.from_api(data)

    def iter_members(
        self, *, workspace_id: int, status: str | None = None, email: str | None = None
    ) -> Iterator[Member]:
        """Yield the members of a workspace, optionally filtered by status or exact email."""
        params = {"workspace_id": _check_int("workspace_id", workspace_id)}
        params |= {key: value for key, value in (("status", status), ("email", email)) if value}
        for item in self._iter_pages("/members", params):
            yield Member.from_api(item)

    def iter_leaves(
        self,
        *,
        workspace_id: int,
        status: str | None = None,
        user_id: int | None = None,
        policy_id: int | None = None,
        is_paid: bool | None = None,
        date_from: date | None = None,
        date_to: date | None = None,
        leave_id: str | None = None,
    ) -> Iterator[Leave]:
        """Yield the leave requests of a workspace matching the filters (dates: overlap)."""
        params: dict[str, Any] = {"workspace_id": _check_int("workspace_id", workspace_id)}
        optional = {
            "id": leave_id,
            "user_id": user_id,
            "policy_id": policy_id,
            "is_paid": None if is_paid is None else ("yes" if is_paid else "no"),
            "status": status,
            "date_from": date_from.isoformat() if date_from else None,
            "date_to": date_to.isoformat() if date_to else None,
        }
        params |= {key: value for key, value in optional.items() if value is not None}
        for item in self._iter_pages("/leaves", params):
            yield Leave.from_api(item)

    def get_leave(self, *, workspace_id: int, leave_id: str) -> Leave:
        """Return one leave request (WebWork has no single-leave endpoint: filter by id)."""
        _check_leave_id(leave_id)
        body = self._request(
            "GET",
            "/leaves",
            params={
                "workspace_id": _check_int("workspace_id", workspace_id),
                "id": leave_id,
                "page": 1,
                "per_page": PER_PAGE,
            },
        )
        for item in items_from_api(body.get("data")):
            leave = Leave.from_api(item)
            if leave.id.lower() == leave_id.lower():
                return leave
        raise NotFound("WebWork has no such leave request.")

    def list_policies(self, *, workspace_id: int) -> list[Policy]:
        """Return the leave policies of a workspace."""
        params = {"workspace_id": _check_int("workspace_id", workspace_id)}
        return [Policy.from_api(item) for item in self._iter_pages("/leaves/policies", params)]

    def iter_balances(
        self, *, workspace_id: int, date_from: date, date_to: date, user_id: int | None = None
    ) -> Iterator[Balance]:
        """Yield each member's remaining balances for the window (WebWork requires one)."""
        params: dict[str, Any] = {
            "workspace_id": _check_int("workspace_id", workspace_id),
            "date_from": date_from.isoformat(),
            "date_to": date_to.isoformat(),
        }
        if user_id is not None:
            params["user_id"] = _check_int("user_id", user_id)
        for item in self._iter_pages("/leaves/balances", params):
            yield Balance.from_api(item)

    # ----------------------------------------------------------------------- writes

    def create_leave(
        self,
        *,
        workspace_id: int,
        user_id: int,
        policy_id: int,
        start: date,
        end: date,
        leave_period: int | None = None,
        start_time: clock_time | None = None,
        end_time: clock_time | None = None,
        reason: str | None = None,
    ) -> None:
        """File a leave request for a member; WebWork returns no id, so re-query to show it."""
        body: dict[str, Any] = {
            "workspace_id": _check_int("workspace_id", workspace_id),
            "user_id": _check_int("user_id", user_id),
            "policy_id": _check_int("policy_id", policy_id),
            "start": start.isoformat(),
            "end": end.isoformat(),
        }
        optional = {
            "leave_period": leave_period,
            "start_time": _hhmm(start_time) if start_time else None,
            "end_time": _hhmm(end_time) if end_time else None,
            "reason": reason,
        }
        body |= {key: value for key, value in optional.items() if value is not None}
        self._request("POST", "/leaves", body=body, kind="write")

    def approve_leave(self, *, workspace_id: int, leave_id: str) -> Leave | None:
        """Approve a pending leave request; returns the updated leave when WebWork sends it."""
        path = f"/leaves/{_check_leave_id(leave_id)}/approve"
        body = {"workspace_id": _check_int("workspace_id", workspace_id)}
        return self._decided_leave(self._request("PUT", path, body=body, kind="decision"))

    def reject_leave(self, *, workspace_id: int, leave_id: str, reason: str) -> Leave | None:
        """Reject a pending leave request with a reason shown to the member."""
        path = f"/leaves/{_check_leave_id(leave_id)}/reject"
        body = {"workspace_id": _check_int("workspace_id", workspace_id), "reason": reason}
        return self._decided_leave(self._request("PUT", path, body=body, kind="decision"))

    @staticmethod
    def _decided_leave(body: dict[str, Any]) -> Leave | None:
        # The decision is made once WebWork says so; an unreadable echo of it must not undo that.
        data = _single_object(body.get("data"))
        if data is None:
            return None
        try:
            return Leave.from_api(data)
        except BadResponse:
            logger.debug("webwork decision answer carried an unreadable leave")
            return None

    # ----------------------------------------------------------------------- plumbing

    def _iter_pages(self, path: str, params: dict[str, Any]) -> Iterator[dict[str, Any]]:
        """Yield the objects of every page in order; pages 2..last are fetched concurrently."""
        params = {**params, "per_page": PER_PAGE}
        first = self._request("GET", path, params={**params, "page": 1})
        first_items = items_from_api(first.get("data"))
        meta = first.get("meta")
        pagination = meta.get("pagination") if isinstance(meta, dict) else None
        last = _to_int(pagination.get("last_page")) if isinstance(pagination, dict) else None
        last = max(last or 1, 1)  # no pagination block: a single page
        if last > MAX_PAGES:
            logger.warning("webwork %s announced %d pages; refusing to follow", path, last)
            raise BadResponse(f"WebWork announced {last} pages; at most {MAX_PAGES} are read.")
        yield from first_items
        if last == 1:
            return
        workers = min(self._page_workers, last - 1)
        executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="webwork-page")
        try:
            # Each page runs in a copy of this context, so record_calls() sees its call.
            futures = [
                executor.submit(contextvars.copy_context().run, self._get_page, path, params, page)
                for page in range(2, last + 1)
            ]
            for future in futures:
                yield from future.result()
        finally:
            executor.shutdown(wait=False, cancel_futures=True)

    def _get_page(self, path: str, params: dict[str, Any], page: int) -> list[dict[str, Any]]:
        body = self._request("GET", path, params={**params, "page": page})
        return items_from_api(body.get("data"))

    def _request(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        body: dict[str, Any] | None = None,
        kind: _Kind = "read",
    ) -> dict[str, Any]:
        """Call WebWork, retrying GETs on transient failures and re-authorising once on 401."""
        failures = 0
        reauthorized = False
        while True:
            token = self._access_token
            try:
                return self._attempt(method, path, params=params, body=body, kind=kind, token=token)
            except AuthExpired:
                # A 401 means the request was not applied, so even a write may be repeated.
                if reauthorized or not self._reauthorize(token):
                    raise
                reauthorized = True
            except (Unavailable, RateLimited) as error:
                failures += 1
                delay = self._retry_delay(method, failures, error)
                if delay is None:
                    raise
                self._sleep(delay)

    def _attempt(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None,
        body: dict[str, Any] | None,
        kind: _Kind,
        token: str,
    ) -> dict[str, Any]:
        response = _send(
            method,
            self._base_url + path,
            label=_loggable_path(path, params),
            auth=_BearerAuth(token),
            timeout=self._attempt_timeout(),
            kind=kind,
            params=params,
            json_body=body,
        )
        limit = _header_int(response.headers.get("X-RateLimit-Limit"))
        remaining = _header_int(response.headers.get("X-RateLimit-Remaining"))
        if limit is not None or remaining is not None:
            self.rate_limit = RateLimitStatus(
                limit=limit, remaining=remaining, observed_at=time.time()
            )
        return _payload(response, kind=kind, secrets=self._known_tokens)

    def _attempt_timeout(self) -> tuple[float, float]:
        """The per-call timeout, shortened to what is left before the deadline, if any."""
        if self._deadline is None:
            return self._timeout
        left = self._deadline - time.monotonic()
        if left <= 0:
            raise Unavailable("No time was left to ask WebWork.", request_sent=False)
        return (min(self._timeout[0], left), min(self._timeout[1], left))

    def _retry_delay(self, method: str, failures: int, error: WebWorkError) -> float | None:
        """Seconds to wait before another attempt, or None to give up and raise `error`."""
        if method != "GET" or not error.retryable or failures >= self._max_attempts:
            return None
        if isinstance(error, RateLimited) and error.retry_after is not None:
            if error.retry_after > self._max_retry_wait:
                return None
            delay = error.retry_after
        else:
            # Full jitter: uniform in [0, min(cap, base * 2^n)].
            ceiling = min(self._backoff_cap, self._backoff_base * 2 ** (failures - 1))
            delay = self._rng.uniform(0, ceiling)
        delay = min(delay, self._max_retry_wait)
        if self._deadline is not None and time.monotonic() + delay >= self._deadline:
            return None
        return delay

    def _reauthorize(self, refused_token: str) -> bool:
        """Get a fresh token after a 401, at most once per client; True to repeat the call."""
        with self._auth_lock:
            if self._access_token != refused_token:
                return True  # another thread already replaced it
            if self._on_unauthorized is None or self._reauthorize_spent:
                return False
            self._reauthorize_spent = True
            fresh = self._on_unauthorized()
            if not fresh or fresh == refused_token:
                return False
            self._access_token = fresh
            self._known_tokens = (*self._known_tokens, fresh)
            return True


# --------------------------------------------------------------------------- OAuth


def refresh_access_token(
    *,
    token_url: str,
    client_id: str,
    client_secret: str,
    refresh_token: str,
    timeout: Timeout = DEFAULT_TIMEOUT,
) -> TokenSet:
    """Trade a refresh token for new tokens (never retried: a refresh may rotate the token)."""
    if urlsplit(token_url).scheme not in ("http", "https"):
        raise ValueError("token_url must be an http(s) URL")
    secrets = (client_secret, refresh_token)
    response = _send(
        "POST",
        token_url,
        label=urlsplit(token_url).path or "/",
        auth=_NoAuth(),
        timeout=timeout,
        kind="token",
        form={
            "grant_type": "refresh_token",
            "refresh_token": refresh_token,
            "client_id": client_id,
            "client_secret": client_secret,
        },
    )
    return TokenSet.from_api(_payload(response, kind="token", secrets=secrets))


# --------------------------------------------------------------------------- reachability


def probe(base_url: str, *, timeout: float = 1.0) -> bool:
    """Whether WebWork answers at `base_url` at all: an unauthenticated GET, never retried.

    Any HTTP answer (even 401 or 404) means reachable; a refused connection, a DNS failure or
    a timeout means unreachable. For health checks: no token is sent and nothing is parsed.
    """
    if urlsplit(base_url).scheme not in ("http", "https"):
        raise ValueError("base_url must be an http(s) URL")
    try:
        _send(
            "GET",
            base_url,
            label=urlsplit(base_url).path or "/",
            auth=_NoAuth(),
            timeout=timeout,
            kind="read",
        ).close()
    except Unavailable:
        return False
    return True

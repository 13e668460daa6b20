"""Turn what WebWork answered into a payload or a typed error: the one place statuses mean anything.

Callers branch on the error's class (`errors.py`), never on a status number. A transport
failure also says whether the request may have reached WebWork (`Unavailable.request_sent`),
which is what decides whether a write must be read back instead of sent again.
"""

from __future__ import annotations

import email.utils
import json
import math
import re
import time
from datetime import UTC
from typing import Any, Literal

import requests
from urllib3.exceptions import ConnectTimeoutError, MaxRetryError

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

MAX_RETRY_AFTER = 3600.0  # seconds; longer Retry-After values are capped to this

# How a response is judged: reads need a JSON body; writes may answer with an empty one;
# decisions (approve/reject) read a 422 as "no longer pending"; the token endpoint speaks OAuth.
Kind = Literal["read", "write", "decision", "token"]


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


def error_for(
    *,
    response: requests.Response | None = None,
    exc: requests.RequestException | None = None,
    kind: Kind = "read",
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


def payload(
    response: requests.Response, *, kind: Kind, secrets: tuple[str | None, ...]
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
    raise error_for(response=response, kind=kind, secrets=secrets)

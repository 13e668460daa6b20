"""Typed failures of calls to WebWork; callers branch on the class, never on a status number."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any, ClassVar

# Upstream text ends up in pages and logs: keep it short, printable and free of credentials.
_MAX_MESSAGE = 300
_CONTROL_CHARS = re.compile(r"[\x00-\x1f\x7f-\x9f]+")
_SECRET_PATTERNS = (
    re.compile(r"(?i)(bearer\s+)[A-Za-z0-9._~+/=-]+"),
    re.compile(
        r"(?i)((?:access_token|refresh_token|client_secret|authorization)[\"']?\s*[=:]\s*[\"']?)"
        r"[^\s&\"',;}]+"
    ),
)
_REDACTED = "[redacted]"


def safe_text(
    text: object, *, secrets: Iterable[str | None] = (), limit: int = _MAX_MESSAGE
) -> str:
    """Return `text` as one short printable line with known and token-like secrets masked."""
    result = text if isinstance(text, str) else ""
    for secret in secrets:
        if secret:
            result = result.replace(secret, _REDACTED)
    for pattern in _SECRET_PATTERNS:
        result = pattern.sub(rf"\1{_REDACTED}", result)
    result = _CONTROL_CHARS.sub(" ", result).strip()
    if len(result) > limit:
        result = result[: limit - 1].rstrip() + "…"
    return result


def _rebuild(cls: type[WebWorkError], state: dict[str, Any]) -> WebWorkError:
    """Recreate an error from its attributes (pickling support for keyword-only errors)."""
    error = cls.__new__(cls)
    Exception.__init__(error, state.get("message", ""))
    error.__dict__.update(state)
    return error


class WebWorkError(Exception):
    """A call to WebWork failed; `retryable` says whether trying again later may help."""

    retryable: bool = False
    default_message: ClassVar[str] = "WebWork could not handle the request."

    def __init__(
        self,
        message: str | None = None,
        *,
        status: int | None = None,
        code: str | None = None,
        request_id: str | None = None,
        retryable: bool | None = None,
        retry_after: float | None = None,
        field_errors: dict[str, list[str]] | None = None,
        secrets: Iterable[str | None] = (),
    ) -> None:
        secrets = tuple(secrets)
        self.message = safe_text(message, secrets=secrets) or self.default_message
        self.status = status
        self.code = safe_text(code, secrets=secrets, limit=100) or None
        self.request_id = safe_text(request_id, limit=100) or None
        if retryable is not None:
            self.retryable = retryable
        self.retry_after = retry_after
        self.field_errors = {
            safe_text(field, secrets=secrets, limit=100): [
                safe_text(text, secrets=secrets) for text in texts
            ]
            for field, texts in (field_errors or {}).items()
        }
        super().__init__(self.message)

    def __str__(self) -> str:
        return self.message

    def __repr__(self) -> str:
        parts = [repr(self.message)]
        for name in ("status", "code", "request_id", "retry_after"):
            value = getattr(self, name)
            if value is not None:
                parts.append(f"{name}={value!r}")
        return f"{type(self).__name__}({', '.join(parts)})"

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild, (type(self), dict(self.__dict__)))


class Unavailable(WebWorkError):
    """WebWork could not be reached, timed out or failed on its side (5xx)."""

    retryable = True
    default_message = "WebWork is not reachable at the moment."

    def __init__(self, message: str | None = None, *, request_sent: bool = True, **kwargs: Any):
        # Whether the request may have reached WebWork: a write that may have been applied
        # must be reconciled by reading it back, never sent again.
        self.request_sent = request_sent
        super().__init__(message, **kwargs)


class BadResponse(WebWorkError):
    """WebWork answered with something we cannot read (bad JSON, wrong shape, `success: false`)."""

    default_message = "WebWork sent an answer that could not be read."


class AuthExpired(WebWorkError):
    """The access token (or, on refresh, the refresh token) is missing, invalid or expired."""

    default_message = "The WebWork sign-in has expired."


class Forbidden(WebWorkError):
    """The account may not use this workspace or action."""

    default_message = "WebWork refused access to this workspace."


class NotFound(WebWorkError):
    """WebWork does not know this id."""

    default_message = "WebWork does not know this item."


class NoLongerPending(WebWorkError):
    """An approve or reject was refused because the leave has already been decided."""

    default_message = "This leave request is no longer pending."


class ValidationFailed(WebWorkError):
    """WebWork refused the input; `field_errors` says why, per field."""

    default_message = "WebWork refused the request as invalid."


class RateLimited(WebWorkError):
    """Too many requests; `retry_after` (seconds) says when to try again, if WebWork said so."""

    retryable = True
    default_message = "WebWork is limiting the request rate."


class OverBudget(RateLimited):
    """Not sent: the person's own allowance of WebWork calls is spent for now.

    Raised before a call leaves (never by WebWork), so nothing was sent; `retry_after` says
    when a call may go again. Reads are not retried on it: pages show what they have.
    """

    default_message = "This minute's allowance of WebWork calls is spent."

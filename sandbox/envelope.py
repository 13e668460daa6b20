"""WebWork's response envelope, error envelope and pagination."""

from __future__ import annotations

import math
from http import HTTPStatus

from flask import current_app, jsonify

_MISSING = object()


class ApiError(Exception):
    """An error answered with the error envelope ``{success: false, message, error, meta}``."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        errors: dict[str, list[str]] | None = None,
        headers: dict[str, str] | None = None,
    ):
        super().__init__(message)
        self.status = status
        self.message = message
        self.errors = errors
        self.headers = headers or {}


def state():
    """The sandbox state of the running app."""
    return current_app.extensions["sandbox"]


def ok(data=_MISSING, message: str | None = None, status: int = 200, pagination=None):
    """A success envelope; ``data`` is left out entirely when not given."""
    body: dict = {"success": True}
    if data is not _MISSING:
        body["data"] = data
    if message is not None:
        body["message"] = message
    body["meta"] = state().meta(pagination)
    return jsonify(body), status


def error_response(exc: ApiError):
    """Render an ApiError as the error envelope."""
    body = {
        "success": False,
        "message": exc.message,
        "error": HTTPStatus(exc.status).phrase,
        "meta": state().meta(),
    }
    if exc.errors:
        body["errors"] = exc.errors
    response = jsonify(body)
    response.status_code = exc.status
    response.headers.update(exc.headers)
    return response


def paginate(items: list, page: int, per_page: int) -> tuple[list, dict]:
    """Cut one page out of ``items`` and describe it like Laravel's paginator."""
    total = len(items)
    start = (page - 1) * per_page
    chunk = items[start : start + per_page]
    return chunk, {
        "total": total,
        "per_page": per_page,
        "current_page": page,
        "last_page": max(1, math.ceil(total / per_page)),
        "from": start + 1 if chunk else None,
        "to": start + len(chunk) if chunk else None,
    }

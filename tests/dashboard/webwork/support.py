"""Shared values and builders for the WebWork client tests."""

from typing import Any

BASE = "http://webwork.test/api/v2"
# Canary values: a test fails if any of them shows up in an error, a repr or a log line.
TOKEN = "canary-access-5f1e0c9a7b"
FRESH_TOKEN = "canary-fresh-2d8b41e6aa"
REFRESH_TOKEN = "canary-refresh-93c0d7f1e2"
CLIENT_SECRET = "canary-secret-71ab54c3d9"
LEAVE_ID = "a1b2c3d4-e5f6-7890-abcd-ef1234567890"


def envelope(data: Any = None, *, pagination: dict | None = None, **extra: Any) -> dict:
    """A WebWork success envelope around `data`."""
    meta: dict[str, Any] = {"api_version": "2.0.0", "timestamp": "2025-02-19T19:24:55Z"}
    if pagination is not None:
        meta["pagination"] = pagination
    return {"success": True, "data": data, "meta": meta, **extra}


def failure(message: str = "An error occurred", error: str | None = None, **extra: Any) -> dict:
    """A WebWork error envelope."""
    return {"success": False, "message": message, "error": error, "meta": {}, **extra}


def pages(last: int, per_page: int = 100) -> dict:
    """A `meta.pagination` block announcing `last` pages."""
    return {
        "total": last * per_page,
        "per_page": per_page,
        "current_page": 1,
        "last_page": last,
        "from": 1,
        "to": per_page,
    }


class FakeSleep:
    """Stands in for time.sleep: records the waits instead of waiting."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)

"""Per-context record of the WebWork calls made, so a request can log what it spent upstream."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(frozen=True, kw_only=True, slots=True)
class CallRecord:
    """One HTTP call to WebWork: the path carries query names only, never their values."""

    method: str
    path: str
    status: int | None
    elapsed_ms: float
    error: str | None = None


# A tuple of lists so that nested recorders each see every call made inside them.
_recorders: ContextVar[tuple[list[CallRecord], ...]] = ContextVar("webwork_calls", default=())


@contextmanager
def record_calls() -> Iterator[list[CallRecord]]:
    """Collect the WebWork calls made in this context (and in the page threads it starts)."""
    calls: list[CallRecord] = []
    token = _recorders.set((*_recorders.get(), calls))
    try:
        yield calls
    finally:
        _recorders.reset(token)


def add_call(record: CallRecord) -> None:
    """Append `record` to every recorder active in the current context."""
    for calls in _recorders.get():
        calls.append(record)

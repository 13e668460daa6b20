"""Several reads of one page at once: cached answers in the request's thread, the rest in workers.

A worker thread talks to WebWork and the cache only. The token is read in the request's own
thread, and a refused token is refreshed there too, so no worker ever writes to the database.
"""

import contextvars
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from django.db import connections

from dashboard.platform.cache import Cached, NotCached, cache_only, cache_only_active
from dashboard.selectors.shapes import list_shapes, shapes_ready
from dashboard.webwork import AuthExpired, WebWorkClient, WebWorkError
from dashboard.webwork_oauth.tokens import (
    ReauthRequired,
    client_for,
    client_without_refresh,
    token_refresh,
)

_clients: ContextVar[dict[int, WebWorkClient] | None] = ContextVar("clients", default=None)


def page_client(user_id: int) -> WebWorkClient:
    """The person's client, shared by the fetches of one page (see `fetch_parallel`)."""
    memo = _clients.get()
    if memo is not None and user_id in memo:
        return memo[user_id]
    return client_for(user_id=user_id)


@contextmanager
def reads_through(user_id: int, client: WebWorkClient) -> Iterator[None]:
    """Inside the block, the person's reads go through `client` (the sync's, with its budget)."""
    marker = _clients.set({user_id: client})
    try:
        yield
    finally:
        _clients.reset(marker)


@dataclass(frozen=True)
class ReadResult[T]:
    """What one of several parallel reads gave: a cached value, or the error it raised."""

    entry: Cached[T] | None
    error: WebWorkError | None

    @property
    def value(self) -> T | None:
        """The value, or None when the read failed."""
        return self.entry.value if self.entry is not None else None


def fetch_parallel(*, user_id: int, **reads: Callable[[], Cached]) -> dict[str, ReadResult]:
    """Run independent reads at the same time; a failed read is reported, not raised.

    What the cache holds fresh is answered first, in the request's thread (a thread per read
    only pays off while waiting for WebWork). The rest run in worker threads, which touch only
    WebWork and the cache: the token is read here, in the request's thread, and if WebWork
    answers 401 the token is refreshed here too and the failed reads are repeated once. A
    second 401 means the person must sign in again.
    """
    results, missing = _run_cached(reads)
    if not missing:
        return results
    if cache_only_active():  # the caller wants held data only (a page answering with its shell)
        raise NotCached(", ".join(missing))
    with list_shapes():
        shapes_ready()  # here: the worker threads read no database
        return _fetch_missing(user_id, reads, results, missing)


def _fetch_missing(
    user_id: int,
    reads: dict[str, Callable[[], Cached]],
    results: dict[str, ReadResult],
    missing: dict[str, Callable[[], Cached]],
) -> dict[str, ReadResult]:
    client, token = client_without_refresh(user_id=user_id)
    results.update(_run_all(user_id, client, missing))
    expired = [name for name, out in results.items() if isinstance(out.error, AuthExpired)]
    if expired:
        token_refresh(user_id=user_id, rejected_access_token=token)
        client, _ = client_without_refresh(user_id=user_id)
        retried = _run_all(user_id, client, {name: reads[name] for name in expired})
        if any(isinstance(out.error, AuthExpired) for out in retried.values()):
            raise ReauthRequired("WebWork refused a freshly refreshed token")
        results.update(retried)
    return {name: results[name] for name in reads}


def _run_all(
    user_id: int, client: WebWorkClient, reads: dict[str, Callable[[], Cached]]
) -> dict[str, ReadResult]:
    """Run reads that must ask WebWork: one in this thread, several in worker threads."""
    with reads_through(user_id, client):
        if len(reads) == 1:
            ((name, read),) = reads.items()
            return {name: _run_read(read)}
        with ThreadPoolExecutor(max_workers=len(reads), thread_name_prefix="read") as pool:
            futures = {
                name: pool.submit(contextvars.copy_context().run, _run_in_thread, read)
                for name, read in reads.items()
            }
            return {name: future.result() for name, future in futures.items()}


def _run_cached(
    reads: dict[str, Callable[[], Cached]],
) -> tuple[dict[str, ReadResult], dict[str, Callable[[], Cached]]]:
    """Answer what the cache holds fresh, here and now; return the reads that must fetch."""
    results: dict[str, ReadResult] = {}
    missing: dict[str, Callable[[], Cached]] = {}
    with cache_only():
        for name, read in reads.items():
            try:
                results[name] = ReadResult(entry=read(), error=None)
            except NotCached:
                missing[name] = read
    return results, missing


def _run_read(read: Callable[[], Cached]) -> ReadResult:
    try:
        return ReadResult(entry=read(), error=None)
    except WebWorkError as exc:
        return ReadResult(entry=None, error=exc)


def _run_in_thread(read: Callable[[], Cached]) -> ReadResult:
    try:
        return _run_read(read)
    finally:
        connections.close_all()  # this thread's own connections, if a refresh opened one

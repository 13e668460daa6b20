"""Calls to WebWork as one account: retries, one re-authorisation, a deadline, pagination.

`WebWorkClient` (client.py) adds one method per endpoint on top of this. GETs are retried on
`Unavailable` and `RateLimited` with full-jitter backoff, honouring a short `Retry-After`;
writes never are, because WebWork has no idempotency key. Every call first passes the client's
`CallGate` (the person's allowance of calls), and a 429 holds back every call this client makes
for its `Retry-After`, so the reads a page makes in parallel stop together.
"""

from __future__ import annotations

import contextvars
import logging
import random
import re
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import urlsplit

from .error_mapping import Kind, payload
from .errors import AuthExpired, BadResponse, OverBudget, RateLimited, Unavailable, WebWorkError
from .records.parsing import items_from_api, to_int
from .transport import DEFAULT_TIMEOUT, BearerAuth, Timeout, loggable_path, send

logger = logging.getLogger("dashboard.webwork")

PER_PAGE = 100  # WebWork's maximum page size
MAX_PAGES = 200  # a list announcing more pages than this is refused, not followed


@dataclass(frozen=True, kw_only=True)
class RateLimitStatus:
    """WebWork's rate-limit headers from the latest response, and when they were seen."""

    limit: int | None
    remaining: int | None
    observed_at: float


class CallGate(Protocol):
    """What every call passes before it leaves: the person's allowance of WebWork calls."""

    def admit(self, kind: Kind, *, deadline: float | None) -> None:
        """Return when the call may go (after a short wait, for writes); else raise OverBudget."""


def _header_int(value: str | None) -> int | None:
    if value is None or not re.fullmatch(r"\s*\d{1,12}\s*", value):
        return None
    return int(value)


class Requester:
    """The calling machinery of `WebWorkClient`, as one account (one access token).

    `on_unauthorized` is called at most once per client, on a 401, to get a fresh access token;
    the refused call is then repeated once with it. GETs are retried up to `max_attempts` in
    total on `Unavailable` and `RateLimited` with full-jitter backoff; a `Retry-After` longer
    than `max_retry_wait` is raised at once. Writes are never retried. `deadline` (a
    `time.monotonic()` instant) bounds the whole budget: timeouts shrink to fit it, no retry
    wait runs past it, and no call starts after it. Once a list's first page tells how many
    there are, up to `page_workers` of the rest are fetched at once (a month of a 500-person
    workspace is about six pages: one round after the first). `gate` is asked before every call
    (retries and pages included). A 429 holds every later call of this client (the reads of one
    page share a client) for its `Retry-After`, or `backoff_cap` without one: a hold longer than
    `max_retry_wait` makes them give up at once instead of retrying.
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
        gate: CallGate | None = None,
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
        self._gate = gate
        self._hold_until = 0.0  # time.monotonic() before which WebWork asked not to be called
        self._hold_lock = threading.Lock()
        self.rate_limit: RateLimitStatus | None = None

    def __repr__(self) -> str:
        return f"{type(self).__name__}(base_url={self._base_url!r})"

    def _iter_pages(
        self, path: str, params: dict[str, Any], *, expect_pages: int = 1
    ) -> Iterator[dict[str, Any]]:
        """Yield the objects of every page in order.

        The first page says how many there are; the rest are then fetched concurrently. With
        `expect_pages` (how many the list had last time) pages 1 to that are asked for at once,
        in one round, and only pages beyond it wait for the first page's answer.
        """
        params = {**params, "per_page": PER_PAGE}
        ahead = min(max(expect_pages, 1), MAX_PAGES)
        executor = ThreadPoolExecutor(
            max_workers=self._page_workers, thread_name_prefix="webwork-page"
        )
        try:
            early = [self._submit_page(executor, path, params, p) for p in range(2, ahead + 1)]
            first = self._request("GET", path, params={**params, "page": 1})
            last = self._last_page(path, first)
            yield from items_from_api(first.get("data"))
            later = [
                self._submit_page(executor, path, params, p) for p in range(ahead + 1, last + 1)
            ]
            for page, future in enumerate([*early, *later], start=2):
                items = future.result()
                if page <= last:  # a page asked for ahead of a list that has shrunk
                    yield from items
        finally:
            executor.shutdown(wait=False, cancel_futures=True)

    def _submit_page(self, executor: ThreadPoolExecutor, path: str, params: dict, page: int):
        # Each page runs in a copy of this context, so record_calls() sees its call.
        return executor.submit(contextvars.copy_context().run, self._get_page, path, params, page)

    @staticmethod
    def _last_page(path: str, first: dict[str, Any]) -> int:
        """The last page the first page announces (1 without a pagination block)."""
        meta = first.get("meta")
        pagination = meta.get("pagination") if isinstance(meta, dict) else None
        last = to_int(pagination.get("last_page")) if isinstance(pagination, dict) else None
        last = max(last or 1, 1)
        if last > MAX_PAGES:
            logger.warning("webwork %s announced %d pages; refusing to follow", path, last)
            raise BadResponse(f"WebWork announced {last} pages; at most {MAX_PAGES} are read.")
        return last

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
        kind: Kind = "read",
    ) -> dict[str, Any]:
        """Call WebWork, retrying GETs on transient failures and re-authorising once on 401."""
        failures = 0
        reauthorized = False
        waited_out = False  # this call just waited for its own 429's Retry-After
        while True:
            token = self._access_token
            try:
                if not waited_out:
                    self._wait_for_hold()
                waited_out = False
                return self._attempt(method, path, params=params, body=body, kind=kind, token=token)
            except AuthExpired:
                # A 401 means the request was not applied, so even a write may be repeated.
                if reauthorized or not self._reauthorize(token):
                    raise
                reauthorized = True
            except OverBudget:
                raise  # the gate already waited as long as it should
            except (Unavailable, RateLimited) as error:
                failures += 1
                delay = self._retry_delay(method, failures, error)
                if delay is None:
                    raise
                self._sleep(delay)
                waited_out = isinstance(error, RateLimited)

    def _attempt(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None,
        body: dict[str, Any] | None,
        kind: Kind,
        token: str,
    ) -> dict[str, Any]:
        if self._gate is not None:
            self._gate.admit(kind, deadline=self._deadline)
        response = send(
            method,
            self._base_url + path,
            label=loggable_path(path, params),
            auth=BearerAuth(token),
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
        try:
            return payload(response, kind=kind, secrets=self._known_tokens)
        except RateLimited as error:
            self._hold(error.retry_after)
            raise

    def _hold(self, retry_after: float | None) -> None:
        """WebWork said 429: no call of this client goes before `retry_after` is over."""
        seconds = self._backoff_cap if retry_after is None else retry_after
        with self._hold_lock:
            self._hold_until = max(self._hold_until, time.monotonic() + seconds)

    def _wait_for_hold(self) -> None:
        """Wait out a short hold after a 429; raise RateLimited (nothing sent) for a long one."""
        left = self._hold_until - time.monotonic()
        if left <= 0:
            return
        too_late = self._deadline is not None and time.monotonic() + left >= self._deadline
        if left > self._max_retry_wait or too_late:
            raise RateLimited("WebWork asked to slow down; not asked again yet.", retry_after=left)
        self._sleep(left)

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

"""The call log: every OAuth and API request the sandbox answered, for assertions in tests."""

from __future__ import annotations

import re
import threading
from collections import Counter
from collections.abc import Callable


class CallLog:
    """Thread-safe list of request records with counting helpers.

    A record is a dict: ``at`` (monotonic seconds from the state's clock, taken when the request
    arrived), ``wall`` (ISO time), ``method``, ``path``, ``query`` (dict), ``status`` (None when
    the connection was dropped), ``user_id`` and ``token_id`` (owner and short id of the bearer
    token, never the token), ``client_id`` (OAuth requests) and ``fault`` (the injected fault, if
    any).
    """

    def __init__(self, clock: Callable[[], float]):
        self._clock = clock
        self._lock = threading.Lock()
        self._records: list[dict] = []

    def append(self, record: dict) -> None:
        """Add one record."""
        with self._lock:
            self._records.append(record)

    def clear(self) -> None:
        """Forget every record."""
        with self._lock:
            self._records.clear()

    def now(self) -> float:
        """Current reading of the clock used for ``at`` (pass it later as ``since``)."""
        return self._clock()

    def records(
        self,
        method: str | None = None,
        path: str | None = None,
        since: float | None = None,
        *,
        status: int | None = None,
        token_id: str | None = None,
        user_id: int | None = None,
    ) -> list[dict]:
        """Return copies of the matching records; ``path`` is a regex searched in the path."""
        pattern = re.compile(path) if path else None
        with self._lock:
            records = list(self._records)
        return [
            dict(r)
            for r in records
            if (method is None or r["method"] == method.upper())
            and (pattern is None or pattern.search(r["path"]))
            and (since is None or r["at"] >= since)
            and (status is None or r["status"] == status)
            and (token_id is None or r["token_id"] == token_id)
            and (user_id is None or r["user_id"] == user_id)
        ]

    def count(
        self,
        method: str | None = None,
        path: str | None = None,
        since: float | None = None,
        **filters,
    ) -> int:
        """Count the matching records (same filters as :meth:`records`)."""
        return len(self.records(method, path, since, **filters))

    def counts(self, **filters) -> dict[str, int]:
        """Count records per ``"METHOD /path"``."""
        counter = Counter(f"{r['method']} {r['path']}" for r in self.records(**filters))
        return dict(sorted(counter.items()))

    def max_in_window(
        self,
        seconds: float = 60,
        token_id: str | None = None,
        *,
        user_id: int | None = None,
        path: str | None = None,
    ) -> int:
        """Return the most calls that fell in any rolling window of ``seconds``."""
        times = sorted(r["at"] for r in self.records(path=path, token_id=token_id, user_id=user_id))
        best = 0
        first = 0
        for last, moment in enumerate(times):
            while moment - times[first] >= seconds:
                first += 1
            best = max(best, last - first + 1)
        return best

    def __len__(self) -> int:
        with self._lock:
            return len(self._records)

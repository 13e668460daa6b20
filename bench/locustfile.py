"""Locust users for the load test: one signed-in session, one warm page, no think time.

Run by `bench.load` with BENCH_COOKIES (JSON) and BENCH_PATH set. Besides locust's own
(client-side) timings, each response's server time from `Server-Timing` is reported as a
request of type SERVER, so locust's statistics hold both.
"""

import json
import os
import re

from locust import HttpUser, constant, events, task

COOKIES = json.loads(os.environ.get("BENCH_COOKIES", "{}"))
PATH = os.environ.get("BENCH_PATH", "/")
_APP = re.compile(r"app;dur=([0-9.]+)")
_CALLS = re.compile(r'desc="(\d+) calls?"')


class PageUser(HttpUser):
    """Views the page again as soon as the previous view has arrived."""

    wait_time = constant(0)

    def on_start(self):
        """Carry the signed-in session."""
        self.client.cookies.update(COOKIES)

    @task
    def view(self):
        """One page view."""
        with self.client.get(PATH, name=PATH, catch_response=True, allow_redirects=False) as r:
            if r.status_code != 200:
                r.failure(f"HTTP {r.status_code}")
                return
            if "notice--error" in r.text:
                r.failure("page showed an error notice")
                return
            r.success()
            header = r.headers.get("Server-Timing", "")
            app = _APP.search(header)
            if app:
                _record("SERVER", float(app.group(1)))
            calls = _CALLS.search(header)
            if calls and int(calls.group(1)):
                _record("UPSTREAM", int(calls.group(1)))


def _record(kind: str, value: float) -> None:
    """Report a figure from the response as a request of its own type (SERVER, UPSTREAM)."""
    events.request.fire(
        request_type=kind,
        name=PATH,
        response_time=value,
        response_length=0,
        exception=None,
        context={},
    )

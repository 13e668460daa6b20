"""The "bulk approve 100" case: one POST naming 100 pending requests, then the progress
panel's polls until the last is decided. Measures the time to the last decision and the
upstream calls, which the person's allowance (60 a minute) paces rather than latency."""

import re
import time

from bench.clients import Dashboard, Sandbox
from bench.series import WORKSPACE, Pools
from bench.stack import BenchError, say

COUNT = 100
POLL_SECONDS = 1.0
GIVE_UP_SECONDS = 420
_RUN = re.compile(r"/w/\d+/leaves/bulk/([0-9a-f-]{36})/poll/")
_HANDLED = re.compile(r"(\d+) of (\d+) handled")


def measure_bulk(dashboard: Dashboard, sandbox: Sandbox, pools: Pools, *, latency_ms: int) -> dict:
    """Approve `COUNT` pending requests at once; what it took."""
    if len(pools.pending) < COUNT:
        raise BenchError(f"only {len(pools.pending)} pending requests left for the bulk case")
    leaves = [pools.next_leave() for _ in range(COUNT)]
    say(f"  bulk approve {COUNT} at {latency_ms} ms")
    sandbox.wait_idle()
    since = sandbox.now()
    started = time.perf_counter()
    response, _ = dashboard.request(
        "POST",
        f"/w/{WORKSPACE}/leaves/bulk/",
        data={"leave": leaves, "action": "approve"},
        htmx=True,
    )
    found = _RUN.search(response.text)
    handled = _HANDLED.search(response.text)
    polls = 0
    while handled is None or handled.group(1) != handled.group(2):
        if found is None or time.perf_counter() - started > GIVE_UP_SECONDS:
            raise BenchError(f"the bulk run did not finish: HTTP {response.status_code}")
        time.sleep(POLL_SECONDS)
        response, _ = dashboard.request("POST", found.group(0), htmx=True)
        found = _RUN.search(response.text) or found
        handled = _HANDLED.search(response.text)
        polls += 1
    seconds = time.perf_counter() - started
    calls = [c for c in sandbox.calls(since=since)["calls"] if c.get("path", "").startswith("/api")]
    puts = sum(1 for c in calls if c["method"] == "PUT")
    return {
        "latency_ms": latency_ms,
        "count": COUNT,
        "seconds_to_last": round(seconds, 1),
        "polls": polls,
        "upstream_calls": len(calls),
        "puts": puts,
        "gets": len(calls) - puts,
        "max_calls_in_a_minute": _max_in_window([float(c["at"]) for c in calls], 60.0),
        "decided": sum(1 for _ in re.finditer(r"bulk-report__row--decided", response.text)),
    }


def _max_in_window(times: list[float], seconds: float) -> int:
    times = sorted(times)
    best, first = 0, 0
    for last, moment in enumerate(times):
        while moment - times[first] >= seconds:
            first += 1
        best = max(best, last - first + 1)
    return best

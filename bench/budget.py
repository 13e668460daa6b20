"""The rate budget: a manager's morning round of five cold pages, with WebWork's limit on.

WebWork allows 60 calls a minute per person; the sandbox enforces the same (`rate_limit` 60 per
token). The round opens inbox, calendar, balances, requests and policies once each, one after
another, on an emptied cache and a fresh rate window, and counts at the sandbox what each page
cost, how many sequential rounds of calls it waited for, whether WebWork refused any (429) and
whether the page had its data. Then the same five pages again, warm: they should cost nothing.
"""

from bench.clients import Dashboard, Sandbox
from bench.stack import Stack
from bench.stats import rounds

ROUND = ("inbox", "calendar", "balances", "leaves", "policies")
WEBWORK_PER_MINUTE = 60
# A page that could not show its data says so in an error notice.
NO_DATA = ("notice--error", "can't be shown", "could not be loaded")


def measure_round(
    stack: Stack,
    dashboard: Dashboard,
    sandbox: Sandbox,
    pages: dict[str, tuple[str, str]],
    latency_ms: int,
) -> dict:
    """The cold morning round and the warm one after it, page by page (`pages`: key to title
    and path)."""
    sandbox.set_latency(latency_ms)
    stack.flush_cache()
    sandbox.reset_rate_limits()
    sandbox.wait_idle()
    sandbox.clear_calls()
    started = sandbox.now()
    cold = [_page(dashboard, sandbox, key, *pages[key], latency_ms) for key in ROUND]
    warm = [_page(dashboard, sandbox, key, *pages[key], latency_ms) for key in ROUND]
    arrivals = [c["at"] for c in sandbox.calls(since=started).get("calls") or []]
    sandbox.set_latency(0)
    return {
        "latency_ms": latency_ms,
        "cold": cold,
        "warm": warm,
        "cold_calls": sum(p["calls"] for p in cold),
        "warm_calls": sum(p["calls"] for p in warm),
        "busiest_minute": _busiest(arrivals),
        "budget": WEBWORK_PER_MINUTE,
    }


def _page(
    dashboard: Dashboard, sandbox: Sandbox, key: str, title: str, path: str, latency_ms: int
) -> dict:
    since = sandbox.now()
    response, client_ms = dashboard.request("GET", path)
    sandbox.wait_idle(quiet=0.5)
    calls = sandbox.calls(since=since).get("calls") or []
    html = response.text
    return {
        "page": key,
        "title": title,
        "status": response.status_code,
        "has_data": response.status_code == 200 and not any(s in html for s in NO_DATA),
        "calls": len(calls),
        "refused": sum(1 for c in calls if c.get("status") == 429),
        "rounds": rounds([c["at"] for c in calls], latency_ms) if latency_ms else None,
        "client_ms": round(client_ms, 1),
    }


def _busiest(arrivals: list[float]) -> int:
    """The most calls in any 60 seconds."""
    times, best, first = sorted(arrivals), 0, 0
    for last, moment in enumerate(times):
        while moment - times[first] >= 60:
            first += 1
        best = max(best, last - first + 1)
    return best

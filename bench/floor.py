"""The floor a cold page is compared with: the sandbox's own time for each call the page needs.

The calls a page needs are read from the sandbox's log of one cold request of that page (so
the list follows the product as it changes). Each distinct list (path and filters) is called
directly with the signed-in person's bearer token, first page, 100 per page, a few times; the
median is that call's time. A page's floor is its slowest such call; the smallest number of
calls it could make is the sum of the lists' page counts.
"""

import json
import time

from bench.clients import Sandbox
from bench.stats import median

PAGING = ("page", "per_page")


def call_key(call: dict) -> str:
    """Path and filters of a call, without paging: one key per distinct list."""
    query = {k: v for k, v in sorted((call.get("query") or {}).items()) if k not in PAGING}
    return f"{call['path']}?{json.dumps(query, sort_keys=True)}"


def measure_floor(sandbox: Sandbox, needed: dict[str, list[dict]], *, reps: int) -> dict:
    """Time every distinct list the cases need; per case: floor, slowest call, minimum calls.

    `needed` maps a case key to the GET calls of one cold request of it.
    """
    distinct: dict[str, dict] = {}
    for calls in needed.values():
        for call in calls:
            distinct.setdefault(call_key(call), call)
    timed: dict[str, dict] = {}
    for key, call in distinct.items():
        params = {k: v for k, v in (call.get("query") or {}).items() if k not in PAGING}
        params |= {"page": 1, "per_page": 100}
        path = call["path"].removeprefix("/api/v2")
        times, body = [], {}
        sandbox.reset_rate_limits()  # the limit stays on; these calls are ours, not the page's
        for _ in range(reps):
            body, elapsed = sandbox.get(path, params)
            times.append(elapsed)
            time.sleep(0.01)
        pagination = (body.get("meta") or {}).get("pagination") or {}
        items = pagination.get("total")
        if items is None:
            items = len(body.get("data") or [])
        timed[key] = {
            "path": path,
            "params": {k: v for k, v in params.items() if k not in PAGING},
            "ms": median(times),
            "runs": times,
            "items": int(items),
            "pages": max(int(pagination.get("last_page") or 1), 1),
        }
    per_case = {}
    for case, calls in needed.items():
        keys = sorted({call_key(call) for call in calls})
        if not keys:
            continue
        slowest = max(keys, key=lambda k: timed[k]["ms"])
        per_case[case] = {
            "floor_ms": timed[slowest]["ms"],
            "slowest": f"GET {timed[slowest]['path']} {_params_text(timed[slowest]['params'])}",
            "min_calls": sum(timed[k]["pages"] for k in keys),
            "lists": [
                {
                    "call": f"GET {timed[k]['path']} {_params_text(timed[k]['params'])}",
                    "ms": timed[k]["ms"],
                    "items": timed[k]["items"],
                    "pages": timed[k]["pages"],
                }
                for k in keys
            ],
        }
    return {"calls": timed, "cases": per_case}


def _params_text(params: dict) -> str:
    shown = {k: v for k, v in params.items() if k != "workspace_id"}
    return "&".join(f"{k}={v}" for k, v in sorted(shown.items())) or "(no filter)"

"""Throughput and latency of a warm page under load: locust, headless, for a bounded time."""

import csv
import json
import os
import signal
import subprocess
from pathlib import Path

from bench.clients import Dashboard, Sandbox
from bench.stack import PYTHON, ROOT, BenchError, Stack, say


def run_load(
    stack: Stack,
    dashboard: Dashboard,
    sandbox: Sandbox,
    *,
    key: str,
    path: str,
    users: int,
    seconds: int,
    out_dir: Path,
) -> dict:
    """Warm the page, then let `users` users view it back to back for `seconds` (in a fresh
    minute: what the series before spent is not this run's)."""
    sandbox.wait_idle()
    stack.fresh_minute()
    sandbox.reset_rate_limits()
    for _ in range(2):
        dashboard.request("GET", path)
    sandbox.clear_calls()
    prefix = out_dir / f"locust-{key}"
    env = {
        **os.environ,
        "BENCH_COOKIES": json.dumps(dashboard.session.cookies.get_dict()),
        "BENCH_PATH": path,
        "PYTHONPATH": str(ROOT),
    }
    args = [
        PYTHON,
        "-m",
        "locust",
        "-f",
        str(ROOT / "bench" / "locustfile.py"),
        "--headless",
        "--users",
        str(users),
        "--spawn-rate",
        str(users),
        "--run-time",
        f"{seconds}s",
        "--reset-stats",
        "--stop-timeout",
        "10",
        "--host",
        stack.web_url,
        "--csv",
        str(prefix),
        "--only-summary",
        "--loglevel",
        "WARNING",
        "--exit-code-on-error",
        "0",
    ]
    log = out_dir / f"locust-{key}.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            args, env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    stack.cleanups.append(lambda: _kill(process))
    try:
        code = process.wait(seconds + 60)
    except subprocess.TimeoutExpired:
        _kill(process)
        raise BenchError(f"locust did not stop; see {log}") from None
    if code != 0:
        raise BenchError(f"locust failed ({code}); see {log}")
    rows = _stats(Path(f"{prefix}_stats.csv"))
    upstream = sandbox.calls()
    page = rows.get(("GET", path), {})
    server = rows.get(("SERVER", path), {})
    result = {
        "path": path,
        "users": users,
        "seconds": seconds,
        "requests": page.get("Request Count"),
        "failures": page.get("Failure Count"),
        "rps": page.get("Requests/s"),
        "client_ms": {q: page.get(q) for q in ("50%", "95%", "99%", "100%")},
        "server_ms": {q: server.get(q) for q in ("50%", "95%", "99%", "100%")},
        "views_with_upstream_calls": rows.get(("UPSTREAM", path), {}).get("Request Count", 0),
        "sandbox_calls": upstream.get("total"),
        "sandbox_counts": upstream.get("counts"),
    }
    say(
        f"  load {key}: {result['rps']} req/s, client p50 {result['client_ms']['50%']} ms, "
        f"p95 {result['client_ms']['95%']} ms, failures {result['failures']}"
    )
    return result


def _kill(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


def _stats(path: Path) -> dict[tuple[str, str], dict]:
    if not path.exists():
        raise BenchError(f"locust wrote no statistics ({path})")
    rows = {}
    with path.open() as handle:
        for row in csv.DictReader(handle):
            parsed = {}
            for name, value in row.items():
                try:
                    parsed[name] = float(value) if "." in value else int(value)
                except (TypeError, ValueError):
                    parsed[name] = value
            rows[(row["Type"], row["Name"])] = parsed
    return rows

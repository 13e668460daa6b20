"""Lighthouse's phone preset on every signed-in page, each with the cache emptied first.

    python -m bench.lighthouse                       # make lighthouse
    python -m bench.lighthouse --lighthouse ./node_modules/.bin/lighthouse --runs 3

It starts the benchmark's stack (the seeded sandbox, gunicorn with the production settings,
PostgreSQL and Redis as `make bench` does), signs in, and for each page empties the cache,
starts a fresh WebWork minute and runs Lighthouse (performance only, its default phone preset:
a mid-range phone on a slow 4G link, simulated) with the session's cookies. Each page is
measured twice: as a browser that has run the dashboard's script before (frame first, the usual
case) and as one that has not (the page in one piece). Needs Node.js with the `lighthouse`
command (`npm install -g lighthouse`, or `--lighthouse PATH`) and Chromium (`CHROME_PATH`,
default /usr/bin/chromium). Writes docs/lighthouse.md and bench/results/lighthouse-*.json.
"""

import argparse
import datetime as dt
import json
import os
import shutil
import statistics
import subprocess
import tempfile
from pathlib import Path

from bench.clients import Dashboard, Sandbox
from bench.stack import RESULTS, ROOT, BenchError, Stack, free_port, say

PAGES = {
    "Inbox": "/w/1/",
    "Requests": "/w/1/leaves/",
    "Calendar": "/w/1/calendar/",
    "Balances": "/w/1/balances/",
    "Policies": "/w/1/policies/",
}
VARIANTS = {"frame first": True, "in one piece": False}
TARGET = 95
DOC = ROOT / "docs" / "lighthouse.md"


def main(argv: list[str] | None = None) -> int:
    """Measure, write the report; 0 when every page was measured."""
    parser = argparse.ArgumentParser(prog="python -m bench.lighthouse", description=__doc__)
    parser.add_argument("--lighthouse", default=shutil.which("lighthouse") or "lighthouse")
    parser.add_argument("--runs", type=int, default=1, help="runs per page and variant (1)")
    parser.add_argument("--redis-db", type=int, default=9)
    parser.add_argument(
        "--pages", default="", help=f"only these pages (comma-separated: {', '.join(PAGES)})"
    )
    options = parser.parse_args(argv)
    if not Path(options.lighthouse).exists() and not shutil.which(options.lighthouse):
        raise SystemExit("lighthouse not found: npm install -g lighthouse, or --lighthouse PATH")
    chrome = os.environ.get("CHROME_PATH", "/usr/bin/chromium")
    RESULTS.mkdir(parents=True, exist_ok=True)
    log_dir = RESULTS / "logs"
    log_dir.mkdir(exist_ok=True)
    stack = Stack(redis_db=options.redis_db, log_dir=log_dir)
    rows = []
    try:
        stack.start_sandbox()
        stack.open_database()
        stack.open_cache()
        if not stack.can_flush:
            raise BenchError("Redis is needed: each page is measured with the cache emptied")
        stack.prepare_django()
        stack.start_web()
        dashboard = Dashboard(stack.web_url)
        dashboard.sign_in()
        sandbox = Sandbox(stack.sandbox_url)
        cookies = dashboard.session.cookies.get_dict()
        chosen = {p.strip().casefold() for p in options.pages.split(",") if p.strip()}
        for title, path in PAGES.items():
            if chosen and title.casefold() not in chosen:
                continue
            for variant, script in VARIANTS.items():
                runs = []
                for _ in range(options.runs):
                    stack.flush_cache()
                    sandbox.reset_rate_limits()
                    jar = {**cookies, **({"wwld_js": "1"} if script else {})}
                    runs.append(_measured(options.lighthouse, chrome, stack.web_url + path, jar))
                row = {"page": title, "path": path, "variant": variant, **_median(runs)}
                say(f"  {title:<9} {variant:<12} performance {row['score']}")
                rows.append(row)
    except BenchError as exc:
        say(f"failed: {exc}")
        return 1
    finally:
        stack.close()
    stamp = dt.datetime.now(dt.UTC)
    raw = RESULTS / f"lighthouse-{stamp:%Y%m%d-%H%M%S}.json"
    raw.write_text(json.dumps(rows, indent=1))
    DOC.write_text(_markdown(rows, stamp, options.runs))
    say(f"report: {DOC.relative_to(ROOT)}; raw: {raw.relative_to(ROOT)}")
    return 0


def _measured(command: str, chrome: str, url: str, cookies: dict[str, str]) -> dict:
    """A Lighthouse run, tried once more when Lighthouse itself fails (it sometimes loses the
    trace of a page load: NO_NAVSTART)."""
    try:
        return _lighthouse(command, chrome, url, cookies)
    except BenchError as exc:
        say(f"  lighthouse failed once, again: {str(exc).splitlines()[-1][:120]}")
        return _lighthouse(command, chrome, url, cookies)


def _lighthouse(command: str, chrome: str, url: str, cookies: dict[str, str]) -> dict:
    """One Lighthouse run on `url` in a fresh Chromium profile that holds `cookies`.

    Lighthouse's own `--extra-headers` does not reach every request a page makes (htmx's
    requests went without the session), so the cookies are put in the browser's own jar:
    Playwright starts Chromium with a debugging port and a new profile, sets them, and
    Lighthouse drives that browser (keeping its storage, where the cookies are; the profile
    is new, so nothing else is cached)."""
    from playwright.sync_api import sync_playwright

    port = free_port()
    host = url.split("/")[2].split(":")[0]
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as playwright:
        browser = playwright.chromium.launch_persistent_context(
            str(Path(tmp) / "profile"),
            executable_path=chrome,
            headless=True,
            args=[f"--remote-debugging-port={port}", "--disable-gpu", "--no-sandbox"],
        )
        try:
            browser.add_cookies(
                [{"name": k, "value": v, "domain": host, "path": "/"} for k, v in cookies.items()]
            )
            out = Path(tmp) / "report.json"
            done = subprocess.run(
                [
                    command,
                    url,
                    f"--port={port}",
                    "--disable-storage-reset",
                    "--only-categories=performance",
                    "--output=json",
                    f"--output-path={out}",
                    "--quiet",
                ],
                capture_output=True,
                text=True,
                timeout=300,
                check=False,
            )
            if done.returncode != 0 or not out.exists():
                raise BenchError(f"lighthouse failed on {url}:\n{done.stderr[-2000:]}")
            report = json.loads(out.read_text())
        finally:
            browser.close()
    audits = report["audits"]
    final = report.get("finalDisplayedUrl") or report.get("finalUrl") or url
    if "/accounts/login" in final:
        raise BenchError(f"lighthouse was not signed in on {url} (ended at {final})")
    return {
        "score": round(report["categories"]["performance"]["score"] * 100),
        "fcp_ms": audits["first-contentful-paint"]["numericValue"],
        "lcp_ms": audits["largest-contentful-paint"]["numericValue"],
        "tbt_ms": audits["total-blocking-time"]["numericValue"],
        "cls": audits["cumulative-layout-shift"]["numericValue"],
        "si_ms": audits["speed-index"]["numericValue"],
    }


def _median(runs: list[dict]) -> dict:
    return {key: statistics.median(run[key] for run in runs) for key in runs[0]}


def _markdown(rows: list[dict], stamp: dt.datetime, runs: int) -> str:
    lines = [
        "# Lighthouse",
        "",
        f"Generated by `make lighthouse` on {stamp:%Y-%m-%d %H:%M} UTC: Lighthouse's phone "
        "preset (a mid-range phone on a slow 4G link, simulated), performance only, on the "
        "benchmark's stack (500 members, 5,000 leaves; see [Benchmarks](benchmarks.md)), each "
        f"page with the cache emptied first; the median of {runs} run(s) per row. **Frame "
        "first** is a browser that has run the dashboard's script before (the usual case); "
        "**in one piece** one that has not.",
        "",
        f"Target: performance ≥ {TARGET} on every page with the cache cold.",
        "",
        "| Page | Browser | Performance | First contentful paint | Largest contentful paint "
        "| Total blocking time | Layout shift | Speed index | Target |",
        "| --- | --- | --: | --: | --: | --: | --: | --: | --- |",
    ]
    for row in rows:
        passed = "✅ pass" if row["score"] >= TARGET else "❌ miss"
        lines.append(
            f"| {row['page']} (`{row['path']}`) | {row['variant']} | {row['score']:.0f} "
            f"| {row['fcp_ms']:,.0f} ms | {row['lcp_ms']:,.0f} ms | {row['tbt_ms']:,.0f} ms "
            f"| {row['cls']:.3f} | {row['si_ms']:,.0f} ms | {passed} |"
        )
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    raise SystemExit(main())

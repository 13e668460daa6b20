"""Turn raw results into docs/benchmarks.md (tables, targets, explanations) and a plot."""

import datetime as dt
import math
from pathlib import Path

from bench.stats import median, percentile, summary

# Kept by hand: what was changed to make the pages fast, with the figures before and after.
# The generated report includes it, so every run keeps the record.
HISTORY = Path(__file__).with_name("history.md")

WARM_P50 = 15.0
WARM_P95 = 40.0
FRAME_MS = 30.0  # time to first byte of a page answered with its frame
COLD_FACTOR = 1.3
# Five cold pages opened once within a minute (the read-model issue's target).
ROUND_CALLS = 40
COLD_LATENCY = 150
LEAVES_CALL = "GET /api/v2/leaves"

SHORT = {
    "inbox": "inbox",
    "leaves": "requests",
    "leaves_filtered": "requests\n(filtered)",
    "calendar": "calendar",
    "balances": "balances",
    "policies": "policies",
    "approve": "approve",
    "new": "new request",
}


# --------------------------------------------------------------------------- reading results
def _series(results: dict, case: str, cold: bool, latency: int) -> dict | None:
    for s in results.get("series", []):
        if s["case"] == case and s["cold"] == cold and s["latency_ms"] == latency:
            return s
    return None


def stats(series: dict | None) -> dict | None:
    """Summary of one series, or None when nothing was measured."""
    if not series or not series.get("samples"):
        return None
    samples = series["samples"]
    app = summary([s["app_ms"] for s in samples])
    sandbox_calls = [s["sandbox_calls"] for s in samples]
    header_calls = [s["upstream_calls"] for s in samples if s["upstream_calls"] is not None]
    rounds = [s["rounds"] for s in samples if s.get("rounds") is not None]
    return {
        **app,
        "client_p50": percentile([s["client_ms"] for s in samples], 50),
        "upstream_p50": percentile([s["upstream_ms"] for s in samples], 50),
        "calls_p50": median(sandbox_calls),
        "calls_max": max(sandbox_calls),
        "header_calls_p50": median(header_calls),
        "header_calls_max": max(header_calls) if header_calls else None,
        "rounds_p50": median(rounds),
        "kb": (median([s["bytes"] for s in samples]) or 0) / 1024,
        "ok": sum(1 for s in samples if s["ok"]),
        "planned": series.get("planned"),
        "warmups": series.get("warmups"),
        "capped": series.get("capped"),
        "leave_calls_max": max(s["counts"].get(LEAVES_CALL, 0) for s in samples),
        "busiest_counts": max(samples, key=lambda s: s["sandbox_calls"])["counts"],
    }


def _floor(results: dict, case: str, latency: int) -> dict | None:
    return (results.get("floor", {}).get(str(latency)) or {}).get("cases", {}).get(case)


def _render(results: dict, case: str) -> dict | None:
    found = (results.get("render") or {}).get("cases", {}).get(case)
    if not found or "render_ms" not in found:
        return None
    return {
        "min": min(found["render_ms"]),
        "p50": percentile(found["render_ms"], 50),
        "request_p50": percentile(found["request_ms"], 50),
        "kb": found["bytes"] / 1024,
        "template": found["template"],
        "upstream_calls": found.get("upstream_calls", 0),
        "error_notice": found.get("error_notice", False),
    }


def _ms(value: float | None) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if value >= 100:
        return f"{value:,.0f}"
    return f"{value:.1f}" if value < 10 else f"{value:.0f}"


def _num(value: float | None) -> str:
    if value is None:
        return "–"
    return f"{value:g}" if isinstance(value, float) else str(value)


def _load(results: dict) -> str:
    start = results.get("load_average", {}).get("start")
    return " / ".join(f"{x:.2f}" for x in start) + " (1/5/15 min)" if start else "unknown"


def _rate(value) -> str:
    return f"{value:.1f}" if isinstance(value, int | float) else "–"


def _busy(results: dict) -> bool:
    """Busy before the benchmark started anything (later readings include its own load)."""
    cores = results["machine"].get("cores") or 1
    start = results.get("load_average", {}).get("start")
    return bool(start) and start[0] > cores / 2


# --------------------------------------------------------------------------- targets
def evaluate(results: dict) -> list[dict]:
    """Every target with its measurement, limit, verdict and, for misses, why."""
    cases = {c["key"]: c for c in results.get("cases", [])}
    latencies = results["options"]["latencies"]
    verdicts = []

    def add(target, case, latency, measured, limit, passed, why=""):
        verdicts.append(
            {
                "target": target,
                "case": case,
                "latency": latency,
                "measured": measured,
                "limit": limit,
                "result": "not measured" if passed is None else ("pass" if passed else "miss"),
                "why": why,
            }
        )

    # Warm inbox, calendar and balances: p50 <= 15 ms, p95 <= 40 ms.
    for key, case in cases.items():
        if not case["warm_target"]:
            continue
        for latency in latencies:
            st = stats(_series(results, key, False, latency))
            if st is None:
                add("warm p50 ≤ 15 ms, p95 ≤ 40 ms", key, latency, "–", "", None)
                continue
            passed = st["p50"] <= WARM_P50 and st["p95"] <= WARM_P95 and st["ok"] == st["n"]
            add(
                "warm p50 ≤ 15 ms, p95 ≤ 40 ms",
                key,
                latency,
                f"p50 {_ms(st['p50'])} ms, p95 {_ms(st['p95'])} ms",
                "15 / 40 ms",
                passed,
                "" if passed else _why_warm(results, case, latency, st),
            )

    # Cold pages at 150 ms: <= 1.3 x the slowest single upstream call the page needs.
    for key, case in cases.items():
        if case["kind"] != "page":
            continue
        if COLD_LATENCY not in latencies:
            continue
        st = stats(_series(results, key, True, COLD_LATENCY))
        floor = _floor(results, key, COLD_LATENCY)
        if st is None or floor is None:
            add("cold at 150 ms ≤ 1.3 × slowest call", key, COLD_LATENCY, "–", "", None)
            continue
        limit = COLD_FACTOR * floor["floor_ms"]
        passed = st["p50"] <= limit and st["ok"] == st["n"]
        add(
            "cold at 150 ms ≤ 1.3 × slowest call",
            key,
            COLD_LATENCY,
            f"p50 {_ms(st['p50'])} ms",
            f"{_ms(limit)} ms (1.3 × {_ms(floor['floor_ms'])})",
            passed,
            "" if passed else _why_cold(case, st, floor, limit),
        )

    # Frame first: a cold page, for a browser that runs the script, answers with its frame
    # within 30 ms of server time and asks WebWork nothing.
    for key, case in cases.items():
        if case["kind"] != "frame":
            continue
        for latency in latencies:
            st = stats(_series(results, key, True, latency))
            if st is None:
                add("frame first: first byte ≤ 30 ms, no call", key, latency, "–", "", None)
                continue
            passed = st["p50"] <= FRAME_MS and st["calls_max"] == 0 and st["ok"] == st["n"]
            add(
                "frame first: first byte ≤ 30 ms, no call",
                key,
                latency,
                f"p50 {_ms(st['p50'])} ms, p95 {_ms(st['p95'])} ms, max {st['calls_max']} calls",
                "30 ms, 0 calls",
                passed,
                ""
                if passed
                else "The frame is rendered by Django after the access check and the session "
                "are read; see the server time of the warm pages for the same fixed costs.",
            )

    # Warm page views: at most one upstream call.
    for key, case in cases.items():
        if case["kind"] != "page":
            continue
        for latency in latencies:
            st = stats(_series(results, key, False, latency))
            if st is None:
                add("warm view ≤ 1 upstream call", key, latency, "–", "", None)
                continue
            passed = st["calls_max"] <= 1 and st["ok"] == st["n"]
            add(
                "warm view ≤ 1 upstream call",
                key,
                latency,
                f"max {st['calls_max']} (median {_num(st['calls_p50'])})",
                "1",
                passed,
                "" if passed else _why_warm_calls(case, latency, st),
            )

    # The morning round: five cold pages within 40 calls, every one with its data.
    for budget in results.get("budget") or []:
        cold = budget["cold"]
        passed = budget["cold_calls"] <= ROUND_CALLS and all(p["has_data"] for p in cold)
        missing = [p["title"] for p in cold if not p["has_data"]]
        add(
            f"morning round ≤ {ROUND_CALLS} calls, every page with data",
            "five pages",
            budget["latency_ms"],
            f"{budget['cold_calls']} calls"
            + (f"; no data: {', '.join(missing)}" if missing else ""),
            f"{ROUND_CALLS} of {budget['budget']}",
            passed,
            "" if passed else _why_round(budget),
        )

    # Cold lists: leave-list calls <= ceil(items / 100).
    for key, case in cases.items():
        if not case["list_target"]:
            continue
        for latency in latencies:
            st = stats(_series(results, key, True, latency))
            floor = _floor(results, key, latency)
            lists = [
                x for x in (floor or {}).get("lists", []) if x["call"].startswith("GET /leaves ")
            ]
            if st is None or not lists:
                add("cold list ≤ ⌈items/100⌉ calls", key, latency, "–", "", None)
                continue
            items = sum(x["items"] for x in lists)
            limit = sum(max(math.ceil(x["items"] / 100), 1) for x in lists)
            passed = st["leave_calls_max"] <= limit and st["ok"] == st["n"]
            add(
                "cold list ≤ ⌈items/100⌉ calls",
                key,
                latency,
                f"{st['leave_calls_max']} leave-list calls",
                f"{limit} ({items:,} items)",
                passed,
                "" if passed else _why_cold_list(case, latency, st, items, limit),
            )
    return verdicts


def _why_round(budget: dict) -> str:
    pages = ", ".join(f"{p['title']} {p['calls']}" for p in budget["cold"] if p["calls"])
    return (
        f"The morning round spent {budget['cold_calls']} calls ({pages}): the months the five "
        "pages show between them (the requests list's five, the inbox's week and its pending "
        "requests' months) are read once each as whole-month parts of about 420 leaves, five "
        "calls each, beside the pending list, members and balances (five calls each at 500 "
        "members). What one page reads, the next finds held: the calendar, balances and "
        "policies cost nothing after the inbox."
    )


def _why_cold_list(case: dict, latency: int, st: dict, items: int, limit: int) -> str:
    title = f"{case['title']} (cold, {latency} ms)"
    if st["ok"] < st["n"]:
        return (
            f"{title} never finished loading its list: all {items:,} matching requests take "
            f"{limit} pages of 100, and after up to {st['leave_calls_max']} of them the "
            f"request's upstream time budget ran out; {st['n'] - st['ok']} of {st['n']} "
            "responses showed an error notice instead of the list."
        )
    return (
        f"{title} asked WebWork for {st['leave_calls_max']} pages of leave requests where "
        f"{limit} pages of 100 hold all {items:,} matching ones."
    )


def _why_warm(results: dict, case: dict, latency: int, st: dict) -> str:
    parts = [
        f"{case['title']} (warm, {latency} ms): p50 {_ms(st['p50'])} ms, p95 {_ms(st['p95'])} ms."
    ]
    render = _render(results, case["key"])
    if render:
        # The fastest render is the surest lower bound on a busy machine.
        share = render["min"] / st["p50"] if st["p50"] else 0
        parts.append(
            f"Rendering its template alone takes at least {_ms(render['min'])} ms "
            f"({render['kb']:,.0f} KB of HTML)"
            + (", most of the page's time." if share >= 0.5 else ".")
        )
        rest = st["p50"] - render["min"]
        if rest > WARM_P50:
            parts.append(
                f"Up to {_ms(rest)} ms go to building the page's data from cached lists, "
                "sessions, the database and middleware."
            )
    if st["calls_max"]:
        parts.append(f"It still made up to {st['calls_max']} upstream calls while warm.")
    if st["ok"] < st["n"]:
        parts.append(f"{st['n'] - st['ok']} of {st['n']} responses showed an error notice.")
    if _busy(results):
        parts.append("The machine was busy during the run, which inflates p95.")
    return " ".join(parts)


def _why_cold(case: dict, st: dict, floor: dict, limit: float) -> str:
    rounds = st["rounds_p50"]
    parts = [
        f"{case['title']} (cold, 150 ms): p50 {_ms(st['p50'])} ms against {_ms(limit)} ms.",
        f"It made {_num(st['calls_p50'])} upstream calls",
    ]
    if rounds:
        parts[-1] += (
            f" in about {_num(rounds)} sequential rounds; each round waits at least the 150 ms "
            f"latency, so {_num(rounds)} rounds cost at least {_ms(rounds * 150)} ms where the "
            "target allows one (every call of the page started at once)."
        )
    else:
        parts[-1] += "."
    parts.append(f"Its slowest single call is {floor['slowest']} ({_ms(floor['floor_ms'])} ms).")
    if st["ok"] < st["n"]:
        parts.append(
            f"{st['n'] - st['ok']} of {st['n']} responses showed an error notice "
            "(WebWork's answers did not all arrive within the request's upstream budget)."
        )
    return " ".join(parts)


def _why_warm_calls(case: dict, latency: int, st: dict) -> str:
    counts = ", ".join(f"{k} ×{v}" for k, v in sorted(st["busiest_counts"].items()))
    text = f"{case['title']} (warm, {latency} ms) made up to {st['calls_max']} calls ({counts})."
    if st["ok"] < st["n"]:
        text += (
            " Nothing usable was cached: the cold fetch never completed within the request's "
            "upstream budget, so every view fetches again."
        )
    return text


# --------------------------------------------------------------------------- markdown
def write(results: dict, markdown: Path, plot: Path) -> tuple[Path, Path]:
    """Write the report and the plot; return their paths."""
    markdown.parent.mkdir(parents=True, exist_ok=True)
    verdicts = evaluate(results)
    _plot(results, plot)
    markdown.write_text(_markdown(results, verdicts, plot.name))
    return markdown, plot


def _markdown(results: dict, verdicts: list[dict], plot_name: str) -> str:
    m = results["machine"]
    o = results["options"]
    stack = results.get("stack", {})
    seed = results.get("seed", {})
    started = dt.datetime.fromisoformat(results["started"])
    minutes, seconds = divmod(int(results.get("duration_s") or 0), 60)
    lines = [
        "# Benchmarks",
        "",
        f"Generated by `{'python -m bench --quick' if o['quick'] else 'make bench'}` on "
        f"{started:%Y-%m-%d %H:%M} UTC in {minutes} min {seconds:02d} s. Every run rewrites this "
        "file and [the plot](" + plot_name + "); raw results are in `bench/results/`.",
        "",
    ]
    if _busy(results):
        la = results["load_average"]
        lines += [
            f"> **The machine was busy** (load average {la['start'][0]:.1f} on {m['cores']} "
            "cores before the benchmark started anything): these figures are slower and noisier "
            "than a quiet machine gives. Treat them as provisional.",
            "",
        ]
    if any(s.get("skipped") for s in results.get("series", [])):
        lines += [
            "> **No cold figures:** there was no Redis, so the cache was each gunicorn worker's "
            "own memory, which cannot be emptied from outside without restarting the workers "
            "(and a restart also throws away compiled templates and connections, which is not "
            "what a cold cache means). Cold targets are reported as not measured.",
            "",
        ]
    capped = [s for s in results.get("series", []) if s.get("capped")]
    if capped:
        lines += [
            f"> {len(capped)} series stopped before {o['reps']} requests to keep the run within "
            f"its {o['budget_s']:.0f} s budget (their pages are slow); the `n` column shows how "
            "many requests each series measured.",
            "",
        ]
    lines += [
        "## Setup",
        "",
        "| | |",
        "| --- | --- |",
        f"| Machine | {m['cpu']}, {m['cores']} cores, {m['ram_gib']} GiB RAM, {m['os']}; "
        f"load average {_load(results)} before the run |",
        f"| Python, Django | Python {m['python']}, Django {m['versions']['django']} |",
        f"| Web | {stack.get('web', '–')} (gunicorn {m['versions']['gunicorn']}), "
        f"{stack.get('settings', '')}, DEBUG off |",
        f"| Database | {stack.get('database', '–')} |",
        f"| Cache | {stack.get('cache', '–')} |",
        f"| Celery tasks | {stack.get('celery', '–')} |",
        f"| Upstream | the sandbox (fake WebWork) on loopback: {seed.get('members', '?')} members "
        f"in {seed.get('teams', '?')} teams, {seed.get('policies', '?')} policies, "
        f"{seed.get('leaves', 0):,} leave requests over a year ({seed.get('pending', '?')} "
        "pending); WebWork's rate limit on (60 calls a minute per token; each cold request "
        "of the series below starts a fresh minute); added latency "
        + " and ".join(f"{x} ms" for x in o["latencies"])
        + " |",
        f"| Series | up to {o['reps']} measured requests each; warm series after up to "
        f"{o['warmups']} unmeasured views; load runs of {o['load_seconds']} s with "
        f"{o['users']} users |",
        "",
        "**Cold** means the cache's Redis database was emptied (FLUSHDB) just before the "
        "request; the processes, their database connections and compiled templates stay warm. "
        "**Warm** means the same page had just been viewed. Server time is `app;dur` of the "
        "`Server-Timing` header (time inside Django, middleware included); upstream calls are "
        "counted by the sandbox's call log around each request, and from the header. "
        "The **frame first** cases are cold pages asked for as a browser that runs the "
        "dashboard's script (its cookie), just after another page checked the person's access: "
        "the answer is the page's frame, and its time is the time to first byte of a cold page "
        "(the data follows in a second request, the cold page's own case).",
        "",
        "## Targets",
        "",
        "| Target | Case | Added latency | Measured | Limit | Result |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    titles = {c["key"]: c["title"] for c in results.get("cases", [])}
    for v in verdicts:
        mark = {"pass": "✅ pass", "miss": "❌ miss"}.get(v["result"], v["result"])
        latency = f"{v['latency']} ms" if v["latency"] is not None else ""
        lines.append(
            f"| {v['target']} | {titles.get(v['case'], v['case'])} | {latency} | "
            f"{v['measured']} | {v['limit']} | {mark} |"
        )
    misses = [v for v in verdicts if v["result"] == "miss"]
    if misses:
        lines += ["", "### Why the misses", ""]
        seen = set()
        for v in misses:
            if v["why"] and v["why"] not in seen:
                seen.add(v["why"])
                lines.append(f"- {v['why']}")
    if HISTORY.exists():
        lines += ["", HISTORY.read_text().strip()]
    lines += _budget_tables(results)
    lines += ["", "## Server time per case", "", f"![Server time by page]({plot_name})", ""]
    lines += _case_tables(results)
    lines += _floor_tables(results)
    lines += _bulk_table(results)
    lines += _load_table(results)
    lines += _reproduce(results)
    if results.get("errors"):
        lines += ["", "## Problems during the run", ""]
        lines += [f"- {e}" for e in results["errors"]]
    return "\n".join(lines) + "\n"


def _budget_tables(results: dict) -> list[str]:
    """The morning round: calls per page and in all, against WebWork's 60 a minute."""
    rounds = results.get("budget") or []
    if not rounds:
        return []
    lines = [
        "",
        "## Calls per minute: the morning round",
        "",
        "A manager opens inbox, calendar, balances, requests and policies once each, one after "
        "another, on an emptied cache, with the sandbox enforcing WebWork's 60 calls a minute; "
        "then the same five pages again, warm. Calls are counted at the sandbox; a round is a "
        "wave of calls made together (counted with added latency only).",
    ]
    for budget in rounds:
        latency = budget["latency_ms"]
        lines += [
            "",
            f"**Added latency {latency} ms**: {budget['cold_calls']} calls for the cold round "
            f"(busiest 60 s: {budget['busiest_minute']} of {budget['budget']}), "
            f"{budget['warm_calls']} for the warm one.",
            "",
            "| Page | cold: calls | cold: rounds | cold: refused (429) | cold: has its data "
            "| cold: ms (client) | warm: calls |",
            "| --- | --- | --- | --- | --- | --- | --- |",
        ]
        warm = {p["page"]: p for p in budget["warm"]}
        for page in budget["cold"]:
            key = page["page"]
            rounds_text = "–" if page["rounds"] is None else str(page["rounds"])
            lines.append(
                f"| {page['title']} | {page['calls']} | {rounds_text} | {page['refused']} "
                f"| {'yes' if page['has_data'] else 'no'} | {page['client_ms']:.0f} "
                f"| {warm.get(key, {}).get('calls', '–')} |"
            )
    return lines


def _case_tables(results: dict) -> list[str]:
    lines = []
    latencies = results["options"]["latencies"]
    for case in results.get("cases", []):
        key = case["key"]
        method = "GET" if case["kind"] in ("page", "frame") else "POST"
        lines += [f"### {case['title']}: `{method} {case['path']}`", ""]
        lines += [
            "| Cache | Added latency | n | p50 ms | p95 ms | max ms | client p50 ms | "
            "upstream calls (sandbox) | upstream calls (header) | rounds | upstream ms (sum) | "
            "KB | ok |",
            "| --- | --- | --: | --: | --: | --: | --: | --: | --: | --: | --: | --: | --: |",
        ]
        for latency in latencies:
            for cold in (True, False):
                series = _series(results, key, cold, latency)
                label = "cold" if cold else "warm"
                st = stats(series)
                if st is None:
                    why = (series or {}).get("skipped") or "not measured"
                    lines.append(f"| {label} | {latency} ms | 0 | {why} |||||||||| |")
                    continue
                n = f"{st['n']}{'*' if st['capped'] else ''}"
                calls = f"{_num(st['calls_p50'])} (max {st['calls_max']})"
                header = f"{_num(st['header_calls_p50'])} (max {_num(st['header_calls_max'])})"
                lines.append(
                    f"| {label} | {latency} ms | {n} | {_ms(st['p50'])} | {_ms(st['p95'])} | "
                    f"{_ms(st['max'])} | {_ms(st['client_p50'])} | {calls} | {header} | "
                    f"{_num(st['rounds_p50']) if latency and st['calls_max'] else '–'} | "
                    f"{_ms(st['upstream_p50'])} | "
                    f"{st['kb']:,.0f} | {st['ok']}/{st['n']} |"
                )
        notes = []
        for latency in latencies:
            floor = _floor(results, key, latency)
            if floor:
                notes.append(
                    f"slowest single upstream call at {latency} ms: {_ms(floor['floor_ms'])} ms "
                    f"({floor['slowest']}); the lists it asked for hold {floor['min_calls']} "
                    "pages of 100"
                )
        cold = stats(_series(results, key, True, latencies[0]))
        if cold and cold["calls_p50"]:
            notes.append(
                f"a cold request spends {_num(cold['calls_p50'])} of the 60 calls a minute WebWork "
                "allows each person (the sandbox enforced them; each cold request had a fresh "
                "minute)"
            )
        render = _render(results, key)
        if render:
            notes.append(
                f"template render alone: {_ms(render['p50'])} ms (fastest "
                f"{_ms(render['min'])} ms) for {render['kb']:,.0f} KB "
                f"(`{render['template']}`); the whole request in-process: "
                f"{_ms(render['request_p50'])} ms"
                + (
                    " (this was the page's error notice: the data did not load)"
                    if render["error_notice"]
                    else ""
                )
            )
        if notes:
            lines += [""] + [f"- {n[0].upper()}{n[1:]}." for n in notes]
        lines.append("")
    lines += [
        "`*`: cut short by the time budget. `ok`: responses that did what was asked (a page "
        "without an error notice, an approved row, a filed request). `rounds`: waves of upstream "
        "calls that had to wait for an earlier answer (counted from arrival times at the "
        "sandbox, with added latency only).",
        "",
    ]
    return lines


def _floor_tables(results: dict) -> list[str]:
    floors = results.get("floor") or {}
    if not floors:
        return []
    lines = [
        "## The floor: the upstream calls themselves",
        "",
        "Each distinct list a cold page asked for, called directly with the signed-in "
        "person's bearer token (first page, 100 per page; median of "
        f"{results['options']['floor_reps']}).",
        "",
        "| Call | Items | Pages of 100 | " + " | ".join(f"ms at {x} ms" for x in floors) + " |",
        "| --- | --: | --: |" + " --: |" * len(floors),
    ]
    rows: dict[str, dict] = {}
    for latency, floor in floors.items():
        for call in floor["calls"].values():
            params = {k: v for k, v in call["params"].items() if k != "workspace_id"}
            name = f"GET {call['path']} " + (
                "&".join(f"{k}={v}" for k, v in sorted(params.items())) or "(no filter)"
            )
            row = rows.setdefault(name, {"items": call["items"], "pages": call["pages"]})
            row[latency] = call["ms"]
    for name, row in sorted(rows.items()):
        lines.append(
            f"| `{name}` | {row['items']:,} | {row['pages']} | "
            + " | ".join(_ms(row.get(latency)) for latency in floors)
            + " |"
        )
    lines.append("")
    return lines


def _bulk_table(results: dict) -> list[str]:
    runs = results.get("bulk") or []
    if not runs:
        return []
    lines = [
        "## Bulk approve 100",
        "",
        "One `POST /w/1/leaves/bulk/` naming 100 pending requests, then the progress panel's "
        "polls (one a second) until the last decision. The undo window (8 s) comes first; each "
        "slice re-checks the pending list, and the person's allowance (58 calls a minute, 10 "
        "kept for their pages) paces the PUTs, so latency matters less than the minute. The "
        "bench runs no Celery worker: the polls decide each slice once the run has been quiet "
        "for 5 s, as they do when a worker is down.",
        "",
        "| Added latency | Time to the last decision | Decided | Upstream calls (PUT / GET) | "
        "Most calls in any 60 s |",
        "| --: | --: | --: | --: | --: |",
    ]
    for run in runs:
        lines.append(
            f"| {run['latency_ms']} ms | {run['seconds_to_last']:.1f} s | "
            f"{run['decided']} of {run['count']} | {run['upstream_calls']} "
            f"({run['puts']} / {run['gets']}) | {run['max_calls_in_a_minute']} |"
        )
    lines.append("")
    return lines


def _load_table(results: dict) -> list[str]:
    load = results.get("load") or {}
    if not load:
        return []
    lines = [
        "## Under load",
        "",
        "locust, headless, on the same machine (loopback), against the same 2 gunicorn workers; "
        "every user views the warm page again as soon as the last view arrived.",
        "",
        "| Page | Users | Seconds | Views | Views/s | Failures | client p50 / p95 / p99 ms | "
        "server p50 / p95 / p99 ms | Upstream calls |",
        "| --- | --: | --: | --: | --: | --: | --: | --: | --: |",
    ]
    for key, run in load.items():
        c, s = run["client_ms"], run["server_ms"]
        lines.append(
            f"| {key} (`{run['path']}`) | {run['users']} | {run['seconds']} | "
            f"{_num(run['requests'])} | {_rate(run['rps'])} | {_num(run['failures'])} | "
            f"{_num(c['50%'])} / {_num(c['95%'])} / {_num(c['99%'])} | "
            f"{_num(s['50%'])} / {_num(s['95%'])} / {_num(s['99%'])} | "
            f"{_num(run['sandbox_calls'])} |"
        )
    lines.append("")
    return lines


def _reproduce(results: dict) -> list[str]:
    o = results["options"]
    return [
        "## How to reproduce",
        "",
        "```sh",
        "make bench                                  # the full run, under 10 minutes",
        ".venv/bin/python -m bench --quick           # smoke run; report in bench/results/",
        ".venv/bin/python -m bench --profile inbox   # also pyinstrument profiles (bench/results/)",
        ".venv/bin/python -m bench --help            # every option",
        "```",
        "",
        "The harness starts the sandbox (`python -m sandbox`, seeded as above) and gunicorn "
        "(`config.wsgi`, 2 workers × 4 threads, settings `bench.settings`: the production "
        "settings with plain-HTTP cookies and no SSL redirect) on free loopback ports, and "
        "generates every secret. It uses PostgreSQL at `127.0.0.1:5432` (user `postgres`, "
        "trust auth; `BENCH_POSTGRES_URL` to change) in a throwaway database it drops at the "
        f"end, SQLite when there is none, and Redis database {o['redis_db']} at "
        "`127.0.0.1:6379` (`--redis-db N`, `BENCH_REDIS_URL`; the in-process cache when there is "
        "no Redis, and then no cold figures). It starts no database or Redis server itself. "
        "Everything it "
        "started is stopped on exit, Ctrl-C included. Pages too slow for the planned number "
        "of requests within the time budget (`--budget`, seconds) are measured fewer times.",
    ]


# --------------------------------------------------------------------------- plot
def _plot(results: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    cases = results.get("cases", [])
    latencies = results["options"]["latencies"] or [0]
    fig, axes = plt.subplots(
        1, len(latencies), figsize=(6.5 * len(latencies), 5.2), sharey=True, squeeze=False
    )
    width = 0.38
    for ax, latency in zip(axes[0], latencies, strict=True):
        for offset, cold, color in ((-width / 2, True, "#c0504d"), (width / 2, False, "#4f81bd")):
            p50s, errs = [], [[], []]
            for case in cases:
                st = stats(_series(results, case["key"], cold, latency))
                p50 = st["p50"] if st else float("nan")
                p95 = st["p95"] if st else float("nan")
                p50s.append(p50)
                errs[0].append(0)
                errs[1].append(max(p95 - p50, 0) if st else 0)
            xs = [i + offset for i in range(len(cases))]
            ax.bar(xs, p50s, width, color=color, label=("cold" if cold else "warm") + " p50")
            for x, p50, up in zip(xs, p50s, errs[1], strict=True):
                if not math.isnan(p50):
                    ax.annotate(
                        _ms(p50),
                        (x, p50 + up),
                        xytext=(0, 2),
                        textcoords="offset points",
                        ha="center",
                        fontsize=6,
                        rotation=90,
                        va="bottom",
                    )
            ax.errorbar(xs, p50s, yerr=errs, fmt="none", ecolor="#333", capsize=3, lw=1)
        limits = []
        for i, case in enumerate(cases):
            floor = _floor(results, case["key"], latency)
            if floor and case["kind"] == "page" and latency == COLD_LATENCY:
                limits.append((i - width / 2, COLD_FACTOR * floor["floor_ms"]))
        if limits:
            ax.scatter(
                [x for x, _ in limits],
                [y for _, y in limits],
                marker="_",
                s=260,
                color="black",
                zorder=5,
                label="1.3 × slowest upstream call",
            )
        ax.axhline(WARM_P50, color="#4f81bd", ls="--", lw=0.8, label="warm p50 target (15 ms)")
        ax.set_yscale("log")
        ax.set_xticks(range(len(cases)))
        ax.set_xticklabels([SHORT.get(c["key"], c["key"]) for c in cases], fontsize=8)
        ax.set_title(f"added upstream latency {latency} ms")
        ax.grid(axis="y", which="both", alpha=0.25)
    from matplotlib.ticker import FuncFormatter

    tops = [
        st["p95"]
        for s in results.get("series", [])
        if (st := stats(s)) is not None and st["p95"] is not None
    ]
    if tops:
        axes[0][0].set_ylim(top=max(tops) * 4)
    axes[0][0].yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    axes[0][0].set_ylabel("server time, ms (log scale; bar p50, whisker p95)")
    handles, labels = axes[0][-1].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=len(labels), fontsize=8, frameon=False)
    started = results["started"][:16].replace("T", " ")
    fig.suptitle(f"WebWork Leave Dashboard, server time per request ({started} UTC)", fontsize=11)
    fig.tight_layout(rect=(0, 0.05, 1, 1))
    fig.savefig(path, dpi=110)
    plt.close(fig)

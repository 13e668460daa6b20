"""`python -m bench`: start everything, measure, report, and clean up whatever happens."""

import argparse
import datetime as dt
import json
import signal
import sys
import time
from dataclasses import asdict, dataclass

from bench import machine, report
from bench.budget import ROUND, measure_round
from bench.bulk import measure_bulk
from bench.clients import Dashboard, Sandbox
from bench.floor import measure_floor
from bench.load import run_load
from bench.series import WORKSPACE, Runner, build_cases, make_pools
from bench.stack import (
    GUNICORN_THREADS,
    GUNICORN_WORKERS,
    RESULTS,
    ROOT,
    SEED,
    BenchError,
    Stack,
    say,
)

LOAD_PAGES = ("calendar", "inbox")
# What one "bulk approve 100" takes, about: 100 PUTs within the allowance's minutes.
BULK_SECONDS = 150
PROFILE_DEFAULT = "inbox,calendar,balances,leaves"


@dataclass(frozen=True)
class Options:
    """How much to measure."""

    quick: bool
    reps: int
    warmups: int
    min_reps: int
    budget_s: float  # 0: no limit
    load_seconds: int
    users: int
    floor_reps: int
    render_reps: int
    latencies: tuple[int, ...]
    cases: tuple[str, ...]
    profile: tuple[str, ...]
    redis_db: int
    docs: bool


def parse_args(argv: list[str] | None) -> Options:
    """Command line."""
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description="Measure the dashboard's server time and upstream calls, cold and warm, "
        "against a large seeded sandbox; write docs/benchmarks.md and docs/benchmarks.png.",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="smoke run: 5 requests per series, 8 s load runs, report in bench/results/ only",
    )
    parser.add_argument(
        "--profile",
        nargs="?",
        const=PROFILE_DEFAULT,
        default="",
        metavar="PAGES",
        help=f"also profile pages with pyinstrument, warm and cold (default: {PROFILE_DEFAULT})",
    )
    parser.add_argument("--reps", type=int, help="measured requests per series (30; quick 5)")
    parser.add_argument(
        "--budget",
        type=float,
        help="seconds the run may take before profiling; slow series are cut short to fit "
        "(540; quick 300; 0 = no limit)",
    )
    parser.add_argument("--load-seconds", type=int, help="length of each load run (30; quick 8)")
    parser.add_argument("--users", type=int, default=8, help="locust users (8)")
    parser.add_argument("--latencies", default="0,150", help="added upstream latencies in ms")
    parser.add_argument("--cases", default="", help="only these cases (comma-separated keys)")
    parser.add_argument("--redis-db", type=int, default=9, help="Redis database to use (9)")
    parser.add_argument(
        "--docs",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="write docs/benchmarks.md and .png (default: yes, except with --quick)",
    )
    args = parser.parse_args(argv)
    quick = args.quick
    return Options(
        quick=quick,
        reps=args.reps or (5 if quick else 30),
        warmups=1 if quick else 2,
        min_reps=2 if quick else 5,
        budget_s=args.budget if args.budget is not None else (300.0 if quick else 540.0),
        load_seconds=args.load_seconds or (8 if quick else 30),
        users=args.users,
        floor_reps=2 if quick else 5,
        render_reps=3 if quick else 10,
        latencies=tuple(int(x) for x in args.latencies.split(",") if x.strip()),
        cases=tuple(x.strip() for x in args.cases.split(",") if x.strip()),
        profile=tuple(x.strip() for x in args.profile.split(",") if x.strip()),
        redis_db=args.redis_db,
        docs=args.docs if args.docs is not None else not quick,
    )


def _terminate(signum, frame):
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; 0 when it completed, 1 on a failure, 130 when interrupted."""
    options = parse_args(argv)
    # Explicit, since a shell may start the harness with SIGINT ignored (a background job).
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, _terminate)
    signal.signal(signal.SIGHUP, _terminate)
    RESULTS.mkdir(parents=True, exist_ok=True)
    log_dir = RESULTS / "logs"
    log_dir.mkdir(exist_ok=True)
    stack = Stack(redis_db=options.redis_db, log_dir=log_dir)
    results: dict = {
        "started": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "options": asdict(options),
        "machine": machine.describe(),
        "load_average": {"start": machine.load_average()},
        "errors": [],
    }
    started = time.monotonic()
    code = 0
    try:
        _run(stack, options, results, started)
    except KeyboardInterrupt:
        results["errors"].append("interrupted")
        say("interrupted; cleaning up")
        code = 130
    except BenchError as exc:
        results["errors"].append(str(exc))
        say(f"failed: {exc}")
        code = 1
    finally:
        results["load_average"]["end"] = machine.load_average()
        # A second Ctrl-C must not stop the cleanup half-way.
        for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(signum, signal.SIG_IGN)
        stack.close()
    results["finished"] = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    results["duration_s"] = round(time.monotonic() - started, 1)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%d-%H%M%S")
    raw = RESULTS / f"run-{stamp}{'-quick' if options.quick else ''}.json"
    raw.write_text(json.dumps(results, indent=1, default=str))
    (RESULTS / "latest.json").write_text(raw.read_text())
    say(f"raw results: {raw.relative_to(ROOT)}")
    if code == 0:
        target = ROOT / "docs" if options.docs else RESULTS
        name = "benchmarks" if options.docs else "benchmarks-quick"
        markdown, plot = report.write(results, target / f"{name}.md", target / f"{name}.png")
        say(f"report: {markdown.relative_to(ROOT)}, {plot.relative_to(ROOT)}")
    say(f"done in {results['duration_s']:.0f} s")
    return code


def _run(stack: Stack, options: Options, results: dict, started: float) -> None:
    say("starting the sandbox (500 members, 20 teams, 6 policies, 5,000 leaves)")
    stack.start_sandbox()
    stack.open_database()
    stack.open_cache()
    say(f"database: {stack.database}; cache: {stack.cache}")
    say("migrating and collecting static files")
    stack.prepare_django()
    say("starting gunicorn")
    stack.start_web()
    dashboard = Dashboard(stack.web_url)
    dashboard.sign_in()
    token = _inprocess(stack, ["token"], timeout=120)["token"]
    sandbox = Sandbox(stack.sandbox_url, token=token)
    today = dt.datetime.now(dt.UTC).date()
    pools = make_pools(sandbox, today)
    results["seed"] = _seed_summary(sandbox, pools)
    results["stack"] = {
        "database": stack.database,
        "cache": stack.cache,
        "celery": stack.celery,
        "web": f"gunicorn config.wsgi, {GUNICORN_WORKERS} workers x {GUNICORN_THREADS} threads",
        "settings": "bench.settings (config.settings.production; plain-HTTP cookies, no SSL "
        "redirect)",
        "sandbox": {**SEED, "rate_limit": 60},
    }
    cases = [c for c in build_cases(pools.policy_id) if not options.cases or c.key in options.cases]
    results["cases"] = [asdict(c) for c in cases]
    runner = Runner(
        stack, dashboard, sandbox, pools, {c.key: c for c in build_cases(pools.policy_id)}
    )

    say("the morning round: five cold pages, then warm, with WebWork's rate limit on")
    pages = {c.key: (c.title, c.path) for c in build_cases(pools.policy_id)}
    results["budget"] = [
        measure_round(stack, dashboard, sandbox, pages, latency)
        for latency in options.latencies
        if stack.can_flush and all(key in pages for key in ROUND)
    ]

    # Time left for the series: the budget less what the load runs, floors and render need.
    post = len(LOAD_PAGES) * (options.load_seconds + 20) + (25 if options.quick else 50) + 15
    if not options.cases or "bulk" in options.cases:
        post += BULK_SECONDS * len(options.latencies)
    floor_reserve = 8 if options.quick else 20
    plan = [
        (latency, case, cold)
        for latency in options.latencies
        for case in cases
        for cold in ((True,) if case.kind == "frame" else (True, False))
    ]
    results["series"] = []
    results["floor"] = {}
    floors_left = len(options.latencies)
    done = 0
    for latency in options.latencies:
        say(f"added upstream latency {latency} ms")
        sandbox.set_latency(latency)
        runner.latency_ms = latency
        for _, case, cold in [p for p in plan if p[0] == latency]:
            if cold and not stack.can_flush:
                results["series"].append(
                    {
                        "case": case.key,
                        "cold": True,
                        "latency_ms": latency,
                        "samples": [],
                        "skipped": "the in-process cache cannot be emptied from outside",
                    }
                )
                done += 1
                continue
            allowed, hard = None, None
            if options.budget_s:
                end = started + options.budget_s - post - floor_reserve * floors_left
                allowed = max(end - time.monotonic(), 0) / max(len(plan) - done, 1)
                hard = end
            series = runner.run_series(
                case,
                cold=cold,
                reps=options.reps,
                warmups=options.warmups,
                min_reps=options.min_reps,
                allowed_s=allowed,
                hard_deadline=hard,
            )
            results["series"].append(series.to_dict())
            done += 1
        needed = {
            s["case"]: s["needed_calls"]
            for s in results["series"]
            if s["latency_ms"] == latency and s["cold"] and s.get("needed_calls")
        }
        if needed:
            say(f"  floor: timing {len(needed)} pages' upstream calls directly")
            sandbox.wait_idle()
            results["floor"][str(latency)] = measure_floor(sandbox, needed, reps=options.floor_reps)
        floors_left -= 1
    sandbox.set_latency(0)

    if not options.cases or "bulk" in options.cases:
        results["bulk"] = []
        for latency in options.latencies:
            sandbox.set_latency(latency)
            results["bulk"].append(measure_bulk(dashboard, sandbox, pools, latency_ms=latency))
        sandbox.set_latency(0)

    results["load"] = {}
    by_key = {c.key: c for c in cases}
    for key in LOAD_PAGES:
        if key in by_key:
            say(f"load: {options.users} users on the warm {key} for {options.load_seconds} s")
            results["load"][key] = run_load(
                stack,
                dashboard,
                sandbox,
                key=key,
                path=by_key[key].path,
                users=options.users,
                seconds=options.load_seconds,
                out_dir=RESULTS,
            )

    say("template render time alone (in-process)")
    render_cases = {c.key: c.path for c in cases if c.kind in ("page", "approve")}
    args = ["render", "--cases", json.dumps(render_cases), "--reps", str(options.render_reps)]
    args += ["--budget", "3" if options.quick else "5"]
    if pools.pending:
        args += ["--approve-leave", pools.next_leave()]
    results["render"] = _inprocess(stack, args, timeout=600)

    if options.profile:
        pages = {c.key: c.path for c in build_cases(pools.policy_id) if c.is_page}
        chosen = {key: pages[key] for key in options.profile if key in pages}
        unknown = sorted(set(options.profile) - set(pages))
        if unknown:
            results["errors"].append(f"not profiled (not a page): {', '.join(unknown)}")
        say(f"profiling {', '.join(chosen)}")
        results["profile"] = _inprocess(
            stack,
            ["profile", "--cases", json.dumps(chosen), "--out-dir", str(RESULTS)],
            timeout=900,
        )


def _inprocess(stack: Stack, args: list[str], *, timeout: float) -> dict:
    done = stack.django_command(["-m", "bench.inprocess", *args], timeout=timeout)
    (stack.log_dir / f"inprocess-{args[0]}.log").write_text(done.stderr)
    if done.returncode != 0:
        raise BenchError(f"bench.inprocess {args[0]} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _seed_summary(sandbox: Sandbox, pools) -> dict:
    members, _ = sandbox.get("/members", {"workspace_id": WORKSPACE, "per_page": 100})
    leaves, _ = sandbox.get("/leaves", {"workspace_id": WORKSPACE, "per_page": 1})
    policies, _ = sandbox.get("/leaves/policies", {"workspace_id": WORKSPACE})
    team_names = {m.get("team_name") for m in sandbox.get_all("/members", {"workspace_id": 1})}
    return {
        "members": members["meta"]["pagination"]["total"],
        "teams": len({t for t in team_names if t}),
        "policies": len(policies.get("data") or []),
        "leaves": leaves["meta"]["pagination"]["total"],
        "pending": len(pools.pending),
    }


if __name__ == "__main__":
    sys.exit(main())

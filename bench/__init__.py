"""Benchmark of the dashboard as it runs in production, against a large seeded sandbox.

`python -m bench` (or `make bench`) starts the sandbox, PostgreSQL and Redis when available and
gunicorn, measures server time and upstream calls per page, cold and warm, at two upstream
latencies, runs a short load test, and writes `docs/benchmarks.md` and `docs/benchmarks.png`.
Raw results go to `bench/results/` (not kept in git).
"""

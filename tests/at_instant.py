"""Run a Python module in a subprocess at the test's instant: ``python -m tests.at_instant MOD``.

A test that starts a process of the product (a Celery worker) must share its clock with it,
or cached values, heartbeats and per-year keys would disagree under a pinned clock. The
test passes its current time in TEST_CLOCK_AT; the subprocess travels there (ticking) before
the module runs. Without TEST_CLOCK_AT the module runs at the real time.
"""

import os
import runpy
import sys

import time_machine


def main() -> None:
    """Travel to TEST_CLOCK_AT, then run the module named by the first argument."""
    instant = os.environ.get("TEST_CLOCK_AT")
    if instant:
        time_machine.travel(instant, tick=True).start()
    module, *args = sys.argv[1:]
    sys.argv = [module, *args]
    runpy.run_module(module, run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main()

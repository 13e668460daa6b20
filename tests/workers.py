"""Real Celery workers in subprocesses, sharing the test's database, cache, clock and sandbox."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import kombu.pools
from django.conf import settings
from django.db import connection

from config.celery import app

ROOT = Path(__file__).resolve().parents[1]


@contextlib.contextmanager
def celery_workers(
    broker: str, webwork, *, count: int = 1, env: dict | None = None
) -> Iterator[list[subprocess.Popen]]:
    """`count` workers (solo pool each) on `broker`; this process publishes to it meanwhile."""
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "TEST_CELERY_WORKER": "1",
        "CELERY_BROKER_URL": broker,
        "DATABASE_URL": f"sqlite:///{connection.settings_dict['NAME']}",
        "WEBWORK_API_URL": webwork.api_url,
        "WEBWORK_OAUTH_URL": webwork.oauth_url,
        # The workers share this test's clock (a pinned or --today instant included).
        "TEST_CLOCK_AT": dt.datetime.now(dt.UTC).isoformat(),
        **(env or {}),
    }
    processes = [
        subprocess.Popen(  # noqa: S603 - our interpreter, our arguments
            [
                sys.executable,
                "-m",
                "tests.at_instant",
                "celery",
                "-A",
                "config",
                "worker",
                "--pool=solo",
                "--without-heartbeat",
                "--without-gossip",
                "--without-mingle",
                "-n",
                f"test{number}@%h",
                "-l",
                "WARNING",
            ],
            cwd=ROOT,
            env=environment,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for number in range(count)
    ]
    saved = (app.conf.task_always_eager, app.conf.broker_url, app.conf.broker_transport_options)
    drop_connections()
    app.conf.task_always_eager = False
    app.conf.broker_url = broker
    app.conf.broker_transport_options = settings.TEST_BROKER_OPTIONS
    settings.CELERY_TASK_ALWAYS_EAGER = False
    try:
        yield processes
    finally:
        app.conf.task_always_eager, app.conf.broker_url, app.conf.broker_transport_options = saved
        settings.CELERY_TASK_ALWAYS_EAGER = True
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
        drop_connections()


def drop_connections() -> None:
    """Forget pooled broker connections, so a changed broker_url takes effect.

    kombu keeps producer pools in a global registry keyed by connection: reset it too, or a
    later publish finds a producer pool over the connection pool closed here.
    """
    if app._pool is not None:
        app._pool.force_close_all()
        app._pool = None
    kombu.pools.reset()
    app.amqp._producer_pool = None

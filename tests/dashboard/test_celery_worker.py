"""A real Celery worker against real Redis refreshes balances the web side then serves."""

import datetime as dt
import os
import subprocess
import sys
import time
from pathlib import Path

import kombu.pools
import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection

from config.celery import app
from dashboard.platform import health
from dashboard.platform.cache import workspace_key
from dashboard.platform.queue import enqueue
from dashboard.selectors import balance_window

ROOT = Path(__file__).resolve().parents[2]


def _manager_pk() -> int:
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(email="manager@sandbox.test").pk


pytestmark = [pytest.mark.redis, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def worker(redis_url, webwork):
    """`celery worker` in a subprocess, sharing this test's database, cache and sandbox."""
    # The database REDIS_URL names, under this test process's key prefix (test settings).
    broker = redis_url
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "TEST_CELERY_WORKER": "1",
        "CELERY_BROKER_URL": broker,
        "DATABASE_URL": f"sqlite:///{connection.settings_dict['NAME']}",
        "WEBWORK_API_URL": webwork.api_url,
        "WEBWORK_OAUTH_URL": webwork.oauth_url,
        # The worker shares this test's clock (a pinned or --today instant included).
        "TEST_CLOCK_AT": dt.datetime.now(dt.UTC).isoformat(),
    }
    process = subprocess.Popen(
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
            "-l",
            "WARNING",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    saved = (app.conf.task_always_eager, app.conf.broker_url)
    _drop_connections()
    saved_options = app.conf.broker_transport_options
    app.conf.task_always_eager = False
    app.conf.broker_url = broker
    app.conf.broker_transport_options = settings.TEST_BROKER_OPTIONS
    settings.CELERY_TASK_ALWAYS_EAGER = False
    try:
        yield process
    finally:
        app.conf.task_always_eager, app.conf.broker_url = saved
        app.conf.broker_transport_options = saved_options
        settings.CELERY_TASK_ALWAYS_EAGER = True
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
        _drop_connections()


def _drop_connections() -> None:
    """Forget pooled broker connections, so a changed broker_url takes effect.

    kombu keeps producer pools in a global registry keyed by connection: reset it too, or a
    later publish finds a producer pool over the connection pool closed here.
    """
    if app._pool is not None:
        app._pool.force_close_all()
        app._pool = None
    kombu.pools.reset()
    app.amqp._producer_pool = None


def test_worker_refreshes_balances_into_the_shared_cache(manager_client, worker, webwork):
    key = workspace_key(1, "balances", balance_window()[0].year)
    cache.delete(key)
    webwork.state.calls.clear()
    started = time.time()
    enqueue(
        "dashboard.tasks.workspace_balances_refresh_task", workspace_id=1, user_id=_manager_pk()
    )
    deadline = time.monotonic() + 30
    entry = None
    while time.monotonic() < deadline:
        entry = cache.get(key)
        if entry is not None:
            break
        if worker.poll() is not None:
            pytest.fail(f"worker exited: {worker.stdout.read()}")
        time.sleep(0.2)
    assert entry is not None, "the worker did not refresh the balances within 30 s"
    assert entry.fetched_at >= started
    assert len(entry.value) > 10
    assert webwork.state.calls.count(path="^/api/v2/leaves/balances$") == 1
    # The page now serves the worker's data without calling WebWork for balances.
    webwork.state.calls.clear()
    assert manager_client.get("/w/1/balances/").status_code == 200
    assert webwork.state.calls.count(path="^/api/v2/leaves/balances$") == 0


def test_healthz_sees_the_worker_through_its_heartbeat(client, worker):
    """Beat's heartbeat task, taken by the real worker, is what /healthz judges it by."""
    cache.delete(health.WORKER_HEARTBEAT_KEY)
    assert client.get("/healthz").json()["checks"]["worker"]["status"] == "unknown"
    enqueue("dashboard.tasks.worker_heartbeat_task")
    deadline = time.monotonic() + 30
    while cache.get(health.WORKER_HEARTBEAT_KEY) is None and time.monotonic() < deadline:
        if worker.poll() is not None:
            pytest.fail(f"worker exited: {worker.stdout.read()}")
        time.sleep(0.2)
    report = client.get("/healthz").json()
    assert report["checks"]["worker"]["status"] == "ok", report
    assert report["checks"]["worker"]["age_s"] < 30

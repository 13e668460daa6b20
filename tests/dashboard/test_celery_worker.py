"""A real Celery worker against real Redis refreshes balances the web side then serves."""

import time

import pytest
from django.core.cache import cache

from dashboard.platform import health
from dashboard.platform.cache import workspace_key
from dashboard.platform.queue import enqueue
from dashboard.selectors import balance_window
from tests.workers import celery_workers


def _manager_pk() -> int:
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(email="manager@sandbox.test").pk


pytestmark = [pytest.mark.redis, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def worker(redis_url, webwork):
    """`celery worker` in a subprocess, sharing this test's database, cache and sandbox."""
    # The database REDIS_URL names, under this test process's key prefix (test settings).
    with celery_workers(redis_url, webwork) as (process,):
        yield process


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

"""Held and bulk decisions with a real Celery worker on real Redis: a worker killed in the
undo window loses nothing and doubles nothing; a large bulk run is decided by the worker."""

import time

import pytest
from django.contrib.auth import get_user_model

from dashboard import services
from dashboard.models import BulkRun, LeaveDecision
from dashboard.platform.queue import enqueue
from dashboard.services.held_decisions import held_decision_send
from tests.workers import celery_workers

pytestmark = [pytest.mark.redis, pytest.mark.django_db(transaction=True)]

WS = 1


def _manager():
    return get_user_model().objects.get(email="manager@sandbox.test")


def _wait_for(condition, worker=None, seconds: float = 30) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        if worker is not None and worker.poll() is not None:
            pytest.fail(f"worker exited: {worker.stdout.read()}")
        time.sleep(0.2)
    return condition()


def test_a_worker_killed_in_the_undo_window_loses_nothing_and_sends_once(
    manager_client, webwork, redis_url, settings
):
    settings.DECISION_UNDO_SECONDS = 2
    leave_id = webwork.state.leaves_for(WS, status="pending")[0]["id"]
    with celery_workers(redis_url, webwork) as (first,):
        result = services.leave_approve(
            user=_manager(), workspace_id=WS, leave_id=leave_id, hold=True
        )
        assert result.outcome == "held"
        time.sleep(0.5)  # the countdown task reaches the worker, which holds it until its time
        first.kill()  # a restart in the window: its task is gone with it (until redelivery)
        first.wait(10)
    row = LeaveDecision.objects.get(leave_id=leave_id)
    assert row.state == "held"  # kept in the database, not in the dead worker
    time.sleep(2.5)  # past the send time
    assert webwork.state.calls.count(method="PUT", path=leave_id) == 0
    with celery_workers(redis_url, webwork) as (second,):
        enqueue("dashboard.tasks.held_decisions_sweep_task")  # as beat does every 5 s
        assert _wait_for(lambda: webwork.state.leave(leave_id)["status"] == "approved", second)
    # The lost task's message, redelivered later, finds nothing to send.
    assert held_decision_send(row_id=row.pk) is None
    assert webwork.state.calls.count(method="PUT", path=leave_id) == 1
    assert LeaveDecision.objects.get(leave_id=leave_id).state == "done"


@pytest.mark.usefixtures("rules_let_every_leave_through")
def test_a_large_bulk_run_is_decided_by_the_worker_once_each(manager_client, webwork, redis_url):
    ids = [leave["id"] for leave in webwork.state.leaves_for(WS, status="pending")]
    assert len(ids) > 20
    with celery_workers(redis_url, webwork) as (worker,):
        response = manager_client.post(
            "/w/1/leaves/bulk/", {"leave": ids, "action": "approve"}, headers={"HX-Request": "true"}
        )
        assert response.status_code == 200
        run = BulkRun.objects.get()
        assert _wait_for(
            lambda: not run.items.filter(outcome__in=("queued", "working")).exists(), worker, 60
        )
    assert set(run.items.values_list("outcome", flat=True)) == {"decided"}
    for leave_id in ids:
        assert webwork.state.calls.count(method="PUT", path=leave_id) == 1

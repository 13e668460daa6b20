"""R-15: background refreshes are not duplicated, and no task waits past the broker's redelivery."""

import threading

import pytest
from django.conf import settings as django_settings
from django.contrib.auth import get_user_model
from django.db import connection

from dashboard.tasks import MAX_RETRY_COUNTDOWN, workspace_balances_refresh_task

from ..security.support import MANAGER, WS_A


def test_no_retry_waits_longer_than_the_redis_visibility_timeout():
    """A countdown past visibility_timeout makes the Redis broker deliver the task twice."""
    visibility = django_settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"]
    assert visibility > MAX_RETRY_COUNTDOWN
    assert django_settings.CELERY_TASK_ACKS_LATE is True


@pytest.mark.django_db(transaction=True)
def test_the_same_refresh_delivered_twice_at_once_calls_webwork_once(webwork, signed_in):
    signed_in(MANAGER)
    user_id = get_user_model().objects.get(email=MANAGER).pk
    webwork.state.add_fault(path="^/api/v2/leaves/balances$", latency_ms=500)
    webwork.state.calls.clear()
    barrier = threading.Barrier(2)
    outcomes = []

    def deliver():
        barrier.wait(5)
        try:
            outcomes.append(
                workspace_balances_refresh_task.apply(
                    kwargs={"workspace_id": WS_A, "user_id": user_id}
                ).get()
            )
        finally:
            connection.close()

    threads = [threading.Thread(target=deliver) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(outcomes) == ["refreshed", "skipped"]
    assert webwork.state.calls.count(path="^/api/v2/leaves/balances$") == 1

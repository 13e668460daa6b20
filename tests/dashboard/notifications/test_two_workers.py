"""Two real Celery workers on real Redis: each new request is announced once, each digest
sent once, whichever worker takes which task."""

import datetime as dt
import time

import pytest
import redis
from django.conf import settings
from django.contrib.auth import get_user_model

from dashboard.models import AlertDelivery, LeaveAnnouncement, NotificationPreference
from dashboard.platform.queue import enqueue
from dashboard.tasks import workspace_refresh_task
from tests.workers import celery_workers

pytestmark = [pytest.mark.redis, pytest.mark.django_db(transaction=True)]

WS = 1


def _queue_drained(client: redis.Redis) -> bool:
    """No task waiting in the queue, none taken and unfinished (acks are late)."""
    prefix = settings.TEST_BROKER_OPTIONS["global_keyprefix"]
    return client.llen(f"{prefix}celery") == 0 and client.hlen(f"{prefix}unacked") == 0


@pytest.mark.clock("2027-05-17T08:05Z")
def test_two_workers_announce_each_request_once_and_send_each_digest_once(
    redis_url, owner_client, manager_client, webwork, smtp, receiver
):
    users = get_user_model().objects
    amara, mateo = users.get(email="owner@sandbox.test"), users.get(email="manager@sandbox.test")
    NotificationPreference.objects.create(
        user=amara,
        alerts_enabled=True,
        digest_enabled=True,
        digest_hour=8,
        digest_weekdays="0,1,2,3,4,5,6",
        timezone="UTC",
    )
    owner_client.post(f"/w/{WS}/notifications/webhook/", {"url": receiver.url})
    workspace_refresh_task.delay(workspace_id=WS, user_id=mateo.pk)  # the first look, inline
    annual = next(p["id"] for p in webwork.state.policies_for(WS) if p["name"] == "Annual leave")
    start = dt.date(2027, 6, 14)
    new = [
        webwork.state.add_leave(WS, member, start, start + dt.timedelta(days=1), policy_id=annual)
        for member in (1009, 1013)
    ]
    env = {"EMAIL_URL": f"smtp://127.0.0.1:{smtp.port}", "SITE_URL": "https://leave.example.com"}
    client = redis.Redis.from_url(redis_url)
    with celery_workers(redis_url, webwork, count=2, env=env) as workers:
        for user in (mateo, amara, mateo, amara):  # beat, twice, and each manager's token
            enqueue("dashboard.tasks.workspace_refresh_task", workspace_id=WS, user_id=user.pk)
        for _ in range(3):
            enqueue("dashboard.tasks.digests_due_send_task")
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            settled = not AlertDelivery.objects.exclude(state__in=("sent", "dropped")).exists()
            if settled and len(smtp.messages) >= 2 and _queue_drained(client):
                break
            dead = [w for w in workers if w.poll() is not None]
            if dead:
                pytest.fail(f"a worker exited: {dead[0].stdout.read()}")
            time.sleep(0.2)
        else:
            pytest.fail("the workers did not finish within 60 s")
    subjects = sorted(str(m["Subject"]) for m in smtp.to("owner@sandbox.test"))
    assert subjects[0] == "2 new leave requests in Northwind Studio"
    assert subjects[1].endswith("leave requests waiting in 2 workspaces")
    assert len(subjects) == 2
    assert len(receiver.received) == 1
    assert LeaveAnnouncement.objects.filter(leave_id__in=[lv["id"] for lv in new]).count() == 2
    assert not smtp.to("manager@sandbox.test")

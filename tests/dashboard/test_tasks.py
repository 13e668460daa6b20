"""Background refreshes: beat covers active workspaces, a lock stops doubles, selective retries."""

import datetime as dt

import pytest
from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from dashboard import tasks
from dashboard.platform.cache import workspace_key
from dashboard.selectors.workspace_dataset import month_peek
from dashboard.webwork_oauth.models import WebWorkToken


def _manager_pk() -> int:
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(email="manager@sandbox.test").pk


pytestmark = pytest.mark.django_db


def test_beat_schedule_refreshes_workspaces_every_n_minutes():
    entry = settings.CELERY_BEAT_SCHEDULE["refresh-active-workspaces"]
    assert entry["task"] == "dashboard.tasks.workspaces_refresh_task"
    assert entry["schedule"] == settings.WORKSPACE_REFRESH_MINUTES * 60


def test_beat_refreshes_every_workspace_with_an_active_user(owner_client, webwork):
    owner_client.get("/w/2/")  # Amara uses workspace 2 as well
    webwork.state.calls.clear()
    assert tasks.workspaces_refresh_task.delay().get() == 2
    for workspace_id in (1, 2):
        for part in ("members", "policies"):
            assert cache.get(workspace_key(workspace_id, part)) is not None
    balance_calls = webwork.state.calls.records(path="^/api/v2/leaves/balances$")
    assert sorted(int(c["query"]["workspace_id"]) for c in balance_calls) == [1, 2]


def test_beat_syncs_every_minute_the_read_model_of_workspaces_someone_looks_at(
    owner_client, webwork
):
    entry = settings.CELERY_BEAT_SCHEDULE["sync-watched-datasets"]
    assert entry["task"] == "dashboard.tasks.datasets_sync_task"
    assert entry["schedule"] == 60
    owner_client.get("/w/2/")  # Amara looks at workspace 2 only
    webwork.state.calls.clear()
    assert tasks.datasets_sync_task.delay().get() == 1
    assert month_peek(workspace_id=2, month=(dt.date.today().year, dt.date.today().month))
    assert month_peek(workspace_id=1, month=(dt.date.today().year, dt.date.today().month)) is None
    asked = {int(c["query"]["workspace_id"]) for c in webwork.state.calls.records()}
    assert asked == {2}


def test_beat_skips_people_whose_sign_in_is_dead_or_idle(manager_client, webwork):
    WebWorkToken.objects.update(last_used_at=timezone.now() - dt.timedelta(days=40))
    assert tasks.workspaces_refresh_task.delay().get() == 0
    WebWorkToken.objects.update(last_used_at=timezone.now(), revoked_at=timezone.now())
    assert tasks.workspaces_refresh_task.delay().get() == 0


def test_a_refresh_already_running_is_skipped(manager_client, webwork):
    cache.add("lock:refresh:ws:1", "someone", 60)
    webwork.state.calls.clear()
    result = tasks.workspace_balances_refresh_task.delay(
        workspace_id=1, user_id=_manager_pk()
    ).get()
    assert result == "skipped"
    assert webwork.state.calls.count(path="^/api/v2/") == 0
    cache.delete("lock:refresh:ws:1")
    assert tasks.workspace_balances_refresh_task.delay(
        workspace_id=1, user_id=_manager_pk()
    ).get() == ("refreshed")


def test_permanent_errors_are_not_retried(manager_client, webwork):
    webwork.state.add_fault(path="balances$", status=403)
    webwork.state.calls.clear()
    assert (
        tasks.workspace_balances_refresh_task.delay(workspace_id=1, user_id=_manager_pk()).get()
        == "failed"
    )
    assert webwork.state.calls.count(path="balances$") == 1


def test_retryable_errors_are_retried_with_retry_after(manager_client, webwork, monkeypatch):
    webwork.state.add_fault(path="balances$", status=503, times=3)
    seen = []
    real_retry = tasks.workspace_balances_refresh_task.retry

    def spy(*args, **kwargs):
        seen.append(kwargs.get("countdown"))
        return real_retry(*args, **kwargs)

    monkeypatch.setattr(tasks.workspace_balances_refresh_task, "retry", spy)
    result = tasks.workspace_balances_refresh_task.apply(
        kwargs={"workspace_id": 1, "user_id": _manager_pk()}
    )
    assert result.get() == "refreshed"
    assert seen  # it retried
    assert all(0 < countdown <= tasks.MAX_RETRY_COUNTDOWN for countdown in seen)


def test_tasks_take_ids_only():
    for task in (tasks.workspace_balances_refresh_task, tasks.workspace_refresh_task):
        import inspect

        params = inspect.signature(task.run).parameters
        assert set(params) == {"workspace_id", "user_id"}


@pytest.mark.django_db
def test_beat_clears_expired_sessions_and_old_tombstones_daily():
    from django.contrib.sessions.models import Session

    from dashboard.webwork_oauth.models import SessionTombstone

    assert settings.CELERY_BEAT_SCHEDULE["clear-sessions"] == {
        "task": "dashboard.tasks.sessions_clear_task",
        "schedule": 24 * 3600.0,
    }
    now = timezone.now()
    Session.objects.create(session_key="e" * 32, session_data="", expire_date=now - dt.timedelta(1))
    Session.objects.create(session_key="l" * 32, session_data="", expire_date=now + dt.timedelta(1))
    old = SessionTombstone.objects.create(session_key="o" * 32)
    SessionTombstone.objects.filter(pk=old.pk).update(
        created_at=now - dt.timedelta(seconds=settings.SESSION_COOKIE_AGE + 60)
    )
    SessionTombstone.objects.create(session_key="r" * 32)
    assert tasks.sessions_clear_task() == 1
    assert list(Session.objects.values_list("session_key", flat=True)) == ["l" * 32]
    assert list(SessionTombstone.objects.values_list("session_key", flat=True)) == ["r" * 32]
